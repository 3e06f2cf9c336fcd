// One suite for every Store: what the write path relies on. Built twice:
// store_conformance_test runs it on the memory and SQLite stores, and
// store_conformance_postgres_test (PDP_CONFORMANCE_POSTGRES, registered with
// the throwaway PostgreSQL) on PostgresStore, each case on a new database.
#include <sqlite3.h>

#include <filesystem>
#include <functional>
#include <limits>
#include <memory>

#include "base/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/app/world_state.h"
#include "server/store/checkpoint_io.h"
#include "server/store/memory_store.h"
#include "server/store/postgres_store.h"
#include "server/store/sqlite_store.h"
#include "tests/support/server_process.h"
#include "tests/support/test_postgres.h"
#include "tests/support/test_support.h"

namespace pdp {
namespace {

using pdp::v1::Change;

Change NewAccount(const std::string& id) {
  Change c;
  c.mutable_create_account()->mutable_account()->set_id(id);
  return c;
}

StoredBatch Batch(int64_t revision, std::vector<Change> changes, std::string request_id = "") {
  return StoredBatch{revision, std::move(request_id), std::move(changes)};
}

struct StoreKind {
  std::string name;
  // Where a test case keeps its data, made new for each case: `dir` (an
  // empty directory) for file stores, a new database for PostgreSQL.
  std::function<absl::StatusOr<std::string>(const std::string& dir)> fresh;
  // Opens the store at `location`; calling it again opens the same data
  // (for durable kinds).
  std::function<std::unique_ptr<Store>(const std::string& location)> open;
};

// Test names and messages show the kind, not the struct's bytes.
void PrintTo(const StoreKind& kind, std::ostream* os) { *os << kind.name; }

class StoreConformanceTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    std::string dir = ::testing::TempDir() + "/store-" + GetParam().name + "-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    absl::StatusOr<std::string> location = GetParam().fresh(dir);
    ASSERT_TRUE(location.ok()) << location.status();
    location_ = *location;
  }
  std::unique_ptr<Store> Open() { return GetParam().open(location_); }

  std::vector<std::pair<int64_t, size_t>> ReadAll(Store& store) {
    std::vector<std::pair<int64_t, size_t>> out;
    EXPECT_TRUE(store
                    .Replay([&](const StoredBatch& b) {
                      out.emplace_back(b.revision, b.changes.size());
                      return absl::OkStatus();
                    })
                    .ok());
    return out;
  }

  std::vector<int64_t> Revisions(Store& store, int64_t from, int64_t to) {
    std::vector<int64_t> out;
    absl::Status s = store.ReadFrom(from, to, [&](const StoredBatch& b) {
      out.push_back(b.revision);
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  std::string location_;
};

TEST_P(StoreConformanceTest, ReplaysBatchesInOrderWhole) {
  auto store = Open();
  ASSERT_TRUE(store->Commit(Batch(1, {NewAccount("111111111111")})).ok());
  ASSERT_TRUE(
      store->Commit(Batch(2, {NewAccount("222222222222"), NewAccount("333333333333")})).ok());
  EXPECT_EQ(ReadAll(*store), (std::vector<std::pair<int64_t, size_t>>{{1, 1}, {2, 2}}));
}

TEST_P(StoreConformanceTest, RefusesARevisionThatIsNotNew) {
  auto store = Open();
  // Revisions as the writer makes them, 1, 2, ... (a shared store refuses
  // gaps, which a writer never makes).
  ASSERT_TRUE(store->Commit(Batch(1, {NewAccount("111111111111")})).ok());
  ASSERT_TRUE(store->Commit(Batch(2, {NewAccount("222222222222")})).ok());
  // A taken revision: the single writer's bug (FAILED_PRECONDITION), or on
  // a shared store another writer's win (ABORTED: catch up and retry).
  const absl::StatusCode taken =
      store->IsShared() ? absl::StatusCode::kAborted : absl::StatusCode::kFailedPrecondition;
  EXPECT_EQ(store->Commit(Batch(2, {NewAccount("333333333333")})).code(), taken);
  EXPECT_EQ(store->Commit(Batch(1, {NewAccount("333333333333")})).code(), taken);
  EXPECT_EQ(ReadAll(*store), (std::vector<std::pair<int64_t, size_t>>{{1, 1}, {2, 1}}));
}

TEST_P(StoreConformanceTest, ReplayStopsAtTheFirstError) {
  auto store = Open();
  ASSERT_TRUE(store->Commit(Batch(1, {NewAccount("111111111111")})).ok());
  ASSERT_TRUE(store->Commit(Batch(2, {NewAccount("222222222222")})).ok());
  int calls = 0;
  absl::Status s = store->Replay([&](const StoredBatch&) {
    ++calls;
    return absl::InternalError("stop");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(calls, 1);
  calls = 0;
  s = store->ReadFrom(2, 2, [&](const StoredBatch&) {
    ++calls;
    return absl::InternalError("stop");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(calls, 1);
}

TEST_P(StoreConformanceTest, ReadFromGivesARangeInOrder) {
  auto store = Open();
  for (int64_t r = 1; r <= 6; ++r) {
    ASSERT_TRUE(store->Commit(Batch(r, {NewAccount(std::to_string(100000000000 + r))})).ok());
  }
  EXPECT_EQ(Revisions(*store, 3, 6), (std::vector<int64_t>{3, 4, 5, 6}));
  EXPECT_EQ(Revisions(*store, 2, 4), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(Revisions(*store, 0, 1), (std::vector<int64_t>{1}));
  EXPECT_EQ(Revisions(*store, 7, 100), (std::vector<int64_t>{}));
  EXPECT_EQ(Revisions(*store, 5, 4), (std::vector<int64_t>{}));
  EXPECT_EQ(Revisions(*store, 6, std::numeric_limits<int64_t>::max()), (std::vector<int64_t>{6}));
}

TEST_P(StoreConformanceTest, ReadFromKeepsTheRequestIdAndTheChanges) {
  auto store = Open();
  ASSERT_TRUE(store->Commit(Batch(1, {NewAccount("111111111111")})).ok());
  Change user;
  user.mutable_put_user()->mutable_user()->set_arn("arn:aws:iam::111111111111:user/a");
  (*user.mutable_put_user()->mutable_user()->mutable_tags())["team"] = "ops";
  ASSERT_TRUE(store->Commit(Batch(2, {NewAccount("222222222222"), user}, "req-42")).ok());
  std::vector<StoredBatch> got;
  ASSERT_TRUE(store
                  ->ReadFrom(1, 2,
                             [&](const StoredBatch& b) {
                               got.push_back(b);
                               return absl::OkStatus();
                             })
                  .ok());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].request_id, "");
  EXPECT_EQ(got[1].request_id, "req-42");
  ASSERT_EQ(got[1].changes.size(), 2u);
  EXPECT_EQ(got[1].changes[1].put_user().user().tags().at("team"), "ops");
}

TEST_P(StoreConformanceTest, ReadFromPagesThroughALongHistory) {
  auto store = Open();
  constexpr int64_t kBatches = 700;  // more than one SQLite page (256 rows)
  for (int64_t r = 1; r <= kBatches; ++r) {
    ASSERT_TRUE(store->Commit(Batch(r, {NewAccount(std::to_string(100000000000 + r))})).ok());
  }
  std::vector<int64_t> want;
  for (int64_t r = 10; r <= kBatches; ++r) want.push_back(r);
  EXPECT_EQ(Revisions(*store, 10, kBatches), want);
  // The callback runs without the store's lock: it may commit.
  int64_t next = kBatches + 1;
  int calls = 0;
  absl::Status s = store->ReadFrom(kBatches - 1, kBatches, [&](const StoredBatch&) {
    ++calls;
    return store->Commit(Batch(next++, {NewAccount("999999999999")}));
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(calls, 2);
}

TEST_P(StoreConformanceTest, KeepsTheDeltaAndTheRequestOutcome) {
  auto store = Open();
  StoredBatch batch = Batch(1, {NewAccount("111111111111")}, "req-1");
  batch.delta.add_accounts()->set_id("111111111111");
  batch.outcome.set_changes_sha256(std::string(32, 'x'));
  batch.outcome.add_results()->set_name("111111111111");
  ASSERT_TRUE(store->Commit(batch).ok());
  ASSERT_TRUE(store->Commit(Batch(2, {NewAccount("222222222222")})).ok());
  int seen = 0;
  ASSERT_TRUE(store
                  ->ReadFrom(
                      1, 1,
                      [&](const StoredBatch& b) {
                        ++seen;
                        EXPECT_FALSE(b.legacy);
                        EXPECT_TRUE(b.changes.empty());  // not asked for
                        EXPECT_EQ(b.delta.accounts(0).id(), "111111111111");
                        EXPECT_EQ(b.outcome.results(0).name(), "111111111111");
                        return absl::OkStatus();
                      },
                      /*with_changes=*/false)
                  .ok());
  EXPECT_EQ(seen, 1);
  // Only batches with a request id, newest first, up to the revision given.
  std::vector<std::string> ids;
  ASSERT_TRUE(store
                  ->ReadRequestOutcomes(2, 10,
                                        [&](const StoredBatch& b) {
                                          ids.push_back(b.request_id);
                                          EXPECT_EQ(b.outcome.changes_sha256(),
                                                    std::string(32, 'x'));
                                          return absl::OkStatus();
                                        })
                  .ok());
  EXPECT_EQ(ids, (std::vector<std::string>{"req-1"}));
  ids.clear();
  ASSERT_TRUE(store
                  ->ReadRequestOutcomes(0, 10,
                                        [&](const StoredBatch& b) {
                                          ids.push_back(b.request_id);
                                          return absl::OkStatus();
                                        })
                  .ok());
  EXPECT_TRUE(ids.empty());
}

TEST_P(StoreConformanceTest, CheckpointsAreCompleteOnlyWithAManifest) {
  auto store = Open();
  ASSERT_TRUE(store->PutCheckpointChunk(5, 0, "chunk-0").ok());
  ASSERT_TRUE(store->PutCheckpointChunk(5, 1, std::string("chunk\0-1", 8)).ok());
  ASSERT_TRUE(store->PutCheckpointChunk(9, 0, "partial").ok());
  ASSERT_TRUE(store->PutCheckpointManifest(5, "manifest-5").ok());
  absl::StatusOr<CheckpointListing> listing = store->ListCheckpoints();
  ASSERT_TRUE(listing.ok()) << listing.status();
  EXPECT_EQ(listing->complete, (std::vector<int64_t>{5}));
  EXPECT_EQ(listing->partial, (std::vector<int64_t>{9}));
  EXPECT_EQ(*store->ReadCheckpointManifest(5), "manifest-5");
  EXPECT_EQ(*store->ReadCheckpointChunk(5, 1), std::string("chunk\0-1", 8));
  EXPECT_EQ(store->ReadCheckpointChunk(5, 2).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->ReadCheckpointManifest(9).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(store->PutCheckpointManifest(9, "manifest-9").ok());
  ASSERT_TRUE(store->DeleteCheckpoint(5).ok());
  listing = store->ListCheckpoints();
  ASSERT_TRUE(listing.ok());
  EXPECT_EQ(listing->complete, (std::vector<int64_t>{9}));
  EXPECT_TRUE(listing->partial.empty());
  EXPECT_EQ(store->ReadCheckpointChunk(5, 0).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, CompactionDeletesOldBatchesAndNeverGoesBack) {
  auto store = Open();
  for (int64_t r = 1; r <= 5; ++r) {
    ASSERT_TRUE(store
                    ->Commit(Batch(r, {NewAccount(std::to_string(100000000000 + r))},
                                   "id-" + std::to_string(r)))
                    .ok());
  }
  EXPECT_EQ(*store->CompactedThrough(), 0);
  ASSERT_TRUE(store->CompactThrough(3).ok());
  EXPECT_EQ(*store->CompactedThrough(), 3);
  EXPECT_EQ(Revisions(*store, 0, 100), (std::vector<int64_t>{4, 5}));
  ASSERT_TRUE(store->CompactThrough(2).ok());  // never backwards
  EXPECT_EQ(*store->CompactedThrough(), 3);
  ASSERT_TRUE(store->CompactThrough(5).ok());
  EXPECT_EQ(Revisions(*store, 0, 100), (std::vector<int64_t>{}));
  // The next revision is still 6: a compacted revision is never given again.
  const absl::StatusCode taken =
      store->IsShared() ? absl::StatusCode::kAborted : absl::StatusCode::kFailedPrecondition;
  EXPECT_EQ(store->Commit(Batch(5, {NewAccount("555555555555")})).code(), taken);
  ASSERT_TRUE(store->Commit(Batch(6, {NewAccount("666666666666")})).ok());
  EXPECT_EQ(Revisions(*store, 0, 100), (std::vector<int64_t>{6}));
}

// Durable stores (not memory): what a restarted server relies on.
using DurableStoreTest = StoreConformanceTest;

TEST_P(DurableStoreTest, KeepsEveryAcknowledgedBatchAcrossReopen) {
  auto catalog = PageCatalog::FromFile(testing::SourcePath("data/page-catalog.json"));
  auto aws = LoadAwsManagedPoliciesFile(testing::SourcePath("data/aws-managed-policies.json"));
  ASSERT_TRUE(catalog.ok() && aws.ok());
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    WorldState state(Snapshot::Initial(*catalog, *aws), store.get());
    pdp::v1::ApplyChangesRequest first;
    *first.add_changes() = NewAccount("111111111111");
    first.set_request_id("first");
    ASSERT_TRUE(state.ApplyChanges(first).ok());
    Change user;
    user.mutable_put_user()->mutable_user()->set_arn("arn:aws:iam::111111111111:user/alice");
    ASSERT_TRUE(state.Apply({user}).ok());
    ASSERT_FALSE(state.Apply({user}).ok());  // already exists: not stored
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  WorldState state(Snapshot::Initial(*catalog, *aws), store.get());
  ASSERT_TRUE(state.Recover().ok());
  EXPECT_EQ(state.Current()->revision(), 2);
  const AccountState* a = state.Current()->FindAccount("111111111111");
  ASSERT_NE(a, nullptr);
  EXPECT_NE(a->FindEntity(IamArnKind::kUser, "alice"), nullptr);
  // The request id came back with its batch.
  pdp::v1::ApplyChangesRequest retry;
  *retry.add_changes() = NewAccount("111111111111");
  retry.set_request_id("first");
  auto replayed = state.ApplyChanges(retry);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_TRUE(replayed->replayed());
  EXPECT_EQ(replayed->revision(), 1);
}

// An AWS managed policy put (not bundled) comes back after a reopen, from
// the log and from a checkpoint, and the stored batch still carries the
// change as sent (what Watch sends).
TEST_P(DurableStoreTest, KeepsAwsManagedPoliciesPutAcrossReopen) {
  auto catalog = PageCatalog::FromFile(testing::SourcePath("data/page-catalog.json"));
  auto aws = LoadAwsManagedPoliciesFile(testing::SourcePath("data/aws-managed-policies.json"));
  ASSERT_TRUE(catalog.ok() && aws.ok());
  const std::string arn = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess";
  ASSERT_EQ((*aws)->count(arn), 0u);
  Change put;
  auto* p = put.mutable_put_aws_managed_policy();
  p->set_arn(arn);
  for (const char* id : {"v1", "v2"}) {
    auto* v = p->add_versions();
    v->set_version_id(id);
    v->set_document(
        test::AllowDoc({std::string(id) == "v2" ? "cost-optimization-hub:ListRecommendations"
                                                : "ec2:DescribeInstances"}));
    v->set_is_default(std::string(id) == "v2");
  }
  Change user;
  user.mutable_put_user()->mutable_user()->set_arn("arn:aws:iam::111111111111:user/alice");
  user.mutable_put_user()->mutable_user()->add_attached_policies(arn);
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    WorldState state(Snapshot::Initial(*catalog, *aws), store.get());
    ASSERT_TRUE(state.Apply({NewAccount("111111111111"), put, user}).ok());
  }
  for (bool checkpoint : {false, true}) {
    SCOPED_TRACE(checkpoint ? "from a checkpoint" : "from the log");
    auto store = Open();
    ASSERT_NE(store, nullptr);
    WorldState state(Snapshot::Initial(*catalog, *aws), store.get());
    ASSERT_TRUE(state.Recover().ok());
    EXPECT_EQ(state.last_recovery().checkpoint_revision, checkpoint ? 1 : 0);
    const ManagedPolicyRecord* policy = state.Current()->FindPolicy(arn);
    ASSERT_NE(policy, nullptr);
    EXPECT_TRUE(policy->aws_managed);
    EXPECT_EQ(policy->default_version_id, "v2");
    EXPECT_EQ(policy->versions.size(), 2u);
    const PrincipalView* alice =
        state.Current()->FindAccount("111111111111")->FindView(IamArnKind::kUser, "alice");
    ASSERT_NE(alice, nullptr);
    ASSERT_EQ(alice->policies.size(), 1u);
    EXPECT_EQ(alice->policies[0].policy, policy->default_compiled);
    if (!checkpoint) {
      ASSERT_TRUE(WriteCheckpoint(*store, *state.Current()).ok());
    }
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::vector<Change> sent;
  ASSERT_TRUE(store
                  ->Replay([&](const StoredBatch& b) {
                    sent = b.changes;
                    EXPECT_EQ(b.delta.put_aws_policies_size(), 1);
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_TRUE(sent[1].has_put_aws_managed_policy());
}

TEST_P(DurableStoreTest, KeepsCheckpointsAndTheCompactionMarkAcrossReopen) {
  {
    auto store = Open();
    for (int64_t r = 1; r <= 3; ++r) {
      ASSERT_TRUE(store->Commit(Batch(r, {NewAccount(std::to_string(100000000000 + r))})).ok());
    }
    ASSERT_TRUE(store->PutCheckpointChunk(2, 0, "c").ok());
    ASSERT_TRUE(store->PutCheckpointManifest(2, "m").ok());
    ASSERT_TRUE(store->CompactThrough(2).ok());
  }
  auto store = Open();
  EXPECT_EQ(*store->CompactedThrough(), 2);
  EXPECT_EQ(store->ListCheckpoints()->complete, (std::vector<int64_t>{2}));
  EXPECT_EQ(*store->ReadCheckpointChunk(2, 0), "c");
  EXPECT_EQ(Revisions(*store, 0, 100), (std::vector<int64_t>{3}));
}

std::string KindName(const ::testing::TestParamInfo<StoreKind>& info) { return info.param.name; }

#ifdef PDP_CONFORMANCE_POSTGRES

const StoreKind kPostgres{"postgres",
                          [](const std::string&) { return testing::FreshPostgresDatabase(); },
                          [](const std::string& conninfo) -> std::unique_ptr<Store> {
                            auto s = PostgresStore::Open(conninfo);
                            EXPECT_TRUE(s.ok()) << s.status();
                            return s.ok() ? std::move(*s) : nullptr;
                          }};

INSTANTIATE_TEST_SUITE_P(Stores, StoreConformanceTest, ::testing::Values(kPostgres), KindName);
INSTANTIATE_TEST_SUITE_P(Stores, DurableStoreTest, ::testing::Values(kPostgres), KindName);

#else  // memory and SQLite

const StoreKind kMemory{
    "memory", [](const std::string& dir) { return dir; },
    [](const std::string&) -> std::unique_ptr<Store> { return std::make_unique<MemoryStore>(); }};

const StoreKind kSqlite{"sqlite", [](const std::string& dir) { return dir + "/state.db"; },
                        [](const std::string& path) -> std::unique_ptr<Store> {
                          auto s = SqliteStore::Open(path);
                          EXPECT_TRUE(s.ok()) << s.status();
                          return s.ok() ? std::move(*s) : nullptr;
                        }};

INSTANTIATE_TEST_SUITE_P(Stores, StoreConformanceTest, ::testing::Values(kMemory, kSqlite),
                         KindName);
INSTANTIATE_TEST_SUITE_P(Stores, DurableStoreTest, ::testing::Values(kSqlite), KindName);

TEST(SqliteStoreTest, RefusesASchemaFromTheFuture) {
  std::string path = ::testing::TempDir() + "/future.db";
  std::filesystem::remove(path);
  {
    auto s = SqliteStore::Open(path);
    ASSERT_TRUE(s.ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE meta SET value='99' WHERE key='schema_version'", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto s = SqliteStore::Open(path);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition);
}

// One writer per file: a second writer is refused while the first is open
// (here in one process: the lock is per open file, not per process); a
// read-only store opens beside it and sees its commits; once the writer is
// gone the file opens for writing again.
TEST(SqliteStoreTest, OneWriterAtATimeAndReadersBesideIt) {
  const std::string path = ::testing::TempDir() + "/one-writer.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  {
    auto writer = SqliteStore::Open(path);
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE((*writer)->Commit(Batch(1, {NewAccount("111111111111")})).ok());

    auto second = SqliteStore::Open(path);
    EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition) << second.status();
    EXPECT_THAT(second.status().message(),
                ::testing::HasSubstr(path + " is in use by another writer"));

    auto reader = SqliteStore::Open(path, SqliteStore::Access::kReadOnly);
    ASSERT_TRUE(reader.ok()) << reader.status();
    int seen = 0;
    ASSERT_TRUE((*reader)
                    ->ReadFrom(1, 1,
                               [&](const StoredBatch&) {
                                 ++seen;
                                 return absl::OkStatus();
                               })
                    .ok());
    EXPECT_EQ(seen, 1);
    EXPECT_FALSE((*reader)->Commit(Batch(2, {NewAccount("222222222222")})).ok());
    // The writer still commits with the reader open.
    EXPECT_TRUE((*writer)->Commit(Batch(2, {NewAccount("222222222222")})).ok());
  }
  auto again = SqliteStore::Open(path);
  EXPECT_TRUE(again.ok()) << again.status();
}

TEST(SqliteStoreTest, SaysWhetherItCreatedTheFile) {
  std::string path = ::testing::TempDir() + "/created.db";
  std::filesystem::remove(path);
  {
    auto s = SqliteStore::Open(path);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_TRUE((*s)->CreatedOnOpen());
  }
  auto s = SqliteStore::Open(path);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE((*s)->CreatedOnOpen());
}

// Files deleted or replaced under an open store: every commit fails, and
// keeps failing when a file reappears at the path.
TEST(SqliteStoreTest, RefusesCommitsOnceItsFilesAreGoneOrReplaced) {
  const std::string dir = ::testing::TempDir() + "/sqlite-moved";
  for (const char* gone : {"", "-wal", "replace"}) {
    SCOPED_TRACE(gone);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string path = dir + "/state.db";
    auto s = SqliteStore::Open(path);
    ASSERT_TRUE(s.ok()) << s.status();
    Store& store = **s;
    ASSERT_TRUE(store.Commit(Batch(1, {NewAccount("111111111111")})).ok());
    EXPECT_TRUE(store.Health().ok());
    if (std::string(gone) == "replace") {
      std::filesystem::copy_file(path, dir + "/copy.db");
      std::filesystem::rename(dir + "/copy.db", path);
    } else {
      ASSERT_TRUE(std::filesystem::remove(path + gone));
    }
    absl::Status health = store.Health();
    EXPECT_EQ(health.code(), absl::StatusCode::kFailedPrecondition) << health;
    EXPECT_EQ(ErrorReason(health), "STORE_FILE_REPLACED");
    absl::Status refused = store.Commit(Batch(2, {NewAccount("222222222222")}));
    EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
    EXPECT_EQ(ErrorReason(refused), "STORE_FILE_REPLACED");
    // Nothing of revision 2 anywhere: not in what the store reads back.
    int batches = 0;
    EXPECT_TRUE(store
                    .Replay([&](const StoredBatch&) {
                      ++batches;
                      return absl::OkStatus();
                    })
                    .ok());
    EXPECT_EQ(batches, 1);
  }
}

#endif  // PDP_CONFORMANCE_POSTGRES

}  // namespace
}  // namespace pdp
