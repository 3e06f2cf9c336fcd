#include "tests/support/fake_clock.h"

#include <algorithm>

namespace pdp::test {

absl::Time FakeClock::Now() const {
  absl::MutexLock lock(&mu_);
  return now_;
}

void FakeClock::WaitWithDeadline(absl::Mutex* mu, absl::CondVar* cv, absl::Time deadline) const {
  Waiter self{mu, cv, deadline};
  {
    absl::MutexLock lock(&mu_);
    if (now_ >= deadline) return;
    waiters_.push_back(&self);
  }
  // `mu` has been held since `self` was listed, and Wake takes `mu` before
  // signalling: a wake-up cannot fall between the check above and this wait.
  cv->Wait(mu);
  {
    absl::MutexLock lock(&mu_);
    if (self.pins == 0) {
      Unlist(&self);
      return;
    }
  }
  // A Wake that pinned `self` may still be about to take `mu` and signal
  // `cv`: let it finish, with `mu` released so that it can, before `self`
  // goes.
  mu->Unlock();
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](Waiter* w) { return w->pins == 0; }, &self));
    Unlist(&self);
  }
  mu->Lock();
}

void FakeClock::Unlist(Waiter* w) const {
  waiters_.erase(std::find(waiters_.begin(), waiters_.end(), w));
}

std::vector<FakeClock::Waiter*> FakeClock::PinDue() const {
  std::vector<Waiter*> due;
  for (Waiter* w : waiters_) {
    if (w->deadline <= now_) {
      ++w->pins;
      due.push_back(w);
    }
  }
  return due;
}

void FakeClock::Wake(const std::vector<Waiter*>& due) const {
  for (Waiter* w : due) {
    absl::MutexLock lock(w->mu);
    w->cv->SignalAll();
  }
  absl::MutexLock lock(&mu_);
  for (Waiter* w : due) --w->pins;
}

void FakeClock::Advance(absl::Duration by) {
  std::vector<Waiter*> due;
  {
    absl::MutexLock lock(&mu_);
    now_ += by;
    due = PinDue();
  }
  Wake(due);
}

void FakeClock::Set(absl::Time to) {
  std::vector<Waiter*> due;
  {
    absl::MutexLock lock(&mu_);
    now_ = to;
    due = PinDue();
  }
  Wake(due);
}

size_t FakeClock::blocked() const {
  absl::MutexLock lock(&mu_);
  return waiters_.size();
}

bool FakeClock::AwaitBlocked(size_t n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return waiters_.size() >= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

}  // namespace pdp::test
