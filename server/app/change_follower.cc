#include "server/app/change_follower.h"

#include "absl/strings/str_cat.h"
#include "server/log/logger.h"

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
        log::Info("store_reachable",
                  absl::StrCat("the store is reachable again (revision ", state_->revision(), ")"),
                  {log::Field("reachable", true), log::Field("revision", state_->revision())});
      }
    } else {
      state_->SetStoreReachable(false);
      if (was_reachable) {
        log::Warning(
            "store_reachable",
            absl::StrCat("cannot follow the store (", s.message(), "); answering from revision ",
                         state_->revision(), " until it is back"),
            {log::Field("reachable", false), log::Field("revision", state_->revision())});
      }
      if (!waited) absl::SleepFor(poll_interval_);  // never spin on a failing store
    }
  }
}

}  // namespace pdp
