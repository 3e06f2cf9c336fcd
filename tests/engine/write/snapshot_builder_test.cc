#include "engine/write/snapshot_builder.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/policy/policy_compiler.h"
#include "gmock/gmock.h"
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
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kA[] = "111111111111";
constexpr char kB[] = "222222222222";
const std::string kRootA = "arn:aws:iam::111111111111:root";
const std::string kRootB = "arn:aws:iam::222222222222:root";
const std::string kAlice = "arn:aws:iam::111111111111:user/alice";
const std::string kBob = "arn:aws:iam::111111111111:user/team/bob";
const std::string kAdmins = "arn:aws:iam::111111111111:group/admins";
const std::string kReaders = "arn:aws:iam::111111111111:group/finance/readers";
const std::string kAuditor = "arn:aws:iam::111111111111:role/Auditor";
const std::string kPolicyP = "arn:aws:iam::111111111111:policy/P";
const std::string kPolicyB = "arn:aws:iam::222222222222:policy/P";
const std::string kAdminAccess = "arn:aws:iam::aws:policy/AdministratorAccess";
const std::string kBillingRO = "arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess";

std::vector<std::string> BindingNames(const PrincipalView* view) {
  std::vector<std::string> out;
  if (view == nullptr) return out;
  for (const PolicyBinding& b : view->policies) out.push_back(b.name + " via " + b.via);
  return out;
}

std::vector<std::string> VersionIds(const ManagedPolicyRecord* p) {
  std::vector<std::string> out;
  for (const auto& v : p->versions) out.push_back(v.version_id);
  return out;
}

class SnapshotBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    empty_ = test::EmptyShippedSnapshot();
    ASSERT_NE(empty_, nullptr);
    absl::StatusOr<SnapshotPtr> s = ApplyBatch(
        empty_, {test::CreateAccount(kA, true), test::CreateAccount(kB, false),
                 test::CreatePolicy(kPolicyP, AllowDoc({"budgets:ViewBudget"})),
                 test::PutGroup(kAdmins, {kAdminAccess}),
                 test::PutUser(kAlice, {}, {}, {{"own", AllowDoc({"ce:GetCostAndUsage"})}}),
                 test::PutRole(kAuditor, {kBillingRO})});
    ASSERT_TRUE(s.ok()) << s.status();
    base_ = *s;
  }

  // Applies one change to base_ in its own batch; returns the error, if any.
  absl::Status ApplyOne(const pdp::v1::Change& change) {
    SnapshotBuilder b(base_);
    return ApplyWireChange(b, change);
  }

  // Applies changes to base_ and expects success.
  SnapshotPtr Apply(const std::vector<pdp::v1::Change>& changes) {
    absl::StatusOr<SnapshotPtr> s = ApplyBatch(base_, changes);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : base_;
  }

  SnapshotPtr empty_;
  SnapshotPtr base_;
};

// ---- accounts ---------------------------------------------------------------------------

TEST_F(SnapshotBuilderTest, CreatesAccountsWithTheirSettings) {
  EXPECT_EQ(base_->revision(), 1);
  const AccountState* a = base_->FindAccount(kA);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->id, kA);
  EXPECT_EQ(a->name, "account 111111111111");
  EXPECT_TRUE(a->settings.iam_access_to_billing);
  EXPECT_EQ(a->settings.console_action_set, ConsoleActionSet::kFineGrained);
  EXPECT_EQ(a->etag(), "1");
  const AccountState* b = base_->FindAccount(kB);
  ASSERT_NE(b, nullptr);
  EXPECT_FALSE(b->settings.iam_access_to_billing);
  EXPECT_EQ(base_->FindAccount("333333333333"), nullptr);
  EXPECT_EQ(base_->accounts().size(), 2u);

  pdp::v1::Account proto = AccountToProto(*a);
  EXPECT_EQ(proto.id(), kA);
  EXPECT_EQ(proto.etag(), "1");
  EXPECT_TRUE(proto.settings().iam_access_to_billing());
}

TEST_F(SnapshotBuilderTest, UnspecifiedActionSetBecomesFineGrained) {
  SnapshotPtr s =
      Apply({test::CreateAccount("333333333333", false, pdp::v1::CONSOLE_ACTION_SET_UNSPECIFIED),
             test::CreateAccount("444444444444", true, pdp::v1::LEGACY)});
  EXPECT_EQ(s->FindAccount("333333333333")->settings.console_action_set,
            ConsoleActionSet::kFineGrained);
  EXPECT_EQ(s->FindAccount("444444444444")->settings.console_action_set, ConsoleActionSet::kLegacy);
}

TEST_F(SnapshotBuilderTest, CreateAccountRejections) {
  ExpectError(ApplyOne(test::CreateAccount("12345", true)), absl::StatusCode::kInvalidArgument,
              "account.id");
  ExpectError(ApplyOne(test::CreateAccount("11111111111a", true)),
              absl::StatusCode::kInvalidArgument, "account.id");
  ExpectError(ApplyOne(test::CreateAccount(kA, true)), absl::StatusCode::kAlreadyExists,
              "account.id");
  // Within one batch too.
  SnapshotBuilder b(base_);
  ASSERT_TRUE(ApplyWireChange(b, test::CreateAccount("333333333333", true)).ok());
  ExpectError(ApplyWireChange(b, test::CreateAccount("333333333333", true)),
              absl::StatusCode::kAlreadyExists, "account.id");
}

// allow_existing never changes an existing account's settings (they need
// UpdateAccountSettings and its actor rules); only a new name is taken.
TEST_F(SnapshotBuilderTest, CreateAccountAllowExistingTakesOnlyTheName) {
  pdp::v1::Change same =
      test::CreateAccount(kA, true, pdp::v1::FINE_GRAINED, absl::StrCat("account ", kA));
  same.mutable_create_account()->set_allow_existing(true);
  {
    SnapshotBuilder b(base_);
    ChangeResult result;
    ASSERT_TRUE(ApplyWireChange(b, same, &result).ok());
    EXPECT_TRUE(b.last_change_unchanged());
    EXPECT_FALSE(b.changed());
    SnapshotPtr s = b.Finish();
    EXPECT_TRUE(result.unchanged);
    EXPECT_EQ(result.etag, "1");
    EXPECT_EQ(s->FindAccount(kA), base_->FindAccount(kA));  // the base's record, not a copy
  }
  // Other settings, same name: a no-op too (settings are not taken).
  pdp::v1::Change settings = test::CreateAccount(kA, false, pdp::v1::LEGACY, "");
  settings.mutable_create_account()->set_allow_existing(true);
  SnapshotBuilder b(base_);
  ASSERT_TRUE(ApplyWireChange(b, settings).ok());
  EXPECT_TRUE(b.last_change_unchanged());
  SnapshotPtr kept = b.Finish();
  EXPECT_TRUE(kept->FindAccount(kA)->settings.iam_access_to_billing);
  EXPECT_EQ(kept->FindAccount(kA)->settings.console_action_set, ConsoleActionSet::kFineGrained);
  EXPECT_EQ(kept->FindAccount(kA)->name, absl::StrCat("account ", kA));  // no name given: kept

  pdp::v1::Change c = test::CreateAccount(kA, false, pdp::v1::LEGACY, "renamed");
  c.mutable_create_account()->set_allow_existing(true);
  SnapshotPtr s = Apply({c});
  const AccountState* a = s->FindAccount(kA);
  EXPECT_EQ(a->name, "renamed");
  EXPECT_TRUE(a->settings.iam_access_to_billing);
  EXPECT_EQ(a->settings.console_action_set, ConsoleActionSet::kFineGrained);
  EXPECT_EQ(a->etag(), "2");
}

TEST_F(SnapshotBuilderTest, UpdateAccountName) {
  pdp::v1::Change c;
  c.mutable_update_account()->set_account_id(kA);
  c.mutable_update_account()->set_name("payer");
  c.mutable_update_account()->set_etag("1");
  SnapshotPtr s = Apply({c});
  EXPECT_EQ(s->FindAccount(kA)->name, "payer");
  EXPECT_EQ(s->FindAccount(kA)->etag(), "2");
  EXPECT_EQ(base_->FindAccount(kA)->name, "account 111111111111");

  c.mutable_update_account()->set_account_id("999999999999");
  ExpectError(ApplyOne(c), absl::StatusCode::kNotFound, "account_id");
  c.mutable_update_account()->set_account_id("x");
  ExpectError(ApplyOne(c), absl::StatusCode::kInvalidArgument, "account_id");
}

TEST_F(SnapshotBuilderTest, DeleteAccountRemovesItAndItsEntities) {
  pdp::v1::Change c;
  c.mutable_delete_account()->set_account_id(kA);
  SnapshotPtr s = Apply({c});
  EXPECT_EQ(s->FindAccount(kA), nullptr);
  EXPECT_NE(s->FindAccount(kB), nullptr);
  EXPECT_EQ(s->FindPolicy(kPolicyP), nullptr);
  EXPECT_NE(base_->FindAccount(kA), nullptr);
  c.mutable_delete_account()->set_account_id("999999999999");
  ExpectError(ApplyOne(c), absl::StatusCode::kNotFound, "account_id");
}

// ---- users, groups, roles --------------------------------------------------------------

TEST_F(SnapshotBuilderTest, CreatesUsersGroupsAndRolesWithViews) {
  const AccountState* a = base_->FindAccount(kA);
  const EntityRecord* alice = a->FindEntity(IamArnKind::kUser, "alice");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->arn, kAlice);
  EXPECT_EQ(alice->name, "alice");
  EXPECT_EQ(alice->kind, IamArnKind::kUser);
  EXPECT_EQ(alice->etag(), "1");
  ASSERT_EQ(alice->inline_policies.size(), 1u);
  EXPECT_EQ(alice->inline_policies[0].name, "own");
  ASSERT_NE(alice->inline_policies[0].compiled, nullptr);

  // Names are looked up without regard to case.
  EXPECT_EQ(a->FindEntity(IamArnKind::kUser, "ALICE"), alice);
  EXPECT_EQ(a->FindEntity(IamArnKind::kRole, "alice"), nullptr);
  EXPECT_NE(a->FindEntity(IamArnKind::kGroup, "Admins"), nullptr);
  EXPECT_NE(a->FindEntity(IamArnKind::kRole, "auditor"), nullptr);

  // Users and roles get views; groups do not.
  EXPECT_THAT(BindingNames(a->FindView(IamArnKind::kUser, "alice")),
              ElementsAre(kAlice + "#inline/own via " + kAlice));
  EXPECT_THAT(BindingNames(a->FindView(IamArnKind::kRole, "Auditor")),
              ElementsAre(kBillingRO + " via " + kAuditor));
  EXPECT_EQ(a->FindView(IamArnKind::kGroup, "admins"), nullptr);
  EXPECT_EQ(a->FindView(IamArnKind::kUser, "alice")->entity.get(), alice);
}

TEST_F(SnapshotBuilderTest, UserViewIncludesGroupPolicies) {
  SnapshotPtr s = Apply({test::PutGroup(kReaders, {kBillingRO}, {{"extra", AllowDoc({"ce:*"})}}),
                         test::PutUser(kBob, {"readers", "ADMINS"}, {kPolicyP})});
  const AccountState* a = s->FindAccount(kA);
  EXPECT_THAT(BindingNames(a->FindView(IamArnKind::kUser, "bob")),
              ElementsAre(kPolicyP + " via " + kBob, kReaders + "#inline/extra via " + kReaders,
                          kBillingRO + " via " + kReaders, kAdminAccess + " via " + kAdmins));
  const PrincipalView* v = a->FindView(IamArnKind::kUser, "bob");
  EXPECT_EQ(v->policies[0].policy, s->FindPolicy(kPolicyP)->default_compiled);
  EXPECT_EQ(v->policies[2].policy, s->FindPolicy(kBillingRO)->default_compiled);

  pdp::v1::Group g = GroupToProto(*a->FindEntity(IamArnKind::kGroup, "admins"), *a);
  EXPECT_THAT(g.members(), ElementsAre(kBob));
  pdp::v1::User u = UserToProto(*a->FindEntity(IamArnKind::kUser, "bob"));
  EXPECT_THAT(u.groups(), ElementsAre("readers", "ADMINS"));
  EXPECT_THAT(u.attached_policies(), ElementsAre(kPolicyP));
}

TEST_F(SnapshotBuilderTest, NamesAreUniqueIgnoringCase) {
  ExpectError(ApplyOne(test::PutUser("arn:aws:iam::111111111111:user/other/ALICE")),
              absl::StatusCode::kAlreadyExists, "user.arn");
  ExpectError(ApplyOne(test::PutGroup("arn:aws:iam::111111111111:group/ADMINS")),
              absl::StatusCode::kAlreadyExists, "group.arn");
  ExpectError(ApplyOne(test::PutRole("arn:aws:iam::111111111111:role/auditor")),
              absl::StatusCode::kAlreadyExists, "role.arn");
  // A user and a role may share a name.
  EXPECT_TRUE(ApplyOne(test::PutRole("arn:aws:iam::111111111111:role/alice")).ok());
  // The same name in another account is another entity.
  EXPECT_TRUE(ApplyOne(test::PutUser("arn:aws:iam::222222222222:user/alice")).ok());
}

TEST_F(SnapshotBuilderTest, ReplaceOverwritesTheEntity) {
  test::PutOptions replace;
  replace.replace = true;
  SnapshotPtr s =
      Apply({test::PutUser(kAlice, {"admins"}, {kPolicyP}, {{"second", AllowDoc({"tax:*"})}},
                           {{"team", "x"}}, replace)});
  const EntityRecord* alice = s->FindAccount(kA)->FindEntity(IamArnKind::kUser, "alice");
  EXPECT_THAT(alice->groups, ElementsAre("admins"));
  EXPECT_THAT(alice->attached, ElementsAre(kPolicyP));
  ASSERT_EQ(alice->inline_policies.size(), 1u);
  EXPECT_EQ(alice->inline_policies[0].name, "second");
  EXPECT_EQ(alice->tags.at("team"), "x");
  EXPECT_EQ(alice->etag(), "2");
  // The old snapshot still has the old record.
  EXPECT_EQ(base_->FindAccount(kA)->FindEntity(IamArnKind::kUser, "alice")->inline_policies[0].name,
            "own");

  ExpectError(ApplyOne(test::PutUser(kBob, {}, {}, {}, {}, replace)), absl::StatusCode::kNotFound,
              "user.arn");
  replace.allow_missing = true;
  SnapshotPtr upsert = Apply({test::PutUser(kBob, {}, {}, {}, {}, replace)});
  EXPECT_NE(upsert->FindAccount(kA)->FindEntity(IamArnKind::kUser, "bob"), nullptr);
}

TEST_F(SnapshotBuilderTest, ReplacingWithTheSameContentKeepsTheEtag) {
  test::PutOptions replace;
  replace.replace = true;
  SnapshotPtr s = Apply(
      {test::PutUser(kAlice, {}, {}, {{"own", AllowDoc({"ce:GetCostAndUsage"})}}, {}, replace),
       test::PutRole(kAuditor, {kBillingRO}, {}, replace),
       test::CreatePolicy(kPolicyP, AllowDoc({"budgets:ViewBudget"}), true)});
  const AccountState* a = s->FindAccount(kA);
  EXPECT_EQ(a->FindEntity(IamArnKind::kUser, "alice")->etag(), "1");
  EXPECT_EQ(a->FindEntity(IamArnKind::kRole, "Auditor")->etag(), "1");
  EXPECT_EQ(s->FindPolicy(kPolicyP)->etag(), "1");
  // Any difference is a change.
  SnapshotPtr t = Apply({test::PutUser(kAlice, {}, {}, {{"own", AllowDoc({"ce:GetCostAndUsage"})}},
                                       {{"k", "v"}}, replace),
                         test::PutRole(kAuditor, {}, {}, replace)});
  EXPECT_EQ(t->FindAccount(kA)->FindEntity(IamArnKind::kUser, "alice")->etag(), "2");
  EXPECT_EQ(t->FindAccount(kA)->FindEntity(IamArnKind::kRole, "Auditor")->etag(), "2");
  pdp::v1::Change described = test::CreatePolicy(kPolicyP, AllowDoc({"budgets:ViewBudget"}), true);
  described.mutable_create_policy()->set_description("now described");
  SnapshotPtr u = Apply({described});
  EXPECT_EQ(u->FindPolicy(kPolicyP)->description, "now described");
  EXPECT_EQ(u->FindPolicy(kPolicyP)->etag(), "2");
  EXPECT_THAT(VersionIds(u->FindPolicy(kPolicyP)), ElementsAre("v1"));
}

TEST_F(SnapshotBuilderTest, EntityArnsMustBeOfTheRightKindAndAccount) {
  ExpectError(ApplyOne(test::PutUser(kAuditor)), absl::StatusCode::kInvalidArgument, "user.arn");
  ExpectError(ApplyOne(test::PutRole(kAlice)), absl::StatusCode::kInvalidArgument, "role.arn");
  ExpectError(ApplyOne(test::PutGroup("not-an-arn")), absl::StatusCode::kInvalidArgument,
              "group.arn");
  ExpectError(ApplyOne(test::PutUser("arn:aws:iam::333333333333:user/x")),
              absl::StatusCode::kNotFound, "user.arn");
}

TEST_F(SnapshotBuilderTest, UserGroupsMustExistAndAreLimited) {
  ExpectError(ApplyOne(test::PutUser(kBob, {"admins", "nosuch"})), absl::StatusCode::kNotFound,
              "user.groups[1]");
  ExpectError(ApplyOne(test::PutUser(kBob, {"bad/name"})), absl::StatusCode::kInvalidArgument,
              "user.groups[0]");
  std::vector<pdp::v1::Change> changes;
  std::vector<std::string> groups;
  for (int i = 0; i < 11; ++i) {
    std::string name = absl::StrCat("g", i);
    changes.push_back(test::PutGroup(absl::StrCat("arn:aws:iam::111111111111:group/", name)));
    groups.push_back(name);
  }
  SnapshotPtr s = Apply(changes);
  SnapshotBuilder b(s);
  ExpectError(ApplyWireChange(b, test::PutUser(kBob, groups)),
              absl::StatusCode::kFailedPrecondition, "user.groups", "LIMIT_EXCEEDED");
  groups.pop_back();
  EXPECT_TRUE(ApplyWireChange(b, test::PutUser(kBob, groups)).ok());
  ExpectError(ApplyWireChange(b, test::AddToGroup(kBob, "g10")),
              absl::StatusCode::kFailedPrecondition, "group_name", "LIMIT_EXCEEDED");
}

TEST_F(SnapshotBuilderTest, AttachedPoliciesMustExistInTheAccountAndAreLimited) {
  ExpectError(ApplyOne(test::PutUser(kBob, {}, {"arn:aws:iam::aws:policy/NoSuchPolicy"})),
              absl::StatusCode::kNotFound, "user.attached_policies[0]");
  ExpectError(
      ApplyOne(test::PutUser(kBob, {}, {kAdminAccess, "arn:aws:iam::111111111111:policy/Q"})),
      absl::StatusCode::kNotFound, "user.attached_policies[1]");
  ExpectError(ApplyOne(test::PutUser(kBob, {}, {"arn:aws:iam::111111111111:user/x"})),
              absl::StatusCode::kInvalidArgument, "user.attached_policies[0]");
  SnapshotPtr with_b_policy = Apply({test::CreatePolicy(kPolicyB, AllowDoc({"s3:*"}))});
  SnapshotBuilder b(with_b_policy);
  ExpectError(ApplyWireChange(b, test::PutUser(kBob, {}, {kPolicyB})),
              absl::StatusCode::kInvalidArgument, "user.attached_policies[0]");

  std::vector<std::string> eleven;
  for (const auto& [arn, p] : base_->aws_policies()) eleven.push_back(arn);
  ASSERT_GE(eleven.size(), 11u);
  eleven.resize(11);
  ExpectError(ApplyOne(test::PutRole("arn:aws:iam::111111111111:role/many", eleven)),
              absl::StatusCode::kFailedPrecondition, "role.attached_policies", "LIMIT_EXCEEDED");
  eleven.pop_back();
  EXPECT_TRUE(ApplyOne(test::PutRole("arn:aws:iam::111111111111:role/many", eleven)).ok());
}

TEST_F(SnapshotBuilderTest, InlinePoliciesAreValidated) {
  ExpectError(ApplyOne(test::PutUser(kBob, {}, {}, {{"p", R"({"Statement": [{"Effect": "Permit",
                                               "Action": "*", "Resource": "*"}]})"}})),
              absl::StatusCode::kInvalidArgument,
              "user.inline_policies[0].document.Statement[0].Effect");
  ExpectError(ApplyOne(test::PutRole("arn:aws:iam::111111111111:role/r", {},
                                     {{"ok", AllowDoc({"*"})}, {"bad", "not json"}})),
              absl::StatusCode::kInvalidArgument, "role.inline_policies[1].document");
  ExpectError(ApplyOne(test::PutGroup("arn:aws:iam::111111111111:group/g", {},
                                      {{"bad name", AllowDoc({"*"})}})),
              absl::StatusCode::kInvalidArgument, "group.inline_policies[0].name");
  ExpectError(ApplyOne(test::PutUser(kBob, {}, {},
                                     {{"same", AllowDoc({"*"})}, {"same", AllowDoc({"s3:*"})}})),
              absl::StatusCode::kInvalidArgument, "user.inline_policies[1].name");
}

TEST_F(SnapshotBuilderTest, TagsAreValidated) {
  ExpectError(ApplyOne(test::PutUser(kBob, {}, {}, {}, {{"", "v"}})),
              absl::StatusCode::kInvalidArgument, "user.tags[]");
  ExpectError(ApplyOne(test::PutUser(kBob, {}, {}, {}, {{"k", std::string(257, 'v')}})),
              absl::StatusCode::kInvalidArgument, "user.tags[k]");
  std::map<std::string, std::string> many;
  for (int i = 0; i < 51; ++i) many.try_emplace(absl::StrCat("k", i), 1, 'v');
  ExpectError(ApplyOne(test::PutUser(kBob, {}, {}, {}, many)),
              absl::StatusCode::kFailedPrecondition, "user.tags", "LIMIT_EXCEEDED");
  many.erase("k0");
  EXPECT_TRUE(ApplyOne(test::PutUser(kBob, {}, {}, {}, many)).ok());
}

// aws:PrincipalTag/<key> matches keys in any case: two keys that differ only
// in case would leave it to chance which value a policy sees.
TEST_F(SnapshotBuilderTest, TagKeysThatDifferOnlyInCaseAreRefused) {
  absl::Status s = ApplyOne(test::PutUser(kBob, {}, {}, {}, {{"Team", "a"}, {"team", "b"}}));
  ExpectError(s, absl::StatusCode::kInvalidArgument, "user.tags[Team]");
  EXPECT_THAT(std::string(s.message()), HasSubstr("user.tags[team]"));
  EXPECT_TRUE(ApplyOne(test::PutUser(kBob, {}, {}, {}, {{"Team", "a"}, {"Owner", "b"}})).ok());
}

TEST_F(SnapshotBuilderTest, DeleteEntity) {
  SnapshotPtr s = Apply({test::DeleteEntity(kAlice), test::DeleteEntity(kAuditor)});
  const AccountState* a = s->FindAccount(kA);
  EXPECT_EQ(a->FindEntity(IamArnKind::kUser, "alice"), nullptr);
  EXPECT_EQ(a->FindView(IamArnKind::kUser, "alice"), nullptr);
  EXPECT_EQ(a->FindEntity(IamArnKind::kRole, "Auditor"), nullptr);
  EXPECT_EQ(a->FindView(IamArnKind::kRole, "Auditor"), nullptr);
  EXPECT_NE(base_->FindAccount(kA)->FindView(IamArnKind::kUser, "alice"), nullptr);

  ExpectError(ApplyOne(test::DeleteEntity(kBob)), absl::StatusCode::kNotFound, "arn");
  // The ARN must be the entity's own (path included).
  ExpectError(ApplyOne(test::DeleteEntity("arn:aws:iam::111111111111:user/x/alice")),
              absl::StatusCode::kNotFound, "arn");
  ExpectError(ApplyOne(test::DeleteEntity(kPolicyP)), absl::StatusCode::kInvalidArgument, "arn");
  ExpectError(ApplyOne(test::DeleteEntity(kRootA)), absl::StatusCode::kInvalidArgument, "arn");
}

TEST_F(SnapshotBuilderTest, GroupDeletionRemovesMembership) {
  SnapshotPtr s = Apply({test::PutUser(kBob, {"admins"}), test::AddToGroup(kAlice, "Admins")});
  ASSERT_THAT(BindingNames(s->FindAccount(kA)->FindView(IamArnKind::kUser, "bob")),
              ElementsAre(kAdminAccess + " via " + kAdmins));

  absl::StatusOr<SnapshotPtr> deleted = ApplyBatch(s, {test::DeleteEntity(kAdmins)});
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  const AccountState* a = (*deleted)->FindAccount(kA);
  EXPECT_EQ(a->FindEntity(IamArnKind::kGroup, "admins"), nullptr);
  EXPECT_THAT(a->FindEntity(IamArnKind::kUser, "bob")->groups, IsEmpty());
  EXPECT_THAT(a->FindEntity(IamArnKind::kUser, "alice")->groups, IsEmpty());
  EXPECT_THAT(BindingNames(a->FindView(IamArnKind::kUser, "bob")), IsEmpty());
  EXPECT_THAT(BindingNames(a->FindView(IamArnKind::kUser, "alice")),
              ElementsAre(kAlice + "#inline/own via " + kAlice));
  EXPECT_EQ(a->FindEntity(IamArnKind::kUser, "bob")->etag(), "3");

  // A new group of the same name does not bring the members back.
  absl::StatusOr<SnapshotPtr> recreated = ApplyBatch(*deleted, {test::PutGroup(kAdmins)});
  ASSERT_TRUE(recreated.ok());
  EXPECT_THAT((*recreated)->FindAccount(kA)->FindEntity(IamArnKind::kUser, "bob")->groups,
              IsEmpty());
}

TEST_F(SnapshotBuilderTest, GroupMembershipChanges) {
  SnapshotPtr s = Apply({test::AddToGroup(kAlice, "admins"), test::AddToGroup(kAlice, "ADMINS")});
  const AccountState* a = s->FindAccount(kA);
  EXPECT_THAT(a->FindEntity(IamArnKind::kUser, "alice")->groups, ElementsAre("admins"));
  EXPECT_THAT(BindingNames(a->FindView(IamArnKind::kUser, "alice")),
              ElementsAre(kAlice + "#inline/own via " + kAlice, kAdminAccess + " via " + kAdmins));

  absl::StatusOr<SnapshotPtr> removed = ApplyBatch(s, {test::RemoveFromGroup(kAlice, "Admins")});
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_THAT((*removed)->FindAccount(kA)->FindEntity(IamArnKind::kUser, "alice")->groups,
              IsEmpty());

  ExpectError(ApplyOne(test::AddToGroup(kAlice, "nosuch")), absl::StatusCode::kNotFound,
              "group_name");
  ExpectError(ApplyOne(test::RemoveFromGroup(kAlice, "admins")), absl::StatusCode::kNotFound,
              "group_name");
  ExpectError(ApplyOne(test::AddToGroup(kAuditor, "admins")), absl::StatusCode::kInvalidArgument,
              "user_arn");
  ExpectError(ApplyOne(test::AddToGroup(kBob, "admins")), absl::StatusCode::kNotFound, "user_arn");
}

// ---- attachments and inline policies ----------------------------------------------------

TEST_F(SnapshotBuilderTest, AttachAndDetach) {
  SnapshotPtr s = Apply({test::Attach(kAlice, kPolicyP), test::Attach(kAlice, kAdminAccess),
                         test::Attach(kAlice, kPolicyP), test::Attach(kAdmins, kPolicyP)});
  const AccountState* a = s->FindAccount(kA);
  EXPECT_THAT(a->FindEntity(IamArnKind::kUser, "alice")->attached,
              ElementsAre(kPolicyP, kAdminAccess));
  EXPECT_THAT(BindingNames(a->FindView(IamArnKind::kUser, "alice")),
              ElementsAre(kAlice + "#inline/own via " + kAlice, kPolicyP + " via " + kAlice,
                          kAdminAccess + " via " + kAlice));
  EXPECT_EQ(PolicyToProto(*s->FindPolicy(kPolicyP), a).attachment_count(), 2);

  absl::StatusOr<SnapshotPtr> detached =
      ApplyBatch(s, {test::Detach(kAlice, kPolicyP), test::Detach(kAdmins, kPolicyP)});
  ASSERT_TRUE(detached.ok()) << detached.status();
  const AccountState* d = (*detached)->FindAccount(kA);
  EXPECT_THAT(d->FindEntity(IamArnKind::kUser, "alice")->attached, ElementsAre(kAdminAccess));
  EXPECT_EQ(PolicyToProto(*(*detached)->FindPolicy(kPolicyP), d).attachment_count(), 0);

  ExpectError(ApplyOne(test::Detach(kAlice, kPolicyP)), absl::StatusCode::kNotFound, "policy_arn");
  ExpectError(ApplyOne(test::Attach(kAlice, "arn:aws:iam::111111111111:policy/Nope")),
              absl::StatusCode::kNotFound, "policy_arn");
  ExpectError(ApplyOne(test::Attach(kAlice, "arn:aws:iam::111111111111:policy/p")),
              absl::StatusCode::kNotFound, "policy_arn");
  ExpectError(ApplyOne(test::Attach(kRootA, kAdminAccess)), absl::StatusCode::kInvalidArgument,
              "entity_arn");
  ExpectError(ApplyOne(test::Attach(kBob, kAdminAccess)), absl::StatusCode::kNotFound,
              "entity_arn");
}

TEST_F(SnapshotBuilderTest, AttachLimit) {
  SnapshotBuilder b(base_);
  int attached = 0;
  for (const auto& [arn, p] : base_->aws_policies()) {
    if (attached == 10) break;
    ASSERT_TRUE(ApplyWireChange(b, test::Attach(kAuditor, arn)).ok()) << arn;
    ++attached;
  }
  ASSERT_EQ(attached, 10);  // one was already attached: the no-op does not count
  ExpectError(ApplyWireChange(b, test::Attach(kAuditor, kPolicyP)),
              absl::StatusCode::kFailedPrecondition, "policy_arn", "LIMIT_EXCEEDED");
}

TEST_F(SnapshotBuilderTest, PutAndDeleteInlinePolicies) {
  SnapshotPtr s = Apply({test::PutInline(kAlice, "second", AllowDoc({"tax:*"})),
                         test::PutInline(kAlice, "own", DenyDoc({"ce:*"})),
                         test::PutInline(kAdmins, "g", AllowDoc({"s3:*"}))});
  const AccountState* a = s->FindAccount(kA);
  const EntityRecord* alice = a->FindEntity(IamArnKind::kUser, "alice");
  ASSERT_EQ(alice->inline_policies.size(), 2u);
  EXPECT_EQ(alice->inline_policies[0].name, "own");
  EXPECT_EQ(alice->inline_policies[0].document, DenyDoc({"ce:*"}));
  EXPECT_EQ(alice->inline_policies[0].compiled->statements[0].effect, StatementEffect::kDeny);
  EXPECT_EQ(alice->inline_policies[1].name, "second");
  EXPECT_EQ(a->FindEntity(IamArnKind::kGroup, "admins")->inline_policies.size(), 1u);

  absl::StatusOr<SnapshotPtr> deleted = ApplyBatch(s, {test::DeleteInline(kAlice, "own")});
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_THAT(BindingNames((*deleted)->FindAccount(kA)->FindView(IamArnKind::kUser, "alice")),
              ElementsAre(kAlice + "#inline/second via " + kAlice));

  ExpectError(ApplyOne(test::DeleteInline(kAlice, "nosuch")), absl::StatusCode::kNotFound, "name");
  ExpectError(ApplyOne(test::PutInline(kAlice, "x/y", AllowDoc({"*"}))),
              absl::StatusCode::kInvalidArgument, "name");
  ExpectError(ApplyOne(test::PutInline(kAlice, "x", AllowDoc({"billing"}))),
              absl::StatusCode::kInvalidArgument, "document.Statement[0].Action[0]");
  ExpectError(ApplyOne(test::PutInline(kAlice, "x", "[1, x]")), absl::StatusCode::kInvalidArgument,
              "document[1]");
  ExpectError(ApplyOne(test::PutInline(kAlice, "x", "{} extra")),
              absl::StatusCode::kInvalidArgument, "document");
  ExpectError(ApplyOne(test::PutInline(kRootA, "x", AllowDoc({"*"}))),
              absl::StatusCode::kInvalidArgument, "entity_arn");
}

// ---- managed policies and versions --------------------------------------------------------

TEST_F(SnapshotBuilderTest, CreatePolicy) {
  const ManagedPolicyRecord* p = base_->FindPolicy(kPolicyP);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->arn, kPolicyP);
  EXPECT_FALSE(p->aws_managed);
  EXPECT_EQ(p->default_version_id, "v1");
  EXPECT_THAT(VersionIds(p), ElementsAre("v1"));
  ASSERT_NE(p->default_compiled, nullptr);
  EXPECT_TRUE(p->default_compiled->statements[0].MatchesAction("budgets:viewbudget"));
  // The ARN must match exactly.
  EXPECT_EQ(base_->FindPolicy("arn:aws:iam::111111111111:policy/p"), nullptr);
  EXPECT_EQ(base_->FindPolicy("arn:aws:iam::111111111111:policy/path/P"), nullptr);
  EXPECT_NE(base_->FindPolicy(kAdminAccess), nullptr);

  ExpectError(ApplyOne(test::CreatePolicy(kPolicyP, AllowDoc({"*"}))),
              absl::StatusCode::kAlreadyExists, "arn");
  ExpectError(ApplyOne(test::CreatePolicy("arn:aws:iam::111111111111:policy/x/p", AllowDoc({"*"}))),
              absl::StatusCode::kAlreadyExists, "arn");
  ExpectError(ApplyOne(test::CreatePolicy("arn:aws:iam::aws:policy/Mine", AllowDoc({"*"}))),
              absl::StatusCode::kPermissionDenied, "arn", "AWS_MANAGED_READ_ONLY");
  ExpectError(ApplyOne(test::CreatePolicy("arn:aws:iam::333333333333:policy/x", AllowDoc({"*"}))),
              absl::StatusCode::kNotFound, "arn");
  ExpectError(ApplyOne(test::CreatePolicy(kAlice, AllowDoc({"*"}))),
              absl::StatusCode::kInvalidArgument, "arn");
  ExpectError(
      ApplyOne(test::CreatePolicy("arn:aws:iam::111111111111:policy/Q", AllowDoc({"*"}, "bucket"))),
      absl::StatusCode::kInvalidArgument, "document.Statement[0].Resource");
}

TEST_F(SnapshotBuilderTest, ManagedPolicySizeLimitIgnoresWhiteSpace) {
  std::vector<std::string> actions;
  for (int i = 0; i < 400; ++i) actions.push_back(absl::StrCat("budgets:Action", i));
  std::string big = AllowDoc(actions);
  ASSERT_GT(NonWhitespaceLength(big), 6144u);
  absl::Status s = ApplyOne(test::CreatePolicy("arn:aws:iam::111111111111:policy/Big", big));
  ExpectError(s, absl::StatusCode::kInvalidArgument, "document");
  EXPECT_THAT(std::string(s.message()), HasSubstr("6144"));

  std::string padded = AllowDoc({"budgets:ViewBudget"});
  padded.insert(1, std::string(7000, ' '));
  EXPECT_TRUE(ApplyOne(test::CreatePolicy("arn:aws:iam::111111111111:policy/Padded", padded)).ok());
  // Inline policies have their own aggregate limit per entity (2,048 for a user).
  ExpectError(ApplyOne(test::PutInline(kAlice, "big", big)), absl::StatusCode::kFailedPrecondition,
              "document", "LIMIT_EXCEEDED");
  WorldLimits roomy;
  roomy.max_inline_chars_user = 100000;
  SnapshotBuilder r(base_, roomy);
  EXPECT_TRUE(ApplyWireChange(r, test::PutInline(kAlice, "big", big)).ok());

  WorldLimits limits;
  limits.max_managed_policy_chars = 20;
  SnapshotBuilder b(base_, limits);
  ExpectError(ApplyWireChange(b, test::CreatePolicy("arn:aws:iam::111111111111:policy/Small",
                                                    AllowDoc({"budgets:ViewBudget"}))),
              absl::StatusCode::kInvalidArgument, "document");
}

TEST_F(SnapshotBuilderTest, PolicyVersionsUpToFive) {
  SnapshotBuilder b(base_);
  for (int i = 2; i <= 5; ++i) {
    ASSERT_TRUE(ApplyWireChange(b, test::CreatePolicyVersion(
                                       kPolicyP, AllowDoc({absl::StrCat("tax:Get", i)}), false))
                    .ok())
        << i;
  }
  const ManagedPolicyRecord* p = b.current().FindPolicy(kPolicyP);
  EXPECT_THAT(VersionIds(p), ElementsAre("v1", "v2", "v3", "v4", "v5"));
  EXPECT_EQ(p->default_version_id, "v1");
  ExpectError(ApplyWireChange(b, test::CreatePolicyVersion(kPolicyP, AllowDoc({"*"}), false)),
              absl::StatusCode::kFailedPrecondition, "policy_arn", "LIMIT_EXCEEDED");

  // The default version cannot be deleted.
  ExpectError(ApplyWireChange(b, test::DeletePolicyVersion(kPolicyP, "v1")),
              absl::StatusCode::kFailedPrecondition, "version_id", "DELETE_CONFLICT");
  ASSERT_TRUE(ApplyWireChange(b, test::SetDefaultVersion(kPolicyP, "v3")).ok());
  ExpectError(ApplyWireChange(b, test::DeletePolicyVersion(kPolicyP, "v3")),
              absl::StatusCode::kFailedPrecondition, "version_id", "DELETE_CONFLICT");
  ASSERT_TRUE(ApplyWireChange(b, test::DeletePolicyVersion(kPolicyP, "v1")).ok());
  ExpectError(ApplyWireChange(b, test::DeletePolicyVersion(kPolicyP, "v1")),
              absl::StatusCode::kNotFound, "version_id");
  ExpectError(ApplyWireChange(b, test::SetDefaultVersion(kPolicyP, "v9")),
              absl::StatusCode::kNotFound, "version_id");
  // Room again; version ids keep counting.
  ASSERT_TRUE(
      ApplyWireChange(b, test::CreatePolicyVersion(kPolicyP, AllowDoc({"tax:Get6"}), true)).ok());
  SnapshotPtr s = b.Finish();
  p = s->FindPolicy(kPolicyP);
  EXPECT_THAT(VersionIds(p), ElementsAre("v2", "v3", "v4", "v5", "v6"));
  EXPECT_EQ(p->default_version_id, "v6");
  EXPECT_TRUE(p->default_compiled->statements[0].MatchesAction("tax:get6"));

  pdp::v1::ManagedPolicy proto = PolicyToProto(*p, s->FindAccount(kA));
  ASSERT_EQ(proto.versions_size(), 5);
  for (const auto& v : proto.versions()) EXPECT_EQ(v.is_default(), v.version_id() == "v6");
  EXPECT_EQ(proto.default_version_id(), "v6");

  // The base snapshot still has only v1.
  EXPECT_THAT(VersionIds(base_->FindPolicy(kPolicyP)), ElementsAre("v1"));
}

TEST_F(SnapshotBuilderTest, TheVersionLimitIsConfigurable) {
  WorldLimits limits;
  limits.max_policy_versions = 2;
  SnapshotBuilder b(base_, limits);
  ASSERT_TRUE(
      ApplyWireChange(b, test::CreatePolicyVersion(kPolicyP, AllowDoc({"a:b"}), false)).ok());
  ExpectError(ApplyWireChange(b, test::CreatePolicyVersion(kPolicyP, AllowDoc({"a:c"}), false)),
              absl::StatusCode::kFailedPrecondition, "policy_arn", "LIMIT_EXCEEDED");
}

TEST_F(SnapshotBuilderTest, SetDefaultVersionChangesWhatPrincipalsGet) {
  SnapshotPtr s =
      Apply({test::Attach(kAlice, kPolicyP),
             test::CreatePolicyVersion(kPolicyP, AllowDoc({"tax:GetTaxInheritance"}), false)});
  const PrincipalView* v = s->FindAccount(kA)->FindView(IamArnKind::kUser, "alice");
  ASSERT_EQ(v->policies.size(), 2u);
  EXPECT_TRUE(v->policies[1].policy->statements[0].MatchesAction("budgets:viewbudget"));

  absl::StatusOr<SnapshotPtr> switched = ApplyBatch(s, {test::SetDefaultVersion(kPolicyP, "v2")});
  ASSERT_TRUE(switched.ok()) << switched.status();
  const PrincipalView* w = (*switched)->FindAccount(kA)->FindView(IamArnKind::kUser, "alice");
  EXPECT_FALSE(w->policies[1].policy->statements[0].MatchesAction("budgets:viewbudget"));
  EXPECT_TRUE(w->policies[1].policy->statements[0].MatchesAction("tax:gettaxinheritance"));
  EXPECT_EQ(w->policies[1].policy, (*switched)->FindPolicy(kPolicyP)->default_compiled);
}

TEST_F(SnapshotBuilderTest, CreatePolicyAllowExistingAddsADefaultVersionOnlyWhenChanged) {
  SnapshotPtr same = Apply({test::CreatePolicy(kPolicyP, AllowDoc({"budgets:ViewBudget"}), true)});
  EXPECT_THAT(VersionIds(same->FindPolicy(kPolicyP)), ElementsAre("v1"));

  SnapshotPtr changed = Apply({test::CreatePolicy(kPolicyP, AllowDoc({"tax:*"}), true)});
  const ManagedPolicyRecord* p = changed->FindPolicy(kPolicyP);
  EXPECT_THAT(VersionIds(p), ElementsAre("v1", "v2"));
  EXPECT_EQ(p->default_version_id, "v2");

  // With five versions the oldest non-default one makes room.
  SnapshotBuilder b(base_);
  for (int i = 2; i <= 5; ++i) {
    ASSERT_TRUE(ApplyWireChange(b, test::CreatePolicyVersion(
                                       kPolicyP, AllowDoc({absl::StrCat("a:b", i)}), false))
                    .ok());
  }
  ASSERT_TRUE(ApplyWireChange(b, test::CreatePolicy(kPolicyP, AllowDoc({"a:new"}), true)).ok());
  EXPECT_THAT(VersionIds(b.current().FindPolicy(kPolicyP)),
              ElementsAre("v1", "v3", "v4", "v5", "v6"));
  EXPECT_EQ(b.current().FindPolicy(kPolicyP)->default_version_id, "v6");
}

TEST_F(SnapshotBuilderTest, DeletePolicyWhileAttachedIsRefused) {
  SnapshotPtr s = Apply({test::Attach(kAdmins, kPolicyP)});
  SnapshotBuilder b(s);
  absl::Status refused = ApplyWireChange(b, test::DeletePolicy(kPolicyP));
  ExpectError(refused, absl::StatusCode::kFailedPrecondition, "arn", "DELETE_CONFLICT");
  EXPECT_THAT(std::string(refused.message()), HasSubstr(kAdmins));
  ASSERT_TRUE(ApplyWireChange(b, test::Detach(kAdmins, kPolicyP)).ok());
  ASSERT_TRUE(ApplyWireChange(b, test::DeletePolicy(kPolicyP)).ok());
  SnapshotPtr after = b.Finish();
  EXPECT_EQ(after->FindPolicy(kPolicyP), nullptr);
  EXPECT_NE(s->FindPolicy(kPolicyP), nullptr);

  ExpectError(ApplyOne(test::DeletePolicy("arn:aws:iam::111111111111:policy/Nope")),
              absl::StatusCode::kNotFound, "arn");
}

TEST_F(SnapshotBuilderTest, AwsManagedPoliciesAreReadOnly) {
  for (const pdp::v1::Change& c :
       {test::CreatePolicyVersion(kAdminAccess, AllowDoc({"*"}), true),
        test::DeletePolicy(kAdminAccess), test::SetDefaultVersion(kAdminAccess, "v1"),
        test::DeletePolicyVersion(kAdminAccess, "v1")}) {
    absl::Status s = ApplyOne(c);
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << c.DebugString();
    EXPECT_EQ(ErrorReason(s), "AWS_MANAGED_READ_ONLY") << c.DebugString();
  }
  const ManagedPolicyRecord* admin = base_->FindPolicy(kAdminAccess);
  ASSERT_NE(admin, nullptr);
  EXPECT_TRUE(admin->aws_managed);
  EXPECT_FALSE(PolicyToProto(*admin, nullptr).versions().empty());
}

// ---- etags -----------------------------------------------------------------------------------

TEST_F(SnapshotBuilderTest, StaleEtagsAreAbortedWithEtagMismatch) {
  SnapshotPtr s = Apply({test::PutUser(kBob)});  // revision 2: bob's etag is "2"
  ASSERT_EQ(s->FindAccount(kA)->FindEntity(IamArnKind::kUser, "bob")->etag(), "2");
  ASSERT_EQ(s->FindAccount(kA)->FindEntity(IamArnKind::kUser, "alice")->etag(), "1");

  auto expect_stale = [&](const pdp::v1::Change& c, const std::string& field) {
    SnapshotBuilder b(s);
    absl::Status st = ApplyWireChange(b, c);
    EXPECT_EQ(st.code(), absl::StatusCode::kAborted) << c.DebugString() << st;
    EXPECT_EQ(ErrorReason(st), "ETAG_MISMATCH") << c.DebugString();
    EXPECT_EQ(FieldOf(st), field) << c.DebugString();
  };
  test::PutOptions stale;
  stale.replace = true;
  stale.etag = "1";
  expect_stale(test::PutUser(kBob, {}, {}, {}, {}, stale), "user.etag");
  expect_stale(test::PutGroup(kAdmins, {}, {}, {true, false, "7"}), "group.etag");
  expect_stale(test::PutRole(kAuditor, {}, {}, {true, false, "2"}), "role.etag");
  expect_stale(test::DeleteEntity(kBob, "1"), "etag");
  expect_stale(test::DeletePolicy(kPolicyP, "2"), "etag");
  pdp::v1::Change update_policy;
  update_policy.mutable_update_policy()->set_arn(kPolicyP);
  update_policy.mutable_update_policy()->set_description("d");
  update_policy.mutable_update_policy()->set_etag("0");
  expect_stale(update_policy, "etag");
  pdp::v1::Change update_account;
  update_account.mutable_update_account()->set_account_id(kA);
  update_account.mutable_update_account()->set_etag("2");
  expect_stale(update_account, "etag");
  pdp::v1::Change delete_account;
  delete_account.mutable_delete_account()->set_account_id(kA);
  delete_account.mutable_delete_account()->set_etag("x");
  expect_stale(delete_account, "etag");
  expect_stale(test::UpdateSettings(kA, kRootA, {"iam_access_to_billing"}, false,
                                    pdp::v1::FINE_GRAINED, "5"),
               "etag");

  // The current etags work.
  stale.etag = "2";
  absl::StatusOr<SnapshotPtr> ok =
      ApplyBatch(s, {test::PutUser(kBob, {}, {}, {}, {}, stale), test::DeleteEntity(kAlice, "1"),
                     test::DeletePolicy(kPolicyP, "1"),
                     test::UpdateSettings(kA, kRootA, {"iam_access_to_billing"}, false,
                                          pdp::v1::FINE_GRAINED, "1")});
  EXPECT_TRUE(ok.ok()) << ok.status();
}

// ---- account settings ---------------------------------------------------------------------

class AccountSettingsTest : public SnapshotBuilderTest {
 protected:
  void SetUp() override {
    SnapshotBuilderTest::SetUp();
    base_ = Apply({test::PutUser("arn:aws:iam::111111111111:user/admin", {}, {kAdminAccess}),
                   test::PutUser("arn:aws:iam::111111111111:user/setter", {}, {},
                                 {{"p", AllowDoc({"aws-portal:UpdateConsoleActionSetEnforced"})}}),
                   test::PutUser("arn:aws:iam::111111111111:user/denied", {}, {kAdminAccess},
                                 {{"p", DenyDoc({"aws-portal:Update*"})}})});
  }
};

TEST_F(AccountSettingsTest, IamAccessOnlyByTheRootUser) {
  for (const std::string& actor :
       {std::string("arn:aws:iam::111111111111:user/admin"), kAuditor,
        std::string("arn:aws:sts::111111111111:assumed-role/Auditor/s1")}) {
    absl::Status s = ApplyOne(
        test::UpdateSettings(kA, actor, {"iam_access_to_billing"}, false, pdp::v1::FINE_GRAINED));
    ExpectError(s, absl::StatusCode::kPermissionDenied, "actor", "ROOT_USER_REQUIRED");
    EXPECT_THAT(std::string(s.message()), HasSubstr(kRootA));
  }
  SnapshotPtr s = Apply({test::UpdateSettings(kA, kRootA, {"iam_access_to_billing"}, false,
                                              pdp::v1::CONSOLE_ACTION_SET_UNSPECIFIED)});
  EXPECT_FALSE(s->FindAccount(kA)->settings.iam_access_to_billing);
  // Only the masked field changed.
  EXPECT_EQ(s->FindAccount(kA)->settings.console_action_set, ConsoleActionSet::kFineGrained);
  EXPECT_EQ(s->FindAccount(kA)->etag(), std::to_string(s->revision()));
  EXPECT_TRUE(base_->FindAccount(kA)->settings.iam_access_to_billing);

  SnapshotPtr b = Apply({test::UpdateSettings(
      kB, kRootB, {"iam_access_to_billing", "console_action_set"}, true, pdp::v1::LEGACY)});
  EXPECT_TRUE(b->FindAccount(kB)->settings.iam_access_to_billing);
  EXPECT_EQ(b->FindAccount(kB)->settings.console_action_set, ConsoleActionSet::kLegacy);
}

// Omitted is not "reset": without a mask nothing says which settings the
// caller meant, so the request is refused rather than resetting the others.
TEST_F(AccountSettingsTest, AMissingMaskIsRefusedNotAReset) {
  for (const std::string& actor : {kRootA, std::string("arn:aws:iam::111111111111:user/setter")}) {
    ExpectError(ApplyOne(test::UpdateSettings(kA, actor, {}, true, pdp::v1::LEGACY)),
                absl::StatusCode::kInvalidArgument, "update_mask");
  }
}

// Settings set to the values they have: unchanged, the etag stays.
TEST_F(AccountSettingsTest, SettingsToTheirValuesAreUnchanged) {
  SnapshotBuilder b(base_);
  ChangeResult result;
  ASSERT_TRUE(ApplyWireChange(b,
                              test::UpdateSettings(kA, kRootA, {"iam_access_to_billing"}, true,
                                                   pdp::v1::CONSOLE_ACTION_SET_UNSPECIFIED),
                              &result)
                  .ok());
  EXPECT_TRUE(b.last_change_unchanged());
  // Still judged: a no-op by the wrong actor is refused all the same.
  ExpectError(ApplyWireChange(
                  b, test::UpdateSettings(kA, "arn:aws:iam::111111111111:user/admin",
                                          {"iam_access_to_billing"}, true, pdp::v1::FINE_GRAINED)),
              absl::StatusCode::kPermissionDenied, "actor", "ROOT_USER_REQUIRED");
  SnapshotBuilder again(base_);
  ASSERT_TRUE(ApplyWireChange(again,
                              test::UpdateSettings(kA, kRootA, {"iam_access_to_billing"}, true,
                                                   pdp::v1::FINE_GRAINED),
                              &result)
                  .ok());
  EXPECT_FALSE(again.changed());
  SnapshotPtr s = again.Finish();
  EXPECT_TRUE(result.unchanged);
  EXPECT_EQ(result.etag, base_->FindAccount(kA)->etag());
  EXPECT_EQ(s->FindAccount(kA), base_->FindAccount(kA));
  // A real change is not marked.
  SnapshotBuilder real(base_);
  ASSERT_TRUE(ApplyWireChange(real,
                              test::UpdateSettings(kA, kRootA, {"iam_access_to_billing"}, false,
                                                   pdp::v1::FINE_GRAINED),
                              &result)
                  .ok());
  EXPECT_FALSE(real.last_change_unchanged());
  EXPECT_TRUE(real.changed());
  EXPECT_FALSE(result.unchanged);
}

// The zero value in the mask means the default, FINE_GRAINED, as on
// CreateAccount (proto3 cannot tell it from "not set" there).
TEST_F(AccountSettingsTest, UnspecifiedConsoleActionSetInTheMaskResetsToFineGrained) {
  SnapshotPtr legacy =
      Apply({test::UpdateSettings(kA, kRootA, {"console_action_set"}, true, pdp::v1::LEGACY)});
  ASSERT_EQ(legacy->FindAccount(kA)->settings.console_action_set, ConsoleActionSet::kLegacy);
  absl::StatusOr<SnapshotPtr> reset =
      ApplyBatch(legacy, {test::UpdateSettings(kA, kRootA, {"console_action_set"}, true,
                                               pdp::v1::CONSOLE_ACTION_SET_UNSPECIFIED)});
  ASSERT_TRUE(reset.ok()) << reset.status();
  EXPECT_EQ((*reset)->FindAccount(kA)->settings.console_action_set, ConsoleActionSet::kFineGrained);
}

TEST_F(AccountSettingsTest, ConsoleActionSetByAPrincipalAllowedTheAction) {
  SnapshotPtr s = Apply({test::UpdateSettings(kA, "arn:aws:iam::111111111111:user/setter",
                                              {"console_action_set"}, false, pdp::v1::LEGACY)});
  EXPECT_EQ(s->FindAccount(kA)->settings.console_action_set, ConsoleActionSet::kLegacy);
  EXPECT_TRUE(s->FindAccount(kA)->settings.iam_access_to_billing);  // not in the mask

  SnapshotPtr admin = Apply({test::UpdateSettings(kA, "arn:aws:iam::111111111111:user/admin",
                                                  {"console_action_set"}, false, pdp::v1::LEGACY)});
  EXPECT_EQ(admin->FindAccount(kA)->settings.console_action_set, ConsoleActionSet::kLegacy);

  SnapshotPtr root =
      Apply({test::UpdateSettings(kA, kRootA, {"console_action_set"}, false, pdp::v1::LEGACY)});
  EXPECT_EQ(root->FindAccount(kA)->settings.console_action_set, ConsoleActionSet::kLegacy);
}

TEST_F(AccountSettingsTest, ConsoleActionSetRefusedWithoutTheAction) {
  for (const std::string& actor :
       {std::string("arn:aws:iam::111111111111:user/alice"),   // no such permission
        std::string("arn:aws:iam::111111111111:user/denied"),  // allowed, but explicitly denied
        std::string("arn:aws:iam::111111111111:user/ghost"),   // does not exist
        kAuditor}) {
    ExpectError(
        ApplyOne(test::UpdateSettings(kA, actor, {"console_action_set"}, false, pdp::v1::LEGACY)),
        absl::StatusCode::kPermissionDenied, "actor", "NOT_AUTHORIZED");
  }
  // The message says what the decision was, as Authorize would answer.
  const std::string alice = "arn:aws:iam::111111111111:user/alice",
                    denied = "arn:aws:iam::111111111111:user/denied";
  EXPECT_EQ(
      ApplyOne(test::UpdateSettings(kA, alice, {"console_action_set"}, false, pdp::v1::LEGACY))
          .message(),
      "actor: " + alice +
          " is not allowed aws-portal:UpdateConsoleActionSetEnforced (needed to change "
          "console_action_set; decision: IMPLICIT_DENY)");
  EXPECT_THAT(std::string(ApplyOne(test::UpdateSettings(kA, denied, {"console_action_set"}, false,
                                                        pdp::v1::LEGACY))
                              .message()),
              HasSubstr("; decision: EXPLICIT_DENY)"));
  // The permission is checked on the state before the batch.
  SnapshotBuilder b(base_);
  ASSERT_TRUE(ApplyWireChange(
                  b, test::PutUser("arn:aws:iam::111111111111:user/newcomer", {}, {kAdminAccess}))
                  .ok());
  ExpectError(
      ApplyWireChange(b, test::UpdateSettings(kA, "arn:aws:iam::111111111111:user/newcomer",
                                              {"console_action_set"}, false, pdp::v1::LEGACY)),
      absl::StatusCode::kPermissionDenied, "actor", "NOT_AUTHORIZED");
}

TEST_F(AccountSettingsTest, ActorMustBeOfTheAccount) {
  for (const std::string& actor : {kRootB, std::string("arn:aws:iam::222222222222:user/admin")}) {
    ExpectError(
        ApplyOne(test::UpdateSettings(kA, actor, {"console_action_set"}, false, pdp::v1::LEGACY)),
        absl::StatusCode::kPermissionDenied, "actor", "ACTOR_NOT_IN_ACCOUNT");
    ExpectError(ApplyOne(test::UpdateSettings(kA, actor, {"iam_access_to_billing"}, false,
                                              pdp::v1::LEGACY)),
                absl::StatusCode::kPermissionDenied, "actor", "ACTOR_NOT_IN_ACCOUNT");
  }
}

TEST_F(AccountSettingsTest, MalformedRequests) {
  ExpectError(ApplyOne(test::UpdateSettings(kA, kRootA, {"name"}, true, pdp::v1::LEGACY)),
              absl::StatusCode::kInvalidArgument, "update_mask[0]");
  ExpectError(
      ApplyOne(test::UpdateSettings(kA, "", {"iam_access_to_billing"}, true, pdp::v1::LEGACY)),
      absl::StatusCode::kInvalidArgument, "actor");
  ExpectError(
      ApplyOne(test::UpdateSettings(kA, "root", {"iam_access_to_billing"}, true, pdp::v1::LEGACY)),
      absl::StatusCode::kInvalidArgument, "actor");
  ExpectError(
      ApplyOne(test::UpdateSettings(kA, kAdmins, {"iam_access_to_billing"}, true, pdp::v1::LEGACY)),
      absl::StatusCode::kInvalidArgument, "actor");
  ExpectError(ApplyOne(test::UpdateSettings(kA, kRootA, {"console_action_set"}, true,
                                            static_cast<pdp::v1::ConsoleActionSet>(7))),
              absl::StatusCode::kInvalidArgument, "settings.console_action_set");
  ExpectError(ApplyOne(test::UpdateSettings("999999999999", "arn:aws:iam::999999999999:root",
                                            {"console_action_set"}, true, pdp::v1::LEGACY)),
              absl::StatusCode::kNotFound, "account_id");
}

// ---- batches and revisions ------------------------------------------------------------------

TEST_F(SnapshotBuilderTest, AFailedBatchLeavesTheBaseSnapshotUnchanged) {
  const AccountState* a_before = base_->FindAccount(kA);
  const EntityRecord* alice_before = a_before->FindEntity(IamArnKind::kUser, "alice");
  const std::string alice_doc = alice_before->inline_policies[0].document;

  SnapshotBuilder b(base_);
  ASSERT_TRUE(ApplyWireChange(b, test::PutInline(kAlice, "own", AllowDoc({"*"}))).ok());
  ASSERT_TRUE(ApplyWireChange(b, test::Attach(kAlice, kPolicyP)).ok());
  ASSERT_TRUE(ApplyWireChange(b, test::DeleteEntity(kAuditor)).ok());
  ASSERT_TRUE(ApplyWireChange(b, test::CreateAccount("333333333333", true)).ok());
  ASSERT_TRUE(ApplyWireChange(b, test::UpdateSettings(
                                     kA, kRootA, {"iam_access_to_billing", "console_action_set"},
                                     false, pdp::v1::LEGACY))
                  .ok());
  ASSERT_TRUE(
      ApplyWireChange(b, test::CreatePolicyVersion(kPolicyP, AllowDoc({"x:y"}), true)).ok());
  pdp::v1::Change del_b;
  del_b.mutable_delete_account()->set_account_id(kB);
  ASSERT_TRUE(ApplyWireChange(b, del_b).ok());
  // The builder sees its own changes...
  EXPECT_NE(b.current().FindAccount("333333333333"), nullptr);
  EXPECT_EQ(b.current().FindAccount(kB), nullptr);
  EXPECT_EQ(b.revision(), 2);
  // ...then a change fails and the caller drops the builder.
  EXPECT_FALSE(ApplyWireChange(b, test::PutUser(kAlice)).ok());

  EXPECT_EQ(base_->revision(), 1);
  EXPECT_EQ(base_->accounts().size(), 2u);
  EXPECT_EQ(base_->FindAccount("333333333333"), nullptr);
  ASSERT_NE(base_->FindAccount(kB), nullptr);
  const AccountState* a = base_->FindAccount(kA);
  EXPECT_EQ(a, a_before);
  EXPECT_TRUE(a->settings.iam_access_to_billing);
  EXPECT_EQ(a->settings.console_action_set, ConsoleActionSet::kFineGrained);
  const EntityRecord* alice = a->FindEntity(IamArnKind::kUser, "alice");
  EXPECT_EQ(alice, alice_before);
  EXPECT_EQ(alice->inline_policies[0].document, alice_doc);
  EXPECT_THAT(alice->attached, IsEmpty());
  EXPECT_NE(a->FindEntity(IamArnKind::kRole, "Auditor"), nullptr);
  EXPECT_NE(a->FindView(IamArnKind::kRole, "Auditor"), nullptr);
  EXPECT_THAT(VersionIds(base_->FindPolicy(kPolicyP)), ElementsAre("v1"));
  EXPECT_EQ(a->etag(), "1");
}

TEST_F(SnapshotBuilderTest, RevisionsIncreaseByOnePerFinish) {
  EXPECT_EQ(empty_->revision(), 0);
  EXPECT_EQ(base_->revision(), 1);
  SnapshotBuilder b(base_);
  EXPECT_EQ(b.revision(), 2);
  EXPECT_EQ(b.current().revision(), 2);
  ASSERT_TRUE(ApplyWireChange(b, test::PutUser(kBob)).ok());
  ASSERT_TRUE(ApplyWireChange(b, test::PutRole("arn:aws:iam::111111111111:role/r2")).ok());
  SnapshotPtr s2 = b.Finish();
  EXPECT_EQ(s2->revision(), 2);  // one batch, one revision
  EXPECT_EQ(s2->FindAccount(kA)->FindEntity(IamArnKind::kUser, "bob")->etag(), "2");

  SnapshotPtr s3 = SnapshotBuilder(s2).Finish();  // an empty batch still commits a revision
  EXPECT_EQ(s3->revision(), 3);
  absl::StatusOr<SnapshotPtr> s4 =
      ApplyBatch(s3, {test::PutUser("arn:aws:iam::111111111111:user/c")});
  ASSERT_TRUE(s4.ok());
  EXPECT_EQ((*s4)->revision(), 4);
  EXPECT_EQ(s2->revision(), 2);
  EXPECT_EQ(base_->revision(), 1);
}

TEST_F(SnapshotBuilderTest, UntouchedAccountsAreSharedBetweenSnapshots) {
  SnapshotPtr s = Apply({test::PutUser(kBob)});
  EXPECT_EQ(s->FindAccount(kB), base_->FindAccount(kB));
  EXPECT_NE(s->FindAccount(kA), base_->FindAccount(kA));
  // Unchanged records inside a touched account are shared too.
  EXPECT_EQ(s->FindAccount(kA)->FindEntity(IamArnKind::kRole, "Auditor"),
            base_->FindAccount(kA)->FindEntity(IamArnKind::kRole, "Auditor"));
  EXPECT_EQ(&s->catalog(), &base_->catalog());
}

TEST_F(SnapshotBuilderTest, EmptyChangeIsRejected) {
  ExpectError(ApplyOne(pdp::v1::Change()), absl::StatusCode::kInvalidArgument, "kind");
}

}  // namespace
}  // namespace pdp
