// The control plane and bad input through a real server and the client
// library: CRUD, etags, quotas, the admin token, precise errors.
#include <fstream>

#include "absl/strings/escaping.h"
#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "billing_pdp/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using Stub = AdminClient::Stub;

constexpr char kAccount[] = "123456789012";
constexpr char kRoot[] = "arn:aws:iam::123456789012:root";
constexpr char kUser[] = "arn:aws:iam::123456789012:user/ops/alice";

constexpr char kAllowBilling[] = R"({"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["billing:Get*","invoicing:*","cur:GetClassicReport",
   "consolidatedbilling:*"],"Resource":"*"}]})";

class AdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.ok()) << server_.log();
    options_.target = server_.address();
    options_.timeout = std::chrono::milliseconds(10000);
  }

  void CreateAccount(bool iam_access) {
    pdp::v1::CreateAccountRequest req;
    req.mutable_account()->set_id(kAccount);
    req.mutable_account()->set_name("test");
    req.mutable_account()->mutable_settings()->set_iam_access_to_billing(iam_access);
    ASSERT_TRUE(admin().Call(&Stub::CreateAccount, req).ok());
  }

  AdminClient admin() const { return AdminClient(options_); }
  AuthorizationClient authz() const { return AuthorizationClient(options_); }

  ServerProcess server_{{}};
  ClientOptions options_;
};

TEST_F(AdminTest, UserLifecycleChangesDecisions) {
  CreateAccount(true);
  pdp::v1::CreatePolicyRequest policy;
  policy.set_arn("arn:aws:iam::123456789012:policy/BillingRead");
  policy.set_document(kAllowBilling);
  auto created = admin().Call(&Stub::CreatePolicy, policy);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->default_version_id(), "v1");

  pdp::v1::PutUserRequest user;
  user.mutable_user()->set_arn(kUser);
  (*user.mutable_user()->mutable_tags())["team"] = "ops";
  auto u = admin().Call(&Stub::CreateUser, user);
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_FALSE(u->etag().empty());

  PageQuery bills{kUser, "billing_bills"};
  auto before = authz().Authorize(bills);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->reason, pdp::v1::IMPLICIT_DENY);

  pdp::v1::AttachPolicyRequest attach;
  attach.set_entity_arn(kUser);
  attach.set_policy_arn(policy.arn());
  auto attached = admin().Call(&Stub::AttachPolicy, attach);
  ASSERT_TRUE(attached.ok()) << attached.status();

  auto after = authz().Authorize(bills);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->allowed);
  EXPECT_EQ(after->revision, attached->revision());

  // The policy cannot be deleted while attached.
  pdp::v1::DeletePolicyRequest del;
  del.set_arn(policy.arn());
  auto conflict = admin().Call(&Stub::DeletePolicy, del);
  EXPECT_EQ(conflict.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ServerErrorReason(conflict.status()), "DELETE_CONFLICT");

  // Stale etag on update: ABORTED, nothing changes.
  pdp::v1::PutUserRequest stale = user;
  stale.mutable_user()->set_etag("0");
  auto aborted = admin().Call(&Stub::UpdateUser, stale);
  EXPECT_EQ(aborted.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ServerErrorReason(aborted.status()), "ETAG_MISMATCH");
  EXPECT_TRUE(authz().IsAllowed(bills));

  // Delete the user: the decision becomes UNKNOWN_PRINCIPAL.
  pdp::v1::DeleteEntityRequest delete_user;
  delete_user.set_arn(kUser);
  ASSERT_TRUE(admin().Call(&Stub::DeleteUser, delete_user).ok());
  auto gone = authz().Authorize(bills);
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->reason, pdp::v1::UNKNOWN_PRINCIPAL);
  EXPECT_FALSE(authz().IsAllowed(bills));
}

TEST_F(AdminTest, PolicyVersionsAndPaging) {
  CreateAccount(true);
  pdp::v1::CreatePolicyRequest policy;
  policy.set_arn("arn:aws:iam::123456789012:policy/P");
  policy.set_document(kAllowBilling);
  ASSERT_TRUE(admin().Call(&Stub::CreatePolicy, policy).ok());
  for (int i = 0; i < 4; ++i) {
    pdp::v1::CreatePolicyVersionRequest v;
    v.set_policy_arn(policy.arn());
    v.set_document(kAllowBilling);
    ASSERT_TRUE(admin().Call(&Stub::CreatePolicyVersion, v).ok());
  }
  pdp::v1::CreatePolicyVersionRequest sixth;
  sixth.set_policy_arn(policy.arn());
  sixth.set_document(kAllowBilling);
  auto limit = admin().Call(&Stub::CreatePolicyVersion, sixth);
  EXPECT_EQ(limit.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ServerErrorReason(limit.status()), "LIMIT_EXCEEDED");

  pdp::v1::SetDefaultPolicyVersionRequest set;
  set.set_policy_arn(policy.arn());
  set.set_version_id("v3");
  auto p = admin().Call(&Stub::SetDefaultPolicyVersion, set);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->default_version_id(), "v3");

  for (int i = 0; i < 5; ++i) {
    pdp::v1::PutUserRequest u;
    u.mutable_user()->set_arn("arn:aws:iam::123456789012:user/u" + std::to_string(i));
    ASSERT_TRUE(admin().Call(&Stub::CreateUser, u).ok());
  }
  pdp::v1::ListRequest list;
  list.set_parent(kAccount);
  list.set_page_size(2);
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    auto r = admin().Call(&Stub::ListUsers, list);
    ASSERT_TRUE(r.ok()) << r.status();
    for (const auto& u : r->users()) seen.push_back(u.arn());
    if (r->next_page_token().empty()) break;
    list.set_page_token(r->next_page_token());
  }
  EXPECT_EQ(seen.size(), 5u);
  list.set_page_size(5000);
  EXPECT_EQ(admin().Call(&Stub::ListUsers, list).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AdminTest, BadInputGetsPreciseErrors) {
  CreateAccount(true);
  // Invalid policy JSON: INVALID_ARGUMENT naming the JSON path.
  pdp::v1::CreatePolicyRequest policy;
  policy.set_arn("arn:aws:iam::123456789012:policy/Bad");
  policy.set_document(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]})");
  auto bad = admin().Call(&Stub::CreatePolicy, policy);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ServerErrorFields(bad.status()), Contains("document.Statement[0].Effect"));
  policy.set_document(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Action":"x:y","Resource":"*"}})");
  bad = admin().Call(&Stub::CreatePolicy, policy);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ServerErrorFields(bad.status()), Contains("document.Statement.Action"));

  // Malformed ARNs and account ids.
  pdp::v1::PutUserRequest user;
  user.mutable_user()->set_arn("arn:aws:iam::123:user/x");
  auto u = admin().Call(&Stub::CreateUser, user);
  EXPECT_EQ(u.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ServerErrorFields(u.status()), Contains("user.arn"));
  pdp::v1::GetRequest get;
  get.set_name("12345");
  EXPECT_EQ(admin().Call(&Stub::GetAccount, get).status().code(),
            absl::StatusCode::kInvalidArgument);
  get.set_name("999999999999");
  EXPECT_EQ(admin().Call(&Stub::GetAccount, get).status().code(), absl::StatusCode::kNotFound);

  // Authorization questions that are the caller's bug.
  auto d = authz().Authorize(PageQuery{"arn:aws:iam::123456789012:user/", "billing_bills"});
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ServerErrorFields(d.status()), Contains("principal"));
  d = authz().Authorize(ActionQuery{kRoot, "ce:*"});
  EXPECT_THAT(ServerErrorFields(d.status()), Contains("action.action"));
  EXPECT_FALSE(authz().IsAllowed(ActionQuery{kRoot, "ce:*"}));

  // A batch with one bad item: the others still answer.
  auto batch =
      authz().BatchAuthorize({PageQuery{kRoot, "billing_bills"}, PageQuery{kRoot, "nope"}});
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->size(), 2u);
  EXPECT_TRUE((*batch)[0].ok() && (*batch)[0]->allowed);
  EXPECT_EQ((*batch)[1].status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ServerErrorFields((*batch)[1].status()), Contains("requests[1].page.page_id"));

  // Too many in one batch.
  std::vector<Query> many(1001, PageQuery{kRoot, "billing_bills"});
  EXPECT_EQ(authz().BatchAuthorize(many).status().code(), absl::StatusCode::kInvalidArgument);

  // An oversize request (over --max-request-bytes, 64 MiB by default) is
  // refused by the transport; the server lives on.
  pdp::v1::PutInlinePolicyRequest huge;
  huge.set_entity_arn(kUser);
  huge.set_name("huge");
  huge.set_document(std::string((64 << 20) + 1, ' '));
  EXPECT_EQ(admin().Call(&Stub::PutInlinePolicy, huge).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(authz().IsAllowed(PageQuery{kRoot, "billing_bills"}));

  // A failed ApplyChanges applies nothing and names the change.
  pdp::v1::ApplyChangesRequest apply;
  apply.add_changes()->mutable_put_user()->mutable_user()->set_arn(
      "arn:aws:iam::123456789012:user/bob");
  apply.add_changes()->mutable_attach_policy()->set_entity_arn(
      "arn:aws:iam::123456789012:user/bob");
  apply.mutable_changes(1)->mutable_attach_policy()->set_policy_arn(
      "arn:aws:iam::123456789012:policy/Missing");
  auto applied = admin().Call(&Stub::ApplyChanges, apply);
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(ServerErrorFields(applied.status()), Contains("changes[1].attach_policy.policy_arn"));
  auto bob = authz().Authorize(PageQuery{"arn:aws:iam::123456789012:user/bob", "billing_bills"});
  ASSERT_TRUE(bob.ok());
  EXPECT_EQ(bob->reason, pdp::v1::UNKNOWN_PRINCIPAL);
}

// Found by walking the API with grpcurl: each used to answer something
// plausible and wrong.
TEST_F(AdminTest, MalformedOrganizationIdIsInvalidArgument) {
  pdp::v1::GetRequest get;
  get.set_name("bogus");
  auto org = admin().Call(&Stub::GetOrganization, get);
  EXPECT_EQ(org.status().code(), absl::StatusCode::kInvalidArgument) << org.status();
  EXPECT_THAT(ServerErrorFields(org.status()), Contains("name"));
  EXPECT_THAT(std::string(org.status().message()), HasSubstr("o-[a-z0-9]{10,32}"));
  get.set_name("o-Upper12345");
  EXPECT_EQ(admin().Call(&Stub::GetOrganization, get).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Well formed and absent: NOT_FOUND, as before.
  get.set_name("o-abcdef1234");
  EXPECT_EQ(admin().Call(&Stub::GetOrganization, get).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(AdminTest, PageTokensThatWereNotHandedOutAreInvalidArgument) {
  CreateAccount(true);
  for (int i = 0; i < 3; ++i) {
    pdp::v1::PutUserRequest u;
    u.mutable_user()->set_arn("arn:aws:iam::123456789012:user/u" + std::to_string(i));
    ASSERT_TRUE(admin().Call(&Stub::CreateUser, u).ok());
    pdp::v1::PutRoleRequest r;
    r.mutable_role()->set_arn("arn:aws:iam::123456789012:role/r" + std::to_string(i));
    ASSERT_TRUE(admin().Call(&Stub::CreateRole, r).ok());
  }
  pdp::v1::ListRequest list;
  list.set_parent(kAccount);
  list.set_page_size(1);
  auto first = admin().Call(&Stub::ListUsers, list);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token().empty());

  // Garbage, base64 of something else, a user key as the old format took it,
  // and a well-formed token of this listing far longer than any handed out.
  const std::string oversized =
      absl::WebSafeBase64Escape("pdp-list1\nusers/123456789012\n" + std::string(1 << 16, 'u'));
  for (const std::string& token : {std::string("garbage!"), std::string("Zm9vYmFy"),
                                   std::string("arn:aws:iam::123456789012:user/u0"), oversized}) {
    SCOPED_TRACE(token.substr(0, 64));
    pdp::v1::ListRequest bad = list;
    bad.set_page_token(token);
    auto users = admin().Call(&Stub::ListUsers, bad);
    EXPECT_EQ(users.status().code(), absl::StatusCode::kInvalidArgument) << users.status();
    EXPECT_THAT(ServerErrorFields(users.status()), Contains("page_token"));
    bad.clear_parent();
    for (absl::Status s : {admin().Call(&Stub::ListAccounts, bad).status(),
                           admin().Call(&Stub::ListOrganizations, bad).status()}) {
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
      EXPECT_THAT(ServerErrorFields(s), Contains("page_token"));
    }
    bad.set_parent("aws");
    EXPECT_EQ(admin().Call(&Stub::ListPolicies, bad).status().code(),
              absl::StatusCode::kInvalidArgument);
  }

  // A ListUsers token is not a ListRoles token.
  pdp::v1::ListRequest roles = list;
  roles.set_page_token(first->next_page_token());
  auto other = admin().Call(&Stub::ListRoles, roles);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument) << other.status();
  EXPECT_THAT(ServerErrorFields(other.status()), Contains("page_token"));

  // The real token goes on to the second user.
  list.set_page_token(first->next_page_token());
  auto second = admin().Call(&Stub::ListUsers, list);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->users_size(), 1);
  EXPECT_EQ(second->users(0).arn(), "arn:aws:iam::123456789012:user/u1");
}

TEST_F(AdminTest, RoleSessionsAreReadLikeRoles) {
  CreateAccount(true);
  pdp::v1::PutRoleRequest role;
  role.mutable_role()->set_arn("arn:aws:iam::123456789012:role/Auditor");
  ASSERT_TRUE(admin().Call(&Stub::CreateRole, role).ok());
  const std::string prefix = "arn:aws:sts::123456789012:assumed-role/Auditor/";
  int64_t written = 0;
  for (const char* name : {"s2", "s0", "s1"}) {
    pdp::v1::PutRoleSessionRequest put;
    put.mutable_session()->set_arn(prefix + name);
    put.mutable_session()->add_policy_arns("arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess");
    put.mutable_session()->set_policy(kAllowBilling);
    (*put.mutable_session()->mutable_tags())["team"] = name;
    auto r = admin().Call(&Stub::PutRoleSession, put, &written);
    ASSERT_TRUE(r.ok()) << r.status();
  }

  // Get: what was put, by its ARN.
  pdp::v1::GetRequest get;
  get.set_name(prefix + "s1");
  get.set_min_revision(written);
  auto got = admin().Call(&Stub::GetRoleSession, get);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->arn(), prefix + "s1");
  EXPECT_THAT(got->policy_arns(), Contains("arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess"));
  EXPECT_FALSE(got->policy().empty());
  EXPECT_EQ(got->tags().at("team"), "s1");
  EXPECT_FALSE(got->etag().empty());

  // Absent session, role or account: NOT_FOUND on name; not a session ARN:
  // INVALID_ARGUMENT on name.
  for (const std::string& absent :
       {prefix + "nope", std::string("arn:aws:sts::123456789012:assumed-role/Other/s1"),
        std::string("arn:aws:sts::999999999999:assumed-role/Auditor/s1")}) {
    SCOPED_TRACE(absent);
    get.set_name(absent);
    auto r = admin().Call(&Stub::GetRoleSession, get);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound) << r.status();
    EXPECT_THAT(ServerErrorFields(r.status()), Contains("name"));
  }
  for (const std::string& bad :
       {std::string("arn:aws:iam::123456789012:role/Auditor"), std::string("s1"), std::string()}) {
    SCOPED_TRACE(bad);
    get.set_name(bad);
    auto r = admin().Call(&Stub::GetRoleSession, get);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
    EXPECT_THAT(ServerErrorFields(r.status()), Contains("name"));
  }

  // List: one at a time, in order, following the tokens.
  pdp::v1::ListRequest list;
  list.set_parent(kAccount);
  list.set_page_size(1);
  list.set_min_revision(written);
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    auto r = admin().Call(&Stub::ListRoleSessions, list);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->revision(), written);
    for (const auto& rs : r->sessions()) seen.push_back(rs.arn());
    if (r->next_page_token().empty()) break;
    list.set_page_token(r->next_page_token());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{prefix + "s0", prefix + "s1", prefix + "s2"}));

  // A ListRoles token is not a ListRoleSessions token; page_size bounds.
  pdp::v1::ListRequest roles;
  roles.set_parent(kAccount);
  roles.set_page_size(1);
  pdp::v1::PutRoleRequest second;
  second.mutable_role()->set_arn("arn:aws:iam::123456789012:role/Zeta");
  ASSERT_TRUE(admin().Call(&Stub::CreateRole, second).ok());
  auto role_page = admin().Call(&Stub::ListRoles, roles);
  ASSERT_TRUE(role_page.ok()) << role_page.status();
  ASSERT_FALSE(role_page->next_page_token().empty());
  pdp::v1::ListRequest bad = roles;
  bad.set_page_token(role_page->next_page_token());
  auto mixed = admin().Call(&Stub::ListRoleSessions, bad);
  EXPECT_EQ(mixed.status().code(), absl::StatusCode::kInvalidArgument) << mixed.status();
  EXPECT_THAT(ServerErrorFields(mixed.status()), Contains("page_token"));
  bad = roles;
  bad.set_page_size(1001);
  auto big = admin().Call(&Stub::ListRoleSessions, bad);
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument) << big.status();
  EXPECT_THAT(ServerErrorFields(big.status()), Contains("page_size"));

  // Parent: malformed is INVALID_ARGUMENT, an absent account NOT_FOUND.
  bad = roles;
  bad.set_parent("12345");
  auto malformed = admin().Call(&Stub::ListRoleSessions, bad);
  EXPECT_EQ(malformed.status().code(), absl::StatusCode::kInvalidArgument) << malformed.status();
  EXPECT_THAT(ServerErrorFields(malformed.status()), Contains("parent"));
  bad.set_parent("999999999999");
  auto absent = admin().Call(&Stub::ListRoleSessions, bad);
  EXPECT_EQ(absent.status().code(), absl::StatusCode::kNotFound) << absent.status();
  EXPECT_THAT(ServerErrorFields(absent.status()), Contains("parent"));

  // Deleting one drops it from both reads.
  pdp::v1::DeleteRoleSessionRequest del;
  del.set_arn(prefix + "s0");
  ASSERT_TRUE(admin().Call(&Stub::DeleteRoleSession, del, &written).ok());
  get.set_name(prefix + "s0");
  get.set_min_revision(written);
  EXPECT_EQ(admin().Call(&Stub::GetRoleSession, get).status().code(), absl::StatusCode::kNotFound);
  list.clear_page_token();
  list.set_page_size(0);
  list.set_min_revision(written);
  auto rest = admin().Call(&Stub::ListRoleSessions, list);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(rest->sessions_size(), 2);
}

TEST_F(AdminTest, ParentIsRefusedWhereItMeansNothing) {
  CreateAccount(true);
  pdp::v1::ListRequest list;
  list.set_parent(kAccount);
  for (absl::Status s : {admin().Call(&Stub::ListAccounts, list).status(),
                         admin().Call(&Stub::ListOrganizations, list).status()}) {
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(ServerErrorFields(s), Contains("parent"));
  }
  list.clear_parent();
  auto all = admin().Call(&Stub::ListAccounts, list);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->accounts_size(), 1);
}

TEST_F(AdminTest, UnspecifiedConsoleActionSetMeansFineGrainedOnCreateAndUpdate) {
  pdp::v1::CreateAccountRequest create;
  create.mutable_account()->set_id(kAccount);
  create.mutable_account()->set_name("test");
  create.mutable_account()->mutable_settings()->set_console_action_set(pdp::v1::LEGACY);
  ASSERT_TRUE(admin().Call(&Stub::CreateAccount, create).ok());

  pdp::v1::UpdateAccountSettingsRequest update;
  update.set_account_id(kAccount);
  update.set_actor(kRoot);
  update.add_update_mask("console_action_set");
  update.mutable_settings()->set_console_action_set(pdp::v1::CONSOLE_ACTION_SET_UNSPECIFIED);
  auto updated = admin().Call(&Stub::UpdateAccountSettings, update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->settings().console_action_set(), pdp::v1::FINE_GRAINED);

  create.mutable_account()->set_id("210987654321");
  create.mutable_account()->mutable_settings()->set_console_action_set(
      pdp::v1::CONSOLE_ACTION_SET_UNSPECIFIED);
  auto created = admin().Call(&Stub::CreateAccount, create);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->settings().console_action_set(), pdp::v1::FINE_GRAINED);

  // A value outside the enum is still refused.
  update.mutable_settings()->set_console_action_set(static_cast<pdp::v1::ConsoleActionSet>(9));
  auto bad = admin().Call(&Stub::UpdateAccountSettings, update);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << bad.status();
  EXPECT_THAT(ServerErrorFields(bad.status()), Contains("settings.console_action_set"));
}

TEST_F(AdminTest, AnEtagThatDoesNotMatchSaysSo) {
  CreateAccount(true);
  pdp::v1::UpdateAccountSettingsRequest update;
  update.set_account_id(kAccount);
  update.set_actor(kRoot);
  update.add_update_mask("iam_access_to_billing");
  update.set_etag("999");  // newer than the current etag, not stale
  auto s = admin().Call(&Stub::UpdateAccountSettings, update);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kAborted) << s.status();
  EXPECT_EQ(ServerErrorReason(s.status()), "ETAG_MISMATCH");
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("does not match the current etag"));
  EXPECT_THAT(std::string(s.status().message()), Not(HasSubstr("stale")));
}

TEST_F(AdminTest, IamAccessOnlyByRoot) {
  CreateAccount(false);
  pdp::v1::PutUserRequest user;
  user.mutable_user()->set_arn(kUser);
  user.mutable_user()->add_attached_policies("arn:aws:iam::aws:policy/AdministratorAccess");
  ASSERT_TRUE(admin().Call(&Stub::CreateUser, user).ok());

  auto denied = admin().SetIamAccessToBilling(kAccount, true, kUser);
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ServerErrorReason(denied.status()), "ROOT_USER_REQUIRED");
  EXPECT_EQ(authz().Authorize(PageQuery{kUser, "billing_bills"})->reason,
            pdp::v1::IAM_ACCESS_NOT_ACTIVATED);

  auto account = admin().GetAccount(kAccount);
  ASSERT_TRUE(account.ok());
  pdp::v1::UpdateAccountSettingsRequest stale;
  stale.set_account_id(kAccount);
  stale.mutable_settings()->set_iam_access_to_billing(true);
  stale.add_update_mask("iam_access_to_billing");
  stale.set_actor(kRoot);
  stale.set_etag("0");
  EXPECT_EQ(admin().Call(&Stub::UpdateAccountSettings, stale).status().code(),
            absl::StatusCode::kAborted);
  stale.set_etag(account->etag());
  ASSERT_TRUE(admin().Call(&Stub::UpdateAccountSettings, stale).ok());
  EXPECT_TRUE(authz().IsAllowed(PageQuery{kUser, "billing_bills"}));
}

TEST_F(AdminTest, ValidatePolicyReportsErrorsAndWarnings) {
  pdp::v1::ValidatePolicyRequest req;
  req.set_document(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*",
    "NotResource":"arn:aws:s3:::secret/*"},{"Effect":"Allow","Action":"ce:Get*","Resource":"*",
    "Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}}]})");
  auto r = admin().Call(&Stub::ValidatePolicy, req);
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> codes;
  for (const auto& f : r->findings()) {
    EXPECT_EQ(f.severity(), pdp::v1::PolicyFinding::WARNING);
    codes.push_back(f.code());
  }
  EXPECT_THAT(codes, ::testing::UnorderedElementsAre("ALLOW_WITH_NOT_RESOURCE",
                                                     "FOR_ALL_VALUES_WITH_ALLOW"));
  req.set_document(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
    "Action":["ce:GetCostAndUsag","nosuchservice:Get","ce:Get*","*"],"Resource":"*"}]})");
  r = admin().Call(&Stub::ValidatePolicy, req);
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::pair<std::string, std::string>> found;
  for (const auto& f : r->findings()) found.emplace_back(f.code(), f.path());
  EXPECT_THAT(found, ::testing::UnorderedElementsAre(
                         std::make_pair("UNKNOWN_ACTION", "Statement[0].Action[0]"),
                         std::make_pair("UNKNOWN_SERVICE", "Statement[0].Action[1]")));
  req.set_document(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*",
    "Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.300/8"}}}]})");
  r = admin().Call(&Stub::ValidatePolicy, req);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->findings_size(), 1);
  EXPECT_EQ(r->findings(0).severity(), pdp::v1::PolicyFinding::ERROR);
  EXPECT_EQ(r->findings(0).path(), "Statement[0].Condition.IpAddress.aws:SourceIp");
}

TEST_F(AdminTest, InlinePoliciesOfAUserHaveAnAggregateLimit) {
  CreateAccount(true);
  pdp::v1::PutUserRequest user;
  user.mutable_user()->set_arn(kUser);
  ASSERT_TRUE(admin().Call(&Stub::CreateUser, user).ok());
  // ~1,100 characters each: the second one passes IAM's 2,048 for a user.
  std::string actions;
  for (int i = 0; i < 40; ++i) actions += "\"billing:GetSomethingLong" + std::to_string(i) + "\",";
  std::string doc = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[)" +
                    actions + R"("billing:GetBillingData"],"Resource":"*"}]})";
  pdp::v1::PutInlinePolicyRequest put;
  put.set_entity_arn(kUser);
  put.set_name("one");
  put.set_document(doc);
  ASSERT_TRUE(admin().Call(&Stub::PutInlinePolicy, put).ok());
  put.set_name("two");
  auto r = admin().Call(&Stub::PutInlinePolicy, put);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ServerErrorReason(r.status()), "LIMIT_EXCEEDED");
}

TEST(QuotaFlagTest, QuotasAreConfigurable) {
  ServerProcess server({"--quota", "inline_chars_user=100000", "--quota", "policy_versions=2"});
  ASSERT_TRUE(server.ok()) << server.log();
  ClientOptions options;
  options.target = server.address();
  AdminClient admin(options);
  pdp::v1::CreateAccountRequest account;
  account.mutable_account()->set_id(kAccount);
  ASSERT_TRUE(admin.Call(&Stub::CreateAccount, account).ok());
  pdp::v1::CreatePolicyRequest policy;
  policy.set_arn("arn:aws:iam::123456789012:policy/P");
  policy.set_document(kAllowBilling);
  ASSERT_TRUE(admin.Call(&Stub::CreatePolicy, policy).ok());
  pdp::v1::CreatePolicyVersionRequest v;
  v.set_policy_arn(policy.arn());
  v.set_document(kAllowBilling);
  ASSERT_TRUE(admin.Call(&Stub::CreatePolicyVersion, v).ok());
  EXPECT_EQ(admin.Call(&Stub::CreatePolicyVersion, v).status().code(),
            absl::StatusCode::kFailedPrecondition);
  std::string out;
  EXPECT_EQ(RunCommand({BinaryPath("server/billing-pdp-server"), "--quota", "bogus=3"}, &out), 2);
  EXPECT_NE(out.find("unknown quota bogus"), std::string::npos) << out;
}

TEST(AdminTokenTest, ControlPlaneNeedsTheToken) {
  std::string token_path = ::testing::TempDir() + "/admin-token";
  std::ofstream(token_path) << "correct-horse-battery-staple\n";
  ServerProcess server({"--admin-token-file", token_path});
  ASSERT_TRUE(server.ok()) << server.log();
  ClientOptions options;
  options.target = server.address();
  auto missing = AdminClient(options).GetAccount("123456789012");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kUnauthenticated);
  // Refused before any handler runs (CallerAuthProcessor): a code and a
  // message, no details.
  EXPECT_NE(missing.status().message().find("needs an authenticated caller"),
            absl::string_view::npos)
      << missing.status();
  options.admin_token = "wrong-token-of-some-length";
  EXPECT_EQ(AdminClient(options).GetAccount("123456789012").status().code(),
            absl::StatusCode::kUnauthenticated);
  options.admin_token = "correct-horse-battery-staple";
  EXPECT_EQ(AdminClient(options).GetAccount("123456789012").status().code(),
            absl::StatusCode::kNotFound);
  // The data plane needs no token.
  auto d = AuthorizationClient(options).Authorize(
      PageQuery{"arn:aws:iam::123456789012:root", "billing_bills"});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->reason, pdp::v1::UNKNOWN_PRINCIPAL);
  // WhatIf does: its change results reveal control-plane state.
  pdp::v1::WhatIfRequest what_if;
  what_if.add_changes()->mutable_create_account()->mutable_account()->set_id("123456789012");
  EXPECT_TRUE(AuthorizationClient(options).WhatIf(what_if).ok());
  options.admin_token.clear();
  auto refused = AuthorizationClient(options).WhatIf(what_if);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(refused.status().message().find("WhatIf needs an authenticated caller"),
            absl::string_view::npos)
      << refused.status();
}

}  // namespace
}  // namespace pdp::testing
