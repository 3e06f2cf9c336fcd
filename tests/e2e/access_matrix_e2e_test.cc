// AuthorizationService.AccessMatrix through a real server and the client
// library: a large account streamed in several messages on one revision,
// request errors with their field paths, min_revision, the cap on
// concurrent streams (--max-matrix-streams) and a cancelled stream freeing
// its place, and who may call it.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "billing_pdp/status.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "pdp/v1/authorization.grpc.pb.h"
#include "server/app/caller_registry.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

using ::testing::ElementsAre;

constexpr char kAccount[] = "111111111111";  // in data/demo-world.yaml
constexpr int kUsers = 3000;
constexpr char kToken[] = "matrix-admin-token-0123456789";

constexpr char kReaderToken[] = "matrix-reader-token-0123456789";

// The admin token's file, and a callers file naming a reader that may not
// simulate time (both unique to this process).
std::string TokenFile() {
  static const std::string* path = [] {
    auto* p = new std::string(::testing::TempDir() + "/access-matrix-e2e-token-" +
                              std::to_string(getpid()));
    std::ofstream(*p) << kToken << "\n";
    return p;
  }();
  return *path;
}
std::string CallersFile() {
  static const std::string* path = [] {
    auto* p = new std::string(::testing::TempDir() + "/access-matrix-e2e-callers-" +
                              std::to_string(getpid()) + ".yaml");
    std::ofstream(*p) << "callers:\n  - name: svc\n    role: reader\n"
                      << "    token_sha256: " << TokenSha256Hex(kReaderToken) << "\n";
    return p;
  }();
  return *path;
}

ClientOptions Options(const ServerProcess& server, const std::string& token = kToken) {
  ClientOptions o;
  o.target = server.address();
  o.timeout = std::chrono::milliseconds(60000);
  o.token = token;
  return o;
}

// kUsers users in kAccount, each a billing reader; returns the revision.
int64_t AddUsers(const ServerProcess& server) {
  std::vector<pdp::v1::Change> changes;
  for (int i = 0; i < kUsers; ++i) {
    pdp::v1::User* u = changes.emplace_back().mutable_put_user()->mutable_user();
    u->set_arn(absl::StrCat("arn:aws:iam::", kAccount, ":user/bulk/u", 10000 + i));
    u->add_attached_policies("arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess");
  }
  auto applied = AdminClient(Options(server)).ApplyChanges(changes);
  EXPECT_TRUE(applied.ok()) << applied.status();
  return applied.ok() ? applied->revision() : -1;
}

struct Stream {
  absl::Status status;
  std::vector<pdp::v1::AccessMatrixResponse> messages;
};

Stream Matrix(const AuthorizationClient& client, const AccessMatrixQuery& query,
              const CallOptions& call = {}) {
  Stream s;
  s.status = client.AccessMatrix(
      query,
      [&](const pdp::v1::AccessMatrixResponse& m) {
        s.messages.push_back(m);
        return true;
      },
      call);
  return s;
}

class AccessMatrixE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess({"--world", SourcePath("data/demo-world.yaml"),
                                 "--admin-token-file", TokenFile(), "--callers-file", CallersFile(),
                                 "--max-matrix-streams", "1"});
    if (server_->ok()) revision_ = AddUsers(*server_);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    std::remove(TokenFile().c_str());
    std::remove(CallersFile().c_str());
  }
  void SetUp() override {
    ASSERT_TRUE(server_->ok()) << server_->log();
    ASSERT_GT(revision_, 0);
  }

  static ServerProcess* server_;
  static int64_t revision_;
};
ServerProcess* AccessMatrixE2eTest::server_ = nullptr;
int64_t AccessMatrixE2eTest::revision_ = 0;

TEST_F(AccessMatrixE2eTest, ALargeAccountStreamsInSeveralMessagesOnOneRevision) {
  AuthorizationClient client(Options(*server_));
  const auto start = std::chrono::steady_clock::now();
  Stream s = Matrix(client, AccessMatrixQuery{.account_id = kAccount});
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(s.status.ok()) << s.status;
  std::printf(
      "matrix of %d+ principals x the catalogue: %lld ms, %zu messages\n", kUsers,
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()),
      s.messages.size());
  ASSERT_GE(s.messages.size(), 3u);
  auto catalogue = client.ListPages();
  ASSERT_TRUE(catalogue.ok()) << catalogue.status();
  const int columns = catalogue->pages_size();
  ASSERT_EQ(s.messages[0].pages_size(), columns);
  for (int i = 0; i < columns; ++i) {
    EXPECT_EQ(s.messages[0].pages(i).id(), catalogue->pages(i).id());
  }
  std::vector<std::string> principals;
  for (size_t i = 0; i < s.messages.size(); ++i) {
    const auto& m = s.messages[i];
    EXPECT_EQ(m.revision(), revision_) << i;
    if (i > 0) {
      EXPECT_EQ(m.pages_size(), 0) << i;
    }
    EXPECT_LE(m.ByteSizeLong(), size_t{1} << 21) << i;  // far below gRPC's 4 MB
    for (const auto& row : m.rows()) {
      EXPECT_EQ(row.account_id(), kAccount);
      EXPECT_EQ(row.cells_size(), columns);
      principals.push_back(row.principal());
    }
  }
  // Every principal once, in WhoCan's order.
  auto who = client.WhoCan(WhoCanQuery{.account_id = kAccount,
                                       .page_id = "billing_bills",
                                       .include_denied = true,
                                       .page_size = 10000});
  ASSERT_TRUE(who.ok()) << who.status();
  ASSERT_TRUE(who->next_page_token().empty());
  std::vector<std::string> expected;
  for (const auto& p : who->principals()) expected.push_back(p.principal());
  EXPECT_GT(expected.size(), static_cast<size_t>(kUsers));
  EXPECT_EQ(principals, expected);
  // A bulk user: VIEW through its read-only policy, nothing to modify.
  int bills = -1;
  for (int i = 0; i < columns; ++i) {
    if (s.messages[0].pages(i).id() == "billing_bills") bills = i;
  }
  ASSERT_GE(bills, 0);
  bool checked = false;
  for (const auto& m : s.messages) {
    for (const auto& row : m.rows()) {
      if (row.principal() != "arn:aws:iam::111111111111:user/bulk/u10000") continue;
      const auto& cell = row.cells(bills);
      EXPECT_EQ(cell.access(), pdp::v1::VIEW);
      EXPECT_EQ(cell.view_reason(), pdp::v1::ALLOWED_BY_POLICY);
      checked = true;
    }
  }
  EXPECT_TRUE(checked);
}

TEST_F(AccessMatrixE2eTest, RequestErrorsNameTheirField) {
  AuthorizationClient client(Options(*server_));
  Stream unknown = Matrix(client, AccessMatrixQuery{.account_id = "999999999999"});
  EXPECT_EQ(unknown.status.code(), absl::StatusCode::kNotFound) << unknown.status;
  EXPECT_THAT(ServerErrorFields(unknown.status), ElementsAre("account_id"));
  EXPECT_TRUE(unknown.messages.empty());

  Stream org = Matrix(client, AccessMatrixQuery{.organization_id = "o-nosuchorg00"});
  EXPECT_EQ(org.status.code(), absl::StatusCode::kNotFound) << org.status;
  EXPECT_THAT(ServerErrorFields(org.status), ElementsAre("organization_id"));

  Stream page = Matrix(
      client, AccessMatrixQuery{.account_id = kAccount, .page_ids = {"billing_bills", "nope"}});
  EXPECT_EQ(page.status.code(), absl::StatusCode::kInvalidArgument) << page.status;
  EXPECT_THAT(ServerErrorFields(page.status), ElementsAre("page_ids[1]"));
  EXPECT_TRUE(page.messages.empty());

  Stream twice = Matrix(client, AccessMatrixQuery{.account_id = kAccount,
                                                  .page_ids = {"billing_bills", "billing_bills"}});
  EXPECT_THAT(ServerErrorFields(twice.status), ElementsAre("page_ids[1]"));

  // Both or neither scope: refused by the client, nothing sent.
  for (const AccessMatrixQuery& q :
       {AccessMatrixQuery{}, AccessMatrixQuery{.account_id = kAccount, .organization_id = "o-x"}}) {
    Stream local = Matrix(client, q);
    EXPECT_EQ(local.status.code(), absl::StatusCode::kInvalidArgument) << local.status;
    EXPECT_THAT(ServerErrorFields(local.status), ::testing::IsEmpty());
  }
  // ... and by the server when a request without a scope reaches it.
  auto stub = pdp::v1::AuthorizationService::NewStub(
      grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto reader = stub->AccessMatrix(&ctx, pdp::v1::AccessMatrixRequest());
  pdp::v1::AccessMatrixResponse ignored;
  EXPECT_FALSE(reader->Read(&ignored));
  absl::Status none = FromGrpcStatus(reader->Finish());
  EXPECT_EQ(none.code(), absl::StatusCode::kInvalidArgument) << none;
  EXPECT_THAT(ServerErrorFields(none), ElementsAre("scope"));
}

TEST_F(AccessMatrixE2eTest, WaitsForMinRevision) {
  AuthorizationClient client(Options(*server_));
  // Never reached within the call's time: REVISION_NOT_REACHED.
  Stream far =
      Matrix(client,
             AccessMatrixQuery{
                 .account_id = kAccount, .page_ids = {"billing_bills"}, .min_revision = 1 << 30},
             CallOptions{.timeout = std::chrono::milliseconds(1500)});
  EXPECT_EQ(far.status.code(), absl::StatusCode::kUnavailable) << far.status;
  EXPECT_EQ(ServerErrorReason(far.status), "REVISION_NOT_REACHED");
  EXPECT_TRUE(far.messages.empty());

  // Reached by a write made while the call waits.
  const int64_t next = revision_ + 1;
  Stream waited;
  std::thread call([&] {
    waited = Matrix(
        client, AccessMatrixQuery{
                    .account_id = kAccount, .page_ids = {"billing_bills"}, .min_revision = next});
  });
  pdp::v1::Change change;
  change.mutable_put_user()->mutable_user()->set_arn("arn:aws:iam::111111111111:user/late");
  auto applied = AdminClient(Options(*server_)).ApplyChanges({change});
  call.join();
  ASSERT_TRUE(applied.ok()) << applied.status();
  revision_ = applied->revision();
  ASSERT_TRUE(waited.status.ok()) << waited.status;
  ASSERT_FALSE(waited.messages.empty());
  for (const auto& m : waited.messages) EXPECT_GE(m.revision(), next);
}

// The cap and a stream cancelled part way: a client that holds the only
// place (reading slowly, on a small flow-control window, so the server
// cannot finish) keeps others out with TOO_MANY_MATRIX_STREAMS; once it
// stops reading (cancel), the place is free again.
TEST_F(AccessMatrixE2eTest, ACancelledStreamFreesItsPlace) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 64 * 1024);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  AuthorizationClient slow(
      grpc::CreateCustomChannel(server_->address(), grpc::InsecureChannelCredentials(), args),
      Options(*server_));
  std::mutex mu;
  std::condition_variable cv;
  bool first_in = false, release = false;
  int slow_messages = 0;
  absl::Status slow_status;
  std::thread holder([&] {
    slow_status = slow.AccessMatrix(AccessMatrixQuery{.account_id = kAccount},
                                    [&](const pdp::v1::AccessMatrixResponse&) {
                                      std::unique_lock<std::mutex> lock(mu);
                                      ++slow_messages;
                                      first_in = true;
                                      cv.notify_all();
                                      cv.wait(lock, [&] { return release; });
                                      return false;  // stop: cancels the call
                                    });
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return first_in; }));
  }
  AuthorizationClient other(Options(*server_));
  const AccessMatrixQuery small{.account_id = kAccount, .page_ids = {"billing_home"}};
  Stream refused = Matrix(other, small);
  EXPECT_EQ(refused.status.code(), absl::StatusCode::kResourceExhausted) << refused.status;
  EXPECT_EQ(ServerErrorReason(refused.status), "TOO_MANY_MATRIX_STREAMS");
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  holder.join();
  EXPECT_EQ(slow_status.code(), absl::StatusCode::kCancelled) << slow_status;
  EXPECT_EQ(slow_messages, 1);
  // The server notices the cancel before its next principal or write.
  const absl::Time until = absl::Now() + absl::Seconds(10);
  Stream admitted;
  do {
    admitted = Matrix(other, small);
    if (admitted.status.code() != absl::StatusCode::kResourceExhausted) break;
    absl::SleepFor(absl::Milliseconds(20));
  } while (absl::Now() < until);
  EXPECT_TRUE(admitted.status.ok()) << admitted.status;
}

TEST_F(AccessMatrixE2eTest, NeedsAReader) {
  const AccessMatrixQuery query{.account_id = kAccount, .page_ids = {"billing_home"}};
  Stream anonymous = Matrix(AuthorizationClient(Options(*server_, "")), query);
  EXPECT_EQ(anonymous.status.code(), absl::StatusCode::kUnauthenticated) << anonymous.status;
  EXPECT_THAT(std::string(anonymous.status.message()),
              ::testing::HasSubstr("needs an authenticated caller with the role reader"));
  EXPECT_TRUE(anonymous.messages.empty());
  Stream reader = Matrix(AuthorizationClient(Options(*server_, kReaderToken)), query);
  EXPECT_TRUE(reader.status.ok()) << reader.status;
  EXPECT_FALSE(reader.messages.empty());
}

// As Authorize: a simulated aws:CurrentTime only from a caller allowed to
// simulate (an admin here), refused before anything is decided.
TEST_F(AccessMatrixE2eTest, SimulatedTimeNeedsACallerAllowedToSimulate) {
  AccessMatrixQuery query{.account_id = kAccount, .page_ids = {"billing_home"}};
  query.context["aws:CurrentTime"] = {"2030-01-01T00:00:00Z"};
  Stream reader = Matrix(AuthorizationClient(Options(*server_, kReaderToken)), query);
  EXPECT_EQ(reader.status.code(), absl::StatusCode::kPermissionDenied) << reader.status;
  EXPECT_EQ(ServerErrorReason(reader.status), "TIME_SIMULATION_NOT_ALLOWED");
  EXPECT_THAT(ServerErrorFields(reader.status), ElementsAre("context.keys[aws:CurrentTime]"));
  EXPECT_TRUE(reader.messages.empty());
  Stream admin = Matrix(AuthorizationClient(Options(*server_)), query);
  EXPECT_TRUE(admin.status.ok()) << admin.status;
}

}  // namespace
}  // namespace pdp::testing
