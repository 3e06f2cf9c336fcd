#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/decide/principal_context.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/wire/wire_decide.h"
#include "tests/support/shipped_world.h"
#include "tests/support/test_support.h"
#include "world/world_file.h"

namespace pdp {
namespace {

using pdp::v1::ALLOW;
using pdp::v1::DENY;
using pdp::v1::GateTrace;
using test::AllowDoc;
using test::DenyDoc;
using test::PolicyJson;
using test::StatementJson;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kA[] = "111111111111";  // IAM access on, FINE_GRAINED
constexpr char kB[] = "222222222222";  // IAM access off
constexpr char kC[] = "333333333333";  // IAM access on, LEGACY
const std::string kAdminAccess = "arn:aws:iam::aws:policy/AdministratorAccess";

std::string User(const std::string& account, const std::string& name) {
  return absl::StrCat("arn:aws:iam::", account, ":user/", name);
}
std::string UserA(const std::string& name) { return User(kA, name); }

// A small catalogue whose pages isolate one behaviour each.
constexpr char kCatalog[] = R"({
  "catalog_version": "decide-test",
  "pages": [
    {"id": "gated", "console": "BILLING", "title": "Gated", "iam_access_gated": true,
     "shows_cost_explorer_data": false, "confidence": "derived",
     "fine_grained": {"view": ["billing:GetBillingData"], "modify": ["billing:UpdateBillingPreferences"]},
     "legacy": {"view": ["aws-portal:ViewBilling"], "modify": ["aws-portal:ModifyBilling"]},
     "features": [
       {"id": "pdf", "access": "VIEW", "fine_grained": ["invoicing:GetInvoicePDF"],
        "legacy": ["aws-portal:ViewBilling"]},
       {"id": "tagging", "access": "MODIFY", "fine_grained": ["billing:TagResource"],
        "legacy": ["aws-portal:ModifyBilling"]}]},
    {"id": "two_actions", "console": "BILLING", "title": "Two", "iam_access_gated": true,
     "shows_cost_explorer_data": false, "confidence": "derived",
     "fine_grained": {"view": ["payments:GetPaymentStatus", "payments:ListPaymentPreferences"],
                      "modify": ["payments:MakePayment"]},
     "legacy": {"view": ["aws-portal:ViewBilling"], "modify": ["aws-portal:ModifyBilling"]}},
    {"id": "ungated", "console": "COST_MANAGEMENT", "title": "Ungated", "iam_access_gated": false,
     "shows_cost_explorer_data": true, "confidence": "derived",
     "fine_grained": {"view": ["ce:GetAnomalies"], "modify": []},
     "legacy": {"view": ["aws-portal:ViewBilling"], "modify": []}},
    {"id": "iam_pref", "console": "BILLING", "title": "IAM access", "iam_access_gated": true,
     "shows_cost_explorer_data": false, "confidence": "derived",
     "fine_grained": {"view": ["billing:GetIAMAccessPreference"],
                      "modify": ["billing:UpdateIAMAccessPreference"]},
     "legacy": {"view": ["aws-portal:ViewBilling"], "modify": ["aws-portal:ModifyBilling"]}},
    {"id": "fine_modify_only", "console": "BILLING", "title": "FG modify", "iam_access_gated": true,
     "shows_cost_explorer_data": false, "confidence": "derived",
     "fine_grained": {"view": ["ce:ListCostCategoryDefinitions"],
                      "modify": ["ce:CreateCostCategoryDefinition"]},
     "legacy": {"view": ["aws-portal:ViewBilling"], "modify": []}}
  ]})";

const std::string kCondition = R"({"Bool": {"aws:MultiFactorAuthPresent": "true"}})";

// Cost Explorer enabled, so gate 4 passes and the other gates are what these
// tests see (organization_builder_test and the corpus cover gate 4).
pdp::v1::Change WithCostExplorer(pdp::v1::Change change) {
  change.mutable_create_account()->mutable_account()->mutable_settings()->set_cost_explorer_enabled(
      true);
  return change;
}

std::vector<pdp::v1::Change> WorldChanges() {
  using test::Inline;
  using test::PutGroup;
  using test::PutRole;
  using test::PutUser;
  const std::string bills = "billing:GetBillingData";
  return {
      WithCostExplorer(test::CreateAccount(kA, true, pdp::v1::FINE_GRAINED)),
      WithCostExplorer(test::CreateAccount(kB, false, pdp::v1::FINE_GRAINED)),
      WithCostExplorer(test::CreateAccount(kC, true, pdp::v1::LEGACY)),
      test::CreatePolicy("arn:aws:iam::111111111111:policy/ViewBills", AllowDoc({bills})),
      PutGroup("arn:aws:iam::111111111111:group/allowall", {kAdminAccess}),
      PutGroup("arn:aws:iam::111111111111:group/nopay", {},
               {{"deny", PolicyJson({StatementJson("Allow", {"s3:*"}),
                                     StatementJson("Deny", {bills}, "*", "NoBills")})}}),
      PutUser(UserA("admin"), {}, {kAdminAccess}),
      PutUser(UserA("nobody")),
      PutUser(UserA("viewer"), {}, {},
              {{"view", PolicyJson({StatementJson("Allow", {bills}, "*", "ViewBills")})}}),
      PutUser(UserA("managed"), {}, {"arn:aws:iam::111111111111:policy/ViewBills"}),
      PutUser(UserA("grouped"), {"allowall"}),
      PutUser(UserA("partial"), {}, {}, {{"p", AllowDoc({"payments:GetPaymentStatus"})}}),
      PutUser(UserA("payer"), {}, {},
              {{"p", AllowDoc({"payments:GetPaymentStatus", "payments:ListPaymentPreferences"})}}),
      PutUser(UserA("modifier_only"), {}, {},
              {{"p", AllowDoc({"billing:UpdateBillingPreferences"})}}),
      PutUser(
          UserA("editor"), {}, {},
          {{"p", AllowDoc({bills, "billing:UpdateBillingPreferences", "billing:TagResource"})}}),
      PutUser(UserA("denied_by_group"), {"nopay"}, {kAdminAccess}),
      PutUser(UserA("denied_by_self"), {"allowall"}, {}, {{"deny", DenyDoc({bills})}}),
      PutUser(UserA("no_prefs"), {}, {kAdminAccess},
              {{"deny", DenyDoc({"payments:ListPaymentPreferences"})}}),
      PutUser(UserA("cond_allow"), {}, {},
              {{"c", PolicyJson({StatementJson("Allow", {bills}, "*", "", kCondition)})}}),
      PutUser(UserA("cond_deny"), {}, {kAdminAccess},
              {{"c", PolicyJson({StatementJson("Deny", {bills}, "*", "", kCondition)})}}),
      PutUser(UserA("num_allow"), {}, {},
              {{"c", PolicyJson({StatementJson("Allow", {bills}, "*", "",
                                               R"({"NumericLessThan": {"pdp:level": 5}})")})}}),
      PutUser(UserA("num_deny"), {}, {kAdminAccess},
              {{"c", PolicyJson({StatementJson("Deny", {bills}, "*", "",
                                               R"({"NumericLessThan": {"pdp:level": 5}})")})}}),
      PutUser(UserA("empty_cond"), {}, {},
              {{"c", PolicyJson({StatementJson("Allow", {bills}, "*", "", "{}")})}}),
      PutUser(UserA("legacy_viewer"), {}, {}, {{"p", AllowDoc({"aws-portal:ViewBilling"})}}),
      PutUser(
          UserA("budget_user"), {}, {},
          {{"b", AllowDoc({"budgets:ViewBudget"}, "arn:aws:budgets::111111111111:budget/team-*")}}),
      PutUser(UserA("pdf_viewer"), {}, {}, {{"p", AllowDoc({bills, "invoicing:GetInvoicePDF"})}}),
      PutUser(UserA("pdf_denied"), {}, {},
              {{"p", AllowDoc({bills, "invoicing:GetInvoicePDF"})},
               {"d", DenyDoc({"invoicing:GetInvoicePDF"})}}),
      PutUser("arn:aws:iam::111111111111:user/team/pathuser", {}, {kAdminAccess}),
      PutRole("arn:aws:iam::111111111111:role/Ops", {kAdminAccess}),
      PutRole("arn:aws:iam::111111111111:role/Reader", {}, {{"r", AllowDoc({bills})}}),
      PutUser(User(kB, "admin"), {}, {kAdminAccess}),
      PutUser(User(kC, "legacy_viewer"), {}, {}, {{"p", AllowDoc({"aws-portal:ViewBilling"})}}),
      PutUser(User(kC, "fine_viewer"), {}, {}, {{"p", AllowDoc({bills})}}),
      PutUser(User(kC, "legacy_admin"), {}, {}, {{"p", AllowDoc({"aws-portal:*"})}}),
  };
}

using test::PageRequest;

pdp::v1::AuthorizeRequest ActionRequest(const std::string& principal, const std::string& action,
                                        const std::string& resource = "",
                                        const std::string& account = "") {
  pdp::v1::AuthorizeRequest r;
  r.set_principal(principal);
  r.set_account_id(account);
  r.mutable_action()->set_action(action);
  r.mutable_action()->set_resource(resource);
  return r;
}

std::vector<std::pair<std::string, GateTrace::Outcome>> Gates(const pdp::v1::Explanation& ex) {
  std::vector<std::pair<std::string, GateTrace::Outcome>> out;
  for (const GateTrace& g : ex.gates()) out.emplace_back(g.gate(), g.outcome());
  return out;
}

using Gate = std::pair<std::string, GateTrace::Outcome>;

class DecideTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalog = PageCatalog::FromJson(kCatalog);
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    absl::StatusOr<SnapshotPtr> s =
        test::ApplyBatch(Snapshot::Initial(*catalog, test::ShippedAwsPolicies()), WorldChanges());
    ASSERT_TRUE(s.ok()) << s.status();
    snapshot_ = *s;
  }

  pdp::v1::Decision Must(const pdp::v1::AuthorizeRequest& request,
                         pdp::v1::Explanation* explanation = nullptr) {
    absl::StatusOr<pdp::v1::Decision> d = Decide(*snapshot_, request, explanation);
    EXPECT_TRUE(d.ok()) << request.DebugString() << d.status();
    return d.ok() ? *d : pdp::v1::Decision();
  }

  void Expect(const pdp::v1::AuthorizeRequest& request, pdp::v1::Effect effect,
              pdp::v1::Reason reason) {
    pdp::v1::Decision d = Must(request);
    EXPECT_EQ(d.effect(), effect) << request.ShortDebugString() << " -> "
                                  << pdp::v1::Reason_Name(d.reason());
    EXPECT_EQ(d.reason(), reason) << request.ShortDebugString() << " -> "
                                  << pdp::v1::Reason_Name(d.reason());
    EXPECT_EQ(d.revision(), snapshot_->revision());
  }

  void Update(const std::vector<pdp::v1::Change>& changes) {
    absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(snapshot_, changes);
    ASSERT_TRUE(s.ok()) << s.status();
    snapshot_ = *s;
  }

  SnapshotPtr snapshot_;
};

// ---- gate 1: resolve -------------------------------------------------------------------

TEST_F(DecideTest, UnknownPrincipal) {
  Expect(PageRequest(UserA("ghost"), "gated"), DENY, pdp::v1::UNKNOWN_PRINCIPAL);
  Expect(PageRequest("arn:aws:iam::999999999999:user/admin", "gated"), DENY,
         pdp::v1::UNKNOWN_PRINCIPAL);
  Expect(PageRequest("arn:aws:iam::999999999999:root", "gated"), DENY, pdp::v1::UNKNOWN_PRINCIPAL);
  // A user is known by its full ARN, path included.
  Expect(PageRequest(UserA("pathuser"), "gated"), DENY, pdp::v1::UNKNOWN_PRINCIPAL);
  Expect(PageRequest("arn:aws:iam::111111111111:user/other/admin", "gated"), DENY,
         pdp::v1::UNKNOWN_PRINCIPAL);
  Expect(PageRequest("arn:aws:iam::111111111111:user/team/pathuser", "gated"), ALLOW,
         pdp::v1::ALLOWED_BY_POLICY);
  // Users and roles are different things.
  Expect(PageRequest("arn:aws:iam::111111111111:user/Ops", "gated"), DENY,
         pdp::v1::UNKNOWN_PRINCIPAL);
  Expect(PageRequest("arn:aws:iam::111111111111:role/admin", "gated"), DENY,
         pdp::v1::UNKNOWN_PRINCIPAL);
  Expect(PageRequest("arn:aws:sts::111111111111:assumed-role/Nope/s1", "gated"), DENY,
         pdp::v1::UNKNOWN_PRINCIPAL);
  // An unknown principal is reported before an unknown target account.
  Expect(PageRequest(UserA("ghost"), "gated", pdp::v1::VIEW, "999999999999"), DENY,
         pdp::v1::UNKNOWN_PRINCIPAL);
}

// A principal named exactly as stored is resolved without parsing its ARN
// (decide.cc, ResolveStored). What it resolves to must be what the parsed
// ARN gives: the resolve gate's ARN and the principal's context keys.
std::string ContextValue(const pdp::v1::Explanation& ex, absl::string_view key) {
  for (const auto& [k, v] : ex.context().keys()) {
    if (absl::EqualsIgnoreCase(k, key) && v.values_size() == 1) return v.values(0);
  }
  return "<missing>";
}

TEST_F(DecideTest, APrincipalNamedAsStoredResolvesAsItsParsedArnWould) {
  struct Case {
    std::string principal, username, type;
  };
  for (const Case& c : std::vector<Case>{
           {UserA("admin"), "admin", "User"},
           {"arn:aws:iam::111111111111:user/team/pathuser", "pathuser", "User"},
           {"arn:aws:iam::111111111111:role/Ops", "<missing>", "AssumedRole"},
           {RootArn(kA), "<missing>", "Account"},
       }) {
    pdp::v1::Explanation ex;
    pdp::v1::Decision d = Must(PageRequest(c.principal, "ungated"), &ex);
    EXPECT_EQ(d.effect(), ALLOW) << c.principal;
    ASSERT_GT(ex.gates_size(), 0);
    EXPECT_EQ(ex.gates(0).gate(), "resolve");
    EXPECT_EQ(ex.gates(0).detail(), c.principal + " in account 111111111111");
    EXPECT_EQ(ContextValue(ex, "aws:PrincipalArn"), c.principal);
    EXPECT_EQ(ContextValue(ex, "aws:PrincipalAccount"), kA);
    EXPECT_EQ(ContextValue(ex, "aws:PrincipalType"), c.type);
    EXPECT_EQ(ContextValue(ex, "aws:username"), c.username);
  }
  // Near misses of stored ARNs are still unknown, each for its own reason.
  struct Miss {
    std::string principal, detail;
  };
  for (const Miss& m : std::vector<Miss>{
           {"arn:aws:iam::111111111111:user/ADMIN", "does not exist"},
           {"arn:aws:iam::111111111111:user/team/extra/pathuser", "does not exist"},
           {"arn:aws:iam::111111111111:role/ops", "does not exist"},
           {"arn:aws-cn:iam::111111111111:user/admin", "partition aws-cn is not served here"},
           {"arn:aws-us-gov:iam::111111111111:root", "partition aws-us-gov is not served here"},
       }) {
    pdp::v1::Explanation ex;
    pdp::v1::Decision d = Must(PageRequest(m.principal, "ungated"), &ex);
    EXPECT_EQ(d.reason(), pdp::v1::UNKNOWN_PRINCIPAL) << m.principal;
    ASSERT_GT(ex.gates_size(), 0);
    EXPECT_THAT(ex.gates(0).detail(), HasSubstr(m.detail)) << m.principal;
  }
  // Stored, then deleted: the exact-ARN index follows the views.
  Expect(PageRequest(UserA("admin"), "ungated"), ALLOW, pdp::v1::ALLOWED_BY_POLICY);
  Update({test::DeleteEntity(UserA("admin"))});
  Expect(PageRequest(UserA("admin"), "ungated"), DENY, pdp::v1::UNKNOWN_PRINCIPAL);
}

TEST_F(DecideTest, UnknownAccount) {
  Expect(PageRequest(UserA("admin"), "gated", pdp::v1::VIEW, "999999999999"), DENY,
         pdp::v1::UNKNOWN_ACCOUNT);
  Expect(ActionRequest(RootArn(kA), "billing:GetBillingData", "", "999999999999"), DENY,
         pdp::v1::UNKNOWN_ACCOUNT);
}

TEST_F(DecideTest, CrossAccount) {
  Expect(PageRequest(UserA("admin"), "gated", pdp::v1::VIEW, kB), DENY, pdp::v1::CROSS_ACCOUNT);
  Expect(PageRequest(RootArn(kA), "gated", pdp::v1::VIEW, kC), DENY, pdp::v1::CROSS_ACCOUNT);
  Expect(ActionRequest("arn:aws:sts::111111111111:assumed-role/Ops/s1", "ce:GetAnomalies", "", kB),
         DENY, pdp::v1::CROSS_ACCOUNT);
  // Naming one's own account is the same as naming none.
  Expect(PageRequest(UserA("admin"), "gated", pdp::v1::VIEW, kA), ALLOW,
         pdp::v1::ALLOWED_BY_POLICY);
}

TEST_F(DecideTest, AccessLevelNotOffered) {
  Expect(PageRequest(UserA("admin"), "ungated", pdp::v1::MODIFY), DENY,
         pdp::v1::ACCESS_LEVEL_NOT_OFFERED);
  // Not even for the root user.
  Expect(PageRequest(RootArn(kA), "ungated", pdp::v1::MODIFY), DENY,
         pdp::v1::ACCESS_LEVEL_NOT_OFFERED);
  Expect(PageRequest(RootArn(kA), "ungated", pdp::v1::VIEW), ALLOW, pdp::v1::ROOT_USER);
  // Whether MODIFY is offered depends on the account's action set.
  Expect(PageRequest(RootArn(kA), "fine_modify_only", pdp::v1::MODIFY), ALLOW, pdp::v1::ROOT_USER);
  Expect(PageRequest(RootArn(kC), "fine_modify_only", pdp::v1::MODIFY), DENY,
         pdp::v1::ACCESS_LEVEL_NOT_OFFERED);
  Expect(PageRequest(User(kC, "legacy_admin"), "fine_modify_only", pdp::v1::MODIFY), DENY,
         pdp::v1::ACCESS_LEVEL_NOT_OFFERED);
}

// ---- gate 2: root-only actions -------------------------------------------------------------

TEST_F(DecideTest, RootOnlyActions) {
  EXPECT_TRUE(IsRootOnlyAction("billing:updateiamaccesspreference"));
  EXPECT_FALSE(IsRootOnlyAction("billing:getiamaccesspreference"));
  EXPECT_FALSE(IsRootOnlyAction("billing:updatebillingpreferences"));

  Expect(PageRequest(UserA("admin"), "iam_pref", pdp::v1::MODIFY), DENY, pdp::v1::ROOT_ONLY);
  Expect(PageRequest("arn:aws:iam::111111111111:role/Ops", "iam_pref", pdp::v1::MODIFY), DENY,
         pdp::v1::ROOT_ONLY);
  Expect(ActionRequest(UserA("admin"), "billing:UpdateIAMAccessPreference"), DENY,
         pdp::v1::ROOT_ONLY);
  Expect(ActionRequest(UserA("admin"), "Billing:updateIAMaccessPreference"), DENY,
         pdp::v1::ROOT_ONLY);
  // Checked before the IAM access gate.
  Expect(PageRequest(User(kB, "admin"), "iam_pref", pdp::v1::MODIFY), DENY, pdp::v1::ROOT_ONLY);
  // Viewing the preference is not root-only.
  Expect(PageRequest(UserA("admin"), "iam_pref", pdp::v1::VIEW), ALLOW, pdp::v1::ALLOWED_BY_POLICY);
  // The root user may.
  Expect(PageRequest(RootArn(kA), "iam_pref", pdp::v1::MODIFY), ALLOW, pdp::v1::ROOT_USER);
  Expect(ActionRequest(RootArn(kB), "billing:UpdateIAMAccessPreference"), ALLOW,
         pdp::v1::ROOT_USER);
}

// ---- gate 5: root user ---------------------------------------------------------------------

TEST_F(DecideTest, RootUserIsAllowedEvenWithoutIamAccess) {
  Expect(PageRequest(RootArn(kB), "gated"), ALLOW, pdp::v1::ROOT_USER);
  Expect(PageRequest(RootArn(kB), "gated", pdp::v1::MODIFY), ALLOW, pdp::v1::ROOT_USER);
  Expect(PageRequest(RootArn(kC), "two_actions", pdp::v1::MODIFY), ALLOW, pdp::v1::ROOT_USER);
  Expect(ActionRequest(RootArn(kA), "s3:DeleteBucket", "arn:aws:s3:::b"), ALLOW,
         pdp::v1::ROOT_USER);
}

// ---- gate 6: IAM access ----------------------------------------------------------------------

TEST_F(DecideTest, IamAccessGate) {
  Expect(PageRequest(User(kB, "admin"), "gated"), DENY, pdp::v1::IAM_ACCESS_NOT_ACTIVATED);
  Expect(PageRequest(User(kB, "admin"), "two_actions", pdp::v1::MODIFY), DENY,
         pdp::v1::IAM_ACCESS_NOT_ACTIVATED);
  // Pages the setting does not control, and API actions, skip the gate.
  Expect(PageRequest(User(kB, "admin"), "ungated"), ALLOW, pdp::v1::ALLOWED_BY_POLICY);
  Expect(ActionRequest(User(kB, "admin"), "billing:GetBillingData"), ALLOW,
         pdp::v1::ALLOWED_BY_POLICY);
  // Once the root user activates IAM access, policies decide.
  Update({test::UpdateSettings(kB, RootArn(kB), {"iam_access_to_billing"}, true,
                               pdp::v1::FINE_GRAINED)});
  Expect(PageRequest(User(kB, "admin"), "gated"), ALLOW, pdp::v1::ALLOWED_BY_POLICY);
}

TEST_F(DecideTest, IamAccessGateComesBeforePolicies) {
  // A user without any policy in an account without IAM access: the gate speaks first.
  Update({test::PutUser(User(kB, "nobody"))});
  Expect(PageRequest(User(kB, "nobody"), "gated"), DENY, pdp::v1::IAM_ACCESS_NOT_ACTIVATED);
  Expect(PageRequest(User(kB, "nobody"), "ungated"), DENY, pdp::v1::IMPLICIT_DENY);
}

// ---- gate 7: identity policies ---------------------------------------------------------------

TEST_F(DecideTest, AllowedByPolicyThroughEveryRoute) {
  Expect(PageRequest(UserA("viewer"), "gated"), ALLOW, pdp::v1::ALLOWED_BY_POLICY);   // inline
  Expect(PageRequest(UserA("admin"), "gated"), ALLOW, pdp::v1::ALLOWED_BY_POLICY);    // AWS managed
  Expect(PageRequest(UserA("managed"), "gated"), ALLOW, pdp::v1::ALLOWED_BY_POLICY);  // customer
  Expect(PageRequest(UserA("grouped"), "gated"), ALLOW, pdp::v1::ALLOWED_BY_POLICY);  // group
  Expect(PageRequest("arn:aws:iam::111111111111:role/Reader", "gated"), ALLOW,
         pdp::v1::ALLOWED_BY_POLICY);
  Expect(PageRequest("arn:aws:sts::111111111111:assumed-role/Reader/alice", "gated"), ALLOW,
         pdp::v1::ALLOWED_BY_POLICY);
}

TEST_F(DecideTest, ImplicitDeny) {
  Expect(PageRequest(UserA("nobody"), "gated"), DENY, pdp::v1::IMPLICIT_DENY);
  Expect(ActionRequest(UserA("nobody"), "ce:GetAnomalies"), DENY, pdp::v1::IMPLICIT_DENY);
  // Every required action must be allowed.
  Expect(PageRequest(UserA("partial"), "two_actions"), DENY, pdp::v1::IMPLICIT_DENY);
  Expect(PageRequest(UserA("payer"), "two_actions"), ALLOW, pdp::v1::ALLOWED_BY_POLICY);
  // MODIFY needs the view actions and the modify actions.
  Expect(PageRequest(UserA("modifier_only"), "gated", pdp::v1::MODIFY), DENY,
         pdp::v1::IMPLICIT_DENY);
  Expect(PageRequest(UserA("viewer"), "gated", pdp::v1::MODIFY), DENY, pdp::v1::IMPLICIT_DENY);
  Expect(PageRequest(UserA("editor"), "gated", pdp::v1::MODIFY), ALLOW, pdp::v1::ALLOWED_BY_POLICY);
  Expect(PageRequest(UserA("payer"), "two_actions", pdp::v1::MODIFY), DENY, pdp::v1::IMPLICIT_DENY);
}

TEST_F(DecideTest, ExplicitDenyBeatsAllowAcrossUserAndGroupPolicies) {
  // Allowed by the user's attached policy, denied by its group's inline policy.
  Expect(PageRequest(UserA("denied_by_group"), "gated"), DENY, pdp::v1::EXPLICIT_DENY);
  // Allowed through the group, denied by the user's own inline policy.
  Expect(PageRequest(UserA("denied_by_self"), "gated"), DENY, pdp::v1::EXPLICIT_DENY);
  Expect(ActionRequest(UserA("denied_by_self"), "BILLING:GETBILLINGDATA"), DENY,
         pdp::v1::EXPLICIT_DENY);
  // A deny of one required action denies the page.
  Expect(PageRequest(UserA("no_prefs"), "two_actions"), DENY, pdp::v1::EXPLICIT_DENY);
  // The deny covers only what it names.
  Expect(PageRequest(UserA("denied_by_group"), "ungated"), ALLOW, pdp::v1::ALLOWED_BY_POLICY);
  Expect(PageRequest(UserA("no_prefs"), "gated"), ALLOW, pdp::v1::ALLOWED_BY_POLICY);
}

pdp::v1::AuthorizeRequest WithContext(pdp::v1::AuthorizeRequest r, const std::string& key,
                                      const std::string& value) {
  (*r.mutable_context()->mutable_keys())[key].add_values(value);
  return r;
}

TEST_F(DecideTest, ConditionsAreEvaluated) {
  // Allow if MFA: the key is missing, so the allow does not apply.
  Expect(PageRequest(UserA("cond_allow"), "gated"), DENY, pdp::v1::IMPLICIT_DENY);
  Expect(
      WithContext(PageRequest(UserA("cond_allow"), "gated"), "aws:MultiFactorAuthPresent", "true"),
      ALLOW, pdp::v1::ALLOWED_BY_POLICY);
  // Deny if MFA: without the key the deny does not apply; with it, it does.
  Expect(PageRequest(UserA("cond_deny"), "gated"), ALLOW, pdp::v1::ALLOWED_BY_POLICY);
  Expect(
      WithContext(PageRequest(UserA("cond_deny"), "gated"), "AWS:MultiFactorAuthPresent", "true"),
      DENY, pdp::v1::EXPLICIT_DENY);
  Expect(
      WithContext(PageRequest(UserA("cond_deny"), "ungated"), "aws:MultiFactorAuthPresent", "true"),
      ALLOW, pdp::v1::ALLOWED_BY_POLICY);
  // A statement with an empty Condition block has no condition.
  Expect(PageRequest(UserA("empty_cond"), "gated"), ALLOW, pdp::v1::ALLOWED_BY_POLICY);
}

TEST_F(DecideTest, ConditionsThatCannotBeEvaluatedFailClosed) {
  // A request value that is not a number: the allow never applies, the deny does.
  Expect(WithContext(PageRequest(UserA("num_allow"), "gated"), "pdp:level", "abc"), DENY,
         pdp::v1::IMPLICIT_DENY);
  Expect(WithContext(PageRequest(UserA("num_allow"), "gated"), "pdp:level", "3"), ALLOW,
         pdp::v1::ALLOWED_BY_POLICY);
  Expect(WithContext(PageRequest(UserA("num_deny"), "gated"), "pdp:level", "abc"), DENY,
         pdp::v1::EXPLICIT_DENY);
  Expect(WithContext(PageRequest(UserA("num_deny"), "gated"), "pdp:level", "9"), ALLOW,
         pdp::v1::ALLOWED_BY_POLICY);
}

TEST_F(DecideTest, CallersCannotSetPrincipalKeys) {
  auto r = Decide(*snapshot_, WithContext(PageRequest(UserA("admin"), "gated"), "aws:username",
                                          "someone-else"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("context.keys[aws:username]"));
}

TEST_F(DecideTest, ResourcesOfRawActions) {
  const std::string team_a = "arn:aws:budgets::111111111111:budget/team-a";
  Expect(ActionRequest(UserA("budget_user"), "budgets:ViewBudget", team_a), ALLOW,
         pdp::v1::ALLOWED_BY_POLICY);
  Expect(ActionRequest(UserA("budget_user"), "BUDGETS:viewbudget", team_a), ALLOW,
         pdp::v1::ALLOWED_BY_POLICY);
  Expect(ActionRequest(UserA("budget_user"), "budgets:ViewBudget",
                       "arn:aws:budgets::111111111111:budget/other"),
         DENY, pdp::v1::IMPLICIT_DENY);
  Expect(ActionRequest(UserA("budget_user"), "budgets:ViewBudget",
                       "arn:aws:budgets::111111111111:budget/Team-a"),
         DENY, pdp::v1::IMPLICIT_DENY);
  // No resource means "*", which a resource-specific statement does not cover.
  Expect(ActionRequest(UserA("budget_user"), "budgets:ViewBudget"), DENY, pdp::v1::IMPLICIT_DENY);
  Expect(ActionRequest(UserA("budget_user"), "budgets:ViewBudget", "*"), DENY,
         pdp::v1::IMPLICIT_DENY);
  Expect(ActionRequest(UserA("admin"), "budgets:ViewBudget", team_a), ALLOW,
         pdp::v1::ALLOWED_BY_POLICY);
}

// ---- action sets
// ---------------------------------------------------------------------------------

TEST_F(DecideTest, LegacyAndFineGrainedActionSets) {
  // LEGACY account: the aws-portal actions count, the fine-grained ones do not.
  Expect(PageRequest(User(kC, "legacy_viewer"), "gated"), ALLOW, pdp::v1::ALLOWED_BY_POLICY);
  Expect(PageRequest(User(kC, "fine_viewer"), "gated"), DENY, pdp::v1::IMPLICIT_DENY);
  Expect(PageRequest(User(kC, "legacy_viewer"), "gated", pdp::v1::MODIFY), DENY,
         pdp::v1::IMPLICIT_DENY);
  Expect(PageRequest(User(kC, "legacy_admin"), "gated", pdp::v1::MODIFY), ALLOW,
         pdp::v1::ALLOWED_BY_POLICY);
  // FINE_GRAINED account: the other way round.
  Expect(PageRequest(UserA("legacy_viewer"), "gated"), DENY, pdp::v1::IMPLICIT_DENY);
  Expect(PageRequest(UserA("viewer"), "gated"), ALLOW, pdp::v1::ALLOWED_BY_POLICY);

  pdp::v1::Explanation ex;
  Must(PageRequest(User(kC, "legacy_admin"), "gated", pdp::v1::MODIFY), &ex);
  EXPECT_THAT(ex.required_actions(),
              ElementsAre("aws-portal:ViewBilling", "aws-portal:ModifyBilling"));

  // Switching the account's action set switches the actions checked.
  Update({test::UpdateSettings(kA, RootArn(kA), {"console_action_set"}, true, pdp::v1::LEGACY)});
  Expect(PageRequest(UserA("legacy_viewer"), "gated"), ALLOW, pdp::v1::ALLOWED_BY_POLICY);
  Expect(PageRequest(UserA("viewer"), "gated"), DENY, pdp::v1::IMPLICIT_DENY);
}

// ---- features ----------------------------------------------------------------------------------

TEST_F(DecideTest, AvailableFeatures) {
  EXPECT_THAT(Must(PageRequest(UserA("pdf_viewer"), "gated")).available_features(),
              ElementsAre("pdf"));
  EXPECT_THAT(Must(PageRequest(UserA("viewer"), "gated")).available_features(), IsEmpty());
  // Denying a feature's action removes the feature, not the page.
  pdp::v1::Decision denied = Must(PageRequest(UserA("pdf_denied"), "gated"));
  EXPECT_EQ(denied.effect(), ALLOW);
  EXPECT_THAT(denied.available_features(), IsEmpty());
  // MODIFY features only for MODIFY requests.
  EXPECT_THAT(Must(PageRequest(UserA("editor"), "gated")).available_features(), IsEmpty());
  EXPECT_THAT(Must(PageRequest(UserA("editor"), "gated", pdp::v1::MODIFY)).available_features(),
              ElementsAre("tagging"));
  EXPECT_THAT(Must(PageRequest(UserA("admin"), "gated", pdp::v1::MODIFY)).available_features(),
              ElementsAre("pdf", "tagging"));
  // The root user has every feature.
  EXPECT_THAT(Must(PageRequest(RootArn(kB), "gated")).available_features(), ElementsAre("pdf"));
  EXPECT_THAT(Must(PageRequest(RootArn(kB), "gated", pdp::v1::MODIFY)).available_features(),
              ElementsAre("pdf", "tagging"));
  // Features use the account's action set.
  EXPECT_THAT(Must(PageRequest(User(kC, "legacy_viewer"), "gated")).available_features(),
              ElementsAre("pdf"));
  // A denied page has no features.
  EXPECT_THAT(Must(PageRequest(User(kB, "admin"), "gated")).available_features(), IsEmpty());
  EXPECT_THAT(Must(PageRequest(UserA("nobody"), "gated")).available_features(), IsEmpty());
  // Raw actions have none.
  EXPECT_THAT(Must(ActionRequest(UserA("admin"), "billing:GetBillingData")).available_features(),
              IsEmpty());
}

// ---- explanations
// --------------------------------------------------------------------------------

TEST_F(DecideTest, ExplainAllowedByPolicy) {
  pdp::v1::Explanation ex;
  pdp::v1::Decision d = Must(PageRequest(UserA("viewer"), "gated"), &ex);
  EXPECT_EQ(d.reason(), pdp::v1::ALLOWED_BY_POLICY);
  EXPECT_THAT(
      Gates(ex),
      ElementsAre(Gate{"resolve", GateTrace::PASSED}, Gate{"root_only", GateTrace::PASSED},
                  Gate{"scp", GateTrace::SKIPPED}, Gate{"cost_explorer", GateTrace::SKIPPED},
                  Gate{"root_user", GateTrace::SKIPPED}, Gate{"iam_access", GateTrace::PASSED},
                  Gate{"identity_policies", GateTrace::ALLOWED}));
  EXPECT_THAT(ex.required_actions(), ElementsAre("billing:GetBillingData"));
  ASSERT_EQ(ex.actions_size(), 1);
  const pdp::v1::ActionTrace& a = ex.actions(0);
  EXPECT_EQ(a.action(), "billing:GetBillingData");
  EXPECT_EQ(a.resource(), "*");
  EXPECT_EQ(a.effect(), ALLOW);
  ASSERT_EQ(a.statements_size(), 1);
  const pdp::v1::StatementTrace& st = a.statements(0);
  EXPECT_EQ(st.policy(), UserA("viewer") + "#inline/view");
  EXPECT_EQ(st.via(), UserA("viewer"));
  EXPECT_EQ(st.sid(), "ViewBills");
  EXPECT_EQ(st.index(), 0);
  EXPECT_EQ(st.effect(), ALLOW);
  EXPECT_TRUE(st.matched());
  for (const GateTrace& g : ex.gates()) EXPECT_FALSE(g.detail().empty()) << g.gate();
}

// Statements whose action matched (Explain also lists the others, with a note).
std::vector<pdp::v1::StatementTrace> Considered(const pdp::v1::ActionTrace& a) {
  std::vector<pdp::v1::StatementTrace> out;
  for (const auto& st : a.statements()) {
    if (st.note().rfind("Action does not match", 0) != 0 &&
        st.note().rfind("NotAction lists", 0) != 0) {
      out.push_back(st);
    }
  }
  return out;
}

TEST_F(DecideTest, ExplainExplicitDenyThroughAGroup) {
  pdp::v1::Explanation ex;
  pdp::v1::Decision d = Must(PageRequest(UserA("denied_by_group"), "gated"), &ex);
  EXPECT_EQ(d.reason(), pdp::v1::EXPLICIT_DENY);
  EXPECT_THAT(
      Gates(ex),
      ElementsAre(Gate{"resolve", GateTrace::PASSED}, Gate{"root_only", GateTrace::PASSED},
                  Gate{"scp", GateTrace::SKIPPED}, Gate{"cost_explorer", GateTrace::SKIPPED},
                  Gate{"root_user", GateTrace::SKIPPED}, Gate{"iam_access", GateTrace::PASSED},
                  Gate{"identity_policies", GateTrace::DENIED}));
  ASSERT_EQ(ex.actions_size(), 1);
  const pdp::v1::ActionTrace& a = ex.actions(0);
  EXPECT_EQ(a.effect(), DENY);
  // The group's s3:* allow is listed as not matching the action.
  EXPECT_GT(a.statements_size(), 2);
  std::vector<pdp::v1::StatementTrace> considered = Considered(a);
  ASSERT_EQ(considered.size(), 2u);
  EXPECT_EQ(considered[0].policy(), kAdminAccess);
  EXPECT_EQ(considered[0].via(), UserA("denied_by_group"));
  EXPECT_EQ(considered[0].effect(), ALLOW);
  EXPECT_TRUE(considered[0].matched());
  const std::string group = "arn:aws:iam::111111111111:group/nopay";
  EXPECT_EQ(considered[1].policy(), group + "#inline/deny");
  EXPECT_EQ(considered[1].via(), group);
  EXPECT_EQ(considered[1].sid(), "NoBills");
  EXPECT_EQ(considered[1].index(), 1);
  EXPECT_EQ(considered[1].effect(), DENY);
  EXPECT_TRUE(considered[1].matched());
}

TEST_F(DecideTest, ExplainListsEveryRequiredAction) {
  pdp::v1::Explanation ex;
  pdp::v1::Decision d = Must(PageRequest(UserA("partial"), "two_actions"), &ex);
  EXPECT_EQ(d.reason(), pdp::v1::IMPLICIT_DENY);
  EXPECT_THAT(ex.required_actions(),
              ElementsAre("payments:GetPaymentStatus", "payments:ListPaymentPreferences"));
  ASSERT_EQ(ex.actions_size(), 2);
  EXPECT_EQ(ex.actions(0).action(), "payments:GetPaymentStatus");
  EXPECT_EQ(ex.actions(0).effect(), ALLOW);
  EXPECT_EQ(Considered(ex.actions(0)).size(), 1u);
  EXPECT_EQ(ex.actions(1).action(), "payments:ListPaymentPreferences");
  EXPECT_EQ(ex.actions(1).effect(), DENY);
  EXPECT_EQ(Considered(ex.actions(1)).size(), 0u);
  EXPECT_EQ(ex.actions(1).statements_size(), 1) << "listed, with why it did not match";
  EXPECT_EQ(ex.gates(ex.gates_size() - 1).outcome(), GateTrace::DENIED);
}

TEST_F(DecideTest, ExplainNotMatchedStatements) {
  pdp::v1::Explanation ex;
  Must(ActionRequest(UserA("budget_user"), "budgets:ViewBudget",
                     "arn:aws:budgets::111111111111:budget/other"),
       &ex);
  ASSERT_EQ(ex.actions_size(), 1);
  EXPECT_EQ(ex.actions(0).resource(), "arn:aws:budgets::111111111111:budget/other");
  ASSERT_EQ(Considered(ex.actions(0)).size(), 1u);
  EXPECT_FALSE(Considered(ex.actions(0))[0].matched());
  EXPECT_THAT(Considered(ex.actions(0))[0].note(), HasSubstr("Resource"));
  // API actions skip the IAM access gate.
  EXPECT_EQ(ex.gates(5).gate(), "iam_access");
  EXPECT_EQ(ex.gates(5).outcome(), GateTrace::SKIPPED);

  pdp::v1::Explanation cond;
  Must(PageRequest(UserA("cond_allow"), "gated"), &cond);
  ASSERT_EQ(cond.actions_size(), 1);
  ASSERT_EQ(cond.actions(0).statements_size(), 1);
  EXPECT_FALSE(cond.actions(0).statements(0).matched());
  EXPECT_THAT(cond.actions(0).statements(0).note(), HasSubstr("Condition"));
  ASSERT_EQ(cond.actions(0).statements(0).conditions_size(), 1);
  EXPECT_TRUE(cond.actions(0).statements(0).conditions(0).key_missing());
  EXPECT_THAT(cond.missing_context_keys(), ElementsAre("aws:MultiFactorAuthPresent"));

  pdp::v1::Explanation cond_deny;
  Must(WithContext(PageRequest(UserA("cond_deny"), "gated"), "aws:MultiFactorAuthPresent", "true"),
       &cond_deny);
  ASSERT_EQ(cond_deny.actions_size(), 1);
  bool saw_conditional_deny = false;
  for (const auto& st : cond_deny.actions(0).statements()) {
    if (st.effect() == DENY) {
      saw_conditional_deny = true;
      EXPECT_TRUE(st.matched());
      ASSERT_EQ(st.conditions_size(), 1);
      EXPECT_EQ(st.conditions(0).outcome(), "true");
    }
  }
  EXPECT_TRUE(saw_conditional_deny);
}

TEST_F(DecideTest, ExplainGatesThatDenyEarly) {
  pdp::v1::Explanation resolve;
  Must(PageRequest(UserA("ghost"), "gated"), &resolve);
  EXPECT_THAT(Gates(resolve), ElementsAre(Gate{"resolve", GateTrace::DENIED}));
  EXPECT_THAT(resolve.gates(0).detail(), HasSubstr("ghost"));
  EXPECT_EQ(resolve.actions_size(), 0);

  pdp::v1::Explanation not_offered;
  Must(PageRequest(UserA("admin"), "ungated", pdp::v1::MODIFY), &not_offered);
  EXPECT_THAT(Gates(not_offered), ElementsAre(Gate{"resolve", GateTrace::DENIED}));

  pdp::v1::Explanation root_only;
  Must(PageRequest(UserA("admin"), "iam_pref", pdp::v1::MODIFY), &root_only);
  EXPECT_THAT(Gates(root_only), ElementsAre(Gate{"resolve", GateTrace::PASSED},
                                            Gate{"root_only", GateTrace::DENIED}));
  EXPECT_THAT(root_only.gates(1).detail(), HasSubstr("billing:UpdateIAMAccessPreference"));

  pdp::v1::Explanation root;
  Must(PageRequest(RootArn(kB), "gated"), &root);
  EXPECT_THAT(
      Gates(root),
      ElementsAre(Gate{"resolve", GateTrace::PASSED}, Gate{"root_only", GateTrace::PASSED},
                  Gate{"scp", GateTrace::SKIPPED}, Gate{"cost_explorer", GateTrace::SKIPPED},
                  Gate{"root_user", GateTrace::ALLOWED}));
  EXPECT_EQ(root.actions_size(), 0);

  pdp::v1::Explanation iam;
  Must(PageRequest(User(kB, "admin"), "gated"), &iam);
  EXPECT_THAT(
      Gates(iam),
      ElementsAre(Gate{"resolve", GateTrace::PASSED}, Gate{"root_only", GateTrace::PASSED},
                  Gate{"scp", GateTrace::SKIPPED}, Gate{"cost_explorer", GateTrace::SKIPPED},
                  Gate{"root_user", GateTrace::SKIPPED}, Gate{"iam_access", GateTrace::DENIED}));
  EXPECT_EQ(iam.actions_size(), 0);

  pdp::v1::Explanation ungated;
  Must(PageRequest(User(kB, "admin"), "ungated"), &ungated);
  EXPECT_THAT(
      Gates(ungated),
      ElementsAre(Gate{"resolve", GateTrace::PASSED}, Gate{"root_only", GateTrace::PASSED},
                  Gate{"scp", GateTrace::SKIPPED}, Gate{"cost_explorer", GateTrace::PASSED},
                  Gate{"root_user", GateTrace::SKIPPED}, Gate{"iam_access", GateTrace::SKIPPED},
                  Gate{"identity_policies", GateTrace::ALLOWED}));
}

TEST_F(DecideTest, ExplainingDoesNotChangeTheDecision) {
  std::vector<pdp::v1::AuthorizeRequest> requests = {
      PageRequest(UserA("viewer"), "gated"),
      PageRequest(UserA("denied_by_group"), "gated"),
      PageRequest(UserA("no_prefs"), "two_actions"),
      PageRequest(UserA("pdf_denied"), "gated"),
      PageRequest(UserA("admin"), "gated", pdp::v1::MODIFY),
      PageRequest(User(kB, "admin"), "gated"),
      PageRequest(RootArn(kA), "iam_pref", pdp::v1::MODIFY),
      ActionRequest(UserA("budget_user"), "budgets:ViewBudget"),
  };
  for (const auto& r : requests) {
    pdp::v1::Explanation ex;
    pdp::v1::Decision with = Must(r, &ex);
    pdp::v1::Decision without = Must(r);
    EXPECT_EQ(with.SerializeAsString(), without.SerializeAsString()) << r.ShortDebugString();
  }
}

// ---- caller errors
// -------------------------------------------------------------------------------

TEST_F(DecideTest, MalformedRequestsAreInvalidArgumentWithTheField) {
  struct Case {
    pdp::v1::AuthorizeRequest request;
    std::string field;
  };
  pdp::v1::AuthorizeRequest no_target;
  no_target.set_principal(UserA("admin"));
  std::vector<Case> cases = {
      {PageRequest("", "gated"), "principal"},
      {PageRequest("admin", "gated"), "principal"},
      {PageRequest("arn:aws:iam::1111:user/admin", "gated"), "principal"},
      {PageRequest("arn:aws:iam::111111111111:group/allowall", "gated"), "principal"},
      {PageRequest(kAdminAccess, "gated"), "principal"},
      {PageRequest(UserA("admin"), "gated", pdp::v1::VIEW, "1111"), "account_id"},
      {PageRequest(UserA("admin"), "gated", pdp::v1::VIEW, "11111111111x"), "account_id"},
      {PageRequest(UserA("admin"), "no_such_page"), "page.page_id"},
      {PageRequest(UserA("admin"), ""), "page.page_id"},
      {PageRequest(UserA("admin"), "Gated"), "page.page_id"},
      {PageRequest(UserA("admin"), "gated", pdp::v1::ACCESS_UNSPECIFIED), "page.access"},
      {no_target, "target"},
      {ActionRequest(UserA("admin"), ""), "action.action"},
      {ActionRequest(UserA("admin"), "billing"), "action.action"},
      {ActionRequest(UserA("admin"), "billing:Get*"), "action.action"},
      {ActionRequest(UserA("admin"), "billing:Get?illingData"), "action.action"},
      {ActionRequest(UserA("admin"), "*"), "action.action"},
      {ActionRequest(UserA("admin"), "a:b:c"), "action.action"},
      {ActionRequest(UserA("admin"), ":GetBillingData"), "action.action"},
      {ActionRequest(UserA("admin"), "budgets:ViewBudget", "budget/x"), "action.resource"},
      {ActionRequest(UserA("admin"), "budgets:ViewBudget", "arn:aws:budgets"), "action.resource"},
      // A stored ARN with anything after it is not that principal: it is
      // parsed, and refused (too long; a NUL is no name character).
      {PageRequest(UserA("admin") + std::string(3000, 'a'), "gated"), "principal"},
      {PageRequest(UserA("admin") + std::string(1, '\0'), "gated"), "principal"},
      {PageRequest(RootArn(kA) + std::string(1, '\0'), "gated"), "principal"},
      // Caller errors win over decisions about unknown principals.
      {PageRequest(UserA("ghost"), "no_such_page"), "page.page_id"},
      {PageRequest(UserA("ghost"), "gated", pdp::v1::VIEW, "12"), "account_id"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<pdp::v1::Decision> d = Decide(*snapshot_, c.request);
    ASSERT_FALSE(d.ok()) << c.request.ShortDebugString() << " decided "
                         << pdp::v1::Reason_Name(d->reason());
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument)
        << c.request.ShortDebugString();
    EXPECT_EQ(test::FieldOf(d.status()), c.field) << c.request.ShortDebugString() << d.status();
  }
}

// The request context's limits and rules (principal_context.h), each with
// the field it names.
TEST_F(DecideTest, HostileContextsAreInvalidArgumentWithTheField) {
  struct Case {
    std::vector<std::pair<std::string, std::vector<std::string>>> keys;
    std::string field;
  };
  std::vector<std::pair<std::string, std::vector<std::string>>> too_many_keys;
  for (int i = 0; i <= kMaxContextKeys; ++i) too_many_keys.push_back({absl::StrCat("k:", i), {}});
  std::vector<std::pair<std::string, std::vector<std::string>>> too_many_bytes;
  for (int i = 0; i < 17; ++i) {
    too_many_bytes.push_back({absl::StrCat("k:", i), {std::string(kMaxContextValueBytes, 'v')}});
  }
  const std::string long_key = "k:" + std::string(kMaxContextKeyBytes, 'x');
  std::vector<Case> cases = {
      {too_many_keys, "context.keys"},
      {too_many_bytes, "context.keys"},
      {{{"", {"v"}}}, "context.keys[]"},
      {{{long_key, {"v"}}}, absl::StrCat("context.keys[", ShortInput(long_key), "]")},
      {{{"k:a", std::vector<std::string>(kMaxContextValues + 1, "v")}}, "context.keys[k:a]"},
      {{{"k:a", {"ok", std::string(kMaxContextValueBytes + 1, 'v')}}},
       "context.keys[k:a].values[1]"},
      {{{"aws:RequestedRegion", {"us-east-1"}}, {"AWS:REQUESTEDREGION", {"eu-west-1"}}},
       "context.keys[AWS:REQUESTEDREGION]"},
      {{{"aws:SourceIp", {"garbage"}}}, "context.keys[aws:SourceIp].values[0]"},
      {{{"AWS:SOURCEIP", {"10.0.0.0/8"}}}, "context.keys[AWS:SOURCEIP].values[0]"},
      {{{"aws:MultiFactorAuthPresent", {"no"}}},
       "context.keys[aws:MultiFactorAuthPresent].values[0]"},
      {{{"aws:MultiFactorAuthPresent", {"true", "false"}}},
       "context.keys[aws:MultiFactorAuthPresent]"},
      {{{"aws:SecureTransport", {""}}}, "context.keys[aws:SecureTransport].values[0]"},
      {{{"aws:CurrentTime", {"now"}}}, "context.keys[aws:CurrentTime].values[0]"},
      {{{"aws:EpochTime", {"2024-01-01"}}}, "context.keys[aws:EpochTime].values[0]"},
      {{{"aws:MultiFactorAuthAge", {"old"}}}, "context.keys[aws:MultiFactorAuthAge].values[0]"},
      {{{"aws:SourceArn", {"blocked-x"}}}, "context.keys[aws:SourceArn].values[0]"},
  };
  for (const Case& c : cases) {
    pdp::v1::AuthorizeRequest r = PageRequest(UserA("admin"), "gated");
    for (const auto& [k, values] : c.keys) {
      auto& v = (*r.mutable_context()->mutable_keys())[k];
      for (const std::string& s : values) v.add_values(s);
    }
    absl::StatusOr<pdp::v1::Decision> d = Decide(*snapshot_, r);
    ASSERT_FALSE(d.ok()) << c.field << " decided " << pdp::v1::Reason_Name(d->reason());
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_EQ(test::FieldOf(d.status()), c.field) << d.status();
  }
  // The case clash names both keys, whatever order the map holds them in.
  pdp::v1::AuthorizeRequest clash = PageRequest(UserA("admin"), "gated");
  (*clash.mutable_context()->mutable_keys())["aws:RequestedRegion"].add_values("us-east-1");
  (*clash.mutable_context()->mutable_keys())["AWS:REQUESTEDREGION"].add_values("eu-west-1");
  absl::StatusOr<pdp::v1::Decision> d = Decide(*snapshot_, clash);
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("context.keys[aws:RequestedRegion]"));

  // Right at the limits is accepted; so are well-formed well-known keys.
  pdp::v1::AuthorizeRequest fine = PageRequest(UserA("admin"), "gated");
  auto& keys = *fine.mutable_context()->mutable_keys();
  keys["k:a"].add_values(std::string(kMaxContextValueBytes, 'v'));
  for (int i = 0; i < kMaxContextValues; ++i) keys["k:b"].add_values("v");
  keys["aws:SourceIp"].add_values("2001:db8::1");
  keys["aws:MultiFactorAuthPresent"].add_values("TRUE");
  keys["aws:CurrentTime"].add_values("2024-06-01T12:00:00Z");
  keys["aws:EpochTime"].add_values("1717243200");
  keys["aws:MultiFactorAuthAge"].add_values("300");
  keys["aws:SourceArn"].add_values("arn:aws:s3:::bucket");
  keys["aws:RequestedRegion"].add_values("us-east-1");
  EXPECT_TRUE(Decide(*snapshot_, fine).ok()) << Decide(*snapshot_, fine).status();
}

TEST_F(DecideTest, DecisionsCarryTheRevisionTheyWereMadeOn) {
  SnapshotPtr before = snapshot_;
  Update({test::DeleteEntity(UserA("viewer"))});
  EXPECT_EQ(snapshot_->revision(), before->revision() + 1);
  absl::StatusOr<pdp::v1::Decision> old = Decide(*before, PageRequest(UserA("viewer"), "gated"));
  absl::StatusOr<pdp::v1::Decision> now = Decide(*snapshot_, PageRequest(UserA("viewer"), "gated"));
  ASSERT_TRUE(old.ok() && now.ok());
  EXPECT_EQ(old->revision(), before->revision());
  EXPECT_EQ(old->reason(), pdp::v1::ALLOWED_BY_POLICY);
  EXPECT_EQ(now->revision(), snapshot_->revision());
  EXPECT_EQ(now->reason(), pdp::v1::UNKNOWN_PRINCIPAL);
}

// ---- DecideAllPages
// ---------------------------------------------------------------------------------

// Compares DecideAllPages with Decide for every page and both access levels.
void ExpectAllPagesAgree(const Snapshot& snapshot, const std::string& principal,
                         const std::string& account) {
  SCOPED_TRACE(principal + " @ " + account);
  absl::StatusOr<std::vector<PageDecision>> all =
      DecideAllPages(snapshot, principal, account, pdp::v1::RequestContext());
  ASSERT_TRUE(all.ok()) << all.status();
  const auto& pages = snapshot.catalog().pages();
  ASSERT_EQ(all->size(), pages.size());
  for (size_t i = 0; i < pages.size(); ++i) {
    const PageDecision& pd = (*all)[i];
    ASSERT_EQ(pd.page, &pages[i]);
    for (auto access : {pdp::v1::VIEW, pdp::v1::MODIFY}) {
      absl::StatusOr<pdp::v1::Decision> one =
          Decide(snapshot, PageRequest(principal, pages[i].id, access, account));
      ASSERT_TRUE(one.ok()) << one.status();
      const pdp::v1::Decision& many = access == pdp::v1::VIEW ? pd.view : pd.modify;
      EXPECT_EQ(many.SerializeAsString(), one->SerializeAsString())
          << pages[i].id << " " << pdp::v1::Access_Name(access) << ": all-pages "
          << many.ShortDebugString() << " vs one " << one->ShortDebugString();
    }
  }
}

TEST_F(DecideTest, DecideAllPagesAgreesWithDecide) {
  for (const char* name : {"admin", "nobody", "viewer", "editor", "denied_by_group", "no_prefs",
                           "cond_deny", "pdf_viewer", "pdf_denied", "legacy_viewer", "ghost"}) {
    ExpectAllPagesAgree(*snapshot_, UserA(name), "");
  }
  ExpectAllPagesAgree(*snapshot_, RootArn(kA), "");
  ExpectAllPagesAgree(*snapshot_, RootArn(kB), "");
  ExpectAllPagesAgree(*snapshot_, User(kB, "admin"), "");
  ExpectAllPagesAgree(*snapshot_, User(kC, "legacy_admin"), "");
  ExpectAllPagesAgree(*snapshot_, "arn:aws:sts::111111111111:assumed-role/Reader/s1", "");
  ExpectAllPagesAgree(*snapshot_, UserA("admin"), kB);
  ExpectAllPagesAgree(*snapshot_, UserA("admin"), "999999999999");
}

TEST(DecideAllPagesShippedTest, AgreesWithDecideOnTheDemoWorld) {
  absl::StatusOr<std::vector<pdp::v1::Change>> changes =
      ReadWorldFile(test::DataPath("demo-world.yaml"));
  ASSERT_TRUE(changes.ok()) << changes.status();
  absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(test::EmptyShippedSnapshot(), *changes);
  ASSERT_TRUE(s.ok()) << s.status();
  const Snapshot& snapshot = **s;
  std::vector<std::string> principals;
  for (const auto& [id, account] : snapshot.accounts()) {
    principals.push_back(RootArn(id));
    for (const auto& [key, entity] : account->entities) {
      if (entity->kind != IamArnKind::kGroup) principals.push_back(entity->arn);
    }
  }
  principals.push_back("arn:aws:sts::111111111111:assumed-role/FinanceAuditor/audit");
  ASSERT_GE(principals.size(), 12u);
  for (const std::string& p : principals) ExpectAllPagesAgree(snapshot, p, "");
}

TEST_F(DecideTest, DecideAllPagesRejectsMalformedInput) {
  auto bad_principal = DecideAllPages(*snapshot_, "nope", "", pdp::v1::RequestContext());
  ASSERT_FALSE(bad_principal.ok());
  EXPECT_EQ(bad_principal.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(test::FieldOf(bad_principal.status()), "principal");
  auto bad_account = DecideAllPages(*snapshot_, UserA("admin"), "12", pdp::v1::RequestContext());
  ASSERT_FALSE(bad_account.ok());
  EXPECT_EQ(test::FieldOf(bad_account.status()), "account_id");
}

}  // namespace
}  // namespace pdp
