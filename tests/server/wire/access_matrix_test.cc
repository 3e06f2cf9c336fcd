#include "server/wire/access_matrix.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/wire/questions.h"
#include "server/wire/wire_decide.h"
#include "tests/support/test_support.h"
#include "world/world_file.h"

namespace pdp {
namespace {

using pdp::v1::AccessMatrixCell;
using pdp::v1::AccessMatrixRequest;
using pdp::v1::AccessMatrixResponse;
using ::testing::ElementsAre;

// data/demo-org-world.yaml: o-demoorg0001, management account 111111111111,
// 222222222222 under Engineering (an SCP allow list without payments:*),
// 444444444444 under Platform (an SCP denies ce:*), a role with a
// permissions boundary; plus, in 222222222222, a user whose inline policy
// explicitly denies billing and payments (the payments deny meets the SCP
// level that lacks an allow), a user allowed only with MFA, and a
// registered role session.
constexpr char kOrg[] = "o-demoorg0001";
constexpr char k111[] = "111111111111";
constexpr char k222[] = "222222222222";
constexpr char k444[] = "444444444444";
constexpr char kDenied[] = "arn:aws:iam::222222222222:user/denied";
constexpr char kMfa[] = "arn:aws:iam::222222222222:user/mfa-only";
constexpr char kAdmin222[] = "arn:aws:iam::222222222222:user/admin";
constexpr char kAdmin444[] = "arn:aws:iam::444444444444:user/admin";
constexpr char kRoot444[] = "arn:aws:iam::444444444444:root";

constexpr char kExtra[] = R"(
accounts:
  - id: "555555555555"
    name: standalone-without-cost-explorer
    iam_access_to_billing: true
users:
  - arn: arn:aws:iam::555555555555:user/admin
    attached_policies: [arn:aws:iam::aws:policy/AdministratorAccess]
  - arn: arn:aws:iam::222222222222:user/denied
    attached_policies: [arn:aws:iam::aws:policy/AdministratorAccess]
    inline_policies:
      - name: guard
        document:
          Version: "2012-10-17"
          Statement:
            - {Sid: NoBilling, Effect: Deny, Action: ["billing:*", "payments:*"], Resource: "*"}
  - arn: arn:aws:iam::222222222222:user/mfa-only
    inline_policies:
      - name: with-mfa
        document:
          Version: "2012-10-17"
          Statement:
            - Sid: BillingWithMfa
              Effect: Allow
              Action: "billing:*"
              Resource: "*"
              Condition: {Bool: {"aws:MultiFactorAuthPresent": "true"}}
roles:
  - arn: arn:aws:iam::222222222222:role/Ops
    attached_policies: [arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess]
role_sessions:
  - arn: arn:aws:sts::222222222222:assumed-role/Ops/night
    policy: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "ce:*", Resource: "*"}]}
)";

SnapshotPtr OrgWorld(bool iam_access_222) {
  absl::StatusOr<std::vector<pdp::v1::Change>> changes =
      ReadWorldFile(test::DataPath("demo-org-world.yaml"));
  EXPECT_TRUE(changes.ok()) << changes.status();
  absl::StatusOr<std::vector<pdp::v1::Change>> extra = WorldToChanges(kExtra);
  EXPECT_TRUE(extra.ok()) << extra.status();
  changes->insert(changes->end(), extra->begin(), extra->end());
  pdp::v1::Change iam;
  auto* u = iam.mutable_update_account_settings();
  u->set_account_id(k222);
  u->set_actor("arn:aws:iam::222222222222:root");
  u->mutable_settings()->set_iam_access_to_billing(iam_access_222);
  u->add_update_mask("iam_access_to_billing");
  changes->push_back(iam);
  absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(test::EmptyShippedSnapshot(), *changes);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : nullptr;
}

// Every message of a matrix, or its error.
struct MatrixRun {
  absl::Status status;
  std::vector<AccessMatrixResponse> messages;
};

MatrixRun Matrix(const Snapshot& snapshot, const AccessMatrixRequest& request,
                 AccessMatrixOptions options = {}) {
  MatrixRun run;
  run.status = AccessMatrix(
      snapshot, request,
      [&](const AccessMatrixResponse& m) {
        run.messages.push_back(m);
        return true;
      },
      options);
  return run;
}

AccessMatrixRequest ForOrg(const std::string& org) {
  AccessMatrixRequest r;
  r.set_organization_id(org);
  return r;
}

AccessMatrixRequest ForAccount(const std::string& account) {
  AccessMatrixRequest r;
  r.set_account_id(account);
  return r;
}

std::vector<pdp::v1::AccessMatrixRow> Rows(const MatrixRun& run) {
  std::vector<pdp::v1::AccessMatrixRow> out;
  for (const auto& m : run.messages) out.insert(out.end(), m.rows().begin(), m.rows().end());
  return out;
}

// WhoCan's answer (every principal, denied included) for one page and access.
std::vector<pdp::v1::PrincipalDecision> WhoCanAll(const Snapshot& s, const std::string& account,
                                                  const std::string& page, pdp::v1::Access access,
                                                  const pdp::v1::RequestContext& context = {}) {
  pdp::v1::WhoCanRequest r;
  r.set_account_id(account);
  r.mutable_page()->set_page_id(page);
  r.mutable_page()->set_access(access);
  r.set_include_denied(true);
  *r.mutable_context() = context;
  absl::StatusOr<pdp::v1::WhoCanResponse> answer = WhoCan(s, r);
  EXPECT_TRUE(answer.ok()) << answer.status();
  EXPECT_TRUE(answer->next_page_token().empty());
  return {answer->principals().begin(), answer->principals().end()};
}

const AccessMatrixCell* CellOf(const MatrixRun& run, const std::string& principal,
                               const std::string& page) {
  int column = -1;
  for (int i = 0; i < run.messages.at(0).pages_size(); ++i) {
    if (run.messages[0].pages(i).id() == page) column = i;
  }
  if (column < 0) return nullptr;
  for (const auto& m : run.messages) {
    for (const auto& row : m.rows()) {
      if (row.principal() == principal) return &row.cells(column);
    }
  }
  return nullptr;
}

class MatrixAgreesWithWhoCan : public ::testing::TestWithParam<bool> {};

// Every cell of the organization's matrix against WhoCan's VIEW and MODIFY
// answers for the same page: same principals in the same order, and the
// access, reason and view_reason the cell rule gives from those decisions.
TEST_P(MatrixAgreesWithWhoCan, EveryCellEveryPageBothAccesses) {
  SnapshotPtr world = OrgWorld(GetParam());
  ASSERT_NE(world, nullptr);
  MatrixRun run = Matrix(*world, ForOrg(kOrg));
  ASSERT_TRUE(run.status.ok()) << run.status;
  ASSERT_FALSE(run.messages.empty());
  const auto& pages = world->catalog().pages();
  ASSERT_EQ(run.messages[0].pages_size(), static_cast<int>(pages.size()));
  for (size_t i = 0; i < pages.size(); ++i) {
    EXPECT_EQ(run.messages[0].pages(static_cast<int>(i)).id(), pages[i].id);
  }
  for (const auto& m : run.messages) EXPECT_EQ(m.revision(), world->revision());

  const std::vector<pdp::v1::AccessMatrixRow> rows = Rows(run);
  size_t next = 0;
  std::map<pdp::v1::Reason, int> reasons_seen;
  for (const std::string account : {k111, k222, k444}) {  // id order
    std::map<std::string, std::vector<pdp::v1::PrincipalDecision>> view, modify;
    for (const CatalogPage& page : pages) {
      view[page.id] = WhoCanAll(*world, account, page.id, pdp::v1::VIEW);
      modify[page.id] = WhoCanAll(*world, account, page.id, pdp::v1::MODIFY);
    }
    const auto& principals = view.begin()->second;
    for (size_t p = 0; p < principals.size(); ++p, ++next) {
      ASSERT_LT(next, rows.size());
      const pdp::v1::AccessMatrixRow& row = rows[next];
      EXPECT_EQ(row.account_id(), account);
      ASSERT_EQ(row.principal(), principals[p].principal());
      EXPECT_EQ(row.kind(), principals[p].kind());
      ASSERT_EQ(row.cells_size(), static_cast<int>(pages.size()));
      for (size_t c = 0; c < pages.size(); ++c) {
        const std::string& id = pages[c].id;
        const pdp::v1::Decision& v = view[id][p].decision();
        const pdp::v1::Decision& mo = modify[id][p].decision();
        ASSERT_EQ(modify[id][p].principal(), row.principal());
        const AccessMatrixCell& cell = row.cells(static_cast<int>(c));
        SCOPED_TRACE(row.principal() + " " + id);
        if (mo.effect() == pdp::v1::ALLOW) {
          EXPECT_EQ(cell.access(), pdp::v1::MODIFY);
        } else if (v.effect() == pdp::v1::ALLOW) {
          EXPECT_EQ(cell.access(), pdp::v1::VIEW);
        } else {
          EXPECT_EQ(cell.access(), pdp::v1::ACCESS_UNSPECIFIED);
        }
        const bool some = cell.access() != pdp::v1::ACCESS_UNSPECIFIED;
        EXPECT_EQ(cell.reason(), some ? mo.reason() : v.reason());
        EXPECT_EQ(cell.view_reason(), some ? v.reason() : pdp::v1::REASON_UNSPECIFIED);
        const bool named = cell.reason() == pdp::v1::EXPLICIT_DENY ||
                           cell.reason() == pdp::v1::SCP_DENY ||
                           cell.reason() == pdp::v1::ALLOWED_BY_POLICY;
        EXPECT_EQ(!cell.statement().empty(), named) << cell.statement();
        ++reasons_seen[cell.reason()];
      }
    }
  }
  EXPECT_EQ(next, rows.size());
  // The world exercises the gates this test is about.
  for (pdp::v1::Reason r : {pdp::v1::ROOT_USER, pdp::v1::ALLOWED_BY_POLICY, pdp::v1::EXPLICIT_DENY,
                            pdp::v1::SCP_DENY, pdp::v1::SCP_NO_ALLOW, pdp::v1::IMPLICIT_DENY,
                            pdp::v1::BOUNDARY_NO_ALLOW, pdp::v1::ACCESS_LEVEL_NOT_OFFERED}) {
    EXPECT_GT(reasons_seen[r], 0) << pdp::v1::Reason_Name(r);
  }
  EXPECT_EQ(reasons_seen[pdp::v1::IAM_ACCESS_NOT_ACTIVATED] > 0, !GetParam());
}

INSTANTIATE_TEST_SUITE_P(IamAccess, MatrixAgreesWithWhoCan, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "On" : "Off"; });

TEST(AccessMatrixTest, NamesTheDecidingStatement) {
  SnapshotPtr world = OrgWorld(true);
  MatrixRun run = Matrix(*world, ForOrg(kOrg));
  ASSERT_TRUE(run.status.ok()) << run.status;

  // An explicit deny in the user's inline policy (statement with a Sid).
  const AccessMatrixCell* bills = CellOf(run, kDenied, "billing_bills");
  ASSERT_NE(bills, nullptr);
  EXPECT_EQ(bills->access(), pdp::v1::ACCESS_UNSPECIFIED);
  EXPECT_EQ(bills->reason(), pdp::v1::EXPLICIT_DENY);
  EXPECT_EQ(bills->statement(), "arn:aws:iam::222222222222:user/denied#inline/guard#NoBilling");
  // payments:* has no allow in Engineering's SCPs: the explicit deny still
  // decides, and is named.
  const AccessMatrixCell* payments = CellOf(run, kDenied, "billing_payments");
  ASSERT_NE(payments, nullptr);
  EXPECT_EQ(payments->reason(), pdp::v1::EXPLICIT_DENY);
  EXPECT_EQ(payments->statement(), bills->statement());
  // Without the deny, the same page is the SCP's missing allow: no statement.
  const AccessMatrixCell* admin_payments = CellOf(run, kAdmin222, "billing_payments");
  ASSERT_NE(admin_payments, nullptr);
  EXPECT_EQ(admin_payments->reason(), pdp::v1::SCP_NO_ALLOW);
  EXPECT_EQ(admin_payments->statement(), "");

  // An allow: the first statement that allowed (no Sid: its index).
  const AccessMatrixCell* budgets = CellOf(run, kAdmin222, "billing_budgets");
  ASSERT_NE(budgets, nullptr);
  EXPECT_EQ(budgets->access(), pdp::v1::MODIFY);
  EXPECT_EQ(budgets->reason(), pdp::v1::ALLOWED_BY_POLICY);
  EXPECT_EQ(budgets->view_reason(), pdp::v1::ALLOWED_BY_POLICY);
  EXPECT_EQ(budgets->statement(), "arn:aws:iam::aws:policy/AdministratorAccess#0");
  // VIEW only: the reason is why MODIFY is refused (nothing to modify).
  const AccessMatrixCell* admin_bills = CellOf(run, kAdmin222, "billing_bills");
  ASSERT_NE(admin_bills, nullptr);
  EXPECT_EQ(admin_bills->access(), pdp::v1::VIEW);
  EXPECT_EQ(admin_bills->reason(), pdp::v1::ACCESS_LEVEL_NOT_OFFERED);
  EXPECT_EQ(admin_bills->view_reason(), pdp::v1::ALLOWED_BY_POLICY);
  EXPECT_EQ(admin_bills->statement(), "");

  // An SCP's deny, for a user and for the member's root user alike.
  for (const char* who : {kAdmin444, kRoot444}) {
    const AccessMatrixCell* ce = CellOf(run, who, "billing_cost_explorer");
    ASSERT_NE(ce, nullptr) << who;
    EXPECT_EQ(ce->access(), pdp::v1::ACCESS_UNSPECIFIED) << who;
    EXPECT_EQ(ce->reason(), pdp::v1::SCP_DENY) << who;
    EXPECT_EQ(ce->statement(), "p-nocostexp#0") << who;
  }
  // The root user's allow names no statement.
  const AccessMatrixCell* root_budgets = CellOf(run, kRoot444, "billing_budgets");
  ASSERT_NE(root_budgets, nullptr);
  EXPECT_EQ(root_budgets->access(), pdp::v1::MODIFY);
  EXPECT_EQ(root_budgets->reason(), pdp::v1::ROOT_USER);
  EXPECT_EQ(root_budgets->statement(), "");
}

// billing_cost_categories does not show Cost Explorer data, but its first
// required action (ce:ListCostCategoryDefinitions) alone would meet the
// Cost Explorer gate: the allow's statement still comes from the page.
TEST(AccessMatrixTest, AnAllowsStatementWhereTheFirstActionAloneWouldBeDenied) {
  SnapshotPtr world = OrgWorld(true);
  AccessMatrixRequest r = ForAccount("555555555555");
  r.add_page_ids("billing_cost_categories");
  r.add_page_ids("billing_cost_explorer");
  MatrixRun run = Matrix(*world, r);
  ASSERT_TRUE(run.status.ok()) << run.status;
  const AccessMatrixCell* categories =
      CellOf(run, "arn:aws:iam::555555555555:user/admin", "billing_cost_categories");
  ASSERT_NE(categories, nullptr);
  EXPECT_EQ(categories->access(), pdp::v1::MODIFY);
  EXPECT_EQ(categories->reason(), pdp::v1::ALLOWED_BY_POLICY);
  EXPECT_EQ(categories->statement(), "arn:aws:iam::aws:policy/AdministratorAccess#0");
  const AccessMatrixCell* explorer =
      CellOf(run, "arn:aws:iam::555555555555:user/admin", "billing_cost_explorer");
  ASSERT_NE(explorer, nullptr);
  EXPECT_EQ(explorer->reason(), pdp::v1::COST_EXPLORER_NOT_ENABLED);
  EXPECT_EQ(explorer->statement(), "");
}

TEST(AccessMatrixTest, OneAccountRowsInWhoCanOrderWithSessions) {
  SnapshotPtr world = OrgWorld(true);
  MatrixRun run = Matrix(*world, ForAccount(k222));
  ASSERT_TRUE(run.status.ok()) << run.status;
  std::vector<std::string> got;
  for (const auto& row : Rows(run)) got.push_back(row.principal() + " " + row.kind());
  EXPECT_THAT(got, ElementsAre("arn:aws:iam::222222222222:root root",
                               "arn:aws:iam::222222222222:role/Ops role",
                               "arn:aws:iam::222222222222:user/admin user",
                               "arn:aws:iam::222222222222:user/denied user",
                               "arn:aws:iam::222222222222:user/mfa-only user",
                               "arn:aws:iam::222222222222:user/reader user",
                               "arn:aws:sts::222222222222:assumed-role/Ops/night role_session"));
}

TEST(AccessMatrixTest, ColumnsAreThePagesAskedForInTheirOrder) {
  SnapshotPtr world = OrgWorld(true);
  MatrixRun all = Matrix(*world, ForAccount(k222));
  AccessMatrixRequest r = ForAccount(k222);
  r.add_page_ids("billing_budgets");
  r.add_page_ids("billing_home");
  MatrixRun some = Matrix(*world, r);
  ASSERT_TRUE(some.status.ok()) << some.status;
  ASSERT_EQ(some.messages[0].pages_size(), 2);
  EXPECT_EQ(some.messages[0].pages(0).id(), "billing_budgets");
  EXPECT_EQ(some.messages[0].pages(1).id(), "billing_home");
  const auto rows = Rows(some);
  ASSERT_EQ(rows.size(), Rows(all).size());
  for (const auto& row : rows) {
    ASSERT_EQ(row.cells_size(), 2);
    for (int c = 0; c < 2; ++c) {
      const AccessMatrixCell* full = CellOf(all, row.principal(), some.messages[0].pages(c).id());
      ASSERT_NE(full, nullptr);
      EXPECT_EQ(row.cells(c).SerializeAsString(), full->SerializeAsString()) << row.principal();
    }
  }
}

TEST(AccessMatrixTest, ContextAppliesToEveryCell) {
  SnapshotPtr world = OrgWorld(true);
  AccessMatrixRequest r = ForAccount(k222);
  r.add_page_ids("billing_home");
  MatrixRun without = Matrix(*world, r);
  ASSERT_TRUE(without.status.ok()) << without.status;
  EXPECT_EQ(CellOf(without, kMfa, "billing_home")->reason(), pdp::v1::IMPLICIT_DENY);
  (*r.mutable_context()->mutable_keys())["aws:MultiFactorAuthPresent"].add_values("true");
  MatrixRun with = Matrix(*world, r);
  ASSERT_TRUE(with.status.ok()) << with.status;
  const AccessMatrixCell* cell = CellOf(with, kMfa, "billing_home");
  EXPECT_EQ(cell->access(), pdp::v1::VIEW);
  EXPECT_EQ(cell->view_reason(), pdp::v1::ALLOWED_BY_POLICY);
  // Agrees with WhoCan asked with the same context.
  for (const auto& p : WhoCanAll(*world, k222, "billing_home", pdp::v1::VIEW, r.context())) {
    EXPECT_EQ(CellOf(with, p.principal(), "billing_home")->access() != pdp::v1::ACCESS_UNSPECIFIED,
              p.decision().effect() == pdp::v1::ALLOW)
        << p.principal();
  }
}

TEST(AccessMatrixTest, RequestErrorsNameTheFieldAndSendNothing) {
  SnapshotPtr world = OrgWorld(true);
  auto expect = [&](const AccessMatrixRequest& r, absl::StatusCode code, const std::string& field) {
    MatrixRun run = Matrix(*world, r);
    test::ExpectError(run.status, code, field);
    EXPECT_TRUE(run.messages.empty()) << field;
  };
  expect(AccessMatrixRequest(), absl::StatusCode::kInvalidArgument, "scope");
  expect(ForAccount("12345"), absl::StatusCode::kInvalidArgument, "account_id");
  expect(ForOrg("not-an-org"), absl::StatusCode::kInvalidArgument, "organization_id");
  expect(ForAccount("999999999999"), absl::StatusCode::kNotFound, "account_id");
  expect(ForOrg("o-nosuchorg00"), absl::StatusCode::kNotFound, "organization_id");

  AccessMatrixRequest unknown = ForAccount(k222);
  unknown.add_page_ids("billing_home");
  unknown.add_page_ids("no_such_page");
  expect(unknown, absl::StatusCode::kInvalidArgument, "page_ids[1]");
  AccessMatrixRequest repeated = ForAccount(k222);
  for (const char* id : {"billing_home", "billing_bills", "billing_home"})
    repeated.add_page_ids(id);
  expect(repeated, absl::StatusCode::kInvalidArgument, "page_ids[2]");
  AccessMatrixRequest empty_id = ForAccount(k222);
  empty_id.add_page_ids("");
  expect(empty_id, absl::StatusCode::kInvalidArgument, "page_ids[0]");
  AccessMatrixRequest too_many = ForAccount(k222);
  for (const CatalogPage& p : world->catalog().pages()) too_many.add_page_ids(p.id);
  too_many.add_page_ids("billing_home");
  expect(too_many, absl::StatusCode::kInvalidArgument, "page_ids");
  // A request error wins over an unknown account (as WhoCan).
  AccessMatrixRequest bad_context = ForAccount("999999999999");
  (*bad_context.mutable_context()->mutable_keys())["aws:username"].add_values("x");
  expect(bad_context, absl::StatusCode::kInvalidArgument, "context.keys[aws:username]");
}

TEST(AccessMatrixTest, ChunksStopsAndCancels) {
  SnapshotPtr world = OrgWorld(true);
  AccessMatrixOptions options;
  options.message_rows = 2;
  MatrixRun run = Matrix(*world, ForOrg(kOrg), options);
  ASSERT_TRUE(run.status.ok()) << run.status;
  const size_t rows = Rows(run).size();
  ASSERT_GT(rows, 6u);
  EXPECT_EQ(run.messages.size(), (rows + 1) / 2);
  EXPECT_GT(run.messages[0].pages_size(), 0);
  for (size_t i = 0; i < run.messages.size(); ++i) {
    EXPECT_EQ(run.messages[i].revision(), world->revision());
    if (i > 0) {
      EXPECT_EQ(run.messages[i].pages_size(), 0);
    }
    EXPECT_LE(run.messages[i].rows_size(), 2);
  }
  // The byte bound: one row per message when any row passes it.
  options.message_rows = 1000;
  options.message_bytes = 1;
  MatrixRun tiny = Matrix(*world, ForOrg(kOrg), options);
  ASSERT_TRUE(tiny.status.ok());
  EXPECT_EQ(tiny.messages.size(), rows);

  // The sink stops after the second message: nothing more is sent.
  options.message_rows = 2;
  options.message_bytes = 1 << 20;
  int received = 0;
  absl::Status stopped = AccessMatrix(
      *world, ForOrg(kOrg), [&](const AccessMatrixResponse&) { return ++received < 2; }, options);
  EXPECT_EQ(stopped.code(), absl::StatusCode::kCancelled) << stopped;
  EXPECT_EQ(received, 2);

  // options.stop is asked before each principal.
  int asked = 0;
  options.stop = [&] { return ++asked > 3; };
  MatrixRun cancelled = Matrix(*world, ForOrg(kOrg), options);
  EXPECT_EQ(cancelled.status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(asked, 4);
  EXPECT_EQ(Rows(cancelled).size(), 2u);  // the third row's message was never full
}

TEST(AccessMatrixTest, ASmallMatrixIsOneMessageWithColumnsAndRows) {
  SnapshotPtr world = OrgWorld(true);
  AccessMatrixRequest r = ForAccount(k111);
  r.add_page_ids("billing_home");
  MatrixRun run = Matrix(*world, r);
  ASSERT_TRUE(run.status.ok()) << run.status;
  ASSERT_EQ(run.messages.size(), 1u);
  EXPECT_EQ(run.messages[0].pages_size(), 1);
  ASSERT_GE(run.messages[0].rows_size(), 1);
  EXPECT_EQ(run.messages[0].rows(0).principal(), "arn:aws:iam::111111111111:root");
}

}  // namespace
}  // namespace pdp
