// PruneCheckpoints (server/store/checkpoint_io.h) on the in-memory store:
// which checkpoints it keeps, which partial ones it deletes, and how far it
// compacts the log.
#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/store/checkpoint_io.h"
#include "server/store/memory_store.h"

namespace pdp {
namespace {

// A checkpoint's rows: one chunk and, unless partial, a manifest. (Pruning
// never reads them, so any bytes do.)
void Put(Store& store, int64_t revision, bool partial = false) {
  ASSERT_TRUE(store.PutCheckpointChunk(revision, 0, "chunk").ok());
  if (!partial) {
    ASSERT_TRUE(store.PutCheckpointManifest(revision, "manifest").ok());
  }
}

int64_t Prune(Store& store, int keep, bool compact) {
  absl::StatusOr<int64_t> compacted = PruneCheckpoints(store, keep, compact);
  EXPECT_TRUE(compacted.ok()) << compacted.status();
  return compacted.value_or(-1);
}

TEST(PruneCheckpointsTest, CompactsOnlyOnceTheKeptCheckpointsExist) {
  MemoryStore store;
  Put(store, 5);
  // The only checkpoint: the log before it is the fallback if it is damaged.
  EXPECT_EQ(Prune(store, 2, /*compact=*/true), 0);
  Put(store, 9);
  EXPECT_EQ(Prune(store, 2, true), 5);
  Put(store, 12);
  EXPECT_EQ(Prune(store, 2, true), 9);
  absl::StatusOr<CheckpointListing> listing = store.ListCheckpoints();
  ASSERT_TRUE(listing.ok()) << listing.status();
  EXPECT_EQ(listing->complete, (std::vector<int64_t>{12, 9}));
  EXPECT_TRUE(listing->partial.empty());
}

TEST(PruneCheckpointsTest, KeepingOneCompactsThroughIt) {
  MemoryStore store;
  Put(store, 5);
  EXPECT_EQ(Prune(store, 1, true), 5);
}

TEST(PruneCheckpointsTest, WithoutCompactionTheLogStays) {
  MemoryStore store;
  Put(store, 5);
  Put(store, 9);
  Put(store, 12);
  EXPECT_EQ(Prune(store, 2, /*compact=*/false), 0);
}

TEST(PruneCheckpointsTest, DeletesOnlyPartialCheckpointsOlderThanTheNewestComplete) {
  MemoryStore store;
  Put(store, 3, /*partial=*/true);  // a write cut short
  Put(store, 5);
  Put(store, 7, /*partial=*/true);  // may be a write under way
  EXPECT_EQ(Prune(store, 2, false), 0);
  absl::StatusOr<CheckpointListing> listing = store.ListCheckpoints();
  ASSERT_TRUE(listing.ok()) << listing.status();
  EXPECT_EQ(listing->complete, (std::vector<int64_t>{5}));
  EXPECT_EQ(listing->partial, (std::vector<int64_t>{7}));
}

}  // namespace
}  // namespace pdp
