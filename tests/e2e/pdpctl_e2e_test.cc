// billing-pdp-server and pdpctl as a user runs them: load the demo world,
// ask questions, hit the "IAM access is off" wall, fix it as root.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/pdpctl.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

constexpr char kAdmin2[] = "arn:aws:iam::222222222222:user/admin";

// The server starts empty: the test loads the world with pdpctl.
class PdpctlTest : public PdpctlServerTest {};

TEST_F(PdpctlTest, WalksTheReadmeStory) {
  std::string out;
  ASSERT_EQ(Pdpctl({"apply", SourcePath("data/demo-world.yaml")}, &out), 0) << out;
  EXPECT_NE(out.find("revision 1"), std::string::npos) << out;

  // Applying the same world again is accepted and changes nothing: no new
  // revision.
  ASSERT_EQ(Pdpctl({"apply", SourcePath("data/demo-world.yaml")}, &out), 0) << out;
  EXPECT_NE(out.find("nothing to change"), std::string::npos) << out;
  EXPECT_NE(out.find("at revision 1"), std::string::npos) << out;

  // Admin of an activated account: ALLOW, exit 0.
  EXPECT_EQ(Pdpctl({"authorize", "arn:aws:iam::111111111111:user/admin", "--page", "billing_bills"},
                   &out),
            0)
      << out;
  EXPECT_NE(out.find("ALLOW (ALLOWED_BY_POLICY)"), std::string::npos) << out;

  // Admin where IAM access is off: DENY, exit 1.
  EXPECT_EQ(Pdpctl({"authorize", kAdmin2, "--page", "billing_bills"}, &out), 1) << out;
  EXPECT_NE(out.find("IAM_ACCESS_NOT_ACTIVATED"), std::string::npos) << out;

  // The admin cannot turn it on: only root can.
  EXPECT_EQ(Pdpctl({"settings", "set-iam-access", "222222222222", "on", "--actor", kAdmin2}, &out),
            4)
      << out;
  EXPECT_NE(out.find("ROOT_USER_REQUIRED"), std::string::npos) << out;
  EXPECT_EQ(Pdpctl({"authorize", kAdmin2, "--page", "billing_bills"}, &out), 1) << out;

  // Root turns it on; now the admin gets in.
  EXPECT_EQ(Pdpctl({"settings", "set-iam-access", "222222222222", "on", "--actor",
                    "arn:aws:iam::222222222222:root"},
                   &out),
            0)
      << out;
  EXPECT_EQ(Pdpctl({"authorize", kAdmin2, "--page", "billing_bills", "--output", "json"}, &out), 0)
      << out;
  auto json = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << out;
  EXPECT_EQ(json["effect"], "ALLOW");
  EXPECT_EQ(json["reason"], "ALLOWED_BY_POLICY");
}

TEST_F(PdpctlTest, ExplainPagesAndErrors) {
  std::string out;
  ASSERT_EQ(Pdpctl({"apply", SourcePath("data/demo-world.yaml")}, &out), 0) << out;

  EXPECT_EQ(Pdpctl({"explain", "arn:aws:iam::111111111111:user/auditor-bob", "--page",
                    "billing_payment_methods"},
                   &out),
            0)
      << out;
  EXPECT_NE(out.find("EXPLICIT_DENY"), std::string::npos) << out;
  EXPECT_NE(out.find("arn:aws:iam::111111111111:policy/DenyPaymentMethods"), std::string::npos)
      << out;
  EXPECT_NE(out.find("identity_policies"), std::string::npos) << out;

  EXPECT_EQ(Pdpctl({"pages", "arn:aws:iam::111111111111:user/carol"}, &out), 0) << out;
  EXPECT_NE(out.find("(0 pages"), std::string::npos) << out;
  EXPECT_EQ(Pdpctl({"pages", "arn:aws:iam::111111111111:root", "--output", "json"}, &out), 0);
  auto pages = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(pages.is_discarded()) << out;
  EXPECT_EQ(pages["pages"].size(), 42u);

  // Raw action.
  EXPECT_EQ(Pdpctl({"authorize", "arn:aws:iam::111111111111:user/carol", "--action",
                    "ce:GetCostAndUsage"},
                   &out),
            1)
      << out;
  EXPECT_NE(out.find("IMPLICIT_DENY"), std::string::npos);

  // Bad input: exit 2 with the field named.
  EXPECT_EQ(Pdpctl({"authorize", "not-an-arn", "--page", "billing_bills"}, &out), 2) << out;
  EXPECT_NE(out.find("principal"), std::string::npos) << out;
  EXPECT_EQ(Pdpctl({"authorize", "arn:aws:iam::111111111111:root", "--page", "no_such_page"}, &out),
            2);
  EXPECT_NE(out.find("page.page_id"), std::string::npos) << out;
  EXPECT_EQ(Pdpctl({"frobnicate"}, &out), 2);
  EXPECT_EQ(Pdpctl({"authorize", "arn:aws:iam::111111111111:root"}, &out), 2);
}

// Every file under examples/ that the README names, run as the README runs
// it, so the walk-through cannot point at a missing or broken file.
class ReadmeExamplesTest : public PdpctlTest {
 protected:
  void SetUp() override {
    PdpctlTest::SetUp();
    std::string out;
    ASSERT_EQ(Pdpctl({"apply", SourcePath("data/demo-world.yaml")}, &out), 0) << out;
  }
};

// The example files the README names (examples/NAME), in order of mention.
std::vector<std::string> ReadmeExampleFiles() {
  std::ifstream in(SourcePath("README.md"));
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  std::vector<std::string> names;
  std::regex file(R"((^|[\s`(])examples/([A-Za-z0-9_.-]+\.(json|yaml)))");
  for (auto it = std::sregex_iterator(readme.begin(), readme.end(), file);
       it != std::sregex_iterator(); ++it) {
    names.push_back((*it)[2].str());
  }
  return names;
}

TEST(ReadmeExamples, EveryFileTheReadmeNamesExistsAndIsTestedHere) {
  const std::set<std::string> tested = {"deny-billing.json", "iam-on.json", "grant.json",
                                        "decision-tests.json"};
  std::vector<std::string> named = ReadmeExampleFiles();
  EXPECT_EQ(std::set<std::string>(named.begin(), named.end()), tested)
      << "a README example file is not exercised by ReadmeExamplesTest (or the README stopped "
         "naming one)";
  for (const std::string& name : named) {
    EXPECT_TRUE(std::ifstream(SourcePath("examples/" + name)).good()) << name;
  }
}

TEST_F(ReadmeExamplesTest, WhatIfIamOn) {
  std::string out;
  ASSERT_EQ(Pdpctl({"what-if", SourcePath("examples/iam-on.json"), "--authorize", kAdmin2,
                    "billing_bills"},
                   &out),
            0)
      << out;
  EXPECT_NE(out.find("DENY (IAM_ACCESS_NOT_ACTIVATED) -> ALLOW (ALLOWED_BY_POLICY)"),
            std::string::npos)
      << out;
  // Nothing was committed.
  EXPECT_EQ(Pdpctl({"authorize", kAdmin2, "--page", "billing_bills"}, &out), 1) << out;
}

// README "Testing your policies": the example passes against the demo
// world, on the server and offline (pdpctl_test_e2e_test tests the command).
TEST_F(ReadmeExamplesTest, DecisionTestsPass) {
  const std::string tests = SourcePath("examples/decision-tests.json");
  std::string out;
  EXPECT_EQ(Pdpctl({"test", tests}, &out), 0) << out;
  EXPECT_NE(out.find("7 passed, 0 failed, 0 errors (7 cases in 1 file, against the server)"),
            std::string::npos)
      << out;
  EXPECT_EQ(Pdpctl({"test", "--offline", tests}, &out), 0) << out;
  EXPECT_NE(out.find("7 passed, 0 failed, 0 errors (7 cases in 1 file, offline)"),
            std::string::npos)
      << out;
}

TEST_F(ReadmeExamplesTest, ApplyGrantTwice) {
  const std::string grant = SourcePath("examples/grant.json");
  std::string out;
  ASSERT_EQ(Pdpctl({"apply", grant}, &out), 0) << out;
  EXPECT_NE(out.find("applied 2 changes"), std::string::npos) << out;
  ASSERT_EQ(Pdpctl({"apply", grant}, &out), 0) << out;
  EXPECT_NE(out.find("request grant-2024-06-01 was already applied"), std::string::npos) << out;
  EXPECT_EQ(
      Pdpctl({"authorize", "arn:aws:iam::222222222222:user/finance", "--page", "billing_bills"},
             &out),
      0)
      << out;
}

TEST_F(ReadmeExamplesTest, DenyBillingScpOnAnOu) {
  std::string out;
  for (const std::vector<std::string>& step : std::vector<std::vector<std::string>>{
           {"org", "create", "111111111111", "--id", "o-exampleorg1", "--root-id", "r-exam",
            "--scps", "on"},
           {"org", "create-ou", "o-exampleorg1", "--parent", "r-exam", "--name", "Engineering",
            "--id", "ou-exam-engineering"},
           {"org", "invite", "o-exampleorg1", "222222222222", "--parent", "ou-exam-engineering"},
           {"scp", "create", "o-exampleorg1", "--name", "DenyBilling", "--file",
            SourcePath("examples/deny-billing.json"), "--id", "p-denybilling"},
           {"scp", "attach", "o-exampleorg1", "p-denybilling", "ou-exam-engineering"}}) {
    ASSERT_EQ(Pdpctl(step, &out), 0) << step[0] << " " << step[1] << ": " << out;
  }
  EXPECT_EQ(
      Pdpctl({"authorize", "arn:aws:iam::222222222222:root", "--page", "billing_bills"}, &out), 1)
      << out;
  EXPECT_NE(out.find("DENY (SCP_DENY)"), std::string::npos) << out;
  // The management account is outside the OU.
  EXPECT_EQ(
      Pdpctl({"authorize", "arn:aws:iam::111111111111:root", "--page", "billing_bills"}, &out), 0)
      << out;
}

TEST(SqliteStoreE2ETest, AcknowledgedWritesSurviveSigkill) {
  const std::string db = TestTempPath("state.db");
  std::remove(db.c_str());
  std::remove((db + "-wal").c_str());
  std::remove((db + "-shm").c_str());
  const std::vector<std::string> args = {"--store", "sqlite:" + db, "--world",
                                         SourcePath("data/demo-world.yaml")};
  std::string out;
  {
    ServerProcess server(args);
    ASSERT_TRUE(server.ok()) << server.log();
    ASSERT_EQ(RunPdpctl(server,
                        {"settings", "set-iam-access", "222222222222", "on", "--actor",
                         "arn:aws:iam::222222222222:root"},
                        &out),
              0)
        << out;
    server.Stop(SIGKILL);  // no clean shutdown: only what is on disk counts
  }
  ServerProcess again(args);
  ASSERT_TRUE(again.ok()) << again.log();
  EXPECT_NE(again.log().find("revision 2"), std::string::npos) << again.log();
  EXPECT_NE(again.log().find("not applied"), std::string::npos) << again.log();
  EXPECT_EQ(RunPdpctl(again, {"authorize", kAdmin2, "--page", "billing_bills"}, &out), 0) << out;
}

TEST(PdpctlUnreachable, ServerDownIsExitThree) {
  std::string out;
  int rc = RunPdpctl(nullptr,
                     {"--server", "127.0.0.1:1", "--timeout", "500", "authorize",
                      "arn:aws:iam::111111111111:root", "--page", "billing_bills"},
                     &out);
  EXPECT_EQ(rc, 3) << out;
}

TEST(ServerFlags, HelpDocumentsEveryFlag) {
  std::string out;
  RunCommand({BinaryPath("server/billing-pdp-server"), "--help"}, &out);
  for (const char* flag :
       {"--listen", "--world", "--page-catalog", "--admin-token-file", "--tls-cert", "--store",
        "--aws-managed-policies", "--max-request-bytes"}) {
    EXPECT_NE(out.find(flag), std::string::npos) << flag;
  }
}

TEST(ServerFlags, RefusesOpenControlPlaneOffLoopback) {
  std::string out;
  int rc = RunCommand({BinaryPath("server/billing-pdp-server"), "--listen", "0.0.0.0:0"}, &out);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("refusing"), std::string::npos) << out;
}

TEST(ServerFlags, BadWorldFileStopsStartupWithThePath) {
  const std::string path = TestTempPath("bad-world.yaml");
  FILE* f = fopen(path.c_str(), "w");
  fputs("accounts:\n  - id: \"12\"\n", f);
  fclose(f);
  std::string out;
  int rc = RunCommand(
      {BinaryPath("server/billing-pdp-server"), "--listen", "127.0.0.1:0", "--world", path}, &out);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("account.id"), std::string::npos) << out;
}

// --version prints the version CMake configured (tests/CMakeLists.txt passes
// the same values in), exit 0, on both binaries; the server's start-up line
// carries it too.
TEST_F(PdpctlTest, VersionFromTheBuild) {
  std::string expected = PDP_EXPECTED_PROJECT_VERSION;
  if (*PDP_EXPECTED_GIT_DESCRIBE != '\0') {
    expected += std::string(" (git ") + PDP_EXPECTED_GIT_DESCRIBE + ")";
  }
  std::string out;
  EXPECT_EQ(RunPdpctl(nullptr, {"--version"}, &out), 0) << out;
  EXPECT_EQ(out, "pdpctl " + expected + "\n");
  // A global flag: after other global flags or the command too.
  EXPECT_EQ(Pdpctl({"--version"}, &out), 0) << out;
  EXPECT_EQ(out, "pdpctl " + expected + "\n");
  EXPECT_EQ(Pdpctl({"pages", kAdmin2, "--version"}, &out), 0) << out;
  EXPECT_EQ(out, "pdpctl " + expected + "\n");

  out.clear();
  EXPECT_EQ(RunCommand({BinaryPath("server/billing-pdp-server"), "--version"}, &out), 0) << out;
  EXPECT_EQ(out, "billing-pdp-server " + expected + "\n");
  EXPECT_NE(server_.log().find("version " + expected + ")"), std::string::npos) << server_.log();
}

}  // namespace
}  // namespace pdp::testing
