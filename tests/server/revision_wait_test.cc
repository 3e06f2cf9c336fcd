// Readers waiting for the writer: WorldState::WaitForRevision and
// WhenRevision (min_revision), StopWaiting (shutdown), and the Watch
// handler's history-then-live stream. The waits for deadlines run on a
// FakeClock: time moves when the test says, and nothing sleeps.
#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "base/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/app/watch_handler.h"
#include "server/app/world_state.h"
#include "server/store/memory_store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/server_process.h"
#include "tests/support/test_support.h"

namespace pdp {
namespace {

using pdp::v1::Change;

SnapshotPtr Empty() { return test::EmptyShippedSnapshot(); }

// Real time that stands for "never" when waiting for what should already
// have happened: a bound on a failing test, not a sleep.
constexpr absl::Duration kNever = absl::Seconds(20);

Change NewAccount(int i) {
  Change c;
  c.mutable_create_account()->mutable_account()->set_id(std::to_string(100000000000LL + i));
  return c;
}

TEST(WaitForRevisionTest, ReachedRevisionsReturnAtOnceAndNegativeOnesAreRefused) {
  MemoryStore store;
  WorldState state(Empty(), &store);
  ASSERT_TRUE(state.Apply({NewAccount(1)}).ok());
  EXPECT_TRUE(state.WaitForRevision(0, absl::InfinitePast()).ok());
  EXPECT_TRUE(state.WaitForRevision(1, absl::InfinitePast()).ok());
  absl::Status negative = state.WaitForRevision(-1, absl::InfiniteFuture());
  EXPECT_EQ(negative.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(test::FieldOf(negative), "min_revision");
}

// A blocking WaitForRevision on a thread of its own. Destroying it before
// the wait ended stops the state's waits (so a test that failed half-way
// cannot hang at the join).
class BlockedWait {
 public:
  BlockedWait(const WorldState& state, int64_t revision, absl::Time deadline,
              std::function<bool()> cancelled = nullptr)
      : state_(state), thread_([this, revision, deadline, cancelled] {
          absl::Status s = state_.WaitForRevision(revision, deadline, cancelled);
          {
            absl::MutexLock lock(&mu_);
            status_ = std::move(s);
            ended_at_ = state_.clock().Now();
          }
          ended_.Notify();
        }) {}
  ~BlockedWait() {
    if (!ended()) state_.StopWaiting();
    thread_.join();
  }

  bool ended() const { return ended_.HasBeenNotified(); }
  // Waits, in real time, for the wait to end; false after kNever.
  bool AwaitEnd() { return ended_.WaitForNotificationWithTimeout(kNever); }
  absl::Status status() {
    absl::MutexLock lock(&mu_);
    return status_;
  }
  // The state's clock when the wait returned.
  absl::Time ended_at() {
    absl::MutexLock lock(&mu_);
    return ended_at_;
  }

 private:
  const WorldState& state_;
  absl::Mutex mu_;
  absl::Status status_ = absl::UnknownError("not returned");
  absl::Time ended_at_;
  absl::Notification ended_;
  std::thread thread_;  // last: it uses the members above
};

TEST(WaitForRevisionTest, TimesOutAtTheDeadlineSayingWhereTheServerIs) {
  test::FakeClock clock;
  MemoryStore store;
  WorldState state(Empty(), &store, {}, clock);
  ASSERT_TRUE(state.Apply({NewAccount(1)}).ok());
  const absl::Time start = clock.Now();
  BlockedWait wait(state, 5, start + absl::Milliseconds(300));
  ASSERT_TRUE(clock.AwaitBlocked(1));
  clock.Advance(absl::Milliseconds(300) - absl::Nanoseconds(1));
  EXPECT_FALSE(wait.ended()) << "ended before its deadline";
  clock.Advance(absl::Nanoseconds(1));  // exactly at the deadline
  ASSERT_TRUE(wait.AwaitEnd());
  const absl::Status s = wait.status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrorReason(s), "REVISION_NOT_REACHED");
  EXPECT_EQ(s.message(), "revision 5 not reached; this server is at 1");
  EXPECT_EQ(wait.ended_at() - start, absl::Milliseconds(300));
}

TEST(WaitForRevisionTest, ADeadlineAlreadyReachedEndsTheWaitAtOnce) {
  test::FakeClock clock;
  MemoryStore store;
  WorldState state(Empty(), &store, {}, clock);
  const absl::Time start = clock.Now();
  for (const absl::Time deadline : {start, start - absl::Seconds(1)}) {
    BlockedWait wait(state, 1, deadline);
    ASSERT_TRUE(wait.AwaitEnd());
    EXPECT_EQ(ErrorReason(wait.status()), "REVISION_NOT_REACHED");
    EXPECT_EQ(wait.ended_at(), start) << "the clock never moved";
  }
  // A parked wait too: answered at once, on this thread, and not parked.
  absl::Status parked = absl::UnknownError("not called");
  EXPECT_EQ(state.WhenRevision(1, clock.Now(), [&](absl::Status s) { parked = std::move(s); }), 0u);
  EXPECT_EQ(ErrorReason(parked), "REVISION_NOT_REACHED");
}

TEST(WaitForRevisionTest, NoWaitOutlastsTheCapWhateverItsDeadline) {
  test::FakeClock clock;
  MemoryStore store;
  WorldState state(Empty(), &store, {}, clock);
  const absl::Time start = clock.Now();
  BlockedWait forever(state, 1, absl::InfiniteFuture());
  BlockedWait past_cap(state, 1, start + 2 * kMaxRevisionWait);
  absl::Notification parked_done;
  absl::Status parked_status;
  state.WhenRevision(1, absl::InfiniteFuture(), [&](absl::Status s) {
    parked_status = std::move(s);
    parked_done.Notify();
  });
  ASSERT_TRUE(clock.AwaitBlocked(3));  // two blocked calls and the gate's thread
  clock.Advance(kMaxRevisionWait - absl::Nanoseconds(1));
  EXPECT_FALSE(forever.ended());
  EXPECT_FALSE(past_cap.ended());
  EXPECT_FALSE(parked_done.HasBeenNotified());
  clock.Advance(absl::Nanoseconds(1));  // the cap, counted from when each wait began
  ASSERT_TRUE(forever.AwaitEnd());
  ASSERT_TRUE(past_cap.AwaitEnd());
  ASSERT_TRUE(parked_done.WaitForNotificationWithTimeout(kNever));
  EXPECT_EQ(ErrorReason(forever.status()), "REVISION_NOT_REACHED");
  EXPECT_EQ(ErrorReason(past_cap.status()), "REVISION_NOT_REACHED");
  EXPECT_EQ(ErrorReason(parked_status), "REVISION_NOT_REACHED");
  EXPECT_EQ(forever.ended_at() - start, kMaxRevisionWait);
  EXPECT_EQ(past_cap.ended_at() - start, kMaxRevisionWait);
}

TEST(WaitForRevisionTest, WakesUpWhenAWriterPublishesTheRevision) {
  test::FakeClock clock;
  MemoryStore store;
  WorldState state(Empty(), &store, {}, clock);
  const absl::Time start = clock.Now();
  BlockedWait wait(state, 2, start + absl::Seconds(20));
  ASSERT_TRUE(clock.AwaitBlocked(1));
  ASSERT_TRUE(state.Apply({NewAccount(1)}).ok());
  EXPECT_FALSE(wait.ended()) << "returned at revision 1 of the 2 it waits for";
  ASSERT_TRUE(state.Apply({NewAccount(2)}).ok());
  ASSERT_TRUE(wait.AwaitEnd());
  EXPECT_TRUE(wait.status().ok()) << wait.status();
  EXPECT_GE(state.Current()->revision(), 2);
  EXPECT_EQ(wait.ended_at(), start) << "woken by the publish, not by time";
}

TEST(WhenRevisionTest, ParkedCallsResumeOnPublishOrAtTheirDeadline) {
  test::FakeClock clock;
  MemoryStore store;
  WorldState state(Empty(), &store, {}, clock);
  absl::Notification reached, expired;
  absl::Status reached_status = absl::UnknownError("not called"),
               expired_status = absl::UnknownError("not called");
  state.WhenRevision(1, clock.Now() + absl::Seconds(20), [&](absl::Status s) {
    reached_status = s;
    reached.Notify();
  });
  state.WhenRevision(9, clock.Now() + absl::Milliseconds(200), [&](absl::Status s) {
    expired_status = s;
    expired.Notify();
  });
  EXPECT_FALSE(reached.HasBeenNotified());
  ASSERT_TRUE(state.Apply({NewAccount(1)}).ok());
  ASSERT_TRUE(reached.WaitForNotificationWithTimeout(kNever));
  EXPECT_TRUE(reached_status.ok()) << reached_status;
  EXPECT_FALSE(expired.HasBeenNotified());
  clock.Advance(absl::Milliseconds(200) - absl::Nanoseconds(1));
  EXPECT_FALSE(expired.HasBeenNotified()) << "resumed before its deadline";
  clock.Advance(absl::Nanoseconds(1));
  ASSERT_TRUE(expired.WaitForNotificationWithTimeout(kNever));
  EXPECT_EQ(ErrorReason(expired_status), "REVISION_NOT_REACHED");
  // Known outcomes are given at once, on the caller's thread.
  bool inline_called = false;
  state.WhenRevision(1, absl::InfinitePast(), [&](absl::Status s) { inline_called = s.ok(); });
  EXPECT_TRUE(inline_called);
}

TEST(WhenRevisionTest, ParkedCallsAreCappedAndACancelledOneFreesItsPlaceAtOnce) {
  test::FakeClock clock;
  MemoryStore store;
  WorldState state(Empty(), &store, {}, clock);
  state.set_max_parked_calls(2);
  std::vector<absl::Status> got(4, absl::UnknownError("not called"));
  auto record = [&](int i) { return [&got, i](absl::Status s) { got[i] = std::move(s); }; };
  const absl::Time later = clock.Now() + absl::Seconds(30);
  const RevisionGate::Ticket first = state.WhenRevision(5, later, record(0));
  const RevisionGate::Ticket second = state.WhenRevision(5, later, record(1));
  EXPECT_NE(first, 0u);
  EXPECT_NE(second, 0u);
  EXPECT_EQ(state.WhenRevision(5, later, record(2)), 0u);  // over the cap: answered now
  EXPECT_EQ(got[2].code(), absl::StatusCode::kResourceExhausted) << got[2];
  EXPECT_EQ(ErrorReason(got[2]), "TOO_MANY_WAITING_CALLS");

  state.CancelWhenRevision(first);  // answered now, on this thread
  EXPECT_EQ(got[0].code(), absl::StatusCode::kCancelled) << got[0];
  state.CancelWhenRevision(first);  // nothing left to cancel
  EXPECT_EQ(got[0].code(), absl::StatusCode::kCancelled);
  EXPECT_NE(state.WhenRevision(5, later, record(3)), 0u);  // its place is free

  state.StopWaiting();
  EXPECT_EQ(ErrorReason(got[1]), "REVISION_NOT_REACHED");
  EXPECT_EQ(ErrorReason(got[3]), "REVISION_NOT_REACHED");
  state.CancelWhenRevision(second);  // already answered: nothing happens
  EXPECT_EQ(ErrorReason(got[1]), "REVISION_NOT_REACHED");
}

TEST(WaitForRevisionTest, ABlockedWaitEndsSoonAfterItsCallerLeaves) {
  test::FakeClock clock;
  MemoryStore store;
  WorldState state(Empty(), &store, {}, clock);
  std::atomic<bool> gone{false};
  BlockedWait wait(state, 5, clock.Now() + absl::Seconds(30), [&] { return gone.load(); });
  ASSERT_TRUE(clock.AwaitBlocked(1));
  // While the caller stays, each look at it (every kCancelCheckInterval)
  // finds it there and the wait goes on.
  for (int i = 0; i < 3; ++i) clock.Advance(kCancelCheckInterval);
  EXPECT_FALSE(wait.ended());
  gone = true;
  const absl::Time gone_at = clock.Now();
  clock.Advance(kCancelCheckInterval);
  ASSERT_TRUE(wait.AwaitEnd());
  EXPECT_EQ(wait.status().code(), absl::StatusCode::kCancelled) << wait.status();
  EXPECT_LE(wait.ended_at() - gone_at, kCancelCheckInterval);
}

TEST(StopWaitingTest, ShutdownEndsEveryWaitAtOnce) {
  test::FakeClock clock;
  MemoryStore store;
  WorldState state(Empty(), &store, {}, clock);
  const absl::Time start = clock.Now();
  absl::Notification parked_done;
  absl::Status parked_status;
  state.WhenRevision(3, clock.Now() + absl::Seconds(30), [&](absl::Status s) {
    parked_status = s;
    parked_done.Notify();
  });
  BlockedWait blocked(state, 3, clock.Now() + absl::Seconds(30));
  ASSERT_TRUE(clock.AwaitBlocked(2));  // the blocked call and the gate's thread
  state.StopWaiting();
  EXPECT_TRUE(parked_done.HasBeenNotified()) << "StopWaiting returns after parked calls ran";
  ASSERT_TRUE(blocked.AwaitEnd());
  EXPECT_EQ(blocked.ended_at(), start) << "at once: the clock never moved";
  EXPECT_EQ(blocked.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(parked_status.code(), absl::StatusCode::kUnavailable);
  // Later waits fail at once, unless already satisfied.
  BlockedWait later(state, 1, clock.Now() + absl::Seconds(30));
  ASSERT_TRUE(later.AwaitEnd());
  EXPECT_EQ(later.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(state.WaitForRevision(0, clock.Now() + absl::Seconds(30)).ok());
}

// Runs HandleWatch on a thread, collecting what it sends until told to stop.
class WatchRun {
 public:
  WatchRun(const WorldState& state, int64_t from_revision) {
    pdp::v1::WatchRequest request;
    request.set_from_revision(from_revision);
    thread_ = std::thread([this, &state, request] {
      status_ = HandleWatch(
          state, request,
          [this] {
            absl::MutexLock lock(&mu_);
            ++polls_;  // the handler polls once it knows where it starts
            return stop_.load();
          },
          [this](const pdp::v1::WatchResponse& r) {
            absl::MutexLock lock(&mu_);
            got_.push_back(r);
            return true;
          });
    });
  }
  ~WatchRun() { Stop().IgnoreError(); }

  // Waits until the handler has settled its starting revision (or 20 s).
  bool WaitStarted() {
    absl::MutexLock lock(&mu_);
    auto started = [&] { return polls_ > 0; };
    return mu_.AwaitWithTimeout(absl::Condition(&started), absl::Seconds(20));
  }

  // Waits until `n` batches arrived (or 20 s).
  bool WaitFor(size_t n) {
    absl::MutexLock lock(&mu_);
    auto enough = [&] { return got_.size() >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(20));
  }
  absl::Status Stop() {
    stop_ = true;
    return Join();
  }
  // Waits for the handler to end by itself.
  absl::Status Join() {
    if (thread_.joinable()) thread_.join();
    return status_;
  }
  std::vector<int64_t> Revisions() {
    absl::MutexLock lock(&mu_);
    std::vector<int64_t> out;
    for (const auto& r : got_) out.push_back(r.revision());
    return out;
  }
  std::vector<pdp::v1::WatchResponse> Batches() {
    absl::MutexLock lock(&mu_);
    return got_;
  }

 private:
  std::atomic<bool> stop_{false};
  absl::Mutex mu_;
  std::vector<pdp::v1::WatchResponse> got_;
  int polls_ = 0;
  absl::Status status_;
  std::thread thread_;
};

TEST(WatchHandlerTest, SendsHistoryThenNewBatchesWithTheirRequestIds) {
  MemoryStore store;
  WorldState state(Empty(), &store);
  pdp::v1::ApplyChangesRequest with_id;
  *with_id.add_changes() = NewAccount(1);
  *with_id.add_changes() = NewAccount(2);
  with_id.set_request_id("batch-one");
  ASSERT_TRUE(state.ApplyChanges(with_id).ok());
  ASSERT_TRUE(state.Apply({NewAccount(3)}).ok());

  WatchRun from_two(state, 2);
  WatchRun only_new(state, 0);
  ASSERT_TRUE(from_two.WaitFor(1));
  ASSERT_TRUE(only_new.WaitStarted());
  ASSERT_TRUE(state.Apply({NewAccount(4)}).ok());
  ASSERT_TRUE(from_two.WaitFor(2));
  ASSERT_TRUE(only_new.WaitFor(1));
  EXPECT_EQ(from_two.Stop().code(), absl::StatusCode::kCancelled);
  only_new.Stop().IgnoreError();
  EXPECT_THAT(from_two.Revisions(), ::testing::ElementsAre(2, 3));
  EXPECT_THAT(only_new.Revisions(), ::testing::ElementsAre(3));

  WatchRun from_one(state, 1);
  ASSERT_TRUE(from_one.WaitFor(3));
  from_one.Stop().IgnoreError();
  auto batches = from_one.Batches();
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].request_id(), "batch-one");
  EXPECT_EQ(batches[0].changes_size(), 2);
  EXPECT_EQ(batches[0].changes(1).create_account().account().id(), "100000000002");
  EXPECT_EQ(batches[1].request_id(), "");
}

TEST(WatchHandlerTest, NeverSkipsNorRepeatsARevisionUnderConcurrentWrites) {
  MemoryStore store;
  WorldState state(Empty(), &store);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(state.Apply({NewAccount(i)}).ok());
  constexpr int kTotal = 300;
  WatchRun early(state, 5);
  std::thread writer([&] {
    for (int i = 20; i < kTotal; ++i) ASSERT_TRUE(state.Apply({NewAccount(i)}).ok());
  });
  WatchRun late(state, 100);  // starts while the writer runs: history, then live
  writer.join();
  ASSERT_TRUE(early.WaitFor(kTotal - 4));
  ASSERT_TRUE(late.WaitFor(kTotal - 99));
  early.Stop().IgnoreError();
  late.Stop().IgnoreError();
  std::vector<int64_t> want_early, want_late;
  for (int64_t r = 5; r <= kTotal; ++r) want_early.push_back(r);
  for (int64_t r = 100; r <= kTotal; ++r) want_late.push_back(r);
  EXPECT_EQ(early.Revisions(), want_early);
  EXPECT_EQ(late.Revisions(), want_late);
}

TEST(WatchHandlerTest, WaitsForAFutureRevisionAndEndsAtShutdown) {
  MemoryStore store;
  WorldState state(Empty(), &store);
  WatchRun ahead(state, 3);
  ASSERT_TRUE(state.Apply({NewAccount(1)}).ok());
  ASSERT_TRUE(state.Apply({NewAccount(2)}).ok());
  ASSERT_TRUE(state.Apply({NewAccount(3)}).ok());
  ASSERT_TRUE(ahead.WaitFor(1));
  EXPECT_THAT(ahead.Revisions(), ::testing::ElementsAre(3));
  const absl::Time start = absl::Now();
  state.StopWaiting();
  absl::Status ended = ahead.Join();  // ends by itself, saying where to resume
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_EQ(ended.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(ended.message()),
              ::testing::HasSubstr("resume the watch from revision 4"));
}

TEST(WatchHandlerTest, ANegativeFromRevisionIsRefused) {
  MemoryStore store;
  WorldState state(Empty(), &store);
  pdp::v1::WatchRequest request;
  request.set_from_revision(-2);
  absl::Status s = HandleWatch(
      state, request, [] { return false; }, [](const pdp::v1::WatchResponse&) { return true; });
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(test::FieldOf(s), "from_revision");
}

}  // namespace
}  // namespace pdp
