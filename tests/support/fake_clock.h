// A Clock for tests: time stands still until the test moves it (Advance,
// Set), and moving it ends, at once, the waits whose deadline it reaches.
// Code under test that waits through Clock::WaitWithDeadline then needs no
// real sleep: a test parks a waiter, checks it is still waiting, advances
// the clock to (or past) the deadline, and checks that it ended.
//
// Thread-safety: every member may be called from any thread; Advance and Set
// may race with the waits they end. Ownership: the clock must outlive every
// object it is given to (no wait may be blocked on it when it is destroyed).
#ifndef PDP_TESTS_SUPPORT_FAKE_CLOCK_H_
#define PDP_TESTS_SUPPORT_FAKE_CLOCK_H_

#include <cstddef>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/app/clock.h"

namespace pdp::test {

class FakeClock final : public Clock {
 public:
  // Far from the Unix epoch on purpose: code may take a time of 0 for "none"
  // (WorldState::Staleness does).
  static constexpr absl::Time kDefaultStart = absl::FromUnixSeconds(1'700'000'000);

  explicit FakeClock(absl::Time start = kDefaultStart) : now_(start) {}
  FakeClock(const FakeClock&) = delete;
  FakeClock& operator=(const FakeClock&) = delete;

  absl::Time Now() const override;
  // Blocks until `cv` is signalled or Advance/Set reach `deadline`; real
  // time plays no part (never returns by itself).
  void WaitWithDeadline(absl::Mutex* mu, absl::CondVar* cv, absl::Time deadline) const override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  // Moves the time (by `by`, or to `to`; backwards too) and wakes every wait
  // whose deadline is now reached. Returns once they have been signalled
  // (each holding its mutex again may take a moment longer).
  void Advance(absl::Duration by);
  void Set(absl::Time to);

  // How many waits are blocked on this clock now (counted from when they
  // block until they have left after being woken: a test may count on it
  // growing as waits start, not on it falling at once as they end).
  size_t blocked() const;
  // Waits (in real time, at most `timeout`) until at least `n` waits are
  // blocked: how a test knows another thread has started waiting without
  // sleeping. False on timeout.
  bool AwaitBlocked(size_t n, absl::Duration timeout = absl::Seconds(20)) const;

 private:
  // One blocked WaitWithDeadline, on its thread's stack.
  struct Waiter {
    absl::Mutex* mu;
    absl::CondVar* cv;
    absl::Time deadline;
    int pins = 0;  // guarded by FakeClock::mu_: Advance/Set calls about to signal `cv`
  };

  void Unlist(Waiter* w) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Pins the waiters whose deadline is reached, for Wake.
  std::vector<Waiter*> PinDue() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Signals the pinned waiters (each under its own mutex), then unpins them.
  void Wake(const std::vector<Waiter*>& due) const ABSL_LOCKS_EXCLUDED(mu_);

  // Lock order: a waiter's mutex before mu_; mu_ is never held while taking
  // a waiter's mutex (Wake drops it first and pins instead).
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  mutable std::vector<Waiter*> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pdp::test

#endif  // PDP_TESTS_SUPPORT_FAKE_CLOCK_H_
