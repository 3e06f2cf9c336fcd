// --metrics-listen through a real server: /metrics fetched with a plain
// HTTP GET over a socket, parsed line by line, and the counters compared
// before and after known calls (they must move by exactly those calls);
// addresses the flag must refuse.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "billing_pdp/change_watch.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/server_process.h"
#include "tests/support/test_pki.h"

namespace pdp::testing {
namespace {

using ::testing::HasSubstr;
using Stub = AdminClient::Stub;
using Samples = std::map<std::string, double>;  // "name{labels}" -> value

constexpr char kAllowed[] = "arn:aws:iam::111111111111:user/admin";  // demo world
constexpr char kDenied[] = "arn:aws:iam::222222222222:user/admin";   // IAM access off

// The port of the "metrics on http://HOST:PORT/metrics" line (HOST
// `host`, a regex).
int MetricsPort(const std::string& log, const std::string& host = "127\\.0\\.0\\.1") {
  std::smatch m;
  if (!std::regex_search(log, m, std::regex("metrics on http://" + host + ":([0-9]+)/metrics")))
    return 0;
  return std::stoi(m[1]);
}

// GET /metrics over a plain socket; the whole response, headers included.
std::string HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buf[8192];
      ssize_t n;
      while ((n = read(fd, buf, sizeof(buf))) > 0) response.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return response;
}

// Parses the text exposition; every line must be a comment (# HELP, # TYPE)
// or `name{labels} value`, else the test fails.
Samples Scrape(int port) {
  const std::string response = HttpGet(port, "/metrics");
  EXPECT_THAT(response, ::testing::StartsWith("HTTP/1.1 200")) << response.substr(0, 200);
  const size_t body = response.find("\r\n\r\n");
  EXPECT_NE(body, std::string::npos);
  Samples samples;
  if (body == std::string::npos) return samples;
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*",?)*\})?) ([-+0-9.eE]+|Nan|NaN|\+Inf|-Inf))");
  static const std::regex kComment(R"(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*)");
  for (absl::string_view line : absl::StrSplit(response.substr(body + 4), '\n')) {
    if (line.empty()) continue;
    const std::string text(line);
    std::smatch m;
    if (std::regex_match(text, kComment)) continue;
    if (!std::regex_match(text, m, kSample)) {
      ADD_FAILURE() << "not exposition format: " << text;
      continue;
    }
    double value = 0;
    if (absl::SimpleAtod(m[4].str(), &value)) samples[m[1]] = value;
  }
  return samples;
}

double Get(const Samples& s, const std::string& key) {
  auto it = s.find(key);
  return it == s.end() ? 0 : it->second;
}

std::string Rpc(const std::string& service, const std::string& method, const std::string& code) {
  return "billing_pdp_rpcs_total{code=\"" + code + "\",method=\"" + method + "\",service=\"" +
         service + "\"}";
}
constexpr char kAuthz[] = "pdp.v1.AuthorizationService";
constexpr char kAdmin[] = "pdp.v1.AdminService";

TEST(MetricsE2eTest, CountersMoveByExactlyTheCallsMade) {
  ServerProcess server(
      {"--world", SourcePath("data/demo-world.yaml"), "--metrics-listen", "127.0.0.1:0"});
  ASSERT_TRUE(server.ok()) << server.log();
  const int port = MetricsPort(server.log());
  ASSERT_GT(port, 0) << server.log();
  ClientOptions options;
  options.target = server.address();
  options.timeout = std::chrono::milliseconds(10000);
  AuthorizationClient authz(options);
  AdminClient admin(options);

  const Samples before = Scrape(port);
  EXPECT_EQ(Get(before, "billing_pdp_revision"), 1);
  EXPECT_EQ(Get(before, "billing_pdp_world_objects{kind=\"account\"}"), 3);
  EXPECT_EQ(Get(before, "billing_pdp_watch_streams"), 0);
  EXPECT_EQ(Get(before, "billing_pdp_staleness_seconds"), 0);

  auto allow = authz.Authorize(PageQuery{kAllowed, "billing_bills"});
  ASSERT_TRUE(allow.ok()) << allow.status();
  ASSERT_TRUE(allow->allowed);
  auto deny = authz.Authorize(PageQuery{kDenied, "billing_bills"});
  ASSERT_TRUE(deny.ok()) << deny.status();
  ASSERT_EQ(deny->reason, pdp::v1::IAM_ACCESS_NOT_ACTIVATED);
  auto bad = authz.Authorize(PageQuery{"not-an-arn", "billing_bills"});
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  auto batch = authz.BatchAuthorize({PageQuery{kAllowed, "billing_bills"},
                                     PageQuery{kAllowed, "billing_home"},
                                     PageQuery{kDenied, "billing_bills"}});
  ASSERT_TRUE(batch.ok()) << batch.status();
  pdp::v1::CreateAccountRequest create;
  create.mutable_account()->set_id("444444444444");
  create.mutable_account()->set_name("metrics");
  auto created = admin.Call(&Stub::CreateAccount, create);
  ASSERT_TRUE(created.ok()) << created.status();
  pdp::v1::GetRequest missing;
  missing.set_name("999999999999");
  ASSERT_EQ(admin.Call(&Stub::GetAccount, missing).status().code(), absl::StatusCode::kNotFound);
  // The streamed method counts itself too (once per call, not per message).
  auto any = [](const pdp::v1::AccessMatrixResponse&) { return true; };
  ASSERT_TRUE(authz.AccessMatrix(AccessMatrixQuery{.account_id = "111111111111"}, any).ok());
  ASSERT_EQ(authz.AccessMatrix(AccessMatrixQuery{.account_id = "999999999999"}, any).code(),
            absl::StatusCode::kNotFound);

  const Samples after = Scrape(port);
  auto moved = [&](const std::string& key) { return Get(after, key) - Get(before, key); };
  EXPECT_EQ(moved(Rpc(kAuthz, "Authorize", "OK")), 2);
  EXPECT_EQ(moved(Rpc(kAuthz, "Authorize", "INVALID_ARGUMENT")), 1);
  EXPECT_EQ(moved(Rpc(kAuthz, "BatchAuthorize", "OK")), 1);
  EXPECT_EQ(moved(Rpc(kAdmin, "CreateAccount", "OK")), 1);
  EXPECT_EQ(moved(Rpc(kAdmin, "GetAccount", "NOT_FOUND")), 1);
  EXPECT_EQ(moved(Rpc(kAuthz, "AccessMatrix", "OK")), 1);
  EXPECT_EQ(moved(Rpc(kAuthz, "AccessMatrix", "NOT_FOUND")), 1);
  // Every call timed once, errors included.
  const std::string authorize_latency =
      "billing_pdp_rpc_duration_seconds_count{method=\"Authorize\",service=\"" +
      std::string(kAuthz) + "\"}";
  EXPECT_EQ(moved(authorize_latency), 3);
  EXPECT_EQ(Get(after, "billing_pdp_rpc_duration_seconds_bucket{method=\"Authorize\",service=\"" +
                           std::string(kAuthz) + "\",le=\"+Inf\"}"),
            Get(after, authorize_latency));
  EXPECT_EQ(moved("billing_pdp_decisions_total{effect=\"ALLOW\",method=\"Authorize\",reason="
                  "\"ALLOWED_BY_POLICY\"}"),
            1);
  EXPECT_EQ(moved("billing_pdp_decisions_total{effect=\"DENY\",method=\"Authorize\",reason="
                  "\"IAM_ACCESS_NOT_ACTIVATED\"}"),
            1);
  EXPECT_EQ(moved("billing_pdp_decisions_total{effect=\"ALLOW\",method=\"BatchAuthorize\","
                  "reason=\"ALLOWED_BY_POLICY\"}"),
            2);
  EXPECT_EQ(moved("billing_pdp_decisions_total{effect=\"DENY\",method=\"BatchAuthorize\","
                  "reason=\"IAM_ACCESS_NOT_ACTIVATED\"}"),
            1);
  EXPECT_EQ(moved("billing_pdp_store_commit_duration_seconds_count"), 1);
  EXPECT_EQ(moved("billing_pdp_store_commit_failures_total"), 0);
  EXPECT_EQ(Get(after, "billing_pdp_revision"), 2);
  EXPECT_EQ(Get(after, "billing_pdp_world_objects{kind=\"account\"}"), 4);
  // No label carries a principal or anything else from a request.
  for (const auto& [key, value] : after) {
    EXPECT_THAT(key, ::testing::Not(HasSubstr("arn:"))) << key;
    EXPECT_THAT(key, ::testing::Not(HasSubstr("not-an-arn"))) << key;
  }
}

TEST(MetricsE2eTest, WatchStreamsAreGaugedWhileOpenAndCountedWhenTheyEnd) {
  ServerProcess server(
      {"--world", SourcePath("data/demo-world.yaml"), "--metrics-listen", "127.0.0.1:0"});
  ASSERT_TRUE(server.ok()) << server.log();
  const int port = MetricsPort(server.log());
  ASSERT_GT(port, 0) << server.log();
  ClientOptions options;
  options.target = server.address();
  options.timeout = std::chrono::milliseconds(10000);
  const std::string ended = "billing_pdp_rpc_duration_seconds_count{method=\"Watch\",service=\"" +
                            std::string(kAdmin) + "\"}";
  std::unique_ptr<ChangeWatch> watch = AdminClient(options).Watch(1);
  pdp::v1::WatchResponse batch;
  ASSERT_TRUE(watch->Next(&batch)) << watch->Finish();  // the stream is open on the server
  Samples open = Scrape(port);
  EXPECT_EQ(Get(open, "billing_pdp_watch_streams"), 1);
  EXPECT_EQ(Get(open, ended), 0);
  EXPECT_EQ(watch->Finish().code(), absl::StatusCode::kCancelled);
  // The server notices the cancellation within 100 ms; poll for it.
  Samples closed;
  for (int i = 0; i < 100; ++i) {
    closed = Scrape(port);
    if (Get(closed, ended) == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(Get(closed, ended), 1);
  EXPECT_EQ(Get(closed, "billing_pdp_watch_streams"), 0);
  EXPECT_EQ(Get(closed, Rpc(kAdmin, "Watch", "CANCELLED")), 1);
}

TEST(MetricsE2eTest, CallsRefusedBeforeAnyHandlerAreCounted) {
  const std::string token_path =
      ::testing::TempDir() + "/metrics-token-" + std::to_string(getpid());
  std::ofstream(token_path) << "metrics-e2e-admin-token-0123456789\n";
  ServerProcess server({"--admin-token-file", token_path, "--metrics-listen", "127.0.0.1:0"});
  ASSERT_TRUE(server.ok()) << server.log();
  const int port = MetricsPort(server.log());
  ASSERT_GT(port, 0) << server.log();
  ClientOptions options;
  options.target = server.address();
  options.token = "a-token-no-caller-has-0123456789";
  pdp::v1::CreateAccountRequest create;
  create.mutable_account()->set_id("444444444444");
  const Samples before = Scrape(port);
  ASSERT_EQ(AdminClient(options).Call(&Stub::CreateAccount, create).status().code(),
            absl::StatusCode::kUnauthenticated);
  const Samples after = Scrape(port);
  EXPECT_EQ(Get(after, Rpc(kAdmin, "CreateAccount", "UNAUTHENTICATED")) -
                Get(before, Rpc(kAdmin, "CreateAccount", "UNAUTHENTICATED")),
            1);
  std::remove(token_path.c_str());
}

int RunServer(const std::string& metrics_listen, std::string* output) {
  return RunCommand({"/usr/bin/timeout", "20", BinaryPath("server/billing-pdp-server"), "--listen",
                     "127.0.0.1:0", "--metrics-listen", metrics_listen},
                    output);
}

TEST(MetricsE2eTest, ANonLoopbackAddressWithoutTlsIsRefused) {
  for (const char* address : {"0.0.0.0:0", "10.1.2.3:9464"}) {
    std::string output;
    EXPECT_EQ(RunServer(address, &output), 2) << output;
    // The reason is the "fatal" log line's msg, quotes escaped (text form).
    EXPECT_THAT(output, HasSubstr("refusing to serve metrics on \\\"" + std::string(address) +
                                  "\\\" on a server without TLS"));
  }
}

TEST(MetricsE2eTest, AnyAddressIsServedOnAServerWithTls) {
  const std::string dir = ::testing::TempDir() + "/metrics-tls-" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  absl::StatusOr<TestPki> pki = MakeTestPki(dir);
  ASSERT_TRUE(pki.ok()) << pki.status();
  const std::string token = dir + "/admin.token";
  std::ofstream(token) << "metrics-e2e-admin-token-0123456789\n";
  {
    ServerProcess server({"--tls-cert", pki->server.cert_path, "--tls-key", pki->server.key_path,
                          "--admin-token-file", token, "--metrics-listen", "0.0.0.0:0"});
    ASSERT_TRUE(server.ok()) << server.log();
    const int port = MetricsPort(server.log(), "0\\.0\\.0\\.0");
    ASSERT_GT(port, 0) << server.log();
    EXPECT_EQ(Get(Scrape(port), "billing_pdp_revision"), 0);
  }
  std::filesystem::remove_all(dir);
}

TEST(MetricsE2eTest, MalformedAddressesAreRefused) {
  const std::pair<const char*, const char*> cases[] = {
      {"localhost:9464", "host names are not accepted"},
      {"127.0.0.1", "has no :PORT"},
      {"127.0.0.1:65536", "has no valid port"},
      {"unix:/tmp/metrics.sock", "has no valid port"},
      {"[::1]:9464", "is an IPv6 address"},
  };
  for (const auto& [address, why] : cases) {
    std::string output;
    EXPECT_EQ(RunServer(address, &output), 2) << output;
    EXPECT_THAT(output, HasSubstr(why)) << address;
  }
}

TEST(MetricsE2eTest, APortInUseIsAStartUpError) {
  ServerProcess first({"--metrics-listen", "127.0.0.1:0"});
  ASSERT_TRUE(first.ok()) << first.log();
  const int port = MetricsPort(first.log());
  ASSERT_GT(port, 0);
  std::string output;
  EXPECT_EQ(RunServer("127.0.0.1:" + std::to_string(port), &output), 2) << output;
  EXPECT_THAT(output, HasSubstr("cannot serve metrics on 127.0.0.1:" + std::to_string(port)));
}

}  // namespace
}  // namespace pdp::testing
