// A controller writes only within its scope and speaks only for the actors
// it may: every change kind is tried in and out of scope, against a world
// with an organization (o-aaaaaaaaaa: 222… manages, 333… is a member), a
// listed standalone account (111…), and others outside (444…, and
// o-bbbbbbbbbb managed by 555…).
#include "server/app/write_scope.h"

#include <string>
#include <vector>

#include "base/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_support.h"

namespace pdp {
namespace {

using pdp::v1::Change;
using ::testing::HasSubstr;

constexpr char kListed[] = "111111111111";
constexpr char kManagement[] = "222222222222";
constexpr char kMember[] = "333333333333";
constexpr char kOutside[] = "444444444444";
constexpr char kOtherManagement[] = "555555555555";
constexpr char kOrg[] = "o-aaaaaaaaaa";
constexpr char kOtherOrg[] = "o-bbbbbbbbbb";

Change CreateOrg(const std::string& org, const std::string& management, const std::string& root) {
  Change c;
  auto* o = c.mutable_create_organization();
  o->set_organization_id(org);
  o->set_management_account_id(management);
  o->set_root_id(root);
  return c;
}

Change CreateMember(const std::string& org, const std::string& account) {
  Change c;
  c.mutable_create_member_account()->set_organization_id(org);
  c.mutable_create_member_account()->set_account_id(account);
  c.mutable_create_member_account()->set_name("member");
  return c;
}

Change Settings(const std::string& account, const std::string& actor) {
  Change c;
  auto* s = c.mutable_update_account_settings();
  s->set_account_id(account);
  s->add_update_mask("iam_access_to_billing");
  s->mutable_settings()->set_iam_access_to_billing(true);
  s->set_actor(actor);
  return c;
}

std::string Root(const std::string& account) { return "arn:aws:iam::" + account + ":root"; }
std::string User(const std::string& account) { return "arn:aws:iam::" + account + ":user/u"; }

class WriteScopeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(
        test::EmptyShippedSnapshot(),
        {test::NewAccount(kListed), test::NewAccount(kManagement), test::NewAccount(kOutside),
         test::NewAccount(kOtherManagement), CreateOrg(kOrg, kManagement, "r-aaaa"),
         CreateMember(kOrg, kMember), CreateOrg(kOtherOrg, kOtherManagement, "r-bbbb")});
    ASSERT_TRUE(s.ok()) << s.status();
    world_ = *s;
    controller_.name = "org-ctl";
    controller_.role = Role::kController;
    controller_.scope.accounts = {kListed};
    controller_.scope.organizations = {kOrg};
    controller_.scope.iam_actors = true;
  }

  absl::Status Check(const std::vector<Change>& changes, bool indexed = true) const {
    return CheckWriteScope(controller_, *world_, changes, indexed);
  }

  void ExpectOutOfScope(const std::vector<Change>& changes, const std::string& field,
                        const std::string& reason = "OUT_OF_SCOPE") const {
    absl::Status s = Check(changes);
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << field;
    EXPECT_EQ(ErrorReason(s), reason) << s;
    EXPECT_EQ(test::FieldOf(s), field) << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr("\"org-ctl\"")) << s;
  }

  SnapshotPtr world_;
  Caller controller_;
};

TEST_F(WriteScopeTest, AccountsListedOrInTheOrganizationMayBeWritten) {
  for (const char* account : {kListed, kManagement, kMember}) {
    EXPECT_TRUE(Check({test::NewUser(User(account))}).ok()) << account;
    EXPECT_TRUE(Check({test::DeleteEntity(User(account))}).ok()) << account;
  }
  ExpectOutOfScope({test::NewUser(User(kListed)), test::NewUser(User(kOutside))},
                   "changes[1].put_user.user.arn");
  ExpectOutOfScope({test::NewUser(User(kOtherManagement))}, "changes[0].put_user.user.arn");
  ExpectOutOfScope({test::NewAccount(kOutside)}, "changes[0].create_account.account.id");
  Change policy = test::CreatePolicy("arn:aws:iam::444444444444:policy/P", test::AllowDoc({"*"}));
  ExpectOutOfScope({policy}, "changes[0].create_policy.arn");
  Change attach;
  attach.mutable_attach_policy()->set_entity_arn(User(kOutside));
  attach.mutable_attach_policy()->set_policy_arn("arn:aws:iam::aws:policy/AdministratorAccess");
  ExpectOutOfScope({attach}, "changes[0].attach_policy.entity_arn");
  // Single RPCs name their own fields, without the change index.
  absl::Status single = Check({test::NewUser(User(kOutside))}, /*indexed=*/false);
  EXPECT_EQ(test::FieldOf(single), "user.arn");
}

TEST_F(WriteScopeTest, OrganizationsAndTheirAccounts) {
  Change ou;
  ou.mutable_create_organizational_unit()->set_organization_id(kOtherOrg);
  ou.mutable_create_organizational_unit()->set_parent_id("r-bbbb");
  ou.mutable_create_organizational_unit()->set_name("x");
  ExpectOutOfScope({ou}, "changes[0].create_organizational_unit.organization_id");
  ou.mutable_create_organizational_unit()->set_organization_id(kOrg);
  EXPECT_TRUE(Check({ou}).ok());
  // A member account created in a scoped organization is in scope for the
  // rest of the batch; one created elsewhere is not.
  EXPECT_TRUE(
      Check({CreateMember(kOrg, "666666666666"), test::NewUser(User("666666666666"))}).ok());
  ExpectOutOfScope({CreateMember(kOtherOrg, "666666666666")},
                   "changes[0].create_member_account.organization_id");
  // Inviting needs the account in scope on its own: an organization in
  // scope must not pull others' accounts into it.
  Change invite;
  invite.mutable_invite_account()->set_organization_id(kOrg);
  invite.mutable_invite_account()->set_account_id(kOutside);
  ExpectOutOfScope({invite}, "changes[0].invite_account.account_id");
  invite.mutable_invite_account()->set_account_id(kListed);
  EXPECT_TRUE(Check({invite}).ok());
  // Creating an organization: named, in scope, managed by an account in scope.
  ExpectOutOfScope({CreateOrg("", kListed, "")}, "changes[0].create_organization.organization_id");
  ExpectOutOfScope({CreateOrg(kOtherOrg, kListed, "")},
                   "changes[0].create_organization.organization_id");
  ExpectOutOfScope({CreateOrg(kOrg, kOutside, "")},
                   "changes[0].create_organization.management_account_id");
  Change scp;
  scp.mutable_attach_scp()->set_organization_id(kOtherOrg);
  scp.mutable_attach_scp()->set_policy_id("p-FullAWSAccess");
  scp.mutable_attach_scp()->set_target_id(kOtherManagement);
  ExpectOutOfScope({scp}, "changes[0].attach_scp.organization_id");
}

TEST_F(WriteScopeTest, ActorsBoundToTheScope) {
  // iam actors only: a root user is refused even in scope; that is what
  // makes "only the root user turns on IAM access" hold against a buggy or
  // hostile controller.
  ExpectOutOfScope({Settings(kMember, Root(kMember))}, "changes[0].update_account_settings.actor",
                   "ACTOR_OUT_OF_SCOPE");
  EXPECT_TRUE(Check({Settings(kMember, User(kMember))}).ok());
  controller_.scope.root_actors = true;
  EXPECT_TRUE(Check({Settings(kMember, Root(kMember))}).ok());
  // The account is checked first, then the actor.
  ExpectOutOfScope({Settings(kOutside, Root(kOutside))},
                   "changes[0].update_account_settings.account_id");
  ExpectOutOfScope({Settings(kMember, Root(kOutside))}, "changes[0].update_account_settings.actor",
                   "ACTOR_OUT_OF_SCOPE");
  absl::Status bad = Check({Settings(kMember, "not-an-arn")});
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(WriteScopeTest, AdminsAnythingReadersNothing) {
  Caller admin;
  admin.name = "ops";
  admin.role = Role::kAdmin;
  EXPECT_TRUE(CheckWriteScope(admin, *world_, {Settings(kOutside, Root(kOutside))}, true).ok());
  Caller reader;
  reader.name = "svc";
  reader.role = Role::kReader;
  absl::Status s = CheckWriteScope(reader, *world_, {test::NewUser(User(kListed))}, true);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrorReason(s), "ROLE_TOO_LOW");
  Caller anonymous;
  EXPECT_EQ(CheckWriteScope(anonymous, *world_, {}, true).code(),
            absl::StatusCode::kPermissionDenied);
}

// An AWS managed policy is world-wide: every account may attach it, so no
// controller's scope covers it, however wide; an admin may put one.
TEST_F(WriteScopeTest, AwsManagedPoliciesAreForAdminsOnly) {
  Change put;
  auto* p = put.mutable_put_aws_managed_policy();
  p->set_arn("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess");
  auto* v = p->add_versions();
  v->set_version_id("v1");
  v->set_document(test::AllowDoc({"aws-portal:ViewBilling"}));
  v->set_is_default(true);
  absl::Status s = Check({test::NewUser(User(kListed)), put});
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_EQ(ErrorReason(s), "OUT_OF_SCOPE");
  EXPECT_EQ(test::FieldOf(s), "changes[1].put_aws_managed_policy.arn");
  EXPECT_THAT(s.message(), HasSubstr("world-wide"));
  EXPECT_THAT(s.message(), HasSubstr("org-ctl"));
  Caller admin;
  admin.name = "ops";
  admin.role = Role::kAdmin;
  EXPECT_TRUE(CheckWriteScope(admin, *world_, {put}, true).ok());
}

}  // namespace
}  // namespace pdp
