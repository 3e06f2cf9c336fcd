// A real server killed (SIGKILL) while a client streams ApplyChanges
// batches, then restarted on the same store, a few times over: every
// acknowledged batch is still there (and its request id replays), the
// revisions have no gap, and no batch is ever half applied: the one in
// flight at the kill is either wholly there or wholly absent. Built twice:
// crash_e2e_test on SQLite, crash_postgres_e2e_test (PDP_CRASH_POSTGRES)
// on the throwaway PostgreSQL.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "billing_pdp/admin_client.h"
#include "gtest/gtest.h"
#include "server/store/open_store.h"
#include "tests/support/batch_writer.h"
#include "tests/support/server_process.h"
#include "tests/support/test_postgres.h"

namespace pdp::testing {
namespace {

using pdp::v1::ApplyChangesRequest;
using pdp::v1::ApplyChangesResponse;
using pdp::v1::Change;
using Stub = AdminClient::Stub;

// Each batch creates kAccountsPerBatch accounts with kUsersPerAccount users
// each: 200 changes.
constexpr int kAccountsPerBatch = 20;
constexpr int kUsersPerAccount = 9;
constexpr int kChangesPerBatch = kAccountsPerBatch * (1 + kUsersPerAccount);

std::string AccountId(int batch, int i) {
  return absl::StrCat(500000000000 + batch * kAccountsPerBatch + i);
}

std::string RequestId(int batch) { return absl::StrCat("batch-", batch); }

ApplyChangesRequest Batch(int batch) {
  ApplyChangesRequest r;
  r.set_request_id(RequestId(batch));
  for (int i = 0; i < kAccountsPerBatch; ++i) {
    const std::string account = AccountId(batch, i);
    r.add_changes()->mutable_create_account()->mutable_account()->set_id(account);
    for (int u = 0; u < kUsersPerAccount; ++u) {
      r.add_changes()->mutable_put_user()->mutable_user()->set_arn(
          absl::StrCat("arn:aws:iam::", account, ":user/u", u));
    }
  }
  return r;
}

class CrashTest : public ::testing::Test {
 protected:
  // Starts the server on the test's store.
  std::unique_ptr<ServerProcess> Start() {
    auto server = std::make_unique<ServerProcess>(std::vector<std::string>{"--store", store_});
    EXPECT_TRUE(server->ok()) << server->log();
    if (!server->ok()) return nullptr;
    ClientOptions options;
    options.target = server->address();
    options.timeout = std::chrono::seconds(30);
    admin_ = std::make_unique<AdminClient>(options);
    return server;
  }

  // How many of the batch's accounts and users exist (0 to 200).
  int ObjectsOf(int batch) {
    int found = 0;
    for (int i = 0; i < kAccountsPerBatch; ++i) {
      pdp::v1::GetRequest get;
      get.set_name(AccountId(batch, i));
      auto account = admin_->Call(&Stub::GetAccount, get);
      if (account.ok()) {
        ++found;
      } else {
        EXPECT_EQ(account.status().code(), absl::StatusCode::kNotFound) << account.status();
        continue;
      }
      pdp::v1::ListRequest list;
      list.set_parent(AccountId(batch, i));
      list.set_page_size(1000);
      auto users = admin_->Call(&Stub::ListUsers, list);
      EXPECT_TRUE(users.ok()) << users.status();
      if (users.ok()) found += users->users_size();
    }
    return found;
  }

  // The whole log, through Watch: (revision, request id, number of changes).
  struct Logged {
    int64_t revision;
    std::string request_id;
    int changes;
  };
  std::vector<Logged> Log() {
    // The current revision, from any read's trailer.
    pdp::v1::ListRequest list;
    int64_t current = -1;
    auto accounts = admin_->Call(&Stub::ListAccounts, list, &current);
    EXPECT_TRUE(accounts.ok()) << accounts.status();
    std::vector<Logged> out;
    if (current <= 0) return out;
    std::unique_ptr<ChangeWatch> watch = admin_->Watch(1);
    pdp::v1::WatchResponse batch;
    while (static_cast<int64_t>(out.size()) < current && watch->Next(&batch)) {
      out.push_back({batch.revision(), batch.request_id(), batch.changes_size()});
    }
    EXPECT_EQ(static_cast<int64_t>(out.size()), current) << watch->Finish();
    return out;
  }

  // When, in the call after the last acknowledged one, the server is killed.
  enum class KillPoint {
    kAtOnce,            // right away: the call is being sent or just arrived
    kMidCall,           // half an average call later: building or committing
    kCommittedUnacked,  // as soon as the store holds a batch not yet acknowledged
  };
  void WaitForKillPoint(KillPoint point, const BatchWriter& writer) {
    switch (point) {
      case KillPoint::kAtOnce:
        return;
      case KillPoint::kMidCall:
        std::this_thread::sleep_for(writer.mean_call() / 2);
        return;
      case KillPoint::kCommittedUnacked: {
        // Watches the store itself (read-only) for the moment to kill.
        auto store = OpenStore(store_, StoreAccess::kReadOnly);
        ASSERT_TRUE(store.ok()) << store.status();
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline) {
          const int64_t acked = writer.last_revision();
          bool ahead = false;
          absl::Status s = (*store)->ReadFrom(acked + 1, acked + 1, [&](const StoredBatch&) {
            ahead = true;
            return absl::OkStatus();
          });
          ASSERT_TRUE(s.ok()) << s;
          if (ahead) return;
        }
        return;  // the kill lands wherever the writer is
      }
    }
  }

  // Runs `kills` rounds: write, kill mid-stream, restart, check.
  void KillAndRestart(int kills) {
    std::map<int, ApplyChangesResponse> acked;  // every batch acknowledged, ever
    std::optional<int> unresolved;              // in flight at the last kill
    int next = 0;
    std::unique_ptr<ServerProcess> server = Start();
    ASSERT_NE(server, nullptr);
    for (int round = 0; round < kills; ++round) {
      SCOPED_TRACE(absl::StrCat("round ", round));
      // Each kill after a few more acknowledged batches, at a different
      // moment of the next call (see KillPoint).
      const int ack_before_kill = 3 + round;
      auto writer = std::make_unique<BatchWriter>(server->address(), next, Batch, 1000);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (writer->acked() < ack_before_kill && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      ASSERT_GE(writer->acked(), ack_before_kill) << "the writer made no progress";
      WaitForKillPoint(static_cast<KillPoint>(round % 3), *writer);
      const int status = server->Stop(SIGKILL);
      EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
      writer->Join();
      ASSERT_GE(writer->failed_batch(), 0) << "no call was cut off by the kill";
      EXPECT_EQ(writer->failure().code(), absl::StatusCode::kUnavailable) << writer->failure();
      acked.insert(writer->responses().begin(), writer->responses().end());
      unresolved = writer->failed_batch();
      next = *unresolved + 1;

      server = Start();
      ASSERT_NE(server, nullptr);
      Check(acked, *unresolved);
      if (HasFailure()) return;
      // The client retries the call it never got an answer to: applied
      // once whatever happened to it.
      const bool was_applied = ObjectsOf(*unresolved) == kChangesPerBatch;
      auto retried = admin_->ApplyChanges(Batch(*unresolved));
      ASSERT_TRUE(retried.ok()) << retried.status();
      EXPECT_EQ(retried->replayed(), was_applied);
      EXPECT_EQ(ObjectsOf(*unresolved), kChangesPerBatch);
      acked[*unresolved] = *retried;
      acked[*unresolved].clear_replayed();
      std::printf("round %d (kill point %d): batch %d, unacknowledged, was %s\n", round, round % 3,
                  *unresolved, was_applied ? "committed" : "not committed");
    }
    Check(acked, -1);
  }

  // What the restarted server must hold: every acknowledged batch, whole,
  // under the revision it was acknowledged with and replayable; no gap;
  // `in_flight` (unless -1) wholly or not at all.
  void Check(const std::map<int, ApplyChangesResponse>& acked, int in_flight) {
    std::vector<Logged> log = Log();
    std::map<std::string, int64_t> logged;  // request id -> revision
    for (size_t i = 0; i < log.size(); ++i) {
      EXPECT_EQ(log[i].revision, static_cast<int64_t>(i + 1)) << "revisions have a gap";
      EXPECT_EQ(log[i].changes, kChangesPerBatch) << "revision " << log[i].revision;
      EXPECT_TRUE(logged.emplace(log[i].request_id, log[i].revision).second)
          << log[i].request_id << " is in the log twice";
    }
    for (const auto& [batch, response] : acked) {
      SCOPED_TRACE(RequestId(batch));
      auto it = logged.find(RequestId(batch));
      ASSERT_NE(it, logged.end()) << "an acknowledged batch is gone";
      EXPECT_EQ(it->second, response.revision());
      EXPECT_EQ(ObjectsOf(batch), kChangesPerBatch);
      auto again = admin_->ApplyChanges(Batch(batch));
      ASSERT_TRUE(again.ok()) << again.status();
      EXPECT_TRUE(again->replayed());
      ApplyChangesResponse first = *again;
      first.clear_replayed();
      EXPECT_EQ(first.SerializeAsString(), response.SerializeAsString());
    }
    size_t expected = acked.size();
    if (in_flight >= 0) {
      const int objects = ObjectsOf(in_flight);
      EXPECT_TRUE(objects == 0 || objects == kChangesPerBatch)
          << "batch " << in_flight << " is half applied: " << objects << " of " << kChangesPerBatch
          << " objects";
      EXPECT_EQ(logged.count(RequestId(in_flight)) == 1, objects == kChangesPerBatch);
      expected += logged.count(RequestId(in_flight));
    }
    EXPECT_EQ(log.size(), expected) << "the log holds batches nobody wrote";
  }

  std::string store_;
  std::unique_ptr<AdminClient> admin_;
};

#ifdef PDP_CRASH_POSTGRES

TEST_F(CrashTest, PostgresKeepsEveryAcknowledgedBatchThroughKills) {
  absl::StatusOr<std::string> db = FreshPostgresDatabase();
  ASSERT_TRUE(db.ok()) << db.status();
  store_ = "postgres:" + *db;
  KillAndRestart(3);
}

#else

TEST_F(CrashTest, SqliteKeepsEveryAcknowledgedBatchThroughKills) {
  const std::string path = ::testing::TempDir() + "/crash-" + std::to_string(getpid()) + ".db";
  std::filesystem::remove(path);
  store_ = "sqlite:" + path;
  KillAndRestart(3);
}

#endif  // PDP_CRASH_POSTGRES

}  // namespace
}  // namespace pdp::testing
