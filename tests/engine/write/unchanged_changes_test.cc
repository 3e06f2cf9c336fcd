// Changes that change nothing: for every change kind that can be a no-op,
// SnapshotBuilder marks it unchanged, replaces no record and moves no etag
// (the snapshot after it holds the base's very records), and the same kind
// with a real difference is not marked.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/write/snapshot_builder.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "server/wire/change_from_wire.h"
#include "tests/support/test_support.h"

namespace pdp {
namespace {

using test::AllowDoc;

constexpr char kA[] = "111111111111";
constexpr char kOrg[] = "o-exampleorg1";
constexpr char kMember[] = "333333333333";
const std::string kRootA = "arn:aws:iam::111111111111:root";
const std::string kAlice = "arn:aws:iam::111111111111:user/alice";
const std::string kAdmins = "arn:aws:iam::111111111111:group/admins";
const std::string kAuditor = "arn:aws:iam::111111111111:role/Auditor";
const std::string kSession = "arn:aws:sts::111111111111:assumed-role/Auditor/s1";
const std::string kPolicyP = "arn:aws:iam::111111111111:policy/P";
const std::string kAdminAccess = "arn:aws:iam::aws:policy/AdministratorAccess";
const std::string kBillingRO = "arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess";

pdp::v1::Change Ch(const std::string& text) {
  pdp::v1::Change c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  return c;
}

pdp::v1::Change WithAllowExisting(pdp::v1::Change c) {
  c.mutable_create_account()->set_allow_existing(true);
  return c;
}

pdp::v1::Change Session(const std::string& policy_arn) {
  pdp::v1::Change c;
  auto* s = c.mutable_put_role_session()->mutable_session();
  s->set_arn(kSession);
  s->add_policy_arns(policy_arn);
  (*s->mutable_tags())["team"] = "finance";
  return c;
}

pdp::v1::Change UpdatePolicy(const std::string& description) {
  pdp::v1::Change c;
  c.mutable_update_policy()->set_arn(kPolicyP);
  c.mutable_update_policy()->set_description(description);
  return c;
}

pdp::v1::Change UpdateAccount(const std::string& name) {
  pdp::v1::Change c;
  c.mutable_update_account()->set_account_id(kA);
  c.mutable_update_account()->set_name(name);
  return c;
}

struct Case {
  std::string name;
  pdp::v1::Change noop;  // changes nothing on the base
  pdp::v1::Change real;  // the same kind, changing something
};

class UnchangedChangesTest : public ::testing::TestWithParam<Case> {
 protected:
  static SnapshotPtr Base() {
    static const SnapshotPtr base = [] {
      absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(
          test::EmptyShippedSnapshot(),
          {test::CreateAccount(kA, true, pdp::v1::FINE_GRAINED, "payer"),
           test::CreateAccount("222222222222", false),
           test::CreatePolicy(kPolicyP, AllowDoc({"budgets:ViewBudget"})),
           test::CreatePolicyVersion(kPolicyP, AllowDoc({"budgets:*"}), false),
           test::PutGroup(kAdmins, {kAdminAccess}),
           test::PutUser(kAlice, {"admins"}, {kPolicyP}, {{"own", AllowDoc({"ce:Get*"})}}),
           test::PutRole(kAuditor, {kBillingRO}), Session(kBillingRO),
           Ch(absl::StrCat("create_organization { organization_id: '", kOrg,
                           "' management_account_id: '", kA,
                           "' root_id: 'r-ex12' scps_enabled: true }")),
           Ch(absl::StrCat("create_organizational_unit { organization_id: '", kOrg,
                           "' parent_id: 'r-ex12' name: 'Eng' ou_id: 'ou-ex12-engineer' }")),
           Ch(absl::StrCat("create_member_account { organization_id: '", kOrg, "' account_id: '",
                           kMember, "' name: 'm' parent_id: 'r-ex12' }")),
           Ch(absl::StrCat("create_scp { organization_id: '", kOrg,
                           "' policy_id: 'p-denybilling' name: 'Deny' description: 'd' "
                           "document: '",
                           test::DenyDoc({"aws-portal:*"}), "' }")),
           // Two SCPs on the OU, so one may be detached.
           Ch(absl::StrCat("attach_scp { organization_id: '", kOrg,
                           "' policy_id: 'p-denybilling' target_id: 'ou-ex12-engineer' }"))});
      EXPECT_TRUE(s.ok()) << s.status();
      return *s;
    }();
    return base;
  }
};

TEST_P(UnchangedChangesTest, ANoOpIsMarkedAndKeepsEveryRecord) {
  const SnapshotPtr base = Base();
  SnapshotBuilder b(base);
  ChangeResult result;
  absl::Status s = ApplyWireChange(b, GetParam().noop, &result);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_TRUE(b.last_change_unchanged());
  EXPECT_FALSE(b.changed());
  SnapshotPtr after = b.Finish();
  EXPECT_TRUE(b.written_accounts().empty());  // nothing for the store to write
  EXPECT_TRUE(result.unchanged);
  // The base's records themselves: nothing copied, no etag moved.
  for (const auto& [id, account] : base->accounts()) {
    EXPECT_EQ(after->FindAccount(id), account.get()) << id;
  }
  for (const auto& [id, org] : base->organizations()) {
    EXPECT_EQ(after->FindOrganization(id), org.get()) << id;
  }
  EXPECT_EQ(after->accounts().size(), base->accounts().size());
}

TEST_P(UnchangedChangesTest, TheSameKindWithADifferenceIsNotMarked) {
  SnapshotBuilder b(Base());
  ChangeResult result;
  absl::Status s = ApplyWireChange(b, GetParam().real, &result);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_FALSE(b.last_change_unchanged());
  EXPECT_TRUE(b.changed());
  const SnapshotPtr base = Base();
  SnapshotPtr after = b.Finish();
  EXPECT_FALSE(result.unchanged);
  // Something of the base was replaced.
  bool replaced = false;
  for (const auto& [id, account] : base->accounts()) {
    replaced |= after->FindAccount(id) != account.get();
  }
  for (const auto& [id, org] : base->organizations()) {
    replaced |= after->FindOrganization(id) != org.get();
  }
  EXPECT_TRUE(replaced);
}

std::vector<Case> Cases() {
  auto put_alice = [](const std::vector<std::string>& attached) {
    pdp::v1::Change c =
        test::PutUser(kAlice, {"admins"}, attached, {{"own", AllowDoc({"ce:Get*"})}});
    c.mutable_put_user()->set_replace(true);
    c.mutable_put_user()->set_allow_missing(true);
    return c;
  };
  auto put_group = [](const std::string& policy) {
    pdp::v1::Change c = test::PutGroup(kAdmins, {policy});
    c.mutable_put_group()->set_replace(true);
    return c;
  };
  auto put_role = [](const std::string& policy) {
    pdp::v1::Change c = test::PutRole(kAuditor, {policy});
    c.mutable_put_role()->set_replace(true);
    c.mutable_put_role()->set_allow_missing(true);
    return c;
  };
  auto org = [](const std::string& text) { return Ch(text); };
  const std::string o = absl::StrCat("organization_id: '", kOrg, "' ");
  return {
      {"CreateAccountAllowExisting",
       WithAllowExisting(test::CreateAccount(kA, false, pdp::v1::LEGACY, "payer")),
       WithAllowExisting(test::CreateAccount(kA, true, pdp::v1::FINE_GRAINED, "renamed"))},
      {"UpdateAccount", UpdateAccount("payer"), UpdateAccount("renamed")},
      {"UpdateAccountSettings",
       test::UpdateSettings(kA, kRootA, {"iam_access_to_billing", "console_action_set"}, true,
                            pdp::v1::FINE_GRAINED),
       test::UpdateSettings(kA, kRootA, {"console_action_set"}, true, pdp::v1::LEGACY)},
      {"PutUserReplace", put_alice({kPolicyP}), put_alice({kPolicyP, kBillingRO})},
      {"PutGroupReplace", put_group(kAdminAccess), put_group(kBillingRO)},
      {"PutRoleReplace", put_role(kBillingRO), put_role(kAdminAccess)},
      {"CreatePolicyAllowExisting",
       test::CreatePolicy(kPolicyP, AllowDoc({"budgets:ViewBudget"}), /*allow_existing=*/true),
       test::CreatePolicy(kPolicyP, AllowDoc({"budgets:Other"}), /*allow_existing=*/true)},
      {"UpdatePolicy", UpdatePolicy(""), UpdatePolicy("described")},
      {"SetDefaultPolicyVersion", test::SetDefaultVersion(kPolicyP, "v1"),
       test::SetDefaultVersion(kPolicyP, "v2")},
      {"PutInlinePolicy", test::PutInline(kAlice, "own", AllowDoc({"ce:Get*"})),
       test::PutInline(kAlice, "own", AllowDoc({"ce:*"}))},
      {"AttachPolicy", test::Attach(kAlice, kPolicyP), test::Attach(kAlice, kBillingRO)},
      {"AddUserToGroup", test::AddToGroup(kAlice, "admins"),
       // A real membership change: a new group first, in the same change
       // kind's terms (PutGroup is another kind), so remove-then-add.
       test::RemoveFromGroup(kAlice, "admins")},
      {"PutRoleSession", Session(kBillingRO), Session(kAdminAccess)},
      {"UpdateOrganization", org(absl::StrCat("update_organization { ", o, "scps_enabled: true }")),
       org(absl::StrCat("update_organization { ", o, "scps_enabled: false }"))},
      {"UpdateOrganizationalUnit",
       org(absl::StrCat("update_organizational_unit { ", o,
                        "ou_id: 'ou-ex12-engineer' name: 'Eng' }")),
       org(absl::StrCat("update_organizational_unit { ", o,
                        "ou_id: 'ou-ex12-engineer' name: 'Engineering' }"))},
      {"MoveAccount",
       org(absl::StrCat("move_account { ", o, "account_id: '", kMember,
                        "' destination_parent_id: 'r-ex12' }")),
       org(absl::StrCat("move_account { ", o, "account_id: '", kMember,
                        "' destination_parent_id: 'ou-ex12-engineer' }"))},
      {"UpdateScp",
       org(absl::StrCat("update_scp { ", o, "policy_id: 'p-denybilling' description: 'd' }")),
       org(absl::StrCat("update_scp { ", o, "policy_id: 'p-denybilling' description: 'e' }"))},
      // Organization changes with allow_existing (allow_missing): what world
      // files send. (create_organization's own cases are in
      // organization_reconcile_test.cc: its one applicable difference needs
      // SCPs disabled.)
      {"CreateOrganizationalUnitAllowExisting",
       org(absl::StrCat("create_organizational_unit { ", o,
                        "parent_id: 'r-ex12' name: 'Eng' ou_id: 'ou-ex12-engineer' "
                        "allow_existing: true }")),
       org(absl::StrCat("create_organizational_unit { ", o,
                        "parent_id: 'r-ex12' name: 'Engineering' ou_id: 'ou-ex12-engineer' "
                        "allow_existing: true }"))},
      {"CreateMemberAccountAllowExisting",
       org(absl::StrCat("create_member_account { ", o, "account_id: '", kMember,
                        "' name: 'm' parent_id: 'r-ex12' allow_existing: true "
                        "iam_user_access_to_billing: IAM_USER_ACCESS_DENY }")),
       org(absl::StrCat("create_member_account { ", o, "account_id: '", kMember,
                        "' name: 'm' parent_id: 'ou-ex12-engineer' allow_existing: true }"))},
      {"InviteAccountAllowExisting",
       org(absl::StrCat("invite_account { ", o, "account_id: '", kMember,
                        "' allow_existing: true }")),
       org(absl::StrCat("invite_account { ", o,
                        "account_id: '222222222222' allow_existing: true }"))},
      {"CreateScpAllowExisting",
       org(absl::StrCat("create_scp { ", o,
                        "policy_id: 'p-denybilling' name: 'Deny' description: 'd' document: '",
                        test::DenyDoc({"aws-portal:*"}), "' allow_existing: true }")),
       org(absl::StrCat("create_scp { ", o,
                        "policy_id: 'p-denybilling' name: 'Deny' description: 'd' document: '",
                        test::DenyDoc({"aws-portal:ModifyBilling"}), "' allow_existing: true }"))},
      {"AttachScpAllowExisting",
       org(absl::StrCat("attach_scp { ", o,
                        "policy_id: 'p-FullAWSAccess' target_id: 'r-ex12' allow_existing: true }")),
       org(absl::StrCat("attach_scp { ", o,
                        "policy_id: 'p-denybilling' target_id: 'r-ex12' allow_existing: true }"))},
      {"DetachScpAllowMissing",
       org(absl::StrCat("detach_scp { ", o,
                        "policy_id: 'p-denybilling' target_id: 'r-ex12' allow_missing: true }")),
       org(absl::StrCat("detach_scp { ", o,
                        "policy_id: 'p-FullAWSAccess' target_id: 'ou-ex12-engineer' "
                        "allow_missing: true }"))},
  };
}

INSTANTIATE_TEST_SUITE_P(EveryKind, UnchangedChangesTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

// Within a batch: a no-op after a real change to the same object keeps what
// the real change made, and the batch reports which change did what.
TEST(UnchangedChangesBatchTest, MixedBatchMarksEachChange) {
  SnapshotPtr base = test::EmptyShippedSnapshot();
  absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(
      base,
      {test::CreateAccount(kA, true), test::PutUser(kAlice), test::Attach(kAlice, kBillingRO)});
  ASSERT_TRUE(s.ok()) << s.status();
  base = *s;
  SnapshotBuilder b(base);
  std::vector<ChangeResult> results(4);
  ASSERT_TRUE(ApplyWireChange(b, test::Attach(kAlice, kBillingRO), &results[0]).ok());  // no-op
  EXPECT_FALSE(b.changed());
  ASSERT_TRUE(ApplyWireChange(b, test::Attach(kAlice, kAdminAccess), &results[1]).ok());  // real
  EXPECT_TRUE(b.changed());
  ASSERT_TRUE(
      ApplyWireChange(b, test::Attach(kAlice, kAdminAccess), &results[2]).ok());  // no-op now
  EXPECT_TRUE(b.last_change_unchanged());
  ASSERT_TRUE(
      ApplyWireChange(b, WithAllowExisting(test::CreateAccount(kA, false)), &results[3]).ok());
  SnapshotPtr after = b.Finish();
  EXPECT_TRUE(results[0].unchanged);
  EXPECT_FALSE(results[1].unchanged);
  EXPECT_TRUE(results[2].unchanged);
  EXPECT_TRUE(results[3].unchanged);
  const EntityRecord* alice = after->FindAccount(kA)->FindEntity(IamArnKind::kUser, "alice");
  EXPECT_THAT(alice->attached, ::testing::ElementsAre(kBillingRO, kAdminAccess));
  EXPECT_EQ(alice->etag(), std::to_string(after->revision()));
  // The account's header was not changed, only alice.
  EXPECT_EQ(after->FindAccount(kA)->etag(), base->FindAccount(kA)->etag());
  EXPECT_EQ(b.written_accounts().size(), 1u);
}

// Checks are not skipped for a no-op: a stale etag is still ABORTED.
TEST(UnchangedChangesBatchTest, ANoOpIsStillChecked) {
  absl::StatusOr<SnapshotPtr> base = test::ApplyBatch(
      test::EmptyShippedSnapshot(), {test::CreateAccount(kA, true, pdp::v1::FINE_GRAINED, "n")});
  ASSERT_TRUE(base.ok());
  pdp::v1::Change c = UpdateAccount("n");
  c.mutable_update_account()->set_etag("7");
  SnapshotBuilder b(*base);
  test::ExpectError(ApplyWireChange(b, c), absl::StatusCode::kAborted, "etag", "ETAG_MISMATCH");
}

}  // namespace
}  // namespace pdp
