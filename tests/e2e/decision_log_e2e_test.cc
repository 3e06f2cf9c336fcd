// The decision log through a real server: one JSON line per decision with
// what was asked and answered, errors too, never the request context;
// sampling keeps about the share asked; bad flags refuse to start.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "billing_pdp/authorization_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kDave[] = "arn:aws:iam::111111111111:user/dave";
constexpr char kCarol[] = "arn:aws:iam::111111111111:user/carol";

std::vector<nlohmann::json> Lines(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
  return out;
}

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/" + name + "-" + std::to_string(getpid());
}

TEST(DecisionLogTest, EveryDecisionIsALineAndTheContextIsNeverLogged) {
  const std::string path = TempPath("decisions.jsonl");
  std::filesystem::remove(path);
  {
    ServerProcess server({"--world", SourcePath("data/demo-world.yaml"), "--decision-log", path});
    ASSERT_TRUE(server.ok()) << server.log();
    ClientOptions options;
    options.target = server.address();
    AuthorizationClient client(options);
    PageQuery allowed{.principal = kDave, .page_id = "billing_bills"};
    allowed.context["aws:SourceIp"] = {"203.0.113.77"};
    ASSERT_TRUE(client.Authorize(allowed).ok());
    ASSERT_TRUE(client.Authorize(PageQuery{.principal = kCarol, .page_id = "billing_bills"}).ok());
    EXPECT_FALSE(client.Authorize(PageQuery{.principal = kDave, .page_id = "nope"}).ok());
    auto batch =
        client.BatchAuthorize({ActionQuery{.principal = kDave, .action = "aws-portal:ViewBilling"},
                               PageQuery{.principal = kCarol, .page_id = "billing_bills"}});
    ASSERT_TRUE(batch.ok());
    ASSERT_EQ(server.Stop(SIGTERM), 0);  // writes what is queued
  }
  std::vector<nlohmann::json> lines = Lines(path);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0]["principal"], kDave);
  EXPECT_EQ(lines[0]["page"], "billing_bills");
  EXPECT_EQ(lines[0]["access"], "VIEW");
  EXPECT_EQ(lines[0]["effect"], "ALLOW");
  EXPECT_EQ(lines[0]["revision"], 1);
  EXPECT_TRUE(lines[0]["latency_us"].is_number());
  EXPECT_TRUE(lines[0]["time"].get<std::string>().ends_with("Z"));
  EXPECT_EQ(lines[1]["principal"], kCarol);
  EXPECT_EQ(lines[1]["effect"], "DENY");
  EXPECT_FALSE(lines[1]["reason"].get<std::string>().empty());
  EXPECT_THAT(lines[2]["error"].get<std::string>(), HasSubstr("INVALID_ARGUMENT"));
  EXPECT_FALSE(lines[2].contains("effect"));
  EXPECT_EQ(lines[3]["action"], "aws-portal:ViewBilling");
  EXPECT_EQ(lines[4]["principal"], kCarol);
  std::ifstream raw(path);
  std::string all((std::istreambuf_iterator<char>(raw)), std::istreambuf_iterator<char>());
  EXPECT_THAT(all, ::testing::Not(HasSubstr("203.0.113.77")));
  std::filesystem::remove(path);
}

TEST(DecisionLogTest, SamplingKeepsAboutTheShareAsked) {
  const std::string path = TempPath("sampled.jsonl");
  std::filesystem::remove(path);
  {
    ServerProcess server({"--world", SourcePath("data/demo-world.yaml"), "--decision-log", path,
                          "--decision-log-sample", "0.25"});
    ASSERT_TRUE(server.ok()) << server.log();
    ClientOptions options;
    options.target = server.address();
    AuthorizationClient client(options);
    for (int i = 0; i < 800; ++i) {
      ASSERT_TRUE(client.Authorize(PageQuery{.principal = kDave, .page_id = "billing_bills"}).ok());
    }
    ASSERT_EQ(server.Stop(SIGTERM), 0);
  }
  // Binomial(800, 0.25): mean 200, standard deviation about 12; these bounds
  // are more than 6 deviations away.
  const size_t kept = Lines(path).size();
  EXPECT_GT(kept, 120u);
  EXPECT_LT(kept, 280u);
  std::filesystem::remove(path);
}

TEST(DecisionLogTest, BadSettingsRefuseToStart) {
  const std::string server = BinaryPath("server/billing-pdp-server");
  std::string out;
  for (const char* rate : {"0", "1.5", "-1", "half"}) {
    out.clear();
    EXPECT_EQ(RunCommand({server, "--listen", "127.0.0.1:0", "--decision-log", "-",
                          "--decision-log-sample", rate},
                         &out),
              2)
        << rate;
    EXPECT_THAT(out, HasSubstr("--decision-log-sample")) << rate;
  }
  out.clear();
  EXPECT_EQ(RunCommand({server, "--listen", "127.0.0.1:0", "--decision-log",
                        "/nonexistent-dir/decisions.jsonl"},
                       &out),
            2);
  EXPECT_THAT(out, HasSubstr("cannot open the decision log"));
}

}  // namespace
}  // namespace pdp::testing
