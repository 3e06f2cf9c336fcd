// `pdpctl org` and `pdpctl scp` against a real server, as an operator uses
// them: build an organization, put a deny SCP on an OU and see a member's
// root refused, hit the errors Organizations has (a stale etag, a target's
// last SCP, an attached SCP), then take it all down again. Also the Cost
// Explorer settings commands.
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/pdpctl.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kOrg[] = "o-pdpctltest01";
constexpr char kManagement[] = "111111111111";
constexpr char kCreated[] = "222222222222";
constexpr char kInvited[] = "333333333333";
constexpr char kInvitedAdmin[] = "arn:aws:iam::333333333333:user/admin";
constexpr char kInvitedRoot[] = "arn:aws:iam::333333333333:root";
constexpr char kManagementRoot[] = "arn:aws:iam::111111111111:root";

// The accounts and an administrator in the account that will be invited
// (its own IAM access on, so only the SCP can stand in the admin's way).
constexpr char kWorld[] = R"({"changes": [
  {"create_account": {"account": {"id": "111111111111", "name": "payer",
    "settings": {"iam_access_to_billing": true}}}},
  {"create_account": {"account": {"id": "333333333333", "name": "invited",
    "settings": {"iam_access_to_billing": true}}}},
  {"put_user": {"user": {"arn": "arn:aws:iam::333333333333:user/admin",
    "attached_policies": ["arn:aws:iam::aws:policy/AdministratorAccess"]}}}
]})";

constexpr char kDenyBilling[] = R"({"Version": "2012-10-17", "Statement": [{"Effect": "Deny",
  "Action": ["billing:*", "aws-portal:*", "invoicing:*", "ce:*"], "Resource": "*"}]})";

class PdpctlOrgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.ok()) << server_.log();
    std::ofstream(TestTempPath("org-world.json")) << kWorld;
    std::ofstream(TestTempPath("deny-billing.json")) << kDenyBilling;
    ASSERT_EQ(Pdpctl({"apply", TestTempPath("org-world.json")}), 0) << out_;
  }

  // Runs pdpctl against the server; the output (stdout and stderr) is in out_.
  // A 30 s deadline, not pdpctl's 5 s: under a sanitizer with other tests
  // beside it, connecting once took longer than 5 s ("timeout before
  // receiving SETTINGS frame"). Nothing here tests a deadline.
  int Pdpctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--timeout", "30000"});
    return RunPdpctl(server_, std::move(args), &out_);
  }

  // Runs pdpctl with --output json and parses what it printed.
  nlohmann::json PdpctlJson(std::vector<std::string> args, int want_exit = 0) {
    args.push_back("--output");
    args.push_back("json");
    int rc = Pdpctl(args);
    EXPECT_EQ(rc, want_exit) << out_;
    nlohmann::json j = nlohmann::json::parse(out_, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << out_;
    return j;
  }

  // Column at which `needle` starts on its line (its indentation in a tree).
  size_t Indent(const std::string& needle) {
    size_t at = out_.find(needle);
    if (at == std::string::npos) return std::string::npos;
    size_t line = out_.rfind('\n', at);
    return line == std::string::npos ? at : at - line - 1;
  }

  ServerProcess server_{{}};
  std::string out_;
};

TEST_F(PdpctlOrgTest, BuildsAnOrganizationDeniesWithAnScpAndTakesItDown) {
  // ---- build -------------------------------------------------------------
  nlohmann::json created = PdpctlJson({"org", "create", kManagement, "--id", kOrg, "--scps", "on"});
  EXPECT_EQ(created["results"][0]["name"], kOrg);
  EXPECT_EQ(created["replayed"], false);
  const int64_t org_revision = std::stoll(created["revision"].get<std::string>());

  nlohmann::json org = PdpctlJson({"org", "show", kOrg});
  const std::string root = org["root_id"];
  ASSERT_THAT(root, ::testing::StartsWith("r-"));
  // FullAWSAccess got its first targets in that batch: its etag says so.
  ASSERT_EQ(org["policies"].size(), 1u) << org.dump();
  EXPECT_EQ(org["policies"][0]["id"], "p-FullAWSAccess");
  EXPECT_EQ(org["policies"][0]["etag"], std::to_string(org_revision));

  nlohmann::json ou_made =
      PdpctlJson({"org", "create-ou", kOrg, "--parent", root, "--name", "Engineering"});
  const std::string ou = ou_made["results"][0]["name"];
  ASSERT_THAT(ou, ::testing::StartsWith("ou-" + root.substr(2) + "-"));
  EXPECT_EQ(ou_made["revision"], std::to_string(org_revision + 1));

  ASSERT_EQ(Pdpctl({"org", "create-account", kOrg, kCreated, "--parent", ou, "--name", "dev",
                    "--iam-access", "deny"}),
            0)
      << out_;
  EXPECT_THAT(out_, HasSubstr("org create-account: 222222222222 (etag "));
  ASSERT_EQ(Pdpctl({"org", "invite", kOrg, kInvited, "--parent", ou}), 0) << out_;

  nlohmann::json scp = PdpctlJson({"scp", "create", kOrg, "--name", "DenyBilling", "--file",
                                   TestTempPath("deny-billing.json"), "--id", "p-denybilling",
                                   "--description", "keep me"});
  EXPECT_EQ(scp["results"][0]["name"], "p-denybilling");
  const std::string scp_created_etag = scp["results"][0]["etag"];

  // Attach with a request id; the retry is a replay, not a second attach
  // (which would be ALREADY_EXISTS).
  nlohmann::json attached =
      PdpctlJson({"scp", "attach", kOrg, "p-denybilling", ou, "--request-id", "attach-1"});
  EXPECT_EQ(attached["replayed"], false);
  ASSERT_EQ(Pdpctl({"scp", "attach", kOrg, "p-denybilling", ou, "--request-id", "attach-1"}), 0)
      << out_;
  EXPECT_THAT(out_, HasSubstr("already applied"));
  EXPECT_THAT(out_, HasSubstr("at revision " + attached["revision"].get<std::string>()));

  // ---- read it back --------------------------------------------------------
  ASSERT_EQ(Pdpctl({"org", "show", kOrg}), 0) << out_;
  EXPECT_THAT(out_, HasSubstr("organization o-pdpctltest01"));
  EXPECT_THAT(out_, HasSubstr("management account 111111111111, SCPs enabled"));
  EXPECT_THAT(out_, HasSubstr("root " + root + "  SCPs: p-FullAWSAccess"));
  EXPECT_THAT(out_, HasSubstr("account 111111111111 (MANAGEMENT)  SCPs: p-FullAWSAccess"));
  EXPECT_THAT(out_, HasSubstr("ou " + ou +
                              " \"Engineering\"  SCPs: p-FullAWSAccess, "
                              "p-denybilling"));
  EXPECT_THAT(out_, HasSubstr("account 222222222222 (CREATED)  SCPs: p-FullAWSAccess"));
  EXPECT_THAT(out_, HasSubstr("account 333333333333 (INVITED)"));
  // The tree: the members of the OU sit below it, the management account
  // beside it under the root.
  EXPECT_EQ(Indent("account 333333333333"), Indent("ou " + ou) + 2) << out_;
  EXPECT_EQ(Indent("account 111111111111 (MANAGEMENT)"), Indent("ou " + ou)) << out_;
  EXPECT_THAT(out_, HasSubstr("p-denybilling \"DenyBilling\" (etag "));

  org = PdpctlJson({"org", "show", kOrg});
  ASSERT_EQ(org["accounts"].size(), 3u) << org.dump();
  for (const auto& a : org["accounts"]) {
    if (a["account_id"] == kInvited) {
      EXPECT_EQ(a["joined"], "INVITED");
      EXPECT_EQ(a["parent_id"], ou);
    }
  }
  ASSERT_EQ(org["organizational_units"].size(), 1u);
  EXPECT_EQ(org["organizational_units"][0]["policy_ids"],
            nlohmann::json::array({"p-FullAWSAccess", "p-denybilling"}));

  nlohmann::json listed = PdpctlJson({"scp", "list", kOrg});
  ASSERT_EQ(listed["policies"].size(), 2u) << listed.dump();
  EXPECT_EQ(listed["policies"][1]["id"], "p-denybilling");
  EXPECT_EQ(listed["policies"][1]["targets"], nlohmann::json::array({ou}));
  ASSERT_EQ(Pdpctl({"scp", "list", kOrg}), 0) << out_;
  EXPECT_THAT(out_, HasSubstr("targets: " + ou));
  EXPECT_THAT(out_, HasSubstr("(2 SCPs in o-pdpctltest01"));

  nlohmann::json orgs = PdpctlJson({"org", "list"});
  ASSERT_EQ(orgs["organizations"].size(), 1u);
  EXPECT_EQ(orgs["organizations"][0]["id"], kOrg);

  // ---- the SCP decides -------------------------------------------------------
  EXPECT_EQ(Pdpctl({"authorize", kInvitedAdmin, "--page", "billing_bills"}), 1) << out_;
  EXPECT_THAT(out_, HasSubstr("DENY (SCP_DENY)"));
  EXPECT_EQ(Pdpctl({"authorize", kInvitedRoot, "--page", "billing_bills"}), 1) << out_;
  EXPECT_THAT(out_, HasSubstr("DENY (SCP_DENY)")) << "SCPs limit a member's root user too";
  EXPECT_EQ(Pdpctl({"authorize", kManagementRoot, "--page", "billing_bills"}), 0) << out_;
  EXPECT_THAT(out_, HasSubstr("ALLOW (ROOT_USER)"));

  // ---- refusals, exit 4 with the reason -----------------------------------------
  EXPECT_EQ(Pdpctl({"scp", "update", kOrg, "p-denybilling", "--name", "Late", "--etag",
                    scp_created_etag}),
            4)
      << out_;
  EXPECT_THAT(out_, HasSubstr("ABORTED"));
  EXPECT_THAT(out_, HasSubstr("changes[0].update_scp.etag"));
  EXPECT_THAT(out_, HasSubstr("[ETAG_MISMATCH]"));
  nlohmann::json error = PdpctlJson({"org", "set-scps", kOrg, "on", "--etag", "1"}, 4);
  EXPECT_EQ(error["error"]["code"], "ABORTED");
  EXPECT_EQ(error["error"]["reason"], "ETAG_MISMATCH");

  EXPECT_EQ(Pdpctl({"scp", "detach", kOrg, "p-FullAWSAccess", kInvited}), 4) << out_;
  EXPECT_THAT(out_, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(out_, HasSubstr("[MIN_POLICY_ATTACHMENT]"));
  EXPECT_EQ(Pdpctl({"scp", "delete", kOrg, "p-denybilling"}), 4) << out_;
  EXPECT_THAT(out_, HasSubstr("[DELETE_CONFLICT]"));
  EXPECT_EQ(Pdpctl({"scp", "update", kOrg, "p-FullAWSAccess", "--name", "Mine"}), 4) << out_;
  EXPECT_THAT(out_, HasSubstr("[AWS_MANAGED_READ_ONLY]"));
  EXPECT_EQ(Pdpctl({"org", "invite", kOrg, kInvited}), 4) << out_;
  EXPECT_THAT(out_, HasSubstr("[ACCOUNT_IN_ORGANIZATION]"));
  EXPECT_EQ(Pdpctl({"org", "show", "o-nosuchorg01"}), 4) << out_;
  EXPECT_THAT(out_, HasSubstr("NOT_FOUND"));
  // Bad input is exit 2, whether pdpctl or the server notices.
  EXPECT_EQ(Pdpctl({"org", "create-ou", kOrg, "--parent", root}), 2) << out_;
  EXPECT_THAT(out_, HasSubstr("org create-ou needs --name"));
  EXPECT_EQ(Pdpctl({"org", "create-account", kOrg, "12"}), 2) << out_;
  EXPECT_THAT(out_, HasSubstr("changes[0].create_member_account.account_id"));
  EXPECT_EQ(Pdpctl({"scp", "attach", kOrg, "p-denybilling"}), 2) << out_;
  EXPECT_EQ(Pdpctl({"org", "show", kOrg, "--request-id", "x"}), 2) << out_;
  EXPECT_EQ(Pdpctl({"org", "move", kOrg, kInvited, "--to", root, "--to", ou}), 2) << out_;
  EXPECT_THAT(out_, HasSubstr("--to"));
  EXPECT_THAT(out_, HasSubstr("Usage: pdpctl org move"));

  // An update that does not mention the description keeps it, and with a
  // request id its retry is a replay.
  ASSERT_EQ(Pdpctl({"scp", "update", kOrg, "p-denybilling", "--name", "DenyAllBilling"}), 0)
      << out_;
  listed = PdpctlJson({"scp", "list", kOrg});
  EXPECT_EQ(listed["policies"][1]["name"], "DenyAllBilling");
  EXPECT_EQ(listed["policies"][1]["description"], "keep me");
  for (int attempt = 0; attempt < 2; ++attempt) {
    nlohmann::json renamed = PdpctlJson({"scp", "update", kOrg, "p-denybilling", "--name",
                                         "DenyBilling", "--request-id", "rename"});
    EXPECT_EQ(renamed["replayed"], attempt == 1) << renamed.dump();
  }
  listed = PdpctlJson({"scp", "list", kOrg});
  EXPECT_EQ(listed["policies"][1]["name"], "DenyBilling");
  EXPECT_EQ(listed["policies"][1]["description"], "keep me");

  // ---- detach: the administrator is back in ------------------------------------
  ASSERT_EQ(Pdpctl({"scp", "detach", kOrg, "p-denybilling", ou}), 0) << out_;
  EXPECT_EQ(Pdpctl({"authorize", kInvitedAdmin, "--page", "billing_bills"}), 0) << out_;
  EXPECT_THAT(out_, HasSubstr("ALLOW (ALLOWED_BY_POLICY)"));

  // ---- take it down: every other subcommand once ---------------------------------
  ASSERT_EQ(Pdpctl({"org", "rename-ou", kOrg, ou, "--name", "Eng"}), 0) << out_;
  ASSERT_EQ(Pdpctl({"org", "delete-ou", kOrg, ou}), 4) << out_;
  EXPECT_THAT(out_, HasSubstr("[ORGANIZATION_NOT_EMPTY]"));
  ASSERT_EQ(Pdpctl({"org", "move", kOrg, kInvited, "--to", root}), 0) << out_;
  ASSERT_EQ(Pdpctl({"org", "move", kOrg, kCreated, "--to", root}), 0) << out_;
  ASSERT_EQ(Pdpctl({"org", "delete-ou", kOrg, ou}), 0) << out_;
  ASSERT_EQ(Pdpctl({"scp", "delete", kOrg, "p-denybilling"}), 0) << out_;
  EXPECT_THAT(out_, HasSubstr("scp delete: p-denybilling (deleted)"));
  ASSERT_EQ(Pdpctl({"org", "set-scps", kOrg, "off"}), 0) << out_;
  ASSERT_EQ(Pdpctl({"org", "show", kOrg}), 0) << out_;
  EXPECT_THAT(out_, HasSubstr("SCPs disabled"));
  EXPECT_THAT(out_, Not(HasSubstr("SCPs: ")));
  ASSERT_EQ(Pdpctl({"org", "delete", kOrg}), 4) << out_;
  EXPECT_THAT(out_, HasSubstr("[ORGANIZATION_NOT_EMPTY]"));
  ASSERT_EQ(Pdpctl({"org", "remove", kOrg, kInvited}), 0) << out_;
  ASSERT_EQ(Pdpctl({"org", "remove", kOrg, kCreated}), 0) << out_;
  ASSERT_EQ(Pdpctl({"org", "delete", kOrg}), 0) << out_;
  EXPECT_THAT(out_, HasSubstr("org delete: o-pdpctltest01 (deleted)"));
  orgs = PdpctlJson({"org", "list"});
  EXPECT_EQ(orgs["organizations"], nlohmann::json::array()) << orgs.dump();
}

TEST_F(PdpctlOrgTest, CostExplorerSettingsBelongToTheManagementAccount) {
  ASSERT_EQ(Pdpctl({"org", "create", kManagement, "--id", kOrg}), 0) << out_;
  ASSERT_EQ(Pdpctl({"org", "invite", kOrg, kInvited}), 0) << out_;
  EXPECT_EQ(Pdpctl({"authorize", kInvitedRoot, "--page", "billing_cost_explorer"}), 1) << out_;
  EXPECT_THAT(out_, HasSubstr("COST_EXPLORER_NOT_ENABLED"));

  // A member cannot set its own; an administrator without
  // ce:UpdatePreferences in the management account cannot either.
  EXPECT_EQ(Pdpctl({"settings", "set-cost-explorer", kInvited, "on", "--actor", kInvitedRoot}), 4)
      << out_;
  EXPECT_THAT(out_, HasSubstr("[MANAGED_BY_ORGANIZATION]"));
  EXPECT_EQ(Pdpctl({"settings", "set-cost-explorer", kManagement, "on", "--actor",
                    "arn:aws:iam::111111111111:user/nobody"}),
            4)
      << out_;
  EXPECT_THAT(out_, HasSubstr("PERMISSION_DENIED"));
  EXPECT_THAT(out_, HasSubstr("[NOT_AUTHORIZED]"));

  ASSERT_EQ(
      Pdpctl({"settings", "set-cost-explorer", kManagement, "on", "--actor", kManagementRoot}), 0)
      << out_;
  EXPECT_THAT(out_, HasSubstr("account 111111111111: cost_explorer_enabled is on (etag "));
  EXPECT_EQ(Pdpctl({"authorize", kInvitedRoot, "--page", "billing_cost_explorer"}), 0) << out_;

  nlohmann::json account =
      PdpctlJson({"settings", "set-linked-access", kManagement, "off", "--actor", kManagementRoot});
  EXPECT_EQ(account["settings"]["linked_account_access"], false) << account.dump();
  EXPECT_EQ(Pdpctl({"authorize", kInvitedRoot, "--page", "billing_cost_explorer"}), 1) << out_;
  EXPECT_THAT(out_, HasSubstr("LINKED_ACCOUNT_ACCESS_DISABLED"));
  EXPECT_EQ(Pdpctl({"authorize", kManagementRoot, "--page", "billing_cost_explorer"}), 0) << out_;

  EXPECT_EQ(
      Pdpctl({"settings", "set-linked-access", kManagement, "maybe", "--actor", kManagementRoot}),
      2)
      << out_;
  EXPECT_EQ(Pdpctl({"settings", "set-cost-explorer", kManagement, "on"}), 2) << out_;
  EXPECT_THAT(out_, HasSubstr("--actor is required"));
  EXPECT_EQ(Pdpctl({"settings", "set-everything", kManagement, "on", "--actor", kManagementRoot}),
            2)
      << out_;
}

TEST_F(PdpctlOrgTest, HelpListsTheOrgAndScpCommands) {
  ASSERT_EQ(Pdpctl({"org", "--help"}), 0) << out_;
  for (const char* sub : {"create", "create-ou", "set-scps", "invite", "move", "remove"}) {
    EXPECT_THAT(out_, HasSubstr(std::string("\n  ") + sub + " ")) << sub;
  }
  ASSERT_EQ(Pdpctl({"org", "create", "--help"}), 0) << out_;
  EXPECT_THAT(out_, HasSubstr("Usage: pdpctl org create [OPTIONS] MANAGEMENT_ACCOUNT"));
  EXPECT_THAT(out_, HasSubstr("--scps"));
  ASSERT_EQ(Pdpctl({"scp", "attach", "--help"}), 0) << out_;
  EXPECT_THAT(out_, HasSubstr("ORG POLICY TARGET"));
  ASSERT_EQ(Pdpctl({"settings", "--help"}), 0) << out_;
  EXPECT_THAT(out_, HasSubstr("set-cost-explorer"));
  EXPECT_THAT(out_, HasSubstr("set-linked-access"));
}

}  // namespace
}  // namespace pdp::testing
