// The callers file, who credentials identify, and which role each method
// needs (every method of every service the server registers, walked from
// the descriptors, so a new RPC cannot slip through unclassified).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "pdp/v1/admin.grpc.pb.h"
#include "pdp/v1/authorization.grpc.pb.h"
#include "server/app/caller_registry.h"
#include "server/grpc/method_access.h"

namespace pdp {
namespace {

using ::testing::HasSubstr;

constexpr char kCtlToken[] = "controller-token-0123456789";
constexpr char kReaderToken[] = "reader-token-0123456789";

std::string Callers() {
  return absl::StrCat(R"(callers:
  - name: org-ctl
    role: controller
    token_sha256: )",
                      TokenSha256Hex(kCtlToken), R"(
    tls_identity: spiffe://example.org/org-ctl
    organizations: [o-aaaaaaaaaa]
    accounts: ["111111111111"]
    actors: [root, iam]
  - name: svc
    role: reader
    token_sha256: )",
                      TokenSha256Hex(kReaderToken), R"(
    simulate_time: true
  - name: ops
    role: admin
    tls_identity: CN=ops
)");
}

CallerRegistry Registry() {
  absl::StatusOr<CallerRegistry> r = CallerRegistry::Parse(Callers(), "callers.yaml");
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : CallerRegistry();
}

std::string Bearer(absl::string_view token) { return absl::StrCat("Bearer ", token); }

TEST(CallerRegistryTest, ParsesRolesScopesAndCredentials) {
  CallerRegistry r = Registry();
  EXPECT_EQ(r.size(), 3u);
  const std::string auth = Bearer(kCtlToken);
  absl::StatusOr<Caller> ctl = r.Identify({auth, {}});
  ASSERT_TRUE(ctl.ok()) << ctl.status();
  EXPECT_EQ(ctl->name, "org-ctl");
  EXPECT_EQ(ctl->role, Role::kController);
  EXPECT_EQ(ctl->credential, "token");
  EXPECT_TRUE(ctl->scope.organizations.contains("o-aaaaaaaaaa"));
  EXPECT_TRUE(ctl->scope.accounts.contains("111111111111"));
  EXPECT_TRUE(ctl->scope.root_actors && ctl->scope.iam_actors);
  EXPECT_FALSE(ctl->may_simulate_time);
  const std::string reader_auth = Bearer(kReaderToken);
  absl::StatusOr<Caller> svc = r.Identify({reader_auth, {}});
  ASSERT_TRUE(svc.ok());
  EXPECT_EQ(svc->role, Role::kReader);
  EXPECT_TRUE(svc->may_simulate_time);
}

TEST(CallerRegistryTest, CertificatesIdentifyBySanOrSubject) {
  CallerRegistry r = Registry();
  absl::StatusOr<Caller> ctl = r.Identify({std::nullopt, {"spiffe://example.org/org-ctl", "x"}});
  ASSERT_TRUE(ctl.ok());
  EXPECT_EQ(ctl->name, "org-ctl");
  EXPECT_EQ(ctl->credential, "certificate");
  absl::StatusOr<Caller> ops = r.Identify({std::nullopt, {"ops", "CN=ops"}});
  ASSERT_TRUE(ops.ok());
  EXPECT_EQ(ops->name, "ops");
  EXPECT_EQ(ops->role, Role::kAdmin);
  // A certificate that is a caller's, with that caller's token: both.
  const std::string auth = Bearer(kCtlToken);
  absl::StatusOr<Caller> both = r.Identify({auth, {"spiffe://example.org/org-ctl"}});
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->credential, "token+certificate");
}

TEST(CallerRegistryTest, BadOrDisagreeingCredentialsAreNeverAnonymous) {
  CallerRegistry r = Registry();
  const std::vector<std::string> headers = {"Bearer wrong-token",
                                            "Bearer ",
                                            "Basic abc",
                                            "Bearer " + std::string(kCtlToken) + " ",
                                            "Bearer  " + std::string(kCtlToken),
                                            std::string(kCtlToken)};
  for (const std::string& header : headers) {
    absl::StatusOr<Caller> c = r.Identify({header, {}});
    EXPECT_EQ(c.status().code(), absl::StatusCode::kUnauthenticated) << header;
    EXPECT_EQ(ErrorReason(c.status()), "BAD_CREDENTIALS") << header;
  }
  // The scheme's case does not matter (RFC 7235); the token's does.
  const std::string lower = "bearer " + std::string(kCtlToken);
  EXPECT_TRUE(r.Identify({lower, {}}).ok());
  std::string upper_token = "Bearer " + std::string(kCtlToken);
  upper_token.back() = 'X';
  EXPECT_FALSE(r.Identify({upper_token, {}}).ok());
  const std::string auth = Bearer(kReaderToken);
  absl::StatusOr<Caller> disagree = r.Identify({auth, {"CN=ops"}});
  EXPECT_EQ(disagree.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ErrorReason(disagree.status()), "CREDENTIALS_DISAGREE");
  // Nothing, or a certificate no caller lists: anonymous, with no role.
  absl::StatusOr<Caller> none = r.Identify({std::nullopt, {}});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->role, Role::kNone);
  absl::StatusOr<Caller> unknown = r.Identify({std::nullopt, {"spiffe://elsewhere/x"}});
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->role, Role::kNone);
  EXPECT_EQ(unknown->unknown_certificate, "spiffe://elsewhere/x");
}

TEST(CallerRegistryTest, RefusesAnythingMalformed) {
  const std::string hash = TokenSha256Hex("some-token-of-length");
  struct Case {
    std::string yaml;
    std::string message;
  };
  const Case cases[] = {
      {"callers: [", "is not YAML"},
      {"callers: []\nextra: 1", "unknown key \"extra\""},
      {"callers:\n  - name: a\n    role: admin\n", "give token_sha256, tls_identity or both"},
      {"callers:\n  - name: a\n    role: root\n    tls_identity: x\n",
       "callers[0].role must be reader, controller or admin"},
      {"callers:\n  - role: admin\n    tls_identity: x\n", "name is required"},
      {"callers:\n  - name: a\n    tls_identity: x\n", "role is required"},
      {"callers:\n  - name: a b\n    role: admin\n    tls_identity: x\n", "callers[0].name must"},
      {"callers:\n  - name: a\n    role: admin\n    token_sha256: abc\n", "64 hex digits"},
      {"callers:\n  - name: a\n    role: admin\n    tls_identity: x\n    tls_identiy: y\n",
       "unknown key \"tls_identiy\""},
      {"callers:\n  - name: a\n    role: reader\n    role: admin\n    tls_identity: x\n",
       "callers[0].role is given twice"},
      {"callers: []\ncallers: []\n", "has the key \"callers\" twice"},
      {"callers:\n  - name: a\n    role: controller\n    tls_identity: x\n",
       "a controller needs accounts or organizations"},
      {"callers:\n  - name: a\n    role: controller\n    tls_identity: x\n    accounts: [123]\n",
       "callers[0].accounts[0] must be a 12-digit account id"},
      {"callers:\n  - name: a\n    role: controller\n    tls_identity: x\n    accounts: "
       "\"111111111111\"\n",
       "callers[0].accounts must be a list"},
      {"callers:\n  - name: a\n    role: controller\n    tls_identity: x\n    organizations: "
       "[org1]\n",
       "must be an organization id"},
      {"callers:\n  - name: a\n    role: controller\n    tls_identity: x\n    accounts: "
       "[\"111111111111\"]\n    actors: [everyone]\n",
       "callers[0].actors[0] must be root"},
      {"callers:\n  - name: a\n    role: reader\n    tls_identity: x\n    accounts: "
       "[\"111111111111\"]\n",
       "only controllers have accounts"},
      {"callers:\n  - name: a\n    role: admin\n    tls_identity: x\n    simulate_time: yes\n",
       "simulate_time must be true or false"},
      {absl::StrCat("callers:\n  - name: a\n    role: admin\n    token_sha256: ", hash,
                    "\n  - name: b\n    role: admin\n    token_sha256: ", hash, "\n"),
       "the same token as caller \"a\""},
      {"callers:\n  - name: a\n    role: admin\n    tls_identity: x\n  - name: a\n    role: "
       "admin\n    tls_identity: y\n",
       "a caller named \"a\" is listed already"},
      {"callers:\n  - name: a\n    role: admin\n    tls_identity: x\n  - name: b\n    role: "
       "admin\n    tls_identity: x\n",
       "the same tls_identity as caller \"a\""},
  };
  for (const Case& c : cases) {
    absl::StatusOr<CallerRegistry> r = CallerRegistry::Parse(c.yaml, "f.yaml");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.message)) << c.yaml;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("f.yaml")) << c.yaml;
  }
}

TEST(CallerRegistryTest, LegacyAdminTokenIsAnAdminNamedAdmin) {
  CallerRegistry r;
  EXPECT_EQ(r.AddAdminToken("short").code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(r.AddAdminToken("correct-horse-battery-staple").ok());
  const std::string auth = Bearer("correct-horse-battery-staple");
  absl::StatusOr<Caller> admin = r.Identify({auth, {}});
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->name, "admin");
  EXPECT_EQ(admin->role, Role::kAdmin);
}

Caller WithRole(Role role) {
  Caller c;
  c.name = std::string(RoleName(role));
  c.role = role;
  return c;
}

std::string PathOf(const google::protobuf::MethodDescriptor& m) {
  return absl::StrCat("/", m.service()->full_name(), "/", m.name());
}

TEST(MethodAccessTest, EveryAdminMethodRefusesAnonymousAndReaders) {
  const auto* service =
      pdp::v1::ApplyChangesRequest::descriptor()->file()->FindServiceByName("AdminService");
  ASSERT_NE(service, nullptr);
  ASSERT_GT(service->method_count(), 40);
  for (int i = 0; i < service->method_count(); ++i) {
    const std::string path = PathOf(*service->method(i));
    for (bool require_auth : {false, true}) {
      absl::Status anonymous = CheckMethodAccess(WithRole(Role::kNone), path, require_auth);
      EXPECT_EQ(anonymous.code(), absl::StatusCode::kUnauthenticated) << path;
      absl::Status reader = CheckMethodAccess(WithRole(Role::kReader), path, require_auth);
      EXPECT_EQ(reader.code(), absl::StatusCode::kPermissionDenied) << path;
      EXPECT_THAT(std::string(reader.message()), HasSubstr("\"reader\"")) << path;
      EXPECT_TRUE(CheckMethodAccess(WithRole(Role::kAdmin), path, require_auth).ok()) << path;
    }
  }
  // What shows every account's changes is an admin's alone.
  for (const char* m : {"Watch", "ListAuditEvents"}) {
    const std::string path = absl::StrCat("/pdp.v1.AdminService/", m);
    EXPECT_EQ(AccessOf(path), MethodAccess::kAdmin) << path;
    EXPECT_EQ(CheckMethodAccess(WithRole(Role::kController), path, false).code(),
              absl::StatusCode::kPermissionDenied);
  }
  EXPECT_TRUE(
      CheckMethodAccess(WithRole(Role::kController), "/pdp.v1.AdminService/ApplyChanges", false)
          .ok());
  // Role sessions are read like roles: a controller's.
  for (const char* m : {"GetRole", "GetRoleSession", "ListRoleSessions"}) {
    const std::string path = absl::StrCat("/pdp.v1.AdminService/", m);
    EXPECT_EQ(AccessOf(path), MethodAccess::kController) << path;
  }
}

TEST(MethodAccessTest, AuthorizationMethodsByWhatTheyReveal) {
  const auto* service = pdp::v1::BatchAuthorizeRequest::descriptor()->file()->FindServiceByName(
      "AuthorizationService");
  ASSERT_NE(service, nullptr);
  ASSERT_EQ(service->method_count(), 8);
  for (int i = 0; i < service->method_count(); ++i) {
    const std::string name = service->method(i)->name();
    const std::string path = PathOf(*service->method(i));
    const bool decision = name == "Authorize" || name == "BatchAuthorize" || name == "ListPages";
    EXPECT_EQ(AccessOf(path), decision ? MethodAccess::kDecision : MethodAccess::kReader) << path;
    EXPECT_EQ(CheckMethodAccess(WithRole(Role::kNone), path, false).ok(), decision) << path;
    EXPECT_FALSE(CheckMethodAccess(WithRole(Role::kNone), path, true).ok()) << path;
    EXPECT_TRUE(CheckMethodAccess(WithRole(Role::kReader), path, true).ok()) << path;
  }
}

TEST(MethodAccessTest, UnknownMethodsNeedAnAdmin) {
  for (const char* path : {"", "/", "/pdp.v1.AdminService/", "/pdp.v1.AdminService/DropEverything",
                           "/pdp.v1.AuthorizationService/NewQuestion",
                           "/pdp.v2.AdminService/GetAccount", "/pdp.v1.AdminService/GetAccount/x",
                           "/pdp.v1.AuthorizationService/Authorize2", "/some.Other/Method"}) {
    EXPECT_EQ(AccessOf(path), MethodAccess::kAdmin) << path;
    EXPECT_FALSE(CheckMethodAccess(WithRole(Role::kController), path, false).ok()) << path;
  }
  EXPECT_EQ(AccessOf("/grpc.health.v1.Health/Check"), MethodAccess::kOpen);
  EXPECT_TRUE(CheckMethodAccess(WithRole(Role::kNone), "/grpc.health.v1.Health/Watch", true).ok());
  EXPECT_TRUE(CheckMethodAccess(WithRole(Role::kNone),
                                "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                                true)
                  .ok());
}

}  // namespace
}  // namespace pdp
