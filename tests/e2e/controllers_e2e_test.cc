// What controllers rely on, through a real server and the client library:
// idempotent ApplyChanges with per-change results, errors naming every
// failing change, reads at a min_revision, the pdp-revision trailer, Watch
// with resume, request ids surviving a crash, large batches, and pdpctl's
// apply / watch.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "billing_pdp/change_watch.h"
#include "billing_pdp/revision.h"
#include "billing_pdp/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using Stub = AdminClient::Stub;
using Clock = std::chrono::steady_clock;

constexpr char kAccount[] = "123456789012";
constexpr char kRoot[] = "arn:aws:iam::123456789012:root";

pdp::v1::Change NewAccount(const std::string& id) {
  pdp::v1::Change c;
  c.mutable_create_account()->mutable_account()->set_id(id);
  return c;
}

pdp::v1::Change IamAccess(const std::string& account, bool on, const std::string& etag = "") {
  pdp::v1::Change c;
  auto* s = c.mutable_update_account_settings();
  s->set_account_id(account);
  s->mutable_settings()->set_iam_access_to_billing(on);
  s->add_update_mask("iam_access_to_billing");
  s->set_actor("arn:aws:iam::" + account + ":root");
  s->set_etag(etag);
  return c;
}

pdp::v1::Change NewUser(const std::string& arn) {
  pdp::v1::Change c;
  c.mutable_put_user()->mutable_user()->set_arn(arn);
  return c;
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

class ControllersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.ok()) << server_.log();
    options_.target = server_.address();
    options_.timeout = std::chrono::milliseconds(20000);
  }
  AdminClient admin() const { return AdminClient(options_); }
  AuthorizationClient authz() const { return AuthorizationClient(options_); }

  ServerProcess server_{{}};
  ClientOptions options_;
};

TEST_F(ControllersTest, ARetriedRequestGetsTheFirstResultAndChangesNothing) {
  auto first = admin().ApplyChanges({NewAccount(kAccount), IamAccess(kAccount, true)}, "ctl-1");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->revision(), 1);
  EXPECT_FALSE(first->replayed());
  ASSERT_EQ(first->results_size(), 2);
  EXPECT_EQ(first->results(0).name(), kAccount);
  EXPECT_EQ(first->results(1).etag(), "1");

  auto retry = admin().ApplyChanges({NewAccount(kAccount), IamAccess(kAccount, true)}, "ctl-1");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->replayed());
  EXPECT_EQ(retry->revision(), 1);
  ASSERT_EQ(retry->results_size(), 2);
  EXPECT_EQ(retry->results(0).name(), kAccount);

  int64_t revision = -1;
  pdp::v1::ListRequest list;
  auto accounts = admin().Call(&Stub::ListAccounts, list, &revision);
  ASSERT_TRUE(accounts.ok());
  EXPECT_EQ(accounts->revision(), 1) << "the retry must not make a revision";
  EXPECT_EQ(revision, 1) << "the pdp-revision trailer";

  auto reused = admin().ApplyChanges({NewAccount("210987654321")}, "ctl-1");
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ServerErrorReason(reused.status()), "REQUEST_ID_REUSED");
  EXPECT_THAT(ServerErrorFields(reused.status()), Contains("request_id"));
  auto bad_id = admin().ApplyChanges({NewAccount("210987654321")}, std::string(200, 'x'));
  EXPECT_EQ(bad_id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ServerErrorFields(bad_id.status()), Contains("request_id"));
}

TEST_F(ControllersTest, AStaleEtagIsAbortedAndEveryFailingChangeIsNamed) {
  auto created = admin().ApplyChanges({NewAccount(kAccount)});
  ASSERT_TRUE(created.ok()) << created.status();
  auto stale = admin().ApplyChanges({
      NewUser("arn:aws:iam::123456789012:user/fine"),
      IamAccess(kAccount, true, "0"),
      NewUser("arn:aws:iam::999999999999:user/nowhere"),
  });
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ServerErrorReason(stale.status()), "ETAG_MISMATCH");
  EXPECT_THAT(ServerErrorFields(stale.status()),
              ::testing::ElementsAre("changes[1].update_account_settings.etag",
                                     "changes[2].put_user.user.arn"));
  // Nothing of the batch was applied.
  auto decision =
      authz().Authorize(PageQuery{"arn:aws:iam::123456789012:user/fine", "billing_bills"});
  ASSERT_TRUE(decision.ok());
  EXPECT_EQ(decision->reason, pdp::v1::UNKNOWN_PRINCIPAL);
  EXPECT_EQ(decision->revision, 1);
  // With the current etag it goes through.
  auto fresh = admin().ApplyChanges({IamAccess(kAccount, true, created->results(0).etag())});
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ(fresh->results(0).etag(), "2");
}

TEST_F(ControllersTest, TenThousandSettingsChangesInOneRequest) {
  constexpr int kAccounts = 10000;
  std::vector<pdp::v1::Change> create, settings;
  for (int i = 0; i < kAccounts; ++i) {
    std::string id = std::to_string(100000000000LL + i);
    create.push_back(NewAccount(id));
    settings.push_back(IamAccess(id, true));
  }
  auto start = Clock::now();
  auto created = admin().ApplyChanges(create, "create-10k");
  const double create_seconds = SecondsSince(start);
  ASSERT_TRUE(created.ok()) << created.status();
  start = Clock::now();
  auto updated = admin().ApplyChanges(settings, "settings-10k");
  const double update_seconds = SecondsSince(start);
  ASSERT_TRUE(updated.ok()) << updated.status();
  std::printf("10,000 create_account: %.2f s; 10,000 update_account_settings: %.2f s\n",
              create_seconds, update_seconds);
  RecordProperty("create_10k_seconds", std::to_string(create_seconds));
  RecordProperty("update_10k_seconds", std::to_string(update_seconds));
  EXPECT_LT(update_seconds, 10.0);
  EXPECT_EQ(updated->revision(), 2);
  ASSERT_EQ(updated->results_size(), kAccounts);
  EXPECT_EQ(updated->results(kAccounts - 1).name(), std::to_string(100000000000LL + kAccounts - 1));
  auto last = admin().GetAccount(std::to_string(100000000000LL + 4321), updated->revision());
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_TRUE(last->settings().iam_access_to_billing());
  // A retry of the big one replays its 10,000 results.
  auto retry = admin().ApplyChanges(settings, "settings-10k");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->replayed());
  EXPECT_EQ(retry->results_size(), kAccounts);
}

// gRPC's default message limit is 4 MiB on both sides; a batch of 60,000
// settings changes is larger, as is the Watch message that carries it.
TEST_F(ControllersTest, MessagesOverFourMebibytesGoThroughBothWays) {
  constexpr int kAccounts = 60000;
  std::vector<pdp::v1::Change> create;
  pdp::v1::ApplyChangesRequest big;
  for (int i = 0; i < kAccounts; ++i) {
    std::string id = std::to_string(100000000000LL + i);
    create.push_back(NewAccount(id));
    *big.add_changes() = IamAccess(id, true);
  }
  ASSERT_GT(big.ByteSizeLong(), 4u << 20);
  ASSERT_TRUE(admin().ApplyChanges(create).ok());
  auto updated = admin().ApplyChanges(big);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->results_size(), kAccounts);
  std::unique_ptr<ChangeWatch> watch = admin().Watch(2);
  pdp::v1::WatchResponse batch;
  ASSERT_TRUE(watch->Next(&batch)) << watch->Finish();
  EXPECT_EQ(batch.revision(), 2);
  EXPECT_EQ(batch.changes_size(), kAccounts);
}

TEST_F(ControllersTest, AReadAheadOfTheServerWaitsForTheWriteThatReachesIt) {
  ASSERT_TRUE(admin().ApplyChanges({NewAccount(kAccount)}).ok());
  // Authorize (completion queue), ListAccessiblePages (thread pool) and
  // GetAccount (admin) all wait for revision 2.
  absl::StatusOr<Decision> decision;
  absl::StatusOr<pdp::v1::ListAccessiblePagesResponse> pages;
  absl::StatusOr<pdp::v1::Account> account;
  std::vector<std::thread> readers;
  readers.emplace_back([&] {
    PageQuery q{kRoot, "billing_bills"};
    q.min_revision = 2;
    decision = authz().Authorize(q);
  });
  readers.emplace_back([&] { pages = authz().ListAccessiblePages(kRoot, "", false, 2); });
  readers.emplace_back([&] { account = admin().GetAccount(kAccount, 2); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // Meanwhile a read that needs nothing new is not held up by the parked
  // Authorize (the server has one completion queue).
  auto start = Clock::now();
  auto now = authz().Authorize(PageQuery{kRoot, "billing_bills"});
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_EQ(now->revision, 1);
  EXPECT_LT(SecondsSince(start), 2.0);
  ASSERT_TRUE(admin().ApplyChanges({IamAccess(kAccount, true)}).ok());
  for (auto& t : readers) t.join();
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_GE(decision->revision, 2);
  ASSERT_TRUE(pages.ok()) << pages.status();
  EXPECT_GE(pages->revision(), 2);
  ASSERT_TRUE(account.ok()) << account.status();
  EXPECT_TRUE(account->settings().iam_access_to_billing());
}

TEST_F(ControllersTest, ARevisionNeverReachedFailsWithinTheDeadline) {
  ASSERT_TRUE(admin().ApplyChanges({NewAccount(kAccount)}).ok());
  ClientOptions short_deadline = options_;
  short_deadline.timeout = std::chrono::milliseconds(800);
  AuthorizationClient client(short_deadline);
  PageQuery q{kRoot, "billing_bills"};
  q.min_revision = 50;
  auto start = Clock::now();
  auto d = client.Authorize(q);
  const double took = SecondsSince(start);
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().code(), ::testing::AnyOf(absl::StatusCode::kUnavailable,
                                                  absl::StatusCode::kDeadlineExceeded));
  if (d.status().code() == absl::StatusCode::kUnavailable) {
    EXPECT_EQ(ServerErrorReason(d.status()), "REVISION_NOT_REACHED");
    EXPECT_THAT(std::string(d.status().message()),
                HasSubstr("revision 50 not reached; this server is at 1"));
  }
  EXPECT_LT(took, 2.0);
  EXPECT_GE(took, 0.5);
  EXPECT_FALSE(client.IsAllowed(q)) << "fails closed";

  auto account = AdminClient(short_deadline).GetAccount(kAccount, 50);
  EXPECT_THAT(account.status().code(), ::testing::AnyOf(absl::StatusCode::kUnavailable,
                                                        absl::StatusCode::kDeadlineExceeded));
  q.min_revision = -1;
  auto negative = client.Authorize(q);
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ServerErrorFields(negative.status()), Contains("min_revision"));
}

TEST_F(ControllersTest, ResponsesCarryTheRevisionTrailer) {
  ASSERT_TRUE(admin().ApplyChanges({NewAccount(kAccount)}).ok());
  ASSERT_TRUE(admin().ApplyChanges({IamAccess(kAccount, true)}).ok());
  auto stub = pdp::v1::AuthorizationService::NewStub(MakeChannel(options_));
  grpc::ClientContext ctx;
  pdp::v1::AuthorizeResponse response;
  ASSERT_TRUE(stub->Authorize(&ctx,
                              AuthorizationClient::ToRequest(PageQuery{kRoot, "billing_bills"}),
                              &response)
                  .ok());
  EXPECT_EQ(ResponseRevision(ctx), 2);
  EXPECT_EQ(response.decision().revision(), 2);
  int64_t revision = 0;
  pdp::v1::CreateAccountRequest create;
  create.mutable_account()->set_id("210987654321");
  ASSERT_TRUE(admin().Call(&Stub::CreateAccount, create, &revision).ok());
  EXPECT_EQ(revision, 3);
}

// Reads batches until `n` arrived; false if the stream ended first.
bool ReadBatches(ChangeWatch& watch, size_t n, std::vector<int64_t>* revisions) {
  pdp::v1::WatchResponse batch;
  while (revisions->size() < n) {
    if (!watch.Next(&batch)) return false;
    revisions->push_back(batch.revision());
  }
  return true;
}

TEST_F(ControllersTest, WatchResumesAfterADisconnectWithNoGapOrRepeat) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(admin()
                    .ApplyChanges({NewAccount(std::to_string(100000000000LL + i))},
                                  "w-" + std::to_string(i))
                    .ok());
  }
  std::vector<int64_t> seen;
  std::unique_ptr<ChangeWatch> watch = admin().Watch(2);
  pdp::v1::WatchResponse batch;
  ASSERT_TRUE(watch->Next(&batch));
  EXPECT_EQ(batch.revision(), 2);
  EXPECT_EQ(batch.request_id(), "w-1");
  ASSERT_EQ(batch.changes_size(), 1);
  EXPECT_EQ(batch.changes(0).create_account().account().id(), "100000000001");
  seen.push_back(batch.revision());
  ASSERT_TRUE(ReadBatches(*watch, 2, &seen));
  watch->Cancel();  // the controller goes away
  EXPECT_FALSE(watch->Next(&batch));
  EXPECT_EQ(watch->Finish().code(), absl::StatusCode::kCancelled);
  const int64_t resume = watch->next_revision();
  EXPECT_EQ(resume, 4);

  // Writes go on while it is away and after it is back.
  std::thread writer([&] {
    for (int i = 5; i < 60; ++i) {
      ASSERT_TRUE(admin().ApplyChanges({NewAccount(std::to_string(100000000000LL + i))}).ok());
    }
  });
  std::unique_ptr<ChangeWatch> resumed = admin().Watch(resume);
  ASSERT_TRUE(ReadBatches(*resumed, 2 + 57, &seen));  // revisions 4..60
  writer.join();
  std::vector<int64_t> want;
  for (int64_t r = 2; r <= 60; ++r) want.push_back(r);
  EXPECT_EQ(seen, want);
  EXPECT_EQ(resumed->next_revision(), 61);

  // from_revision 0: only what commits after the call.
  std::unique_ptr<ChangeWatch> fresh = admin().Watch(0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(admin().ApplyChanges({NewAccount("210987654321")}).ok());
  ASSERT_TRUE(fresh->Next(&batch));
  EXPECT_EQ(batch.revision(), 61);
}

TEST(ControllersShutdownTest, AnOpenWatchEndsWhenTheServerStops) {
  ServerProcess server({});
  ASSERT_TRUE(server.ok()) << server.log();
  ClientOptions options;
  options.target = server.address();
  std::unique_ptr<ChangeWatch> watch = AdminClient(options).Watch(1);
  // A controller blocked waiting for the next batch. When the stream ends
  // it lets the connection go (gRPC's graceful shutdown waits for idle
  // client connections to acknowledge, which an idle client may take
  // seconds to do).
  std::atomic<bool> ended{false};
  absl::Status why;
  std::thread reader([&] {
    pdp::v1::WatchResponse batch;
    while (watch->Next(&batch)) {
    }
    why = watch->Finish();
    watch.reset();
    ended = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto start = Clock::now();
  int status = server.Stop(SIGTERM);
  const double took = SecondsSince(start);
  reader.join();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_LT(took, 4.0) << "a waiting Watch must not hold the shutdown";
  EXPECT_TRUE(ended.load());
  EXPECT_EQ(why.code(), absl::StatusCode::kUnavailable) << why;
  EXPECT_THAT(std::string(why.message()), HasSubstr("resume the watch from revision 1"));
}

TEST(ControllersCrashTest, ARequestIdSurvivesSigkill) {
  std::string db = ::testing::TempDir() + "/controllers-state.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db + suffix).c_str());
  const std::vector<std::string> args = {"--store", "sqlite:" + db};
  std::vector<pdp::v1::Change> changes = {NewAccount(kAccount), IamAccess(kAccount, true)};
  pdp::v1::ApplyChangesResponse first;
  {
    ServerProcess server(args);
    ASSERT_TRUE(server.ok()) << server.log();
    ClientOptions options;
    options.target = server.address();
    auto r = AdminClient(options).ApplyChanges(changes, "before-the-crash");
    ASSERT_TRUE(r.ok()) << r.status();
    first = *r;
    server.Stop(SIGKILL);
  }
  ServerProcess again(args);
  ASSERT_TRUE(again.ok()) << again.log();
  ClientOptions options;
  options.target = again.address();
  auto retry = AdminClient(options).ApplyChanges(changes, "before-the-crash");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->replayed());
  EXPECT_EQ(retry->revision(), first.revision());
  ASSERT_EQ(retry->results_size(), 2);
  EXPECT_EQ(retry->results(1).etag(), first.results(1).etag());
  // History (with the request id) is served from the file.
  std::unique_ptr<ChangeWatch> watch = AdminClient(options).Watch(1);
  pdp::v1::WatchResponse batch;
  ASSERT_TRUE(watch->Next(&batch));
  EXPECT_EQ(batch.revision(), 1);
  EXPECT_EQ(batch.request_id(), "before-the-crash");
}

TEST_F(ControllersTest, PdpctlAppliesAChangeSetAndWatches) {
  std::string path = ::testing::TempDir() + "/change-set.json";
  std::ofstream(path) << R"({"changes": [
      {"create_account": {"account": {"id": "123456789012", "name": "ops"}}},
      {"put_user": {"user": {"arn": "arn:aws:iam::123456789012:user/alice"}}}
    ], "request_id": "from-file"})";
  const std::string pdpctl = BinaryPath("client/pdpctl");
  std::string out;
  ASSERT_EQ(RunCommand({pdpctl, "--server", server_.address(), "apply", path}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("revision 1"));
  EXPECT_THAT(out, HasSubstr("[1] arn:aws:iam::123456789012:user/alice etag 1"));
  out.clear();
  ASSERT_EQ(RunCommand({pdpctl, "--server", server_.address(), "apply", path}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("already applied: revision 1"));
  out.clear();
  // --request-id overrides the file's; a new id applies again (and fails:
  // the account exists), naming the change.
  EXPECT_EQ(
      RunCommand({pdpctl, "--server", server_.address(), "apply", path, "--request-id", "another"},
                 &out),
      4)  // refused
      << out;
  EXPECT_THAT(out, HasSubstr("changes[0].create_account"));
  out.clear();
  ASSERT_EQ(RunCommand({pdpctl, "--server", server_.address(), "apply",
                        SourcePath("data/demo-world.yaml"), "--request-id", "demo"},
                       &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("revision 2"));
  out.clear();
  ASSERT_EQ(
      RunCommand({pdpctl, "--server", server_.address(), "watch", "--from", "1", "--count", "2"},
                 &out),
      0)
      << out;
  std::vector<std::string> lines;
  for (size_t at = 0, nl; (nl = out.find('\n', at)) != std::string::npos; at = nl + 1) {
    lines.push_back(out.substr(at, nl - at));
  }
  ASSERT_EQ(lines.size(), 2u) << out;
  EXPECT_THAT(lines[0], HasSubstr(R"("revision":"1")"));
  EXPECT_THAT(lines[0], HasSubstr(R"("request_id":"from-file")"));
  EXPECT_THAT(lines[1], HasSubstr(R"("revision":"2")"));
  EXPECT_THAT(lines[1], HasSubstr(R"("request_id":"demo")"));
}

}  // namespace
}  // namespace pdp::testing
