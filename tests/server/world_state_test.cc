// The write path: WorldState over a Store. Batches are atomic, durable in the
// store before they are published, and replayable at start-up.
#include "server/app/world_state.h"

#include <atomic>
#include <thread>
#include <vector>

#include "base/errors.h"
#include "gtest/gtest.h"
#include "server/store/memory_store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/server_process.h"
#include "tests/support/test_support.h"

namespace pdp {
namespace {

using pdp::v1::Change;
using test::NewAccount;
using test::NewUser;

SnapshotPtr Empty() { return test::EmptyShippedSnapshot(); }

// A store that refuses every commit, like a database that went away.
class RefusingStore : public Store {
 public:
  absl::Status Commit(const StoredBatch&) override {
    return absl::UnavailableError("disk on fire");
  }
  absl::Status ReadFrom(int64_t, int64_t, const ReadFn&, bool) override { return absl::OkStatus(); }
};

int CountBatches(Store& store) {
  int batches = 0;
  EXPECT_TRUE(store
                  .Replay([&](const StoredBatch&) {
                    ++batches;
                    return absl::OkStatus();
                  })
                  .ok());
  return batches;
}

TEST(WorldStateTest, BatchesAreAtomicAndCountRevisions) {
  MemoryStore store;
  WorldState state(Empty(), &store);
  auto first = state.Apply({NewAccount("111111111111")});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ((*first)->revision(), 1);
  EXPECT_EQ(state.Current()->revision(), 1);

  // Second change fails: the first (a new account) must not appear.
  auto failed =
      state.Apply({NewAccount("222222222222"), NewUser("arn:aws:iam::999999999999:user/x")},
                  &WorldState::ChangeIndexPrefix);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(test::FieldOf(failed.status()), "changes[1].put_user.user.arn");
  EXPECT_EQ(state.Current()->revision(), 1);
  EXPECT_EQ(state.Current()->FindAccount("222222222222"), nullptr);

  EXPECT_EQ(CountBatches(store), 1) << "a failed batch must not reach the store";
}

TEST(WorldStateTest, NothingIsPublishedWhenTheStoreRefuses) {
  RefusingStore store;
  WorldState state(Empty(), &store);
  auto r = state.Apply({NewAccount("111111111111")});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(state.Current()->revision(), 0);
  EXPECT_EQ(state.Current()->FindAccount("111111111111"), nullptr);
}

TEST(WorldStateTest, RecoverRebuildsTheSameState) {
  MemoryStore store;
  {
    WorldState state(Empty(), &store);
    ASSERT_TRUE(state.Apply({NewAccount("111111111111")}).ok());
    ASSERT_TRUE(state.Apply({NewUser("arn:aws:iam::111111111111:user/alice")}).ok());
  }
  WorldState recovered(Empty(), &store);
  ASSERT_TRUE(recovered.Recover().ok());
  EXPECT_EQ(recovered.Current()->revision(), 2);
  const AccountState* a = recovered.Current()->FindAccount("111111111111");
  ASSERT_NE(a, nullptr);
  EXPECT_NE(a->FindEntity(IamArnKind::kUser, "alice"), nullptr);
}

TEST(WorldStateTest, ReadersSeeWholeBatchesWhileWritersRun) {
  MemoryStore store;
  WorldState state(Empty(), &store);
  ASSERT_TRUE(state.Apply({NewAccount("111111111111")}).ok());
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    int64_t last = 0;
    while (!done.load()) {
      SnapshotPtr s = state.Current();
      if (s->revision() < last) ++bad;
      last = s->revision();
      // Each batch adds a user and a role together: never one without the other.
      const AccountState* a = s->FindAccount("111111111111");
      size_t users = 0, roles = 0;
      for (const auto& [k, e] : a->entities) {
        users += e->kind == IamArnKind::kUser;
        roles += e->kind == IamArnKind::kRole;
      }
      if (users != roles) ++bad;
    }
  });
  for (int i = 0; i < 200; ++i) {
    Change role;
    role.mutable_put_role()->mutable_role()->set_arn("arn:aws:iam::111111111111:role/r" +
                                                     std::to_string(i));
    ASSERT_TRUE(
        state.Apply({NewUser("arn:aws:iam::111111111111:user/u" + std::to_string(i)), role}).ok());
  }
  done = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(state.Current()->revision(), 201);
}

TEST(WorldStateTest, StalenessCountsOnTheClockFromWhenContactWasFirstLost) {
  test::FakeClock clock;
  MemoryStore store;
  WorldState state(Empty(), &store, {}, clock);
  EXPECT_EQ(state.Staleness(), absl::ZeroDuration());
  state.SetStoreReachable(false);
  EXPECT_EQ(state.Staleness(), absl::ZeroDuration());
  clock.Advance(absl::Seconds(7));
  EXPECT_EQ(state.Staleness(), absl::Seconds(7));
  state.SetStoreReachable(false);  // still out of reach: the first moment counts
  clock.Advance(absl::Seconds(3));
  EXPECT_EQ(state.Staleness(), absl::Seconds(10));
  state.SetStoreReachable(true);
  EXPECT_EQ(state.Staleness(), absl::ZeroDuration());
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(state.Staleness(), absl::ZeroDuration());
  state.SetStoreReachable(false);  // a new outage counts from its own start
  clock.Advance(absl::Milliseconds(1500));
  EXPECT_EQ(state.Staleness(), absl::Milliseconds(1500));
}

TEST(WorldStateTest, EachBatchIsDatedByTheClock) {
  test::FakeClock clock;
  MemoryStore store;
  WorldState state(Empty(), &store, {}, clock);
  const absl::Time first = clock.Now();
  ASSERT_TRUE(state.Apply({NewAccount("111111111111")}).ok());
  clock.Advance(absl::Hours(1));
  ASSERT_TRUE(state.Apply({NewAccount("222222222222")}).ok());
  std::vector<int64_t> dated;
  ASSERT_TRUE(store
                  .Replay([&](const StoredBatch& batch) {
                    dated.push_back(batch.audit.committed_unix_micros());
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(dated, (std::vector<int64_t>{absl::ToUnixMicros(first),
                                         absl::ToUnixMicros(first + absl::Hours(1))}));
}

}  // namespace
}  // namespace pdp
