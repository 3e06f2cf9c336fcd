// WhoCan and WhatIf through a real server, the client library and pdpctl:
// answers, field paths of bad questions, and that WhatIf never changes the
// state.
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "billing_pdp/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kA[] = "111111111111";
constexpr char kB[] = "222222222222";
constexpr char kRootB[] = "arn:aws:iam::222222222222:root";
constexpr char kAdminB[] = "arn:aws:iam::222222222222:user/admin";
constexpr char kBob[] = "arn:aws:iam::111111111111:user/auditor-bob";

// Root of 222222222222 turns "Activate IAM Access" on.
pdp::v1::Change IamAccessOnB() {
  pdp::v1::Change c;
  auto* u = c.mutable_update_account_settings();
  u->set_account_id(kB);
  u->set_actor(kRootB);
  u->mutable_settings()->set_iam_access_to_billing(true);
  u->add_update_mask("iam_access_to_billing");
  return c;
}

std::vector<std::string> Principals(const pdp::v1::WhoCanResponse& r) {
  std::vector<std::string> out;
  for (const auto& p : r.principals()) out.push_back(p.principal());
  return out;
}

class QuestionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.ok()) << server_.log();
    options_.target = server_.address();
    options_.timeout = std::chrono::milliseconds(20000);
  }

  AuthorizationClient authz() const { return AuthorizationClient(options_); }

  int64_t Revision() const {
    auto pages = authz().ListAccessiblePages(kAdminB);
    EXPECT_TRUE(pages.ok()) << pages.status();
    return pages.ok() ? pages->revision() : -1;
  }

  ServerProcess server_{{"--world", SourcePath("data/demo-world.yaml")}};
  ClientOptions options_;
};

TEST_F(QuestionsTest, WhoCanOverGrpc) {
  auto r = authz().WhoCan(WhoCanQuery{.account_id = kB, .page_id = "billing_bills"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->revision(), Revision());
  ASSERT_THAT(Principals(*r), ElementsAre(kRootB));
  EXPECT_EQ(r->principals(0).kind(), "root");
  EXPECT_EQ(r->principals(0).decision().reason(), pdp::v1::ROOT_USER);

  auto all = authz().WhoCan(
      WhoCanQuery{.account_id = kB, .page_id = "billing_bills", .include_denied = true});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_THAT(Principals(*all), ElementsAre(kRootB, kAdminB));
  EXPECT_EQ(all->principals(1).kind(), "user");
  EXPECT_EQ(all->principals(1).decision().reason(), pdp::v1::IAM_ACCESS_NOT_ACTIVATED);

  // An action target, and min_revision already reached.
  pdp::v1::WhoCanRequest request;
  request.set_account_id(kA);
  request.mutable_action()->set_action("billing:UpdateIAMAccessPreference");
  request.set_min_revision(Revision());
  auto stub = pdp::v1::AuthorizationService::NewStub(MakeChannel(options_));
  grpc::ClientContext ctx;
  pdp::v1::WhoCanResponse response;
  ASSERT_TRUE(stub->WhoCan(&ctx, request, &response).ok());
  EXPECT_THAT(Principals(response), ElementsAre("arn:aws:iam::111111111111:root"));
}

TEST_F(QuestionsTest, WhoCanWaitsForMinRevisionOnlyUntilTheDeadline) {
  pdp::v1::WhoCanRequest request;
  request.set_account_id(kA);
  request.mutable_page()->set_page_id("billing_bills");
  request.mutable_page()->set_access(pdp::v1::VIEW);
  request.set_min_revision(Revision() + 100);
  auto stub = pdp::v1::AuthorizationService::NewStub(MakeChannel(options_));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
  pdp::v1::WhoCanResponse response;
  grpc::Status s = stub->WhoCan(&ctx, request, &response);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(Principals(response), IsEmpty());
}

TEST_F(QuestionsTest, WhatIfAnswersBothSidesAndNeverChangesState) {
  const int64_t revision = Revision();
  WhatIfQuery query;
  query.changes = {IamAccessOnB()};
  query.authorize = {PageQuery{.principal = kAdminB, .page_id = "billing_bills"}};
  query.list_accessible_pages = {kAdminB};
  query.who_can = {WhoCanQuery{.account_id = kB, .page_id = "billing_bills"}};
  auto r = authz().WhatIf(query);
  ASSERT_TRUE(r.ok()) << r.status();

  EXPECT_EQ(r->base_revision(), revision);
  ASSERT_EQ(r->change_results_size(), 1);
  EXPECT_EQ(r->change_results(0).name(), kB);

  ASSERT_EQ(r->authorize_size(), 1);
  EXPECT_EQ(r->authorize(0).before().reason(), pdp::v1::IAM_ACCESS_NOT_ACTIVATED);
  EXPECT_EQ(r->authorize(0).before().revision(), revision);
  EXPECT_EQ(r->authorize(0).after().effect(), pdp::v1::ALLOW);
  EXPECT_EQ(r->authorize(0).after().revision(), 0);  // never committed

  ASSERT_EQ(r->list_accessible_pages_size(), 1);
  EXPECT_EQ(r->list_accessible_pages(0).after().revision(), 0);
  EXPECT_GT(r->list_accessible_pages(0).after().pages_size(),
            r->list_accessible_pages(0).before().pages_size());

  ASSERT_EQ(r->who_can_size(), 1);
  EXPECT_THAT(Principals(r->who_can(0).before()), ElementsAre(kRootB));
  EXPECT_THAT(Principals(r->who_can(0).after()), ElementsAre(kRootB, kAdminB));
  EXPECT_EQ(r->who_can(0).after().revision(), 0);

  // Differences default to the accounts the changes touch: 222222222222.
  ASSERT_GT(r->differences_size(), 0);
  EXPECT_FALSE(r->differences_truncated());
  bool bills = false;
  for (const auto& d : r->differences()) {
    EXPECT_EQ(d.account_id(), kB);
    EXPECT_EQ(d.principal(), kAdminB);
    EXPECT_EQ(d.before().revision(), revision);
    EXPECT_EQ(d.after().revision(), 0);
    bills = bills || (d.page_id() == "billing_bills" && d.access() == pdp::v1::VIEW &&
                      d.after().effect() == pdp::v1::ALLOW);
  }
  EXPECT_TRUE(bills);

  // Nothing was applied: same revision, same answer.
  EXPECT_EQ(Revision(), revision);
  auto now = authz().Authorize(PageQuery{.principal = kAdminB, .page_id = "billing_bills"});
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_EQ(now->reason, pdp::v1::IAM_ACCESS_NOT_ACTIVATED);
  EXPECT_EQ(now->revision, revision);

  // WhoCan about an account the changes create: nobody before.
  WhatIfQuery create;
  pdp::v1::Change account;
  account.mutable_create_account()->mutable_account()->set_id("444444444444");
  account.mutable_create_account()->mutable_account()->set_name("new");
  create.changes = {account};
  create.who_can = {WhoCanQuery{.account_id = "444444444444", .page_id = "billing_bills"}};
  auto created = authz().WhatIf(create);
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_EQ(created->who_can_size(), 1);
  EXPECT_THAT(Principals(created->who_can(0).before()), IsEmpty());
  EXPECT_THAT(Principals(created->who_can(0).after()),
              ElementsAre("arn:aws:iam::444444444444:root"));
  EXPECT_GT(created->differences_size(), 0);  // the new root user gains its pages

  // Asked about another account only: no differences there.
  query.diff_account_ids = {kA};
  auto other = authz().WhatIf(query);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_THAT(other->differences(), IsEmpty());
}

TEST_F(QuestionsTest, InvalidQuestionsNameTheirField) {
  auto page = authz().WhoCan(WhoCanQuery{.account_id = kA, .page_id = "no_such_page"});
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ServerErrorFields(page.status()), ElementsAre("page.page_id"));

  auto account = authz().WhoCan(WhoCanQuery{.account_id = "12345", .page_id = "billing_bills"});
  EXPECT_EQ(account.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ServerErrorFields(account.status()), ElementsAre("account_id"));

  auto unknown =
      authz().WhoCan(WhoCanQuery{.account_id = "999999999999", .page_id = "billing_bills"});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(ServerErrorFields(unknown.status()), ElementsAre("account_id"));

  WhatIfQuery bad_question;
  bad_question.changes = {IamAccessOnB()};
  bad_question.authorize = {PageQuery{.principal = kAdminB, .page_id = "billing_bills"},
                            PageQuery{.principal = "not-an-arn", .page_id = "billing_bills"}};
  auto q = authz().WhatIf(bad_question);
  EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ServerErrorFields(q.status()), ElementsAre("authorize[1].principal"));

  WhatIfQuery bad_who_can;
  bad_who_can.who_can = {WhoCanQuery{.account_id = kA, .page_id = "nope"}};
  auto w = authz().WhatIf(bad_who_can);
  EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ServerErrorFields(w.status()), ElementsAre("who_can[0].page.page_id"));

  WhatIfQuery unknown_account;
  unknown_account.who_can = {WhoCanQuery{.account_id = "999999999999", .page_id = "billing_bills"}};
  auto u = authz().WhatIf(unknown_account);
  EXPECT_EQ(u.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(ServerErrorFields(u.status()), ElementsAre("who_can[0].account_id"));

  WhatIfQuery bad_account;
  bad_account.diff_account_ids = {kA, "x"};
  auto a = authz().WhatIf(bad_account);
  EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ServerErrorFields(a.status()), ElementsAre("diff_account_ids[1]"));

  // A change that does not apply is reported as ApplyChanges would.
  WhatIfQuery bad_change;
  pdp::v1::Change user;
  user.mutable_put_user()->mutable_user()->set_arn("arn:aws:iam::111111111111:group/oops");
  bad_change.changes = {IamAccessOnB(), user};
  auto c = authz().WhatIf(bad_change);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ServerErrorFields(c.status()), ElementsAre("changes[1].put_user.user.arn"));

  // A stale Change.etag names the Change's own field, as ApplyChanges does.
  WhatIfQuery stale;
  pdp::v1::Change guarded = IamAccessOnB();
  guarded.set_etag("999999");
  stale.changes = {guarded};
  auto e = authz().WhatIf(stale);
  EXPECT_EQ(e.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(ServerErrorFields(e.status()), ElementsAre("changes[0].etag"));

  pdp::v1::WhatIfRequest too_many;
  for (int i = 0; i < 1001; ++i) too_many.add_authorize();
  auto m = authz().WhatIf(too_many);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ServerErrorFields(m.status()), ElementsAre("authorize"));
}

// WhatIf applies changes with the server's quotas (--quota), as a write would.
TEST(QuestionsQuotaTest, WhatIfUsesTheServersQuotas) {
  ServerProcess server(
      {"--world", SourcePath("data/demo-world.yaml"), "--quota", "attached_policies=2"});
  ASSERT_TRUE(server.ok()) << server.log();
  ClientOptions options;
  options.target = server.address();
  options.timeout = std::chrono::milliseconds(20000);
  pdp::v1::Change attach;
  attach.mutable_attach_policy()->set_entity_arn(kBob);  // has two already
  attach.mutable_attach_policy()->set_policy_arn("arn:aws:iam::aws:policy/AdministratorAccess");
  auto r = AuthorizationClient(options).WhatIf(WhatIfQuery{.changes = {attach}});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
  EXPECT_EQ(ServerErrorReason(r.status()), "LIMIT_EXCEEDED");
}

TEST_F(QuestionsTest, PdpctlWhoCanAndWhatIf) {
  auto pdpctl = [&](std::vector<std::string> args, std::string* out) {
    args.insert(args.begin(), {BinaryPath("client/pdpctl"), "--server", server_.address()});
    out->clear();
    return RunCommand(args, out);
  };
  std::string out;
  EXPECT_EQ(pdpctl({"who-can", kB, "--page", "billing_bills", "--all"}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("ALLOW ROOT_USER"));
  EXPECT_THAT(out, HasSubstr("IAM_ACCESS_NOT_ACTIVATED"));
  EXPECT_THAT(out, HasSubstr(kAdminB));
  EXPECT_EQ(pdpctl({"who-can", kB, "--page", "billing_bills"}, &out), 0) << out;
  EXPECT_THAT(out, ::testing::Not(HasSubstr(kAdminB)));
  EXPECT_EQ(pdpctl({"who-can", kB, "--page", "nope"}, &out), 2) << out;
  EXPECT_THAT(out, HasSubstr("page.page_id"));
  EXPECT_EQ(pdpctl({"who-can", "999999999999", "--page", "billing_bills"}, &out), 4) << out;
  EXPECT_EQ(pdpctl({"who-can", kB}, &out), 2) << out;  // no target

  const std::string file = ::testing::TempDir() + "/what-if-changes.json";
  {
    std::ofstream f(file);
    f << R"({"changes": [{"update_account_settings": {"account_id": "222222222222",
          "actor": "arn:aws:iam::222222222222:root",
          "settings": {"iam_access_to_billing": true},
          "update_mask": ["iam_access_to_billing"]}}]})";
  }
  const int64_t revision = Revision();
  EXPECT_EQ(pdpctl({"what-if", file, "--authorize", kAdminB, "billing_bills"}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("DENY (IAM_ACCESS_NOT_ACTIVATED) -> ALLOW (ALLOWED_BY_POLICY)"));
  EXPECT_THAT(out, HasSubstr(std::string(kAdminB) + " billing_bills VIEW"));
  EXPECT_EQ(pdpctl({"what-if", file, "--account", kA, "--output", "json"}, &out), 0) << out;
  auto json = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << out;
  EXPECT_EQ(json["differences"], nlohmann::json::array()) << out;  // none in 111111111111
  EXPECT_EQ(Revision(), revision);

  {
    std::ofstream f(file);
    f << R"({"changes": [{"no_such_change": {}}]})";
  }
  EXPECT_EQ(pdpctl({"what-if", file}, &out), 2) << out;
}

// An account with more principals than one WhoCan call decides for
// (kMaxWhoCanEvaluated, 10,000): 12,000 users, of which the first and the
// last two may view budgets, and the root user.
class WhoCanPagingTest : public ::testing::Test {
 protected:
  static constexpr int kUsers = 12000;
  static constexpr char kBig[] = "444444444444";

  static std::string UserArn(int i) {
    char name[16];
    std::snprintf(name, sizeof name, "u%05d", i);
    return std::string("arn:aws:iam::444444444444:user/") + name;
  }

  void SetUp() override {
    ASSERT_TRUE(server_.ok()) << server_.log();
    options_.target = server_.address();
    options_.timeout = std::chrono::milliseconds(60000);
    pdp::v1::ApplyChangesRequest world;
    auto* account = world.add_changes()->mutable_create_account()->mutable_account();
    account->set_id(kBig);
    account->set_name("big");
    for (int i = 0; i < kUsers; ++i) {
      auto* user = world.add_changes()->mutable_put_user()->mutable_user();
      user->set_arn(UserArn(i));
      if (i == 0 || i >= kUsers - 2) {
        user->add_attached_policies("arn:aws:iam::aws:policy/AdministratorAccess");
      }
    }
    auto applied = AdminClient(options_).ApplyChanges(world);
    ASSERT_TRUE(applied.ok()) << applied.status();
  }

  // Walks every page; `sizes` gets each page's size.
  std::vector<std::string> Walk(WhoCanQuery query, std::vector<int>* sizes) {
    std::vector<std::string> all;
    for (int guard = 0; guard < 1000; ++guard) {
      auto page = AuthorizationClient(options_).WhoCan(query);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const auto& p : page->principals()) all.push_back(p.principal());
      sizes->push_back(page->principals_size());
      if (page->next_page_token().empty()) break;
      query.page_token = page->next_page_token();
    }
    return all;
  }

  WhoCanQuery Budgets(bool include_denied) const {
    return WhoCanQuery{
        .account_id = kBig, .action = "budgets:ViewBudget", .include_denied = include_denied};
  }

  ServerProcess server_{{"--world", SourcePath("data/demo-world.yaml")}};
  ClientOptions options_;
};

TEST_F(WhoCanPagingTest, PagesReturnEveryPrincipalExactlyOnceInOrder) {
  std::vector<std::string> expected = {"arn:aws:iam::444444444444:root"};
  for (int i = 0; i < kUsers; ++i) expected.push_back(UserArn(i));

  std::vector<int> sizes;
  EXPECT_EQ(Walk(Budgets(true), &sizes), expected);  // 1,000 per page by default
  ASSERT_EQ(sizes.size(), 13u);
  EXPECT_EQ(sizes.front(), 1000);
  EXPECT_EQ(sizes.back(), 1);

  WhoCanQuery big_pages = Budgets(true);
  big_pages.page_size = 10000;
  sizes.clear();
  EXPECT_EQ(Walk(big_pages, &sizes), expected);
  EXPECT_THAT(sizes, ElementsAre(10000, 2001));
}

TEST_F(WhoCanPagingTest, OneCallDecidesForAtMostTenThousandPrincipals) {
  std::vector<int> sizes;
  EXPECT_THAT(Walk(Budgets(false), &sizes),
              ElementsAre("arn:aws:iam::444444444444:root", UserArn(0), UserArn(kUsers - 2),
                          UserArn(kUsers - 1)));
  // The first call stops after 10,000 principals with two found.
  EXPECT_THAT(sizes, ElementsAre(2, 2));
}

TEST_F(WhoCanPagingTest, BadPageSizesAndTokensAreInvalidArguments) {
  WhoCanQuery q = Budgets(true);
  for (int size : {-1, 10001}) {
    q.page_size = size;
    auto r = AuthorizationClient(options_).WhoCan(q);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << size;
    EXPECT_THAT(ServerErrorFields(r.status()), ElementsAre("page_size"));
  }
  q.page_size = 0;
  auto first = AuthorizationClient(options_).WhoCan(q);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token().empty());

  WhoCanQuery garbage = q;
  garbage.page_token = "not a token";
  WhoCanQuery foreign = Budgets(false);  // only the ALLOWs: another query
  foreign.page_token = first->next_page_token();
  WhoCanQuery other_account = q;
  other_account.account_id = kA;
  other_account.page_token = first->next_page_token();
  for (const WhoCanQuery& bad : {garbage, foreign, other_account}) {
    auto r = AuthorizationClient(options_).WhoCan(bad);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
    EXPECT_THAT(ServerErrorFields(r.status()), ElementsAre("page_token"));
  }
}

TEST_F(WhoCanPagingTest, WhatIfWhoCanQuestionsArePagedToo) {
  WhatIfQuery q;
  q.who_can = {Budgets(true)};
  auto first = AuthorizationClient(options_).WhatIf(q);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->who_can_size(), 1);
  for (const auto* side : {&first->who_can(0).before(), &first->who_can(0).after()}) {
    EXPECT_EQ(side->principals_size(), 1000);
    EXPECT_FALSE(side->next_page_token().empty());
  }
  q.who_can[0].page_token = first->who_can(0).before().next_page_token();
  auto second = AuthorizationClient(options_).WhatIf(q);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_GT(second->who_can(0).before().principals_size(), 0);
  EXPECT_EQ(second->who_can(0).before().principals(0).principal(), UserArn(999));
}

TEST_F(WhoCanPagingTest, PdpctlFollowsEveryPage) {
  std::string out;
  ASSERT_EQ(
      RunCommand({BinaryPath("client/pdpctl"), "--server", server_.address(), "--output", "json",
                  "--timeout", "60000", "who-can", kBig, "--action", "budgets:ViewBudget", "--all"},
                 &out),
      0)
      << out.substr(0, 2000);
  auto json = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << out.substr(0, 2000);
  std::set<std::string> seen;
  for (const auto& p : json["principals"]) seen.insert(p["principal"].get<std::string>());
  EXPECT_EQ(json["principals"].size(), static_cast<size_t>(kUsers + 1));
  EXPECT_EQ(seen.size(), static_cast<size_t>(kUsers + 1));

  ASSERT_EQ(RunCommand({BinaryPath("client/pdpctl"), "--server", server_.address(), "who-can", kBig,
                        "--action", "budgets:ViewBudget"},
                       &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr(UserArn(kUsers - 1)));
  EXPECT_THAT(out, HasSubstr("(4 principals, revision"));
}

}  // namespace
}  // namespace pdp::testing
