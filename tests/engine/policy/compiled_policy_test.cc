#include "engine/policy/compiled_policy.h"

#include <string>
#include <vector>

#include "engine/policy/policy_compiler.h"
#include "gtest/gtest.h"

namespace pdp {
namespace {

ActionMatcher Actions(std::initializer_list<const char*> patterns) {
  ActionMatcher m;
  for (const char* p : patterns) m.Add(p);
  return m;
}

ResourceMatcher Resources(std::initializer_list<const char*> patterns) {
  ResourceMatcher m;
  for (const char* p : patterns) m.Add(p);
  return m;
}

// The only statement of a compiled one-statement policy.
CompiledStatement Statement(const std::string& body) {
  absl::StatusOr<CompiledPolicyPtr> p =
      CompilePolicy("{\"Version\": \"2012-10-17\", \"Statement\": {" + body + "}}");
  EXPECT_TRUE(p.ok()) << body << ": " << p.status();
  if (!p.ok()) return CompiledStatement();
  return (*p)->statements.at(0);
}

TEST(ActionMatcherTest, EmptyMatchesNothing) {
  ActionMatcher m;
  EXPECT_TRUE(m.empty());
  EXPECT_FALSE(m.Matches("s3:getobject"));
  m.Add("s3:GetObject");
  EXPECT_FALSE(m.empty());
}

TEST(ActionMatcherTest, LiteralsMatchIgnoringCaseOfThePattern) {
  ActionMatcher m = Actions({"S3:GetObject", "billing:getBILLINGdata"});
  EXPECT_TRUE(m.Matches("s3:getobject"));
  EXPECT_TRUE(m.Matches("billing:getbillingdata"));
  EXPECT_FALSE(m.Matches("s3:getobjectacl"));
  EXPECT_FALSE(m.Matches("s3:getobjec"));
  EXPECT_FALSE(m.Matches("ec2:getobject"));
}

TEST(ActionMatcherTest, StarMatchesEverything) {
  ActionMatcher m = Actions({"*"});
  EXPECT_FALSE(m.empty());
  EXPECT_TRUE(m.Matches("s3:getobject"));
  EXPECT_TRUE(m.Matches("billing:updateiamaccesspreference"));
}

TEST(ActionMatcherTest, Wildcards) {
  ActionMatcher m = Actions({"S3:Get*", "iam:*AccessKey*", "ce:Get?Forecast", "budgets:*"});
  EXPECT_TRUE(m.Matches("s3:get"));
  EXPECT_TRUE(m.Matches("s3:getobject"));
  EXPECT_FALSE(m.Matches("s3:putobject"));
  EXPECT_FALSE(m.Matches("s3x:getobject"));
  EXPECT_TRUE(m.Matches("iam:createaccesskey"));
  EXPECT_TRUE(m.Matches("iam:listaccesskeys"));
  EXPECT_FALSE(m.Matches("iam:createuser"));
  EXPECT_TRUE(m.Matches("ce:getxforecast"));
  EXPECT_FALSE(m.Matches("ce:getforecast"));
  EXPECT_FALSE(m.Matches("ce:getcostforecast"));
  EXPECT_TRUE(m.Matches("budgets:viewbudget"));
  // The service prefix is matched as part of the pattern: "budgets:*" is not "budget:*".
  EXPECT_FALSE(m.Matches("budget:viewbudget"));
}

TEST(ActionMatcherTest, WildcardInTheMiddleOfAServicePrefix) {
  ActionMatcher m = Actions({"ce:*Cost*"});
  EXPECT_TRUE(m.Matches("ce:getcostandusage"));
  EXPECT_TRUE(m.Matches("ce:getcostforecast"));
  EXPECT_FALSE(m.Matches("ce:getusageforecast"));
}

TEST(ResourceMatcherTest, StarMatchesEverythingIncludingNonArns) {
  ResourceMatcher m = Resources({"*"});
  EXPECT_TRUE(m.Matches("*", RequestContext()));
  EXPECT_TRUE(m.Matches("arn:aws:s3:::bucket", RequestContext()));
  EXPECT_TRUE(m.Matches("", RequestContext()));
}

TEST(ResourceMatcherTest, EmptyMatchesNothing) {
  ResourceMatcher m;
  EXPECT_FALSE(m.Matches("*", RequestContext()));
  EXPECT_FALSE(m.Matches("arn:aws:s3:::bucket", RequestContext()));
}

TEST(ResourceMatcherTest, ExactArnIsCaseSensitive) {
  ResourceMatcher m = Resources({"arn:aws:s3:::Bucket"});
  EXPECT_TRUE(m.Matches("arn:aws:s3:::Bucket", RequestContext()));
  EXPECT_FALSE(m.Matches("arn:aws:s3:::bucket", RequestContext()));
  EXPECT_FALSE(m.Matches("arn:aws:s3:::Bucket2", RequestContext()));
  EXPECT_FALSE(m.Matches("ARN:aws:s3:::Bucket", RequestContext()));
}

TEST(ResourceMatcherTest, WildcardsPerSegmentAreCaseSensitive) {
  ResourceMatcher m = Resources({"arn:aws:budgets::*:budget/Team?-*"});
  EXPECT_TRUE(m.Matches("arn:aws:budgets::111111111111:budget/TeamA-q1", RequestContext()));
  EXPECT_TRUE(m.Matches("arn:aws:budgets::222222222222:budget/TeamB-", RequestContext()));
  EXPECT_FALSE(m.Matches("arn:aws:budgets::111111111111:budget/teamA-q1", RequestContext()));
  EXPECT_FALSE(m.Matches("arn:aws:budgets::111111111111:budget/Team-q1", RequestContext()));
  EXPECT_FALSE(
      m.Matches("arn:aws:budgets:us-east-1:111111111111:budget/TeamA-q1", RequestContext()));
}

TEST(ResourceMatcherTest, AStarDoesNotRunAcrossSegments) {
  // As a whole-string glob "*" would swallow "1:2"; per segment the account
  // segment is "1" and the resource segment "2:user/bob" does not match.
  ResourceMatcher m = Resources({"arn:aws:iam::*:user/bob"});
  EXPECT_TRUE(m.Matches("arn:aws:iam::123456789012:user/bob", RequestContext()));
  EXPECT_FALSE(m.Matches("arn:aws:iam::1:2:user/bob", RequestContext()));
  // An empty region segment in the pattern matches only an empty region.
  ResourceMatcher s3 = Resources({"arn:aws:s3:::*"});
  EXPECT_TRUE(s3.Matches("arn:aws:s3:::bucket", RequestContext()));
  EXPECT_FALSE(s3.Matches("arn:aws:s3:us-east-1::bucket", RequestContext()));
  ResourceMatcher any_region = Resources({"arn:aws:ec2:*:*:instance/*"});
  EXPECT_TRUE(
      any_region.Matches("arn:aws:ec2:us-east-1:123456789012:instance/i-1", RequestContext()));
  EXPECT_FALSE(
      any_region.Matches("arn:aws:ec2:us-east-1:123456789012:volume/v-1", RequestContext()));
}

TEST(ResourceMatcherTest, TheLastSegmentKeepsItsColons) {
  ResourceMatcher m = Resources({"arn:aws:logs:us-east-1:123456789012:log-group:app:*"});
  EXPECT_TRUE(m.Matches("arn:aws:logs:us-east-1:123456789012:log-group:app:log-stream:x",
                        RequestContext()));
  EXPECT_FALSE(m.Matches("arn:aws:logs:us-east-1:123456789012:log-group:web:log-stream:x",
                         RequestContext()));
  ResourceMatcher prefix = Resources({"arn:aws:s3:::my*"});
  EXPECT_TRUE(prefix.Matches("arn:aws:s3:::mybucket/a:b", RequestContext()));
}

TEST(ResourceMatcherTest, ShortPatternEndingInStarRunsAcrossTheRemainingColons) {
  ResourceMatcher all = Resources({"arn:*"});
  EXPECT_TRUE(all.Matches("arn:aws:s3:::bucket", RequestContext()));
  EXPECT_TRUE(all.Matches("arn:aws-cn:iam::123456789012:user/x", RequestContext()));

  ResourceMatcher iam = Resources({"arn:aws:iam::*"});
  EXPECT_TRUE(iam.Matches("arn:aws:iam::123456789012:user/x", RequestContext()));
  EXPECT_FALSE(iam.Matches("arn:aws:s3:::bucket", RequestContext()));

  ResourceMatcher account = Resources({"arn:aws:iam::1*"});
  EXPECT_TRUE(account.Matches("arn:aws:iam::123456789012:user/x", RequestContext()));
  EXPECT_FALSE(account.Matches("arn:aws:iam::223456789012:user/x", RequestContext()));

  // Earlier segments still match one by one.
  ResourceMatcher s3 = Resources({"arn:aws:s3:*"});
  EXPECT_TRUE(s3.Matches("arn:aws:s3:::bucket", RequestContext()));
  EXPECT_FALSE(s3.Matches("arn:aws:ec2:us-east-1:1:instance/i", RequestContext()));
  EXPECT_FALSE(s3.Matches("arn:aws-cn:s3:::bucket", RequestContext()));
}

TEST(ResourceMatcherTest, ShortPatternWithoutTrailingStarMatchesNothing) {
  ResourceMatcher m = Resources({"arn:aws:s3", "arn:aws:s3:*:x"});
  EXPECT_FALSE(m.Matches("arn:aws:s3:::bucket", RequestContext()));
  EXPECT_FALSE(m.Matches("arn:aws:s3:us-east-1:x:y", RequestContext()));
}

TEST(ResourceMatcherTest, NonArnResourceNeedsAWholeTextMatch) {
  // Console page requests use "*" as the resource.
  ResourceMatcher specific = Resources({"arn:aws:s3:::bucket", "arn:*"});
  EXPECT_FALSE(specific.Matches("*", RequestContext()));
  ResourceMatcher star = Resources({"arn:aws:s3:::bucket", "*"});
  EXPECT_TRUE(star.Matches("*", RequestContext()));
}

TEST(ResourceMatcherTest, AnyPatternOfSeveral) {
  ResourceMatcher m = Resources({"arn:aws:s3:::a", "arn:aws:s3:::b/*"});
  EXPECT_TRUE(m.Matches("arn:aws:s3:::a", RequestContext()));
  EXPECT_TRUE(m.Matches("arn:aws:s3:::b/key", RequestContext()));
  EXPECT_FALSE(m.Matches("arn:aws:s3:::b", RequestContext()));
  EXPECT_FALSE(m.Matches("arn:aws:s3:::c", RequestContext()));
}

TEST(CompiledStatementTest, ActionCaseInsensitivityThroughTheCompiler) {
  CompiledStatement s =
      Statement(R"("Effect": "Allow", "Action": "BILLING:getbillingDATA", "Resource": "*")");
  EXPECT_TRUE(s.MatchesAction("billing:getbillingdata"));
  EXPECT_FALSE(s.MatchesAction("billing:getbillingdetails"));
}

TEST(CompiledStatementTest, NotActionInvertsTheMatch) {
  CompiledStatement s =
      Statement(R"("Effect": "Allow", "NotAction": ["iam:*", "Billing:Update*"], "Resource": "*")");
  EXPECT_TRUE(s.not_action);
  EXPECT_TRUE(s.MatchesAction("s3:getobject"));
  EXPECT_TRUE(s.MatchesAction("billing:getbillingdata"));
  EXPECT_FALSE(s.MatchesAction("iam:createuser"));
  EXPECT_FALSE(s.MatchesAction("billing:updateiamaccesspreference"));
}

TEST(CompiledStatementTest, NotResourceInvertsTheMatch) {
  CompiledStatement s =
      Statement(R"("Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::public/*")");
  EXPECT_TRUE(s.not_resource);
  EXPECT_FALSE(s.MatchesResource("arn:aws:s3:::public/x", RequestContext()));
  EXPECT_TRUE(s.MatchesResource("arn:aws:s3:::private/x", RequestContext()));
  EXPECT_TRUE(s.MatchesResource("*", RequestContext()));
}

TEST(CompiledStatementTest, ResourceStarMatchesPageRequests) {
  CompiledStatement s = Statement(R"("Effect": "Allow", "Action": "*", "Resource": "*")");
  EXPECT_TRUE(s.MatchesResource("*", RequestContext()));
  EXPECT_TRUE(s.MatchesResource("arn:aws:budgets::111111111111:budget/x", RequestContext()));
  CompiledStatement narrow = Statement(
      R"("Effect": "Allow", "Action": "*", "Resource": "arn:aws:budgets::111111111111:budget/*")");
  EXPECT_FALSE(narrow.MatchesResource("*", RequestContext()));
  EXPECT_TRUE(narrow.MatchesResource("arn:aws:budgets::111111111111:budget/x", RequestContext()));
  EXPECT_FALSE(narrow.MatchesResource("arn:aws:budgets::222222222222:budget/x", RequestContext()));
}

TEST(CompiledStatementTest, ConditionIsCompiledOnlyWhenPresent) {
  EXPECT_EQ(Statement(R"("Effect": "Allow", "Action": "*", "Resource": "*")").condition, nullptr);
  EXPECT_NE(Statement(R"("Effect": "Allow", "Action": "*", "Resource": "*",
                         "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})")
                .condition,
            nullptr);
}

}  // namespace
}  // namespace pdp
