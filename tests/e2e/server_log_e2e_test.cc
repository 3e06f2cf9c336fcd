// The server's log (stderr) through a real server: in JSON every line
// parses and carries time, level, event and msg; the start-up, write,
// refused-call and shutdown lines carry their fields; a DENY is not a
// refused call; a flood of refused calls is cut to the rate limit and every
// call left out is counted; no token, raw or hashed, ever appears; the text
// form reads as key=value pairs; bad flag values refuse to start.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/app/caller_registry.h"
#include "server/log/logger.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

constexpr char kAdminToken[] = "log-admin-token-0123456789";
constexpr char kReaderToken[] = "log-reader-token-0123456789";
constexpr char kWrongToken[] = "log-wrong-token-0123456789";
constexpr char kCarol[] = "arn:aws:iam::111111111111:user/carol";  // denied billing_bills

std::vector<Json> JsonLines(const std::string& log) {
  std::vector<Json> out;
  for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
    if (j.is_discarded()) continue;
    EXPECT_TRUE(std::regex_match(j.value("time", ""),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
        << line;
    EXPECT_THAT(j.value("level", ""), ::testing::AnyOf("debug", "info", "warning", "error"));
    EXPECT_FALSE(j.value("event", "").empty()) << line;
    EXPECT_TRUE(j.contains("msg")) << line;
    out.push_back(std::move(j));
  }
  return out;
}

std::vector<Json> Events(const std::vector<Json>& lines, const std::string& event) {
  std::vector<Json> out;
  for (const Json& j : lines) {
    if (j["event"] == event) out.push_back(j);
  }
  return out;
}

class ServerLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/server-log-e2e-" + std::to_string(getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ + "/admin.token") << kAdminToken << "\n";
    std::ofstream(dir_ + "/callers.yaml")
        << "callers:\n  - name: svc\n    role: reader\n"
        << "    token_sha256: " << TokenSha256Hex(kReaderToken) << "\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<std::string> SecuredFlags() const {
    return {"--world",
            SourcePath("data/demo-world.yaml"),
            "--admin-token-file",
            dir_ + "/admin.token",
            "--callers-file",
            dir_ + "/callers.yaml",
            "--require-auth",
            "true"};
  }

  ClientOptions Options(const ServerProcess& server, const std::string& token) const {
    ClientOptions options;
    options.target = server.address();
    options.token = token;
    return options;
  }

  std::string dir_;
};

TEST_F(ServerLogTest, JsonLinesCarryEachEventAndNeverAToken) {
  std::vector<std::string> flags = SecuredFlags();
  flags.insert(flags.end(), {"--log-format", "json", "--store", "sqlite:" + dir_ + "/state.db"});
  ServerProcess server(flags);
  ASSERT_TRUE(server.ok()) << server.log();
  AdminClient admin(Options(server, kAdminToken));
  AdminClient reader_admin(Options(server, kReaderToken));
  AuthorizationClient reader(Options(server, kReaderToken));
  AuthorizationClient stranger(Options(server, kWrongToken));

  pdp::v1::Change create;
  create.mutable_create_account()->mutable_account()->set_id("444444444444");
  auto applied = admin.ApplyChanges({create}, "log-test-1");
  ASSERT_TRUE(applied.ok()) << applied.status();
  // Refused: a reader writing (before any handler), a token no caller has,
  // a malformed request (AuthorizationService's own exit), an account that
  // does not exist (an AdminService handler).
  EXPECT_EQ(reader_admin.ApplyChanges({create}).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(stranger.Authorize(PageQuery{.principal = kCarol, .page_id = "billing_bills"})
                .status()
                .code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(
      reader.Authorize(PageQuery{.principal = kCarol, .page_id = "no_such_page"}).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(admin.GetAccount("999999999999").status().code(), absl::StatusCode::kNotFound);
  // Answered: an ALLOW and a DENY are not refusals.
  auto denied = reader.Authorize(PageQuery{.principal = kCarol, .page_id = "billing_bills"});
  ASSERT_TRUE(denied.ok()) << denied.status();
  EXPECT_FALSE(denied->allowed);
  ASSERT_TRUE(admin.GetAccount("444444444444").ok());
  ASSERT_EQ(server.Stop(SIGTERM), 0);

  const std::string log = server.log();
  std::vector<Json> lines = JsonLines(log);

  std::vector<Json> listening = Events(lines, "listening");
  ASSERT_EQ(listening.size(), 1u) << log;
  EXPECT_EQ(listening[0]["address"], server.address());
  EXPECT_EQ(listening[0]["tls"], "off");
  EXPECT_EQ(listening[0]["auth"], "required");
  EXPECT_EQ(listening[0]["callers"], 2);
  EXPECT_EQ(listening[0]["store"], "sqlite:" + dir_ + "/state.db");
  EXPECT_FALSE(listening[0].value("version", "").empty());
  EXPECT_EQ(listening[0]["level"], "info");

  std::vector<Json> writes = Events(lines, "write");
  ASSERT_EQ(writes.size(), 2u) << log;  // the --world batch, then ours
  EXPECT_EQ(writes[0]["revision"], 1);
  EXPECT_EQ(writes[0]["caller"], "billing-pdp-server --world");
  const Json& ours = writes[1];
  EXPECT_EQ(ours["caller"], "admin");
  EXPECT_EQ(ours["role"], "admin");
  EXPECT_EQ(ours["method"], "/pdp.v1.AdminService/ApplyChanges");
  EXPECT_EQ(ours["request_id"], "log-test-1");
  EXPECT_EQ(ours["revision"], applied->revision());
  EXPECT_EQ(ours["changes"], 1);
  EXPECT_EQ(ours["kinds"], "create_account:1");

  std::vector<Json> refused = Events(lines, "refused");
  ASSERT_EQ(refused.size(), 4u) << log;
  auto find = [&](const std::string& method, const std::string& code) -> Json {
    for (const Json& j : refused) {
      if (j["method"] == method && j["code"] == code) return j;
    }
    ADD_FAILURE() << "no refused line for " << method << " " << code << "\n" << log;
    return Json::object();
  };
  Json permission = find("/pdp.v1.AdminService/ApplyChanges", "PERMISSION_DENIED");
  EXPECT_EQ(permission.value("level", ""), "warning");
  EXPECT_THAT(permission.value("msg", ""), HasSubstr("svc"));
  Json unauthenticated = find("/pdp.v1.AuthorizationService/Authorize", "UNAUTHENTICATED");
  EXPECT_EQ(unauthenticated.value("reason", ""), "BAD_CREDENTIALS");
  Json invalid = find("/pdp.v1.AuthorizationService/Authorize", "INVALID_ARGUMENT");
  EXPECT_EQ(invalid.value("level", ""), "info");
  EXPECT_THAT(invalid.value("msg", ""), HasSubstr("no_such_page"));
  EXPECT_THAT(invalid.value("peer", ""), HasSubstr("127.0.0.1"));
  Json missing = find("/pdp.v1.AdminService/GetAccount", "NOT_FOUND");
  EXPECT_THAT(missing.value("peer", ""), HasSubstr("127.0.0.1"));

  std::vector<Json> shutdown = Events(lines, "shutdown");
  ASSERT_EQ(shutdown.size(), 1u) << log;
  EXPECT_EQ(shutdown[0]["reason"], "SIGTERM");
  EXPECT_TRUE(shutdown[0]["duration_ms"].is_number_integer());
  EXPECT_TRUE(shutdown[0]["uptime_s"].is_number_integer());
  EXPECT_EQ(lines.back()["event"], "shutdown");

  // No credential, as sent or as the callers file holds it.
  for (const char* token : {kAdminToken, kReaderToken, kWrongToken}) {
    EXPECT_THAT(log, Not(HasSubstr(token)));
    EXPECT_THAT(log, Not(HasSubstr(TokenSha256Hex(token))));
  }
  EXPECT_THAT(log, Not(HasSubstr("Bearer")));
}

TEST_F(ServerLogTest, AFloodOfRefusedCallsIsCutToTheLimitAndCounted) {
  std::vector<std::string> flags = SecuredFlags();
  flags.insert(flags.end(), {"--log-format", "json"});
  ServerProcess server(flags);
  ASSERT_TRUE(server.ok()) << server.log();
  AuthorizationClient stranger(Options(server, kWrongToken));
  AdminClient admin(Options(server, kAdminToken));
  constexpr int kCalls = 300;
  const absl::Time start = absl::Now();
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_EQ(stranger.Authorize(PageQuery{.principal = kCarol, .page_id = "billing_bills"})
                  .status()
                  .code(),
              absl::StatusCode::kUnauthenticated);
  }
  // Another kind keeps its own budget: a refused admin call is still said.
  EXPECT_EQ(admin.GetAccount("999999999999").status().code(), absl::StatusCode::kNotFound);
  const absl::Duration took = absl::Now() - start;
  ASSERT_EQ(server.Stop(SIGTERM), 0);
  const std::string log = server.log();
  std::vector<Json> lines = JsonLines(log);
  int64_t logged = 0, suppressed = 0, admin_refused = 0;
  for (const Json& j : lines) {
    if (j["event"] == "refused" && j["method"] == "/pdp.v1.AuthorizationService/Authorize") {
      ++logged;
    } else if (j["event"] == "refused") {
      ++admin_refused;
    } else if (j["event"] == "suppressed") {
      EXPECT_EQ(j["kind"], "refused/AuthorizationService");
      suppressed += j["count"].get<int64_t>();
    }
  }
  // Every refused call is either a line or counted in a "suppressed" line.
  EXPECT_EQ(logged + suppressed, kCalls) << log;
  const int64_t windows = absl::ToInt64Seconds(took) + 2;
  EXPECT_LE(logged, windows * log::kLimitedLinesPerSecond) << "took " << took;
  // 300 calls in well under 7.5 s exceed 20 a second in some second.
  if (took < absl::Seconds(kCalls / (2 * log::kLimitedLinesPerSecond))) {
    EXPECT_GT(suppressed, 0);
  }
  EXPECT_EQ(admin_refused, 1) << log;
}

TEST_F(ServerLogTest, TextLinesAreKeyValuePairs) {
  ServerProcess server({"--world", SourcePath("data/demo-world.yaml")});
  ASSERT_TRUE(server.ok()) << server.log();
  AdminClient admin(Options(server, ""));
  pdp::v1::Change create;
  create.mutable_create_account()->mutable_account()->set_id("444444444444");
  create.mutable_create_account()->mutable_account()->set_name("a name with spaces");
  ASSERT_TRUE(admin.ApplyChanges({create}, "text-1").ok());
  ASSERT_EQ(server.Stop(SIGTERM), 0);
  const std::string log = server.log();
  const std::regex pair_line(
      R"(time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=(debug|info|warning|error) )"
      R"(event=[a-z_]+ msg="?.*)");
  int count = 0;
  for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    EXPECT_TRUE(std::regex_match(std::string(line), pair_line)) << line;
    ++count;
  }
  EXPECT_GE(count, 4);
  EXPECT_THAT(
      log, HasSubstr("event=listening msg=\"billing-pdp-server listening on " + server.address()));
  EXPECT_THAT(log, HasSubstr("event=write "));
  EXPECT_THAT(log, HasSubstr(" caller=local role=admin method=/pdp.v1.AdminService/ApplyChanges"));
  EXPECT_THAT(log, HasSubstr(" request_id=text-1 revision=2 changes=1 kinds=create_account:1\n"));
  EXPECT_THAT(log, HasSubstr("event=shutdown msg="));
  // A name is not logged by a write line at all (only kinds).
  EXPECT_THAT(log, Not(HasSubstr("a name with spaces")));
}

TEST_F(ServerLogTest, GrpcsOwnLinesAreServerLogLines) {
  // gRPC's debug lines (it says which poller it uses) in the server only:
  // the variable is read by the child's gRPC at start-up.
  setenv("GRPC_VERBOSITY", "debug", 1);
  ServerProcess server({"--log-format", "json", "--log-level", "debug"});
  unsetenv("GRPC_VERBOSITY");
  ASSERT_TRUE(server.ok()) << server.log();
  ASSERT_EQ(server.Stop(SIGTERM), 0);
  std::vector<Json> grpc = Events(JsonLines(server.log()), "grpc");  // every line JSON
  ASSERT_FALSE(grpc.empty()) << server.log();
  EXPECT_FALSE(grpc[0].value("file", "").empty());
  EXPECT_TRUE(grpc[0]["line"].is_number_integer());
}

TEST_F(ServerLogTest, TheLevelFiltersAndBadValuesRefuseToStart) {
  ServerProcess quiet({"--log-level", "warning", "--log-format", "json"});
  // The start-up line is written whatever the level: scripts wait for it.
  ASSERT_TRUE(quiet.ok()) << quiet.log();
  ASSERT_EQ(quiet.Stop(SIGTERM), 0);
  std::vector<Json> lines = JsonLines(quiet.log());
  ASSERT_GE(lines.size(), 3u) << quiet.log();
  for (const Json& j : lines) {
    if (j["event"] == "listening" || j["event"] == "shutdown") continue;
    EXPECT_NE(j["level"], "info") << j.dump();  // "stopping", "recovered": left out
  }
  EXPECT_EQ(Events(lines, "no_callers").size(), 1u);  // a warning: kept

  std::string output;
  EXPECT_EQ(RunCommand({BinaryPath("server/billing-pdp-server"), "--log-format", "xml"}, &output),
            2);
  EXPECT_THAT(output, HasSubstr("--log-format must be text or json, not \"xml\""));
  output.clear();
  EXPECT_EQ(
      RunCommand({BinaryPath("server/billing-pdp-server"), "--log-level", "verbose"}, &output), 2);
  EXPECT_THAT(output, HasSubstr("--log-level must be debug, info, warning or error"));
}

}  // namespace
}  // namespace pdp::testing
