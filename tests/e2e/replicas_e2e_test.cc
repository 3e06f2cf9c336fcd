// Two real billing-pdp-server replicas sharing one PostgreSQL database:
// a write on one is read on the other (min_revision) and streamed by its
// Watch; through a database outage the replicas keep answering reads from
// their last state (saying how stale in "pdp-stale-ms"), report AdminService
// NOT_SERVING, refuse writes with UNAVAILABLE, and recover on their own.
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "billing_pdp/status.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/health_check.h"
#include "tests/support/server_process.h"
#include "tests/support/test_postgres.h"

namespace pdp::testing {
namespace {

using grpc::health::v1::HealthCheckResponse;
using pdp::v1::Change;

constexpr char kPayerAdmin[] = "arn:aws:iam::111111111111:user/admin";
constexpr char kNewcomer[] = "222222222222";
constexpr char kNewcomerAdmin[] = "arn:aws:iam::222222222222:user/admin";
constexpr char kAdminService[] = "pdp.v1.AdminService";

// Turns "Activate IAM Access" on or off, as the account's root user.
Change IamAccess(const std::string& account, bool on) {
  Change c;
  auto* s = c.mutable_update_account_settings();
  s->set_account_id(account);
  s->mutable_settings()->set_iam_access_to_billing(on);
  s->add_update_mask("iam_access_to_billing");
  s->set_actor("arn:aws:iam::" + account + ":root");
  return c;
}

Change NewAccount(const std::string& id) {
  Change c;
  c.mutable_create_account()->mutable_account()->set_id(id);
  return c;
}

// Polls `condition` until it holds or `timeout` passes; true if it held.
bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

// One Authorize call on the raw stub, to see the trailers the client
// library does not expose.
struct RawAnswer {
  grpc::Status status;
  pdp::v1::AuthorizeResponse response;
  bool stale = false;  // a "pdp-stale-ms" trailer came
  int64_t stale_ms = -1;
};

RawAnswer RawAuthorize(pdp::v1::AuthorizationService::Stub& stub, const std::string& principal,
                       int64_t min_revision = 0) {
  pdp::v1::AuthorizeRequest request = AuthorizationClient::ToRequest(
      PageQuery{.principal = principal, .page_id = "billing_bills", .min_revision = min_revision});
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  RawAnswer out;
  out.status = stub.Authorize(&ctx, request, &out.response);
  const auto& trailers = ctx.GetServerTrailingMetadata();
  auto it = trailers.find("pdp-stale-ms");
  if (it != trailers.end()) {
    out.stale = true;
    if (!absl::SimpleAtoi(std::string(it->second.data(), it->second.size()), &out.stale_ms)) {
      out.stale_ms = -1;
    }
  }
  return out;
}

class Replica {
 public:
  explicit Replica(const std::vector<std::string>& args) : server_(args) {
    options_.target = server_.address();
    options_.timeout = std::chrono::milliseconds(10000);
    channel_ = MakeChannel(options_);
  }
  bool ok() const { return server_.ok(); }
  std::string log() const { return server_.log(); }

  AdminClient admin() const { return AdminClient(channel_, options_); }
  AuthorizationClient authz() const { return AuthorizationClient(channel_, options_); }
  std::unique_ptr<pdp::v1::AuthorizationService::Stub> raw() const {
    return pdp::v1::AuthorizationService::NewStub(channel_);
  }

  // The health status of `service` ("" for the server as a whole); UNKNOWN
  // when the check itself fails.
  HealthCheckResponse::ServingStatus Health(const std::string& service) const {
    return test::HealthOf(channel_, service);
  }

 private:
  ServerProcess server_;
  ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
};

class ReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> db = FreshPostgresDatabase();
    ASSERT_TRUE(db.ok()) << db.status();
    conninfo_ = *db;
    const std::string store = "postgres:" + *db;
    // A loads the demo world into the empty database (revision 1); B finds
    // it there.
    a_ = std::make_unique<Replica>(
        std::vector<std::string>{"--store", store, "--world", SourcePath("data/demo-world.yaml")});
    ASSERT_TRUE(a_->ok()) << a_->log();
    b_ = std::make_unique<Replica>(std::vector<std::string>{"--store", store});
    ASSERT_TRUE(b_->ok()) << b_->log();
  }

  std::unique_ptr<Replica> a_, b_;
  std::string conninfo_;
};

TEST_F(ReplicasTest, AWriteOnOneReplicaIsReadOnTheOther) {
  auto before =
      b_->authz().Authorize(PageQuery{.principal = kNewcomerAdmin, .page_id = "billing_bills"});
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->reason, pdp::v1::IAM_ACCESS_NOT_ACTIVATED);

  auto written = a_->admin().ApplyChanges({IamAccess(kNewcomer, true)}, "turn-on");
  ASSERT_TRUE(written.ok()) << written.status();
  ASSERT_GT(written->revision(), before->revision);

  auto after = b_->authz().Authorize(PageQuery{.principal = kNewcomerAdmin,
                                               .page_id = "billing_bills",
                                               .min_revision = written->revision()});
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_TRUE(after->allowed) << after->reason_name();
  EXPECT_GE(after->revision, written->revision());

  auto account = b_->admin().GetAccount(kNewcomer, written->revision());
  ASSERT_TRUE(account.ok()) << account.status();
  EXPECT_TRUE(account->settings().iam_access_to_billing());
  EXPECT_EQ(account->etag(), written->results(0).etag());

  // And the other way round: B writes, A reads.
  auto back = b_->admin().ApplyChanges({IamAccess(kNewcomer, false)}, "turn-off");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->revision(), written->revision() + 1);
  auto on_a = a_->authz().Authorize(PageQuery{
      .principal = kNewcomerAdmin, .page_id = "billing_bills", .min_revision = back->revision()});
  ASSERT_TRUE(on_a.ok()) << on_a.status();
  EXPECT_EQ(on_a->reason, pdp::v1::IAM_ACCESS_NOT_ACTIVATED);
}

// Runs `sql` on the replicas' database, on a connection of its own.
void Sql(const std::string& conninfo, const std::string& sql) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  PGresult* r = PQexec(conn, sql.c_str());
  EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(conn);
  PQclear(r);
  PQfinish(conn);
}

TEST_F(ReplicasTest, AWriteWhoseCommitLostItsConnectionMayHaveCommittedAndIsRetried) {
  // The database session ends itself while COMMIT runs (a deferred
  // trigger): the replica gets no answer to COMMIT.
  Sql(conninfo_,
      "CREATE FUNCTION pdp_test_die() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM "
      "pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$; CREATE CONSTRAINT TRIGGER "
      "pdp_test_die AFTER INSERT ON pdp_batches DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
      "EXECUTE FUNCTION pdp_test_die()");
  auto lost = a_->admin().ApplyChanges({IamAccess(kNewcomer, true)}, "in-doubt");
  EXPECT_EQ(lost.status().code(), absl::StatusCode::kUnavailable) << lost.status();
  EXPECT_EQ(ServerErrorReason(lost.status()), "COMMIT_OUTCOME_UNKNOWN") << lost.status();
  EXPECT_NE(lost.status().message().find("may have committed"), std::string::npos) << lost.status();
  EXPECT_NE(lost.status().message().find("retry with the same request_id"), std::string::npos)
      << lost.status();
  Sql(conninfo_, "DROP TRIGGER pdp_test_die ON pdp_batches; DROP FUNCTION pdp_test_die()");
  // The retry with the same id applies it once (here it had not committed).
  auto retried = a_->admin().ApplyChanges({IamAccess(kNewcomer, true)}, "in-doubt");
  ASSERT_TRUE(retried.ok()) << retried.status();
  auto again = b_->admin().ApplyChanges({IamAccess(kNewcomer, true)}, "in-doubt");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed());
  EXPECT_EQ(again->revision(), retried->revision());
}

TEST_F(ReplicasTest, AWatchOnOneReplicaStreamsTheOthersBatchesInOrder) {
  std::unique_ptr<ChangeWatch> watch = b_->admin().Watch(1);
  // Next() blocks: end the stream if the batches do not all come in time.
  std::atomic<bool> done{false};
  std::thread guard([&] {
    for (int i = 0; i < 400 && !done.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    watch->Cancel();
  });
  std::vector<std::pair<int64_t, std::string>> written;  // revision, request id
  for (int i = 0; i < 5; ++i) {
    std::string id = absl::StrCat("w-", i);
    auto r = a_->admin().ApplyChanges({NewAccount(absl::StrCat(400000000000 + i))}, id);
    ASSERT_TRUE(r.ok()) << r.status();
    written.emplace_back(r->revision(), id);
  }
  std::vector<pdp::v1::WatchResponse> got;
  pdp::v1::WatchResponse batch;
  while (got.size() < written.size() + 1 && watch->Next(&batch)) got.push_back(batch);
  done = true;
  guard.join();
  ASSERT_EQ(got.size(), written.size() + 1) << "the stream ended: " << watch->Finish();
  EXPECT_EQ(got[0].revision(), 1);  // the demo world, loaded by A
  EXPECT_GT(got[0].changes_size(), 10);
  for (size_t i = 0; i < written.size(); ++i) {
    EXPECT_EQ(got[i + 1].revision(), written[i].first);
    EXPECT_EQ(got[i + 1].request_id(), written[i].second);
    ASSERT_EQ(got[i + 1].changes_size(), 1);
    EXPECT_EQ(got[i + 1].changes(0).create_account().account().id(),
              absl::StrCat(400000000000 + i));
  }
}

// Starts the database again when a test ends with it stopped, so a failed
// assertion does not take the next tests' database down with it.
class PostgresPause {
 public:
  absl::Status Pause() {
    absl::Status s = PausePostgres();
    paused_ = s.ok();
    return s;
  }
  absl::Status Resume() {
    paused_ = false;
    return ResumePostgres();
  }
  ~PostgresPause() {
    if (paused_) ResumePostgres().IgnoreError();
  }

 private:
  bool paused_ = false;
};

TEST_F(ReplicasTest, ReplicasRideOutADatabaseOutage) {
  // Health names the write path from the start, before any outage.
  EXPECT_EQ(b_->Health(kAdminService), HealthCheckResponse::SERVING);
  EXPECT_EQ(a_->Health(kAdminService), HealthCheckResponse::SERVING);
  auto raw_b = b_->raw();
  RawAnswer fresh = RawAuthorize(*raw_b, kPayerAdmin);
  ASSERT_TRUE(fresh.status.ok()) << fresh.status.error_message();
  EXPECT_FALSE(fresh.stale) << "in contact with the database: nothing is stale";

  // A steady read load on B for the whole outage and recovery (a jthread:
  // stopped and joined however the test ends).
  std::atomic<int> reads{0}, failures{0}, stale_reads{0};
  std::mutex first_failure_mu;
  std::string first_failure;
  std::jthread load([&](std::stop_token stop) {
    auto stub = b_->raw();
    while (!stop.stop_requested()) {
      RawAnswer r = RawAuthorize(*stub, kPayerAdmin);
      ++reads;
      if (!r.status.ok() || r.response.decision().effect() != pdp::v1::ALLOW) {
        if (failures++ == 0) {
          std::lock_guard<std::mutex> lock(first_failure_mu);
          first_failure = absl::StrCat(r.status.error_code(), " ", r.status.error_message(),
                                       " effect ", r.response.decision().effect());
        }
      }
      stale_reads += r.stale;
    }
  });

  PostgresPause pg;
  ASSERT_TRUE(pg.Pause().ok());
  const int reads_before_outage = reads.load();

  // B notices and says how stale its answers may be.
  RawAnswer stale;
  EXPECT_TRUE(Eventually([&] {
    stale = RawAuthorize(*raw_b, kPayerAdmin);
    return stale.status.ok() && stale.stale;
  })) << "no pdp-stale-ms trailer on B";
  EXPECT_GE(stale.stale_ms, 0);
  EXPECT_EQ(stale.response.decision().effect(), pdp::v1::ALLOW);
  // Writes are not possible: AdminService is NOT_SERVING, the server as a
  // whole (reads) still SERVING.
  EXPECT_TRUE(Eventually([&] {
    return b_->Health(kAdminService) == HealthCheckResponse::NOT_SERVING;
  })) << "AdminService health on B: "
      << b_->Health(kAdminService);
  EXPECT_TRUE(Eventually([&] {
    return a_->Health(kAdminService) == HealthCheckResponse::NOT_SERVING;
  })) << "AdminService health on A: "
      << a_->Health(kAdminService);
  EXPECT_EQ(b_->Health(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(b_->Health("pdp.v1.AuthorizationService"), HealthCheckResponse::SERVING);

  // A write fails cleanly: UNAVAILABLE (retry later), saying why, and the
  // server is still there to answer reads.
  auto refused = a_->admin().ApplyChanges({IamAccess(kNewcomer, true)}, "during-outage");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  EXPECT_NE(refused.status().message().find("store"), std::string::npos) << refused.status();
  auto refused_b = b_->admin().ApplyChanges({IamAccess(kNewcomer, true)}, "during-outage-b");
  EXPECT_EQ(refused_b.status().code(), absl::StatusCode::kUnavailable) << refused_b.status();
  auto a_reads =
      a_->authz().Authorize(PageQuery{.principal = kPayerAdmin, .page_id = "billing_bills"});
  ASSERT_TRUE(a_reads.ok()) << a_reads.status();
  EXPECT_TRUE(a_reads->allowed);
  // Staleness grows with the outage.
  RawAnswer later;
  EXPECT_TRUE(Eventually([&] {
    later = RawAuthorize(*raw_b, kPayerAdmin);
    return later.stale && later.stale_ms > stale.stale_ms;
  }));
  const int reads_during_outage = reads.load() - reads_before_outage;

  ASSERT_TRUE(pg.Resume().ok());

  // A's write path comes back by itself; once it says so, writes work.
  EXPECT_TRUE(Eventually([&] { return a_->Health(kAdminService) == HealthCheckResponse::SERVING; }))
      << "AdminService health on A: " << a_->Health(kAdminService);
  // (Another change than the one refused below, which would otherwise find
  // the state already as it asks and commit nothing.)
  auto written = a_->admin().ApplyChanges({NewAccount("444444444444")}, "after-outage");
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_FALSE(written->replayed());
  // The write refused during the outage was not applied: its retry applies now.
  auto retried = a_->admin().ApplyChanges({IamAccess(kNewcomer, true)}, "during-outage");
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_FALSE(retried->replayed());
  EXPECT_EQ(retried->revision(), written->revision() + 1);

  // B follows again: it reads A's writes, no longer stale, and takes writes.
  auto on_b = b_->authz().Authorize(PageQuery{.principal = kNewcomerAdmin,
                                              .page_id = "billing_bills",
                                              .min_revision = retried->revision()});
  ASSERT_TRUE(on_b.ok()) << on_b.status();
  EXPECT_TRUE(on_b->allowed) << on_b->reason_name();
  EXPECT_TRUE(Eventually([&] {
    RawAnswer r = RawAuthorize(*raw_b, kPayerAdmin);
    return r.status.ok() && !r.stale;
  })) << "B's answers still carry pdp-stale-ms";
  EXPECT_TRUE(Eventually([&] { return b_->Health(kAdminService) == HealthCheckResponse::SERVING; }))
      << "AdminService health on B: " << b_->Health(kAdminService);
  auto b_writes = b_->admin().ApplyChanges({IamAccess(kNewcomer, false)}, "b-after-outage");
  ASSERT_TRUE(b_writes.ok()) << b_writes.status();
  EXPECT_EQ(b_writes->revision(), retried->revision() + 1);

  load.request_stop();
  load.join();
  EXPECT_EQ(failures.load(), 0) << "first failed read on B: " << first_failure;
  EXPECT_GT(reads_during_outage, 0);
  EXPECT_GT(stale_reads.load(), 0) << "the load saw no stale answer";
  std::printf("reads on B: %d (%d stale), failures: %d\n", reads.load(), stale_reads.load(),
              failures.load());
}

}  // namespace
}  // namespace pdp::testing
