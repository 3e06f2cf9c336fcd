#include "server/revision_gate.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base/errors.h"

namespace pdp {

RevisionGate::~RevisionGate() {
  Close();
  std::thread thread;
  {
    absl::MutexLock lock(&mu_);
    thread = std::move(thread_);
  }
  if (thread.joinable()) thread.join();
}

absl::Time RevisionGate::Bound(absl::Time deadline) {
  return std::min(deadline, absl::Now() + kMaxRevisionWait);
}

absl::Status RevisionGate::NotReached(int64_t revision) const {
  return WithReason(
      absl::UnavailableError(absl::StrCat("revision ", revision, " not reached; this server is at ",
                                          this->revision(), closed() ? " and shutting down" : "")),
      "REVISION_NOT_REACHED");
}

void RevisionGate::Publish(int64_t revision) {
  if (revision > revision_.load(std::memory_order_relaxed)) {
    revision_.store(revision, std::memory_order_release);
  }
  // Under the lock, so a waiter that has just seen the old revision is
  // already waiting and cannot miss the signal.
  absl::MutexLock lock(&mu_);
  changed_.SignalAll();
}

absl::Status RevisionGate::Wait(int64_t revision, absl::Time deadline) const {
  if (revision <= this->revision()) return absl::OkStatus();
  const absl::Time limit = Bound(deadline);
  absl::MutexLock lock(&mu_);
  while (this->revision() < revision && !closed()) {
    const bool timed_out = changed_.WaitWithDeadline(&mu_, limit);
    if (timed_out) break;
  }
  return this->revision() >= revision ? absl::OkStatus() : NotReached(revision);
}

void RevisionGate::WaitAsync(int64_t revision, absl::Time deadline,
                             std::function<void(absl::Status)> done) {
  if (revision <= this->revision()) {
    done(absl::OkStatus());
    return;
  }
  const absl::Time limit = Bound(deadline);
  if (!closed() && limit > absl::Now()) {
    absl::MutexLock lock(&mu_);
    if (!closed()) {  // Close() drains under this lock: nothing is parked after it
      parked_.push_back(Parked{revision, limit, std::move(done)});
      if (!thread_.joinable()) thread_ = std::thread([this] { RunParked(); });
      changed_.SignalAll();
      return;
    }
  }
  done(this->revision() >= revision ? absl::OkStatus() : NotReached(revision));
}

void RevisionGate::RunParked() {
  mu_.Lock();
  while (true) {
    const absl::Time now = absl::Now();
    const int64_t published = revision();
    const bool closing = closed();
    absl::Time next_deadline = absl::InfiniteFuture();
    std::vector<std::pair<std::function<void(absl::Status)>, absl::Status>> ready;
    std::vector<Parked> still;
    for (Parked& p : parked_) {
      if (p.revision <= published) {
        ready.emplace_back(std::move(p.done), absl::OkStatus());
      } else if (closing || p.deadline <= now) {
        ready.emplace_back(std::move(p.done), NotReached(p.revision));
      } else {
        next_deadline = std::min(next_deadline, p.deadline);
        still.push_back(std::move(p));
      }
    }
    parked_ = std::move(still);
    if (!ready.empty()) {
      // Callbacks run unlocked: they may park again, and must not hold up
      // the writer's Publish.
      resuming_ = true;
      mu_.Unlock();
      for (auto& [done, status] : ready) done(std::move(status));
      mu_.Lock();
      resuming_ = false;
      changed_.SignalAll();  // for Close(), waiting for the callbacks
      continue;
    }
    if (closing) break;
    changed_.WaitWithDeadline(&mu_, next_deadline);
  }
  mu_.Unlock();
}

void RevisionGate::Close() {
  closed_.store(true, std::memory_order_release);
  absl::MutexLock lock(&mu_);
  changed_.SignalAll();
  while (!parked_.empty() || resuming_) changed_.Wait(&mu_);
}

}  // namespace pdp
