// PostgresStore specifics beyond the store conformance suite: the shared
// change log between writers (replicas), notifications, and outages.
#include "server/store/postgres_store.h"

#include <libpq-fe.h>

#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pdp/v1/admin.pb.h"
#include "tests/support/test_postgres.h"

namespace pdp {
namespace {

StoredBatch Batch(int64_t revision, const std::string& account) {
  StoredBatch b;
  b.revision = revision;
  b.request_id = "req-" + std::to_string(revision);
  b.changes.emplace_back();
  b.changes.back().mutable_create_account()->mutable_account()->set_id(account);
  return b;
}

std::vector<int64_t> Revisions(Store& store, int64_t from = 0) {
  std::vector<int64_t> out;
  absl::Status s = store.ReadFrom(from, 1 << 30, [&](const StoredBatch& b) {
    out.push_back(b.revision);
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> db = testing::FreshPostgresDatabase();
    ASSERT_TRUE(db.ok()) << db.status();
    conninfo_ = *db;
  }
  std::unique_ptr<PostgresStore> Open() {
    absl::StatusOr<std::unique_ptr<PostgresStore>> s = PostgresStore::Open(conninfo_);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }
  // Runs `sql` on a connection of its own (test set-up).
  void Sql(const std::string& sql) {
    PGconn* conn = PQconnectdb(conninfo_.c_str());
    PGresult* r = PQexec(conn, sql.c_str());
    EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(conn);
    PQclear(r);
    PQfinish(conn);
  }
  // A deferred trigger on pdp_batches: `body` runs while COMMIT runs.
  void OnCommit(const std::string& body) {
    Sql("CREATE FUNCTION pdp_test_on_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN " +
        body +
        "; RETURN NULL; END $$; CREATE CONSTRAINT TRIGGER pdp_test_on_commit AFTER INSERT ON "
        "pdp_batches DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "
        "pdp_test_on_commit()");
  }
  void NothingOnCommit() {
    Sql("DROP TRIGGER pdp_test_on_commit ON pdp_batches; DROP FUNCTION pdp_test_on_commit()");
  }
  std::string conninfo_;
};

TEST_F(PostgresStoreTest, TwoWritersShareOneOrderedLog) {
  auto a = Open(), b = Open();
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(b->IsShared());
  ASSERT_TRUE(a->Commit(Batch(1, "111111111111")).ok());
  // b did not see revision 1 and tries it: refused, nothing stored twice.
  absl::Status taken = b->Commit(Batch(1, "222222222222"));
  EXPECT_EQ(taken.code(), absl::StatusCode::kAborted) << taken;
  // A gap is refused too.
  EXPECT_EQ(b->Commit(Batch(3, "222222222222")).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(b->Commit(Batch(2, "222222222222")).ok());
  EXPECT_THAT(Revisions(*a), ::testing::ElementsAre(1, 2));
  std::string account;
  ASSERT_TRUE(a->ReadFrom(2, 2, [&](const StoredBatch& batch) {
                 account = batch.changes[0].create_account().account().id();
                 EXPECT_EQ(batch.request_id, "req-2");
                 return absl::OkStatus();
               }).ok());
  EXPECT_EQ(account, "222222222222");
}

TEST_F(PostgresStoreTest, ConcurrentWritersNeverDuplicateARevision) {
  auto a = Open(), b = Open();
  ASSERT_TRUE(a && b);
  // Each writer keeps trying the next revision it believes free.
  auto writer = [&](PostgresStore* store, int count, std::vector<int64_t>* won) {
    int64_t next = 1;
    while (static_cast<int>(won->size()) < count) {
      absl::Status s = store->Commit(Batch(next, "111111111111"));
      if (s.ok()) won->push_back(next);
      ASSERT_TRUE(s.ok() || s.code() == absl::StatusCode::kAborted) << s;
      ++next;
    }
  };
  std::vector<int64_t> won_a, won_b;
  std::thread ta(writer, a.get(), 20, &won_a), tb(writer, b.get(), 20, &won_b);
  ta.join();
  tb.join();
  std::vector<int64_t> all = Revisions(*a);
  ASSERT_EQ(all.size(), 40u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], static_cast<int64_t>(i + 1));
}

TEST_F(PostgresStoreTest, AWriterWakesTheOthersListener) {
  auto a = Open(), b = Open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(b->WaitForCommits(absl::Milliseconds(10)).ok());  // starts listening
  absl::Time start = absl::Now();
  std::thread commit([&] {
    absl::SleepFor(absl::Milliseconds(200));
    ASSERT_TRUE(a->Commit(Batch(1, "111111111111")).ok());
  });
  ASSERT_TRUE(b->WaitForCommits(absl::Seconds(20)).ok());
  commit.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));  // woken, not timed out
  EXPECT_THAT(Revisions(*b), ::testing::ElementsAre(1));
}

TEST_F(PostgresStoreTest, ReopenKeepsEveryCommittedBatch) {
  {
    auto a = Open();
    ASSERT_TRUE(a);
    for (int r = 1; r <= 300; ++r) ASSERT_TRUE(a->Commit(Batch(r, "111111111111")).ok());
  }
  auto again = Open();
  ASSERT_TRUE(again);
  EXPECT_EQ(Revisions(*again).size(), 300u);  // more than one page
  EXPECT_THAT(Revisions(*again, 299), ::testing::ElementsAre(299, 300));
}

TEST_F(PostgresStoreTest, UnreachableDatabaseIsUnavailableThenRecovers) {
  auto a = Open();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->Commit(Batch(1, "111111111111")).ok());
  ASSERT_TRUE(testing::PausePostgres().ok());
  absl::Status down = a->Commit(Batch(2, "111111111111"));
  absl::Status read = a->ReadFrom(0, 10, [](const StoredBatch&) { return absl::OkStatus(); });
  absl::Status wait = a->WaitForCommits(absl::Milliseconds(50));
  ASSERT_TRUE(testing::ResumePostgres().ok());
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;
  EXPECT_EQ(read.code(), absl::StatusCode::kUnavailable) << read;
  EXPECT_EQ(wait.code(), absl::StatusCode::kUnavailable) << wait;
  // Reconnects by itself.
  ASSERT_TRUE(a->Commit(Batch(2, "111111111111")).ok());
  EXPECT_THAT(Revisions(*a), ::testing::ElementsAre(1, 2));
}

TEST_F(PostgresStoreTest, AConnectionLostDuringCommitLeavesTheOutcomeUnknown) {
  auto a = Open();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->Commit(Batch(1, "111111111111")).ok());
  // The session ends itself while COMMIT runs: the client gets no answer to
  // COMMIT and cannot know whether the row is in.
  OnCommit("PERFORM pg_terminate_backend(pg_backend_pid())");
  absl::Status lost = a->Commit(Batch(2, "222222222222"));
  EXPECT_EQ(lost.code(), absl::StatusCode::kUnavailable) << lost;
  EXPECT_EQ(ErrorReason(lost), "COMMIT_OUTCOME_UNKNOWN") << lost;
  NothingOnCommit();
  // Here it did not commit (the session ended first): the store reconnects
  // and revision 2 is still free.
  ASSERT_TRUE(a->Commit(Batch(2, "222222222222")).ok());
  EXPECT_THAT(Revisions(*a), ::testing::ElementsAre(1, 2));
}

TEST_F(PostgresStoreTest, ACommitTheDatabaseRefusesIsNotInDoubt) {
  auto a = Open();
  ASSERT_TRUE(a);
  OnCommit("RAISE EXCEPTION 'refused at commit'");
  absl::Status refused = a->Commit(Batch(1, "111111111111"));
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_EQ(ErrorReason(refused), "") << refused;
  EXPECT_THAT(std::string(refused.message()), ::testing::HasSubstr("refused at commit"));
  NothingOnCommit();
  EXPECT_TRUE(Revisions(*a).empty());
  ASSERT_TRUE(a->Commit(Batch(1, "111111111111")).ok());
}

// A database written before the log was versioned (schema 1: pdp_batches
// holds ApplyChangesRequest blobs): opening migrates the schema, its rows
// read as legacy batches, and UpgradeBatch rewrites each once.
TEST_F(PostgresStoreTest, ALegacyDatabaseIsMigratedOnOpen) {
  pdp::v1::ApplyChangesRequest legacy;
  legacy.set_request_id("old-1");
  legacy.add_changes()->mutable_create_account()->mutable_account()->set_id("111111111111");
  std::string hex;
  for (unsigned char c : legacy.SerializeAsString()) {
    absl::StrAppend(&hex, absl::Hex(c, absl::kZeroPad2));
  }
  Sql("CREATE TABLE pdp_meta (key text PRIMARY KEY, value text NOT NULL); INSERT INTO pdp_meta "
      "VALUES ('schema_version', '1'); CREATE TABLE pdp_batches (revision bigint PRIMARY KEY, "
      "batch bytea NOT NULL, committed_at timestamptz NOT NULL DEFAULT now()); INSERT INTO "
      "pdp_batches (revision, batch) VALUES (1, '\\x" +
      hex + "')");
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::optional<StoredBatch> read;
  ASSERT_TRUE(store
                  ->ReadFrom(1, 1,
                             [&](const StoredBatch& b) {
                               read = b;
                               return absl::OkStatus();
                             })
                  .ok());
  ASSERT_TRUE(read.has_value());
  EXPECT_TRUE(read->legacy);
  EXPECT_EQ(read->request_id, "old-1");
  ASSERT_EQ(read->changes.size(), 1u);
  StoredBatch upgraded = *read;
  upgraded.delta.add_accounts()->set_id("111111111111");
  upgraded.outcome.add_results()->set_name("111111111111");
  ASSERT_TRUE(store->UpgradeBatch(upgraded).ok());
  // Once only: a second upgrade (another replica's) leaves the row alone.
  upgraded.delta.mutable_accounts(0)->set_id("999999999999");
  ASSERT_TRUE(store->UpgradeBatch(upgraded).ok());
  read.reset();
  ASSERT_TRUE(store
                  ->ReadFrom(1, 1,
                             [&](const StoredBatch& b) {
                               read = b;
                               return absl::OkStatus();
                             })
                  .ok());
  ASSERT_TRUE(read.has_value());
  EXPECT_FALSE(read->legacy);
  EXPECT_EQ(read->delta.accounts(0).id(), "111111111111");
  EXPECT_EQ(read->changes.size(), 1u);
  EXPECT_EQ(read->outcome.results(0).name(), "111111111111");
  // New batches go on after it.
  EXPECT_TRUE(store->Commit(Batch(2, "222222222222")).ok());
  EXPECT_EQ(Revisions(*store), (std::vector<int64_t>{1, 2}));
}

TEST(PostgresStoreOpenTest, UnreachableDatabaseIsUnavailable) {
  absl::StatusOr<std::unique_ptr<PostgresStore>> s =
      PostgresStore::Open("host=/nonexistent-dir port=1 dbname=x connect_timeout=1");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnavailable) << s.status();
}

}  // namespace
}  // namespace pdp
