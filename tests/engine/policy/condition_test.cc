#include "engine/policy/condition.h"

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "base/errors.h"
#include "engine/policy/policy_json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/error_fields.h"

namespace pdp {

std::ostream& operator<<(std::ostream& os, ConditionOutcome o) {
  switch (o) {
    case ConditionOutcome::kTrue:
      return os << "kTrue";
    case ConditionOutcome::kFalse:
      return os << "kFalse";
    case ConditionOutcome::kError:
      return os << "kError";
  }
  return os << "?";
}

namespace {

using ::testing::HasSubstr;
using Context = std::vector<std::pair<std::string, std::vector<std::string>>>;

constexpr ConditionOutcome T = ConditionOutcome::kTrue;
constexpr ConditionOutcome F = ConditionOutcome::kFalse;
constexpr ConditionOutcome E = ConditionOutcome::kError;

constexpr char kPath[] = "Statement[0].Condition";

RequestContext MakeContext(const Context& keys) {
  RequestContext c;
  for (const auto& [k, v] : keys) c.Set(k, v);
  return c;
}

absl::StatusOr<std::shared_ptr<const CompiledCondition>> CompileText(const std::string& text,
                                                                     bool variables = true) {
  absl::StatusOr<Json> json = ParseStrictJson(text);
  if (!json.ok()) return json.status();
  return CompiledCondition::Compile(*json, kPath, variables);
}

using test::FieldOf;

struct EvalCase {
  const char* name;
  const char* condition;  // the JSON object under "Condition"
  Context context;
  ConditionOutcome want;
  bool variables = true;  // Version 2012-10-17
};

class EvalTest : public ::testing::TestWithParam<EvalCase> {};

TEST_P(EvalTest, Evaluates) {
  const EvalCase& c = GetParam();
  auto compiled = CompileText(c.condition, c.variables);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  RequestContext ctx = MakeContext(c.context);
  EXPECT_EQ((*compiled)->Evaluate(ctx), c.want) << c.condition;
  // The traced evaluation gives the same answer and one entry per clause.
  std::vector<ConditionTrace> trace;
  EXPECT_EQ((*compiled)->Evaluate(ctx, &trace), c.want);
  EXPECT_EQ(trace.empty(), std::string(c.condition) == "{}");
}

std::string Name(const ::testing::TestParamInfo<EvalCase>& info) { return info.param.name; }

const Context kAlice = {{"aws:username", {"alice"}}};

// ---------------------------------------------------------------- strings
INSTANTIATE_TEST_SUITE_P(
    String, EvalTest,
    ::testing::Values(
        EvalCase{"EqualsMatch", R"({"StringEquals": {"aws:username": "alice"}})", kAlice, T},
        EvalCase{"EqualsCaseSensitive", R"({"StringEquals": {"aws:username": "Alice"}})", kAlice,
                 F},
        EvalCase{"KeyNameCaseInsensitive", R"({"StringEquals": {"AWS:UserName": "alice"}})", kAlice,
                 T},
        EvalCase{"EqualsOneOfSeveral", R"({"StringEquals": {"aws:username": ["bob", "alice"]}})",
                 kAlice, T},
        EvalCase{"EqualsNoneOfSeveral", R"({"StringEquals": {"aws:username": ["bob", "carol"]}})",
                 kAlice, F},
        EvalCase{"EqualsHasNoWildcards", R"({"StringEquals": {"aws:username": "ali*"}})", kAlice,
                 F},
        EvalCase{"EqualsStarIsText", R"({"StringEquals": {"k": "ali*"}})", {{"k", {"ali*"}}}, T},
        EvalCase{"NotEqualsMatchesNone",
                 R"({"StringNotEquals": {"aws:username": ["bob", "carol"]}})", kAlice, T},
        EvalCase{"NotEqualsMatchesOne",
                 R"({"StringNotEquals": {"aws:username": ["bob", "alice"]}})", kAlice, F},
        EvalCase{"EqualsIgnoreCase", R"({"StringEqualsIgnoreCase": {"aws:username": "ALICE"}})",
                 kAlice, T},
        EvalCase{"NotEqualsIgnoreCase",
                 R"({"StringNotEqualsIgnoreCase": {"aws:username": "ALICE"}})", kAlice, F},
        EvalCase{"NotEqualsIgnoreCaseOther",
                 R"({"StringNotEqualsIgnoreCase": {"aws:username": "BOB"}})", kAlice, T},
        EvalCase{"LikeStar",
                 R"({"StringLike": {"s3:prefix": "home/*"}})",
                 {{"s3:prefix", {"home/alice/x"}}},
                 T},
        EvalCase{"LikeQuestion", R"({"StringLike": {"k": "a?c"}})", {{"k", {"abc"}}}, T},
        EvalCase{"LikeQuestionIsOneChar", R"({"StringLike": {"k": "a?c"}})", {{"k", {"abbc"}}}, F},
        EvalCase{"LikeCaseSensitive", R"({"StringLike": {"k": "A*"}})", {{"k", {"abc"}}}, F},
        EvalCase{"LikeEmptyMatchesEmpty", R"({"StringLike": {"k": ""}})", {{"k", {""}}}, T},
        EvalCase{
            "NotLikeMatchesNone", R"({"StringNotLike": {"k": ["a*", "b*"]}})", {{"k", {"cat"}}}, T},
        EvalCase{
            "NotLikeMatchesOne", R"({"StringNotLike": {"k": ["a*", "b*"]}})", {{"k", {"bat"}}}, F},
        EvalCase{"JsonNumberComparedAsText", R"({"StringEquals": {"k": 10}})", {{"k", {"10"}}}, T},
        EvalCase{
            "JsonBoolComparedAsText", R"({"StringEquals": {"k": true}})", {{"k", {"true"}}}, T}),
    Name);

// ---------------------------------------------------------------- numbers
INSTANTIATE_TEST_SUITE_P(
    Numeric, EvalTest,
    ::testing::Values(
        EvalCase{"LessThanTrue",
                 R"({"NumericLessThan": {"s3:max-keys": 10}})",
                 {{"s3:max-keys", {"9"}}},
                 T},
        EvalCase{"LessThanEqualIsFalse",
                 R"({"NumericLessThan": {"s3:max-keys": "10"}})",
                 {{"s3:max-keys", {"10.0"}}},
                 F},
        EvalCase{"LessThanNegative", R"({"NumericLessThan": {"n": 0}})", {{"n", {"-1"}}}, T},
        EvalCase{
            "LessThanEquals", R"({"NumericLessThanEquals": {"n": "10"}})", {{"n", {"10.000"}}}, T},
        EvalCase{
            "GreaterThanDecimal", R"({"NumericGreaterThan": {"n": 1.5}})", {{"n", {"1.50001"}}}, T},
        EvalCase{"GreaterThanFalse", R"({"NumericGreaterThan": {"n": 1.5}})", {{"n", {"1.5"}}}, F},
        EvalCase{"GreaterThanEquals",
                 R"({"NumericGreaterThanEquals": {"n": 1.5}})",
                 {{"n", {"1.5"}}},
                 T},
        EvalCase{"EqualsLeadingZeros", R"({"NumericEquals": {"n": "10"}})", {{"n", {"010"}}}, T},
        EvalCase{"EqualsPlusSign", R"({"NumericEquals": {"n": "10"}})", {{"n", {"+10"}}}, T},
        EvalCase{"EqualsNegativeZero", R"({"NumericEquals": {"n": "0"}})", {{"n", {"-0.0"}}}, T},
        EvalCase{"ExactBeyondDoublePrecision",
                 R"({"NumericLessThan": {"n": "12345678901234567890.000000000000000001"}})",
                 {{"n", {"12345678901234567890"}}},
                 T},
        EvalCase{"NotEqualsNone", R"({"NumericNotEquals": {"n": [1, 2]}})", {{"n", {"3"}}}, T},
        EvalCase{"NotEqualsOne", R"({"NumericNotEquals": {"n": [1, 2]}})", {{"n", {"2"}}}, F},
        EvalCase{
            "RequestNotNumberIsError", R"({"NumericLessThan": {"n": 10}})", {{"n", {"ten"}}}, E},
        EvalCase{"RequestExponentIsError", R"({"NumericEquals": {"n": 10}})", {{"n", {"1e1"}}}, E},
        EvalCase{"NegatedRequestNotNumberIsError",
                 R"({"NumericNotEquals": {"n": 10}})",
                 {{"n", {"abc"}}},
                 E}),
    Name);

// ---------------------------------------------------------------- dates
INSTANTIATE_TEST_SUITE_P(
    Date, EvalTest,
    ::testing::Values(
        EvalCase{"GreaterThan",
                 R"({"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}})",
                 {{"aws:TokenIssueTime", {"2020-01-01T00:00:02Z"}}},
                 T},
        EvalCase{"GreaterThanSameIsFalse",
                 R"({"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}})",
                 {{"aws:TokenIssueTime", {"2020-01-01T00:00:01Z"}}},
                 F},
        EvalCase{"LessThanFraction",
                 R"({"DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"}})",
                 {{"aws:CurrentTime", {"2020-06-30T23:59:59.5Z"}}},
                 F},
        EvalCase{"LessThanEquals",
                 R"({"DateLessThanEquals": {"t": "2020-06-30T23:59:59Z"}})",
                 {{"t", {"2020-06-30T23:59:59.000Z"}}},
                 T},
        EvalCase{"GreaterThanEquals",
                 R"({"DateGreaterThanEquals": {"t": "2020-06-30"}})",
                 {{"t", {"2020-06-29T23:59:59Z"}}},
                 F},
        EvalCase{"EpochPolicyIsoRequest",
                 R"({"DateEquals": {"t": 1577836800}})",
                 {{"t", {"2020-01-01T00:00:00Z"}}},
                 T},
        EvalCase{"IsoPolicyEpochRequest",
                 R"({"DateEquals": {"aws:EpochTime": "2020-01-01"}})",
                 {{"aws:EpochTime", {"1577836800"}}},
                 T},
        EvalCase{"ZoneOffset",
                 R"({"DateEquals": {"t": "2020-01-01T01:00:00+01:00"}})",
                 {{"t", {"2020-01-01T00:00:00Z"}}},
                 T},
        EvalCase{"NegativeZoneOffset",
                 R"({"DateEquals": {"t": "2019-12-31T19:30-04:30"}})",
                 {{"t", {"2020-01-01T00:00:00Z"}}},
                 T},
        EvalCase{"MinutesOnly",
                 R"({"DateLessThan": {"t": "2020-01-01T10:30Z"}})",
                 {{"t", {"2020-01-01T10:29:59Z"}}},
                 T},
        EvalCase{"LeapDay", R"({"DateEquals": {"t": "2020-02-29"}})", {{"t", {"1582934400"}}}, T},
        EvalCase{"NotEquals",
                 R"({"DateNotEquals": {"t": ["2020-01-01", "2020-01-02"]}})",
                 {{"t", {"2020-01-03T00:00:00Z"}}},
                 T},
        EvalCase{"NotEqualsOne",
                 R"({"DateNotEquals": {"t": ["2020-01-01", "2020-01-02"]}})",
                 {{"t", {"2020-01-02T00:00:00Z"}}},
                 F},
        EvalCase{"RequestNotDateIsError",
                 R"({"DateLessThan": {"t": "2020-01-01"}})",
                 {{"t", {"yesterday"}}},
                 E},
        EvalCase{"RequestBadMonthIsError",
                 R"({"DateLessThan": {"t": "2020-01-01"}})",
                 {{"t", {"2020-13-01"}}},
                 E}),
    Name);

// ---------------------------------------------------------------- Bool, Binary
INSTANTIATE_TEST_SUITE_P(
    BoolAndBinary, EvalTest,
    ::testing::Values(
        EvalCase{"BoolJsonFalse",
                 R"({"Bool": {"aws:SecureTransport": false}})",
                 {{"aws:SecureTransport", {"false"}}},
                 T},
        EvalCase{"BoolCaseInsensitive",
                 R"({"Bool": {"aws:SecureTransport": "False"}})",
                 {{"aws:SecureTransport", {"FALSE"}}},
                 T},
        EvalCase{"BoolMismatch",
                 R"({"Bool": {"aws:SecureTransport": "false"}})",
                 {{"aws:SecureTransport", {"true"}}},
                 F},
        EvalCase{"BoolRequestNotBooleanCannotBeEvaluated",
                 R"({"Bool": {"aws:SecureTransport": "true"}})",
                 {{"aws:SecureTransport", {"yes"}}},
                 E},
        EvalCase{"BoolWithVariable",
                 R"({"Bool": {"aws:MultiFactorAuthPresent": "${aws:SecureTransport}"}})",
                 {{"aws:MultiFactorAuthPresent", {"true"}}, {"aws:SecureTransport", {"true"}}},
                 T},
        EvalCase{"BoolWithUnresolvedVariable",
                 R"({"Bool": {"aws:MultiFactorAuthPresent": "${aws:SecureTransport}"}})",
                 {{"aws:MultiFactorAuthPresent", {"true"}}},
                 F},
        EvalCase{"BinaryEqualsSameBytes",
                 R"({"BinaryEquals": {"k": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}})",
                 {{"k", {"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}},
                 T},
        EvalCase{"BinaryEqualsUnpaddedSameBytes",
                 R"({"BinaryEquals": {"k": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}})",
                 {{"k", {"QmluYXJ5VmFsdWVJbkJhc2U2NA"}}},
                 T},
        EvalCase{"BinaryEqualsOtherBytes",
                 R"({"BinaryEquals": {"k": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}})",
                 {{"k", {"QmluYXJ5"}}},
                 F},
        EvalCase{"BinaryRequestNotBase64IsError",
                 R"({"BinaryEquals": {"k": "QUJD"}})",
                 {{"k", {"!!!"}}},
                 E}),
    Name);

// ---------------------------------------------------------------- IP
INSTANTIATE_TEST_SUITE_P(
    Ip, EvalTest,
    ::testing::Values(
        EvalCase{"InCidr",
                 R"({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})",
                 {{"aws:SourceIp", {"203.0.113.7"}}},
                 T},
        EvalCase{"OutsideCidr",
                 R"({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})",
                 {{"aws:SourceIp", {"203.0.114.1"}}},
                 F},
        EvalCase{"BareAddressIsSlash32",
                 R"({"IpAddress": {"aws:SourceIp": "203.0.113.7"}})",
                 {{"aws:SourceIp", {"203.0.113.8"}}},
                 F},
        EvalCase{"BareAddressMatchesItself",
                 R"({"IpAddress": {"aws:SourceIp": "203.0.113.7"}})",
                 {{"aws:SourceIp", {"203.0.113.7"}}},
                 T},
        EvalCase{"HostBitsMasked",
                 R"({"IpAddress": {"aws:SourceIp": "10.1.2.3/8"}})",
                 {{"aws:SourceIp", {"10.200.0.1"}}},
                 T},
        EvalCase{"SlashZero",
                 R"({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})",
                 {{"aws:SourceIp", {"192.0.2.1"}}},
                 T},
        EvalCase{"Ipv6InCidr",
                 R"({"IpAddress": {"aws:SourceIp": "2001:DB8:1234:5678::/64"}})",
                 {{"aws:SourceIp", {"2001:db8:1234:5678:abcd::1"}}},
                 T},
        EvalCase{"Ipv6OutsideCidr",
                 R"({"IpAddress": {"aws:SourceIp": "2001:DB8:1234:5678::/64"}})",
                 {{"aws:SourceIp", {"2001:db8:1234:5679::1"}}},
                 F},
        EvalCase{"Ipv4CidrDoesNotMatchIpv6",
                 R"({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})",
                 {{"aws:SourceIp", {"2001:db8::1"}}},
                 F},
        EvalCase{"Ipv6CidrDoesNotMatchIpv4",
                 R"({"IpAddress": {"aws:SourceIp": "::/0"}})",
                 {{"aws:SourceIp", {"192.0.2.1"}}},
                 F},
        EvalCase{"MappedIpv4RequestMatchesIpv4Cidr",
                 R"({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})",
                 {{"aws:SourceIp", {"::ffff:10.1.2.3"}}},
                 T},
        EvalCase{"MappedIpv6CidrMatchesIpv4Request",
                 R"({"IpAddress": {"aws:SourceIp": "::ffff:10.0.0.0/104"}})",
                 {{"aws:SourceIp", {"10.9.9.9"}}},
                 T},
        EvalCase{
            "MixedFamilies",
            R"({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}})",
            {{"aws:SourceIp", {"2001:db8:1234:5678::9"}}},
            T},
        EvalCase{"NotIpAddressInNone",
                 R"({"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24"]}})",
                 {{"aws:SourceIp", {"203.0.113.1"}}},
                 T},
        EvalCase{"NotIpAddressInOne",
                 R"({"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24"]}})",
                 {{"aws:SourceIp", {"198.51.100.9"}}},
                 F},
        EvalCase{"RequestNotIpIsError",
                 R"({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})",
                 {{"aws:SourceIp", {"not-an-ip"}}},
                 E},
        EvalCase{"RequestCidrIsError",
                 R"({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})",
                 {{"aws:SourceIp", {"10.0.0.1/32"}}},
                 E},
        EvalCase{"NegatedRequestNotIpIsError",
                 R"({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}})",
                 {{"aws:SourceIp", {"garbage"}}},
                 E}),
    Name);

// ---------------------------------------------------------------- ARN
INSTANTIATE_TEST_SUITE_P(
    Arn, EvalTest,
    ::testing::Values(
        EvalCase{"LikeWildcards",
                 R"({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Admin*"}})",
                 {{"aws:PrincipalArn", {"arn:aws:iam::123456789012:role/AdminX"}}},
                 T},
        EvalCase{"EqualsAllowsWildcards",
                 R"({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/*"}})",
                 {{"aws:PrincipalArn", {"arn:aws:iam::123456789012:user/bob"}}},
                 T},
        EvalCase{"CaseSensitive",
                 R"({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/Bob"}})",
                 {{"aws:PrincipalArn", {"arn:aws:iam::123456789012:user/bob"}}},
                 F},
        // The AWS documentation's example: ArnLike matches part by part...
        EvalCase{"StarStaysInItsPart",
                 R"({"ArnLike": {"k": "arn:aws:someservice:*:111122223333:finance/*"}})",
                 {{"k",
                   {"arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/"
                    "document.txt"}}},
                 F},
        // ...where StringLike lets '*' cross colons.
        EvalCase{"StringLikeCrossesColons",
                 R"({"StringLike": {"k": "arn:aws:someservice:*:111122223333:finance/*"}})",
                 {{"k",
                   {"arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/"
                    "document.txt"}}},
                 T},
        EvalCase{"ResourcePartKeepsColons",
                 R"({"ArnLike": {"k": "arn:aws:logs:us-east-1:123456789012:log-group:foo:*"}})",
                 {{"k", {"arn:aws:logs:us-east-1:123456789012:log-group:foo:log-stream:bar"}}},
                 T},
        EvalCase{"RequestNotArnCannotBeEvaluated",
                 R"({"ArnLike": {"k": "arn:*:*:*:*:*"}})",
                 {{"k", {"not-an-arn"}}},
                 E},
        EvalCase{"RequestNotArnNegatedCannotBeEvaluatedEither",
                 R"({"ArnNotLike": {"k": "arn:*:*:*:*:*"}})",
                 {{"k", {"not-an-arn"}}},
                 E},
        EvalCase{"PolicyValueNotArnMatchesNothing",
                 R"({"ArnLike": {"k": "*"}})",
                 {{"k", {"arn:aws:iam::123456789012:root"}}},
                 F},
        EvalCase{
            "NotEqualsMatch",
            R"({"ArnNotEquals": {"k": ["arn:aws:sns:*:123456789012:a", "arn:aws:sns:*:123456789012:b"]}})",
            {{"k", {"arn:aws:sns:us-east-1:123456789012:b"}}},
            F},
        EvalCase{"NotLikeNoMatch",
                 R"({"ArnNotLike": {"k": "arn:aws:sns:*:123456789012:a"}})",
                 {{"k", {"arn:aws:sns:us-east-1:123456789012:b"}}},
                 T},
        EvalCase{
            "VariableInArn",
            R"({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/${aws:username}"}})",
            {{"aws:PrincipalArn", {"arn:aws:iam::123456789012:user/alice"}},
             {"aws:username", {"alice"}}},
            T},
        EvalCase{"WholeArnVariable",
                 R"({"ArnEquals": {"aws:SourceArn": "${aws:PrincipalArn}"}})",
                 {{"aws:SourceArn", {"arn:aws:iam::123456789012:user/alice"}},
                  {"aws:PrincipalArn", {"arn:aws:iam::123456789012:user/alice"}}},
                 T},
        EvalCase{
            "SubstitutedStarIsLiteralInArn",
            R"({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/${aws:username}"}})",
            {{"aws:PrincipalArn", {"arn:aws:iam::123456789012:user/alice"}},
             {"aws:username", {"*"}}},
            F}),
    Name);

// ---------------------------------------------------------------- Null
INSTANTIATE_TEST_SUITE_P(
    Null, EvalTest,
    ::testing::Values(
        EvalCase{"TrueMissing", R"({"Null": {"aws:TokenIssueTime": "true"}})", {}, T},
        EvalCase{"TruePresent",
                 R"({"Null": {"aws:TokenIssueTime": "true"}})",
                 {{"aws:TokenIssueTime", {"2020-01-01T00:00:00Z"}}},
                 F},
        EvalCase{"TrueNoValues", R"({"Null": {"aws:TagKeys": true}})", {{"aws:TagKeys", {}}}, T},
        EvalCase{"TrueEmptyStringIsPresent", R"({"Null": {"k": true}})", {{"k", {""}}}, F},
        EvalCase{"FalsePresent",
                 R"({"Null": {"aws:TokenIssueTime": false}})",
                 {{"aws:TokenIssueTime", {"x"}}},
                 T},
        EvalCase{"FalseMissing", R"({"Null": {"aws:TokenIssueTime": false}})", {}, F},
        EvalCase{
            "FalseNoValues", R"({"Null": {"aws:TagKeys": "false"}})", {{"aws:TagKeys", {}}}, F},
        EvalCase{"CaseInsensitiveValue", R"({"Null": {"k": "TRUE"}})", {}, T},
        EvalCase{
            "BothValuesAlwaysTrue", R"({"Null": {"k": ["true", "false"]}})", {{"k", {"v"}}}, T}),
    Name);

// ---------------------------------------------------------------- missing keys
INSTANTIATE_TEST_SUITE_P(
    MissingKey, EvalTest,
    ::testing::Values(
        EvalCase{"StringEquals", R"({"StringEquals": {"k": "v"}})", {}, F},
        EvalCase{"StringNotEquals", R"({"StringNotEquals": {"k": "v"}})", {}, T},
        EvalCase{"StringEqualsIgnoreCase", R"({"StringEqualsIgnoreCase": {"k": "v"}})", {}, F},
        EvalCase{
            "StringNotEqualsIgnoreCase", R"({"StringNotEqualsIgnoreCase": {"k": "v"}})", {}, T},
        EvalCase{"StringLike", R"({"StringLike": {"k": "*"}})", {}, F},
        EvalCase{"StringNotLike", R"({"StringNotLike": {"k": "*"}})", {}, T},
        EvalCase{"NumericLessThan", R"({"NumericLessThan": {"k": 1}})", {}, F},
        EvalCase{"NumericNotEquals", R"({"NumericNotEquals": {"k": 1}})", {}, T},
        EvalCase{"DateGreaterThan", R"({"DateGreaterThan": {"k": "2020-01-01"}})", {}, F},
        EvalCase{"DateNotEquals", R"({"DateNotEquals": {"k": "2020-01-01"}})", {}, T},
        EvalCase{"Bool", R"({"Bool": {"k": false}})", {}, F},
        EvalCase{"BinaryEquals", R"({"BinaryEquals": {"k": "QUJD"}})", {}, F},
        EvalCase{"IpAddress", R"({"IpAddress": {"k": "0.0.0.0/0"}})", {}, F},
        EvalCase{"NotIpAddress", R"({"NotIpAddress": {"k": "10.0.0.0/8"}})", {}, T},
        EvalCase{"ArnLike", R"({"ArnLike": {"k": "arn:*:*:*:*:*"}})", {}, F},
        EvalCase{"ArnEquals", R"({"ArnEquals": {"k": "arn:*:*:*:*:*"}})", {}, F},
        EvalCase{"ArnNotLike", R"({"ArnNotLike": {"k": "arn:*:*:*:*:*"}})", {}, T},
        EvalCase{"ArnNotEquals", R"({"ArnNotEquals": {"k": "arn:*:*:*:*:*"}})", {}, T},
        EvalCase{"StringEqualsIfExists", R"({"StringEqualsIfExists": {"k": "v"}})", {}, T},
        EvalCase{"StringNotEqualsIfExists", R"({"StringNotEqualsIfExists": {"k": "v"}})", {}, T},
        EvalCase{"NumericLessThanIfExists", R"({"NumericLessThanIfExists": {"k": 1}})", {}, T},
        EvalCase{"BoolIfExists", R"({"BoolIfExists": {"k": "true"}})", {}, T},
        EvalCase{"IpAddressIfExists", R"({"IpAddressIfExists": {"k": "10.0.0.0/8"}})", {}, T},
        EvalCase{"ArnLikeIfExists", R"({"ArnLikeIfExists": {"k": "arn:*:*:*:*:*"}})", {}, T},
        EvalCase{"IfExistsPresentMatching",
                 R"({"StringLikeIfExists": {"ec2:InstanceType": "t2.*"}})",
                 {{"ec2:InstanceType", {"t2.micro"}}},
                 T},
        EvalCase{"IfExistsPresentNotMatching",
                 R"({"StringLikeIfExists": {"ec2:InstanceType": "t2.*"}})",
                 {{"ec2:InstanceType", {"m5.large"}}},
                 F},
        EvalCase{"IfExistsPresentBadValueIsError",
                 R"({"NumericLessThanIfExists": {"k": 1}})",
                 {{"k", {"x"}}},
                 E},
        EvalCase{"NoValuesPositive", R"({"StringEquals": {"k": "v"}})", {{"k", {}}}, F},
        EvalCase{"NoValuesNegated", R"({"StringNotEquals": {"k": "v"}})", {{"k", {}}}, T},
        EvalCase{"NoValuesIfExists", R"({"StringEqualsIfExists": {"k": "v"}})", {{"k", {}}}, T},
        EvalCase{"OtherKeyPresentDoesNotHelp",
                 R"({"StringEquals": {"k": "v"}})",
                 {{"other", {"v"}}},
                 F}),
    Name);

// ---------------------------------------------------------------- set operators
const Context kTags = {{"aws:TagKeys", {"DataClass", "Dept"}}};

INSTANTIATE_TEST_SUITE_P(
    SetOperators, EvalTest,
    ::testing::Values(
        EvalCase{"AnyValueMissing", R"({"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}})", {}, F},
        EvalCase{"AnyValueNoValues",
                 R"({"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}})",
                 {{"aws:TagKeys", {}}},
                 F},
        EvalCase{"AnyValueIfExistsMissingStillFalse",
                 R"({"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "team"}})",
                 {},
                 F},
        EvalCase{"AnyValueOneMatches",
                 R"({"ForAnyValue:StringEquals": {"aws:TagKeys": ["DataClass", "Owner"]}})", kTags,
                 T},
        EvalCase{"AnyValueNoneMatch",
                 R"({"ForAnyValue:StringEquals": {"aws:TagKeys": ["Owner", "Env"]}})", kTags, F},
        EvalCase{"AnyValueSingleValue",
                 R"({"ForAnyValue:StringLike": {"aws:TagKeys": "Data*"}})",
                 {{"aws:TagKeys", {"DataClass"}}},
                 T},
        EvalCase{"AnyValueNegatedSomeValueOutside",
                 R"({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["DataClass", "Owner"]}})",
                 kTags, T},
        EvalCase{"AnyValueNegatedAllInside",
                 R"({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["DataClass", "Owner"]}})",
                 {{"aws:TagKeys", {"DataClass", "Owner"}}},
                 F},
        EvalCase{
            "AllValuesMissing", R"({"ForAllValues:StringEquals": {"aws:TagKeys": "a"}})", {}, T},
        EvalCase{"AllValuesNoValues",
                 R"({"ForAllValues:StringEquals": {"aws:TagKeys": "a"}})",
                 {{"aws:TagKeys", {}}},
                 T},
        EvalCase{"AllValuesSubset",
                 R"({"ForAllValues:StringEquals": {"aws:TagKeys": ["DataClass", "Dept", "Env"]}})",
                 kTags, T},
        EvalCase{"AllValuesNotSubset",
                 R"({"ForAllValues:StringEquals": {"aws:TagKeys": ["DataClass", "Env"]}})", kTags,
                 F},
        EvalCase{"AllValuesLike",
                 R"({"ForAllValues:StringLike": {"aws:TagKeys": "Created*"}})",
                 {{"aws:TagKeys", {"CreatedBy", "CreatedAt"}}},
                 T},
        // The AWS documentation's ForAllValues:StringNotLike table.
        EvalCase{"AllValuesNotLikeKey1",
                 R"({"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}})",
                 {{"aws:TagKeys", {"key1:legal"}}},
                 F},
        EvalCase{"AllValuesNotLikeKey1Twice",
                 R"({"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}})",
                 {{"aws:TagKeys", {"key1:hr", "key1:personnel"}}},
                 F},
        EvalCase{"AllValuesNotLikeKey2",
                 R"({"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}})",
                 {{"aws:TagKeys", {"key2:audit"}}},
                 T},
        EvalCase{"AllValuesNotLikeMissing",
                 R"({"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}})",
                 {},
                 T},
        EvalCase{"AllValuesNotLikeMixed",
                 R"({"ForAllValues:StringNotLike": {"aws:TagKeys": ["key1*", "key2*"]}})",
                 {{"aws:TagKeys", {"key3:a", "key2:b"}}},
                 F},
        EvalCase{"AllValuesNumericErrorDominates",
                 R"({"ForAllValues:NumericLessThan": {"k": 10}})",
                 {{"k", {"1", "x"}}},
                 E},
        EvalCase{"AnyValueNumericErrorDominates",
                 R"({"ForAnyValue:NumericLessThan": {"k": 10}})",
                 {{"k", {"1", "x"}}},
                 E},
        EvalCase{"AnyValueIpAddress",
                 R"({"ForAnyValue:IpAddress": {"k": "10.0.0.0/8"}})",
                 {{"k", {"192.0.2.1", "10.0.0.1"}}},
                 T},
        EvalCase{"PlainOperatorOnMultivaluedKeyIsError",
                 R"({"StringEquals": {"aws:TagKeys": "DataClass"}})", kTags, E},
        EvalCase{"PlainNegatedOperatorOnMultivaluedKeyIsError",
                 R"({"StringNotEquals": {"aws:TagKeys": "Other"}})", kTags, E}),
    Name);

// ---------------------------------------------------------------- variables
INSTANTIATE_TEST_SUITE_P(
    Variables, EvalTest,
    ::testing::Values(
        EvalCase{"Resolved",
                 R"({"StringEquals": {"aws:PrincipalTag/owner": "${aws:username}"}})",
                 {{"aws:PrincipalTag/owner", {"alice"}}, {"aws:username", {"alice"}}},
                 T},
        EvalCase{"ResolvedKeyNameAnyCase",
                 R"({"StringEquals": {"aws:PrincipalTag/owner": "${AWS:USERNAME}"}})",
                 {{"aws:PrincipalTag/owner", {"alice"}}, {"aws:username", {"alice"}}},
                 T},
        EvalCase{"ResolvedDifferent",
                 R"({"StringEquals": {"aws:PrincipalTag/owner": "${aws:username}"}})",
                 {{"aws:PrincipalTag/owner", {"bob"}}, {"aws:username", {"alice"}}},
                 F},
        EvalCase{"UnresolvedEqualsIsFalse",
                 R"({"StringEquals": {"aws:PrincipalTag/owner": "${aws:username}"}})",
                 {{"aws:PrincipalTag/owner", {"${aws:username}"}}},
                 F},
        EvalCase{"UnresolvedNotEqualsIsTrue",
                 R"({"StringNotEquals": {"aws:PrincipalTag/owner": "${aws:username}"}})",
                 {{"aws:PrincipalTag/owner", {"anything"}}},
                 T},
        EvalCase{"UnresolvedLikeStarIsFalse",
                 R"({"StringLike": {"k": "${aws:username}*"}})",
                 {{"k", {"x"}}},
                 F},
        EvalCase{"UnresolvedOthersStillMatch",
                 R"({"StringEquals": {"k": ["${aws:username}", "x"]}})",
                 {{"k", {"x"}}},
                 T},
        EvalCase{"MultiValuedVariableUnresolved",
                 R"({"StringEquals": {"k": "${aws:TagKeys}"}})",
                 {{"k", {"a"}}, {"aws:TagKeys", {"a", "b"}}},
                 F},
        EvalCase{
            "DefaultUsed",
            R"({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team, 'company-wide'}"}})",
            {{"aws:ResourceTag/team", {"company-wide"}}},
            T},
        EvalCase{
            "DefaultNotUsedWhenResolved",
            R"({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team, 'company-wide'}"}})",
            {{"aws:ResourceTag/team", {"company-wide"}}, {"aws:PrincipalTag/team", {"ops"}}},
            F},
        EvalCase{"SubstitutedStarIsLiteral",
                 R"({"StringLike": {"s3:prefix": "home/${aws:username}/*"}})",
                 {{"s3:prefix", {"home/bob/x"}}, {"aws:username", {"*"}}},
                 F},
        EvalCase{"SubstitutedStarMatchesItself",
                 R"({"StringLike": {"s3:prefix": "home/${aws:username}/*"}})",
                 {{"s3:prefix", {"home/*/x"}}, {"aws:username", {"*"}}},
                 T},
        EvalCase{"SubstitutedQuestionIsLiteral",
                 R"({"StringLike": {"k": "${aws:username}"}})",
                 {{"k", {"a"}}, {"aws:username", {"?"}}},
                 F},
        EvalCase{"EscapedStarIsLiteral", R"({"StringLike": {"k": "a${*}"}})", {{"k", {"abc"}}}, F},
        EvalCase{"EscapedStarMatchesStar", R"({"StringLike": {"k": "a${*}"}})", {{"k", {"a*"}}}, T},
        EvalCase{"EscapedDollar", R"({"StringEquals": {"k": "${$}{x}"}})", {{"k", {"${x}"}}}, T},
        EvalCase{"IgnoreCaseWithVariable",
                 R"({"StringEqualsIgnoreCase": {"k": "team-${aws:username}"}})",
                 {{"k", {"TEAM-ALICE"}}, {"aws:username", {"alice"}}},
                 T},
        EvalCase{"Version2008Literal",
                 R"({"StringEquals": {"k": "${aws:username}"}})",
                 {{"k", {"${aws:username}"}}, {"aws:username", {"alice"}}},
                 T,
                 false},
        EvalCase{"Version2008NotSubstituted",
                 R"({"StringEquals": {"k": "${aws:username}"}})",
                 {{"k", {"alice"}}, {"aws:username", {"alice"}}},
                 F,
                 false},
        EvalCase{"Version2008LikeStarStillWildcard",
                 R"({"StringLike": {"k": "${*}*"}})",
                 {{"k", {"${*}abc"}}},
                 T,
                 false}),
    Name);

// ---------------------------------------------------------------- AND
INSTANTIATE_TEST_SUITE_P(
    And, EvalTest,
    ::testing::Values(
        EvalCase{"EmptyConditionIsTrue", "{}", {}, T},
        EvalCase{"AllTrue",
                 R"({"StringEquals": {"a": "1", "b": "2"}, "Bool": {"c": true}})",
                 {{"a", {"1"}}, {"b", {"2"}}, {"c", {"true"}}},
                 T},
        EvalCase{"OneKeyFalse",
                 R"({"StringEquals": {"a": "1", "b": "2"}})",
                 {{"a", {"1"}}, {"b", {"3"}}},
                 F},
        EvalCase{"OneOperatorFalse",
                 R"({"StringEquals": {"a": "1"}, "Bool": {"c": true}})",
                 {{"a", {"1"}}, {"c", {"false"}}},
                 F},
        EvalCase{"ErrorBeatsFalse",
                 R"({"StringEquals": {"a": "1"}, "NumericLessThan": {"n": 1}})",
                 {{"a", {"2"}}, {"n", {"x"}}},
                 E},
        EvalCase{"ErrorAfterFalseStillError",
                 R"({"NumericLessThan": {"n": 1}, "StringEquals": {"a": "1"}})",
                 {{"a", {"2"}}, {"n", {"x"}}},
                 E},
        EvalCase{"ErrorBeatsTrue",
                 R"({"StringEquals": {"a": "1"}, "NumericLessThan": {"n": 1}})",
                 {{"a", {"1"}}, {"n", {"x"}}},
                 E},
        EvalCase{
            "SameKeyTwoOperators",
            R"({"IpAddress": {"aws:SourceIp": "54.240.143.0/24"}, "NotIpAddress": {"aws:SourceIp": "54.240.143.188/32"}})",
            {{"aws:SourceIp", {"54.240.143.188"}}},
            F},
        EvalCase{
            "SameKeyTwoOperatorsAllowed",
            R"({"IpAddress": {"aws:SourceIp": "54.240.143.0/24"}, "NotIpAddress": {"aws:SourceIp": "54.240.143.188/32"}})",
            {{"aws:SourceIp", {"54.240.143.187"}}},
            T}),
    Name);

// ---------------------------------------------------------------- compile errors
struct ErrorCase {
  const char* name;
  const char* condition;
  const char* field;
  const char* message;
  bool variables = true;
};

class CompileErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(CompileErrorTest, RejectsWithFieldPath) {
  const ErrorCase& c = GetParam();
  auto compiled = CompileText(c.condition, c.variables);
  ASSERT_FALSE(compiled.ok()) << "accepted " << c.condition;
  EXPECT_EQ(compiled.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(compiled.status()), c.field) << compiled.status();
  EXPECT_THAT(std::string(compiled.status().message()), HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, CompileErrorTest,
    ::testing::Values(
        ErrorCase{"NotObject", R"(["StringEquals"])", "Statement[0].Condition", "object"},
        ErrorCase{"UnknownOperator", R"({"StringMatches": {"k": "v"}})",
                  "Statement[0].Condition.StringMatches", "unknown condition operator"},
        ErrorCase{"OperatorCaseMatters", R"({"stringEquals": {"k": "v"}})",
                  "Statement[0].Condition.stringEquals", "case-sensitive"},
        ErrorCase{"UnknownSetPrefix", R"({"ForSomeValues:StringEquals": {"k": "v"}})",
                  "Statement[0].Condition.ForSomeValues:StringEquals", "unknown"},
        ErrorCase{"IfExistsCaseMatters", R"({"StringEqualsifexists": {"k": "v"}})",
                  "Statement[0].Condition.StringEqualsifexists", "unknown"},
        ErrorCase{"NullWithSetPrefix", R"({"ForAnyValue:Null": {"k": "true"}})",
                  "Statement[0].Condition.ForAnyValue:Null", "Null"},
        ErrorCase{"NullIfExists", R"({"NullIfExists": {"k": "true"}})",
                  "Statement[0].Condition.NullIfExists", "IfExists"},
        ErrorCase{"BlockNotObject", R"({"StringEquals": "v"})",
                  "Statement[0].Condition.StringEquals", "object of condition keys"},
        ErrorCase{"EmptyBlock", R"({"StringEquals": {}})", "Statement[0].Condition.StringEquals",
                  "at least one"},
        ErrorCase{"EmptyValueList", R"({"StringEquals": {"k": []}})",
                  "Statement[0].Condition.StringEquals.k", "must not be empty"},
        ErrorCase{"ObjectValue", R"({"StringEquals": {"k": {"a": 1}}})",
                  "Statement[0].Condition.StringEquals.k", "value or an array"},
        ErrorCase{"NullInList", R"({"StringEquals": {"k": ["a", null]}})",
                  "Statement[0].Condition.StringEquals.k[1]", "string, number or boolean"},
        ErrorCase{"BadCidrInList",
                  R"({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "10.0.0.0/33"]}})",
                  "Statement[0].Condition.IpAddress.aws:SourceIp[1]", "10.0.0.0/33"},
        ErrorCase{"BadIp", R"({"NotIpAddress": {"aws:SourceIp": "10.0.0.256"}})",
                  "Statement[0].Condition.NotIpAddress.aws:SourceIp", "not an IPv4"},
        ErrorCase{"Ipv6PrefixTooLong", R"({"IpAddress": {"aws:SourceIp": "2001:db8::/129"}})",
                  "Statement[0].Condition.IpAddress.aws:SourceIp", "2001:db8::/129"},
        ErrorCase{"BadDate", R"({"DateLessThan": {"aws:CurrentTime": "2020-02-30T00:00:00Z"}})",
                  "Statement[0].Condition.DateLessThan.aws:CurrentTime", "2020-02-30"},
        ErrorCase{"DateWithWildcard", R"({"DateLessThan": {"aws:CurrentTime": "2020-*"}})",
                  "Statement[0].Condition.DateLessThan.aws:CurrentTime", "not an ISO 8601"},
        ErrorCase{"NotANumber", R"({"NumericLessThan": {"s3:max-keys": "ten"}})",
                  "Statement[0].Condition.NumericLessThan.s3:max-keys", "not a number"},
        ErrorCase{"NumericVariableIsLiteral", R"({"NumericEquals": {"n": "${aws:username}"}})",
                  "Statement[0].Condition.NumericEquals.n", "not a number"},
        ErrorCase{"DateVariableIsLiteral", R"({"DateEquals": {"t": "${aws:CurrentTime}"}})",
                  "Statement[0].Condition.DateEquals.t", "not an ISO 8601"},
        ErrorCase{"IpVariableIsLiteral", R"({"IpAddress": {"aws:SourceIp": "${x}"}})",
                  "Statement[0].Condition.IpAddress.aws:SourceIp", "not an IPv4"},
        ErrorCase{"BadBase64", R"({"BinaryEquals": {"k": "not base64!"}})",
                  "Statement[0].Condition.BinaryEquals.k", "not base64"},
        ErrorCase{"BoolNotBoolean", R"({"Bool": {"aws:SecureTransport": "yes"}})",
                  "Statement[0].Condition.Bool.aws:SecureTransport", "not true or false"},
        ErrorCase{"BoolNumber", R"({"Bool": {"aws:SecureTransport": [true, 1]}})",
                  "Statement[0].Condition.Bool.aws:SecureTransport[1]", "not true or false"},
        ErrorCase{"BoolVariableUnder2008", R"({"Bool": {"k": "${x}"}})",
                  "Statement[0].Condition.Bool.k", "not true or false", false},
        ErrorCase{"NullNotBoolean", R"({"Null": {"k": "maybe"}})", "Statement[0].Condition.Null.k",
                  "not true or false"},
        ErrorCase{"MalformedVariable", R"({"StringEquals": {"k": ["ok", "${aws:username"]}})",
                  "Statement[0].Condition.StringEquals.k[1]", "unterminated"},
        ErrorCase{"VariableBadDefault", R"({"StringLike": {"k": "${aws:username, nobody}"}})",
                  "Statement[0].Condition.StringLike.k", "single quotes"},
        ErrorCase{"VariableEmptyKey", R"({"ArnLike": {"k": "arn:aws:iam::${}:root"}})",
                  "Statement[0].Condition.ArnLike.k", "empty key"}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

TEST(CompileTest, MalformedVariableIsTextUnder2008) {
  EXPECT_TRUE(CompileText(R"({"StringEquals": {"k": "${aws:username"}})", false).ok());
}

TEST(CompileTest, KeysAreLowerCasedAndDeduplicated) {
  auto c = CompileText(
      R"({"StringEquals": {"AWS:UserName": "a", "aws:SourceIp": "x"}, "IpAddress": {"aws:sourceip": "10.0.0.0/8"}})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)->keys(), (std::vector<std::string>{"aws:username", "aws:sourceip"}));
}

// ---------------------------------------------------------------- traces
std::vector<ConditionTrace> Trace(const std::string& condition, const Context& context,
                                  ConditionOutcome* outcome = nullptr) {
  auto c = CompileText(condition);
  EXPECT_TRUE(c.ok()) << c.status();
  std::vector<ConditionTrace> trace;
  if (!c.ok()) return trace;
  ConditionOutcome o = (*c)->Evaluate(MakeContext(context), &trace);
  if (outcome != nullptr) *outcome = o;
  return trace;
}

TEST(TraceTest, OneEntryPerClauseInDocumentOrderWithoutStopping) {
  ConditionOutcome outcome;
  std::vector<ConditionTrace> t = Trace(
      R"({"StringEquals": {"a": "1", "B": "2"}, "ForAnyValue:StringLikeIfExists": {"c": "x*"}})",
      {{"a", {"0"}}, {"b", {"2"}}}, &outcome);
  EXPECT_EQ(outcome, F);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].op, "StringEquals");
  EXPECT_EQ(t[0].key, "a");
  EXPECT_EQ(t[0].outcome, F);
  EXPECT_EQ(t[1].key, "B");
  EXPECT_EQ(t[1].outcome, T);
  EXPECT_EQ(t[2].op, "ForAnyValue:StringLikeIfExists");
  EXPECT_EQ(t[2].outcome, F);
  EXPECT_TRUE(t[2].key_missing);
  EXPECT_THAT(t[2].note, HasSubstr("IfExists does not change this"));
}

TEST(TraceTest, IpNoteNamesValueAndRanges) {
  std::vector<ConditionTrace> t =
      Trace(R"({"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24"]}})",
            {{"aws:SourceIp", {"10.1.2.3"}}});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].outcome, F);
  EXPECT_FALSE(t[0].key_missing);
  EXPECT_THAT(t[0].note, HasSubstr("aws:SourceIp"));
  EXPECT_THAT(t[0].note, HasSubstr("\"10.1.2.3\" matches none of"));
  EXPECT_THAT(t[0].note, HasSubstr("192.0.2.0/24"));
  EXPECT_THAT(t[0].note, HasSubstr("198.51.100.0/24"));
}

TEST(TraceTest, HostBitsShownMasked) {
  std::vector<ConditionTrace> t =
      Trace(R"({"IpAddress": {"aws:SourceIp": "10.1.2.3/8"}})", {{"aws:SourceIp", {"11.0.0.1"}}});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_THAT(t[0].note, HasSubstr("\"10.1.2.3/8\" (= 10.0.0.0/8)"));
}

TEST(TraceTest, MatchNamesMatchingPolicyValue) {
  std::vector<ConditionTrace> t =
      Trace(R"({"StringLike": {"s3:prefix": ["docs/*", "home/*"]}})", {{"s3:prefix", {"home/a"}}});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].outcome, T);
  EXPECT_THAT(t[0].note, HasSubstr("\"home/a\" matches \"home/*\""));
}

TEST(TraceTest, MissingKeyNote) {
  std::vector<ConditionTrace> t =
      Trace(R"({"StringEquals": {"aws:PrincipalTag/team": "ops"}})", {});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_TRUE(t[0].key_missing);
  EXPECT_EQ(t[0].outcome, F);
  EXPECT_THAT(t[0].note, HasSubstr("aws:PrincipalTag/team is not in the request"));
}

TEST(TraceTest, NoValuesIsNotMissingButSaysSo) {
  std::vector<ConditionTrace> t =
      Trace(R"({"ForAllValues:StringEquals": {"aws:TagKeys": "a"}})", {{"aws:TagKeys", {}}});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_FALSE(t[0].key_missing);
  EXPECT_EQ(t[0].outcome, T);
  EXPECT_THAT(t[0].note, HasSubstr("with no values"));
}

TEST(TraceTest, UnresolvedVariableNote) {
  std::vector<ConditionTrace> t =
      Trace(R"({"StringEquals": {"aws:PrincipalTag/owner": "${aws:username}"}})",
            {{"aws:PrincipalTag/owner", {"alice"}}});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_THAT(t[0].note, HasSubstr("\"${aws:username}\" (unresolved variable)"));
}

TEST(TraceTest, ResolvedVariableNote) {
  std::vector<ConditionTrace> t =
      Trace(R"({"StringEquals": {"aws:PrincipalTag/owner": "${aws:username}"}})",
            {{"aws:PrincipalTag/owner", {"bob"}}, {"aws:username", {"alice"}}});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_THAT(t[0].note, HasSubstr("\"${aws:username}\" (= \"alice\")"));
}

TEST(TraceTest, ErrorNoteNamesBadValue) {
  ConditionOutcome outcome;
  std::vector<ConditionTrace> t =
      Trace(R"({"NumericLessThan": {"s3:max-keys": 10}})", {{"s3:max-keys", {"lots"}}}, &outcome);
  EXPECT_EQ(outcome, E);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].outcome, E);
  EXPECT_THAT(t[0].note, HasSubstr("s3:max-keys value \"lots\" is not a number"));
}

TEST(TraceTest, MultivaluedWithoutSetOperatorNote) {
  std::vector<ConditionTrace> t =
      Trace(R"({"StringEquals": {"aws:TagKeys": "a"}})", {{"aws:TagKeys", {"a", "b"}}});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].outcome, E);
  EXPECT_THAT(t[0].note, HasSubstr("ForAnyValue:"));
}

TEST(TraceTest, NullNote) {
  std::vector<ConditionTrace> t = Trace(R"({"Null": {"aws:TokenIssueTime": "true"}})",
                                        {{"aws:TokenIssueTime", {"2020-01-01T00:00:00Z"}}});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].outcome, F);
  EXPECT_THAT(t[0].note, HasSubstr("is present (not null)"));
  EXPECT_THAT(t[0].note, HasSubstr("Null wants true"));
}

TEST(TraceTest, BoolNonBooleanNote) {
  std::vector<ConditionTrace> t =
      Trace(R"({"Bool": {"aws:SecureTransport": "true"}})", {{"aws:SecureTransport", {"1"}}});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_THAT(t[0].note, HasSubstr("\"1\" is not true or false"));
}

}  // namespace
}  // namespace pdp
