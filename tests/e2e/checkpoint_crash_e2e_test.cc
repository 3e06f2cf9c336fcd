// A real server killed (SIGKILL) while it writes a checkpoint, then
// restarted on the same store, a few times over: every acknowledged batch
// is still there (and, unless compaction deleted it, its request id
// replays with the same answer), the revisions have no gap, and the batch
// in flight at the kill is wholly there or wholly absent.
//
// The server checkpoints after every revision (--checkpoint-every 1
// --checkpoint-min-interval 0), on a world of a few thousand accounts, so a
// checkpoint is several chunks and takes a while to write. The test watches
// the store itself for a partial checkpoint (chunks without a manifest) and
// kills at varied moments of the write; after each kill it looks at the
// store again and counts the kills that left a partial checkpoint behind:
// at least one must, or the test proves nothing. At least one restart must
// also say it recovered from a checkpoint (and replayed the tail after it).
//
// Built twice: checkpoint_crash_e2e_test on SQLite,
// checkpoint_crash_postgres_e2e_test (PDP_CRASH_POSTGRES) on the throwaway
// PostgreSQL.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "billing_pdp/admin_client.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "server/store/open_store.h"
#include "tests/support/batch_writer.h"
#include "tests/support/server_process.h"
#include "tests/support/test_postgres.h"

namespace pdp::testing {
namespace {

using pdp::v1::ApplyChangesRequest;
using pdp::v1::ApplyChangesResponse;
using Stub = AdminClient::Stub;

// The world written first: kPreloadBatches batches of kPreloadAccounts
// accounts, each with kPreloadUsers users carrying an inline policy. A few
// MiB: a checkpoint of it is several chunks (1 MiB each).
constexpr int kPreloadBatches = 4;
constexpr int kPreloadAccounts = 750;
constexpr int kPreloadUsers = 4;
// Then the streamed batches: small, so many revisions pass per checkpoint.
constexpr int kStreamUsers = 2;
constexpr int kStreamChanges = 1 + kStreamUsers;

// A user's inline policy: each one different (it names its user), so that
// no encoding of the state can share them and the checkpoint stays large.
std::string Policy(const std::string& user_arn) {
  return absl::StrCat(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":)"
                      R"(["aws-portal:ViewBilling","aws-portal:ViewUsage","ce:GetCostAndUsage",)"
                      R"("budgets:ViewBudget","cur:DescribeReportDefinitions"],"Resource":"*",)"
                      R"("Condition":{"StringEquals":{"aws:PrincipalArn":")",
                      user_arn,
                      R"("}}},{"Effect":"Deny","Action":["aws-portal:ModifyBilling",)"
                      R"("aws-portal:ModifyAccount"],"Resource":"*","Condition":{"StringEquals":)"
                      R"({"aws:PrincipalTag/team":"finance"}}}]})");
}

// Streamed batches are numbered from 0, preload batches from -kPreloadBatches.
std::string RequestId(int batch) { return absl::StrCat("batch-", batch); }

std::string AccountId(int batch, int i) {
  return absl::StrCat(400000000000 + (batch + kPreloadBatches) * kPreloadAccounts + i);
}

std::string UserArn(const std::string& account, int u) {
  return absl::StrCat("arn:aws:iam::", account, ":user/finance/u", u);
}

int AccountsOf(int batch) { return batch < 0 ? kPreloadAccounts : 1; }
int UsersOf(int batch) { return batch < 0 ? kPreloadUsers : kStreamUsers; }

ApplyChangesRequest Batch(int batch) {
  ApplyChangesRequest r;
  r.set_request_id(RequestId(batch));
  for (int i = 0; i < AccountsOf(batch); ++i) {
    const std::string account = AccountId(batch, i);
    r.add_changes()->mutable_create_account()->mutable_account()->set_id(account);
    for (int u = 0; u < UsersOf(batch); ++u) {
      pdp::v1::User* user = r.add_changes()->mutable_put_user()->mutable_user();
      user->set_arn(UserArn(account, u));
      (*user->mutable_tags())["team"] = "finance";
      if (batch < 0) {
        pdp::v1::InlinePolicy* policy = user->add_inline_policies();
        policy->set_name("billing");
        policy->set_document(Policy(user->arn()));
      }
    }
  }
  return r;
}

// When, in a checkpoint's write, the server is killed.
enum class KillPoint {
  kFirstChunk,  // as soon as the store holds its first chunk
  kLaterChunk,  // once it holds a second chunk
  kManifest,    // as soon as its manifest is stored: pruning (and compacting) follows
  kMidWrite,    // half an observed write time after its first chunk
};
constexpr int kKillPoints = 4;

const char* Name(KillPoint point) {
  switch (point) {
    case KillPoint::kFirstChunk:
      return "first chunk";
    case KillPoint::kLaterChunk:
      return "second chunk";
    case KillPoint::kManifest:
      return "manifest";
    case KillPoint::kMidWrite:
      return "mid-write";
  }
  return "?";
}

class CheckpointCrashTest : public ::testing::Test {
 protected:
  std::unique_ptr<ServerProcess> Start() {
    std::vector<std::string> args = {"--store",
                                     store_,
                                     "--checkpoint-every",
                                     "1",
                                     "--checkpoint-min-interval",
                                     "0",
                                     "--checkpoints-kept",
                                     "2",
                                     "--compact-log",
                                     compact_ ? "true" : "false"};
    auto server = std::make_unique<ServerProcess>(args);
    EXPECT_TRUE(server->ok()) << server->log();
    if (!server->ok()) return nullptr;
    ClientOptions options;
    options.target = server->address();
    options.timeout = std::chrono::seconds(60);
    admin_ = std::make_unique<AdminClient>(options);
    return server;
  }

  // The revision of the checkpoint the server said it recovered from (0:
  // none), from its start-up line.
  static int64_t RecoveredFrom(const ServerProcess& server) {
    static const std::regex kLine(
        R"(state recovered in [0-9.]+ s: checkpoint at revision ([0-9]+), ([0-9]+) batches)");
    std::smatch m;
    const std::string& log = server.log();
    if (!std::regex_search(log, m, kLine)) {
      ADD_FAILURE() << "no recovery line in:\n" << log;
      return 0;
    }
    return std::stoll(m[1]);
  }

  // Every revision the store holds a checkpoint (complete or partial) at.
  std::set<int64_t> CheckpointRevisions(Store& store) {
    absl::StatusOr<CheckpointListing> listing = store.ListCheckpoints();
    EXPECT_TRUE(listing.ok()) << listing.status();
    std::set<int64_t> out;
    if (!listing.ok()) return out;
    out.insert(listing->complete.begin(), listing->complete.end());
    out.insert(listing->partial.begin(), listing->partial.end());
    return out;
  }

  // Watches the store (its own connection) for the next checkpoint write at
  // a revision after `after` and returns at `point` of it (the revision
  // being written); nullopt if none began within the deadline. With
  // `settle`, first lets one such write finish whole (and the pruning and
  // compacting after it happen), so that the next restart has a checkpoint
  // of this server's to load. Sets *write_time to how long a write took
  // from its first chunk to its manifest when it saw both.
  std::optional<int64_t> WaitForKillPoint(Store& store, KillPoint point, int64_t after, bool settle,
                                          std::chrono::microseconds mid_write,
                                          std::chrono::microseconds* write_time) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::optional<int64_t> writing;  // the revision being checkpointed
    std::chrono::steady_clock::time_point first_chunk;
    while (std::chrono::steady_clock::now() < deadline) {
      absl::StatusOr<CheckpointListing> listing = store.ListCheckpoints();
      if (!listing.ok()) {
        ADD_FAILURE() << listing.status();
        return std::nullopt;
      }
      if (settle) {
        if (!listing->complete.empty() && listing->complete.front() > after) {
          after = listing->complete.front();
          settle = false;
        }
        continue;
      }
      if (!writing) {
        if (!listing->partial.empty() && listing->partial.front() > after) {
          writing = listing->partial.front();
          first_chunk = std::chrono::steady_clock::now();
        } else if (!listing->complete.empty() && listing->complete.front() > after) {
          // Written whole between two looks: wait for the next one.
          after = listing->complete.front();
        }
        if (!writing) continue;
        if (point == KillPoint::kFirstChunk) return writing;
        if (point == KillPoint::kMidWrite) {
          std::this_thread::sleep_for(mid_write);
          return writing;
        }
      }
      const bool complete = !listing->complete.empty() && listing->complete.front() >= *writing;
      if (complete) {
        *write_time = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - first_chunk);
        if (point == KillPoint::kManifest) return writing;
        // Finished before a second chunk was seen: try the next write.
        after = *writing;
        writing.reset();
        continue;
      }
      if (point == KillPoint::kLaterChunk && store.ReadCheckpointChunk(*writing, 1).ok()) {
        return writing;
      }
    }
    return std::nullopt;
  }

  // How many of a streamed batch's objects exist (0 to kStreamChanges).
  int ObjectsOf(int batch) {
    int found = 0;
    const std::string account = AccountId(batch, 0);
    pdp::v1::GetRequest get;
    get.set_name(account);
    auto got = admin_->Call(&Stub::GetAccount, get);
    if (!got.ok()) {
      EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound) << got.status();
      return 0;
    }
    ++found;
    pdp::v1::ListRequest list;
    list.set_parent(account);
    list.set_page_size(1000);
    auto users = admin_->Call(&Stub::ListUsers, list);
    EXPECT_TRUE(users.ok()) << users.status();
    if (users.ok()) found += users->users_size();
    return found;
  }

  // All accounts, and the revision the listing reflects.
  std::set<std::string> Accounts(int64_t* revision) {
    std::set<std::string> out;
    pdp::v1::ListRequest list;
    list.set_page_size(1000);
    for (int page = 0; page < 1000; ++page) {
      int64_t at = 0;
      auto r = admin_->Call(&Stub::ListAccounts, list, &at);
      EXPECT_TRUE(r.ok()) << r.status();
      if (!r.ok()) break;
      if (page == 0) *revision = at;
      for (const pdp::v1::Account& a : r->accounts()) out.insert(a.id());
      if (r->next_page_token().empty()) break;
      list.set_page_token(r->next_page_token());
    }
    return out;
  }

  // What the restarted server must hold: every acknowledged batch, whole;
  // those the log still held at the restart (revision > compacted) replay
  // with their first answer; `in_flight` wholly or not at all; and the
  // revisions 1..current are exactly one per batch written, no gap.
  // Returns whether the in-flight batch was applied.
  bool Check(const std::map<int, ApplyChangesResponse>& acked, int in_flight, int64_t compacted) {
    int64_t current = 0;
    const std::set<std::string> accounts = Accounts(&current);
    std::set<int64_t> revisions;
    size_t expected_accounts = 0;
    for (const auto& [batch, response] : acked) {
      SCOPED_TRACE(RequestId(batch));
      EXPECT_TRUE(revisions.insert(response.revision()).second) << "a revision acknowledged twice";
      expected_accounts += AccountsOf(batch);
      for (int i = 0; i < AccountsOf(batch); ++i) {
        EXPECT_TRUE(accounts.count(AccountId(batch, i)) == 1)
            << "an acknowledged account is gone: " << AccountId(batch, i);
      }
      if (batch >= 0) {
        EXPECT_EQ(ObjectsOf(batch), kStreamChanges);
      }
      if (response.revision() <= compacted) continue;  // its request id is forgotten
      auto again = admin_->ApplyChanges(Batch(batch));
      EXPECT_TRUE(again.ok()) << again.status();
      if (!again.ok()) continue;
      EXPECT_TRUE(again->replayed());
      ApplyChangesResponse first = *again;
      first.clear_replayed();
      EXPECT_EQ(first.SerializeAsString(), response.SerializeAsString());
    }
    bool applied = false;
    if (in_flight >= 0) {
      const int objects = ObjectsOf(in_flight);
      EXPECT_TRUE(objects == 0 || objects == kStreamChanges)
          << "batch " << in_flight << " is half applied: " << objects << " of " << kStreamChanges;
      applied = objects == kStreamChanges;
      if (applied) {
        // Its outcome is remembered (it is the newest batch, never
        // compacted): the retry is a replay, not a second application.
        auto again = admin_->ApplyChanges(Batch(in_flight));
        EXPECT_TRUE(again.ok() && again->replayed()) << again.status();
        if (again.ok()) revisions.insert(again->revision());
        ++expected_accounts;
      }
    }
    EXPECT_EQ(accounts.size(), expected_accounts) << "accounts nobody acknowledged";
    EXPECT_EQ(static_cast<int64_t>(revisions.size()), current) << "revisions have a gap";
    if (!revisions.empty()) {
      EXPECT_EQ(*revisions.begin(), 1);
      EXPECT_EQ(*revisions.rbegin(), current);
    }
    return applied;
  }

  // Some of the preloaded objects, whole (inline policies, tags, etags):
  // each restart must read them back exactly as they were written.
  struct Sample {
    std::vector<pdp::v1::Account> accounts;
    std::vector<pdp::v1::User> users;
  };
  Sample TakeSample() {
    Sample out;
    for (int b = -kPreloadBatches; b < 0; ++b) {
      for (int i = 0; i < kPreloadAccounts; i += 50) {
        pdp::v1::GetRequest get;
        get.set_name(AccountId(b, i));
        auto account = admin_->Call(&Stub::GetAccount, get);
        EXPECT_TRUE(account.ok()) << account.status();
        if (account.ok()) out.accounts.push_back(*account);
        for (int u = 0; u < kPreloadUsers; ++u) {
          get.set_name(UserArn(AccountId(b, i), u));
          auto user = admin_->Call(&Stub::GetUser, get);
          EXPECT_TRUE(user.ok()) << user.status();
          if (user.ok()) out.users.push_back(*user);
        }
      }
    }
    return out;
  }
  void ExpectSame(const Sample& before, const Sample& after) {
    using google::protobuf::util::MessageDifferencer;
    ASSERT_EQ(after.accounts.size(), before.accounts.size());
    ASSERT_EQ(after.users.size(), before.users.size());
    for (size_t i = 0; i < before.accounts.size(); ++i) {
      EXPECT_TRUE(MessageDifferencer::Equals(before.accounts[i], after.accounts[i]))
          << before.accounts[i].DebugString() << "came back as\n"
          << after.accounts[i].DebugString();
    }
    for (size_t i = 0; i < before.users.size(); ++i) {
      EXPECT_TRUE(MessageDifferencer::Equals(before.users[i], after.users[i]))
          << before.users[i].DebugString() << "came back as\n"
          << after.users[i].DebugString();
    }
  }

  void KillAndRestart(int kills) {
    std::map<int, ApplyChangesResponse> acked;  // every batch acknowledged, ever
    std::unique_ptr<ServerProcess> server = Start();
    ASSERT_NE(server, nullptr);
    for (int b = -kPreloadBatches; b < 0; ++b) {
      auto r = admin_->ApplyChanges(Batch(b));
      ASSERT_TRUE(r.ok()) << r.status();
      acked[b] = *r;
    }
    const Sample preloaded = TakeSample();
    ASSERT_FALSE(HasFailure());
    int next = 0;
    int partial_after_kill = 0;  // kills that left the write they cut short
    int from_checkpoint = 0;     // restarts that loaded a checkpoint
    int64_t compacted = 0;       // at the last restart
    std::chrono::microseconds write_time{0};
    for (int round = 0; round < kills; ++round) {
      const auto point = static_cast<KillPoint>(round % kKillPoints);
      SCOPED_TRACE(absl::StrCat("round ", round, ", kill at ", Name(point)));
      auto watched = OpenStore(store_, StoreAccess::kReadOnly);  // the test's own connection
      ASSERT_TRUE(watched.ok()) << watched.status();
      const std::set<int64_t> before = CheckpointRevisions(**watched);
      auto writer = std::make_unique<BatchWriter>(server->address(), next, Batch, 20000,
                                                  std::chrono::milliseconds(2));
      const std::optional<int64_t> writing =
          WaitForKillPoint(**watched, point, before.empty() ? 0 : *before.rbegin(),
                           /*settle=*/round % 2 == 1, write_time / 2, &write_time);
      const int status = server->Stop(SIGKILL);
      watched->reset();
      EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
      writer->Join();
      ASSERT_TRUE(writing.has_value())
          << "no checkpoint write was seen at that point in 20 s (for the second chunk: is the "
             "world now too small for two chunks?)";
      ASSERT_GE(writer->failed_batch(), 0) << "no call was cut off by the kill";
      EXPECT_EQ(writer->failure().code(), absl::StatusCode::kUnavailable) << writer->failure();
      acked.insert(writer->responses().begin(), writer->responses().end());
      const int unresolved = writer->failed_batch();
      next = unresolved + 1;

      // The server is dead: what did the kill leave?
      bool partial = false;
      int chunks = 0;  // of the checkpoint being written, in the store
      {
        auto store = OpenStore(store_);
        ASSERT_TRUE(store.ok()) << store.status();
        auto listing = (*store)->ListCheckpoints();
        ASSERT_TRUE(listing.ok()) << listing.status();
        for (int64_t r : listing->partial) partial |= r == *writing;
        while ((*store)->ReadCheckpointChunk(*writing, chunks).ok()) ++chunks;
        auto c = (*store)->CompactedThrough();
        ASSERT_TRUE(c.ok()) << c.status();
        compacted = *c;
      }
      partial_after_kill += partial;

      server = Start();
      ASSERT_NE(server, nullptr);
      const int64_t loaded = RecoveredFrom(*server);
      from_checkpoint += loaded > 0;
      EXPECT_GE(loaded, compacted) << "the log was compacted past the checkpoint loaded";
      ExpectSame(preloaded, TakeSample());
      const bool applied = Check(acked, unresolved, compacted);
      if (HasFailure()) return;
      // The client retries the call it never got an answer to.
      auto retried = admin_->ApplyChanges(Batch(unresolved));
      ASSERT_TRUE(retried.ok()) << retried.status();
      EXPECT_EQ(retried->replayed(), applied);
      acked[unresolved] = *retried;
      acked[unresolved].clear_replayed();
      std::printf(
          "round %d: killed at %s of the checkpoint at revision %lld (%s after the kill, %d "
          "chunks, whole write %lld ms); "
          "restart loaded the checkpoint at revision %lld (log compacted through %lld); "
          "batch %d in flight, %s\n",
          round, Name(point), static_cast<long long>(*writing), partial ? "partial" : "not partial",
          chunks, static_cast<long long>(write_time.count() / 1000), static_cast<long long>(loaded),
          static_cast<long long>(compacted), unresolved, applied ? "committed" : "not committed");
    }
    std::printf("%d of %d kills left a partial checkpoint; %d restarts loaded a checkpoint\n",
                partial_after_kill, kills, from_checkpoint);
    EXPECT_GT(partial_after_kill, 0) << "no kill landed while a checkpoint was being written";
    EXPECT_GT(from_checkpoint, 0) << "no restart recovered from a checkpoint";
    Check(acked, -1, compacted);
  }

  std::string store_;
  bool compact_ = false;
  std::unique_ptr<AdminClient> admin_;
};

#ifdef PDP_CRASH_POSTGRES

TEST_F(CheckpointCrashTest, PostgresKillsMidCheckpointLoseNothing) {
  absl::StatusOr<std::string> db = FreshPostgresDatabase();
  ASSERT_TRUE(db.ok()) << db.status();
  store_ = "postgres:" + *db;
  KillAndRestart(kKillPoints);
}

TEST_F(CheckpointCrashTest, PostgresKillsMidCheckpointWithCompactionLoseNothing) {
  absl::StatusOr<std::string> db = FreshPostgresDatabase();
  ASSERT_TRUE(db.ok()) << db.status();
  store_ = "postgres:" + *db;
  compact_ = true;
  KillAndRestart(kKillPoints);
}

#else

std::string FreshSqlitePath(const char* name) {
  const std::string path =
      absl::StrCat(::testing::TempDir(), "/", name, "-", std::to_string(getpid()), ".db");
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  return path;
}

TEST_F(CheckpointCrashTest, SqliteKillsMidCheckpointLoseNothing) {
  store_ = "sqlite:" + FreshSqlitePath("checkpoint-crash");
  KillAndRestart(kKillPoints);
}

TEST_F(CheckpointCrashTest, SqliteKillsMidCheckpointWithCompactionLoseNothing) {
  store_ = "sqlite:" + FreshSqlitePath("checkpoint-crash-compact");
  compact_ = true;
  KillAndRestart(kKillPoints);
}

#endif  // PDP_CRASH_POSTGRES

}  // namespace
}  // namespace pdp::testing
