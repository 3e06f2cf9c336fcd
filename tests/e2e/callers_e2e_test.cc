// Callers with identities, end to end, with certificates made at test time:
// a real billing-pdp-server with TLS, client certificates verified against a
// CA (--tls-client-ca) and a callers file. mTLS accepted and refused
// (unknown, expired and wrong-CA certificates), token roles, every
// AdminService method refused to anonymous and reader callers (walked from
// the descriptor through the real server), controllers' scopes and actor
// binding, simulated time, the audit log (ListAuditEvents, Watch), and bad
// credentials never writing anything.
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "billing_pdp/status.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "server/app/caller_registry.h"
#include "tests/support/server_process.h"
#include "tests/support/test_pki.h"

namespace pdp::testing {
namespace {

using Stub = pdp::v1::AdminService::Stub;
using ::testing::HasSubstr;

constexpr char kAdminToken[] = "ops-admin-token-0123456789";
constexpr char kReaderToken[] = "svc-reader-token-0123456789";
constexpr char kSimulatorToken[] = "sim-reader-token-0123456789";
constexpr char kRootControllerToken[] = "root-ctl-token-0123456789";
constexpr char kControllerUri[] = "spiffe://billing-pdp.test/org-ctl";
// In data/demo-world.yaml.
constexpr char kPayer[] = "111111111111";
constexpr char kNewcomer[] = "222222222222";
constexpr char kCarol[] = "arn:aws:iam::111111111111:user/carol";

struct Files {
  CertFiles ca, other_ca, server, controller, unknown_client, expired_client, other_ca_client;
};

std::string CallersYaml() {
  return absl::StrCat(R"(callers:
  - name: ops
    role: admin
    token_sha256: )",
                      TokenSha256Hex(kAdminToken), R"(
  - name: svc
    role: reader
    token_sha256: )",
                      TokenSha256Hex(kReaderToken), R"(
  - name: sim
    role: reader
    simulate_time: true
    token_sha256: )",
                      TokenSha256Hex(kSimulatorToken), R"(
  - name: org-ctl
    role: controller
    tls_identity: )",
                      kControllerUri, R"(
    accounts: [")",
                      kPayer, R"("]
    actors: [iam]
  - name: root-ctl
    role: controller
    token_sha256: )",
                      TokenSha256Hex(kRootControllerToken), R"(
    accounts: [")",
                      kNewcomer, R"("]
    actors: [root]
)");
}

class CallersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::testing::TempDir() + "/callers-e2e-" + std::to_string(getpid()));
    std::filesystem::remove_all(*dir_);
    std::filesystem::create_directories(*dir_);
    auto ca = TestCa::Create(*dir_, "ca");
    auto other = TestCa::Create(*dir_, "other-ca");
    ASSERT_TRUE(ca.ok() && other.ok());
    files_ = new Files;
    files_->ca = ca->files();
    files_->other_ca = other->files();
    LeafSpec server{
        .common_name = "localhost", .dns_names = {"localhost"}, .ip_addresses = {"127.0.0.1"}};
    LeafSpec controller{
        .common_name = "org-ctl", .uris = {kControllerUri}, .usage = KeyUsage::kClient};
    LeafSpec unknown{.common_name = "stranger",
                     .uris = {"spiffe://billing-pdp.test/stranger"},
                     .usage = KeyUsage::kClient};
    LeafSpec expired = controller;
    expired.not_before = -std::chrono::hours(48);
    expired.not_after = -std::chrono::hours(24);
    auto s = ca->Issue(server, "server");
    auto c = ca->Issue(controller, "controller");
    auto u = ca->Issue(unknown, "unknown");
    auto e = ca->Issue(expired, "expired");
    auto o = other->Issue(controller, "other-ca-controller");
    ASSERT_TRUE(s.ok() && c.ok() && u.ok() && e.ok() && o.ok());
    files_->server = *s;
    files_->controller = *c;
    files_->unknown_client = *u;
    files_->expired_client = *e;
    files_->other_ca_client = *o;
    std::ofstream(*dir_ + "/callers.yaml") << CallersYaml();
    server_ = new ServerProcess(
        {"--world", SourcePath("data/demo-world.yaml"), "--store", "sqlite:" + *dir_ + "/state.db",
         "--tls-cert", files_->server.cert_path, "--tls-key", files_->server.key_path,
         "--tls-client-ca", files_->ca.cert_path, "--callers-file", *dir_ + "/callers.yaml"});
  }
  static void TearDownTestSuite() {
    delete server_;
    delete files_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(server_->ok()) << server_->log(); }

  // TLS to the server, as a caller with `token` and/or a client certificate.
  static ClientOptions As(const std::string& token, const CertFiles* cert = nullptr) {
    ClientOptions o;
    o.target = server_->address();
    o.timeout = std::chrono::milliseconds(5000);
    o.tls = TlsOptions{.ca_file = files_->ca.cert_path};
    if (cert != nullptr) {
      o.tls->cert_file = cert->cert_path;
      o.tls->key_file = cert->key_path;
    }
    o.token = token;
    return o;
  }

  static int64_t Revision() {
    int64_t revision = -1;
    pdp::v1::GetRequest get;
    get.set_name(kPayer);
    auto read = AdminClient(As(kAdminToken)).Call(&Stub::GetAccount, get, &revision);
    EXPECT_TRUE(read.ok()) << read.status();
    return revision;
  }

  static std::vector<pdp::v1::AuditEvent> Audit(pdp::v1::ListAuditEventsRequest request) {
    std::vector<pdp::v1::AuditEvent> out;
    AdminClient admin(As(kAdminToken));
    while (true) {
      auto page = admin.Call(&Stub::ListAuditEvents, request);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) return out;
      out.insert(out.end(), page->events().begin(), page->events().end());
      if (page->next_page_token().empty()) return out;
      request.set_page_token(page->next_page_token());
    }
  }

  static std::string* dir_;
  static Files* files_;
  static ServerProcess* server_;
};
std::string* CallersTest::dir_ = nullptr;
Files* CallersTest::files_ = nullptr;
ServerProcess* CallersTest::server_ = nullptr;

pdp::v1::UpdateAccountSettingsRequest IamAccess(const std::string& account,
                                                const std::string& actor, bool on) {
  pdp::v1::UpdateAccountSettingsRequest r;
  r.set_account_id(account);
  r.add_update_mask("iam_access_to_billing");
  r.mutable_settings()->set_iam_access_to_billing(on);
  r.set_actor(actor);
  return r;
}

pdp::v1::PutUserRequest NewUser(const std::string& arn) {
  pdp::v1::PutUserRequest r;
  r.mutable_user()->set_arn(arn);
  return r;
}

TEST_F(CallersTest, ClientCertificatesAcceptedAndRefused) {
  // The controller's certificate names it: it may read and write its account.
  AdminClient controller(As("", &files_->controller));
  pdp::v1::GetRequest get;
  get.set_name(kPayer);
  EXPECT_TRUE(controller.Call(&Stub::GetAccount, get).ok());
  // A valid certificate that names no caller is anonymous: refused.
  auto unknown = AdminClient(As("", &files_->unknown_client)).Call(&Stub::GetAccount, get);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(unknown.status().message()),
              HasSubstr("spiffe://billing-pdp.test/stranger"));
  // An expired certificate, or one from another CA, never gets a connection.
  for (const CertFiles* bad : {&files_->expired_client, &files_->other_ca_client}) {
    auto refused = AdminClient(As("", bad)).Call(&Stub::GetAccount, get);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << bad->cert_path;
    auto decision = AuthorizationClient(As("", bad))
                        .Authorize(PageQuery{.principal = kCarol, .page_id = "billing_bills"});
    EXPECT_EQ(decision.status().code(), absl::StatusCode::kUnavailable) << bad->cert_path;
  }
  // Without a certificate or token: anonymous, allowed a decision only.
  auto anonymous = AdminClient(As("")).Call(&Stub::GetAccount, get);
  EXPECT_EQ(anonymous.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(AuthorizationClient(As(""))
                  .Authorize(PageQuery{.principal = kCarol, .page_id = "billing_bills"})
                  .ok());
}

// Every AdminService method of the descriptor, called through the real
// server with an empty request: anonymous and reader callers are refused
// before any handler runs, and nothing is written.
TEST_F(CallersTest, EveryAdminMethodRefusesAnonymousAndReaderCallers) {
  const int64_t before = Revision();
  const auto* service =
      pdp::v1::ApplyChangesRequest::descriptor()->file()->FindServiceByName("AdminService");
  ASSERT_NE(service, nullptr);
  for (const std::string& token : {std::string(), std::string(kReaderToken)}) {
    ClientOptions options = As(token);
    auto channel = NewChannel(options);
    ASSERT_TRUE(channel.ok());
    grpc::GenericStub stub(*channel);
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string path =
          absl::StrCat("/", service->full_name(), "/", service->method(i)->name());
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
      // No bytes: every request message's zero value.
      grpc::Slice empty("", 0);
      grpc::ByteBuffer request(&empty, 1), response;
      grpc::Status status;
      bool done = false;
      std::mutex mu;
      std::condition_variable cv;
      stub.UnaryCall(&ctx, path, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
        std::lock_guard<std::mutex> lock(mu);
        status = std::move(s);
        done = true;
        cv.notify_one();
      });
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return done; });
      EXPECT_EQ(status.error_code(), token.empty() ? grpc::StatusCode::UNAUTHENTICATED
                                                   : grpc::StatusCode::PERMISSION_DENIED)
          << path << ": " << status.error_message();
    }
  }
  EXPECT_EQ(Revision(), before);
}

TEST_F(CallersTest, TokenRolesAndWhatTheyReveal) {
  pdp::v1::WhoCanRequest who;
  who.set_account_id(kPayer);
  who.mutable_page()->set_page_id("billing_bills");
  WhoCanQuery query{.account_id = kPayer, .page_id = "billing_bills"};
  // Anonymous callers may not list an account's principals; readers may.
  auto anonymous = AuthorizationClient(As("")).WhoCan(query);
  EXPECT_EQ(anonymous.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(AuthorizationClient(As(kReaderToken)).WhoCan(query).ok());
  // A token no caller has is refused even where anonymous callers are not.
  auto wrong = AuthorizationClient(As("not-a-known-token-at-all"))
                   .Authorize(PageQuery{.principal = kCarol, .page_id = "billing_bills"});
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kUnauthenticated);
  // Readers write nothing; admins anything.
  auto reader_write = AdminClient(As(kReaderToken))
                          .Call(&Stub::CreateUser, NewUser("arn:aws:iam::111111111111:user/r"));
  EXPECT_EQ(reader_write.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(reader_write.status().message()), HasSubstr("\"svc\""));
  EXPECT_TRUE(AdminClient(As(kAdminToken))
                  .Call(&Stub::CreateUser, NewUser("arn:aws:iam::333333333333:user/by-ops"))
                  .ok());
}

// Two authorization headers are ambiguous: refused whichever comes first,
// never taken as either caller.
TEST_F(CallersTest, AnAuthorizationHeaderSentTwiceIsRefused) {
  const int64_t before = Revision();
  auto channel = NewChannel(As(""));
  ASSERT_TRUE(channel.ok());
  auto admin = pdp::v1::AdminService::NewStub(*channel);
  auto decide = pdp::v1::AuthorizationService::NewStub(*channel);
  for (const auto& [first, second] : std::vector<std::pair<std::string, std::string>>{
           {kReaderToken, kAdminToken}, {kAdminToken, kReaderToken}}) {
    grpc::ClientContext write;
    write.AddMetadata("authorization", "Bearer " + first);
    write.AddMetadata("authorization", "Bearer " + second);
    pdp::v1::User user;
    EXPECT_EQ(admin->CreateUser(&write, NewUser("arn:aws:iam::111111111111:user/twice"), &user)
                  .error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    grpc::ClientContext ask;
    ask.AddMetadata("authorization", "Bearer " + first);
    ask.AddMetadata("authorization", "Bearer " + second);
    pdp::v1::AuthorizeRequest request;
    request.set_principal(kCarol);
    request.mutable_page()->set_page_id("billing_bills");
    pdp::v1::AuthorizeResponse response;
    EXPECT_EQ(decide->Authorize(&ask, request, &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(Revision(), before);
}

TEST_F(CallersTest, BadCredentialsNeverWrite) {
  const int64_t before = Revision();
  pdp::v1::ApplyChangesRequest batch;
  *batch.add_changes()->mutable_put_user() = NewUser("arn:aws:iam::111111111111:user/intruder");
  *batch.add_changes()->mutable_update_account_settings() =
      IamAccess(kPayer, "arn:aws:iam::111111111111:root", true);
  // A wrong token, a token with a certificate of another caller, an
  // unknown, expired or foreign certificate: nothing is applied.
  struct Attempt {
    std::string token;
    const CertFiles* cert;
    absl::StatusCode code;
  };
  const std::vector<Attempt> attempts = {
      {"wrong-token-0123456789", nullptr, absl::StatusCode::kUnauthenticated},
      {std::string(kAdminToken).substr(1), nullptr, absl::StatusCode::kUnauthenticated},
      {kRootControllerToken, &files_->controller, absl::StatusCode::kUnauthenticated},
      {"", &files_->unknown_client, absl::StatusCode::kUnauthenticated},
      {"", &files_->expired_client, absl::StatusCode::kUnavailable},
      {"", &files_->other_ca_client, absl::StatusCode::kUnavailable},
      {kReaderToken, nullptr, absl::StatusCode::kPermissionDenied},
  };
  for (const Attempt& a : attempts) {
    auto applied = AdminClient(As(a.token, a.cert)).ApplyChanges(batch);
    EXPECT_EQ(applied.status().code(), a.code)
        << a.token << " " << (a.cert ? a.cert->cert_path : "") << ": " << applied.status();
  }
  EXPECT_EQ(Revision(), before);
  pdp::v1::ListAuditEventsRequest since;
  since.set_since_revision(before + 1);
  EXPECT_TRUE(Audit(since).empty());
}

TEST_F(CallersTest, ControllersWriteWithinTheirScopeAndSpeakOnlyForTheirActors) {
  AdminClient org_ctl(As("", &files_->controller));
  AdminClient root_ctl(As(kRootControllerToken));
  EXPECT_TRUE(
      org_ctl.Call(&Stub::CreateUser, NewUser("arn:aws:iam::111111111111:user/in-scope")).ok());
  const int64_t before = Revision();
  auto outside =
      org_ctl.Call(&Stub::CreateUser, NewUser("arn:aws:iam::222222222222:user/out-of-scope"));
  EXPECT_EQ(outside.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ServerErrorReason(outside.status()), "OUT_OF_SCOPE");
  EXPECT_THAT(std::string(outside.status().message()), HasSubstr("\"org-ctl\""));
  // org-ctl speaks for IAM principals only: the root user's one setting is
  // beyond it, however its request is dressed.
  auto as_root = org_ctl.Call(&Stub::UpdateAccountSettings,
                              IamAccess(kPayer, "arn:aws:iam::111111111111:root", false));
  EXPECT_EQ(as_root.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ServerErrorReason(as_root.status()), "ACTOR_OUT_OF_SCOPE");
  EXPECT_THAT(std::string(as_root.status().message()),
              HasSubstr("\"arn:aws:iam::111111111111:root\""));
  EXPECT_THAT(std::string(as_root.status().message()), HasSubstr("\"org-ctl\""));
  // In a batch, the refusal names the change and nothing of it is applied.
  pdp::v1::ApplyChangesRequest batch;
  *batch.add_changes()->mutable_put_user() = NewUser("arn:aws:iam::111111111111:user/first");
  *batch.add_changes()->mutable_update_account_settings() =
      IamAccess(kNewcomer, "arn:aws:iam::222222222222:root", true);
  auto refused = org_ctl.ApplyChanges(batch);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("changes[1].update_account_settings.account_id"));
  EXPECT_EQ(Revision(), before);
  // root-ctl may speak for 222222222222's root user, and nobody else.
  EXPECT_TRUE(root_ctl
                  .Call(&Stub::UpdateAccountSettings,
                        IamAccess(kNewcomer, "arn:aws:iam::222222222222:root", true))
                  .ok());
  auto other_root = root_ctl.Call(&Stub::UpdateAccountSettings,
                                  IamAccess(kPayer, "arn:aws:iam::111111111111:root", true));
  EXPECT_EQ(other_root.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(CallersTest, SimulatedTimeOnlyForCallersAllowedToSimulate) {
  PageQuery query{.principal = kCarol, .page_id = "billing_bills"};
  query.context["aws:CurrentTime"] = {"2020-01-01T00:00:00Z"};
  for (const char* token : {"", kReaderToken}) {
    auto refused = AuthorizationClient(As(token)).Authorize(query);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied) << token;
    EXPECT_EQ(ServerErrorReason(refused.status()), "TIME_SIMULATION_NOT_ALLOWED");
  }
  // Anywhere in a batch, and in ListAccessiblePages.
  PageQuery plain{.principal = kCarol, .page_id = "billing_bills"};
  auto batch = AuthorizationClient(As(kReaderToken)).BatchAuthorize({plain, query});
  EXPECT_EQ(batch.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ServerErrorFields(batch.status()),
            std::vector<std::string>{"requests[1].context.keys[aws:CurrentTime]"});
  pdp::v1::ListAccessiblePagesRequest pages;
  pages.set_principal(kCarol);
  (*pages.mutable_context()->mutable_keys())["aws:currenttime"].add_values("2020-01-01T00:00:00Z");
  {
    auto channel = NewChannel(As(kReaderToken));
    ASSERT_TRUE(channel.ok());
    auto stub = pdp::v1::AuthorizationService::NewStub(*channel);
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", std::string("Bearer ") + kReaderToken);
    pdp::v1::ListAccessiblePagesResponse response;
    EXPECT_EQ(stub->ListAccessiblePages(&ctx, pages, &response).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  query.context.clear();
  query.context["AWS:EPOCHTIME"] = {"1577836800"};
  EXPECT_EQ(AuthorizationClient(As(kReaderToken)).Authorize(query).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(AuthorizationClient(As(kSimulatorToken)).Authorize(query).ok());
  EXPECT_TRUE(AuthorizationClient(As(kAdminToken)).Authorize(query).ok());
}

TEST_F(CallersTest, EveryCommittedBatchSaysWhoWhenAndOnWhoseBehalf) {
  AdminClient root_ctl(As(kRootControllerToken));
  // On first (a no-op if another case left it on: no-ops are not committed,
  // so they have no audit entry), then off: a real change.
  ASSERT_TRUE(root_ctl
                  .Call(&Stub::UpdateAccountSettings,
                        IamAccess(kNewcomer, "arn:aws:iam::222222222222:root", true))
                  .ok());
  pdp::v1::ApplyChangesRequest batch;
  batch.set_request_id("audit-test-1");
  *batch.add_changes()->mutable_update_account_settings() =
      IamAccess(kNewcomer, "arn:aws:iam::222222222222:root", false);
  auto applied = root_ctl.ApplyChanges(batch);
  ASSERT_TRUE(applied.ok()) << applied.status();
  ASSERT_TRUE(AdminClient(As("", &files_->controller))
                  .Call(&Stub::CreateUser, NewUser("arn:aws:iam::111111111111:user/audited"))
                  .ok());

  pdp::v1::ListAuditEventsRequest by_caller;
  by_caller.set_caller("root-ctl");
  std::vector<pdp::v1::AuditEvent> events = Audit(by_caller);
  ASSERT_FALSE(events.empty());
  const pdp::v1::AuditEvent* mine = nullptr;
  for (const auto& e : events) {
    EXPECT_EQ(e.audit().caller(), "root-ctl");
    if (e.revision() == applied->revision()) mine = &e;
  }
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(mine->request_id(), "audit-test-1");
  EXPECT_EQ(mine->audit().role(), "controller");
  EXPECT_EQ(mine->audit().credential(), "token");
  EXPECT_THAT(mine->audit().peer(), HasSubstr("127.0.0.1"));
  EXPECT_EQ(mine->audit().method(), "/pdp.v1.AdminService/ApplyChanges");
  EXPECT_THAT(mine->audit().actors(), ::testing::ElementsAre("arn:aws:iam::222222222222:root"));
  EXPECT_THAT(mine->audit().accounts(), ::testing::ElementsAre(kNewcomer));
  EXPECT_GT(mine->audit().commit_time().seconds(), 1700000000);

  // By account: the certificate caller's write to 111111111111.
  pdp::v1::ListAuditEventsRequest by_account;
  by_account.set_account_id(kPayer);
  by_account.set_caller("org-ctl");
  events = Audit(by_account);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().audit().credential(), "certificate");
  EXPECT_EQ(events.back().audit().method(), "/pdp.v1.AdminService/CreateUser");
  // The world file loaded at start-up is revision 1.
  pdp::v1::ListAuditEventsRequest first;
  first.set_page_size(1);
  auto page = AdminClient(As(kAdminToken)).Call(&Stub::ListAuditEvents, first);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events_size(), 1);
  EXPECT_EQ(page->events(0).revision(), 1);
  EXPECT_EQ(page->events(0).audit().caller(), "billing-pdp-server --world");
  EXPECT_FALSE(page->next_page_token().empty());
  // Watch shows the same entry with the batch.
  auto watch = AdminClient(As(kAdminToken)).Watch(applied->revision());
  pdp::v1::WatchResponse event;
  ASSERT_TRUE(watch->Next(&event));
  EXPECT_EQ(event.revision(), applied->revision());
  EXPECT_EQ(event.audit().caller(), "root-ctl");
  // Only admins read the audit log.
  auto refused = AdminClient(As(kRootControllerToken)).Call(&Stub::ListAuditEvents, first);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  pdp::v1::ListAuditEventsRequest bad;
  bad.set_account_id("12");
  EXPECT_EQ(AdminClient(As(kAdminToken)).Call(&Stub::ListAuditEvents, bad).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CallersTest, PdpctlAuditFiltersAndPrintsJson) {
  ASSERT_TRUE(AdminClient(As(kRootControllerToken))
                  .Call(&Stub::CreateUser, NewUser("arn:aws:iam::222222222222:user/pdpctl-audit"))
                  .ok());
  const std::string token_file = *dir_ + "/ops.token";
  std::ofstream(token_file) << kAdminToken << "\n";
  auto pdpctl = [&](std::vector<std::string> args, std::string* out) {
    args.insert(args.begin(), {BinaryPath("client/pdpctl"), "--server", server_->address(),
                               "--tls-ca", files_->ca.cert_path, "--token-file", token_file});
    out->clear();  // RunCommand appends
    return RunCommand(args, out);
  };
  std::string out;
  ASSERT_EQ(pdpctl({"audit", "--caller", "root-ctl", "--account", kNewcomer}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("root-ctl (controller, token)"));
  EXPECT_THAT(out, HasSubstr("/pdp.v1.AdminService/CreateUser"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("org-ctl")));
  ASSERT_EQ(pdpctl({"--output", "json", "audit", "--since", "1", "--limit", "1"}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("\"caller\": \"billing-pdp-server --world\""));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("\"revision\": \"2\"")));
  ASSERT_EQ(pdpctl({"audit", "--since", "2000-01-01T00:00:00Z", "--caller", "nobody"}, &out), 0);
  EXPECT_EQ(out, "");
  EXPECT_EQ(pdpctl({"audit", "--since", "yesterday"}, &out), 2);
  EXPECT_THAT(out, HasSubstr("RFC 3339"));
  // pdpctl presents a client certificate: the controller it names is
  // identified (PERMISSION_DENIED for its role, not UNAUTHENTICATED).
  std::vector<std::string> mtls = {
      BinaryPath("client/pdpctl"), "--server",   server_->address(),           "--tls-ca",
      files_->ca.cert_path,        "--tls-cert", files_->controller.cert_path, "--tls-key",
      files_->controller.key_path};
  out.clear();
  std::vector<std::string> audit_as_controller = mtls;
  audit_as_controller.push_back("audit");
  EXPECT_EQ(RunCommand(audit_as_controller, &out), 4);  // refused
  EXPECT_THAT(out, HasSubstr("caller \"org-ctl\" has the role controller"));
  // A controller's token may not read the audit log.
  std::ofstream(token_file, std::ios::trunc) << kRootControllerToken << "\n";
  EXPECT_EQ(pdpctl({"audit"}, &out), 4);
  EXPECT_THAT(out, HasSubstr("PERMISSION_DENIED"));
}

TEST(RequireAuthTest, DecisionsNeedAKnownCallerToo) {
  const std::string dir = ::testing::TempDir() + "/require-auth-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/callers.yaml") << CallersYaml();
  ServerProcess server({"--world", SourcePath("data/demo-world.yaml"), "--callers-file",
                        dir + "/callers.yaml", "--require-auth", "true"});
  ASSERT_TRUE(server.ok()) << server.log();
  ClientOptions options;
  options.target = server.address();
  PageQuery query{.principal = kCarol, .page_id = "billing_bills"};
  auto anonymous = AuthorizationClient(options).Authorize(query);
  EXPECT_EQ(anonymous.status().code(), absl::StatusCode::kUnauthenticated);
  options.token = kReaderToken;
  EXPECT_TRUE(AuthorizationClient(options).Authorize(query).ok());
  std::filesystem::remove_all(dir);
}

TEST(StartupTest, SaysWhenEveryCallerIsAnAdminAndRefusesBadCallerSettings) {
  ServerProcess open({});
  ASSERT_TRUE(open.ok()) << open.log();
  EXPECT_THAT(open.log(), HasSubstr("no callers configured"));
  const std::string dir = ::testing::TempDir() + "/startup-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/bad.yaml") << "callers:\n  - name: x\n    role: superuser\n    "
                                      "tls_identity: y\n";
  const std::string server = BinaryPath("server/billing-pdp-server");
  std::string out;
  EXPECT_EQ(
      RunCommand({server, "--listen", "127.0.0.1:0", "--callers-file", dir + "/bad.yaml"}, &out),
      2);
  EXPECT_THAT(out, HasSubstr("callers[0].role must be reader, controller or admin"));
  EXPECT_EQ(RunCommand({server, "--listen", "127.0.0.1:0", "--require-auth", "true"}, &out), 2);
  EXPECT_THAT(out, HasSubstr("--require-auth needs callers"));
  EXPECT_EQ(RunCommand({server, "--listen", "127.0.0.1:0", "--tls-client-ca", "x.pem"}, &out), 2);
  EXPECT_THAT(out, HasSubstr("--tls-client-ca needs --tls-cert"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pdp::testing
