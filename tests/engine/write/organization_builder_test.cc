// Organization and SCP changes through SnapshotBuilder, and the settings
// rules that depend on organizations (actor checks, Cost Explorer settings
// owned by the management account).
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "server/wire/change_from_wire.h"
#include "server/wire/record_protos.h"
#include "server/wire/wire_decide.h"
#include "tests/support/test_support.h"

namespace pdp {
namespace {

using test::AllowDoc;
using test::ApplyBatch;
using test::DenyDoc;
using test::ExpectError;
using test::FieldOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;

constexpr char kMgmt[] = "111111111111";
constexpr char kOther[] = "222222222222";  // standalone
constexpr char kOrg[] = "o-exampleorg1";
constexpr char kRoot[] = "r-ex12";
const std::string kAdminAccess = "arn:aws:iam::aws:policy/AdministratorAccess";

pdp::v1::Change Ch(const std::string& text) {
  pdp::v1::Change c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  return c;
}

std::string Attach(const std::string& policy, const std::string& target, bool attach = true) {
  return absl::StrCat(attach ? "attach_scp" : "detach_scp", " { organization_id: '", kOrg,
                      "' policy_id: '", policy, "' target_id: '", target, "' }");
}

class OrganizationBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<SnapshotPtr> s = ApplyBatch(
        test::EmptyShippedSnapshot(),
        {test::CreateAccount(kMgmt, true), test::CreateAccount(kOther, false),
         Ch(absl::StrCat("create_organization { organization_id: '", kOrg,
                         "' management_account_id: '", kMgmt, "' root_id: '", kRoot,
                         "' scps_enabled: true }")),
         Ch(absl::StrCat("create_organizational_unit { organization_id: '", kOrg, "' parent_id: '",
                         kRoot, "' name: 'Eng' ou_id: 'ou-ex12-engineer' }")),
         Ch(absl::StrCat("create_member_account { organization_id: '", kOrg,
                         "' account_id: '333333333333' name: 'created' parent_id: "
                         "'ou-ex12-engineer' }")),
         Ch(absl::StrCat("create_member_account { organization_id: '", kOrg,
                         "' account_id: '444444444444' iam_user_access_to_billing: "
                         "IAM_USER_ACCESS_DENY }")),
         test::PutUser("arn:aws:iam::111111111111:user/admin", {}, {kAdminAccess}),
         test::PutUser("arn:aws:iam::111111111111:user/reader", {}, {},
                       {{"r", AllowDoc({"ce:GetCostAndUsage"})}}),
         test::PutUser("arn:aws:iam::333333333333:user/admin", {}, {kAdminAccess})});
    ASSERT_TRUE(s.ok()) << s.status();
    base_ = *s;
  }

  absl::Status ApplyOne(const std::string& text, ChangeResult* result = nullptr) {
    SnapshotBuilder b(base_);
    absl::Status s = ApplyWireChange(b, Ch(text), result);
    if (s.ok()) next_ = b.Finish();
    return s;
  }

  absl::Status ApplyAll(const std::vector<std::string>& texts) {
    SnapshotBuilder b(base_);
    for (const std::string& t : texts) {
      absl::Status s = ApplyWireChange(b, Ch(t));
      if (!s.ok()) return s;
    }
    next_ = b.Finish();
    return absl::OkStatus();
  }

  pdp::v1::Organization Org(const SnapshotPtr& s) {
    const OrganizationState* org = s->FindOrganization(kOrg);
    EXPECT_NE(org, nullptr);
    return org ? OrganizationToProto(*org) : pdp::v1::Organization();
  }

  SnapshotPtr base_;
  SnapshotPtr next_;
};

TEST_F(OrganizationBuilderTest, StructureAndDefaultScpsAsWritten) {
  pdp::v1::Organization org = Org(base_);
  EXPECT_EQ(org.management_account_id(), kMgmt);
  EXPECT_EQ(org.root_id(), kRoot);
  EXPECT_THAT(org.root_policy_ids(), ElementsAre(kFullAwsAccessId));
  ASSERT_EQ(org.organizational_units_size(), 1);
  EXPECT_EQ(org.organizational_units(0).parent_id(), kRoot);
  EXPECT_THAT(org.organizational_units(0).policy_ids(), ElementsAre(kFullAwsAccessId));
  ASSERT_EQ(org.accounts_size(), 3);
  EXPECT_EQ(org.accounts(0).joined(), pdp::v1::MANAGEMENT);
  EXPECT_EQ(org.accounts(1).joined(), pdp::v1::CREATED);
  EXPECT_EQ(org.accounts(1).parent_id(), "ou-ex12-engineer");
  EXPECT_EQ(org.accounts(2).parent_id(), kRoot);  // default parent: the root
  const AccountState* member = base_->FindAccount("333333333333");
  ASSERT_NE(member, nullptr);
  EXPECT_EQ(member->organization_id, kOrg);
  pdp::v1::Account proto = AccountToProto(*member, base_->OrganizationOf(*member));
  EXPECT_EQ(proto.organization().parent_id(), "ou-ex12-engineer");
  EXPECT_EQ(proto.organization().joined(), pdp::v1::CREATED);
}

TEST_F(OrganizationBuilderTest, CreatedAccountsGetIamAccessUnlessDenyInvitedKeepTheirOwn) {
  EXPECT_TRUE(base_->FindAccount("333333333333")->settings.iam_access_to_billing);
  EXPECT_FALSE(base_->FindAccount("444444444444")->settings.iam_access_to_billing);
  ASSERT_TRUE(ApplyOne(absl::StrCat("invite_account { organization_id: '", kOrg, "' account_id: '",
                                    kOther, "' }"))
                  .ok());
  const AccountState* invited = next_->FindAccount(kOther);
  EXPECT_FALSE(invited->settings.iam_access_to_billing);
  EXPECT_EQ(invited->organization_id, kOrg);
}

TEST_F(OrganizationBuilderTest, AssignsIdsDeterministicallyAndReportsThem) {
  ChangeResult r1, r2;
  std::string ou = absl::StrCat("create_organizational_unit { organization_id: '", kOrg,
                                "' parent_id: '", kRoot, "' name: 'Finance' }");
  ASSERT_TRUE(ApplyOne(ou, &r1).ok());
  ASSERT_TRUE(ApplyOne(ou, &r2).ok());
  EXPECT_EQ(r1.name, r2.name);  // same base, same revision: same id
  EXPECT_THAT(r1.name, ::testing::StartsWith("ou-ex12-"));
  EXPECT_EQ(r1.etag, std::to_string(base_->revision() + 1));
  ChangeResult org;
  ASSERT_TRUE(
      ApplyOne(absl::StrCat("create_organization { management_account_id: '", kOther, "' }"), &org)
          .ok());
  EXPECT_THAT(org.name, ::testing::MatchesRegex("o-[a-z0-9]{10}"));
  EXPECT_NE(next_->FindOrganization(org.name), nullptr);
}

TEST_F(OrganizationBuilderTest, RefusesBadStructure) {
  ExpectError(
      ApplyOne(absl::StrCat("create_organization { management_account_id: '", kMgmt, "' }")),
      absl::StatusCode::kFailedPrecondition, "management_account_id", "ACCOUNT_IN_ORGANIZATION");
  ExpectError(ApplyOne("create_organization { management_account_id: '999999999999' }"),
              absl::StatusCode::kNotFound, "management_account_id");
  ExpectError(ApplyOne("create_organization { organization_id: 'o-BAD' management_account_id: "
                       "'222222222222' }"),
              absl::StatusCode::kInvalidArgument, "organization_id");
  ExpectError(ApplyOne(absl::StrCat("create_organizational_unit { organization_id: '", kOrg,
                                    "' parent_id: '", kRoot, "' name: 'Eng' }")),
              absl::StatusCode::kAlreadyExists, "name");
  ExpectError(ApplyOne(absl::StrCat("create_organizational_unit { organization_id: '", kOrg,
                                    "' parent_id: 'ou-ex12-missing1' name: 'X' }")),
              absl::StatusCode::kNotFound, "parent_id");
  ExpectError(
      ApplyOne(absl::StrCat("create_organizational_unit { organization_id: '", kOrg,
                            "' parent_id: '", kRoot, "' name: 'X' ou_id: 'ou-zz99-abcdefgh' }")),
      absl::StatusCode::kInvalidArgument, "ou_id");
  ExpectError(ApplyOne(absl::StrCat("delete_organizational_unit { organization_id: '", kOrg,
                                    "' ou_id: 'ou-ex12-engineer' }")),
              absl::StatusCode::kFailedPrecondition, "ou_id", "ORGANIZATION_NOT_EMPTY");
  ExpectError(ApplyOne(absl::StrCat("delete_organization { organization_id: '", kOrg, "' }")),
              absl::StatusCode::kFailedPrecondition, "organization_id", "ORGANIZATION_NOT_EMPTY");
  ExpectError(ApplyOne(absl::StrCat("remove_account { organization_id: '", kOrg, "' account_id: '",
                                    kMgmt, "' }")),
              absl::StatusCode::kFailedPrecondition, "account_id", "MANAGEMENT_ACCOUNT");
  ExpectError(ApplyOne("delete_account { account_id: '333333333333' }"),
              absl::StatusCode::kFailedPrecondition, "account_id", "ACCOUNT_IN_ORGANIZATION");
  ExpectError(ApplyOne(absl::StrCat("create_member_account { organization_id: '", kOrg,
                                    "' account_id: '", kOther, "' }")),
              absl::StatusCode::kAlreadyExists, "account_id");
}

TEST_F(OrganizationBuilderTest, OusNestAtMostFiveLevels) {
  std::vector<std::string> changes;
  std::string parent = "ou-ex12-engineer";  // level 1
  for (int level = 2; level <= 5; ++level) {
    std::string id = absl::StrCat("ou-ex12-level000", level);
    changes.push_back(absl::StrCat("create_organizational_unit { organization_id: '", kOrg,
                                   "' parent_id: '", parent, "' name: 'L' ou_id: '", id, "' }"));
    parent = id;
  }
  ASSERT_TRUE(ApplyAll(changes).ok());
  changes.push_back(absl::StrCat("create_organizational_unit { organization_id: '", kOrg,
                                 "' parent_id: '", parent, "' name: 'L6' }"));
  ExpectError(ApplyAll(changes), absl::StatusCode::kFailedPrecondition, "parent_id",
              "LIMIT_EXCEEDED");
}

TEST_F(OrganizationBuilderTest, ScpRulesAsOrganizations) {
  std::string create = absl::StrCat("create_scp { organization_id: '", kOrg,
                                    "' policy_id: 'p-denyce000' name: 'DenyCe' document: '",
                                    DenyDoc({"ce:*"}), "' }");
  ASSERT_TRUE(ApplyOne(create).ok());
  // 5,120 bytes at most, white space included.
  std::string padded = DenyDoc({"ce:*"});
  padded.insert(1, std::string(5121 - padded.size(), ' '));
  ExpectError(ApplyOne(absl::StrCat("create_scp { organization_id: '", kOrg,
                                    "' name: 'Big' document: '", padded, "' }")),
              absl::StatusCode::kInvalidArgument, "document", "LIMIT_EXCEEDED");
  // Validated like identity policies: errors name the JSON path.
  absl::Status bad = ApplyOne(absl::StrCat("create_scp { organization_id: '", kOrg,
                                           "' name: 'Bad' document: '{\"Version\": \"2012-10-17\", "
                                           "\"Statement\": [{\"Effect\": \"Maybe\", \"Action\": "
                                           "\"*\", \"Resource\": \"*\"}]}' }"));
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument) << bad;
  EXPECT_THAT(FieldOf(bad), HasSubstr("document"));
  ExpectError(ApplyOne(absl::StrCat("update_scp { organization_id: '", kOrg, "' policy_id: '",
                                    kFullAwsAccessId, "' name: 'Mine' }")),
              absl::StatusCode::kPermissionDenied, "policy_id", "AWS_MANAGED_READ_ONLY");
  // A target keeps at least one SCP; at most five.
  ExpectError(ApplyOne(Attach(kFullAwsAccessId, kRoot, false)),
              absl::StatusCode::kFailedPrecondition, "policy_id", "MIN_POLICY_ATTACHMENT");
  std::vector<std::string> six = {create};
  for (int i = 1; i <= 5; ++i) {
    std::string id = absl::StrCat("p-allow0000", i);
    six.push_back(absl::StrCat("create_scp { organization_id: '", kOrg, "' policy_id: '", id,
                               "' name: 'A", i, "' document: '", AllowDoc({"*"}), "' }"));
    six.push_back(Attach(id, kRoot));
  }
  ExpectError(ApplyAll(six), absl::StatusCode::kFailedPrecondition, "target_id", "LIMIT_EXCEEDED");
  // Attached SCPs cannot be deleted.
  ExpectError(ApplyAll({create, Attach("p-denyce000", "333333333333"),
                        absl::StrCat("delete_scp { organization_id: '", kOrg,
                                     "' policy_id: 'p-denyce000' }")}),
              absl::StatusCode::kFailedPrecondition, "policy_id", "DELETE_CONFLICT");
}

TEST_F(OrganizationBuilderTest, DisablingScpsDetachesAllEnablingAttachesFullAwsAccess) {
  ASSERT_TRUE(ApplyAll({absl::StrCat("update_organization { organization_id: '", kOrg,
                                     "' scps_enabled: false }")})
                  .ok());
  pdp::v1::Organization off = Org(next_);
  EXPECT_TRUE(off.root_policy_ids().empty());
  for (const auto& a : off.accounts()) EXPECT_TRUE(a.policy_ids().empty());
  ExpectError(ApplyAll({absl::StrCat("update_organization { organization_id: '", kOrg,
                                     "' scps_enabled: false }"),
                        Attach(kFullAwsAccessId, kRoot)}),
              absl::StatusCode::kFailedPrecondition, "organization_id", "SCPS_NOT_ENABLED");
  base_ = next_;
  ASSERT_TRUE(ApplyAll({absl::StrCat("update_organization { organization_id: '", kOrg,
                                     "' scps_enabled: true }")})
                  .ok());
  pdp::v1::Organization on = Org(next_);
  EXPECT_THAT(on.root_policy_ids(), ElementsAre(kFullAwsAccessId));
  for (const auto& a : on.accounts()) EXPECT_THAT(a.policy_ids(), ElementsAre(kFullAwsAccessId));
}

TEST_F(OrganizationBuilderTest, ScpChangesAffectEveryAccountOfTheOrganization) {
  SnapshotBuilder b(base_);
  ASSERT_TRUE(
      ApplyWireChange(b, Ch(absl::StrCat("create_scp { organization_id: '", kOrg,
                                         "' policy_id: 'p-denyce000' name: 'DenyCe' document: '",
                                         DenyDoc({"ce:*"}), "' }")))
          .ok());
  ASSERT_TRUE(ApplyWireChange(b, Ch(Attach("p-denyce000", kRoot))).ok());
  EXPECT_THAT(b.affected_accounts(), IsSupersetOf({std::string(kMgmt), std::string("333333333333"),
                                                   std::string("444444444444")}));
  SnapshotPtr s = b.Finish();
  pdp::v1::AuthorizeRequest req;
  req.set_principal("arn:aws:iam::333333333333:root");
  req.mutable_action()->set_action("ce:GetCostAndUsage");
  EXPECT_EQ(Decide(*s, req)->reason(), pdp::v1::SCP_DENY);
  req.set_principal("arn:aws:iam::111111111111:root");
  EXPECT_NE(Decide(*s, req)->reason(), pdp::v1::SCP_DENY);  // the management account never
}

TEST_F(OrganizationBuilderTest, CostExplorerSettingsBelongToTheManagementAccount) {
  const char* kSetCe =
      "update_account_settings { account_id: '%s' actor: '%s' settings { cost_explorer_enabled: "
      "true } update_mask: 'cost_explorer_enabled' }";
  auto set_ce = [&](const std::string& account, const std::string& actor) {
    char buf[512];
    snprintf(buf, sizeof buf, kSetCe, account.c_str(), actor.c_str());
    return ApplyOne(buf);
  };
  ExpectError(set_ce("333333333333", "arn:aws:iam::333333333333:root"),
              absl::StatusCode::kFailedPrecondition, "update_mask", "MANAGED_BY_ORGANIZATION");
  ASSERT_TRUE(set_ce(kMgmt, "arn:aws:iam::111111111111:root").ok());
  EXPECT_TRUE(
      next_->CostExplorerSettingsOf(*next_->FindAccount("333333333333")).cost_explorer_enabled);
  EXPECT_TRUE(next_->FindAccount(kMgmt)->settings.linked_account_access);  // on by default
  // An administrator of the management account: allowed ce:UpdatePreferences.
  EXPECT_TRUE(set_ce(kMgmt, "arn:aws:iam::111111111111:user/admin").ok());
  // A user without ce:UpdatePreferences is refused with the reason.
  ExpectError(set_ce(kMgmt, "arn:aws:iam::111111111111:user/reader"),
              absl::StatusCode::kPermissionDenied, "actor", "NOT_AUTHORIZED");
  // IAM access stays root-only, whatever the policies.
  ExpectError(ApplyOne("update_account_settings { account_id: '111111111111' actor: "
                       "'arn:aws:iam::111111111111:user/admin' settings { iam_access_to_billing: "
                       "true } update_mask: 'iam_access_to_billing' }"),
              absl::StatusCode::kPermissionDenied, "actor", "ROOT_USER_REQUIRED");
  // A member's own settings are named in the mask like anyone's (an empty
  // mask is refused, never read as "all").
  ExpectError(ApplyOne("update_account_settings { account_id: '333333333333' actor: "
                       "'arn:aws:iam::333333333333:root' settings { iam_access_to_billing: true "
                       "console_action_set: LEGACY cost_explorer_enabled: true } }"),
              absl::StatusCode::kInvalidArgument, "update_mask");
  ASSERT_TRUE(ApplyOne("update_account_settings { account_id: '333333333333' actor: "
                       "'arn:aws:iam::333333333333:root' settings { iam_access_to_billing: true "
                       "console_action_set: LEGACY } update_mask: 'iam_access_to_billing' "
                       "update_mask: 'console_action_set' }")
                  .ok());
  EXPECT_FALSE(next_->FindAccount("333333333333")->settings.cost_explorer_enabled);
  EXPECT_EQ(next_->FindAccount("333333333333")->settings.console_action_set,
            ConsoleActionSet::kLegacy);
}

TEST_F(OrganizationBuilderTest, ScpsLimitTheActorOfAMemberSettingsChange) {
  ASSERT_TRUE(ApplyAll({absl::StrCat("create_scp { organization_id: '", kOrg,
                                     "' policy_id: 'p-denyportal' name: 'D' document: '",
                                     DenyDoc({"aws-portal:*"}), "' }"),
                        Attach("p-denyportal", "333333333333")})
                  .ok());
  base_ = next_;
  ExpectError(ApplyOne("update_account_settings { account_id: '333333333333' actor: "
                       "'arn:aws:iam::333333333333:user/admin' settings { console_action_set: "
                       "LEGACY } update_mask: 'console_action_set' }"),
              absl::StatusCode::kPermissionDenied, "actor", "NOT_AUTHORIZED");
}

TEST_F(OrganizationBuilderTest, ChangeEtagPreconditionOnTheAddressedObject) {
  std::string etag = base_->FindOrganization(kOrg)->etag();
  pdp::v1::Change rename = Ch(absl::StrCat("update_organizational_unit { organization_id: '", kOrg,
                                           "' ou_id: 'ou-ex12-engineer' name: 'Engineering' }"));
  rename.set_etag("12345");
  SnapshotBuilder stale(base_);
  ExpectError(ApplyWireChange(stale, rename), absl::StatusCode::kAborted, "etag", "ETAG_MISMATCH");
  rename.set_etag(etag);
  SnapshotBuilder fresh(base_);
  ChangeResult result;
  ASSERT_TRUE(ApplyWireChange(fresh, rename, &result).ok());
  EXPECT_EQ(result.name, "ou-ex12-engineer");
  EXPECT_NE(result.etag, etag);
}

}  // namespace
}  // namespace pdp
