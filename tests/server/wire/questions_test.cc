#include "server/wire/questions.h"

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/wire/wire_decide.h"
#include "tests/support/test_support.h"
#include "world/world_file.h"

namespace pdp {
namespace {

using pdp::v1::ALLOW;
using pdp::v1::DENY;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

// The demo world (data/demo-world.yaml): 111111111111 has IAM access on,
// 222222222222 has it off.
constexpr char kA[] = "111111111111";
constexpr char kB[] = "222222222222";
constexpr char kRootA[] = "arn:aws:iam::111111111111:root";
constexpr char kRootB[] = "arn:aws:iam::222222222222:root";
constexpr char kAdminA[] = "arn:aws:iam::111111111111:user/admin";
constexpr char kAdminB[] = "arn:aws:iam::222222222222:user/admin";
constexpr char kCarol[] = "arn:aws:iam::111111111111:user/carol";
constexpr char kAlice[] = "arn:aws:iam::111111111111:user/finance-alice";
constexpr char kBob[] = "arn:aws:iam::111111111111:user/auditor-bob";
constexpr char kAuditorRole[] = "arn:aws:iam::111111111111:role/FinanceAuditor";
constexpr char kAuditorSession[] = "arn:aws:sts::111111111111:assumed-role/FinanceAuditor/ext";

SnapshotPtr Apply(SnapshotPtr base, const std::vector<pdp::v1::Change>& changes) {
  absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(std::move(base), changes);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : nullptr;
}

// The demo world plus a session of FinanceAuditor whose session policy
// allows only Cost Explorer.
SnapshotPtr DemoWorld() {
  static const SnapshotPtr world = [] {
    absl::StatusOr<std::vector<pdp::v1::Change>> changes =
        ReadWorldFile(test::DataPath("demo-world.yaml"));
    EXPECT_TRUE(changes.ok()) << changes.status();
    pdp::v1::Change session;
    auto* s = session.mutable_put_role_session()->mutable_session();
    s->set_arn(kAuditorSession);
    s->set_policy(test::AllowDoc({"ce:*"}));
    changes->push_back(session);
    return Apply(test::EmptyShippedSnapshot(), *changes);
  }();
  return world;
}

pdp::v1::WhoCanRequest PageQuestion(const std::string& account, const std::string& page,
                                    pdp::v1::Access access = pdp::v1::VIEW,
                                    bool include_denied = false) {
  pdp::v1::WhoCanRequest r;
  r.set_account_id(account);
  r.mutable_page()->set_page_id(page);
  r.mutable_page()->set_access(access);
  r.set_include_denied(include_denied);
  return r;
}

// (principal, kind, effect, reason) of each entry, in order.
using Row = std::tuple<std::string, std::string, pdp::v1::Effect, pdp::v1::Reason>;
std::vector<Row> Rows(const pdp::v1::WhoCanResponse& r) {
  std::vector<Row> out;
  for (const auto& p : r.principals()) {
    out.emplace_back(p.principal(), p.kind(), p.decision().effect(), p.decision().reason());
  }
  return out;
}

pdp::v1::WhoCanResponse AskWhoCan(const Snapshot& snapshot, const pdp::v1::WhoCanRequest& r) {
  absl::StatusOr<pdp::v1::WhoCanResponse> response = WhoCan(snapshot, r);
  EXPECT_TRUE(response.ok()) << response.status();
  return response.ok() ? *response : pdp::v1::WhoCanResponse();
}

TEST(PrincipalsOfTest, RootFirstThenUsersRolesAndSessionsByArn) {
  const AccountState* a = DemoWorld()->FindAccount(kA);
  ASSERT_NE(a, nullptr);
  std::vector<std::pair<std::string, std::string>> got;
  for (const AccountPrincipal& p : PrincipalsOf(*a)) got.emplace_back(p.arn, p.kind);
  EXPECT_THAT(got, ElementsAre(Pair(kRootA, "root"), Pair(kAuditorRole, "role"),
                               Pair(kAdminA, "user"), Pair(kBob, "user"), Pair(kCarol, "user"),
                               Pair("arn:aws:iam::111111111111:user/dave", "user"),
                               Pair(kAlice, "user"), Pair(kAuditorSession, "role_session")));
}

TEST(WhoCanTest, ListsRootAndAllowedPrincipalsWithReasons) {
  pdp::v1::WhoCanResponse r = AskWhoCan(*DemoWorld(), PageQuestion(kA, "billing_bills"));
  EXPECT_EQ(r.revision(), DemoWorld()->revision());
  // Carol has no policies; the session's policy allows only ce:*.
  EXPECT_THAT(Rows(r), ElementsAre(Row(kRootA, "root", ALLOW, pdp::v1::ROOT_USER),
                                   Row(kAuditorRole, "role", ALLOW, pdp::v1::ALLOWED_BY_POLICY),
                                   Row(kAdminA, "user", ALLOW, pdp::v1::ALLOWED_BY_POLICY),
                                   Row(kBob, "user", ALLOW, pdp::v1::ALLOWED_BY_POLICY),
                                   Row("arn:aws:iam::111111111111:user/dave", "user", ALLOW,
                                       pdp::v1::ALLOWED_BY_POLICY),
                                   Row(kAlice, "user", ALLOW, pdp::v1::ALLOWED_BY_POLICY)));
  for (const auto& p : r.principals()) {
    EXPECT_THAT(p.decision().available_features(), ::testing::Not(IsEmpty())) << p.principal();
  }
}

TEST(WhoCanTest, IncludeDeniedGivesEveryPrincipalWithItsReason) {
  pdp::v1::WhoCanResponse r =
      AskWhoCan(*DemoWorld(), PageQuestion(kA, "billing_payment_methods", pdp::v1::VIEW, true));
  ASSERT_EQ(r.principals_size(), 8);
  auto reason_of = [&](const std::string& arn) {
    for (const auto& p : r.principals()) {
      if (p.principal() == arn) return p.decision().reason();
    }
    return pdp::v1::REASON_UNSPECIFIED;
  };
  EXPECT_EQ(reason_of(kRootA), pdp::v1::ROOT_USER);
  EXPECT_EQ(reason_of(kBob), pdp::v1::EXPLICIT_DENY);
  EXPECT_EQ(reason_of(kCarol), pdp::v1::IMPLICIT_DENY);
  EXPECT_EQ(reason_of(kAuditorSession), pdp::v1::SESSION_POLICY_NO_ALLOW);
  EXPECT_EQ(reason_of(kAdminA), pdp::v1::ALLOWED_BY_POLICY);
}

TEST(WhoCanTest, EveryAnswerIsWhatDecideSays) {
  for (const char* page : {"billing_bills", "billing_payment_methods", "cm_cost_anomaly_detection",
                           "billing_preferences"}) {
    for (pdp::v1::Access access : {pdp::v1::VIEW, pdp::v1::MODIFY}) {
      pdp::v1::WhoCanResponse r = AskWhoCan(*DemoWorld(), PageQuestion(kA, page, access, true));
      for (const auto& p : r.principals()) {
        pdp::v1::AuthorizeRequest ask;
        ask.set_principal(p.principal());
        ask.mutable_page()->set_page_id(page);
        ask.mutable_page()->set_access(access);
        absl::StatusOr<pdp::v1::Decision> d = Decide(*DemoWorld(), ask);
        ASSERT_TRUE(d.ok()) << d.status();
        EXPECT_EQ(d->SerializeAsString(), p.decision().SerializeAsString())
            << p.principal() << " " << page;
      }
    }
  }
}

TEST(WhoCanTest, IamAccessOffRemovesUsersButNotRoot) {
  EXPECT_THAT(Rows(AskWhoCan(*DemoWorld(), PageQuestion(kB, "billing_bills"))),
              ElementsAre(Row(kRootB, "root", ALLOW, pdp::v1::ROOT_USER)));
  EXPECT_THAT(Rows(AskWhoCan(*DemoWorld(), PageQuestion(kB, "billing_bills", pdp::v1::VIEW, true))),
              ElementsAre(Row(kRootB, "root", ALLOW, pdp::v1::ROOT_USER),
                          Row(kAdminB, "user", DENY, pdp::v1::IAM_ACCESS_NOT_ACTIVATED)));
  // A page the setting does not control: AdministratorAccess is enough.
  EXPECT_THAT(Rows(AskWhoCan(*DemoWorld(), PageQuestion(kB, "cm_savings_plans_overview"))),
              ElementsAre(Row(kRootB, "root", ALLOW, pdp::v1::ROOT_USER),
                          Row(kAdminB, "user", ALLOW, pdp::v1::ALLOWED_BY_POLICY)));
}

TEST(WhoCanTest, Actions) {
  pdp::v1::WhoCanRequest r;
  r.set_account_id(kA);
  r.mutable_action()->set_action("billing:UpdateIAMAccessPreference");
  r.set_include_denied(true);
  pdp::v1::WhoCanResponse response = AskWhoCan(*DemoWorld(), r);
  ASSERT_EQ(response.principals_size(), 8);
  for (const auto& p : response.principals()) {
    EXPECT_EQ(p.decision().reason(), p.kind() == "root" ? pdp::v1::ROOT_USER : pdp::v1::ROOT_ONLY)
        << p.principal();
  }
}

TEST(WhoCanTest, InvalidQuestionsNameTheField) {
  auto field_of = [](const pdp::v1::WhoCanRequest& r, absl::StatusCode code) {
    absl::StatusOr<pdp::v1::WhoCanResponse> response = WhoCan(*DemoWorld(), r);
    EXPECT_EQ(response.status().code(), code) << response.status();
    return test::FieldOf(response.status());
  };
  const auto invalid = absl::StatusCode::kInvalidArgument;
  EXPECT_EQ(field_of(PageQuestion("", "billing_bills"), invalid), "account_id");
  EXPECT_EQ(field_of(PageQuestion("1111", "billing_bills"), invalid), "account_id");
  EXPECT_EQ(field_of(PageQuestion(kA, "no_such_page"), invalid), "page.page_id");
  EXPECT_EQ(field_of(PageQuestion(kA, "billing_bills", pdp::v1::ACCESS_UNSPECIFIED), invalid),
            "page.access");
  pdp::v1::WhoCanRequest no_target;
  no_target.set_account_id(kA);
  EXPECT_EQ(field_of(no_target, invalid), "target");
  pdp::v1::WhoCanRequest bad_action = no_target;
  bad_action.mutable_action()->set_action("billing:*");
  EXPECT_EQ(field_of(bad_action, invalid), "action.action");
  pdp::v1::WhoCanRequest principal_key = PageQuestion(kA, "billing_bills");
  (*principal_key.mutable_context()->mutable_keys())["aws:username"].add_values("admin");
  EXPECT_THAT(field_of(principal_key, invalid), ::testing::StartsWith("context"));
  // A well-formed question about an account that does not exist.
  EXPECT_EQ(field_of(PageQuestion("999999999999", "billing_bills"), absl::StatusCode::kNotFound),
            "account_id");
}

// ---- WhoCan pages -------------------------------------------------------------------

// Every page of `r` (as a client would walk them), with each page's size.
std::vector<Row> WalkPages(const Snapshot& snapshot, pdp::v1::WhoCanRequest r,
                           std::vector<int>* page_sizes, int max_evaluated = kMaxWhoCanEvaluated) {
  std::vector<Row> all;
  for (int guard = 0; guard < 100; ++guard) {
    absl::StatusOr<pdp::v1::WhoCanResponse> page = WhoCan(snapshot, r, {}, max_evaluated);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) break;
    for (Row& row : Rows(*page)) all.push_back(std::move(row));
    page_sizes->push_back(page->principals_size());
    if (page->next_page_token().empty()) break;
    r.set_page_token(page->next_page_token());
  }
  return all;
}

TEST(WhoCanPagesTest, PagesListEveryPrincipalOnceInOrder) {
  const SnapshotPtr world = DemoWorld();
  pdp::v1::WhoCanRequest everyone = PageQuestion(kA, "billing_bills", pdp::v1::VIEW, true);
  const std::vector<Row> whole = Rows(AskWhoCan(*world, everyone));
  ASSERT_EQ(whole.size(), 8u);
  EXPECT_TRUE(AskWhoCan(*world, everyone).next_page_token().empty());

  everyone.set_page_size(3);
  std::vector<int> sizes;
  EXPECT_EQ(WalkPages(*world, everyone, &sizes), whole);
  EXPECT_THAT(sizes, ElementsAre(3, 3, 2));

  // A page that ends with the last principal has no next one.
  everyone.set_page_size(4);
  sizes.clear();
  EXPECT_EQ(WalkPages(*world, everyone, &sizes), whole);
  EXPECT_THAT(sizes, ElementsAre(4, 4));
}

TEST(WhoCanPagesTest, EachCallDecidesForABoundedNumberOfPrincipals) {
  const SnapshotPtr world = DemoWorld();
  const pdp::v1::WhoCanRequest allowed = PageQuestion(kA, "billing_bills");
  const std::vector<Row> whole = Rows(AskWhoCan(*world, allowed));
  ASSERT_GE(whole.size(), 2u);
  ASSERT_LT(whole.size(), 8u);
  // Two decisions per call: pages hold fewer than page_size, some none,
  // and the walk still finds each allowed principal once.
  std::vector<int> sizes;
  EXPECT_EQ(WalkPages(*world, allowed, &sizes, /*max_evaluated=*/2), whole);
  EXPECT_EQ(sizes.size(), 4u);  // 8 principals, 2 per call
  for (int n : sizes) EXPECT_LE(n, 2);
}

TEST(WhoCanPagesTest, PrincipalsAddedBetweenPagesAppearByTheirPlace) {
  const SnapshotPtr world = DemoWorld();
  pdp::v1::WhoCanRequest r = PageQuestion(kA, "billing_bills", pdp::v1::VIEW, true);
  r.set_page_size(3);  // root, the role, admin
  pdp::v1::WhoCanResponse first = AskWhoCan(*world, r);
  ASSERT_FALSE(first.next_page_token().empty());
  std::vector<pdp::v1::Change> users;
  for (const char* arn :
       {"arn:aws:iam::111111111111:user/aaa", "arn:aws:iam::111111111111:user/zzz"}) {
    pdp::v1::Change c;
    c.mutable_put_user()->mutable_user()->set_arn(arn);
    users.push_back(c);
  }
  const SnapshotPtr later = Apply(world, users);
  r.set_page_token(first.next_page_token());
  r.set_page_size(100);
  std::vector<std::string> rest;
  for (const Row& row : Rows(AskWhoCan(*later, r))) rest.push_back(std::get<0>(row));
  EXPECT_THAT(rest, ElementsAre(kBob, kCarol, "arn:aws:iam::111111111111:user/dave", kAlice,
                                "arn:aws:iam::111111111111:user/zzz", kAuditorSession));
}

TEST(WhoCanPagesTest, BadPageSizesAndTokensAreRefused) {
  const SnapshotPtr world = DemoWorld();
  auto field_of = [&](const pdp::v1::WhoCanRequest& r) {
    absl::StatusOr<pdp::v1::WhoCanResponse> response = WhoCan(*world, r);
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument) << response.status();
    return test::FieldOf(response.status());
  };
  pdp::v1::WhoCanRequest r = PageQuestion(kA, "billing_bills", pdp::v1::VIEW, true);
  r.set_page_size(-1);
  EXPECT_EQ(field_of(r), "page_size");
  r.set_page_size(kMaxWhoCanPageSize + 1);
  EXPECT_EQ(field_of(r), "page_size");
  r.set_page_size(kMaxWhoCanPageSize);
  EXPECT_TRUE(WhoCan(*world, r).ok());

  r.set_page_size(2);
  const std::string token = AskWhoCan(*world, r).next_page_token();
  ASSERT_FALSE(token.empty());
  for (const std::string& garbage : {std::string("garbage"), std::string("d2MxOg"), token + "x",
                                     token.substr(0, token.size() / 2), std::string(20000, 'A')}) {
    pdp::v1::WhoCanRequest bad = r;
    bad.set_page_token(garbage);
    EXPECT_EQ(field_of(bad), "page_token") << garbage.substr(0, 40);
  }
  // A token longer than any handed out is refused before it is decoded.
  {
    pdp::v1::WhoCanRequest bad = r;
    bad.set_page_token(std::string(kMaxPageTokenBytes + 1, 'A'));
    EXPECT_EQ(field_of(bad), "page_token");
  }
  // Another question's token: never silently a first page.
  std::vector<pdp::v1::WhoCanRequest> others(4, r);
  others[0].mutable_page()->set_page_id("billing_home");
  others[1].set_include_denied(false);
  others[2].set_account_id(kB);
  (*others[3].mutable_context()->mutable_keys())["aws:SourceIp"].add_values("10.0.0.1");
  for (pdp::v1::WhoCanRequest& other : others) {
    other.set_page_token(token);
    absl::StatusOr<pdp::v1::WhoCanResponse> response = WhoCan(*world, other);
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(test::FieldOf(response.status()), "page_token") << other.ShortDebugString();
    EXPECT_THAT(response.status().message(), ::testing::HasSubstr("another query"));
  }
  // The page size and min_revision may change from page to page.
  pdp::v1::WhoCanRequest same = r;
  same.set_page_token(token);
  same.set_page_size(50);
  same.set_min_revision(7);
  absl::StatusOr<pdp::v1::WhoCanResponse> rest = WhoCan(*world, same);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(rest->principals_size(), 6);
}

// ---- AccessDifferences ------------------------------------------------------------

std::vector<pdp::v1::AccessDifference> Differences(const Snapshot& before, const Snapshot& after,
                                                   const std::vector<std::string>& accounts,
                                                   size_t limit = 100000,
                                                   bool* truncated = nullptr) {
  absl::StatusOr<std::vector<pdp::v1::AccessDifference>> d =
      AccessDifferences(before, after, accounts, limit, truncated);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *d : std::vector<pdp::v1::AccessDifference>();
}

const CatalogPage& Page(const std::string& id) {
  const CatalogPage* page = test::ShippedCatalog()->Find(id);
  EXPECT_NE(page, nullptr) << id;
  return *page;
}

TEST(AccessDifferencesTest, TurningIamAccessOnGivesUsersTheGatedPages) {
  SnapshotPtr before = DemoWorld();
  SnapshotPtr after = Apply(before, {test::UpdateSettings(kB, kRootB, {"iam_access_to_billing"},
                                                          true, pdp::v1::FINE_GRAINED)});
  std::vector<pdp::v1::AccessDifference> diff = Differences(*before, *after, {kA, kB});
  ASSERT_FALSE(diff.empty());
  // Every gated page the administrator can VIEW afterwards is a gain (its
  // AdministratorAccess was held back by the setting alone).
  std::set<std::string> viewable_after;
  for (const CatalogPage& page : test::ShippedCatalog()->pages()) {
    if (!page.iam_access_gated) continue;
    pdp::v1::AuthorizeRequest ask;
    ask.set_principal(kAdminB);
    ask.mutable_page()->set_page_id(page.id);
    ask.mutable_page()->set_access(pdp::v1::VIEW);
    absl::StatusOr<pdp::v1::Decision> d = Decide(*after, ask);
    ASSERT_TRUE(d.ok()) << d.status();
    if (d->effect() == ALLOW) viewable_after.insert(page.id);
  }
  EXPECT_THAT(viewable_after, ::testing::Contains("billing_bills"));
  std::set<std::string> view_gains;
  for (const auto& d : diff) {
    // Only the administrator of 222222222222 changes; root and 111111111111 do not.
    EXPECT_EQ(d.principal(), kAdminB);
    EXPECT_EQ(d.account_id(), kB);
    EXPECT_TRUE(Page(d.page_id()).iam_access_gated) << d.page_id();
    EXPECT_EQ(d.before().reason(), pdp::v1::IAM_ACCESS_NOT_ACTIVATED) << d.page_id();
    EXPECT_NE(d.after().reason(), pdp::v1::IAM_ACCESS_NOT_ACTIVATED) << d.page_id();
    EXPECT_EQ(d.before().revision(), before->revision());
    EXPECT_EQ(d.after().revision(), after->revision());
    if (d.access() == pdp::v1::VIEW && d.after().effect() == ALLOW) view_gains.insert(d.page_id());
  }
  EXPECT_EQ(view_gains, viewable_after);
  // The same, asked about 222222222222 alone.
  EXPECT_EQ(Differences(*before, *after, {kB}).size(), diff.size());
  EXPECT_THAT(Differences(*before, *after, {kA}), IsEmpty());
}

TEST(AccessDifferencesTest, AttachingADenyPolicyLosesThePage) {
  SnapshotPtr before = DemoWorld();
  const std::string deny = "arn:aws:iam::111111111111:policy/DenyBills";
  SnapshotPtr after =
      Apply(before, {test::CreatePolicy(deny, test::DenyDoc({"billing:GetBillingData"})),
                     test::Attach(kAdminA, deny)});
  std::vector<pdp::v1::AccessDifference> diff = Differences(*before, *after, {kA});
  ASSERT_FALSE(diff.empty());
  bool lost_bills = false;
  for (const auto& d : diff) {
    EXPECT_EQ(d.principal(), kAdminA);
    EXPECT_EQ(d.before().effect(), ALLOW) << d.page_id();
    EXPECT_EQ(d.after().effect(), DENY) << d.page_id();
    EXPECT_EQ(d.after().reason(), pdp::v1::EXPLICIT_DENY) << d.page_id();
    lost_bills = lost_bills || (d.page_id() == "billing_bills" && d.access() == pdp::v1::VIEW);
  }
  EXPECT_TRUE(lost_bills);
}

TEST(AccessDifferencesTest, DeletedUserIsDecidedAsUnknownOnTheAfterSide) {
  SnapshotPtr before = DemoWorld();
  SnapshotPtr after = Apply(before, {test::DeleteEntity(kAlice)});
  std::vector<pdp::v1::AccessDifference> diff = Differences(*before, *after, {kA});
  // Every page and access level: no decision before was UNKNOWN_PRINCIPAL.
  ASSERT_EQ(diff.size(), 2 * test::ShippedCatalog()->pages().size());
  for (const auto& d : diff) {
    EXPECT_EQ(d.principal(), kAlice);
    EXPECT_EQ(d.after().effect(), DENY);
    EXPECT_EQ(d.after().reason(), pdp::v1::UNKNOWN_PRINCIPAL);
  }
  // And the other way round: a principal only the after side has.
  std::vector<pdp::v1::AccessDifference> back = Differences(*after, *before, {kA});
  ASSERT_EQ(back.size(), diff.size());
  EXPECT_EQ(back[0].before().reason(), pdp::v1::UNKNOWN_PRINCIPAL);
}

TEST(AccessDifferencesTest, OrderedByAccountPrincipalPageAndAccessAndLimited) {
  SnapshotPtr before = DemoWorld();
  // Changes in both accounts: root of a new account, a user of 111111111111.
  SnapshotPtr after = Apply(before, {test::CreateAccount("444444444444", false),
                                     test::DeleteEntity(kCarol), test::DeleteEntity(kAlice)});
  std::vector<pdp::v1::AccessDifference> diff =
      Differences(*before, *after, {"444444444444", kA, kA});
  ASSERT_FALSE(diff.empty());
  auto page_index = [](const std::string& id) {
    const auto& pages = test::ShippedCatalog()->pages();
    for (size_t i = 0; i < pages.size(); ++i) {
      if (pages[i].id == id) return i;
    }
    return pages.size();
  };
  auto key = [&](const pdp::v1::AccessDifference& d) {
    return std::make_tuple(d.account_id(), !absl::EndsWith(d.principal(), ":root"), d.principal(),
                           page_index(d.page_id()), static_cast<int>(d.access()));
  };
  for (size_t i = 1; i < diff.size(); ++i) {
    EXPECT_LT(key(diff[i - 1]), key(diff[i])) << i;  // strictly: each triple once
  }
  EXPECT_EQ(diff.front().account_id(), kA);
  EXPECT_EQ(diff.front().principal(), kCarol);  // carol < finance-alice
  EXPECT_EQ(diff.back().account_id(), "444444444444");
  EXPECT_EQ(diff.back().principal(), "arn:aws:iam::444444444444:root");
  EXPECT_EQ(diff.back().before().reason(), pdp::v1::UNKNOWN_PRINCIPAL);
  bool root_gains_bills = false;
  for (const auto& d : diff) {
    root_gains_bills = root_gains_bills ||
                       (d.principal() == "arn:aws:iam::444444444444:root" &&
                        d.page_id() == "billing_bills" && d.after().reason() == pdp::v1::ROOT_USER);
  }
  EXPECT_TRUE(root_gains_bills);

  bool truncated = false;
  std::vector<pdp::v1::AccessDifference> first =
      Differences(*before, *after, {kA, "444444444444"}, 3, &truncated);
  EXPECT_TRUE(truncated);
  ASSERT_EQ(first.size(), 3u);
  for (size_t i = 0; i < 3; ++i)
    EXPECT_EQ(first[i].SerializeAsString(), diff[i].SerializeAsString());
  Differences(*before, *after, {kA, "444444444444"}, diff.size(), &truncated);
  EXPECT_FALSE(truncated);
}

TEST(AccessDifferencesTest, NoChangeNoDifferences) {
  SnapshotPtr before = DemoWorld();
  SnapshotPtr after = Apply(before, {});
  bool truncated = true;
  EXPECT_THAT(Differences(*before, *after, {kA, kB, "333333333333", "999999999999"}, 0, &truncated),
              IsEmpty());
  EXPECT_FALSE(truncated);
}

TEST(AccessDifferencesTest, MalformedAccountIdIsInvalid) {
  absl::StatusOr<std::vector<pdp::v1::AccessDifference>> d =
      AccessDifferences(*DemoWorld(), *DemoWorld(), {kA, "12"}, 10, nullptr);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(test::FieldOf(d.status()), "account_ids[1]");
}

}  // namespace
}  // namespace pdp
