// A small access matrix built by hand for the renderer and browser tests:
// two accounts, four principals (one with a comma in its name, one whose
// name and statement are markup), four pages (one of each console, two of
// Billing), every kind of cell (MODIFY, VIEW, explicit and implicit deny).
#ifndef PDP_TESTS_CLIENT_MATRIX_FIXTURE_H_
#define PDP_TESTS_CLIENT_MATRIX_FIXTURE_H_

#include <string>

#include "pdp/v1/authorization.pb.h"

namespace pdp::testing {

inline constexpr char kAlice[] = "arn:aws:iam::111111111111:user/alice";
inline constexpr char kBob[] = "arn:aws:iam::111111111111:user/bob,ops";
inline constexpr char kRoot[] = "arn:aws:iam::111111111111:root";
// Markup in a principal and a statement: must stay text everywhere.
inline constexpr char kEvil[] =
    "arn:aws:iam::222222222222:role/<script>document.title='pwned'</script>";
inline constexpr char kEvilStatement[] =
    "\"><img src=x id=pwned onerror=\"document.title='pwned'\">#Sid";

inline void AddCell(pdp::v1::AccessMatrixRow* row, pdp::v1::Access access, pdp::v1::Reason reason,
                    const std::string& statement = "",
                    pdp::v1::Reason view_reason = pdp::v1::REASON_UNSPECIFIED) {
  pdp::v1::AccessMatrixCell* cell = row->add_cells();
  cell->set_access(access);
  cell->set_reason(reason);
  cell->set_statement(statement);
  cell->set_view_reason(view_reason);
}

// Pages: billing_home, billing_bills (BILLING), cm_cost_explorer
// (COST_MANAGEMENT), sdk_api_budgets (OTHER). Rows, cells in page order:
//   root  M M M M (ROOT_USER)
//   alice M, V (MODIFY refused IMPLICIT_DENY), x EXPLICIT_DENY, .
//   bob   . . . .
//   evil  V x(kEvilStatement) . .
inline pdp::v1::AccessMatrixResponse FixtureMatrix() {
  using namespace pdp::v1;  // NOLINT: enum values
  AccessMatrixResponse m;
  m.set_revision(42);
  auto page = [&m](const char* id, const char* title, Console console) {
    Page* p = m.add_pages();
    p->set_id(id);
    p->set_title(title);
    p->set_console(console);
  };
  page("billing_home", "Billing home", BILLING);
  page("billing_bills", "Bills", BILLING);
  page("cm_cost_explorer", "Cost Explorer", COST_MANAGEMENT);
  page("sdk_api_budgets", "Budgets API", OTHER);
  auto row = [&m](const char* account, const char* principal, const char* kind) {
    AccessMatrixRow* r = m.add_rows();
    r->set_account_id(account);
    r->set_principal(principal);
    r->set_kind(kind);
    return r;
  };
  AccessMatrixRow* root = row("111111111111", kRoot, "root");
  for (int i = 0; i < 4; ++i) AddCell(root, MODIFY, ROOT_USER, "", ROOT_USER);
  AccessMatrixRow* alice = row("111111111111", kAlice, "user");
  AddCell(alice, MODIFY, ALLOWED_BY_POLICY, "AdministratorAccess#0", ALLOWED_BY_POLICY);
  AddCell(alice, VIEW, IMPLICIT_DENY, "AliceRead#AllowRead", ALLOWED_BY_POLICY);
  AddCell(alice, ACCESS_UNSPECIFIED, EXPLICIT_DENY, "DenyCE#NoCostExplorer");
  AddCell(alice, ACCESS_UNSPECIFIED, IMPLICIT_DENY);
  AccessMatrixRow* bob = row("111111111111", kBob, "user");
  for (int i = 0; i < 4; ++i) AddCell(bob, ACCESS_UNSPECIFIED, IMPLICIT_DENY);
  AccessMatrixRow* evil = row("222222222222", kEvil, "role");
  AddCell(evil, VIEW, IMPLICIT_DENY, "", ALLOWED_BY_POLICY);
  AddCell(evil, ACCESS_UNSPECIFIED, EXPLICIT_DENY, kEvilStatement);
  AddCell(evil, ACCESS_UNSPECIFIED, IMPLICIT_DENY);
  AddCell(evil, ACCESS_UNSPECIFIED, IMPLICIT_DENY);
  return m;
}

}  // namespace pdp::testing

#endif  // PDP_TESTS_CLIENT_MATRIX_FIXTURE_H_
