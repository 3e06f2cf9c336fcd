#include "server/change_follower.h"

#include <cstdio>

namespace pdp {

ChangeFollower::ChangeFollower(WorldState* state, Store* store, absl::Duration poll_interval)
    : state_(state), store_(store), poll_interval_(poll_interval) {}

ChangeFollower::~ChangeFollower() { Stop(); }

void ChangeFollower::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void ChangeFollower::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ChangeFollower::Run() {
  while (!stop_) {
    // Catch up first: a notification may have come before we listened.
    absl::Status s = state_->CatchUp();
    bool waited = false;
    if (s.ok()) {
      s = store_->WaitForCommits(poll_interval_);  // sleeps out the interval when it fails
      waited = true;
    }
    const bool was_reachable = state_->Staleness() == absl::ZeroDuration();
    if (s.ok()) {
      state_->SetStoreReachable(true);
      if (!was_reachable) {
        std::fprintf(stderr, "billing-pdp-server: the store is reachable again (revision %lld)\n",
                     static_cast<long long>(state_->revision()));
      }
    } else {
      state_->SetStoreReachable(false);
      if (was_reachable) {
        std::fprintf(stderr,
                     "billing-pdp-server: cannot follow the store (%s); answering from revision "
                     "%lld until it is back\n",
                     std::string(s.message()).c_str(), static_cast<long long>(state_->revision()));
      }
      if (!waited) absl::SleepFor(poll_interval_);  // never spin on a failing store
    }
  }
}

}  // namespace pdp
