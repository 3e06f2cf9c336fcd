// `pdpctl matrix` against a real server, checked cell by cell against
// WhoCan (include_denied) on the same revision: for every account of an
// organization, every page and both accesses, the principals the matrix
// (text, wide CSV, long CSV) says can VIEW / MODIFY are exactly the ones
// WhoCan allows, with the same reasons. The world has several principals per
// account and denials for different reasons (implicit, explicit, SCPs,
// boundary, IAM access off). Then the command's bad input.
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "billing_pdp/authorization_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kOrg[] = "o-matrixtest1";
const std::vector<std::string> kAccounts = {"111111111111", "222222222222", "444444444444",
                                            "555555555555"};

// An organization of four accounts: the management account, an invited one,
// two created ones (one with IAM users' billing access off), SCPs that allow
// only some actions in one OU and deny Cost Explorer in another, an
// explicit Deny in an identity policy, a permissions boundary, users with
// nothing, and a user name with a comma (CSV quoting).
constexpr char kWorld[] = R"(
accounts:
  - {id: "111111111111", name: payer, iam_access_to_billing: true, cost_explorer_enabled: true}
  - {id: "222222222222", name: invited, iam_access_to_billing: true}
organizations:
  - id: o-matrixtest1
    management_account: "111111111111"
    root_id: r-mtx1
    scps_enabled: true
    organizational_units:
      - {id: ou-mtx1-engineer, name: Engineering, parent: r-mtx1}
      - {id: ou-mtx1-platform, name: Platform, parent: ou-mtx1-engineer}
    accounts:
      - {id: "222222222222", parent: ou-mtx1-engineer, joined: invited}
      - {id: "444444444444", name: platform, parent: ou-mtx1-platform, joined: created,
         iam_user_access_to_billing: ALLOW}
      - {id: "555555555555", name: closed, parent: r-mtx1, joined: created,
         iam_user_access_to_billing: DENY}
    scps:
      - id: p-engineering
        name: EngineeringGuardrails
        document:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: ["billing:*", "aws-portal:ViewBilling", "aws-portal:ViewUsage", "account:*",
                       "invoicing:*", "ce:*", "cur:*", "tax:*", "budgets:*", "iam:*", "sts:*"]
              Resource: "*"
      - id: p-nocostexp
        name: NoCostExplorer
        document:
          Version: "2012-10-17"
          Statement:
            - {Effect: Deny, Action: "ce:*", Resource: "*"}
    attach:
      - {policy: p-engineering, target: ou-mtx1-engineer}
      - {policy: p-nocostexp, target: ou-mtx1-platform}
    detach:
      - {policy: p-FullAWSAccess, target: ou-mtx1-engineer}
managed_policies:
  - arn: arn:aws:iam::111111111111:policy/DenyPayments
    document:
      Version: "2012-10-17"
      Statement:
        - Sid: NoPayments
          Effect: Deny
          Action: ["payments:*", "aws-portal:ModifyPaymentMethods", "aws-portal:ViewPaymentMethods"]
          Resource: "*"
users:
  - arn: arn:aws:iam::111111111111:user/admin
    attached_policies: [arn:aws:iam::aws:policy/AdministratorAccess]
  - arn: arn:aws:iam::111111111111:user/auditor
    attached_policies: [arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess,
                        arn:aws:iam::111111111111:policy/DenyPayments]
  - arn: arn:aws:iam::111111111111:user/carol
  - arn: arn:aws:iam::111111111111:user/ops,team
    attached_policies: [arn:aws:iam::aws:policy/job-function/Billing]
  - arn: arn:aws:iam::222222222222:user/admin
    attached_policies: [arn:aws:iam::aws:policy/AdministratorAccess]
  - arn: arn:aws:iam::222222222222:user/reader
    attached_policies: [arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess]
  - arn: arn:aws:iam::444444444444:user/admin
    attached_policies: [arn:aws:iam::aws:policy/AdministratorAccess]
  - arn: arn:aws:iam::555555555555:user/admin
    attached_policies: [arn:aws:iam::aws:policy/AdministratorAccess]
roles:
  - arn: arn:aws:iam::444444444444:role/Billing
    attached_policies: [arn:aws:iam::aws:policy/job-function/Billing]
    permissions_boundary: arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess
)";

// The world file, one per test process (CTest runs the cases side by side).
std::string WorldFile() {
  const std::string path =
      ::testing::TempDir() + "/matrix-world-" + std::to_string(getpid()) + ".yaml";
  std::ofstream(path) << kWorld;
  return path;
}

// RFC 4180: fields, quoted ones with "" for a quote; CRLF (or LF) rows.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
      any = true;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (any) {
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

// One decision of WhoCan's: allowed, and the reason's name.
struct Answer {
  bool allowed = false;
  std::string reason;
  bool operator==(const Answer& o) const { return allowed == o.allowed && reason == o.reason; }
};
std::ostream& operator<<(std::ostream& os, const Answer& a) {
  return os << (a.allowed ? "ALLOW " : "DENY ") << a.reason;
}

// What the matrix says of one principal on one page. Unknown parts stay
// empty: the wide CSV and the text grid do not carry MODIFY's reason, and
// no form carries it when even VIEW is denied.
struct Said {
  std::string access;  // MODIFY, VIEW, DENY
  std::string reason;  // the denial's reason (DENY), or for VIEW why MODIFY is refused
  std::string view_reason;
};

// principal -> page -> what the matrix says
using Matrix = std::map<std::string, std::map<std::string, Said>>;

class PdpctlMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.ok()) << server_.log(); }

  int Pdpctl(std::vector<std::string> args, std::string* out) {
    args.insert(args.begin(), {BinaryPath("client/pdpctl"), "--server", server_.address()});
    out->clear();
    return RunCommand(args, out);
  }

  // stdout only (RunCommand mixes in stderr): the matrix written to a file.
  std::string MatrixOutput(std::vector<std::string> args) {
    const std::string path = ::testing::TempDir() + "/matrix-out-" + std::to_string(getpid()) +
                             "-" + std::to_string(files_++);
    args.push_back("--file");
    args.push_back(path);
    std::string log;
    EXPECT_EQ(Pdpctl(args, &log), 0) << log;
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    std::remove(path.c_str());
    return s.str();
  }

  // WhoCan (include_denied) for every page and access: principal -> page ->
  // access name -> answer; every page of the query at `revision`.
  std::map<std::string, std::map<std::string, std::map<std::string, Answer>>> WhoCanAll(
      const std::string& account, const std::vector<std::string>& pages, int64_t revision,
      std::map<std::string, std::string>* kinds) {
    std::map<std::string, std::map<std::string, std::map<std::string, Answer>>> out;
    AuthorizationClient client(ClientOptions{.target = server_.address()});
    for (const std::string& page : pages) {
      for (const pdp::v1::Access access : {pdp::v1::VIEW, pdp::v1::MODIFY}) {
        WhoCanQuery q{.account_id = account, .page_id = page, .access = access};
        q.include_denied = true;
        q.min_revision = revision;
        do {
          absl::StatusOr<pdp::v1::WhoCanResponse> r = client.WhoCan(q);
          EXPECT_TRUE(r.ok()) << r.status();
          if (!r.ok()) return out;
          EXPECT_EQ(r->revision(), revision) << "a write happened during the test";
          for (const auto& p : r->principals()) {
            out[p.principal()][page][pdp::v1::Access_Name(access)] =
                Answer{p.decision().effect() == pdp::v1::ALLOW,
                       pdp::v1::Reason_Name(p.decision().reason())};
            (*kinds)[p.principal()] = p.kind();
          }
          q.page_token = r->next_page_token();
        } while (!q.page_token.empty());
      }
    }
    return out;
  }

  // Checks `said` (one account's rows of a matrix) against WhoCan; returns
  // the denial reasons seen (so a test can tell the world is not trivial).
  std::set<std::string> ExpectMatchesWhoCan(const std::string& account, const Matrix& said,
                                            const std::map<std::string, std::string>& said_kinds,
                                            const std::vector<std::string>& pages, int64_t revision,
                                            const std::string& form) {
    SCOPED_TRACE(form + " " + account);
    std::map<std::string, std::string> kinds;
    auto who = WhoCanAll(account, pages, revision, &kinds);
    std::set<std::string> principals, who_principals;
    for (const auto& [p, unused] : said) principals.insert(p);
    for (const auto& [p, unused] : who) who_principals.insert(p);
    EXPECT_EQ(principals, who_principals);
    std::set<std::string> reasons;
    for (const auto& [principal, by_page] : who) {
      if (said.count(principal) == 0) continue;
      EXPECT_EQ(said_kinds.at(principal), kinds.at(principal)) << principal;
      for (const std::string& page : pages) {
        SCOPED_TRACE(principal + " " + page);
        EXPECT_EQ(said.at(principal).count(page), 1u);
        if (said.at(principal).count(page) == 0) continue;
        const Said& s = said.at(principal).at(page);
        const Answer& view = by_page.at(page).at("VIEW");
        const Answer& modify = by_page.at(page).at("MODIFY");
        // Who can VIEW, who can MODIFY: the same principals.
        EXPECT_EQ(s.access != "DENY", view.allowed) << s.access << " vs " << view;
        EXPECT_EQ(s.access == "MODIFY", modify.allowed) << s.access << " vs " << modify;
        // The reasons each form carries.
        if (s.access == "DENY") {
          EXPECT_EQ(s.reason, view.reason);
          reasons.insert(s.reason);
        } else {
          if (!s.view_reason.empty()) {
            EXPECT_EQ(s.view_reason, view.reason);
          }
          if (!s.reason.empty()) {
            EXPECT_EQ(s.reason, modify.reason);
          }
        }
      }
    }
    return reasons;
  }

  ServerProcess server_{{"--world", WorldFile()}};
  int files_ = 0;
};

// The long CSV: every field compared, for the organization and for one
// account (which must be that account's rows of the organization's).
TEST_F(PdpctlMatrixTest, LongCsvMatchesWhoCanForEveryAccountPageAndAccess) {
  const std::string csv = MatrixOutput({"matrix", "--org", kOrg, "--format", "csv-long"});
  const auto rows = ParseCsv(csv);
  ASSERT_GE(rows.size(), 2u) << csv;
  ASSERT_EQ(rows[0],
            (std::vector<std::string>{"account_id", "principal", "kind", "page_id", "console",
                                      "access", "reason", "view_reason", "statement"}));
  // The revision: JSON carries it.
  std::string json_text = MatrixOutput({"matrix", "--org", kOrg, "--format", "json"});
  nlohmann::json json = nlohmann::json::parse(json_text, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << json_text;
  const int64_t revision = std::stoll(json["revision"].get<std::string>());
  std::vector<std::string> pages;
  for (const auto& p : json["pages"]) pages.push_back(p["id"]);
  ASSERT_GE(pages.size(), 40u);

  std::map<std::string, Matrix> by_account;
  std::map<std::string, std::string> kinds;
  std::set<std::string> statements;
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 9u) << i;
    const auto& r = rows[i];
    by_account[r[0]][r[1]][r[3]] = Said{r[5], r[6], r[7]};
    kinds[r[1]] = r[2];
    if (!r[8].empty()) statements.insert(r[8]);
  }
  EXPECT_EQ(rows.size() - 1, pages.size() * kinds.size());
  std::set<std::string> accounts;
  for (const auto& [a, unused] : by_account) accounts.insert(a);
  EXPECT_EQ(accounts, std::set<std::string>(kAccounts.begin(), kAccounts.end()));
  EXPECT_EQ(kinds.at("arn:aws:iam::111111111111:user/ops,team"), "user");  // quoted, intact

  std::set<std::string> reasons;
  for (const std::string& account : kAccounts) {
    for (const std::string& r :
         ExpectMatchesWhoCan(account, by_account[account], kinds, pages, revision, "csv-long")) {
      reasons.insert(r);
    }
  }
  // The world is not trivial: denials for several different reasons, and
  // the explicit Deny's statement named.
  EXPECT_GE(reasons.size(), 4u) << ::testing::PrintToString(reasons);
  EXPECT_TRUE(reasons.count("EXPLICIT_DENY")) << ::testing::PrintToString(reasons);
  EXPECT_TRUE(reasons.count("IMPLICIT_DENY"));
  EXPECT_THAT(::testing::PrintToString(statements), HasSubstr("NoPayments"));

  // One account's matrix: that account's rows of the organization's.
  const auto one = ParseCsv(MatrixOutput({"matrix", "222222222222", "--format", "csv-long"}));
  std::vector<std::vector<std::string>> expected = {rows[0]};
  for (size_t i = 1; i < rows.size(); ++i) {
    if (rows[i][0] == "222222222222") expected.push_back(rows[i]);
  }
  EXPECT_EQ(one, expected);
}

TEST_F(PdpctlMatrixTest, WideCsvMatchesWhoCan) {
  const auto rows = ParseCsv(MatrixOutput({"matrix", "--org", kOrg, "--format", "csv"}));
  ASSERT_GE(rows.size(), 2u);
  ASSERT_GE(rows[0].size(), 4u);
  EXPECT_EQ(std::vector<std::string>(rows[0].begin(), rows[0].begin() + 3),
            (std::vector<std::string>{"account_id", "principal", "kind"}));
  const std::vector<std::string> pages(rows[0].begin() + 3, rows[0].end());
  nlohmann::json json =
      nlohmann::json::parse(MatrixOutput({"matrix", "--org", kOrg, "--format", "json"}));
  const int64_t revision = std::stoll(json["revision"].get<std::string>());
  std::map<std::string, Matrix> by_account;
  std::map<std::string, std::string> kinds;
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), rows[0].size()) << i;
    kinds[rows[i][1]] = rows[i][2];
    for (size_t c = 3; c < rows[i].size(); ++c) {
      const std::string& word = rows[i][c];
      Said s;
      if (word.rfind("DENY:", 0) == 0) {
        s = Said{"DENY", word.substr(5), ""};
      } else {
        ASSERT_TRUE(word == "MODIFY" || word == "VIEW") << word;
        s.access = word;
      }
      by_account[rows[i][0]][rows[i][1]][pages[c - 3]] = s;
    }
  }
  for (const std::string& account : kAccounts) {
    ExpectMatchesWhoCan(account, by_account[account], kinds, pages, revision, "csv");
  }
}

// The text grid, parsed back: the legend's codes, the numbered pages, one
// line per principal under its account.
TEST_F(PdpctlMatrixTest, TextGridMatchesWhoCan) {
  const std::string text = MatrixOutput({"matrix", "--org", kOrg});
  EXPECT_THAT(text, HasSubstr("access matrix of organization o-matrixtest1 at revision "));
  std::map<char, std::string> codes;
  std::vector<std::string> pages;
  std::map<std::string, Matrix> by_account;
  std::map<std::string, std::string> kinds;
  std::string account;
  int64_t revision = -1;
  bool in_pages = false;
  for (absl::string_view line_view : absl::StrSplit(text, '\n')) {
    const std::string line(line_view);
    if (line.rfind("access matrix of ", 0) == 0) {
      revision = std::stoll(line.substr(line.find(" at revision ") + 13));
    } else if (line.rfind("codes: ", 0) == 0) {
      for (absl::string_view entry : absl::StrSplit(line.substr(7), ", ")) {
        ASSERT_GE(entry.size(), 3u);
        codes[entry[0]] = std::string(entry.substr(2));
      }
    } else if (line == "pages:") {
      in_pages = true;
    } else if (in_pages && !line.empty()) {
      std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
      for (size_t i = 0; i + 1 < words.size(); i += 2) {
        ASSERT_EQ(std::stoul(words[i]), pages.size() + 1) << line;
        pages.push_back(words[i + 1]);
      }
    } else if (in_pages && line.empty()) {
      in_pages = false;
    } else if (line.rfind("account ", 0) == 0) {
      account = line.substr(8);
    } else if (line.find(" arn:") != std::string::npos) {
      std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
      ASSERT_GE(words.size(), 3u) << line;
      std::string grid;
      for (size_t i = 2; i < words.size(); ++i) grid += words[i];
      ASSERT_EQ(grid.size(), pages.size()) << line;
      kinds[words[1]] = words[0];
      for (size_t c = 0; c < grid.size(); ++c) {
        Said s;
        if (grid[c] == 'M') {
          s.access = "MODIFY";
        } else if (grid[c] == 'V') {
          s.access = "VIEW";
        } else {
          ASSERT_EQ(codes.count(grid[c]), 1u) << grid[c];
          s = Said{"DENY", codes[grid[c]], ""};
        }
        by_account[account][words[1]][pages[c]] = s;
      }
    }
  }
  EXPECT_EQ(codes['M'], "MODIFY");
  EXPECT_EQ(codes['V'], "VIEW");
  ASSERT_GE(pages.size(), 40u);
  ASSERT_GT(revision, 0);
  for (const std::string& a : kAccounts) {
    ExpectMatchesWhoCan(a, by_account[a], kinds, pages, revision, "text");
  }
}

TEST_F(PdpctlMatrixTest, ColumnsAreThePagesAskedForInTheirOrder) {
  const auto rows = ParseCsv(MatrixOutput({"matrix", "111111111111", "--format", "csv", "--page",
                                           "cm_cost_explorer", "--page", "billing_budgets"}));
  ASSERT_GE(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"account_id", "principal", "kind",
                                               "cm_cost_explorer", "billing_budgets"}));
  // The root user first, then by ARN; everyone of the account.
  EXPECT_EQ(rows[1][1], "arn:aws:iam::111111111111:root");
  EXPECT_EQ(rows[1][3], "VIEW");  // Cost Explorer has nothing to modify
  EXPECT_EQ(rows[1][4], "MODIFY");
  EXPECT_EQ(rows.size(), 1u + 5u);  // root, admin, auditor, carol, ops,team
}

TEST_F(PdpctlMatrixTest, BadInputIsAUsageError) {
  std::string out;
  EXPECT_EQ(Pdpctl({"matrix"}, &out), 2) << out;
  EXPECT_THAT(out, HasSubstr("give either ACCOUNT or --org"));
  EXPECT_EQ(Pdpctl({"matrix", "111111111111", "--org", kOrg}, &out), 2) << out;
  EXPECT_THAT(out, HasSubstr("give either ACCOUNT or --org"));
  EXPECT_EQ(Pdpctl({"matrix", "111111111111", "--format", "pdf"}, &out), 2) << out;
  EXPECT_THAT(out, HasSubstr("pdf"));
  EXPECT_EQ(Pdpctl({"matrix", "111111111111", "--context", "novalue"}, &out), 2) << out;
  // An unknown page: the server's INVALID_ARGUMENT, naming the field.
  EXPECT_EQ(Pdpctl({"matrix", "111111111111", "--page", "billing_home", "--page", "no_such_page",
                    "--output", "json"},
                   &out),
            2)
      << out;
  nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  EXPECT_EQ(j["error"]["code"], "INVALID_ARGUMENT");
  EXPECT_EQ(j["error"]["field"], "page_ids[1]") << out;
  EXPECT_EQ(Pdpctl({"matrix", "111111111111", "--page", "no_such_page"}, &out), 2) << out;
  EXPECT_THAT(out, HasSubstr("no_such_page"));
}

TEST_F(PdpctlMatrixTest, UnreachableServerIsExit3) {
  std::string out;
  EXPECT_EQ(RunCommand({BinaryPath("client/pdpctl"), "--server", "127.0.0.1:1", "--timeout", "2000",
                        "matrix", "111111111111"},
                       &out),
            3)
      << out;
}

}  // namespace
}  // namespace pdp::testing
