// A generated check of the promise that no request value can turn a DENY into
// an ALLOW through a condition: for every condition operator (each base
// operator, with and without IfExists, with and without ForAnyValue: /
// ForAllValues:) and every malformed or boundary request value,
//   - a value that is not of the operator's type makes a Deny statement with
//     that condition apply and an Allow statement with it not apply;
//   - for any value at all, when the Allow applies the Deny applies too.
// Everything goes through Decide() on a real snapshot: one user per operator
// variant with only the conditioned Allow, and one with an unconditioned
// Allow plus the conditioned Deny.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "server/wire/wire_decide.h"
#include "tests/support/test_support.h"

namespace pdp {
namespace {

constexpr char kAccount[] = "123456789012";
constexpr char kAction[] = "budgets:ViewBudget";
// Not a key billing-pdp validates up front, so every value reaches the
// condition evaluator.
constexpr char kKey[] = "test:Value";

enum class Family { kString, kNumeric, kDate, kBool, kBinary, kIp, kArn, kNull };

struct Operator {
  const char* name;
  Family family;
};

constexpr Operator kOperators[] = {
    {"StringEquals", Family::kString},
    {"StringNotEquals", Family::kString},
    {"StringEqualsIgnoreCase", Family::kString},
    {"StringNotEqualsIgnoreCase", Family::kString},
    {"StringLike", Family::kString},
    {"StringNotLike", Family::kString},
    {"NumericEquals", Family::kNumeric},
    {"NumericNotEquals", Family::kNumeric},
    {"NumericLessThan", Family::kNumeric},
    {"NumericLessThanEquals", Family::kNumeric},
    {"NumericGreaterThan", Family::kNumeric},
    {"NumericGreaterThanEquals", Family::kNumeric},
    {"DateEquals", Family::kDate},
    {"DateNotEquals", Family::kDate},
    {"DateLessThan", Family::kDate},
    {"DateLessThanEquals", Family::kDate},
    {"DateGreaterThan", Family::kDate},
    {"DateGreaterThanEquals", Family::kDate},
    {"Bool", Family::kBool},
    {"BinaryEquals", Family::kBinary},
    {"IpAddress", Family::kIp},
    {"NotIpAddress", Family::kIp},
    {"ArnEquals", Family::kArn},
    {"ArnLike", Family::kArn},
    {"ArnNotEquals", Family::kArn},
    {"ArnNotLike", Family::kArn},
    {"Null", Family::kNull},
};

// A policy value of the family (as JSON).
std::string PolicyValue(Family f) {
  switch (f) {
    case Family::kString:
      return R"(["prod*", "stage"])";
    case Family::kNumeric:
      return R"("5")";
    case Family::kDate:
      return R"("2024-01-01T00:00:00Z")";
    case Family::kBool:
      return R"("false")";
    case Family::kBinary:
      return R"("QUJD")";
    case Family::kIp:
      return R"("10.0.0.0/8")";
    case Family::kArn:
      return R"("arn:aws:s3:::blocked-*")";
    case Family::kNull:
      return R"("false")";
  }
  return "";
}

// Request values that are not of the family's type (empty for families that
// take any text).
std::vector<std::string> MalformedValues(Family f) {
  switch (f) {
    case Family::kNumeric:
      return {"garbage", "", " 5", "5 ", "1e3", "0x10", "+-5", "NaN", "5,0", "\xe2\x88\x9e"};
    case Family::kDate:
      return {"garbage",
              "",
              "2024-13-01",
              "2024-02-30",
              "2024-01-01T25:00:00Z",
              " 2024-01-01",
              "2024-01-01Z",
              "yesterday",
              "1e9"};
    case Family::kBool:
      return {"garbage", "", "0", "1", "no", "yes", " false", "false ", "fals", "falsee", "f"};
    case Family::kBinary:
      return {"!!!", "QUJD$", " QUJD", "QU JD", "=QUJD"};
    case Family::kIp:
      return {"garbage", "",          "10.0.0.256", "10.0.0.1/8",
              "::gg",    " 10.0.0.1", "10.0.0",     "1.2.3.4.5"};
    case Family::kArn:
      return {"garbage",      "",   "arn:aws:s3", "blocked-x", "ARN:aws:s3:::blocked-x",
              "arn:aws:s3::", "arn"};
    case Family::kString:
    case Family::kNull:
      return {};
  }
  return {};
}

// Well-formed values on both sides of each policy value, and edge text.
std::vector<std::string> OtherValues() {
  return {"prod",
          "production",
          "stage",
          "Stage",
          "",
          "5",
          "4.999",
          "5.0",
          "6",
          "2024-01-01T00:00:00Z",
          "2023-12-31",
          "2025-01-01",
          "false",
          "FALSE",
          "true",
          "QUJD",
          "QUJE",
          "10.1.2.3",
          "11.0.0.1",
          "::ffff:10.0.0.1",
          "2001:db8::1",
          "arn:aws:s3:::blocked-x",
          "arn:aws:s3:::open",
          "arn:aws:s3:::",
          "*",
          "?",
          "${aws:username}"};
}

struct Variant {
  std::string op;  // as written
  Family family;
  int index;
};

std::vector<Variant> AllVariants() {
  std::vector<Variant> out;
  for (const Operator& o : kOperators) {
    if (o.family == Family::kNull) {
      out.push_back({o.name, o.family, static_cast<int>(out.size())});
      continue;
    }
    for (const char* set : {"", "ForAnyValue:", "ForAllValues:"}) {
      for (const char* suffix : {"", "IfExists"}) {
        out.push_back({absl::StrCat(set, o.name, suffix), o.family, static_cast<int>(out.size())});
      }
    }
  }
  return out;
}

std::string UserArn(absl::string_view who, int index) {
  return absl::StrCat("arn:aws:iam::", kAccount, ":user/", who, "-", index);
}

class FailClosedConditionsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::vector<pdp::v1::Change> changes = {test::CreateAccount(kAccount, true)};
    for (const Variant& v : AllVariants()) {
      const std::string condition =
          absl::StrCat("{\"", v.op, "\": {\"", kKey, "\": ", PolicyValue(v.family), "}}");
      const std::string allow = test::PolicyJson(
          {test::StatementJson("Allow", {kAction}, "*", "Conditioned", condition)});
      const std::string deny =
          test::PolicyJson({test::StatementJson("Allow", {kAction}, "*", "Everything"),
                            test::StatementJson("Deny", {kAction}, "*", "Conditioned", condition)});
      changes.push_back(test::PutUser(UserArn("allow", v.index), {}, {}, {{"p", allow}}));
      changes.push_back(test::PutUser(UserArn("deny", v.index), {}, {}, {{"p", deny}}));
    }
    absl::StatusOr<SnapshotPtr> s = test::ApplyBatch(test::EmptyShippedSnapshot(), changes);
    ASSERT_TRUE(s.ok()) << s.status();
    snapshot_ = new SnapshotPtr(*s);
  }
  static void TearDownTestSuite() {
    delete snapshot_;
    snapshot_ = nullptr;
  }

  // The decision for `principal` with kKey set to `values`.
  static pdp::v1::Decision DecideWith(const std::string& principal,
                                      const std::vector<std::string>& values) {
    pdp::v1::AuthorizeRequest r;
    r.set_principal(principal);
    r.mutable_action()->set_action(kAction);
    auto& v = (*r.mutable_context()->mutable_keys())[kKey];
    for (const std::string& s : values) v.add_values(s);
    absl::StatusOr<pdp::v1::Decision> d = Decide(**snapshot_, r);
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? *d : pdp::v1::Decision();
  }

  static SnapshotPtr* snapshot_;
};

SnapshotPtr* FailClosedConditionsTest::snapshot_ = nullptr;

// The request value sets tried with each malformed value: alone, and beside a
// well-formed value (multivalued keys: ForAnyValue must not be satisfied by
// the good one, ForAllValues must not skip the bad one).
std::vector<std::vector<std::string>> WithMalformed(const std::string& bad) {
  return {{bad}, {"5", bad}, {bad, "arn:aws:s3:::open"}, {"10.1.2.3", bad, "false"}};
}

TEST_F(FailClosedConditionsTest, MalformedValuesMakeDenyApplyAndNeverAllow) {
  int checked = 0;
  for (const Variant& v : AllVariants()) {
    for (const std::string& bad : MalformedValues(v.family)) {
      for (const std::vector<std::string>& values : WithMalformed(bad)) {
        SCOPED_TRACE(absl::StrCat(v.op, " with [", absl::StrJoin(values, "|"), "]"));
        const pdp::v1::Decision deny = DecideWith(UserArn("deny", v.index), values);
        EXPECT_EQ(deny.effect(), pdp::v1::DENY);
        EXPECT_EQ(deny.reason(), pdp::v1::EXPLICIT_DENY);
        const pdp::v1::Decision allow = DecideWith(UserArn("allow", v.index), values);
        EXPECT_EQ(allow.effect(), pdp::v1::DENY);
        EXPECT_EQ(allow.reason(), pdp::v1::IMPLICIT_DENY);
        ++checked;
      }
    }
  }
  // Six typed families, each with its variants and values: the loop ran.
  EXPECT_GT(checked, 1000);
}

TEST_F(FailClosedConditionsTest, WheneverTheAllowAppliesTheDenyAppliesToo) {
  std::vector<std::vector<std::string>> value_sets = {{}};
  for (const std::string& v : OtherValues()) value_sets.push_back({v});
  value_sets.push_back({"prod", "5"});
  value_sets.push_back({"stage", "production"});
  value_sets.push_back({"false", "true"});
  for (const Variant& v : AllVariants()) {
    for (const std::string& bad : MalformedValues(v.family)) value_sets.push_back({bad});
  }
  int allowed = 0;
  for (const Variant& v : AllVariants()) {
    for (const std::vector<std::string>& values : value_sets) {
      SCOPED_TRACE(absl::StrCat(v.op, " with [", absl::StrJoin(values, "|"), "]"));
      const pdp::v1::Decision allow = DecideWith(UserArn("allow", v.index), values);
      if (allow.effect() != pdp::v1::ALLOW) continue;
      ++allowed;
      const pdp::v1::Decision deny = DecideWith(UserArn("deny", v.index), values);
      EXPECT_EQ(deny.effect(), pdp::v1::DENY);
      EXPECT_EQ(deny.reason(), pdp::v1::EXPLICIT_DENY);
    }
  }
  // Well-formed matching values exist for every family: the property was
  // exercised on real ALLOWs, not vacuously.
  EXPECT_GT(allowed, 300);
}

}  // namespace
}  // namespace pdp
