// FakeClock: time moves only when the test says, and moving it ends the
// waits whose deadline it reaches (and only those), without real sleeping.
#include "tests/support/fake_clock.h"

#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace pdp::test {
namespace {

// Long enough to mean "never" for a wait that should already have ended.
constexpr absl::Duration kTimeout = absl::Seconds(20);

// A thread that waits on `clock` until `deadline` or Stop(), looping and
// re-checking as Clock's users must (RevisionGate does the same).
class DeadlineWaiter {
 public:
  DeadlineWaiter(const Clock& clock, absl::Time deadline)
      : thread_([this, &clock, deadline] {
          absl::MutexLock lock(&mu_);
          while (!stop_ && clock.Now() < deadline) clock.WaitWithDeadline(&mu_, &cv_, deadline);
          ended_at_ = clock.Now();
          ended_.Notify();
        }) {}
  ~DeadlineWaiter() {
    Stop();
    thread_.join();
  }

  void Stop() {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    cv_.SignalAll();
  }
  bool ended() const { return ended_.HasBeenNotified(); }
  // Waits (real time, bounded) for the thread to end; the clock's time then.
  bool AwaitEnd() { return ended_.WaitForNotificationWithTimeout(kTimeout); }
  absl::Time ended_at() {
    absl::MutexLock lock(&mu_);
    return ended_at_;
  }

 private:
  absl::Mutex mu_;
  absl::CondVar cv_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time ended_at_ ABSL_GUARDED_BY(mu_);
  absl::Notification ended_;
  std::thread thread_;  // last: it uses the members above
};

TEST(FakeClockTest, TimeMovesOnlyWhenTold) {
  FakeClock clock;
  EXPECT_EQ(clock.Now(), FakeClock::kDefaultStart);
  EXPECT_EQ(clock.Now(), FakeClock::kDefaultStart);
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(clock.Now(), FakeClock::kDefaultStart + absl::Seconds(5));
  clock.Set(absl::FromUnixSeconds(42));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(42));
  clock.Advance(-absl::Seconds(2));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(40));
  EXPECT_EQ(FakeClock(absl::FromUnixSeconds(7)).Now(), absl::FromUnixSeconds(7));
}

TEST(FakeClockTest, AWaitEndsExactlyWhenTheClockReachesItsDeadline) {
  FakeClock clock;
  const absl::Time deadline = clock.Now() + absl::Seconds(5);
  DeadlineWaiter waiter(clock, deadline);
  ASSERT_TRUE(clock.AwaitBlocked(1));
  clock.Advance(absl::Seconds(5) - absl::Nanoseconds(1));
  EXPECT_FALSE(waiter.ended());
  EXPECT_EQ(clock.blocked(), 1u);
  clock.Advance(absl::Nanoseconds(1));
  ASSERT_TRUE(waiter.AwaitEnd());
  EXPECT_EQ(waiter.ended_at(), deadline);
}

TEST(FakeClockTest, SetPastTheDeadlineEndsTheWait) {
  FakeClock clock;
  DeadlineWaiter waiter(clock, clock.Now() + absl::Minutes(1));
  ASSERT_TRUE(clock.AwaitBlocked(1));
  clock.Set(clock.Now() + absl::Hours(1));
  ASSERT_TRUE(waiter.AwaitEnd());
  EXPECT_EQ(waiter.ended_at(), FakeClock::kDefaultStart + absl::Hours(1));
}

TEST(FakeClockTest, AWaitAtOrPastItsDeadlineReturnsAtOnce) {
  FakeClock clock;
  DeadlineWaiter at(clock, clock.Now());
  DeadlineWaiter past(clock, clock.Now() - absl::Seconds(1));
  ASSERT_TRUE(at.AwaitEnd());
  ASSERT_TRUE(past.AwaitEnd());
  EXPECT_EQ(at.ended_at(), FakeClock::kDefaultStart);
  EXPECT_EQ(clock.blocked(), 0u);
  // Called directly: it does not block.
  absl::Mutex mu;
  absl::CondVar cv;
  absl::MutexLock lock(&mu);
  clock.WaitWithDeadline(&mu, &cv, clock.Now());
  EXPECT_EQ(clock.blocked(), 0u);
}

TEST(FakeClockTest, ASignalStillEndsAWaitBeforeItsDeadline) {
  FakeClock clock;
  DeadlineWaiter waiter(clock, absl::InfiniteFuture());
  ASSERT_TRUE(clock.AwaitBlocked(1));
  waiter.Stop();
  ASSERT_TRUE(waiter.AwaitEnd());
  EXPECT_EQ(waiter.ended_at(), FakeClock::kDefaultStart);  // the clock never moved
}

TEST(FakeClockTest, EachAdvanceEndsOnlyTheWaitsItReaches) {
  FakeClock clock;
  constexpr int kWaiters = 6;
  std::vector<std::unique_ptr<DeadlineWaiter>> waiters;
  for (int i = 1; i <= kWaiters; ++i) {
    waiters.push_back(std::make_unique<DeadlineWaiter>(clock, clock.Now() + absl::Seconds(i)));
  }
  ASSERT_TRUE(clock.AwaitBlocked(kWaiters));
  for (int i = 0; i < kWaiters; ++i) {
    clock.Advance(absl::Seconds(1));
    ASSERT_TRUE(waiters[i]->AwaitEnd()) << "waiter " << i;
    EXPECT_EQ(waiters[i]->ended_at(), FakeClock::kDefaultStart + absl::Seconds(i + 1));
    for (int later = i + 1; later < kWaiters; ++later) {
      EXPECT_FALSE(waiters[later]->ended()) << "waiter " << later << " after advance " << i;
    }
  }
}

}  // namespace
}  // namespace pdp::test
