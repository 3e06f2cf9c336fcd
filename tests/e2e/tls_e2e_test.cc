// The client library and pdpctl over TLS, with certificates made at test
// time (tests/support/test_pki.h): against a real billing-pdp-server started
// with --tls-cert/--tls-key, the right CA works; a wrong CA, an expired
// server certificate, a wrong server name or plaintext fail with
// UNAVAILABLE; unreadable or invalid files are INVALID_ARGUMENT before
// anything is sent; the token goes with every call. The client certificate
// (mTLS) is checked against an in-process gRPC server that requires and
// verifies one (billing-pdp-server cannot ask for one yet).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/security/server_credentials.h"
#include "gtest/gtest.h"
#include "tests/support/server_process.h"
#include "tests/support/test_pki.h"

namespace pdp::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAdmin[] = "arn:aws:iam::111111111111:user/admin";
constexpr char kToken[] = "s3cret-tls-test-token";

PageQuery BillsQuery() { return PageQuery{.principal = kAdmin, .page_id = "billing_bills"}; }

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::testing::TempDir() + "/tls-e2e-" + std::to_string(getpid()));
    std::filesystem::remove_all(*dir_);
    std::filesystem::create_directories(*dir_);
    auto pki = MakeTestPki(*dir_);
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new TestPki(*pki);
    token_file_ = new std::string(*dir_ + "/admin.token");
    std::ofstream(*token_file_) << kToken << "\n";
    server_ = new ServerProcess({"--world", SourcePath("data/demo-world.yaml"), "--tls-cert",
                                 pki_->server.cert_path, "--tls-key", pki_->server.key_path,
                                 "--admin-token-file", *token_file_});
  }
  static void TearDownTestSuite() {
    delete server_;
    delete pki_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete token_file_;
  }
  void SetUp() override { ASSERT_TRUE(server_->ok()) << server_->log(); }

  // TLS to the server, trusting `ca_file`.
  static ClientOptions Tls(const std::string& ca_file) {
    ClientOptions o;
    o.target = server_->address();
    o.timeout = std::chrono::milliseconds(5000);
    o.tls = TlsOptions{.ca_file = ca_file};
    return o;
  }

  int Pdpctl(std::vector<std::string> args, std::string* out,
             const std::vector<std::string>& env = {}) {
    args.insert(args.begin(), {BinaryPath("client/pdpctl"), "--server", server_->address()});
    return RunCommand(args, out, env);
  }

  static std::string* dir_;
  static std::string* token_file_;
  static TestPki* pki_;
  static ServerProcess* server_;
};
std::string* TlsTest::dir_ = nullptr;
std::string* TlsTest::token_file_ = nullptr;
TestPki* TlsTest::pki_ = nullptr;
ServerProcess* TlsTest::server_ = nullptr;

TEST_F(TlsTest, TheRightCaWorksByIpAddressByNameAndWithANameOverride) {
  AuthorizationClient by_ip(Tls(pki_->ca.cert_path));
  auto d = by_ip.Authorize(BillsQuery());
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->allowed);

  ClientOptions by_name = Tls(pki_->ca.cert_path);
  by_name.target = "localhost:" + std::to_string(server_->port());
  EXPECT_TRUE(AuthorizationClient(by_name).Authorize(BillsQuery()).ok());

  ClientOptions override_ok = Tls(pki_->ca.cert_path);
  override_ok.tls->server_name = "localhost";
  EXPECT_TRUE(AuthorizationClient(override_ok).Authorize(BillsQuery()).ok());

  // The CA's PEM given inline instead of as a file.
  ClientOptions inline_ca = Tls("");
  inline_ca.tls->ca_pem = ReadFileOrEmpty(pki_->ca.cert_path);
  EXPECT_TRUE(AuthorizationClient(inline_ca).Authorize(BillsQuery()).ok());
}

TEST_F(TlsTest, AWrongCaAWrongNameOrPlaintextIsUnavailable) {
  auto wrong_ca = AuthorizationClient(Tls(pki_->other_ca.cert_path)).Authorize(BillsQuery());
  EXPECT_EQ(wrong_ca.status().code(), absl::StatusCode::kUnavailable) << wrong_ca.status();

  ClientOptions wrong_name = Tls(pki_->ca.cert_path);
  wrong_name.tls->server_name = "not-the-server.example";
  auto named = AuthorizationClient(wrong_name).Authorize(BillsQuery());
  EXPECT_EQ(named.status().code(), absl::StatusCode::kUnavailable) << named.status();

  ClientOptions plaintext;
  plaintext.target = server_->address();
  plaintext.timeout = std::chrono::milliseconds(5000);
  auto plain = AuthorizationClient(plaintext).Authorize(BillsQuery());
  EXPECT_EQ(plain.status().code(), absl::StatusCode::kUnavailable) << plain.status();
}

TEST_F(TlsTest, AnExpiredServerCertificateIsUnavailable) {
  ServerProcess expired({"--world", SourcePath("data/demo-world.yaml"), "--tls-cert",
                         pki_->expired_server.cert_path, "--tls-key",
                         pki_->expired_server.key_path});
  ASSERT_TRUE(expired.ok()) << expired.log();
  ClientOptions o = Tls(pki_->ca.cert_path);
  o.target = expired.address();
  auto d = AuthorizationClient(o).Authorize(BillsQuery());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kUnavailable) << d.status();
}

TEST_F(TlsTest, UnreadableOrInvalidFilesAreInvalidArgumentAndNothingIsSent) {
  const std::string missing = *dir_ + "/no-such.crt";
  // A valid certificate followed by 5 MiB of padding: refused by size.
  const std::string huge = *dir_ + "/huge.crt";
  {
    std::ofstream out(huge);
    out << ReadFileOrEmpty(pki_->ca.cert_path) << std::string(5 << 20, '#');
  }
  std::vector<std::pair<std::string, TlsOptions>> cases = {
      {"TLS CA file " + huge + " is larger than", {.ca_file = huge}},
      {"cannot read TLS CA file " + missing, {.ca_file = missing}},
      {"TLS CA file " + pki_->ca.key_path + " holds no PEM certificate",
       {.ca_file = pki_->ca.key_path}},
      {"go together", {.ca_file = pki_->ca.cert_path, .cert_file = pki_->client.cert_path}},
      {"TLS client key " + pki_->client.cert_path + " holds no PEM private key",
       {.ca_file = pki_->ca.cert_path,
        .cert_file = pki_->client.cert_path,
        .key_file = pki_->client.cert_path}},
      {"cannot read TLS client certificate " + missing,
       {.ca_file = pki_->ca.cert_path, .cert_file = missing, .key_file = pki_->client.key_path}},
  };
  for (const auto& [message, tls] : cases) {
    SCOPED_TRACE(message);
    ClientOptions o = Tls("");
    o.tls = tls;
    AuthorizationClient client(o);
    EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(client.status().message(), HasSubstr(message));
    auto d = client.Authorize(BillsQuery());
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << d.status();
    AdminClient admin(o);
    EXPECT_EQ(admin.GetAccount("111111111111").status().code(), absl::StatusCode::kInvalidArgument);
    auto watch = admin.Watch(0);
    pdp::v1::WatchResponse batch;
    EXPECT_FALSE(watch->Next(&batch));
    EXPECT_EQ(watch->Finish().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(MakeChannel(o), nullptr);
  }
  ClientOptions both = Tls(pki_->ca.cert_path);
  both.credentials = grpc::InsecureChannelCredentials();
  EXPECT_EQ(AuthorizationClient(both).status().code(), absl::StatusCode::kInvalidArgument);
}

// `token` goes with AdminService calls, Watch and AuthorizationService's
// WhatIf (which this server guards with its admin token); the deprecated
// admin_token still works.
TEST_F(TlsTest, TheTokenGoesWithEveryKindOfCall) {
  ClientOptions none = Tls(pki_->ca.cert_path);
  EXPECT_EQ(AdminClient(none).GetAccount("111111111111").status().code(),
            absl::StatusCode::kUnauthenticated);

  ClientOptions with_token = Tls(pki_->ca.cert_path);
  with_token.token = kToken;
  AdminClient admin(with_token);
  auto account = admin.GetAccount("111111111111");
  EXPECT_TRUE(account.ok()) << account.status();
  auto watch = admin.Watch(1);
  pdp::v1::WatchResponse batch;
  EXPECT_TRUE(watch->Next(&batch)) << watch->Finish();
  watch->Cancel();

  WhatIfQuery what_if;
  auto unauthenticated = AuthorizationClient(none).WhatIf(what_if);
  EXPECT_EQ(unauthenticated.status().code(), absl::StatusCode::kUnauthenticated);
  auto answered = AuthorizationClient(with_token).WhatIf(what_if);
  EXPECT_TRUE(answered.ok()) << answered.status();

  ClientOptions legacy = Tls(pki_->ca.cert_path);
  legacy.admin_token = kToken;
  EXPECT_TRUE(AdminClient(legacy).GetAccount("111111111111").ok());
  EXPECT_TRUE(AuthorizationClient(legacy).WhatIf(what_if).ok());
}

TEST_F(TlsTest, PdpctlSpeaksTlsWithFlagsOrEnvironment) {
  std::string out;
  EXPECT_EQ(Pdpctl({"--tls-ca", pki_->ca.cert_path, "authorize", kAdmin, "--page", "billing_bills"},
                   &out),
            0)
      << out;
  out.clear();
  EXPECT_EQ(Pdpctl({"authorize", kAdmin, "--page", "billing_bills"}, &out,
                   {"PDP_TLS_CA=" + pki_->ca.cert_path}),
            0)
      << out;
  out.clear();
  EXPECT_EQ(Pdpctl({"--tls-ca", pki_->ca.cert_path, "--tls-server-name", "localhost", "authorize",
                    kAdmin, "--page", "billing_bills"},
                   &out),
            0)
      << out;
}

TEST_F(TlsTest, PdpctlSaysWhyAWrongCaOrPlaintextFails) {
  std::string out;
  EXPECT_EQ(
      Pdpctl({"--tls-ca", pki_->other_ca.cert_path, "authorize", kAdmin, "--page", "billing_bills"},
             &out),
      3)
      << out;
  EXPECT_THAT(out, HasSubstr("UNAVAILABLE"));
  EXPECT_THAT(out, HasSubstr("does --tls-ca hold the CA that signed the server's certificate"));
  out.clear();
  EXPECT_EQ(Pdpctl({"authorize", kAdmin, "--page", "billing_bills"}, &out), 3) << out;
  EXPECT_THAT(out, HasSubstr("UNAVAILABLE"));
  EXPECT_THAT(out, HasSubstr("does it want TLS"));
  out.clear();
  const std::string missing = *dir_ + "/missing-ca.crt";
  EXPECT_EQ(Pdpctl({"--tls-ca", missing, "authorize", kAdmin, "--page", "billing_bills"}, &out), 2)
      << out;
  EXPECT_THAT(out, HasSubstr("cannot read TLS CA file " + missing));
  out.clear();
  EXPECT_EQ(
      Pdpctl({"--tls-cert", pki_->client.cert_path, "authorize", kAdmin, "--page", "billing_bills"},
             &out),
      2)
      << out;
  EXPECT_THAT(out, HasSubstr("go together"));
}

TEST_F(TlsTest, PdpctlSendsTheTokenAndNeverPrintsIt) {
  const std::string wrong = *dir_ + "/wrong.token";
  std::ofstream(wrong) << "not-the-token-xyz\n";
  std::string out;
  // AdminService (watch) with the token from a file, PDP_TOKEN, and the old
  // PDP_ADMIN_TOKEN; a wrong token is refused and not echoed.
  EXPECT_EQ(Pdpctl({"--tls-ca", pki_->ca.cert_path, "--token-file", *token_file_, "watch", "--from",
                    "1", "--count", "1"},
                   &out),
            0)
      << out;
  out.clear();
  EXPECT_EQ(Pdpctl({"--tls-ca", pki_->ca.cert_path, "watch", "--from", "1", "--count", "1"}, &out,
                   {std::string("PDP_TOKEN=") + kToken}),
            0)
      << out;
  out.clear();
  EXPECT_EQ(Pdpctl({"--tls-ca", pki_->ca.cert_path, "watch", "--from", "1", "--count", "1"}, &out,
                   {std::string("PDP_ADMIN_TOKEN=") + kToken}),
            0)
      << out;
  out.clear();
  EXPECT_EQ(Pdpctl({"--tls-ca", pki_->ca.cert_path, "--token-file", wrong, "watch", "--from", "1",
                    "--count", "1"},
                   &out),
            4)  // refused
      << out;
  EXPECT_THAT(out, HasSubstr("UNAUTHENTICATED"));
  EXPECT_THAT(out, Not(HasSubstr("not-the-token-xyz")));
}

// mTLS, client side: the certificate in TlsOptions is presented in the
// handshake. The server here is an in-process gRPC server that requires
// and verifies a client certificate against the test CA and records the
// common name it saw (billing-pdp-server has no --tls-client-ca yet).
class RecordingAuthorization final : public pdp::v1::AuthorizationService::Service {
 public:
  grpc::Status Authorize(grpc::ServerContext* context, const pdp::v1::AuthorizeRequest*,
                         pdp::v1::AuthorizeResponse*) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& cn : context->auth_context()->FindPropertyValues("x509_common_name")) {
      common_names_.emplace_back(cn.data(), cn.size());
    }
    return grpc::Status::OK;
  }
  std::vector<std::string> common_names() {
    std::lock_guard<std::mutex> lock(mu_);
    return common_names_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> common_names_;
};

TEST_F(TlsTest, TheClientCertificateIsPresentedToAServerThatRequiresOne) {
  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = ReadFileOrEmpty(pki_->ca.cert_path);
  ssl.pem_key_cert_pairs.push_back(
      {ReadFileOrEmpty(pki_->server.key_path), ReadFileOrEmpty(pki_->server.cert_path)});
  RecordingAuthorization service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(ssl), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  ASSERT_GT(port, 0);

  ClientOptions o = Tls(pki_->ca.cert_path);
  o.target = "127.0.0.1:" + std::to_string(port);
  auto without = AuthorizationClient(o).Authorize(BillsQuery());
  EXPECT_EQ(without.status().code(), absl::StatusCode::kUnavailable) << without.status();

  o.tls->cert_file = pki_->other_client.cert_path;  // signed by a CA the server does not trust
  o.tls->key_file = pki_->other_client.key_path;
  auto untrusted = AuthorizationClient(o).Authorize(BillsQuery());
  EXPECT_EQ(untrusted.status().code(), absl::StatusCode::kUnavailable) << untrusted.status();
  EXPECT_TRUE(service.common_names().empty());

  o.tls->cert_file = pki_->client.cert_path;
  o.tls->key_file = pki_->client.key_path;
  auto presented = AuthorizationClient(o).Authorize(BillsQuery());
  EXPECT_TRUE(presented.ok()) << presented.status();
  EXPECT_EQ(service.common_names(), std::vector<std::string>{"pdp-test-client"});
  server->Shutdown();
}

}  // namespace
}  // namespace pdp::testing
