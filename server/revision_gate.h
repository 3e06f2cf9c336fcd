// Lets readers wait for the writer: the revision the server has published,
// and waits for it to reach a number (min_revision, Watch).
//
// Publish() is the writer's only cost: an atomic store plus a signal. A
// waiter whose revision is already reached never takes a lock. Waits are
// bounded: by their deadline, by kMaxRevisionWait, and by Close() (server
// shutdown), after which every wait that is not already satisfied fails at
// once.
//
// WaitAsync is for callers that must not block their thread (the completion
// queues serving Authorize): the call is parked and resumed by the gate's
// own thread, started on first use.
#ifndef PDP_SERVER_REVISION_GATE_H_
#define PDP_SERVER_REVISION_GATE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace pdp {

// The longest any read waits for a revision, whatever its deadline.
inline constexpr absl::Duration kMaxRevisionWait = absl::Seconds(30);

class RevisionGate {
 public:
  explicit RevisionGate(int64_t revision = 0) : revision_(revision) {}
  // Closes the gate (resuming parked calls) and joins its thread.
  ~RevisionGate();
  RevisionGate(const RevisionGate&) = delete;
  RevisionGate& operator=(const RevisionGate&) = delete;

  int64_t revision() const { return revision_.load(std::memory_order_acquire); }
  bool closed() const { return closed_.load(std::memory_order_acquire); }

  // Sets the published revision (never lower) and wakes the waiters.
  void Publish(int64_t revision);

  // OK once revision() >= `revision` (at once for revision <= 0). Else, at
  // `deadline` (or kMaxRevisionWait from now, if sooner) or on Close():
  // UNAVAILABLE, reason REVISION_NOT_REACHED, "revision N not reached; this
  // server is at M".
  absl::Status Wait(int64_t revision, absl::Time deadline) const;

  // As Wait, without blocking: `done` runs exactly once with Wait's result,
  // on this thread when the outcome is known now, else on the gate's thread
  // (so it must be quick and must not wait on the gate).
  void WaitAsync(int64_t revision, absl::Time deadline, std::function<void(absl::Status)> done);

  // Server shutdown: every wait not yet satisfied fails now, and every later
  // one fails at once. Returns after every parked callback has run.
  void Close();

 private:
  struct Parked {
    int64_t revision;
    absl::Time deadline;
    std::function<void(absl::Status)> done;
  };

  static absl::Time Bound(absl::Time deadline);
  absl::Status NotReached(int64_t revision) const;
  void RunParked();  // the gate's thread

  std::atomic<int64_t> revision_;
  std::atomic<bool> closed_{false};
  mutable absl::Mutex mu_;
  mutable absl::CondVar changed_;  // a publish, a park, or Close
  std::vector<Parked> parked_ ABSL_GUARDED_BY(mu_);
  bool resuming_ ABSL_GUARDED_BY(mu_) = false;  // the thread is running callbacks
  std::thread thread_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pdp

#endif  // PDP_SERVER_REVISION_GATE_H_
