// The realistic example (examples/aws/acme/: an organization of six
// accounts and every account's `aws iam get-account-authorization-details`)
// imported end to end through pdpctl into a real server: the summaries, the
// decisions the example is designed to give, a re-import that changes
// nothing, --prune deleting exactly what a file lost, and the round trips:
// the export says everything the AWS files say (tests/support/
// aws_export_compare), and export -> apply on a fresh server -> export gives
// the same file.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/aws_export_compare.h"
#include "tests/support/pdpctl.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kOrg[] = "examples/aws/acme/organization";
constexpr char kManagement[] = "111111111111";

// Each account's file and the summary its import prints. The first puts
// the eight AWS managed policies it carries (the files leave out their
// descriptions, so even the bundled ones differ from the server's copies);
// the later files carry the same eight, which the server then holds.
struct AccountFile {
  const char* id;
  const char* summary;
};
constexpr AccountFile kAccounts[] = {
    {"111111111111",
     "67 users, 6 groups, 9 roles, 5 customer managed policies, 8 AWS managed policies, 12 inline "
     "policies"},
    {"222222222222",
     "30 users, 6 groups, 12 roles, 4 customer managed policies, 8 AWS managed policies (8 as the "
     "server has them), 13 inline "
     "policies"},
    {"333333333333",
     "65 users, 6 groups, 24 roles, 4 customer managed policies, 8 AWS managed policies (8 as the "
     "server has them), 29 inline "
     "policies"},
    {"444444444444",
     "39 users, 6 groups, 12 roles, 4 customer managed policies, 8 AWS managed policies (8 as the "
     "server has them), 14 inline "
     "policies"},
    {"555555555555",
     "18 users, 6 groups, 8 roles, 4 customer managed policies, 8 AWS managed policies (8 as the "
     "server has them), 8 inline "
     "policies"},
    {"666666666666",
     "43 users, 6 groups, 18 roles, 4 customer managed policies, 8 AWS managed policies (8 as the "
     "server has them), 21 inline "
     "policies"},
};

std::string IamFile(const std::string& account) {
  return SourcePath(absl::StrCat("examples/aws/acme/iam/", account, ".json"));
}

// AWS managed policies the example attaches that billing-pdp does not
// bundle: each file's Policies carries them, and the import puts them for
// every account (as it puts the bundled ones the files carry).
const std::set<std::string> kNotBundled = {
    "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess",
    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
};

// The revision an import's last line names ("... revision 7").
int64_t Revision(const std::string& out) {
  static const std::regex kRevision("revision ([0-9]+)\\s*$");
  std::smatch m;
  return std::regex_search(out, m, kRevision) ? std::stoll(m[1]) : -1;
}

class AcmeImport : public PdpctlServerTest {
 protected:
  // pdpctl import aws-iam FILE [--account ACCOUNT] `more`...
  int ImportIam(const std::string& file, const std::string& account, std::string* out,
                const std::vector<std::string>& more = {}) {
    std::vector<std::string> args = {"import", "aws-iam", file};
    if (!account.empty()) args.insert(args.end(), {"--account", account});
    args.insert(args.end(), more.begin(), more.end());
    return Pdpctl(args, out);
  }

  // Imports the organization, then every account's IAM file (--account
  // each), then turns IAM access to billing on in the management account as
  // its root user (no AWS CLI output carries that setting).
  // What the imports printed, all of it, is in *printed when given.
  void ImportAll(std::string* printed = nullptr) {
    std::string out, all;
    ASSERT_EQ(Pdpctl({"import", "aws-organizations", SourcePath(kOrg)}, &out), 0) << out;
    all += out;
    for (const AccountFile& a : kAccounts) {
      ASSERT_EQ(ImportIam(IamFile(a.id), a.id, &out), 0) << out;
      all += out;
    }
    if (printed != nullptr) *printed = all;
    ASSERT_EQ(Pdpctl({"settings", "set-iam-access", kManagement, "on", "--actor",
                      absl::StrCat("arn:aws:iam::", kManagement, ":root")},
                     &out),
              0)
        << out;
  }

  // "ALLOW ALLOWED_BY_POLICY", "DENY SCP_DENY"...
  std::string Decide(const std::string& principal, const std::string& page,
                     const std::string& access) {
    std::string out;
    const int rc = Pdpctl(
        {"--output", "json", "authorize", principal, "--page", page, "--access", access}, &out);
    nlohmann::json d = nlohmann::json::parse(out, nullptr, false);
    if (rc > 1 || d.is_discarded()) return absl::StrCat("exit ", rc, ": ", out);
    return absl::StrCat(d.value("effect", "?"), " ", d.value("reason", "?"));
  }

  int Users(const std::string& account) {
    std::string out;
    EXPECT_EQ(Pdpctl({"--output", "json", "list", "users", account}, &out), 0) << out;
    nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
    return j.is_discarded() ? -1
                            : static_cast<int>(j.value("users", nlohmann::json::array()).size());
  }

  std::string Export(const std::string& name, const ServerProcess& server) {
    const std::string path = TestTempPath(name);
    std::string out;
    EXPECT_EQ(RunPdpctl(server, {"export", "-o", path}, &out), 0) << out;
    return path;
  }
};

TEST_F(AcmeImport, SummariesProgressAndARepeatThatChangesNothing) {
  std::string out;
  ASSERT_EQ(Pdpctl({"import", "aws-organizations", SourcePath(kOrg)}, &out), 0) << out;
  // Progress on stderr (captured with stdout here), then the summary.
  EXPECT_THAT(out, HasSubstr("pdpctl: reading the export in "));
  EXPECT_THAT(out, HasSubstr("pdpctl: sending 75 changes"));
  EXPECT_THAT(out, HasSubstr("organization o-acme7example: 8 OUs, 5 member accounts, 3 SCPs, "
                             "16 SCP attachments;"));
  for (const AccountFile& a : kAccounts) {
    ASSERT_EQ(ImportIam(IamFile(a.id), a.id, &out), 0) << out;
    EXPECT_THAT(out, HasSubstr(absl::StrCat("pdpctl: reading ", IamFile(a.id))));
    EXPECT_THAT(out, HasSubstr(absl::StrCat("account ", a.id, ": ", a.summary, ";"))) << out;
    // No AWS managed policy is missing: the file carries every one.
    EXPECT_THAT(out, Not(HasSubstr("warning")));
  }
  const int64_t revision = Revision(out);
  ASSERT_GT(revision, 6) << out;

  // Again: every change already holds, no new revision.
  ASSERT_EQ(Pdpctl({"import", "aws-organizations", SourcePath(kOrg)}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("nothing to change"));
  EXPECT_EQ(Revision(out), revision) << out;
  for (const AccountFile& a : kAccounts) {
    ASSERT_EQ(ImportIam(IamFile(a.id), a.id, &out), 0) << out;
    EXPECT_THAT(out, HasSubstr(absl::StrCat("account ", a.id, ": nothing to change")));
    EXPECT_EQ(Revision(out), revision) << out;
  }
  // A file of another account than --account says is refused, nothing sent.
  EXPECT_EQ(Pdpctl({"import", "aws-iam", IamFile("222222222222"), "--account", kManagement}, &out),
            2)
      << out;
  EXPECT_THAT(out, HasSubstr("UserDetailList[0].Arn"));
}

// The decisions the example is designed to give (examples/aws/acme/
// generate.py, README "Importing from AWS").
TEST_F(AcmeImport, DecidesAsTheExampleIsDesigned) {
  ImportAll();
  struct Case {
    const char* principal;
    const char* page;
    const char* access;
    const char* want;
  };
  const Case cases[] = {
      // Management account: finance views and changes billing.
      {"arn:aws:iam::111111111111:user/finance/alice.n", "billing_budgets", "MODIFY",
       "ALLOW ALLOWED_BY_POLICY"},
      {"arn:aws:iam::111111111111:user/finance/alice.n", "billing_payments", "MODIFY",
       "ALLOW ALLOWED_BY_POLICY"},
      // FinOps: budgets through AcmeFinOpsCostTools' default version v2;
      // its draft v3 would allow payments, and does not count.
      {"arn:aws:iam::111111111111:user/finops/rafael.t", "billing_budgets", "MODIFY",
       "ALLOW ALLOWED_BY_POLICY"},
      {"arn:aws:iam::111111111111:user/finops/rafael.t", "billing_payments", "MODIFY",
       "DENY IMPLICIT_DENY"},
      // Auditors view only.
      {"arn:aws:iam::111111111111:user/audit/emma.d", "billing_bills", "VIEW",
       "ALLOW ALLOWED_BY_POLICY"},
      {"arn:aws:iam::111111111111:user/audit/emma.d", "billing_budgets", "MODIFY",
       "DENY IMPLICIT_DENY"},
      {"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/"
       "AWSReservedSSO_AuditReadOnly_e42c4ea629021f57",
       "billing_bills", "VIEW", "ALLOW ALLOWED_BY_POLICY"},
      // Developers: ReadOnlyAccess would show billing; AcmeDenyBilling
      // denies it explicitly (users and the SSO permission set).
      {"arn:aws:iam::111111111111:user/engineering/payments/noah.h", "billing_bills", "VIEW",
       "DENY EXPLICIT_DENY"},
      {"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/"
       "AWSReservedSSO_Developer_8e0e08f5b825816e",
       "billing_bills", "VIEW", "DENY EXPLICIT_DENY"},
      // A contractor in Admins, held back by the boundary.
      {"arn:aws:iam::111111111111:user/contractors/zoe.h", "billing_bills", "VIEW",
       "DENY BOUNDARY_NO_ALLOW"},
      {"arn:aws:iam::111111111111:user/max.n", "billing_payments", "MODIFY",
       "ALLOW ALLOWED_BY_POLICY"},
      // acme-prod (Workloads): the DenyBillingChanges SCP.
      {"arn:aws:iam::333333333333:role/OrganizationAccountAccessRole", "billing_budgets", "VIEW",
       "ALLOW ALLOWED_BY_POLICY"},
      {"arn:aws:iam::333333333333:role/OrganizationAccountAccessRole", "billing_budgets", "MODIFY",
       "DENY SCP_DENY"},
      {"arn:aws:iam::666666666666:user/finance/yuki.a", "billing_payments", "MODIFY",
       "DENY SCP_DENY"},
      // acme-security: no billing SCP, its admins may.
      {"arn:aws:iam::222222222222:role/OrganizationAccountAccessRole", "billing_payments", "MODIFY",
       "ALLOW ALLOWED_BY_POLICY"},
      // acme-sandbox: the Sandbox OU's allow list has no billing action.
      {"arn:aws:iam::444444444444:role/OrganizationAccountAccessRole", "billing_bills", "VIEW",
       "DENY SCP_NO_ALLOW"},
      // acme-legacy: invited, IAM access to billing off.
      {"arn:aws:iam::555555555555:user/finance/elena.p", "billing_bills", "VIEW",
       "DENY IAM_ACCESS_NOT_ACTIVATED"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Decide(c.principal, c.page, c.access), c.want)
        << c.principal << " " << c.page << " " << c.access;
  }
  // What only a non-bundled AWS managed policy the files carry grants:
  // auditors' job-function/ViewOnlyAccess (the files' stand-in for it).
  std::string out;
  EXPECT_EQ(Pdpctl({"authorize", "arn:aws:iam::111111111111:user/audit/emma.d", "--action",
                    "ec2:DescribeInstances"},
                   &out),
            0)
      << out;
  EXPECT_EQ(Pdpctl({"authorize", "arn:aws:iam::111111111111:user/audit/emma.d", "--action",
                    "ec2:RunInstances"},
                   &out),
            1)
      << out;
  // Preserved unique ids: aws:userid is AWS's.
  ASSERT_EQ(Pdpctl({"--output", "json", "get", "role",
                    "arn:aws:iam::333333333333:role/OrganizationAccountAccessRole"},
                   &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("\"unique_id\": \"AROA"));
}

// README "Importing from AWS" walks through this example: the lines it
// shows the imports printing are printed, and each `pdpctl authorize` it
// shows answers as its comment says (the first word: ALLOW or the reason).
TEST_F(AcmeImport, TheReadmeWalkThroughHolds) {
  std::string printed;
  ImportAll(&printed);
  std::ifstream in(SourcePath("README.md"));
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  const size_t start = readme.find("**A worked example: `examples/aws/acme/`.**");
  ASSERT_NE(start, std::string::npos);
  const size_t end = readme.find("\n#", start);
  std::istringstream section(readme.substr(start, end - start));
  int outputs = 0, decisions = 0;
  for (std::string line; std::getline(section, line);) {
    if (line.rfind("    pdpctl: sending ", 0) == 0 || line.rfind("    account ", 0) == 0 ||
        line.rfind("    organization ", 0) == 0) {
      EXPECT_THAT(printed, HasSubstr(line.substr(4))) << "README shows it printed";
      ++outputs;
      continue;
    }
    if (line.rfind("    $ pdpctl authorize ", 0) != 0) continue;
    const size_t hash = line.find('#');
    ASSERT_NE(hash, std::string::npos) << line;
    std::istringstream command(line.substr(6, hash - 6)), comment(line.substr(hash + 1));
    std::vector<std::string> args;
    for (std::string word; command >> word;) args.push_back(word);
    std::string want;
    comment >> want;
    if (!want.empty() && want.back() == ':') want.pop_back();
    args.erase(args.begin());  // "pdpctl"
    args.insert(args.begin(), {"--output", "json"});
    std::string out;
    const int rc = Pdpctl(args, &out);
    nlohmann::json d = nlohmann::json::parse(out, nullptr, false);
    ASSERT_FALSE(d.is_discarded()) << line << "\n" << out;
    EXPECT_EQ(rc, want == "ALLOW" ? 0 : 1) << line << "\n" << out;
    EXPECT_EQ(want == "ALLOW" ? d.value("effect", "") : d.value("reason", ""), want) << line;
    ++decisions;
  }
  EXPECT_GE(outputs, 5);
  EXPECT_GE(decisions, 9);
}

TEST_F(AcmeImport, PruneDeletesExactlyWhatTheFileLost) {
  ImportAll();
  const std::string prod = "333333333333";
  std::ifstream in(IamFile(prod));
  nlohmann::json details = nlohmann::json::parse(in);
  // Three developers and an application role leave.
  std::vector<std::string> gone;
  auto& users = details["UserDetailList"];
  for (int i = 0; i < 3; ++i) {
    auto it = std::find_if(users.begin(), users.end(), [](const nlohmann::json& u) {
      return u["Path"].get<std::string>().rfind("/engineering/", 0) == 0;
    });
    ASSERT_NE(it, users.end());
    gone.push_back((*it)["Arn"].get<std::string>());
    users.erase(it);
  }
  auto& roles = details["RoleDetailList"];
  auto role = std::find_if(roles.begin(), roles.end(),
                           [](const nlohmann::json& r) { return r["RoleName"] == "checkout-dev"; });
  ASSERT_NE(role, roles.end());
  gone.push_back((*role)["Arn"].get<std::string>());
  roles.erase(role);
  const std::string edited = TestTempPath("prod.json");
  std::ofstream(edited) << details.dump(4);

  const int prod_users = Users(prod), payer_users = Users(kManagement);
  ASSERT_EQ(prod_users, 65);
  std::string out;
  // Without --prune nothing is deleted (and nothing else changed).
  ASSERT_EQ(ImportIam(edited, "", &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("nothing to change"));
  ASSERT_EQ(ImportIam(edited, "", &out, {"--prune"}), 0) << out;
  EXPECT_THAT(
      out,
      HasSubstr("62 users, 6 groups, 23 roles, 4 customer managed policies, "
                "8 AWS managed policies (8 as the server has them), 27 inline policies, 4 deleted; "
                "4 changes applied"));
  for (const std::string& arn : gone) {
    const bool role_arn = arn.find(":role/") != std::string::npos;
    EXPECT_EQ(Pdpctl({"get", role_arn ? "role" : "user", arn}, &out), 4) << arn << "\n" << out;
    EXPECT_THAT(out, HasSubstr("NOT_FOUND"));
  }
  EXPECT_EQ(Users(prod), prod_users - 3);
  EXPECT_EQ(Users(kManagement), payer_users);  // another account's are not touched
  // Pruned, the edited file holds.
  ASSERT_EQ(ImportIam(edited, "", &out, {"--prune"}), 0) << out;
  EXPECT_THAT(out, HasSubstr("nothing to change"));
}

TEST_F(AcmeImport, ExportSaysWhatAwsSaysAndRoundTrips) {
  ImportAll();
  AwsExport aws;
  aws.organization_dir = SourcePath(kOrg);
  for (const AccountFile& a : kAccounts) aws.iam_files.push_back(IamFile(a.id));

  const std::string exported = Export("exported.yaml", server_);
  absl::StatusOr<nlohmann::json> world = ReadWorldFile(exported);
  ASSERT_TRUE(world.ok()) << world.status();
  ASSERT_EQ((*world)["users"].size(), 262u);
  ASSERT_EQ((*world)["roles"].size(), 83u);
  std::set<std::string> policies;
  for (const auto& p : (*world)["managed_policies"]) policies.insert(p["arn"].get<std::string>());
  for (const std::string& arn : kNotBundled) EXPECT_TRUE(policies.contains(arn)) << arn;
  std::vector<std::string> diffs = CompareWorldWithAwsExport(*world, aws);
  EXPECT_TRUE(diffs.empty()) << diffs.size() << " differences:\n" << absl::StrJoin(diffs, "\n");

  // The comparison sees a loss of each kind.
  nlohmann::json lossy = *world;
  lossy["users"][0]["tags"] = nlohmann::json::object();
  for (auto& u : lossy["users"]) {
    if (!u["groups"].empty()) {
      u["groups"] = nlohmann::json::array();
      break;
    }
  }
  lossy["roles"][0]["unique_id"] = "AROAMADEUPMADEUPMADE1";
  lossy["groups"][0]["inline_policies"] =
      nlohmann::json::array({{{"name", "extra"}, {"document", "{}"}}});
  for (auto& p : lossy["managed_policies"]) {
    if (p.contains("versions") && p["versions"].size() > 1) {
      p["versions"].erase(p["versions"].begin());
      break;
    }
  }
  auto& all_policies = lossy["managed_policies"];
  all_policies.erase(std::find_if(all_policies.begin(), all_policies.end(), [](const auto& p) {
    return p["arn"] == "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess";
  }));
  lossy["organizations"][0]["attach"].erase(lossy["organizations"][0]["attach"].begin());
  lossy["organizations"][0]["organizational_units"][0]["name"] = "Renamed";
  diffs = CompareWorldWithAwsExport(lossy, aws);
  const std::string all = absl::StrJoin(diffs, "\n");
  EXPECT_GE(diffs.size(), 8u) << all;
  for (const char* expected :
       {": tags", ": groups", ": unique id", "inline policy extra", "is missing",
        "job-function/ViewOnlyAccess: not in the world", "SCP attachments", ": OUs"}) {
    EXPECT_THAT(all, HasSubstr(expected));
  }

  // export -> apply on a fresh server -> export: the same file (but the
  // revision in its first line).
  ServerProcess fresh({});
  ASSERT_TRUE(fresh.ok()) << fresh.log();
  std::string out;
  ASSERT_EQ(RunPdpctl(fresh, {"apply", exported}, &out), 0) << out;
  const std::string again = Export("exported-again.yaml", fresh);
  auto body = [](const std::string& path) {
    std::ifstream f(path);
    std::string first;
    std::getline(f, first);
    std::stringstream rest;
    rest << f.rdbuf();
    return rest.str();
  };
  EXPECT_EQ(body(again), body(exported));
  EXPECT_GT(body(exported).size(), 100000u);
  // And decisions on the fresh server are the imported ones.
  ASSERT_EQ(RunPdpctl(fresh,
                      {"authorize", "arn:aws:iam::333333333333:role/OrganizationAccountAccessRole",
                       "--page", "billing_budgets", "--access", "MODIFY"},
                      &out),
            1)
      << out;
  EXPECT_THAT(out, HasSubstr("SCP_DENY"));
}

}  // namespace
}  // namespace pdp::testing
