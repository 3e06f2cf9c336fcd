// Organization changes with allow_existing / allow_missing (what world files
// send): an object that exists as asked is a no-op, a difference that can be
// applied is applied (only it), a contradiction is refused naming the field;
// without the flags the API stays strict.
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/write/snapshot_builder.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "server/wire/change_from_wire.h"
#include "server/wire/record_protos.h"
#include "tests/support/test_support.h"

namespace pdp {
namespace {

using test::DenyDoc;
using test::ExpectError;
using ::testing::ElementsAre;

constexpr char kMgmt[] = "111111111111";
constexpr char kStandalone[] = "222222222222";
constexpr char kCreated[] = "333333333333";
constexpr char kInvited[] = "444444444444";
constexpr char kOtherMgmt[] = "555555555555";
constexpr char kOrg[] = "o-exampleorg1";
constexpr char kOtherOrg[] = "o-otherorg001";
constexpr char kRoot[] = "r-ex12";
constexpr char kOu[] = "ou-ex12-engineer";

pdp::v1::Change Ch(const std::string& text) {
  pdp::v1::Change c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  return c;
}

std::string InOrg(const std::string& kind, const std::string& fields) {
  return absl::StrCat(kind, " { organization_id: '", kOrg, "' ", fields, " }");
}

class OrganizationReconcileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(
        test::EmptyShippedSnapshot(),
        {test::CreateAccount(kMgmt, true), test::CreateAccount(kStandalone, false),
         test::CreateAccount(kInvited, false, pdp::v1::FINE_GRAINED, "invited"),
         test::CreateAccount(kOtherMgmt, true),
         Ch(absl::StrCat("create_organization { organization_id: '", kOrg,
                         "' management_account_id: '", kMgmt, "' root_id: '", kRoot,
                         "' scps_enabled: true }")),
         Ch(InOrg("create_organizational_unit",
                  absl::StrCat("parent_id: '", kRoot, "' name: 'Eng' ou_id: '", kOu, "'"))),
         Ch(InOrg(
             "create_member_account",
             absl::StrCat("account_id: '", kCreated, "' name: 'created' parent_id: '", kOu, "'"))),
         Ch(InOrg("invite_account", absl::StrCat("account_id: '", kInvited, "'"))),
         Ch(InOrg("create_scp", absl::StrCat("policy_id: 'p-denyce000' name: 'DenyCe' "
                                             "description: 'd' document: '",
                                             DenyDoc({"ce:*"}), "'"))),
         Ch(InOrg("attach_scp", absl::StrCat("policy_id: 'p-denyce000' target_id: '", kOu, "'"))),
         Ch(absl::StrCat("create_organization { organization_id: '", kOtherOrg,
                         "' management_account_id: '", kOtherMgmt, "' root_id: 'r-ot12' }"))});
    ASSERT_TRUE(s.ok()) << s.status();
    base_ = *s;
  }

  // Applies one change on the base; `next_` is the snapshot after it.
  absl::Status ApplyOne(const std::string& text, ChangeResult* result = nullptr) {
    SnapshotBuilder b(base_);
    ChangeResult local;
    absl::Status s = ApplyWireChange(b, Ch(text), result != nullptr ? result : &local);
    if (s.ok()) next_ = b.Finish();
    return s;
  }

  // A no-op: marked unchanged, and the snapshot after it holds the base's
  // very organization and account records.
  void ExpectUnchanged(const std::string& text, const std::string& name) {
    SCOPED_TRACE(text);
    ChangeResult result;
    absl::Status s = ApplyOne(text, &result);
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_TRUE(result.unchanged);
    EXPECT_EQ(result.name, name);
    for (const auto& [id, org] : base_->organizations()) {
      EXPECT_EQ(next_->FindOrganization(id), org.get()) << id;
    }
    for (const auto& [id, account] : base_->accounts()) {
      EXPECT_EQ(next_->FindAccount(id), account.get()) << id;
    }
  }

  pdp::v1::Organization Org(const SnapshotPtr& s) {
    return OrganizationToProto(*s->FindOrganization(kOrg));
  }
  const pdp::v1::OrganizationalUnit* Ou(const pdp::v1::Organization& org, const std::string& id) {
    for (const auto& ou : org.organizational_units()) {
      if (ou.id() == id) return &ou;
    }
    return nullptr;
  }
  const pdp::v1::OrganizationAccount* Member(const pdp::v1::Organization& org,
                                             const std::string& id) {
    for (const auto& a : org.accounts()) {
      if (a.account_id() == id) return &a;
    }
    return nullptr;
  }
  std::string OrgEtag(const SnapshotPtr& s) { return s->FindOrganization(kOrg)->etag(); }

  SnapshotPtr base_;
  SnapshotPtr next_;
};

TEST_F(OrganizationReconcileTest, CreateOrganization) {
  const std::string as_asked = absl::StrCat("management_account_id: '", kMgmt, "' root_id: '",
                                            kRoot, "' scps_enabled: true");
  const std::string create = absl::StrCat("create_organization { organization_id: '", kOrg, "' ",
                                          as_asked, " allow_existing: true }");
  ExpectUnchanged(create, kOrg);
  // Without an id or root id: the organization its management account manages.
  ExpectUnchanged(absl::StrCat("create_organization { management_account_id: '", kMgmt,
                               "' scps_enabled: true allow_existing: true }"),
                  kOrg);
  // Strict without the flag.
  ExpectError(ApplyOne(absl::StrCat("create_organization { organization_id: '", kOrg, "' ",
                                    as_asked, " }")),
              absl::StatusCode::kAlreadyExists, "organization_id");
  // Contradictions.
  ExpectError(ApplyOne(absl::StrCat("create_organization { organization_id: '", kOrg,
                                    "' management_account_id: '", kStandalone,
                                    "' allow_existing: true scps_enabled: true }")),
              absl::StatusCode::kFailedPrecondition, "management_account_id", "EXISTING_CONFLICT");
  ExpectError(ApplyOne(absl::StrCat("create_organization { organization_id: '", kOrg,
                                    "' management_account_id: '", kMgmt,
                                    "' root_id: 'r-zz99' scps_enabled: true allow_existing: true "
                                    "}")),
              absl::StatusCode::kFailedPrecondition, "root_id", "EXISTING_CONFLICT");
  // Disabling SCPs (every guardrail off) never comes from allow_existing.
  ExpectError(ApplyOne(absl::StrCat("create_organization { organization_id: '", kOrg,
                                    "' management_account_id: '", kMgmt, "' root_id: '", kRoot,
                                    "' allow_existing: true }")),
              absl::StatusCode::kFailedPrecondition, "scps_enabled", "EXISTING_CONFLICT");
  // A management account of another organization (by a new id): as without the flag.
  ExpectError(ApplyOne(absl::StrCat("create_organization { organization_id: 'o-brandnew001' "
                                    "management_account_id: '",
                                    kMgmt, "' allow_existing: true }")),
              absl::StatusCode::kFailedPrecondition, "management_account_id",
              "ACCOUNT_IN_ORGANIZATION");
}

TEST_F(OrganizationReconcileTest, CreateOrganizationEnablesScpsAsAsked) {
  ChangeResult result;
  ASSERT_TRUE(ApplyOne(absl::StrCat("create_organization { organization_id: '", kOtherOrg,
                                    "' management_account_id: '", kOtherMgmt,
                                    "' root_id: 'r-ot12' scps_enabled: true allow_existing: true "
                                    "}"),
                       &result)
                  .ok());
  EXPECT_FALSE(result.unchanged);
  const OrganizationState* other = next_->FindOrganization(kOtherOrg);
  EXPECT_TRUE(other->scps_enabled);
  EXPECT_THAT(OrganizationToProto(*other).root_policy_ids(), ElementsAre(kFullAwsAccessId));
  EXPECT_EQ(result.etag, std::to_string(next_->revision()));
  // The same, SCPs off as they are: unchanged.
  ExpectUnchanged(absl::StrCat("create_organization { organization_id: '", kOtherOrg,
                               "' management_account_id: '", kOtherMgmt,
                               "' root_id: 'r-ot12' allow_existing: true }"),
                  kOtherOrg);
}

TEST_F(OrganizationReconcileTest, CreateOrganizationalUnit) {
  const std::string parent = absl::StrCat("parent_id: '", kRoot, "' ");
  ExpectUnchanged(InOrg("create_organizational_unit",
                        parent + "name: 'Eng' ou_id: 'ou-ex12-engineer' allow_existing: true"),
                  kOu);
  // Without an id: the OU of that name under that parent.
  ExpectUnchanged(InOrg("create_organizational_unit", parent + "name: 'Eng' allow_existing: true"),
                  kOu);
  ExpectError(ApplyOne(InOrg("create_organizational_unit",
                             parent + "name: 'Other' ou_id: 'ou-ex12-engineer'")),
              absl::StatusCode::kAlreadyExists, "ou_id");
  // Another name: renamed (only that).
  ChangeResult renamed;
  ASSERT_TRUE(ApplyOne(InOrg("create_organizational_unit",
                             parent + "name: 'Engineering' ou_id: 'ou-ex12-engineer' "
                                      "allow_existing: true"),
                       &renamed)
                  .ok());
  EXPECT_FALSE(renamed.unchanged);
  EXPECT_EQ(renamed.name, kOu);
  const pdp::v1::Organization org = Org(next_);
  const pdp::v1::OrganizationalUnit* ou = Ou(org, kOu);
  ASSERT_NE(ou, nullptr);
  EXPECT_EQ(ou->name(), "Engineering");
  EXPECT_THAT(ou->policy_ids(), ElementsAre(kFullAwsAccessId, "p-denyce000"));  // kept
  EXPECT_EQ(org.organizational_units_size(), 1);
  EXPECT_NE(OrgEtag(next_), OrgEtag(base_));
  // OUs do not move.
  ASSERT_TRUE(ApplyOne(InOrg("create_organizational_unit",
                             parent + "name: 'Second' ou_id: 'ou-ex12-second00'"))
                  .ok());
  base_ = next_;
  ExpectError(ApplyOne(InOrg("create_organizational_unit",
                             "parent_id: 'ou-ex12-second00' name: 'Eng' ou_id: "
                             "'ou-ex12-engineer' allow_existing: true")),
              absl::StatusCode::kFailedPrecondition, "parent_id", "EXISTING_CONFLICT");
  // A rename onto a sibling's name is refused as update_organizational_unit.
  ExpectError(ApplyOne(InOrg("create_organizational_unit",
                             parent + "name: 'Second' ou_id: 'ou-ex12-engineer' "
                                      "allow_existing: true")),
              absl::StatusCode::kAlreadyExists, "name");
}

TEST_F(OrganizationReconcileTest, CreateMemberAccount) {
  ExpectUnchanged(InOrg("create_member_account",
                        absl::StrCat("account_id: '", kCreated, "' name: 'created' parent_id: '",
                                     kOu, "' allow_existing: true")),
                  kCreated);
  // Settings are the account's: iam_user_access_to_billing applies only on
  // creation, and an invited member (INVITED stays) is fine too.
  ExpectUnchanged(InOrg("create_member_account",
                        absl::StrCat("account_id: '", kInvited,
                                     "' iam_user_access_to_billing: IAM_USER_ACCESS_ALLOW "
                                     "allow_existing: true")),
                  kInvited);
  ExpectError(ApplyOne(InOrg("create_member_account",
                             absl::StrCat("account_id: '", kCreated, "' parent_id: '", kOu, "'"))),
              absl::StatusCode::kAlreadyExists, "account_id");
  // A rename changes the account, not the organization.
  ChangeResult renamed;
  ASSERT_TRUE(ApplyOne(InOrg("create_member_account",
                             absl::StrCat("account_id: '", kCreated, "' name: 'team' parent_id: '",
                                          kOu, "' allow_existing: true")),
                       &renamed)
                  .ok());
  EXPECT_FALSE(renamed.unchanged);
  EXPECT_EQ(next_->FindAccount(kCreated)->name, "team");
  EXPECT_EQ(renamed.etag, std::to_string(next_->revision()));
  EXPECT_EQ(next_->FindOrganization(kOrg), base_->FindOrganization(kOrg));
  // Elsewhere: moved to the parent asked (the root by default).
  ASSERT_TRUE(ApplyOne(InOrg("create_member_account",
                             absl::StrCat("account_id: '", kCreated, "' allow_existing: true")))
                  .ok());
  EXPECT_EQ(Member(Org(next_), kCreated)->parent_id(), kRoot);
  EXPECT_EQ(Member(Org(next_), kCreated)->joined(), pdp::v1::CREATED);
  EXPECT_EQ(next_->FindAccount(kCreated)->name, "created");
  EXPECT_NE(OrgEtag(next_), OrgEtag(base_));
  // Contradictions.
  ExpectError(ApplyOne(InOrg("create_member_account",
                             absl::StrCat("account_id: '", kMgmt, "' allow_existing: true"))),
              absl::StatusCode::kFailedPrecondition, "account_id", "MANAGEMENT_ACCOUNT");
  ExpectError(ApplyOne(InOrg("create_member_account",
                             absl::StrCat("account_id: '", kOtherMgmt, "' allow_existing: true"))),
              absl::StatusCode::kFailedPrecondition, "account_id", "ACCOUNT_IN_ORGANIZATION");
  ExpectError(ApplyOne(InOrg("create_member_account",
                             absl::StrCat("account_id: '", kStandalone, "' allow_existing: true"))),
              absl::StatusCode::kAlreadyExists, "account_id");
}

TEST_F(OrganizationReconcileTest, InviteAccount) {
  ExpectUnchanged(
      InOrg("invite_account", absl::StrCat("account_id: '", kInvited, "' allow_existing: true")),
      kInvited);
  ExpectUnchanged(InOrg("invite_account", absl::StrCat("account_id: '", kCreated, "' parent_id: '",
                                                       kOu, "' allow_existing: true")),
                  kCreated);
  ExpectError(ApplyOne(InOrg("invite_account", absl::StrCat("account_id: '", kInvited, "'"))),
              absl::StatusCode::kFailedPrecondition, "account_id", "ACCOUNT_IN_ORGANIZATION");
  // Moved when elsewhere; its settings and name stay.
  ASSERT_TRUE(
      ApplyOne(InOrg("invite_account", absl::StrCat("account_id: '", kInvited, "' parent_id: '",
                                                    kOu, "' allow_existing: true")))
          .ok());
  EXPECT_EQ(Member(Org(next_), kInvited)->parent_id(), kOu);
  EXPECT_EQ(Member(Org(next_), kInvited)->joined(), pdp::v1::INVITED);
  EXPECT_EQ(next_->FindAccount(kInvited)->name, "invited");
  EXPECT_TRUE(next_->FindAccount(kInvited)->settings == base_->FindAccount(kInvited)->settings);
  // A standalone account is invited as without the flag.
  ASSERT_TRUE(ApplyOne(InOrg("invite_account",
                             absl::StrCat("account_id: '", kStandalone, "' allow_existing: true")))
                  .ok());
  EXPECT_EQ(next_->FindAccount(kStandalone)->organization_id, kOrg);
  ExpectError(ApplyOne(InOrg("invite_account",
                             absl::StrCat("account_id: '", kMgmt, "' allow_existing: true"))),
              absl::StatusCode::kFailedPrecondition, "account_id", "MANAGEMENT_ACCOUNT");
  ExpectError(ApplyOne(InOrg("invite_account",
                             absl::StrCat("account_id: '", kOtherMgmt, "' allow_existing: true"))),
              absl::StatusCode::kFailedPrecondition, "account_id", "ACCOUNT_IN_ORGANIZATION");
}

TEST_F(OrganizationReconcileTest, CreateScp) {
  auto create = [](const std::string& id, const std::string& description,
                   const std::string& document, bool allow) {
    return InOrg("create_scp",
                 absl::StrCat(id.empty() ? "" : "policy_id: '" + id + "' ",
                              "name: 'DenyCe' description: '", description, "' document: '",
                              document, "'", allow ? " allow_existing: true" : ""));
  };
  const std::string doc = DenyDoc({"ce:*"});
  ExpectUnchanged(create("p-denyce000", "d", doc, true), "p-denyce000");
  ExpectUnchanged(create("", "d", doc, true), "p-denyce000");  // by name
  ExpectError(ApplyOne(create("p-denyce000", "d", doc, false)), absl::StatusCode::kAlreadyExists,
              "policy_id");
  const std::string scp_etag = base_->FindOrganization(kOrg)->scps.at("p-denyce000")->etag();
  // An edited document: the SCP takes it (and the description, even empty).
  ChangeResult edited;
  ASSERT_TRUE(ApplyOne(create("p-denyce000", "", DenyDoc({"ce:Get*"}), true), &edited).ok());
  EXPECT_FALSE(edited.unchanged);
  const ScpRecord& scp = *next_->FindOrganization(kOrg)->scps.at("p-denyce000");
  EXPECT_EQ(scp.document, DenyDoc({"ce:Get*"}));
  EXPECT_EQ(scp.description, "");
  EXPECT_NE(edited.etag, scp_etag);
  EXPECT_EQ(edited.etag, scp.etag());
  // Still validated; FullAWSAccess is still AWS's.
  ExpectError(ApplyOne(create("p-denyce000", "d", "{", true)), absl::StatusCode::kInvalidArgument,
              "document");
  ExpectError(
      ApplyOne(InOrg("create_scp", absl::StrCat("policy_id: '", kFullAwsAccessId,
                                                "' name: 'FullAWSAccess' document: '",
                                                test::AllowDoc({"*"}), "' allow_existing: true"))),
      absl::StatusCode::kPermissionDenied, "policy_id", "AWS_MANAGED_READ_ONLY");
}

TEST_F(OrganizationReconcileTest, AttachAndDetach) {
  const std::string attached = absl::StrCat("policy_id: 'p-denyce000' target_id: '", kOu, "'");
  const std::string not_attached =
      absl::StrCat("policy_id: 'p-denyce000' target_id: '", kRoot, "'");
  ExpectUnchanged(InOrg("attach_scp", attached + " allow_existing: true"), "p-denyce000");
  ExpectUnchanged(InOrg("detach_scp", not_attached + " allow_missing: true"), "p-denyce000");
  // Strict without the flags, as Organizations.
  ExpectError(ApplyOne(InOrg("attach_scp", attached)), absl::StatusCode::kAlreadyExists,
              "policy_id");
  ExpectError(ApplyOne(InOrg("detach_scp", not_attached)), absl::StatusCode::kNotFound,
              "policy_id");
  // The SCP and the target must exist; the last SCP stays.
  ExpectError(ApplyOne(InOrg("detach_scp",
                             "policy_id: 'p-denyce000' target_id: 'ou-ex12-missing0' "
                             "allow_missing: true")),
              absl::StatusCode::kNotFound, "target_id");
  ExpectError(ApplyOne(InOrg("detach_scp", absl::StrCat("policy_id: 'p-nosuchscp' target_id: '",
                                                        kRoot, "' allow_missing: true"))),
              absl::StatusCode::kNotFound, "policy_id");
  ExpectError(
      ApplyOne(InOrg("detach_scp", absl::StrCat("policy_id: '", kFullAwsAccessId, "' target_id: '",
                                                kRoot, "' allow_missing: true"))),
      absl::StatusCode::kFailedPrecondition, "policy_id", "MIN_POLICY_ATTACHMENT");
  // A real attachment with the flag is made.
  ASSERT_TRUE(ApplyOne(InOrg("attach_scp", not_attached + " allow_existing: true")).ok());
  EXPECT_THAT(Org(next_).root_policy_ids(), ElementsAre(kFullAwsAccessId, "p-denyce000"));
}

}  // namespace
}  // namespace pdp
