#include "world/world_file.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/policy/policy_compiler.h"
#include "engine/policy/policy_json.h"
#include "engine/write/snapshot_builder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/wire/change_from_wire.h"
#include "server/wire/wire_decide.h"
#include "tests/support/test_support.h"

namespace pdp {
namespace {

using test::FieldOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kDemoWorld = test::DataPath("demo-world.yaml");

constexpr char kYamlWorld[] = R"(
# Order inside the file does not matter.
users:
  - arn: arn:aws:iam::111111111111:user/alice
    groups: [admins]
    attached_policies: [arn:aws:iam::111111111111:policy/Custom]
    inline_policies:
      - name: own
        document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "ce:Get*", Resource: "*"}]}
    tags: {team: finance, cost-center: 4711}
roles:
  - arn: arn:aws:iam::111111111111:role/Auditor
    attached_policies: [arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess]
groups:
  - arn: arn:aws:iam::111111111111:group/admins
    attached_policies: [arn:aws:iam::aws:policy/AdministratorAccess]
    inline_policies: []
managed_policies:
  - arn: arn:aws:iam::111111111111:policy/Custom
    description: custom
    document: '{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "payments:*", "Resource": "*"}}'
accounts:
  - id: 111111111111
    name: payer
    iam_access_to_billing: true
    console_action_set: LEGACY
  - id: "012345678901"
)";

// The same world as JSON.
constexpr char kJsonWorld[] = R"({
  "accounts": [
    {"id": "111111111111", "name": "payer", "iam_access_to_billing": true,
     "console_action_set": "LEGACY"},
    {"id": "012345678901"}],
  "managed_policies": [
    {"arn": "arn:aws:iam::111111111111:policy/Custom", "description": "custom",
     "document": "{\"Version\": \"2012-10-17\", \"Statement\": {\"Effect\": \"Deny\", \"Action\": \"payments:*\", \"Resource\": \"*\"}}"}],
  "groups": [
    {"arn": "arn:aws:iam::111111111111:group/admins",
     "attached_policies": ["arn:aws:iam::aws:policy/AdministratorAccess"], "inline_policies": []}],
  "users": [
    {"arn": "arn:aws:iam::111111111111:user/alice", "groups": ["admins"],
     "attached_policies": ["arn:aws:iam::111111111111:policy/Custom"],
     "inline_policies": [{"name": "own", "document": {"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ce:Get*", "Resource": "*"}]}}],
     "tags": {"team": "finance", "cost-center": "4711"}}],
  "roles": [
    {"arn": "arn:aws:iam::111111111111:role/Auditor",
     "attached_policies": ["arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess"]}]
})";

std::vector<pdp::v1::Change> MustParse(absl::string_view text) {
  absl::StatusOr<std::vector<pdp::v1::Change>> changes = WorldToChanges(text);
  EXPECT_TRUE(changes.ok()) << changes.status();
  return changes.ok() ? *changes : std::vector<pdp::v1::Change>();
}

std::vector<pdp::v1::Change::KindCase> Kinds(const std::vector<pdp::v1::Change>& changes) {
  std::vector<pdp::v1::Change::KindCase> out;
  for (const auto& c : changes) out.push_back(c.kind_case());
  return out;
}

// Compact JSON of a policy document, for comparing documents whatever their formatting.
std::string Canonical(const std::string& document) {
  absl::StatusOr<Json> j = ParseStrictJson(document);
  EXPECT_TRUE(j.ok()) << document;
  return j.ok() ? j->dump() : "";
}

TEST(WorldToChangesTest, YamlWorldBecomesOrderedChanges) {
  std::vector<pdp::v1::Change> changes = MustParse(kYamlWorld);
  using K = pdp::v1::Change;
  // Accounts, then policies, then groups, users and roles, whatever the file's order.
  EXPECT_THAT(Kinds(changes), ElementsAre(K::kCreateAccount, K::kCreateAccount, K::kCreatePolicy,
                                          K::kPutGroup, K::kPutUser, K::kPutRole));

  const pdp::v1::CreateAccountRequest& payer = changes[0].create_account();
  EXPECT_TRUE(payer.allow_existing());
  EXPECT_EQ(payer.account().id(), "111111111111");
  EXPECT_EQ(payer.account().name(), "payer");
  EXPECT_TRUE(payer.account().settings().iam_access_to_billing());
  EXPECT_EQ(payer.account().settings().console_action_set(), pdp::v1::LEGACY);
  const pdp::v1::CreateAccountRequest& other = changes[1].create_account();
  EXPECT_EQ(other.account().id(), "012345678901");
  EXPECT_FALSE(other.account().settings().iam_access_to_billing());  // the default

  const pdp::v1::CreatePolicyRequest& policy = changes[2].create_policy();
  EXPECT_TRUE(policy.allow_existing());
  EXPECT_EQ(policy.arn(), "arn:aws:iam::111111111111:policy/Custom");
  EXPECT_EQ(policy.description(), "custom");
  // A document given as a string is passed on verbatim.
  EXPECT_EQ(
      policy.document(),
      R"({"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "payments:*", "Resource": "*"}})");

  const pdp::v1::PutUserRequest& alice = changes[4].put_user();
  EXPECT_TRUE(alice.replace());
  EXPECT_TRUE(alice.allow_missing());
  EXPECT_EQ(alice.user().arn(), "arn:aws:iam::111111111111:user/alice");
  EXPECT_THAT(alice.user().groups(), ElementsAre("admins"));
  EXPECT_THAT(alice.user().attached_policies(),
              ElementsAre("arn:aws:iam::111111111111:policy/Custom"));
  ASSERT_EQ(alice.user().inline_policies_size(), 1);
  EXPECT_EQ(alice.user().inline_policies(0).name(), "own");
  // A document given as an object becomes JSON that compiles to the same policy.
  EXPECT_EQ(Canonical(alice.user().inline_policies(0).document()),
            Canonical(R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                          "Action": "ce:Get*", "Resource": "*"}]})"));
  EXPECT_TRUE(CompilePolicy(alice.user().inline_policies(0).document()).ok());
  EXPECT_EQ(alice.user().tags().at("team"), "finance");
  EXPECT_EQ(alice.user().tags().at("cost-center"), "4711");

  EXPECT_TRUE(changes[3].put_group().replace());
  EXPECT_TRUE(changes[5].put_role().allow_missing());
  EXPECT_EQ(changes[5].put_role().role().arn(), "arn:aws:iam::111111111111:role/Auditor");
}

TEST(WorldToChangesTest, JsonAndYamlGiveTheSameChanges) {
  std::vector<pdp::v1::Change> yaml = MustParse(kYamlWorld);
  std::vector<pdp::v1::Change> json = MustParse(kJsonWorld);
  ASSERT_EQ(yaml.size(), json.size());
  for (size_t i = 0; i < yaml.size(); ++i) {
    // Inline documents may differ in formatting only.
    for (auto* changes : {&yaml, &json}) {
      auto& c = (*changes)[i];
      if (c.has_put_user()) {
        for (auto& p : *c.mutable_put_user()->mutable_user()->mutable_inline_policies()) {
          p.set_document(Canonical(p.document()));
        }
      }
    }
    EXPECT_EQ(yaml[i].ShortDebugString(), json[i].ShortDebugString()) << i;
  }
}

TEST(WorldToChangesTest, AccountIdsStayStrings) {
  // Unquoted 12-digit ids (even with a leading zero) are not turned into numbers.
  std::vector<pdp::v1::Change> changes = MustParse(R"(
accounts:
  - id: 000000000001
  - id: 999999999999
  - id: "123456789012"
)");
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].create_account().account().id(), "000000000001");
  EXPECT_EQ(changes[1].create_account().account().id(), "999999999999");
  EXPECT_EQ(changes[2].create_account().account().id(), "123456789012");
  // In JSON too, where a number literal would otherwise lose a leading zero or precision.
  std::vector<pdp::v1::Change> json = MustParse(R"({"accounts": [{"id": 111111111111}]})");
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0].create_account().account().id(), "111111111111");
}

// The enum's zero name is the default, as in the API (types.proto).
TEST(WorldToChangesTest, UnspecifiedConsoleActionSetIsTheDefault) {
  std::vector<pdp::v1::Change> changes = MustParse(
      "accounts:\n  - id: '111111111111'\n    console_action_set: "
      "CONSOLE_ACTION_SET_UNSPECIFIED\n");
  ASSERT_EQ(changes.size(), 1u);
  absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(test::EmptyShippedSnapshot(), changes);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ((*s)->FindAccount("111111111111")->settings.console_action_set,
            ConsoleActionSet::kFineGrained);
}

// AWS's unique ids travel with users, groups and roles; re-applying the
// file keeps them (world files upsert), and a world file cannot change one.
TEST(WorldToChangesTest, UniqueIdsAreKeptAndNeverChanged) {
  const std::string world = R"(
accounts: [{id: '111111111111', name: a}]
groups: [{arn: 'arn:aws:iam::111111111111:group/g', unique_id: AGPAI2AZ6MDB4XTOE4SKW}]
users: [{arn: 'arn:aws:iam::111111111111:user/u', unique_id: AIDAJQABLZS4A3QDU576Q}]
roles: [{arn: 'arn:aws:iam::111111111111:role/r', unique_id: AROAJ52OTH4H7LEXAMPLE}]
)";
  std::vector<pdp::v1::Change> changes = MustParse(world);
  absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(test::EmptyShippedSnapshot(), changes);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ((*s)->FindByUniqueId("AGPAI2AZ6MDB4XTOE4SKW")->arn,
            "arn:aws:iam::111111111111:group/g");
  EXPECT_EQ((*s)->FindByUniqueId("AIDAJQABLZS4A3QDU576Q")->arn, "arn:aws:iam::111111111111:user/u");
  EXPECT_EQ((*s)->FindByUniqueId("AROAJ52OTH4H7LEXAMPLE")->arn, "arn:aws:iam::111111111111:role/r");
  absl::StatusOr<SnapshotPtr> again = test::ApplyBatch(*s, MustParse(world));
  ASSERT_TRUE(again.ok()) << again.status();
  std::string edited = world;
  edited.replace(edited.find("AIDAJQABLZS4A3QDU576Q"), 21, "AIDAJQABLZS4A3QDU5777");
  absl::StatusOr<SnapshotPtr> changed = test::ApplyBatch(*s, MustParse(edited));
  test::ExpectError(changed.status(), absl::StatusCode::kFailedPrecondition, "user.unique_id",
                    "UNIQUE_ID_CHANGED");
}

// A managed policy may list every version (as an export writes it): it is
// put exactly so, and applying the file again changes nothing.
TEST(WorldToChangesTest, ManagedPolicyVersionsArePutAsGiven) {
  const std::string world = R"(
accounts: [{id: '111111111111'}]
managed_policies:
  - arn: arn:aws:iam::111111111111:policy/P
    versions:
      - {version_id: v3, document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "ce:*", Resource: "*"}]}}
      - {version_id: v7, is_default: true, document: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"budgets:*","Resource":"*"}]}'}
)";
  std::vector<pdp::v1::Change> changes = MustParse(world);
  ASSERT_EQ(changes.size(), 2u);
  ASSERT_TRUE(changes[1].has_put_policy()) << changes[1].DebugString();
  absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(test::EmptyShippedSnapshot(), changes);
  ASSERT_TRUE(s.ok()) << s.status();
  const ManagedPolicyRecord* p = (*s)->FindPolicy("arn:aws:iam::111111111111:policy/P");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->default_version_id, "v7");
  ASSERT_EQ(p->versions.size(), 2u);
  SnapshotBuilder again(*s);
  for (const pdp::v1::Change& c : MustParse(world)) {
    ASSERT_TRUE(ApplyWireChange(again, c).ok());
    EXPECT_TRUE(again.last_change_unchanged()) << c.DebugString();
  }
  absl::StatusOr<std::vector<pdp::v1::Change>> both = WorldToChanges(
      "managed_policies: [{arn: 'arn:aws:iam::111111111111:policy/P', document: {}, versions: "
      "[]}]");
  EXPECT_EQ(FieldOf(both.status()), "managed_policies[0].document") << both.status();
  absl::StatusOr<std::vector<pdp::v1::Change>> flag = WorldToChanges(
      "managed_policies: [{arn: 'arn:aws:iam::111111111111:policy/P', versions: [{version_id: v1, "
      "document: {}, is_default: maybe}]}]");
  EXPECT_EQ(FieldOf(flag.status()), "managed_policies[0].versions[0].is_default") << flag.status();
}

// A managed policy with an AWS ARN (an export of one an import from AWS
// carried) is put for every account, before the entities that attach it.
TEST(WorldToChangesTest, AwsManagedPoliciesArePutWorldWide) {
  const std::string world = R"(
accounts: [{id: '111111111111', iam_access_to_billing: true}]
managed_policies:
  - arn: arn:aws:iam::aws:policy/job-function/ViewOnlyAccess
    description: view only
    versions:
      - {version_id: v1, document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "ec2:Describe*", Resource: "*"}]}}
      - {version_id: v2, is_default: true, document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "cost-optimization-hub:List*", Resource: "*"}]}}
  - arn: arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess
    document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:Get*", Resource: "*"}]}
users:
  - arn: arn:aws:iam::111111111111:user/u
    attached_policies: [arn:aws:iam::aws:policy/job-function/ViewOnlyAccess,
                        arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]
)";
  std::vector<pdp::v1::Change> changes = MustParse(world);
  ASSERT_EQ(changes.size(), 4u);
  ASSERT_TRUE(changes[1].has_put_aws_managed_policy()) << changes[1].DebugString();
  ASSERT_TRUE(changes[2].has_put_aws_managed_policy()) << changes[2].DebugString();
  // A single document is version v1, the default.
  ASSERT_EQ(changes[2].put_aws_managed_policy().versions_size(), 1);
  EXPECT_EQ(changes[2].put_aws_managed_policy().versions(0).version_id(), "v1");
  EXPECT_TRUE(changes[2].put_aws_managed_policy().versions(0).is_default());
  absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(test::EmptyShippedSnapshot(), changes);
  ASSERT_TRUE(s.ok()) << s.status();
  const ManagedPolicyRecord* p =
      (*s)->FindPolicy("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->aws_managed);
  EXPECT_EQ(p->default_version_id, "v2");
  EXPECT_EQ(p->description, "view only");
  SnapshotBuilder again(*s);
  for (const pdp::v1::Change& c : MustParse(world)) {
    ASSERT_TRUE(ApplyWireChange(again, c).ok());
    EXPECT_TRUE(again.last_change_unchanged()) << c.DebugString();
  }
}

TEST(WorldToChangesTest, YamlScalarsKeepTheirText) {
  std::vector<pdp::v1::Change> changes = MustParse(R"(
users:
  - arn: arn:aws:iam::111111111111:user/u
    tags: {a: "true", b: 1.50, c: 0x10, d: yes, e: "null"}
    inline_policies:
      - name: p
        document:
          Version: 2012-10-17
          Statement:
            - Effect: Allow
              Action: billing:GetBillingData
              Resource: "*"
              Condition: {Bool: {"aws:MultiFactorAuthPresent": true}}
)");
  ASSERT_EQ(changes.size(), 1u);
  const pdp::v1::User& u = changes[0].put_user().user();
  EXPECT_EQ(u.tags().at("a"), "true");
  EXPECT_EQ(u.tags().at("b"), "1.50");
  EXPECT_EQ(u.tags().at("c"), "0x10");
  EXPECT_EQ(u.tags().at("d"), "yes");
  EXPECT_EQ(u.tags().at("e"), "null");
  absl::StatusOr<Json> doc = ParseStrictJson(u.inline_policies(0).document());
  ASSERT_TRUE(doc.ok()) << u.inline_policies(0).document();
  EXPECT_EQ((*doc)["Version"], "2012-10-17");
  absl::StatusOr<CompiledPolicyPtr> compiled = CompilePolicy(u.inline_policies(0).document());
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  EXPECT_EQ((*compiled)->version, "2012-10-17");
  EXPECT_TRUE((*compiled)->statements[0].condition != nullptr);
}

TEST(WorldToChangesTest, EmptySectionsAndEmptyWorld) {
  EXPECT_TRUE(MustParse("{}").empty());
  EXPECT_TRUE(MustParse("accounts: []\nusers: []\n").empty());
  EXPECT_TRUE(
      MustParse("users:\n  - arn: arn:aws:iam::111111111111:user/u\n    groups:\n").size() == 1);
}

struct Bad {
  const char* name;
  const char* text;
  const char* field;
  const char* message;
};

class WorldRejectionTest : public ::testing::TestWithParam<Bad> {};

TEST_P(WorldRejectionTest, NamesThePath) {
  absl::StatusOr<std::vector<pdp::v1::Change>> changes = WorldToChanges(GetParam().text);
  ASSERT_FALSE(changes.ok()) << "accepted: " << GetParam().text;
  EXPECT_EQ(changes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(changes.status()), GetParam().field) << changes.status();
  EXPECT_THAT(std::string(changes.status().message()), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Rules, WorldRejectionTest,
    ::testing::Values(
        Bad{"UnknownSection", "acounts: []\n", "acounts", "unknown field"},
        Bad{"UnknownAccountField", "accounts:\n  - id: '111111111111'\n    iam_acess: true\n",
            "accounts[0].iam_acess", "unknown field"},
        Bad{"UnknownUserField",
            "users:\n  - arn: arn:aws:iam::111111111111:user/a\n  - arn: "
            "arn:aws:iam::111111111111:user/b\n    atached_policies: []\n",
            "users[1].atached_policies", "unknown field"},
        Bad{"TagsOnAGroup", "groups:\n  - arn: arn:aws:iam::111111111111:group/g\n    tags: {}\n",
            "groups[0].tags", "unknown field"},
        Bad{"GroupsOnARole", "roles:\n  - arn: arn:aws:iam::111111111111:role/r\n    groups: []\n",
            "roles[0].groups", "unknown field"},
        Bad{"UnknownInlineField",
            "roles:\n  - arn: arn:aws:iam::111111111111:role/r\n    inline_policies:\n      - "
            "name: p\n        doc: {}\n",
            "roles[0].inline_policies[0].doc", "unknown field"},
        Bad{"UnknownPolicyField",
            "managed_policies:\n  - arn: arn:aws:iam::111111111111:policy/p\n    document: '{}'\n  "
            " "
            " version: v1\n",
            "managed_policies[0].version", "unknown field"},
        Bad{"MissingArn", "users:\n  - groups: []\n", "users[0].arn", "is required"},
        Bad{"MissingAccountId", "accounts:\n  - name: x\n", "accounts[0].id", "is required"},
        Bad{"MissingDocument",
            "groups:\n  - arn: arn:aws:iam::111111111111:group/g\n    inline_policies: [{name: "
            "p}]\n",
            "groups[0].inline_policies[0].document", "is required"},
        Bad{"DocumentList",
            "managed_policies:\n  - arn: arn:aws:iam::111111111111:policy/p\n    document: [1]\n",
            "managed_policies[0].document", "policy object or a JSON string"},
        Bad{"IamAccessNotBoolean",
            "accounts:\n  - id: '111111111111'\n    iam_access_to_billing: \"yes\"\n",
            "accounts[0].iam_access_to_billing", "true or false"},
        Bad{"BadActionSet", "accounts:\n  - id: '111111111111'\n    console_action_set: fine\n",
            "accounts[0].console_action_set", "FINE_GRAINED or LEGACY"},
        Bad{"SectionNotAList", "users: {arn: x}\n", "users", "must be a list"},
        Bad{"GroupsNotAList",
            "users:\n  - arn: arn:aws:iam::111111111111:user/u\n    groups: admins\n",
            "users[0].groups", "list of strings"},
        Bad{"AttachedItemNotString",
            "users:\n  - arn: arn:aws:iam::111111111111:user/u\n    attached_policies: [[x]]\n",
            "users[0].attached_policies[0]", "must be a string"},
        Bad{"TagNotScalar",
            "users:\n  - arn: arn:aws:iam::111111111111:user/u\n    tags: {team: [a]}\n",
            "users[0].tags.team", "must be a string"},
        Bad{"ArnNotString", "roles:\n  - arn: [x]\n", "roles[0].arn", "must be a string"},
        Bad{"DuplicateKey", "accounts:\n  - id: '111111111111'\n    id: '222222222222'\n",
            "accounts[0].id", "duplicate key"},
        Bad{"NotAMapping", "- a\n- b\n", "", "mapping"}, Bad{"Scalar", "hello\n", "", "mapping"},
        Bad{"BrokenYaml", "accounts: [\n  {id: 1\n", "", "line"},
        Bad{"BrokenJson", "{\"accounts\": [}", "", "line 1"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(WorldToChangesTest, NonScalarKeysAreRejectedNotThrown) {
  for (const char* text : {"? [a, b]\n: 1\n", "accounts:\n  - ? {x: 1}\n    : 2\n"}) {
    absl::StatusOr<std::vector<pdp::v1::Change>> changes = WorldToChanges(text);
    ASSERT_FALSE(changes.ok()) << text;
    EXPECT_EQ(changes.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(ReadWorldFileTest, MissingFileIsNotFound) {
  auto changes = ReadWorldFile("/nonexistent/world.yaml");
  ASSERT_FALSE(changes.ok());
  EXPECT_EQ(changes.status().code(), absl::StatusCode::kNotFound);
}

// ---- the demo world through SnapshotBuilder
// ------------------------------------------------------

class DemoWorldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::vector<pdp::v1::Change>> changes = ReadWorldFile(kDemoWorld);
    ASSERT_TRUE(changes.ok()) << changes.status();
    changes_ = *changes;
  }
  std::vector<pdp::v1::Change> changes_;
};

TEST_F(DemoWorldTest, AppliesThroughTheSnapshotBuilder) {
  absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(test::EmptyShippedSnapshot(), changes_);
  ASSERT_TRUE(s.ok()) << s.status();
  const Snapshot& snapshot = **s;
  EXPECT_EQ(snapshot.revision(), 1);
  EXPECT_EQ(snapshot.accounts().size(), 3u);
  const AccountState* payer = snapshot.FindAccount("111111111111");
  ASSERT_NE(payer, nullptr);
  EXPECT_EQ(payer->name, "demo-payer");
  EXPECT_TRUE(payer->settings.iam_access_to_billing);
  EXPECT_FALSE(snapshot.FindAccount("222222222222")->settings.iam_access_to_billing);
  EXPECT_EQ(snapshot.FindAccount("333333333333")->settings.console_action_set,
            ConsoleActionSet::kLegacy);
  EXPECT_NE(snapshot.FindPolicy("arn:aws:iam::111111111111:policy/DenyPaymentMethods"), nullptr);
  const EntityRecord* dave = payer->FindEntity(IamArnKind::kUser, "dave");
  ASSERT_NE(dave, nullptr);
  EXPECT_THAT(dave->groups, ElementsAre("billing-admins", "readers"));
  const EntityRecord* alice = payer->FindEntity(IamArnKind::kUser, "finance-alice");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->tags.at("cost-center"), "4711");
  EXPECT_NE(payer->FindView(IamArnKind::kRole, "FinanceAuditor"), nullptr);
  EXPECT_NE(payer->FindEntity(IamArnKind::kGroup, "billing-admins"), nullptr);

  // Spot-check that the world means what its comments say.
  auto decide = [&](const std::string& principal, const std::string& page) {
    pdp::v1::AuthorizeRequest r;
    r.set_principal(principal);
    r.mutable_page()->set_page_id(page);
    r.mutable_page()->set_access(pdp::v1::VIEW);
    absl::StatusOr<pdp::v1::Decision> d = Decide(snapshot, r);
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? d->reason() : pdp::v1::REASON_UNSPECIFIED;
  };
  EXPECT_EQ(decide("arn:aws:iam::222222222222:user/admin", "billing_bills"),
            pdp::v1::IAM_ACCESS_NOT_ACTIVATED);
  EXPECT_EQ(decide("arn:aws:iam::111111111111:user/admin", "billing_bills"),
            pdp::v1::ALLOWED_BY_POLICY);
  EXPECT_EQ(decide("arn:aws:iam::111111111111:user/auditor-bob", "billing_payment_methods"),
            pdp::v1::EXPLICIT_DENY);
  EXPECT_EQ(decide("arn:aws:iam::111111111111:user/carol", "billing_bills"),
            pdp::v1::IMPLICIT_DENY);
  EXPECT_EQ(decide("arn:aws:iam::333333333333:user/legacy-viewer", "billing_bills"),
            pdp::v1::ALLOWED_BY_POLICY);
}

TEST_F(DemoWorldTest, ApplyingItTwiceChangesNothing) {
  absl::StatusOr<SnapshotPtr> first = test::ApplyBatch(test::EmptyShippedSnapshot(), changes_);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<SnapshotPtr> second = test::ApplyBatch(*first, changes_);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ((*second)->revision(), 2);

  const Snapshot& a = **first;
  const Snapshot& b = **second;
  ASSERT_EQ(a.accounts().size(), b.accounts().size());
  for (const auto& [id, acc] : a.accounts()) {
    SCOPED_TRACE(id);
    const AccountState* other = b.FindAccount(id);
    ASSERT_NE(other, nullptr);
    EXPECT_EQ(other->name, acc->name);
    EXPECT_TRUE(other->settings == acc->settings);
    EXPECT_EQ(other->etag(), acc->etag());
    ASSERT_EQ(other->entities.size(), acc->entities.size());
    for (const auto& [key, e] : acc->entities) {
      SCOPED_TRACE(key);
      auto it = other->entities.find(key);
      ASSERT_NE(it, other->entities.end());
      const EntityRecord& f = *it->second;
      EXPECT_EQ(f.arn, e->arn);
      EXPECT_EQ(f.groups, e->groups);
      EXPECT_EQ(f.attached, e->attached);
      EXPECT_EQ(f.tags, e->tags);
      ASSERT_EQ(f.inline_policies.size(), e->inline_policies.size());
      for (size_t i = 0; i < f.inline_policies.size(); ++i) {
        EXPECT_EQ(f.inline_policies[i].name, e->inline_policies[i].name);
        EXPECT_EQ(f.inline_policies[i].document, e->inline_policies[i].document);
      }
      // Nothing changed, so nothing looks changed to a client holding an etag.
      EXPECT_EQ(f.etag(), e->etag());
    }
    ASSERT_EQ(other->policies.size(), acc->policies.size());
    for (const auto& [key, p] : acc->policies) {
      SCOPED_TRACE(key);
      auto it = other->policies.find(key);
      ASSERT_NE(it, other->policies.end());
      const ManagedPolicyRecord& q = *it->second;
      EXPECT_EQ(q.default_version_id, p->default_version_id);
      EXPECT_EQ(q.versions.size(), p->versions.size());  // no new version for the same document
      EXPECT_EQ(q.description, p->description);
      EXPECT_EQ(q.etag(), p->etag());
    }
  }

  // And every decision is the same.
  for (const auto& [id, acc] : a.accounts()) {
    std::vector<std::string> principals = {RootArn(id)};
    for (const auto& [key, e] : acc->entities) {
      if (e->kind != IamArnKind::kGroup) principals.push_back(e->arn);
    }
    for (const std::string& p : principals) {
      auto da = DecideAllPages(a, p, "", pdp::v1::RequestContext());
      auto db = DecideAllPages(b, p, "", pdp::v1::RequestContext());
      ASSERT_TRUE(da.ok() && db.ok());
      ASSERT_EQ(da->size(), db->size());
      for (size_t i = 0; i < da->size(); ++i) {
        EXPECT_EQ((*da)[i].view.effect(), (*db)[i].view.effect()) << p;
        EXPECT_EQ((*da)[i].view.reason(), (*db)[i].view.reason()) << p;
        EXPECT_EQ((*da)[i].modify.reason(), (*db)[i].modify.reason()) << p;
        EXPECT_EQ((*da)[i].view.available_features().size(),
                  (*db)[i].view.available_features().size())
            << p;
      }
    }
  }
}

TEST_F(DemoWorldTest, ReapplyingAnEditedWorldUpdatesInPlaceButNotExistingSettings) {
  absl::StatusOr<SnapshotPtr> first = test::ApplyBatch(test::EmptyShippedSnapshot(), changes_);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::vector<pdp::v1::Change>> edited = WorldToChanges(R"(
accounts:
  - id: "222222222222"
    name: demo-newcomer
    iam_access_to_billing: true
managed_policies:
  - arn: arn:aws:iam::111111111111:policy/DenyPaymentMethods
    document: {Version: "2012-10-17", Statement: [{Effect: Deny, Action: "payments:MakePayment", Resource: "*"}]}
)");
  ASSERT_TRUE(edited.ok()) << edited.status();
  absl::StatusOr<SnapshotPtr> second = test::ApplyBatch(*first, *edited);
  ASSERT_TRUE(second.ok()) << second.status();
  // The name is taken; the settings are not: a world file sets them only
  // when it creates the account (changing them is UpdateAccountSettings,
  // whose actor rules keep IAM access the root user's to turn on).
  EXPECT_EQ((*second)->FindAccount("222222222222")->name, "demo-newcomer");
  EXPECT_FALSE((*second)->FindAccount("222222222222")->settings.iam_access_to_billing);
  const ManagedPolicyRecord* p =
      (*second)->FindPolicy("arn:aws:iam::111111111111:policy/DenyPaymentMethods");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->versions.size(), 2u);
  EXPECT_EQ(p->default_version_id, "v2");
  // Users the edited file does not mention are left as they are.
  EXPECT_NE((*second)->FindAccount("111111111111")->FindEntity(IamArnKind::kUser, "carol"),
            nullptr);
}

// ---- organization sections reconcile ---------------------------------------

constexpr char kOrgWorld[] = R"(
accounts:
  - {id: "111111111111", name: payer}
  - {id: "222222222222", name: invited}
organizations:
  - id: o-exampleorg1
    management_account: "111111111111"
    root_id: r-ex12
    scps_enabled: true
    organizational_units: [{id: ou-ex12-engineer, name: Engineering, parent: r-ex12}]
    accounts:
      - {id: "333333333333", name: team, parent: ou-ex12-engineer, joined: created}
      - {id: "222222222222", parent: r-ex12, joined: invited}
    scps:
      - {id: p-denyclose1, name: DenyClose,
         document: {Version: "2012-10-17", Statement: [{Effect: Deny, Action: "account:CloseAccount", Resource: "*"}]}}
    attach: [{policy: p-denyclose1, target: ou-ex12-engineer}]
    detach: [{policy: p-FullAWSAccess, target: ou-ex12-engineer}]
)";

TEST(WorldToChangesTest, OrganizationChangesReconcile) {
  absl::StatusOr<std::vector<pdp::v1::Change>> changes = WorldToChanges(kOrgWorld);
  ASSERT_TRUE(changes.ok()) << changes.status();
  int org_changes = 0;
  for (const pdp::v1::Change& c : *changes) {
    SCOPED_TRACE(c.ShortDebugString());
    switch (c.kind_case()) {
      case pdp::v1::Change::kCreateOrganization:
        EXPECT_TRUE(c.create_organization().allow_existing());
        break;
      case pdp::v1::Change::kCreateOrganizationalUnit:
        EXPECT_TRUE(c.create_organizational_unit().allow_existing());
        break;
      case pdp::v1::Change::kCreateMemberAccount:
        EXPECT_TRUE(c.create_member_account().allow_existing());
        break;
      case pdp::v1::Change::kInviteAccount:
        EXPECT_TRUE(c.invite_account().allow_existing());
        break;
      case pdp::v1::Change::kCreateScp:
        EXPECT_TRUE(c.create_scp().allow_existing());
        break;
      case pdp::v1::Change::kAttachScp:
        EXPECT_TRUE(c.attach_scp().allow_existing());
        EXPECT_EQ(c.attach_scp().target_id(), "ou-ex12-engineer");
        break;
      case pdp::v1::Change::kDetachScp:
        EXPECT_TRUE(c.detach_scp().allow_missing());
        EXPECT_EQ(c.detach_scp().policy_id(), "p-FullAWSAccess");
        EXPECT_EQ(c.detach_scp().target_id(), "ou-ex12-engineer");
        break;
      default:
        continue;
    }
    ++org_changes;
  }
  EXPECT_EQ(org_changes, 7);  // organization, OU, two members, SCP, attach, detach

  absl::StatusOr<SnapshotPtr> first = test::ApplyBatch(test::EmptyShippedSnapshot(), *changes);
  ASSERT_TRUE(first.ok()) << first.status();
  SnapshotBuilder again(*first);
  for (const pdp::v1::Change& c : *changes) {
    ASSERT_TRUE(ApplyWireChange(again, c).ok()) << c.ShortDebugString();
    EXPECT_TRUE(again.last_change_unchanged()) << c.ShortDebugString();
  }
  EXPECT_FALSE(again.changed());
}

}  // namespace
}  // namespace pdp
