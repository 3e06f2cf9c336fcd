#include "server/app/revision_gate.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/errors.h"

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

absl::Time RevisionGate::Bound(absl::Time deadline) const {
  return std::min(deadline, clock_.Now() + kMaxRevisionWait);
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

absl::Status RevisionGate::Wait(int64_t revision, absl::Time deadline,
                                const std::function<bool()>& cancelled) const {
  if (revision <= this->revision()) return absl::OkStatus();
  const absl::Time limit = Bound(deadline);
  absl::MutexLock lock(&mu_);
  while (this->revision() < revision && !closed()) {
    if (cancelled && cancelled()) return absl::CancelledError("the client went away");
    const absl::Time now = clock_.Now();
    if (now >= limit) break;
    clock_.WaitWithDeadline(&mu_, &changed_,
                            cancelled ? std::min(limit, now + kCancelCheckInterval) : limit);
  }
  return this->revision() >= revision ? absl::OkStatus() : NotReached(revision);
}

RevisionGate::Ticket RevisionGate::WaitAsync(int64_t revision, absl::Time deadline,
                                             std::function<void(absl::Status)> done) {
  if (revision <= this->revision()) {
    done(absl::OkStatus());
    return 0;
  }
  const absl::Time limit = Bound(deadline);
  absl::Status refused;
  if (!closed() && limit > clock_.Now()) {
    absl::MutexLock lock(&mu_);
    // Close() drains under this lock: nothing is parked after it.
    if (!closed() && parked_.size() < max_parked()) {
      const Ticket ticket = next_ticket_++;
      parked_.emplace(ticket, Parked{revision, limit, std::move(done)});
      if (!thread_.joinable()) thread_ = std::thread([this] { RunParked(); });
      changed_.SignalAll();
      return ticket;
    }
    if (!closed()) {
      refused = WithReason(
          absl::ResourceExhaustedError(absl::StrCat(
              parked_.size(), " calls are already waiting for a revision on this server (at most ",
              max_parked(), ", --max-waiting-calls); retry later")),
          "TOO_MANY_WAITING_CALLS");
    }
  }
  if (!refused.ok()) {
    done(std::move(refused));
  } else {
    done(this->revision() >= revision ? absl::OkStatus() : NotReached(revision));
  }
  return 0;
}

void RevisionGate::CancelWait(Ticket ticket) {
  if (ticket == 0) return;
  std::function<void(absl::Status)> done;
  {
    absl::MutexLock lock(&mu_);
    auto it = parked_.find(ticket);
    if (it == parked_.end()) return;  // resumed already
    done = std::move(it->second.done);
    parked_.erase(it);
    ++running_;
  }
  done(absl::CancelledError("the client went away"));
  absl::MutexLock lock(&mu_);
  --running_;
  changed_.SignalAll();  // for Close(), waiting for the callbacks
}

size_t RevisionGate::parked() const {
  absl::MutexLock lock(&mu_);
  return parked_.size();
}

void RevisionGate::RunParked() {
  mu_.Lock();
  while (true) {
    const absl::Time now = clock_.Now();
    const int64_t published = revision();
    const bool closing = closed();
    absl::Time next_deadline = absl::InfiniteFuture();
    std::vector<std::pair<std::function<void(absl::Status)>, absl::Status>> ready;
    for (auto it = parked_.begin(); it != parked_.end();) {
      Parked& p = it->second;
      if (p.revision <= published) {
        ready.emplace_back(std::move(p.done), absl::OkStatus());
      } else if (closing || p.deadline <= now) {
        ready.emplace_back(std::move(p.done), NotReached(p.revision));
      } else {
        next_deadline = std::min(next_deadline, p.deadline);
        ++it;
        continue;
      }
      it = parked_.erase(it);
    }
    if (!ready.empty()) {
      // Callbacks run unlocked: they may park again, and must not hold up
      // the writer's Publish.
      running_ += static_cast<int>(ready.size());
      mu_.Unlock();
      for (auto& [done, status] : ready) done(std::move(status));
      mu_.Lock();
      running_ -= static_cast<int>(ready.size());
      changed_.SignalAll();  // for Close(), waiting for the callbacks
      continue;
    }
    if (closing) break;
    clock_.WaitWithDeadline(&mu_, &changed_, next_deadline);
  }
  mu_.Unlock();
}

void RevisionGate::Close() {
  closed_.store(true, std::memory_order_release);
  absl::MutexLock lock(&mu_);
  changed_.SignalAll();
  while (!parked_.empty() || running_ > 0) changed_.Wait(&mu_);
}

}  // namespace pdp
