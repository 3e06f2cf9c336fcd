// Import of an AWS Organizations export (the CLI's JSON, one file per
// command): applied to a real snapshot it gives AWS's tree, members and SCP
// attachments exactly (FullAWSAccess detached where AWS does not list it);
// importing again changes nothing; missing or malformed files are named.
#include "world/aws_organizations_import.h"

#include <map>
#include <string>

#include "absl/strings/str_replace.h"
#include "engine/write/snapshot_builder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/wire/change_from_wire.h"
#include "server/wire/wire_decide.h"
#include "tests/support/test_support.h"

namespace pdp {
namespace {

using ::testing::HasSubstr;

constexpr char kOrg[] = "o-a1b2c3d4e5";
constexpr char kRoot[] = "r-a1b2";
constexpr char kOu[] = "ou-a1b2-finance1";
constexpr char kMgmt[] = "111111111111";
constexpr char kCreated[] = "222222222222";
constexpr char kInvited[] = "333333333333";

std::map<std::string, std::string> Export() {
  return {
      {"describe-organization.json",
       R"({"Organization": {"Id": "o-a1b2c3d4e5", "Arn": "arn:aws:organizations::111111111111:organization/o-a1b2c3d4e5",
           "FeatureSet": "ALL", "MasterAccountId": "111111111111", "MasterAccountEmail": "root@example.com",
           "AvailablePolicyTypes": []}})"},
      {"list-roots.json",
       R"({"Roots": [{"Id": "r-a1b2", "Name": "Root",
           "PolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]}]})"},
      {"list-organizational-units-for-parent/r-a1b2.json",
       R"({"OrganizationalUnits": [{"Id": "ou-a1b2-finance1", "Name": "Finance"}]})"},
      {"list-organizational-units-for-parent/ou-a1b2-finance1.json",
       R"({"OrganizationalUnits": []})"},
      {"list-accounts-for-parent/r-a1b2.json",
       R"({"Accounts": [{"Id": "111111111111", "Name": "payer", "Status": "ACTIVE", "JoinedMethod": "INVITED"},
                        {"Id": "333333333333", "Name": "legacy", "Status": "ACTIVE", "JoinedMethod": "INVITED"}]})"},
      {"list-accounts-for-parent/ou-a1b2-finance1.json",
       R"({"Accounts": [{"Id": "222222222222", "Name": "finance-prod", "Status": "ACTIVE", "JoinedMethod": "CREATED"}]})"},
      {"list-policies.json",
       R"({"Policies": [{"Id": "p-FullAWSAccess", "Name": "FullAWSAccess", "AwsManaged": true},
                        {"Id": "p-denybill1", "Name": "DenyBilling", "AwsManaged": false}]})"},
      {"describe-policy/p-denybill1.json",
       R"({"Policy": {"PolicySummary": {"Id": "p-denybill1", "Name": "DenyBilling", "Description": "no billing",
           "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": false},
           "Content": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"aws-portal:*\",\"Resource\":\"*\"}]}"}})"},
      // FullAWSAccess everywhere but the Finance OU (where DenyBilling... is
      // not enough on its own: the OU keeps nothing that allows).
      {"list-targets-for-policy/p-FullAWSAccess.json",
       R"({"Targets": [{"TargetId": "r-a1b2", "Type": "ROOT"}, {"TargetId": "111111111111", "Type": "ACCOUNT"},
                       {"TargetId": "333333333333", "Type": "ACCOUNT"}, {"TargetId": "222222222222", "Type": "ACCOUNT"}]})"},
      {"list-targets-for-policy/p-denybill1.json",
       R"({"Targets": [{"TargetId": "ou-a1b2-finance1", "Type": "ORGANIZATIONAL_UNIT"}]})"},
  };
}

ExportFileReader Reader(const std::map<std::string, std::string>& files) {
  return [files](const std::string& path) -> std::optional<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  };
}

TEST(AwsOrganizationsImportTest, TheOrganizationComesOutAsAwsHasIt) {
  absl::StatusOr<AwsOrganizationsImport> imported = ImportAwsOrganization(Reader(Export()));
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->organization_id, kOrg);
  EXPECT_EQ(imported->organizational_units, 1);
  EXPECT_EQ(imported->accounts, 2);
  EXPECT_EQ(imported->scps, 1);
  EXPECT_EQ(imported->attachments, 4);  // the management account's attachment does nothing
  ASSERT_EQ(imported->changes.size(), imported->item_paths.size());

  absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(test::EmptyShippedSnapshot(), imported->changes);
  ASSERT_TRUE(s.ok()) << s.status();
  const OrganizationState* org = (*s)->FindOrganization(kOrg);
  ASSERT_NE(org, nullptr);
  EXPECT_EQ(org->management_account_id, kMgmt);
  EXPECT_TRUE(org->scps_enabled);
  for (const char* member : {kCreated, kInvited}) {
    const AccountState* a = (*s)->FindAccount(member);
    ASSERT_NE(a, nullptr) << member;
    EXPECT_EQ(a->organization_id, kOrg) << member;
  }
  EXPECT_EQ((*s)->FindAccount(kCreated)->name, "finance-prod");
  EXPECT_EQ((*s)->FindAccount(kInvited)->name, "legacy");
  EXPECT_EQ((*s)->FindAccount(kMgmt)->name, "payer");
  // The Finance OU has DenyBilling and not FullAWSAccess.
  const auto& placement = org->placements.at(kCreated);
  std::vector<std::string> ou_policies;
  for (const ScpLevel& level : placement->scp_levels) {
    if (level.target_id == kOu) {
      for (const auto& p : level.policies) ou_policies.push_back(p.name);
    }
  }
  EXPECT_THAT(ou_policies, ::testing::ElementsAre("p-denybill1"));

  // Importing again changes nothing.
  absl::StatusOr<AwsOrganizationsImport> second = ImportAwsOrganization(Reader(Export()));
  ASSERT_TRUE(second.ok()) << second.status();
  SnapshotBuilder again(*s);
  for (const pdp::v1::Change& c : second->changes) {
    ASSERT_TRUE(ApplyWireChange(again, c).ok()) << c.ShortDebugString();
    EXPECT_TRUE(again.last_change_unchanged()) << c.ShortDebugString();
  }
  EXPECT_FALSE(again.changed());
}

TEST(AwsOrganizationsImportTest, MissingAndMalformedFilesAreNamed) {
  auto error = [](std::map<std::string, std::string> files) {
    absl::StatusOr<AwsOrganizationsImport> r = ImportAwsOrganization(Reader(files));
    EXPECT_FALSE(r.ok());
    return r.status();
  };
  std::map<std::string, std::string> files = Export();
  files.erase("list-accounts-for-parent/ou-a1b2-finance1.json");
  absl::Status s = error(files);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("list-accounts-for-parent/ou-a1b2-finance1.json"));

  files = Export();
  files.erase("describe-policy/p-denybill1.json");
  EXPECT_THAT(std::string(error(files).message()), HasSubstr("describe-policy/p-denybill1.json"));

  files = Export();
  files["list-roots.json"] = R"({"Roots": [{"Name": "Root"}]})";
  EXPECT_EQ(test::FieldOf(error(files)), "list-roots.json: Roots[0].Id");

  files = Export();
  files["list-accounts-for-parent/r-a1b2.json"] =
      R"({"Accounts": [{"Id": "444444444444", "JoinedMethod": "INVITED"}], "NextToken": "abc"})";
  EXPECT_EQ(test::FieldOf(error(files)), "list-accounts-for-parent/r-a1b2.json: NextToken");

  files = Export();
  files["list-targets-for-policy/p-denybill1.json"] =
      R"({"Targets": [{"TargetId": "ou-a1b2-nowhere1"}]})";
  EXPECT_EQ(test::FieldOf(error(files)),
            "list-targets-for-policy/p-denybill1.json: Targets[0].TargetId");

  files = Export();  // an OU listed under itself
  files["list-organizational-units-for-parent/ou-a1b2-finance1.json"] =
      R"({"OrganizationalUnits": [{"Id": "ou-a1b2-finance1", "Name": "Loop"}]})";
  EXPECT_THAT(std::string(error(files).message()), HasSubstr("listed twice"));

  files = Export();  // an id that would name a file outside the export
  files["list-organizational-units-for-parent/r-a1b2.json"] =
      R"({"OrganizationalUnits": [{"Id": "../../etc/passwd", "Name": "x"}]})";
  EXPECT_EQ(test::FieldOf(error(files)),
            "list-organizational-units-for-parent/r-a1b2.json: OrganizationalUnits[0].Id");

  files = Export();
  files["describe-organization.json"] = "not json";
  EXPECT_EQ(test::FieldOf(error(files)), "describe-organization.json");
}

}  // namespace
}  // namespace pdp
