// Import of `aws iam get-account-authorization-details` output: the batch it
// makes, applied to a real snapshot, gives AWS's entities, ids, versions and
// decisions; re-importing changes nothing; --prune deletes what is gone;
// every bad input names its JSON path.
#include "world/aws_iam_import.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "engine/write/snapshot_builder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/wire/change_from_wire.h"
#include "server/wire/record_protos.h"
#include "server/wire/wire_decide.h"
#include "tests/support/test_support.h"

namespace pdp {
namespace {

using test::FieldOf;
using ::testing::HasSubstr;

constexpr char kAccount[] = "123456789012";

// Shaped as the AWS CLI prints it (documents decoded to objects), with one
// URL-encoded document as the API returns them, fields we ignore
// (CreateDate, RoleLastUsed, AssumeRolePolicyDocument...) and an AWS
// managed policy entry.
constexpr char kDetails[] = R"json({
  "UserDetailList": [
    {"Path": "/finance/", "UserName": "alice", "UserId": "AIDAJQABLZS4A3QDU576Q",
     "Arn": "arn:aws:iam::123456789012:user/finance/alice", "CreateDate": "2024-01-02T03:04:05Z",
     "UserPolicyList": [{"PolicyName": "see-budgets", "PolicyDocument":
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "budgets:ViewBudget", "Resource": "*"}]}}],
     "GroupList": ["billing"],
     "AttachedManagedPolicies": [],
     "PermissionsBoundary": {"PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
     "Tags": [{"Key": "team", "Value": "finance"}]},
    {"Path": "/", "UserName": "bob", "UserId": "AIDAI23HXD2O5EXAMPLE",
     "Arn": "arn:aws:iam::123456789012:user/bob", "GroupList": [],
     "AttachedManagedPolicies": [{"PolicyName": "Costs", "PolicyArn": "arn:aws:iam::123456789012:policy/Costs"}]}
  ],
  "GroupDetailList": [
    {"Path": "/", "GroupName": "billing", "GroupId": "AGPAI2AZ6MDB4XTOE4SKW",
     "Arn": "arn:aws:iam::123456789012:group/billing",
     "GroupPolicyList": [{"PolicyName": "encoded", "PolicyDocument":
        "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22aws-portal%3AViewPaymentMethods%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D"}],
     "AttachedManagedPolicies": [{"PolicyName": "AWSBillingReadOnlyAccess",
        "PolicyArn": "arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess"}]}
  ],
  "RoleDetailList": [
    {"Path": "/", "RoleName": "Auditor", "RoleId": "AROAJ52OTH4H7LEXAMPLE",
     "Arn": "arn:aws:iam::123456789012:role/Auditor",
     "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
     "InstanceProfileList": [], "RolePolicyList": [],
     "AttachedManagedPolicies": [{"PolicyName": "Costs", "PolicyArn": "arn:aws:iam::123456789012:policy/Costs"}],
     "Tags": [], "RoleLastUsed": {}}
  ],
  "Policies": [
    {"PolicyName": "Costs", "PolicyId": "ANPAJ2UCCR6DPCEXAMPLE",
     "Arn": "arn:aws:iam::123456789012:policy/Costs", "Path": "/", "DefaultVersionId": "v3",
     "AttachmentCount": 2, "IsAttachable": true,
     "PolicyVersionList": [
       {"Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "budgets:*", "Resource": "*"}]},
        "VersionId": "v3", "IsDefaultVersion": true, "CreateDate": "2024-02-01T00:00:00Z"},
       {"Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "pricing:GetProducts", "Resource": "*"}]},
        "VersionId": "v1", "IsDefaultVersion": false}]},
    {"PolicyName": "AWSBillingReadOnlyAccess", "Arn": "arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess",
     "DefaultVersionId": "v9", "PolicyVersionList": [{"Document": {"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["aws-portal:ViewBilling", "budgets:ViewBudget"], "Resource": "*"}]},
        "VersionId": "v9", "IsDefaultVersion": true}]}
  ],
  "IsTruncated": false
})json";

AwsIamImportOptions Options() {
  AwsIamImportOptions o;
  for (const auto& [arn, policy] : *test::ShippedAwsPolicies())
    o.available_aws_policies.insert(arn);
  return o;
}

AwsIamImport MustImport(const std::string& json, const AwsIamImportOptions& options = Options()) {
  absl::StatusOr<AwsIamImport> imported = ImportAwsIamAuthorizationDetails(json, options);
  EXPECT_TRUE(imported.ok()) << imported.status();
  return imported.ok() ? *imported : AwsIamImport{};
}

pdp::v1::Effect Effect(const Snapshot& s, const std::string& principal, const std::string& action) {
  pdp::v1::AuthorizeRequest r;
  r.set_principal(principal);
  r.mutable_action()->set_action(action);
  absl::StatusOr<pdp::v1::Decision> d = Decide(s, r);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? d->effect() : pdp::v1::EFFECT_UNSPECIFIED;
}

TEST(AwsIamImportTest, TheAccountComesOutAsAwsHasIt) {
  AwsIamImport imported = MustImport(kDetails);
  EXPECT_EQ(imported.account_id, kAccount);
  EXPECT_EQ(imported.counts.users, 2);
  EXPECT_EQ(imported.counts.groups, 1);
  EXPECT_EQ(imported.counts.roles, 1);
  EXPECT_EQ(imported.counts.policies, 1);
  EXPECT_EQ(imported.counts.aws_managed_policies, 1);  // put as the file has it
  EXPECT_EQ(imported.counts.inline_policies, 2);
  ASSERT_EQ(imported.changes.size(), imported.item_paths.size());
  EXPECT_TRUE(imported.warnings.empty());

  absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(test::EmptyShippedSnapshot(), imported.changes);
  ASSERT_TRUE(s.ok()) << s.status();
  const AccountState* account = (*s)->FindAccount(kAccount);
  ASSERT_NE(account, nullptr);
  const EntityRecord* alice = account->FindEntity(IamArnKind::kUser, "alice");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->arn, "arn:aws:iam::123456789012:user/finance/alice");
  EXPECT_EQ(alice->unique_id, "AIDAJQABLZS4A3QDU576Q");
  EXPECT_EQ(alice->tags.at("team"), "finance");
  EXPECT_EQ(alice->permissions_boundary, "arn:aws:iam::aws:policy/AdministratorAccess");
  EXPECT_EQ((*s)->FindByUniqueId("AGPAI2AZ6MDB4XTOE4SKW")->arn,
            "arn:aws:iam::123456789012:group/billing");
  EXPECT_EQ((*s)->FindByUniqueId("AROAJ52OTH4H7LEXAMPLE")->arn,
            "arn:aws:iam::123456789012:role/Auditor");
  const ManagedPolicyRecord* costs = (*s)->FindPolicy("arn:aws:iam::123456789012:policy/Costs");
  ASSERT_NE(costs, nullptr);
  EXPECT_EQ(costs->default_version_id, "v3");
  ASSERT_EQ(costs->versions.size(), 2u);

  const std::string alice_arn = "arn:aws:iam::123456789012:user/finance/alice";
  const std::string bob = "arn:aws:iam::123456789012:user/bob";
  // Inline (object) and group inline (URL-encoded) documents both work.
  EXPECT_EQ(Effect(**s, alice_arn, "budgets:ViewBudget"), pdp::v1::ALLOW);
  EXPECT_EQ(Effect(**s, alice_arn, "aws-portal:ViewPaymentMethods"), pdp::v1::ALLOW);
  // v3 (the default, budgets:*) decides, not v1 (pricing).
  EXPECT_EQ(Effect(**s, bob, "budgets:ViewBudget"), pdp::v1::ALLOW);
  EXPECT_EQ(Effect(**s, bob, "pricing:GetProducts"), pdp::v1::DENY);
}

TEST(AwsIamImportTest, ImportingTheSameDataAgainChangesNothing) {
  AwsIamImport imported = MustImport(kDetails);
  absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(test::EmptyShippedSnapshot(), imported.changes);
  ASSERT_TRUE(s.ok()) << s.status();
  SnapshotBuilder again(*s);
  for (const pdp::v1::Change& c : MustImport(kDetails).changes) {
    ASSERT_TRUE(ApplyWireChange(again, c).ok()) << c.ShortDebugString();
    EXPECT_TRUE(again.last_change_unchanged()) << c.ShortDebugString();
  }
  EXPECT_FALSE(again.changed());
}

TEST(AwsIamImportTest, ChangedDataUpdatesAndPruneDeletesWhatIsGone) {
  AwsIamImport first = MustImport(kDetails);
  absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(test::EmptyShippedSnapshot(), first.changes);
  ASSERT_TRUE(s.ok()) << s.status();
  // Bob and the role leave AWS; alice's tag changes.
  std::string edited = kDetails;
  const size_t bob = edited.find(R"(,
    {"Path": "/", "UserName": "bob")");
  const size_t groups = edited.find(R"(  "GroupDetailList")");
  ASSERT_NE(bob, std::string::npos);
  edited.replace(bob, groups - bob, "\n  ],\n");
  edited = absl::StrReplaceAll(edited, {{R"("Value": "finance")", R"("Value": "treasury")"}});
  const size_t roles = edited.find(R"("RoleDetailList": [)");
  const size_t policies = edited.find(R"(  "Policies")");
  edited.replace(roles, policies - roles, "\"RoleDetailList\": [],\n");

  AwsIamImportOptions options = Options();
  std::vector<std::string> existing;
  for (const auto& [key, e] : (*s)->FindAccount(kAccount)->entities) existing.push_back(e->arn);
  for (const auto& [key, p] : (*s)->FindAccount(kAccount)->policies) existing.push_back(p->arn);
  // One parse, then the deletions added (what `import aws-iam --prune`
  // does once the file has said which account it is)...
  AwsIamImport second = MustImport(edited, options);
  ASSERT_TRUE(AddAwsIamPrune(existing, second).ok());
  EXPECT_EQ(second.counts.deletions, 2);  // bob, Auditor; Costs is still in the file
  EXPECT_EQ(AddAwsIamPrune(existing, second).code(), absl::StatusCode::kFailedPrecondition);
  // ...is what the option gives.
  options.prune_existing = existing;
  AwsIamImport with_option = MustImport(edited, options);
  ASSERT_EQ(with_option.changes.size(), second.changes.size());
  for (size_t i = 0; i < second.changes.size(); ++i) {
    EXPECT_EQ(with_option.changes[i].ShortDebugString(), second.changes[i].ShortDebugString());
    EXPECT_EQ(with_option.item_paths[i], second.item_paths[i]);
  }
  absl::StatusOr<SnapshotPtr> after = test::ApplyBatch(*s, second.changes);
  ASSERT_TRUE(after.ok()) << after.status();
  const AccountState* account = (*after)->FindAccount(kAccount);
  EXPECT_EQ(account->FindEntity(IamArnKind::kUser, "bob"), nullptr);
  EXPECT_EQ(account->FindEntity(IamArnKind::kRole, "Auditor"), nullptr);
  EXPECT_EQ(account->FindEntity(IamArnKind::kUser, "alice")->tags.at("team"), "treasury");
  EXPECT_NE((*after)->FindPolicy("arn:aws:iam::123456789012:policy/Costs"), nullptr);
  // Without --prune nothing is deleted.
  AwsIamImport kept = MustImport(edited);
  EXPECT_EQ(kept.counts.deletions, 0);
  for (const pdp::v1::Change& c : kept.changes) EXPECT_FALSE(c.has_delete_entity());
}

TEST(AwsIamImportTest, AwsManagedPoliciesTheServerLacksAreNamedAllAtOnce) {
  // Attachments only: the file's Policies still carries
  // AWSBillingReadOnlyAccess, not these.
  std::string json = absl::StrReplaceAll(
      kDetails, {{R"("PolicyArn": "arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess")",
                  R"("PolicyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")"},
                 {"arn:aws:iam::aws:policy/AdministratorAccess",
                  "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"}});
  absl::StatusOr<AwsIamImport> refused = ImportAwsIamAuthorizationDetails(json, Options());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kNotFound) << refused.status();
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"));
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"));

  AwsIamImportOptions lenient = Options();
  lenient.allow_missing_aws_policies = true;
  AwsIamImport imported = MustImport(json, lenient);
  EXPECT_EQ(imported.warnings.size(), 2u);
  absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(test::EmptyShippedSnapshot(), imported.changes);
  ASSERT_TRUE(s.ok()) << s.status();
  const AccountState* account = (*s)->FindAccount(kAccount);
  EXPECT_TRUE(account->FindEntity(IamArnKind::kGroup, "billing")->attached.empty());
  EXPECT_EQ(account->FindEntity(IamArnKind::kUser, "alice")->permissions_boundary, "");
}

// An export that includes AWS managed policies carries them in Policies,
// every version and the default: they are put for every account before
// the entities that attach them, so the server need not bundle them.
TEST(AwsIamImportTest, AwsManagedPoliciesTheFileCarriesArePutFirst) {
  const std::string view_only = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess";
  std::string json = absl::StrReplaceAll(
      kDetails,
      {{R"("AttachedManagedPolicies": [{"PolicyName": "Costs", "PolicyArn": "arn:aws:iam::123456789012:policy/Costs"}],
     "Tags": [], "RoleLastUsed": {}})",
        R"("AttachedManagedPolicies": [{"PolicyName": "ViewOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"}],
     "Tags": [], "RoleLastUsed": {}})"},
       {R"(  "IsTruncated": false)", ""}});
  const std::string entry = R"(,
    {"PolicyName": "ViewOnlyAccess", "PolicyId": "ANPAID22R6XPJATWOFDK6", "Arn": "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
     "Path": "/job-function/", "DefaultVersionId": "v2", "AttachmentCount": 1, "IsAttachable": true,
     "PolicyVersionList": [
       {"Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ec2:DescribeInstances"], "Resource": "*"}]},
        "VersionId": "v1", "IsDefaultVersion": false},
       {"Document": {"Version": "2012-10-17", "Statement": [{"Sid": "GeneralViewOnlyAccessStatement", "Effect": "Allow",
          "Action": ["ec2:DescribeInstances", "cost-optimization-hub:ListRecommendationSummaries", "cost-optimization-hub:ListRecommendations"], "Resource": "*"}]},
        "VersionId": "v2", "IsDefaultVersion": true}]}
  ],
  "IsTruncated": false
})";
  const size_t end = json.rfind("\n  ]");
  ASSERT_NE(end, std::string::npos);
  json.replace(end, std::string::npos, entry);
  ASSERT_FALSE(Options().available_aws_policies.contains(view_only));  // not bundled

  AwsIamImport imported = MustImport(json);
  EXPECT_EQ(imported.counts.aws_managed_policies, 2);
  EXPECT_EQ(imported.counts.policies, 1);
  EXPECT_TRUE(imported.warnings.empty());
  // Each AWS managed put comes before every entity change.
  size_t last_aws = 0, first_entity = imported.changes.size();
  for (size_t i = 0; i < imported.changes.size(); ++i) {
    const pdp::v1::Change& c = imported.changes[i];
    if (c.has_put_aws_managed_policy()) last_aws = i;
    if ((c.has_put_user() || c.has_put_group() || c.has_put_role()) && first_entity > i) {
      first_entity = i;
    }
  }
  EXPECT_LT(last_aws, first_entity);
  EXPECT_EQ(imported.item_paths[last_aws], "Policies[2]");

  absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(test::EmptyShippedSnapshot(), imported.changes);
  ASSERT_TRUE(s.ok()) << s.status();
  const ManagedPolicyRecord* p = (*s)->FindPolicy(view_only);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->aws_managed);
  EXPECT_EQ(p->default_version_id, "v2");
  EXPECT_EQ(p->versions.size(), 2u);
  // The role decides on ViewOnlyAccess's default version: Cost
  // Optimization Hub's savings, not the bills.
  const std::string auditor = "arn:aws:iam::123456789012:role/Auditor";
  EXPECT_EQ(Effect(**s, auditor, "cost-optimization-hub:ListRecommendationSummaries"),
            pdp::v1::ALLOW);
  EXPECT_EQ(Effect(**s, auditor, "aws-portal:ViewBilling"), pdp::v1::DENY);
  // The file's AWSBillingReadOnlyAccess (v9) replaced the bundled copy.
  EXPECT_EQ(
      (*s)->FindPolicy("arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess")->default_version_id,
      "v9");

  // Importing it again changes nothing, the AWS managed puts included.
  SnapshotBuilder again(*s);
  for (const pdp::v1::Change& c : MustImport(json).changes) {
    ASSERT_TRUE(ApplyWireChange(again, c).ok()) << c.ShortDebugString();
    EXPECT_TRUE(again.last_change_unchanged()) << c.ShortDebugString();
  }
  EXPECT_FALSE(again.changed());

  // Told what the server holds (as pdpctl is), the import leaves out the
  // puts of AWS managed policies the server has exactly so: a controller,
  // which may not put them, can import the file. One that differs is put.
  AwsIamImportOptions told = Options();
  for (const auto& [arn, policy] : (*s)->aws_policies()) {
    told.server_aws_policies[arn] = PolicyToProto(*policy, nullptr);
  }
  AwsIamImport held = MustImport(json, told);
  EXPECT_EQ(held.counts.aws_managed_policies, 2);
  EXPECT_EQ(held.counts.aws_managed_policies_held, 2);
  for (const pdp::v1::Change& c : held.changes) EXPECT_FALSE(c.has_put_aws_managed_policy());
  AwsIamImport moved =
      MustImport(absl::StrReplaceAll(json, {{R"("VersionId": "v1", "IsDefaultVersion": false)",
                                             R"("VersionId": "v1", "IsDefaultVersion": true)"},
                                            {R"("VersionId": "v2", "IsDefaultVersion": true)",
                                             R"("VersionId": "v2", "IsDefaultVersion": false)"}}),
                 told);
  // ViewOnlyAccess's default moved (and Costs', which is not AWS's);
  // AWSBillingReadOnlyAccess is as it was.
  EXPECT_EQ(moved.counts.aws_managed_policies_held, 1);
  int puts = 0;
  for (const pdp::v1::Change& c : moved.changes) puts += c.has_put_aws_managed_policy() ? 1 : 0;
  EXPECT_EQ(puts, 1);

  // The server's copy is compared as JSON, not as text: a bundled policy's
  // document is the bundle's spelling (here: other member order, indented),
  // which is still the same policy. One with another effect is not.
  AwsIamImportOptions respelled = told;
  for (auto& [arn, policy] : respelled.server_aws_policies) {
    for (auto& v : *policy.mutable_versions()) {
      v.set_document(nlohmann::json::parse(v.document()).dump(2));
    }
  }
  EXPECT_EQ(MustImport(json, respelled).counts.aws_managed_policies_held, 2);
  AwsIamImportOptions edited = told;
  for (auto& [arn, policy] : edited.server_aws_policies) {
    for (auto& v : *policy.mutable_versions()) {
      v.set_document(absl::StrReplaceAll(v.document(), {{"\"Allow\"", "\"Deny\""}}));
    }
  }
  EXPECT_EQ(MustImport(json, edited).counts.aws_managed_policies_held, 0);

  // A bad AWS managed entry names its path.
  absl::StatusOr<AwsIamImport> bad = ImportAwsIamAuthorizationDetails(
      absl::StrReplaceAll(json, {{R"("VersionId": "v2", "IsDefaultVersion": true)",
                                  R"("VersionId": 2, "IsDefaultVersion": true)"}}),
      Options());
  EXPECT_EQ(FieldOf(bad.status()), "Policies[2].PolicyVersionList[1].VersionId") << bad.status();
}

TEST(AwsIamImportTest, BadInputNamesItsPath) {
  auto path_of = [](const std::string& json, AwsIamImportOptions options = Options()) {
    absl::StatusOr<AwsIamImport> r = ImportAwsIamAuthorizationDetails(json, options);
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string("<ok>") : FieldOf(r.status());
  };
  EXPECT_EQ(path_of("not json"), "");
  EXPECT_EQ(path_of("[]"), "");
  EXPECT_EQ(path_of(R"({"UserDetailList": {}})"), "UserDetailList");
  EXPECT_EQ(path_of(R"({"UserDetailList": [{"UserName": "x"}]})"), "UserDetailList[0].Arn");
  EXPECT_EQ(path_of(R"({"UserDetailList": [{"Arn": "arn:aws:iam::123456789012:role/x"}]})"),
            "UserDetailList[0].Arn");
  EXPECT_EQ(path_of(R"({"UserDetailList": [{"Arn": "arn:aws:iam::123456789012:user/a"},
                                         {"Arn": "arn:aws:iam::210987654321:user/b"}]})"),
            "UserDetailList[1].Arn");
  AwsIamImportOptions other = Options();
  other.account_id = "210987654321";
  EXPECT_EQ(path_of(kDetails, other), "UserDetailList[0].Arn");
  EXPECT_EQ(path_of(R"({"UserDetailList": [], "IsTruncated": true, "Marker": "x"})"),
            "IsTruncated");
  EXPECT_EQ(path_of(R"({"UserDetailList": []})"), "UserDetailList");  // which account?
  EXPECT_EQ(path_of(absl::StrReplaceAll(kDetails, {{R"("Key": "team")", R"("Key": 7)"}})),
            "UserDetailList[0].Tags[0].Key");
  EXPECT_EQ(path_of(absl::StrReplaceAll(kDetails, {{"%22Version", "%ZZVersion"}})),
            "GroupDetailList[0].GroupPolicyList[0].PolicyDocument");
  EXPECT_EQ(
      path_of(absl::StrReplaceAll(kDetails, {{R"("VersionId": "v1", "IsDefaultVersion": false)",
                                              R"("VersionId": "v1", "IsDefaultVersion": "no")"}})),
      "Policies[0].PolicyVersionList[1].IsDefaultVersion");
}

TEST(AwsIamImportTest, DocumentsDecodeFromEveryFormAwsUses) {
  EXPECT_EQ(*AwsPolicyDocumentText(R"({"a":1})"), R"({"a":1})");
  EXPECT_EQ(*AwsPolicyDocumentText("  {\"a\":1}"), "  {\"a\":1}");
  EXPECT_EQ(*AwsPolicyDocumentText("%7B%22a%22%3A%22x+y%22%7D"), R"({"a":"x+y"})");
  EXPECT_FALSE(AwsPolicyDocumentText("%7B%2").ok());
  EXPECT_FALSE(AwsPolicyDocumentText("%G0").ok());
}

}  // namespace
}  // namespace pdp
