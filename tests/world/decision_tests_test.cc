// The decision-test parser (world/decision_tests.h): what a file may
// say, what it is refused for (with the JSON path), and how a deciding
// statement is named and found.
#include "world/decision_tests.h"

#include <unistd.h>

#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace pdp {
namespace {

constexpr char kCase[] = R"({"name": "n", "request": {"principal": "arn:aws:iam::111111111111:root",
  "action": "budgets:ViewBudget"}, "expect": {"effect": "ALLOW", "reason": "ROOT_USER"}})";

std::string File(const std::string& top, const std::string& case_json = kCase) {
  return "{" + top + (top.empty() ? "" : ", ") + "\"cases\": [" + case_json + "]}";
}

// The error message of parsing `text` as /d/t.json ("" when it parses).
std::string ErrorOf(const std::string& text) {
  absl::StatusOr<DecisionTestFile> f = ParseDecisionTests(text, "/d/t.json");
  if (f.ok()) return "";
  EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(f.status().message());
}

TEST(DecisionTests, ParsesRequestsExpectationsAndWorlds) {
  auto f = ParseDecisionTests(File(R"("description": "d", "world_file": "../w.yaml")",
                                   R"({"name": "page", "request": {
      "principal": "arn:aws:iam::111111111111:user/a", "account": "111111111111",
      "page": "billing_bills", "access": "MODIFY",
      "context": {"aws:SourceIp": "10.0.0.1", "aws:TagKeys": ["a", "b"], "n": 7}},
    "expect": {"effect": "DENY", "reason": "EXPLICIT_DENY", "statement": "p#S"}},
    {"name": "err", "request": {"principal": "x", "page": "p", "action": "a:B"},
     "expect": {"error": "INVALID_ARGUMENT"}})"),
                              "/d/t.json");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->description, "d");
  EXPECT_EQ(f->world_file, "/d/../w.yaml");
  EXPECT_TRUE(f->world_json.empty());
  ASSERT_EQ(f->cases.size(), 2u);
  const DecisionTestCase& c = f->cases[0];
  EXPECT_EQ(c.json_path, "cases[0]");
  EXPECT_EQ(c.request.principal(), "arn:aws:iam::111111111111:user/a");
  EXPECT_EQ(c.request.account_id(), "111111111111");
  EXPECT_EQ(c.request.page().page_id(), "billing_bills");
  EXPECT_EQ(c.request.page().access(), pdp::v1::MODIFY);
  ASSERT_EQ(c.request.context().keys().at("aws:TagKeys").values_size(), 2);
  EXPECT_EQ(c.request.context().keys().at("n").values(0), "7");
  EXPECT_EQ(c.expect_effect, pdp::v1::DENY);
  EXPECT_EQ(c.expect_reason, pdp::v1::EXPLICIT_DENY);
  EXPECT_EQ(c.expect_statement, "p#S");
  EXPECT_TRUE(c.request_error.ok());
  // Page and action at once: no request can say it; the case expects the error.
  EXPECT_FALSE(f->cases[1].request_error.ok());
  EXPECT_EQ(f->cases[1].expect_error, "INVALID_ARGUMENT");

  auto inline_world = ParseDecisionTests(File(R"("world": {"accounts": []})"), "t.json");
  ASSERT_TRUE(inline_world.ok()) << inline_world.status();
  EXPECT_NE(inline_world->world_json.find("accounts"), std::string::npos);
  EXPECT_TRUE(inline_world->has_world());
  auto no_world = ParseDecisionTests(File(""), "t.json");
  ASSERT_TRUE(no_world.ok());
  EXPECT_FALSE(no_world->has_world());
}

TEST(DecisionTests, RefusesWhatItDoesNotUnderstandWithTheJsonPath) {
  EXPECT_EQ(ErrorOf("{").rfind("/d/t.json: not JSON", 0), 0u) << ErrorOf("{");
  EXPECT_EQ(ErrorOf("[]"), "/d/t.json: (top level): must be an object");
  EXPECT_EQ(ErrorOf(File(R"("wrld": {})")), "/d/t.json: wrld: unknown field");
  EXPECT_EQ(ErrorOf(File(R"("world": {}, "world_file": "w.yaml")")),
            "/d/t.json: world_file: give either world_file or world, not both");
  EXPECT_EQ(ErrorOf(R"({"cases": []})"), "/d/t.json: cases: must be a non-empty list");
  EXPECT_EQ(ErrorOf("{}"), "/d/t.json: cases: is required");
  EXPECT_EQ(ErrorOf(File("", R"({"name": "n", "request": {}})")),
            "/d/t.json: cases[0].expect: is required");
  EXPECT_EQ(ErrorOf(File("", R"({"name": "", "request": {}, "expect": {}})")),
            "/d/t.json: cases[0].name: must be a non-empty string");
  EXPECT_EQ(ErrorOf(File("", R"({"name": "n", "request": {"principal": "p", "pag": "x"},
                                 "expect": {"error": "INVALID_ARGUMENT"}})")),
            "/d/t.json: cases[0].request.pag: unknown field (principal, account, page, access, "
            "action, resource, context)");
  EXPECT_EQ(ErrorOf(File("", R"({"name": "n", "request": {"principal": 5},
                                 "expect": {"error": "INVALID_ARGUMENT"}})")),
            "/d/t.json: cases[0].request.principal: must be a string");
  EXPECT_EQ(ErrorOf(File("", R"({"name": "n", "request": {}, "expect": {"effect": "ALLOW"}})")),
            "/d/t.json: cases[0].expect: needs effect and reason (or error)");
  EXPECT_EQ(ErrorOf(File("", R"({"name": "n", "request": {},
                                 "expect": {"effect": "MAYBE", "reason": "ROOT_USER"}})")),
            "/d/t.json: cases[0].expect.effect: unknown effect \"MAYBE\" (ALLOW or DENY)");
  EXPECT_EQ(ErrorOf(File("", R"({"name": "n", "request": {},
                                 "expect": {"effect": "ALLOW", "reason": "REASON_UNSPECIFIED"}})")),
            "/d/t.json: cases[0].expect.reason: unknown reason \"REASON_UNSPECIFIED\"");
  EXPECT_EQ(ErrorOf(File("", R"({"name": "n", "request": {},
                                 "expect": {"effect": "ALLOW", "reason": "ROOT_USER",
                                            "statement": "no-hash"}})")),
            "/d/t.json: cases[0].expect.statement: must be \"<policy>#<sid>\"");
  EXPECT_EQ(ErrorOf(File("", R"({"name": "n", "request": {}, "expect": {"error": "NOPE"}})")),
            "/d/t.json: cases[0].expect.error: unknown status code \"NOPE\" (e.g. "
            "INVALID_ARGUMENT)");
  EXPECT_EQ(ErrorOf(File("", R"({"name": "n", "request": {},
                                 "expect": {"error": "NOT_FOUND", "effect": "DENY"}})")),
            "/d/t.json: cases[0].expect: \"error\" excludes effect, reason and statement");
  EXPECT_EQ(ErrorOf(File("", std::string(kCase) + R"(, {"name": "m", "request": {},
                                 "expect": {"effect": "ALLOW", "reason": "ROOT_USER", "x": 1}})")),
            "/d/t.json: cases[1].expect.x: unknown field");
}

TEST(DecisionTests, StatementsAreNamedBySidOrPosition) {
  pdp::v1::Explanation ex;
  pdp::v1::ActionTrace* a = ex.add_actions();
  pdp::v1::StatementTrace* with_sid = a->add_statements();
  with_sid->set_policy("arn:aws:iam::1:user/u#inline/p");
  with_sid->set_sid("DenyIt");
  with_sid->set_index(3);
  with_sid->set_effect(pdp::v1::DENY);
  with_sid->set_matched(true);
  pdp::v1::StatementTrace* no_sid = a->add_statements();
  no_sid->set_policy("arn:aws:iam::aws:policy/AdministratorAccess");
  no_sid->set_index(0);
  no_sid->set_effect(pdp::v1::ALLOW);
  no_sid->set_matched(true);
  pdp::v1::StatementTrace* unmatched = a->add_statements();
  unmatched->set_policy("p-scp");
  unmatched->set_sid("S");
  unmatched->set_effect(pdp::v1::DENY);

  EXPECT_EQ(StatementName(*with_sid), "arn:aws:iam::1:user/u#inline/p#DenyIt");
  EXPECT_EQ(StatementName(*no_sid), "arn:aws:iam::aws:policy/AdministratorAccess#0");
  EXPECT_TRUE(HasDecidingStatement(ex, pdp::v1::DENY, "arn:aws:iam::1:user/u#inline/p#DenyIt"));
  // A Sid is the name: its position is not another one.
  EXPECT_FALSE(HasDecidingStatement(ex, pdp::v1::DENY, "arn:aws:iam::1:user/u#inline/p#3"));
  // The effect must be the decision's.
  EXPECT_FALSE(HasDecidingStatement(ex, pdp::v1::ALLOW, "arn:aws:iam::1:user/u#inline/p#DenyIt"));
  EXPECT_TRUE(
      HasDecidingStatement(ex, pdp::v1::ALLOW, "arn:aws:iam::aws:policy/AdministratorAccess#0"));
  // A statement that did not apply decided nothing.
  EXPECT_FALSE(HasDecidingStatement(ex, pdp::v1::DENY, "p-scp#S"));
}

// A file is read whole, so its size is bounded: one past the limit is
// refused before it is parsed, naming the file; one at the limit is read.
TEST(DecisionTests, AFileLargerThanTheLimitIsRefusedUnread) {
  const std::string path =
      ::testing::TempDir() + "/decision-tests-size-" + std::to_string(getpid()) + ".json";
  const std::string text = File("");
  std::ofstream(path) << text;
  absl::StatusOr<DecisionTestFile> fits = ReadDecisionTestFile(path, text.size());
  EXPECT_TRUE(fits.ok()) << fits.status();
  absl::StatusOr<DecisionTestFile> big = ReadDecisionTestFile(path, text.size() - 1);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(big.status().message().find(path), std::string::npos) << big.status();
  EXPECT_NE(big.status().message().find("a decision-test file is at most"), std::string::npos)
      << big.status();
  std::remove(path.c_str());
}

}  // namespace
}  // namespace pdp
