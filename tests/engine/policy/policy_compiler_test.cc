#include "engine/policy/policy_compiler.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/error_fields.h"

namespace pdp {
namespace {

using ::testing::HasSubstr;

using test::FieldOf;

// A policy with one statement given as the body of a JSON object.
std::string One(const std::string& statement_body) {
  return absl::StrCat(R"({"Version": "2012-10-17", "Statement": [{)", statement_body, "}]}");
}

constexpr const char* kAllowAll = R"("Effect": "Allow", "Action": "*", "Resource": "*")";

struct Case {
  const char* name;
  std::string document;
  const char* field;    // nullptr: the document is valid
  const char* message;  // substring of the error message
};

class CompileCaseTest : public ::testing::TestWithParam<Case> {};

TEST_P(CompileCaseTest, CompilesOrRejectsWithFieldPath) {
  const Case& c = GetParam();
  absl::StatusOr<CompiledPolicyPtr> compiled = CompilePolicy(c.document);
  if (c.field == nullptr) {
    EXPECT_TRUE(compiled.ok()) << c.document << "\n" << compiled.status();
    return;
  }
  ASSERT_FALSE(compiled.ok()) << "accepted: " << c.document;
  EXPECT_EQ(compiled.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(compiled.status()), c.field) << compiled.status();
  EXPECT_THAT(std::string(compiled.status().message()), HasSubstr(c.message));
}

const Case kValid[] = {
    {"StatementObject",
     R"({"Version": "2012-10-17", "Statement": {)" + std::string(kAllowAll) + "}}", nullptr, ""},
    {"StatementArray", One(kAllowAll), nullptr, ""},
    {"NoVersion", R"({"Statement": [{)" + std::string(kAllowAll) + "}]}", nullptr, ""},
    {"OldVersion", R"({"Version": "2008-10-17", "Statement": [{)" + std::string(kAllowAll) + "}]}",
     nullptr, ""},
    {"WithId",
     R"({"Id": "my-policy", "Version": "2012-10-17", "Statement": [{)" + std::string(kAllowAll) +
         "}]}",
     nullptr, ""},
    {"ActionList",
     One(R"("Effect": "Allow", "Action": ["s3:GetObject", "iam:*AccessKey*", "ce:Get?"],
            "Resource": "*")"),
     nullptr, ""},
    {"NotAction", One(R"("Effect": "Deny", "NotAction": "iam:*", "Resource": "*")"), nullptr, ""},
    {"NotResource",
     One(R"("Effect": "Allow", "Action": "s3:*", "NotResource": ["arn:aws:s3:::secret/*"])"),
     nullptr, ""},
    {"ServicePrefixWithDash",
     One(R"("Effect": "Allow", "Action": "aws-portal:ViewBilling", "Resource": "*")"), nullptr, ""},
    {"ResourceArns", One(R"("Effect": "Allow", "Action": "s3:*",
            "Resource": ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/*", "arn:*",
                         "arn:aws:iam::*", "arn:aws:budgets::111111111111:budget/x"])"),
     nullptr, ""},
    {"SidAlphanumeric", One(R"("Sid": "AllowAll2", )" + std::string(kAllowAll)), nullptr, ""},
    {"Condition", One(R"("Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"StringEquals": {"aws:username": ["a", "b"], "aws:x": "y"},
                          "Bool": {"aws:MultiFactorAuthPresent": true},
                          "NumericLessThan": {"aws:MultiFactorAuthAge": 3600}})"),
     nullptr, ""},
    {"SeveralStatements",
     R"({"Version": "2012-10-17", "Statement": [{)" + std::string(kAllowAll) +
         R"(}, {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]})",
     nullptr, ""},
};

const Case kInvalid[] = {
    {"NotJson", "{Version}", "", "invalid JSON"},
    {"NotAnObject", "[]", "", "must be a JSON object"},
    {"DuplicateKey", One(R"("Effect": "Allow", "Action": "*", "Resource": "*", "Effect": "Deny")"),
     "Statement[0].Effect", "duplicate key"},
    {"BadVersion", R"({"Version": "2012-10-18", "Statement": [{)" + std::string(kAllowAll) + "}]}",
     "Version", "2012-10-17"},
    {"NumericVersion", R"({"Version": 2012, "Statement": [{)" + std::string(kAllowAll) + "}]}",
     "Version", "2012-10-17"},
    {"IdNotString", R"({"Id": 5, "Statement": [{)" + std::string(kAllowAll) + "}]}", "Id",
     "must be a string"},
    {"UnknownTopLevel",
     R"({"Version": "2012-10-17", "Statements": [{)" + std::string(kAllowAll) + "}]}", "Statements",
     "unknown policy element"},
    {"MissingStatement", R"({"Version": "2012-10-17"})", "Statement", "is required"},
    {"StatementString", R"({"Version": "2012-10-17", "Statement": "x"})", "Statement",
     "object or an array"},
    {"StatementEmpty", R"({"Version": "2012-10-17", "Statement": []})", "Statement",
     "must not be empty"},
    {"StatementItemNotObject", R"({"Version": "2012-10-17", "Statement": [1]})", "Statement[0]",
     "must be an object"},
    {"SecondStatementNotObject",
     R"({"Version": "2012-10-17", "Statement": [{)" + std::string(kAllowAll) + R"(}, "x"]})",
     "Statement[1]", "must be an object"},
    {"EffectMissing", One(R"("Action": "*", "Resource": "*")"), "Statement[0].Effect",
     "is required"},
    {"EffectLowerCase", One(R"("Effect": "allow", "Action": "*", "Resource": "*")"),
     "Statement[0].Effect", "\"Allow\" or \"Deny\""},
    {"EffectNotString", One(R"("Effect": true, "Action": "*", "Resource": "*")"),
     "Statement[0].Effect", "\"Allow\" or \"Deny\""},
    {"EffectInObjectStatement",
     R"({"Version": "2012-10-17", "Statement": {"Effect": "Maybe", "Action": "*", "Resource": "*"}})",
     "Statement.Effect", "\"Allow\" or \"Deny\""},
    {"ActionAndNotAction",
     One(R"("Effect": "Allow", "Action": "*", "NotAction": "s3:*", "Resource": "*")"),
     "Statement[0].NotAction", "not both"},
    {"NeitherActionNorNotAction", One(R"("Effect": "Allow", "Resource": "*")"),
     "Statement[0].Action", "Action or NotAction is required"},
    {"ResourceAndNotResource",
     One(R"("Effect": "Allow", "Action": "*", "NotResource": "*", "Resource": "*")"),
     "Statement[0].Resource", "not both"},
    {"NeitherResourceNorNotResource", One(R"("Effect": "Allow", "Action": "*")"),
     "Statement[0].Resource", "Resource or NotResource is required"},
    {"ActionNumber", One(R"("Effect": "Allow", "Action": 5, "Resource": "*")"),
     "Statement[0].Action", "string or an array of strings"},
    {"ActionEmptyList", One(R"("Effect": "Allow", "Action": [], "Resource": "*")"),
     "Statement[0].Action", "must not be empty"},
    {"ActionItemNotString",
     One(R"("Effect": "Allow", "Action": ["s3:GetObject", 5], "Resource": "*")"),
     "Statement[0].Action[1]", "must be a string"},
    {"ActionWithoutColon", One(R"("Effect": "Allow", "Action": "s3GetObject", "Resource": "*")"),
     "Statement[0].Action", "\"service:action\""},
    {"ActionEmptyService", One(R"("Effect": "Allow", "Action": [":GetObject"], "Resource": "*")"),
     "Statement[0].Action[0]", "\"service:action\""},
    {"ActionEmptyName", One(R"("Effect": "Allow", "Action": ["*", "s3:"], "Resource": "*")"),
     "Statement[0].Action[1]", "\"service:action\""},
    {"ActionTwoColons", One(R"("Effect": "Allow", "Action": "s3:Get:Object", "Resource": "*")"),
     "Statement[0].Action", "more than one ':'"},
    {"ActionBadServicePrefix",
     One(R"("Effect": "Allow", "Action": "s3 x:GetObject", "Resource": "*")"),
     "Statement[0].Action", "invalid service prefix"},
    {"ActionEmptyString", One(R"("Effect": "Allow", "Action": "", "Resource": "*")"),
     "Statement[0].Action", "\"service:action\""},
    {"SecondStatementBadAction",
     R"({"Version": "2012-10-17", "Statement": [{)" + std::string(kAllowAll) +
         R"(}, {"Effect": "Allow", "Action": ["billing"], "Resource": "*"}]})",
     "Statement[1].Action[0]", "\"service:action\""},
    {"ResourceNotArn", One(R"("Effect": "Allow", "Action": "*", "Resource": "bucket")"),
     "Statement[0].Resource", "\"*\" or an ARN"},
    {"ResourceEmpty", One(R"("Effect": "Allow", "Action": "*", "Resource": [""])"),
     "Statement[0].Resource[0]", "\"*\" or an ARN"},
    {"ResourceShortWithoutStar",
     One(R"("Effect": "Allow", "Action": "*", "Resource": ["*", "arn:aws:s3"])"),
     "Statement[0].Resource[1]", "\"*\" or an ARN"},
    {"ResourceNotStartingWithArn",
     One(R"("Effect": "Allow", "Action": "*", "Resource": "urn:aws:s3:::b")"),
     "Statement[0].Resource", "start with \"arn:\""},
    {"ResourceShortNotArn", One(R"("Effect": "Allow", "Action": "*", "Resource": "foo:*")"),
     "Statement[0].Resource", "start with \"arn:\""},
    {"NotResourceNumber", One(R"("Effect": "Allow", "Action": "*", "NotResource": 1)"),
     "Statement[0].NotResource", "string or an array"},
    {"SidWithDash", One(R"("Sid": "my-sid", )" + std::string(kAllowAll)), "Statement[0].Sid",
     "only A-Z, a-z and 0-9"},
    {"SidWithSpace", One(R"("Sid": "my sid", )" + std::string(kAllowAll)), "Statement[0].Sid",
     "only A-Z, a-z and 0-9"},
    {"SidNotString", One(R"("Sid": 1, )" + std::string(kAllowAll)), "Statement[0].Sid",
     "must be a string"},
    {"Principal", One(R"("Principal": {"AWS": "*"}, )" + std::string(kAllowAll)),
     "Statement[0].Principal", "cannot name a principal"},
    {"NotPrincipal", One(R"("NotPrincipal": "*", )" + std::string(kAllowAll)),
     "Statement[0].NotPrincipal", "cannot name a principal"},
    {"UnknownStatementElement", One(std::string(kAllowAll) + R"(, "Effects": "Allow")"),
     "Statement[0].Effects", "unknown statement element"},
    {"ElementNamesAreCaseSensitive", One(R"("effect": "Allow", "Action": "*", "Resource": "*")"),
     "Statement[0].effect", "unknown statement element"},
    {"ConditionNotObject", One(std::string(kAllowAll) + R"(, "Condition": "x")"),
     "Statement[0].Condition", "must be an object"},
    {"ConditionNull", One(std::string(kAllowAll) + R"(, "Condition": null)"),
     "Statement[0].Condition", "must be an object"},
    {"ConditionOperatorNotObject",
     One(std::string(kAllowAll) + R"(, "Condition": {"StringEquals": "x"})"),
     "Statement[0].Condition.StringEquals", "object of condition keys"},
    {"ConditionValueObject",
     One(std::string(kAllowAll) + R"(, "Condition": {"StringEquals": {"aws:username": {"a": 1}}})"),
     "Statement[0].Condition.StringEquals.aws:username", "a value or an array"},
    {"ConditionValueNull",
     One(std::string(kAllowAll) + R"(, "Condition": {"StringEquals": {"aws:username": null}})"),
     "Statement[0].Condition.StringEquals.aws:username", "a value or an array"},
    {"ConditionListItemObject",
     One(std::string(kAllowAll) +
         R"(, "Condition": {"StringEquals": {"aws:username": ["a", {}]}})"),
     "Statement[0].Condition.StringEquals.aws:username[1]", "string, number or boolean"},
};

INSTANTIATE_TEST_SUITE_P(Valid, CompileCaseTest, ::testing::ValuesIn(kValid),
                         [](const auto& info) { return std::string(info.param.name); });
INSTANTIATE_TEST_SUITE_P(Invalid, CompileCaseTest, ::testing::ValuesIn(kInvalid),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(CompilePolicyTest, CompiledStatementsCarryTheirElements) {
  absl::StatusOr<CompiledPolicyPtr> p = CompilePolicy(R"({
    "Version": "2012-10-17",
    "Statement": [
      {"Sid": "First", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
      {"Effect": "Deny", "NotAction": ["iam:*"], "NotResource": "arn:aws:s3:::b",
       "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    ]})");
  ASSERT_TRUE(p.ok()) << p.status();
  const CompiledPolicy& policy = **p;
  EXPECT_EQ(policy.version, "2012-10-17");
  ASSERT_EQ(policy.statements.size(), 2u);

  const CompiledStatement& a = policy.statements[0];
  EXPECT_EQ(a.index, 0);
  EXPECT_EQ(a.sid, "First");
  EXPECT_EQ(a.effect, StatementEffect::kAllow);
  EXPECT_FALSE(a.not_action);
  EXPECT_FALSE(a.not_resource);
  EXPECT_FALSE(a.condition != nullptr);
  EXPECT_TRUE(a.MatchesAction("s3:getobject"));
  EXPECT_FALSE(a.MatchesAction("s3:putobject"));

  const CompiledStatement& d = policy.statements[1];
  EXPECT_EQ(d.index, 1);
  EXPECT_EQ(d.sid, "");
  EXPECT_EQ(d.effect, StatementEffect::kDeny);
  EXPECT_TRUE(d.not_action);
  EXPECT_TRUE(d.not_resource);
  EXPECT_TRUE(d.condition != nullptr);
  EXPECT_TRUE(d.MatchesAction("s3:getobject"));
  EXPECT_FALSE(d.MatchesAction("iam:createuser"));
  EXPECT_TRUE(d.MatchesResource("arn:aws:s3:::other", RequestContext()));
  EXPECT_FALSE(d.MatchesResource("arn:aws:s3:::b", RequestContext()));
}

TEST(CompilePolicyTest, StatementObjectIsIndexZeroAndVersionDefaults) {
  absl::StatusOr<CompiledPolicyPtr> p = CompilePolicy(
      R"({"Statement": {"Sid": "Only", "Effect": "Deny", "Action": "*", "Resource": "*"}})");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->version, "2008-10-17");
  ASSERT_EQ((*p)->statements.size(), 1u);
  EXPECT_EQ((*p)->statements[0].index, 0);
  EXPECT_EQ((*p)->statements[0].sid, "Only");
  EXPECT_EQ((*p)->statements[0].effect, StatementEffect::kDeny);
}

TEST(CompilePolicyTest, AnEmptyConditionBlockIsNoCondition) {
  // IAM evaluates the conditions of a block together; a block with none is
  // satisfied, so the statement is unconditional.
  absl::StatusOr<CompiledPolicyPtr> p =
      CompilePolicy(One(std::string(kAllowAll) + R"(, "Condition": {})"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE((*p)->statements[0].condition != nullptr);
  absl::StatusOr<CompiledPolicyPtr> q = CompilePolicy(
      One(std::string(kAllowAll) + R"(, "Condition": {"Bool": {"aws:SecureTransport": true}})"));
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_TRUE((*q)->statements[0].condition != nullptr);
}

TEST(CompilePolicyTest, NonWhitespaceLimit) {
  std::string doc = One(kAllowAll);
  size_t n = NonWhitespaceLength(doc);
  CompileOptions exact;
  exact.max_non_whitespace_chars = n;
  EXPECT_TRUE(CompilePolicy(doc, exact).ok());

  CompileOptions tight;
  tight.max_non_whitespace_chars = n - 1;
  absl::StatusOr<CompiledPolicyPtr> p = CompilePolicy(doc, tight);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(p.status()), "");
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("white space not counted"));

  // White space does not count against the limit.
  std::string padded = doc;
  padded.insert(1, std::string(10000, ' ') + std::string(1000, '\n') + std::string(1000, '\t'));
  EXPECT_TRUE(CompilePolicy(padded, exact).ok());
}

TEST(CompilePolicyTest, AbsoluteDocumentSizeLimit) {
  std::string doc = One(kAllowAll);
  std::string at_limit = doc;
  at_limit.insert(1, std::string(kMaxPolicyDocumentBytes - doc.size(), ' '));
  ASSERT_EQ(at_limit.size(), kMaxPolicyDocumentBytes);
  EXPECT_TRUE(CompilePolicy(at_limit).ok());
  std::string over = at_limit;
  over.insert(1, " ");
  absl::StatusOr<CompiledPolicyPtr> p = CompilePolicy(over);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("131072"));
}

TEST(NonWhitespaceLengthTest, CountsEverythingButSpaceTabAndNewlines) {
  EXPECT_EQ(NonWhitespaceLength(""), 0u);
  EXPECT_EQ(NonWhitespaceLength(" \t\r\n"), 0u);
  EXPECT_EQ(NonWhitespaceLength("{ \"a\" : 1 }"), 7u);
  EXPECT_EQ(NonWhitespaceLength("a b\nc"), 3u);
}

}  // namespace
}  // namespace pdp

namespace pdp {
namespace {

TEST(CompilePolicyCharactersTest, OnlyTabLineBreaksAndLatin1AreAllowed) {
  auto doc = [](const std::string& resource) {
    return R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":")" +
           resource + R"("}})";
  };
  // U+00E9 (é) encoded as UTF-8 is within IAM's range.
  EXPECT_TRUE(CompilePolicy(doc("arn:aws:s3:::caf\xc3\xa9")).ok());
  // A byte that is not UTF-8, and U+20AC (€), are not.
  for (const std::string& bad :
       {std::string("arn:aws:s3:::b\xff"), std::string("arn:aws:s3:::\xe2\x82\xac")}) {
    absl::StatusOr<CompiledPolicyPtr> p = CompilePolicy(doc(bad));
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(p.status().message()), ::testing::HasSubstr("U+0020 to U+00FF"));
  }
  // A control character outside strings is refused by the same check.
  EXPECT_FALSE(CompilePolicy(std::string("{\x01}")).ok());
}

}  // namespace
}  // namespace pdp
