#include "engine/policy/statement_index.h"

#include <set>
#include <string>
#include <vector>

#include "engine/policy/compiled_policy.h"
#include "engine/policy/policy_compiler.h"
#include "gtest/gtest.h"

namespace pdp {
namespace {

CompiledPolicyPtr Compile(const std::string& statements) {
  absl::StatusOr<CompiledPolicyPtr> p =
      CompilePolicy("{\"Version\": \"2012-10-17\", \"Statement\": [" + statements + "]}");
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : nullptr;
}

std::vector<uint32_t> Literal(const CompiledPolicy& p, absl::string_view action) {
  absl::Span<const uint32_t> s = p.index.Literal(ActionKey::Of(action));
  return {s.begin(), s.end()};
}

std::vector<uint32_t> Wildcards(const CompiledPolicy& p) {
  return {p.index.Wildcards().begin(), p.index.Wildcards().end()};
}

std::vector<uint32_t> Others(const CompiledPolicy& p) {
  return {p.index.Others().begin(), p.index.Others().end()};
}

constexpr char kMixed[] =
    R"({"Effect": "Allow", "Action": ["budgets:ViewBudget", "ce:GetCostAndUsage"],
        "Resource": "*"},
       {"Effect": "Allow", "Action": "budgets:View*", "Resource": "*"},
       {"Effect": "Deny", "NotAction": "budgets:ViewBudget", "Resource": "*"},
       {"Effect": "Allow", "Action": "*", "Resource": "*"},
       {"Effect": "Allow", "Action": ["BUDGETS:viewbudget", "tax:Get*"], "Resource": "*"},
       {"Effect": "Deny", "Action": "ce:GetCostAndUsage", "Resource": "*"})";

TEST(StatementIndexTest, LiteralOnlyStatementsAreFoundByAction) {
  CompiledPolicyPtr p = Compile(kMixed);
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(p->index.built());
  // Literals are indexed even next to a wildcard (statement 4).
  EXPECT_EQ(Literal(*p, "budgets:viewbudget"), std::vector<uint32_t>({0, 4}));
  EXPECT_EQ(Literal(*p, "ce:getcostandusage"), std::vector<uint32_t>({0, 5}));
  EXPECT_TRUE(Literal(*p, "s3:getobject").empty());
  EXPECT_EQ(Wildcards(*p), std::vector<uint32_t>({1, 4}));
  // NotAction and "*".
  EXPECT_EQ(Others(*p), std::vector<uint32_t>({2, 3}));
  EXPECT_TRUE(p->index.has_deny());
}

TEST(StatementIndexTest, AllowOnlyPolicyHasNoDeny) {
  CompiledPolicyPtr p = Compile(R"({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"})");
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->index.has_deny());
}

// The candidates are exactly the statements whose action matches, once the
// wildcards and the others have been tested: nothing the linear scan finds
// is left out, and nothing it rejects comes in.
TEST(StatementIndexTest, CandidatesCoverEveryMatchingStatement) {
  CompiledPolicyPtr p = Compile(kMixed);
  ASSERT_NE(p, nullptr);
  for (const char* action : {"budgets:viewbudget", "budgets:viewbudgets", "ce:getcostandusage",
                             "tax:getexemptions", "s3:getobject", "budgets:modifybudget"}) {
    std::set<uint32_t> expected, found;
    for (size_t i = 0; i < p->statements.size(); ++i) {
      if (p->statements[i].MatchesAction(action)) expected.insert(static_cast<uint32_t>(i));
    }
    const ActionKey key = ActionKey::Of(action);
    for (uint32_t i : p->index.Literal(key)) {
      EXPECT_TRUE(p->statements[i].MatchesAction(key)) << action << " " << i;
      found.insert(i);
    }
    for (uint32_t i : p->index.Wildcards()) {
      if (p->statements[i].actions.MatchesWildcard(action)) found.insert(i);
    }
    for (uint32_t i : p->index.Others()) {
      if (p->statements[i].MatchesAction(key)) found.insert(i);
    }
    EXPECT_EQ(found, expected) << action;
  }
}

TEST(StatementIndexTest, DefaultIsNotBuilt) {
  StatementIndex index;
  EXPECT_FALSE(index.built());
  EXPECT_TRUE(index.Literal(ActionKey::Of("s3:getobject")).empty());
}

}  // namespace
}  // namespace pdp
