// The background checkpointer (server/app/checkpointer.h) while writes go on:
// it writes a checkpoint once the state is far enough past the newest,
// prunes and compacts, and a restart from what it wrote equals the state.
// In the ThreadSanitizer set (its thread reads snapshots the writer
// publishes); changes are built without protobuf map fields, which GCC's
// TSan build cannot share with Debian's libprotobuf (client/CMakeLists.txt).
#include "server/app/checkpointer.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/app/world_state.h"
#include "server/store/checkpoint_io.h"
#include "server/store/memory_store.h"
#include "tests/support/test_support.h"

namespace pdp {
namespace {

// Batch i: a new account with a user.
std::vector<pdp::v1::Change> Batch(int i) {
  const std::string id = absl::StrCat(100000000000 + i);
  return {test::NewAccount(id), test::NewUser(absl::StrCat("arn:aws:iam::", id, ":user/u"))};
}

size_t Users(const Snapshot& s) {
  size_t n = 0;
  for (const auto& [id, account] : s.accounts()) n += account->entities.size();
  return n;
}

TEST(CheckpointerTest, WritesInTheBackgroundWhileWritesGoOnAndPrunes) {
  MemoryStore store;
  WorldState state(test::EmptyShippedSnapshot(), &store);
  ASSERT_TRUE(state.Recover().ok());
  CheckpointOptions options;
  options.every_revisions = 3;
  options.min_interval = absl::ZeroDuration();
  options.poll = absl::Milliseconds(1);
  options.keep = 1;
  options.compact = true;
  options.chunk_bytes = 256;  // several chunks even for a small world
  Checkpointer checkpointer(&state, &store, options);
  checkpointer.Start();
  // Writes go on until the thread has written three checkpoints meanwhile.
  int batches = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (checkpointer.stats().written < 3 && absl::Now() < deadline) {
    ASSERT_TRUE(state.Apply(Batch(++batches)).ok());
    absl::SleepFor(absl::Microseconds(200));
  }
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(state.Apply(Batch(++batches)).ok());
  const int kBatches = batches;
  // Then it catches up with the last writes.
  while (absl::Now() < deadline) {
    auto listing = store.ListCheckpoints();
    if (listing.ok() && !listing->complete.empty() &&
        kBatches - listing->complete.front() < options.every_revisions) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(2));
  }
  checkpointer.Stop();
  const Checkpointer::Stats stats = checkpointer.stats();
  EXPECT_EQ(stats.last_error, "");
  EXPECT_GE(stats.written, 4);
  auto listing = store.ListCheckpoints();
  ASSERT_TRUE(listing.ok());
  ASSERT_EQ(listing->complete.size(), 1u);  // keep = 1
  EXPECT_TRUE(listing->partial.empty());
  const int64_t newest = listing->complete.front();
  EXPECT_GT(newest, kBatches - options.every_revisions);
  EXPECT_EQ(*store.CompactedThrough(), newest);

  WorldState restarted(test::EmptyShippedSnapshot(), &store);
  ASSERT_TRUE(restarted.Recover().ok());
  EXPECT_EQ(restarted.last_recovery().checkpoint_revision, newest);
  EXPECT_EQ(restarted.revision(), kBatches);
  EXPECT_EQ(restarted.Current()->accounts().size(), static_cast<size_t>(kBatches));
  EXPECT_EQ(Users(*restarted.Current()), static_cast<size_t>(kBatches));
}

TEST(CheckpointerTest, WriteNowSkipsARevisionAlreadyCheckpointed) {
  MemoryStore store;
  WorldState state(test::EmptyShippedSnapshot(), &store);
  ASSERT_TRUE(state.Recover().ok());
  Checkpointer checkpointer(&state, &store, CheckpointOptions{});
  ASSERT_TRUE(checkpointer.WriteNow().ok());  // revision 0: nothing to write
  EXPECT_EQ(checkpointer.stats().written, 0);
  ASSERT_TRUE(state.Apply(Batch(1)).ok());
  ASSERT_TRUE(checkpointer.WriteNow().ok());
  ASSERT_TRUE(checkpointer.WriteNow().ok());
  EXPECT_EQ(checkpointer.stats().written, 1);
  EXPECT_EQ(store.ListCheckpoints()->complete, (std::vector<int64_t>{1}));
}

// Large enough that loading decodes chunks on several threads and Finish()
// rebuilds views on several (4,096 accounts or more): in the TSan set, the
// threads of a load are checked too.
TEST(CheckpointerTest, ALargeCheckpointLoadsOnSeveralThreadsAsWritten) {
  MemoryStore store;
  WorldState state(test::EmptyShippedSnapshot(), &store);
  ASSERT_TRUE(state.Recover().ok());
  constexpr int kAccounts = 5000;
  for (int first = 1; first <= kAccounts; first += 500) {
    std::vector<pdp::v1::Change> batch;
    for (int i = first; i < first + 500; ++i) {
      for (pdp::v1::Change& c : Batch(i)) batch.push_back(std::move(c));
    }
    ASSERT_TRUE(state.Apply(batch).ok());
  }
  ASSERT_TRUE(WriteCheckpoint(store, *state.Current(), /*chunk_bytes=*/16 << 10).ok());
  WorldState restarted(test::EmptyShippedSnapshot(), &store);
  ASSERT_TRUE(restarted.Recover().ok());
  EXPECT_EQ(restarted.last_recovery().checkpoint_revision, state.revision());
  EXPECT_EQ(restarted.Current()->accounts().size(), static_cast<size_t>(kAccounts));
  EXPECT_EQ(Users(*restarted.Current()), static_cast<size_t>(kAccounts));
  size_t views = 0;
  for (const auto& [id, account] : restarted.Current()->accounts()) views += account->views.size();
  EXPECT_EQ(views, static_cast<size_t>(kAccounts));
}

}  // namespace
}  // namespace pdp
