// pdpctl import, through the real binary and a real server, on the shipped
// examples (examples/aws/): an AWS Organizations export and an account's
// `aws iam get-account-authorization-details`. Imports apply, decide as AWS
// would, change nothing when repeated, prune what is gone, and say where a
// refused change came from.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/pdpctl.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

using ::testing::HasSubstr;

const std::string kAlice = "arn:aws:iam::123456789012:user/finance/alice";
const std::string kBob = "arn:aws:iam::123456789012:user/bob";
const std::string kAuditor = "arn:aws:iam::123456789012:role/Auditor";
const std::string kViewOnly = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess";
// ViewOnlyAccess grants Cost Optimization Hub's reads (the "Savings
// opportunities" widget), not the bills.
const std::string kSavings = "cost-optimization-hub:ListRecommendationSummaries";

class PdpctlImport : public PdpctlServerTest {
 protected:
  // The IAM example, edited by `edit`, written to a file of this test.
  std::string EditedIam(const std::function<void(nlohmann::json&)>& edit) {
    std::ifstream in(SourcePath("examples/aws/iam-authorization-details.json"));
    nlohmann::json details = nlohmann::json::parse(in);
    edit(details);
    const std::string path = TestTempPath("iam.json");
    std::ofstream(path) << details.dump();
    return path;
  }

  // The IAM example as an export that includes AWS managed policies:
  // ViewOnlyAccess (not bundled with the server), two versions, attached
  // to the role.
  std::string WithViewOnlyAccess() {
    return EditedIam([&](nlohmann::json& d) {
      for (auto& r : d["RoleDetailList"]) {
        r["AttachedManagedPolicies"].push_back(
            {{"PolicyName", "ViewOnlyAccess"}, {"PolicyArn", kViewOnly}});
      }
      auto doc = [](const std::vector<std::string>& actions) {
        return nlohmann::json{{"Version", "2012-10-17"},
                              {"Statement",
                               {{{"Sid", "GeneralViewOnlyAccessStatement"},
                                 {"Effect", "Allow"},
                                 {"Action", actions},
                                 {"Resource", "*"}}}}};
      };
      d["Policies"].push_back(
          {{"PolicyName", "ViewOnlyAccess"},
           {"Arn", kViewOnly},
           {"Path", "/job-function/"},
           {"DefaultVersionId", "v36"},
           {"Description",
            "This policy grants permissions to view resources and basic metadata across all AWS "
            "services"},
           {"PolicyVersionList",
            {{{"Document", doc({"ec2:DescribeInstances", "s3:ListAllMyBuckets"})},
              {"VersionId", "v35"},
              {"IsDefaultVersion", false}},
             {{"Document", doc({"ec2:DescribeInstances", "s3:ListAllMyBuckets",
                                "cost-optimization-hub:GetPreferences", kSavings})},
              {"VersionId", "v36"},
              {"IsDefaultVersion", true}}}}});
    });
  }
};

TEST_F(PdpctlImport, AnOrganizationThenItsManagementAccountsIam) {
  std::string out;
  const std::string org = SourcePath("examples/aws/organization");
  ASSERT_EQ(Pdpctl({"import", "aws-organizations", org}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("organization o-exampleorg1: 1 OUs, 2 member accounts, 1 SCPs"));
  ASSERT_EQ(Pdpctl({"get", "organization", "o-exampleorg1"}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("123456789012"));
  ASSERT_EQ(Pdpctl({"import", "aws-organizations", org}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("nothing to change"));

  const std::string iam = SourcePath("examples/aws/iam-authorization-details.json");
  ASSERT_EQ(Pdpctl({"import", "aws-iam", iam}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("account 123456789012: 2 users, 1 groups, 1 roles"));
  ASSERT_EQ(Pdpctl({"--output", "json", "get", "user", kAlice}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("\"unique_id\": \"AIDAJQABLZS4A3QDU576Q\""));
  ASSERT_EQ(Pdpctl({"import", "aws-iam", iam}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("nothing to change"));

  // Decisions as in AWS: the default version (v3, budgets:*) decides.
  EXPECT_EQ(Pdpctl({"authorize", kBob, "--action", "budgets:ViewBudget"}, &out), 0) << out;
  EXPECT_EQ(Pdpctl({"authorize", kBob, "--action", "pricing:GetProducts"}, &out), 1) << out;
  EXPECT_EQ(Pdpctl({"authorize", kAlice, "--action", "budgets:ViewBudget"}, &out), 0) << out;
}

TEST_F(PdpctlImport, PruneDeletesWhatTheFileNoLongerHas) {
  std::string out;
  const std::string iam = SourcePath("examples/aws/iam-authorization-details.json");
  ASSERT_EQ(Pdpctl({"import", "aws-iam", iam}, &out), 0) << out;
  const std::string without_bob = EditedIam([](nlohmann::json& d) {
    auto& users = d["UserDetailList"];
    users.erase(std::remove_if(users.begin(), users.end(),
                               [](const nlohmann::json& u) { return u["UserName"] == "bob"; }),
                users.end());
  });
  ASSERT_EQ(Pdpctl({"import", "aws-iam", without_bob}, &out), 0) << out;
  EXPECT_EQ(Pdpctl({"get", "user", kBob}, &out), 0) << "without --prune bob stays\n" << out;
  ASSERT_EQ(Pdpctl({"import", "aws-iam", without_bob, "--prune"}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("1 deleted"));
  EXPECT_EQ(Pdpctl({"get", "user", kBob}, &out), 4) << out;
  EXPECT_THAT(out, HasSubstr("NOT_FOUND"));
  EXPECT_EQ(Pdpctl({"get", "user", kAlice}, &out), 0) << out;
}

TEST_F(PdpctlImport, MissingAwsPoliciesAreNamedOrLeftOutOnRequest) {
  std::string out;
  const std::string s3 = EditedIam([](nlohmann::json& d) {
    d["GroupDetailList"][0]["AttachedManagedPolicies"].push_back(
        {{"PolicyName", "AmazonS3ReadOnlyAccess"},
         {"PolicyArn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}});
  });
  EXPECT_EQ(Pdpctl({"import", "aws-iam", s3}, &out), 2) << out;
  EXPECT_THAT(out, HasSubstr("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"));
  EXPECT_EQ(Pdpctl({"import", "aws-iam", s3, "--allow-missing-aws-policies"}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("warning: AWS managed policy arn:aws:iam::aws:policy/AmazonS3"));
}

TEST_F(PdpctlImport, AChangeTheServerRefusesIsTracedToTheFile) {
  std::string out;
  // Without its Policies entry, bob's attachment names a policy the server
  // does not have.
  const std::string no_policies =
      EditedIam([](nlohmann::json& d) { d["Policies"] = nlohmann::json::array(); });
  EXPECT_EQ(Pdpctl({"import", "aws-iam", no_policies}, &out), 4) << out;
  EXPECT_THAT(out, HasSubstr("(from UserDetailList[1])"));
  // Nothing of the batch was applied.
  EXPECT_EQ(Pdpctl({"get", "user", kAlice}, &out), 4) << out;
}

// An export that includes AWS managed policies carries ViewOnlyAccess (not
// bundled with the server), with two versions, attached to the role: the
// import puts it for every account, the role decides on its default
// version, and the policy outlives a restart (SQLite) and an export ->
// apply round trip onto a fresh server.
TEST_F(PdpctlImport, AwsManagedPoliciesTheFileCarriesAreKeptWorldWide) {
  const std::string& view_only = kViewOnly;
  const std::string& role = kAuditor;
  const std::string& savings = kSavings;
  const std::string file = WithViewOnlyAccess();
  const std::string dir = TestTempPath("dir");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::vector<std::string> args = {"--store", "sqlite:" + dir + "/state.db"};
  std::string out;
  {
    ServerProcess first(args);
    ASSERT_TRUE(first.ok()) << first.log();
    ASSERT_EQ(RunPdpctl(first, {"import", "aws-iam", file}, &out), 0) << out;
    EXPECT_THAT(out, HasSubstr("2 AWS managed policies"));
    EXPECT_EQ(RunPdpctl(first, {"authorize", role, "--action", savings}, &out), 0) << out;
    EXPECT_EQ(RunPdpctl(first, {"authorize", role, "--action", "aws-portal:ViewBilling"}, &out), 1)
        << out;
    ASSERT_EQ(RunPdpctl(first, {"import", "aws-iam", file}, &out), 0) << out;
    EXPECT_THAT(out, HasSubstr("nothing to change"));
    ASSERT_EQ(first.Stop(SIGTERM), 0) << first.log();
  }
  ServerProcess restarted(args);
  ASSERT_TRUE(restarted.ok()) << restarted.log();
  EXPECT_EQ(RunPdpctl(restarted, {"authorize", role, "--action", savings}, &out), 0) << out;
  ASSERT_EQ(RunPdpctl(restarted, {"--output", "json", "get", "policy", view_only}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("\"default_version_id\": \"v36\""));
  EXPECT_THAT(out, HasSubstr("\"version_id\": \"v35\""));
  EXPECT_THAT(out, HasSubstr("\"aws_managed\": true"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("\"bundled\": true")));

  const std::string exported = dir + "/world.yaml";
  ASSERT_EQ(RunPdpctl(restarted, {"export", "-o", exported}, &out), 0) << out;
  ServerProcess fresh({});
  ASSERT_TRUE(fresh.ok()) << fresh.log();
  EXPECT_EQ(RunPdpctl(fresh, {"get", "policy", view_only}, &out), 4) << out;
  ASSERT_EQ(RunPdpctl(fresh, {"apply", exported}, &out), 0) << out;
  EXPECT_EQ(RunPdpctl(fresh, {"authorize", role, "--action", savings}, &out), 0) << out;
  ASSERT_EQ(RunPdpctl(fresh, {"--output", "json", "get", "policy", view_only}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("\"default_version_id\": \"v36\""));
  EXPECT_THAT(out, HasSubstr("\"version_id\": \"v35\""));
  // The re-export of the fresh server is the same file but for its header.
  const std::string again = dir + "/again.yaml";
  ASSERT_EQ(RunPdpctl(fresh, {"export", "-o", again}, &out), 0) << out;
  auto body = [](const std::string& path) {
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.substr(text.find('\n'));
  };
  EXPECT_EQ(body(again), body(exported));
  std::filesystem::remove_all(dir);
}

// AWS managed policies reach every account, so a controller (scoped to the
// file's account) may not put one: the import is refused naming the file's
// entry, and nothing is applied. An admin's import puts it; then the
// controller's import of the same file needs no put and goes through, as
// does its import of a file whose AWS managed policies the server has.
TEST_F(PdpctlImport, OnlyAnAdminPutsAwsManagedPolicies) {
  const std::string dir = TestTempPath("callers");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // Tokens import-admin-token-0123456789 and import-ctl-token-0123456789.
  std::ofstream(dir + "/callers.yaml")
      << "callers:\n"
         "  - name: ops\n    role: admin\n    token_sha256: "
         "04adf6d4f0468f69f39e367b496f37f490dec9ff6d40934c1e1140f16b9bc2ff\n"
         "  - name: iam-ctl\n    role: controller\n    token_sha256: "
         "0b2cf149a48719155b425543051fcb67ca6fa19e50013c73769a07d038ec37d4\n"
         "    accounts: [\"123456789012\"]\n";
  std::ofstream(dir + "/admin.token") << "import-admin-token-0123456789\n";
  std::ofstream(dir + "/ctl.token") << "import-ctl-token-0123456789\n";
  ServerProcess server({"--callers-file", dir + "/callers.yaml"});
  ASSERT_TRUE(server.ok()) << server.log();
  auto as = [&](const std::string& who, std::vector<std::string> argv, std::string* out) {
    argv.insert(argv.begin(), {"--token-file", dir + "/" + who + ".token"});
    return RunPdpctl(server, std::move(argv), out);
  };
  std::string out;
  // The example carries AWSBillingReadOnlyAccess exactly as bundled.
  const std::string plain = SourcePath("examples/aws/iam-authorization-details.json");
  ASSERT_EQ(as("ctl", {"import", "aws-iam", plain}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("1 AWS managed policies (1 as the server has them)"));

  const std::string file = WithViewOnlyAccess();
  EXPECT_EQ(as("ctl", {"import", "aws-iam", file}, &out), 4) << out;
  EXPECT_THAT(out, HasSubstr("PERMISSION_DENIED"));
  EXPECT_THAT(out, HasSubstr("OUT_OF_SCOPE"));
  EXPECT_THAT(out, HasSubstr("world-wide"));
  EXPECT_THAT(out, HasSubstr("(from Policies[2])"));
  EXPECT_EQ(as("ctl", {"get", "policy", kViewOnly}, &out), 4) << out;  // nothing applied
  EXPECT_EQ(as("ctl", {"authorize", kAuditor, "--action", kSavings}, &out), 1) << out;

  ASSERT_EQ(as("admin", {"import", "aws-iam", file}, &out), 0) << out;
  EXPECT_EQ(as("ctl", {"authorize", kAuditor, "--action", kSavings}, &out), 0) << out;
  ASSERT_EQ(as("ctl", {"import", "aws-iam", file}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("nothing to change"));
  std::filesystem::remove_all(dir);
}

TEST_F(PdpctlImport, BadExportsAreRefusedBeforeAnythingIsSent) {
  std::string out;
  const std::string dir = TestTempPath("org");
  std::filesystem::remove_all(dir);
  std::filesystem::copy(SourcePath("examples/aws/organization"), dir,
                        std::filesystem::copy_options::recursive);
  std::filesystem::remove(dir + "/list-accounts-for-parent/ou-ex12-finance1.json");
  EXPECT_EQ(Pdpctl({"import", "aws-organizations", dir}, &out), 2) << out;
  EXPECT_THAT(out, HasSubstr("list-accounts-for-parent/ou-ex12-finance1.json"));
  EXPECT_EQ(Pdpctl({"import", "aws-organizations", dir + "/nope"}, &out), 2) << out;
  EXPECT_EQ(Pdpctl({"import", "aws-iam", dir + "/list-roots.json"}, &out), 2) << out;
  EXPECT_EQ(Pdpctl({"get", "organization", "o-exampleorg1"}, &out), 4) << out;
}

}  // namespace
}  // namespace pdp::testing
