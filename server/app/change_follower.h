// Keeps a replica's WorldState up to date with a shared store (PostgreSQL):
// a thread waits for commit notifications (or polls every second) and
// applies, in revision order, every batch other replicas committed.
//
// While the store cannot be reached the replica keeps answering from its
// last snapshot; WorldState::Staleness() says for how long it has been out
// of contact, and the follower retries by itself until the store is back.
#ifndef PDP_SERVER_APP_CHANGE_FOLLOWER_H_
#define PDP_SERVER_APP_CHANGE_FOLLOWER_H_

#include <atomic>
#include <thread>

#include "absl/time/time.h"
#include "server/app/world_state.h"
#include "server/store/store.h"

namespace pdp {

class ChangeFollower {
 public:
  // `state` and `store` must outlive the follower.
  ChangeFollower(WorldState* state, Store* store, absl::Duration poll_interval = absl::Seconds(1));
  ~ChangeFollower();  // stops the thread

  void Start();
  void Stop();

 private:
  void Run();

  WorldState* state_;
  Store* store_;
  absl::Duration poll_interval_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace pdp

#endif  // PDP_SERVER_APP_CHANGE_FOLLOWER_H_
