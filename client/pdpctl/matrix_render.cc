#include "client/pdpctl/matrix_render.h"

#include <algorithm>
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/pdpctl/markup_escape.h"

namespace pdpctl {
namespace {

using pdp::v1::AccessMatrixCell;
using pdp::v1::AccessMatrixResponse;
using pdp::v1::AccessMatrixRow;

bool Granted(const AccessMatrixCell& cell) {
  return cell.access() == pdp::v1::MODIFY || cell.access() == pdp::v1::VIEW;
}

// User data on a terminal: no control characters (an ARN cannot hold one,
// but a terminal must not obey one that got through).
std::string Printable(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

std::string Pad(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string ScopeText(const MatrixScope& scope) {
  return absl::StrCat(scope.organization ? "organization " : "account ", scope.id);
}

std::string ConsoleTitle(pdp::v1::Console console) {
  switch (console) {
    case pdp::v1::BILLING:
      return "Billing";
    case pdp::v1::COST_MANAGEMENT:
      return "Cost Management";
    default:
      return "other";
  }
}

// The console a filter names: BILLING, COST_MANAGEMENT or OTHER (an
// unspecified console counts as other).
std::string ConsoleKey(pdp::v1::Console console) {
  return console == pdp::v1::BILLING || console == pdp::v1::COST_MANAGEMENT
             ? pdp::v1::Console_Name(console)
             : "OTHER";
}

struct Counts {
  int modify = 0, view = 0, denied = 0;
  std::map<std::string, int> denied_by_reason;  // reason name -> cells
  std::set<std::string> accounts;
};

Counts Count(const AccessMatrixResponse& m) {
  Counts c;
  for (const AccessMatrixRow& row : m.rows()) {
    c.accounts.insert(row.account_id());
    for (const AccessMatrixCell& cell : row.cells()) {
      if (cell.access() == pdp::v1::MODIFY) {
        ++c.modify;
      } else if (cell.access() == pdp::v1::VIEW) {
        ++c.view;
      } else {
        ++c.denied;
        ++c.denied_by_reason[pdp::v1::Reason_Name(cell.reason())];
      }
    }
  }
  return c;
}

std::string Plural(int n, const char* one, const char* many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

}  // namespace

// ---- collecting ------------------------------------------------------------------

absl::Status MatrixCollector::Add(const AccessMatrixResponse& message) {
  if (messages_ > 0 && message.pages_size() > 0) {
    return absl::InternalError("AccessMatrix stream: columns in a message after the first");
  }
  if (messages_ > 0 && message.revision() != matrix_.revision()) {
    return absl::InternalError(absl::StrCat("AccessMatrix stream: revision ", message.revision(),
                                            " after ", matrix_.revision()));
  }
  if (messages_ == 0) {
    matrix_.set_revision(message.revision());
    *matrix_.mutable_pages() = message.pages();
  }
  ++messages_;
  for (const AccessMatrixRow& row : message.rows()) {
    if (row.cells_size() != matrix_.pages_size()) {
      return absl::InternalError(absl::StrCat("AccessMatrix stream: ", row.principal(), " has ",
                                              row.cells_size(), " cells for ", matrix_.pages_size(),
                                              " pages"));
    }
    *matrix_.add_rows() = row;
  }
  return absl::OkStatus();
}

absl::Status MatrixCollector::Finish() const {
  if (messages_ == 0) return absl::InternalError("AccessMatrix stream: no message");
  return absl::OkStatus();
}

// ---- codes -----------------------------------------------------------------------

char ReasonCode(pdp::v1::Reason reason) {
  switch (reason) {
    case pdp::v1::IMPLICIT_DENY:
      return '.';
    case pdp::v1::EXPLICIT_DENY:
      return 'x';
    case pdp::v1::SCP_DENY:
      return 's';
    case pdp::v1::SCP_NO_ALLOW:
      return 'n';
    case pdp::v1::BOUNDARY_NO_ALLOW:
      return 'b';
    case pdp::v1::SESSION_POLICY_NO_ALLOW:
      return 'p';
    case pdp::v1::IAM_ACCESS_NOT_ACTIVATED:
      return 'i';
    case pdp::v1::LINKED_ACCOUNT_ACCESS_DISABLED:
      return 'l';
    case pdp::v1::COST_EXPLORER_NOT_ENABLED:
      return 'e';
    case pdp::v1::ROOT_ONLY:
      return 'r';
    case pdp::v1::ACCESS_LEVEL_NOT_OFFERED:
      return 'o';
    case pdp::v1::CROSS_ACCOUNT:
      return 'c';
    case pdp::v1::UNKNOWN_ACCOUNT:
      return 'a';
    case pdp::v1::UNKNOWN_PRINCIPAL:
      return 'u';
    default:  // unspecified, or an allow reason on a denied cell: say so
      return '?';
  }
}

char CellCode(const AccessMatrixCell& cell) {
  if (cell.access() == pdp::v1::MODIFY) return 'M';
  if (cell.access() == pdp::v1::VIEW) return 'V';
  return ReasonCode(cell.reason());
}

std::string CellWord(const AccessMatrixCell& cell) {
  if (Granted(cell)) return pdp::v1::Access_Name(cell.access());
  return absl::StrCat("DENY:", pdp::v1::Reason_Name(cell.reason()));
}

// ---- text ------------------------------------------------------------------------

std::string RenderText(const AccessMatrixResponse& m, const MatrixScope& scope) {
  const Counts counts = Count(m);
  const int pages = m.pages_size();
  std::string out =
      absl::StrCat("access matrix of ", ScopeText(scope), " at revision ", m.revision(), ": ",
                   Plural(m.rows_size(), "principal", "principals"), " in ",
                   Plural(static_cast<int>(counts.accounts.size()), "account", "accounts"), " x ",
                   Plural(pages, "page", "pages"), "\ncells: ", counts.modify, " MODIFY, ",
                   counts.view, " VIEW, ", counts.denied, " denied\n");

  // The legend: the codes this grid uses, M and V always.
  std::map<char, std::string> codes;
  for (const AccessMatrixRow& row : m.rows()) {
    for (const AccessMatrixCell& cell : row.cells()) {
      if (!Granted(cell)) codes[CellCode(cell)] = pdp::v1::Reason_Name(cell.reason());
    }
  }
  absl::StrAppend(&out, "codes: M MODIFY, V VIEW");
  for (const auto& [code, name] : codes)
    absl::StrAppend(&out, ", ", std::string(1, code), " ", name);
  absl::StrAppend(&out, "\n\npages:\n");
  for (int i = 0; i < pages; ++i) {
    std::string entry = absl::StrCat(i + 1 < 10    ? "   "
                                     : i + 1 < 100 ? "  "
                                                   : " ",
                                     i + 1, " ", Printable(m.pages(i).id()));
    const bool last_on_line = i % 2 == 1 || i + 1 == pages;
    absl::StrAppend(&out, last_on_line ? entry : Pad(entry, 42), last_on_line ? "\n" : "");
  }
  if (m.rows_size() == 0) return absl::StrCat(out, "\n(no principals)\n");

  // Row labels: "  <kind> <ARN>", kind padded to the widest kind.
  size_t kind_width = 4;
  size_t label_width = 0;
  for (const AccessMatrixRow& row : m.rows()) kind_width = std::max(kind_width, row.kind().size());
  for (const AccessMatrixRow& row : m.rows()) {
    label_width = std::max(label_width, 2 + kind_width + 1 + row.principal().size());
  }
  // One code per page, a space after every ten.
  auto grid = [pages](auto code_of) {
    std::string g;
    for (int i = 0; i < pages; ++i) {
      if (i > 0 && i % 10 == 0) g += ' ';
      g += code_of(i + 1);
    }
    return g;
  };
  // Column numbers: tens over every tenth column (from ten columns on), then units.
  const std::string indent(label_width + 2, ' ');
  std::string tens = absl::StrCat(
      indent,
      grid([](int c) { return c % 10 == 0 ? static_cast<char>('0' + (c / 10) % 10) : ' '; }));
  tens.erase(tens.find_last_not_of(' ') + 1);
  absl::StrAppend(&out, "\n", pages >= 10 ? tens + "\n" : "", indent,
                  grid([](int c) { return static_cast<char>('0' + c % 10); }), "\n");
  std::string account;
  for (const AccessMatrixRow& row : m.rows()) {
    if (row.account_id() != account || &row == &m.rows(0)) {
      account = row.account_id();
      absl::StrAppend(&out, "account ", Printable(account), "\n");
    }
    const std::string label =
        absl::StrCat("  ", Pad(Printable(row.kind()), kind_width), " ", Printable(row.principal()));
    absl::StrAppend(&out, Pad(label, label_width), "  ",
                    grid([&row](int c) { return CellCode(row.cells(c - 1)); }), "\n");
  }
  return out;
}

// ---- CSV -------------------------------------------------------------------------

std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

namespace {

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line += ',';
    line += CsvField(fields[i]);
  }
  return line + "\r\n";
}

}  // namespace

std::string RenderCsvWide(const AccessMatrixResponse& m) {
  std::vector<std::string> header = {"account_id", "principal", "kind"};
  for (const pdp::v1::Page& page : m.pages()) header.push_back(page.id());
  std::string out = CsvLine(header);
  for (const AccessMatrixRow& row : m.rows()) {
    std::vector<std::string> fields = {row.account_id(), row.principal(), row.kind()};
    for (const AccessMatrixCell& cell : row.cells()) fields.push_back(CellWord(cell));
    out += CsvLine(fields);
  }
  return out;
}

std::string RenderCsvLong(const AccessMatrixResponse& m) {
  std::string out = CsvLine({"account_id", "principal", "kind", "page_id", "console", "access",
                             "reason", "view_reason", "statement"});
  for (const AccessMatrixRow& row : m.rows()) {
    for (int i = 0; i < row.cells_size() && i < m.pages_size(); ++i) {
      const AccessMatrixCell& cell = row.cells(i);
      out += CsvLine({row.account_id(), row.principal(), row.kind(), m.pages(i).id(),
                      ConsoleKey(m.pages(i).console()),
                      Granted(cell) ? pdp::v1::Access_Name(cell.access()) : "DENY",
                      pdp::v1::Reason_Name(cell.reason()),
                      Granted(cell) ? pdp::v1::Reason_Name(cell.view_reason()) : "",
                      cell.statement()});
    }
  }
  return out;
}

// ---- HTML ------------------------------------------------------------------------

namespace {

// The nonce goes into the CSP and two attributes: only base64 characters,
// anything else is dropped (an empty nonce would leave no script allowed,
// which fails closed: a static table without filters).
std::string CleanNonce(const std::string& nonce) {
  std::string out;
  for (char c : nonce) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
        c == '/' || c == '=') {
      out += c;
    }
  }
  return out.empty() ? "none" : out;
}

constexpr char kStyle[] = R"(
body { font: 13px/1.35 system-ui, sans-serif; margin: 1em; color: #222; }
h1 { font-size: 1.4em; margin: 0 0 .4em; }
#summary dl { display: grid; grid-template-columns: max-content auto; gap: .1em 1em; margin: 0 0 .8em; }
#summary dt { font-weight: 600; }
#summary dd { margin: 0; }
#filters { display: flex; flex-wrap: wrap; gap: .6em 1.2em; align-items: end; margin: .5em 0 .8em; }
#filters label { display: flex; flex-direction: column; font-size: .9em; }
#shown { color: #555; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 1px 3px; }
thead th { position: sticky; top: 0; background: #f4f4f4; }
th.page { vertical-align: bottom; font-weight: 500; }
th.page span { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; }
tbody th { text-align: left; font-weight: 500; white-space: nowrap; }
td.c { text-align: center; font-family: ui-monospace, monospace; min-width: 1.2em; cursor: default; }
.m { background: #2e7d32; color: #fff; }
.v { background: #a5d6a7; }
.d { background: #f2f2f2; color: #888; }
.x { background: #e57373; color: #fff; }
td.dim { opacity: .2; }
.legend span { display: inline-block; padding: 0 .4em; margin-right: .4em; border: 1px solid #ccc; }
)";

constexpr char kScript[] = R"(
(function () {
  'use strict';
  var keys = ['principal', 'page', 'console', 'reason', 'access'];
  var table = document.getElementById('matrix');
  var heads = Array.prototype.slice.call(table.tHead.rows[0].querySelectorAll('th.page'));
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var firstPageCell = 3;  // account, principal, kind
  function input(k) { return document.getElementById('f-' + k); }
  function ensureOption(select, value) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) return;
    }
    var o = document.createElement('option');
    o.value = value;
    o.textContent = value;
    select.appendChild(o);
  }
  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ''));
    keys.forEach(function (k) {
      var e = input(k), v = params.get(k) || '';
      if (e.tagName === 'SELECT') ensureOption(e, v);
      e.value = v;
    });
  }
  function writeHash() {
    var params = new URLSearchParams();
    keys.forEach(function (k) { if (input(k).value) params.set(k, input(k).value); });
    var h = params.toString();
    try {
      history.replaceState(null, '', h ? '#' + h : location.pathname + location.search);
    } catch (e) { /* a file: URL some browsers refuse: the filters still apply */ }
  }
  function has(text, needle) { return text.toLowerCase().indexOf(needle) >= 0; }
  function apply() {
    var f = {};
    keys.forEach(function (k) { f[k] = input(k).value; });
    var principal = f.principal.toLowerCase(), page = f.page.toLowerCase();
    var byCell = !!(f.reason || f.access);
    var cols = heads.map(function (th) {
      var show = (!page || has(th.dataset.page, page) || has(th.dataset.title, page)) &&
                 (!f.console || th.dataset.console === f.console);
      th.hidden = !show;
      return show;
    });
    var shownRows = 0;
    rows.forEach(function (tr) {
      var matched = !byCell;
      for (var i = 0; i < cols.length; i++) {
        var td = tr.cells[firstPageCell + i];
        td.hidden = !cols[i];
        var m = (!f.reason || td.dataset.reason === f.reason || td.dataset.viewReason === f.reason) &&
                (!f.access || td.dataset.access === f.access);
        td.classList.toggle('dim', byCell && !m);
        if (cols[i] && m) matched = true;
      }
      var show = matched && (!principal || has(tr.dataset.principal, principal) ||
                             has(tr.dataset.account, principal));
      tr.hidden = !show;
      if (show) shownRows++;
    });
    var shownCols = cols.filter(Boolean).length;
    var s = document.getElementById('shown');
    s.textContent = shownRows + ' of ' + rows.length + ' principals, ' + shownCols + ' of ' +
                    heads.length + ' pages';
    s.dataset.rows = shownRows;
    s.dataset.pages = shownCols;
  }
  keys.forEach(function (k) {
    input(k).addEventListener('input', function () { apply(); writeHash(); });
  });
  document.getElementById('f-clear').addEventListener('click', function () {
    keys.forEach(function (k) { input(k).value = ''; });
    apply();
    writeHash();
  });
  window.addEventListener('hashchange', function () { readHash(); apply(); });
  readHash();
  apply();
})();
)";

std::string CellClass(const AccessMatrixCell& cell) {
  if (cell.access() == pdp::v1::MODIFY) return "c m";
  if (cell.access() == pdp::v1::VIEW) return "c v";
  if (cell.reason() == pdp::v1::EXPLICIT_DENY || cell.reason() == pdp::v1::SCP_DENY) return "c x";
  return "c d";
}

// The hover text of a cell (raw; escaped where it is written).
std::string CellTitle(const AccessMatrixRow& row, const pdp::v1::Page& page,
                      const AccessMatrixCell& cell) {
  std::string t = absl::StrCat(row.principal(), "\n", page.id(), " (", page.title(), ", ",
                               ConsoleTitle(page.console()), ")\n");
  const std::string reason = pdp::v1::Reason_Name(cell.reason());
  if (cell.access() == pdp::v1::MODIFY) {
    absl::StrAppend(&t, "MODIFY: ", reason, "\nview: ", pdp::v1::Reason_Name(cell.view_reason()));
  } else if (cell.access() == pdp::v1::VIEW) {
    absl::StrAppend(&t, "VIEW: ", pdp::v1::Reason_Name(cell.view_reason()),
                    "\nMODIFY refused: ", reason);
  } else {
    absl::StrAppend(&t, "denied: ", reason);
  }
  absl::StrAppend(&t, "\nstatement: ", cell.statement().empty() ? "(none)" : cell.statement());
  return t;
}

}  // namespace

std::string RenderHtml(const AccessMatrixResponse& m, const MatrixScope& scope,
                       const HtmlOptions& options) {
  const Counts counts = Count(m);
  const std::string nonce = CleanNonce(options.nonce);
  const std::string scope_text = EscapeMarkup(ScopeText(scope));
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src "
      "'nonce-",
      nonce, "'; style-src 'nonce-", nonce,
      "'; img-src 'none'; base-uri 'none'; form-action 'none'\">\n",
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
      "<title>Access matrix: ", scope_text, " at revision ", m.revision(), "</title>\n",
      "<style nonce=\"", nonce, "\">", kStyle, "</style>\n</head>\n<body>\n",
      "<h1>Access matrix: ", scope_text, "</h1>\n");

  // ---- summary
  absl::StrAppend(&out, "<section id=\"summary\">\n<dl>\n<dt>scope</dt><dd id=\"scope\">",
                  scope_text, "</dd>\n<dt>revision</dt><dd id=\"revision\">", m.revision(),
                  "</dd>\n<dt>principals</dt><dd id=\"principals\">", m.rows_size(), " in ",
                  Plural(static_cast<int>(counts.accounts.size()), "account", "accounts"),
                  "</dd>\n<dt>pages</dt><dd id=\"pages\">", m.pages_size(),
                  "</dd>\n<dt>cells</dt><dd id=\"cells\">", counts.modify, " MODIFY, ", counts.view,
                  " VIEW, ", counts.denied, " denied</dd>\n");
  if (!counts.denied_by_reason.empty()) {
    absl::StrAppend(&out, "<dt>denied by reason</dt><dd id=\"denied-by-reason\">");
    bool first = true;
    for (const auto& [reason, n] : counts.denied_by_reason) {
      absl::StrAppend(&out, first ? "" : ", ", EscapeMarkup(reason), " ", n);
      first = false;
    }
    absl::StrAppend(&out, "</dd>\n");
  }
  absl::StrAppend(&out,
                  "</dl>\n<p class=\"legend\"><span class=\"m\">M</span>MODIFY "
                  "<span class=\"v\">V</span>VIEW, otherwise the denial's code "
                  "(<code>.</code> IMPLICIT_DENY, <code>x</code> EXPLICIT_DENY, <code>s</code> "
                  "SCP_DENY, ...); hover a cell for the reason and the statement.</p>\n"
                  "</section>\n");

  // ---- filters (values of the selects: what the cells' data-* carry)
  std::set<std::string> reasons;
  for (const AccessMatrixRow& row : m.rows()) {
    for (const AccessMatrixCell& cell : row.cells()) {
      reasons.insert(pdp::v1::Reason_Name(cell.reason()));
      if (Granted(cell)) reasons.insert(pdp::v1::Reason_Name(cell.view_reason()));
    }
  }
  absl::StrAppend(
      &out,
      "<form id=\"filters\" autocomplete=\"off\">\n"
      "<label>principal <input id=\"f-principal\" type=\"search\" placeholder=\"ARN or "
      "account contains\"></label>\n"
      "<label>page <input id=\"f-page\" type=\"search\" placeholder=\"id or title "
      "contains\"></label>\n"
      "<label>console <select id=\"f-console\"><option value=\"\">any</option>"
      "<option value=\"BILLING\">Billing</option><option value=\"COST_MANAGEMENT\">Cost "
      "Management</option><option value=\"OTHER\">other</option></select></label>\n"
      "<label>reason <select id=\"f-reason\"><option value=\"\">any</option>");
  for (const std::string& r : reasons) {
    absl::StrAppend(&out, "<option value=\"", EscapeMarkup(r), "\">", EscapeMarkup(r), "</option>");
  }
  absl::StrAppend(&out,
                  "</select></label>\n"
                  "<label>access <select id=\"f-access\"><option value=\"\">any</option>"
                  "<option value=\"MODIFY\">MODIFY</option><option value=\"VIEW\">VIEW</option>"
                  "<option value=\"DENY\">denied</option></select></label>\n"
                  "<button type=\"button\" id=\"f-clear\">clear</button>\n"
                  "<output id=\"shown\"></output>\n</form>\n");

  // ---- the table
  absl::StrAppend(&out,
                  "<table id=\"matrix\">\n<thead><tr><th>account</th><th>principal</th>"
                  "<th>kind</th>");
  for (const pdp::v1::Page& page : m.pages()) {
    absl::StrAppend(&out, "<th class=\"page\" data-page=\"", EscapeMarkup(page.id()),
                    "\" data-title=\"", EscapeMarkup(page.title()), "\" data-console=\"",
                    ConsoleKey(page.console()), "\" title=\"",
                    EscapeMarkup(absl::StrCat(page.title(), "\n", ConsoleTitle(page.console()))),
                    "\"><span>", EscapeMarkup(page.id()), "</span></th>");
  }
  absl::StrAppend(&out, "</tr></thead>\n<tbody>\n");
  for (const AccessMatrixRow& row : m.rows()) {
    absl::StrAppend(&out, "<tr data-account=\"", EscapeMarkup(row.account_id()),
                    "\" data-principal=\"", EscapeMarkup(row.principal()), "\"><td>",
                    EscapeMarkup(row.account_id()), "</td><th>", EscapeMarkup(row.principal()),
                    "</th><td>", EscapeMarkup(row.kind()), "</td>");
    for (int i = 0; i < row.cells_size() && i < m.pages_size(); ++i) {
      const AccessMatrixCell& cell = row.cells(i);
      absl::StrAppend(&out, "<td class=\"", CellClass(cell), "\" data-access=\"",
                      Granted(cell) ? pdp::v1::Access_Name(cell.access()) : "DENY",
                      "\" data-reason=\"", pdp::v1::Reason_Name(cell.reason()), "\"",
                      Granted(cell) ? absl::StrCat(" data-view-reason=\"",
                                                   pdp::v1::Reason_Name(cell.view_reason()), "\"")
                                    : "",
                      " title=\"", EscapeMarkup(CellTitle(row, m.pages(i), cell)), "\">",
                      EscapeMarkup(std::string(1, CellCode(cell))), "</td>");
    }
    absl::StrAppend(&out, "</tr>\n");
  }
  absl::StrAppend(&out, "</tbody>\n</table>\n<script nonce=\"", nonce, "\">", kScript,
                  "</script>\n</body>\n</html>\n");
  return out;
}

}  // namespace pdpctl
