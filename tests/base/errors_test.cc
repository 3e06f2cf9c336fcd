#include "base/errors.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/error_fields.h"

namespace pdp {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::StartsWith;

using test::FieldsOf;

TEST(FieldErrorTest, InvalidArgumentWithFieldPathAndViolation) {
  absl::Status s = FieldError("user.arn", "must be a user ARN");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), StartsWith("user.arn"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("must be a user ARN"));
  EXPECT_THAT(GetFieldViolations(s),
              Optional(ElementsAre(FieldViolation{"user.arn", "must be a user ARN"})));
  EXPECT_EQ(ErrorReason(s), "");
  EXPECT_EQ(GetErrorReason(s), std::nullopt);
}

TEST(FieldErrorTest, OtherCodes) {
  absl::Status s =
      FieldError("account_id", "account 1 does not exist", absl::StatusCode::kNotFound);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(FieldsOf(s), ElementsAre("account_id"));
}

TEST(GetFieldViolationsTest, AbsentOnPlainErrors) {
  EXPECT_EQ(GetFieldViolations(absl::InvalidArgumentError("plain")), std::nullopt);
  EXPECT_EQ(GetFieldViolations(absl::OkStatus()), std::nullopt);
  EXPECT_EQ(GetFieldViolations(WithReason(absl::InternalError("x"), "R")), std::nullopt);
}

TEST(WithReasonTest, AttachesAReasonAndKeepsEverythingElse) {
  absl::Status base = FieldError("etag", "stale", absl::StatusCode::kAborted);
  absl::Status s = WithReason(base, "ETAG_MISMATCH");
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(s.message(), base.message());
  EXPECT_EQ(ErrorReason(s), "ETAG_MISMATCH");
  EXPECT_EQ(GetErrorReason(s), "ETAG_MISMATCH");
  EXPECT_THAT(FieldsOf(s), ElementsAre("etag"));
}

TEST(WithReasonTest, ReplacesAnEarlierReason) {
  absl::Status s = WithReason(WithReason(absl::PermissionDeniedError("no"), "A"), "B");
  EXPECT_EQ(ErrorReason(s), "B");
}

TEST(ErrorReasonTest, EmptyWithoutAReason) {
  EXPECT_EQ(ErrorReason(absl::OkStatus()), "");
  EXPECT_EQ(ErrorReason(absl::InternalError("x")), "");
  EXPECT_EQ(GetErrorReason(absl::InternalError("x")), std::nullopt);
  // An empty reason is still a reason attached.
  EXPECT_EQ(GetErrorReason(WithReason(absl::InternalError("x"), "")), "");
}

TEST(ErrorReasonTest, OkStaysOk) {
  EXPECT_TRUE(WithReason(absl::OkStatus(), "R").ok());
  EXPECT_EQ(GetErrorReason(WithReason(absl::OkStatus(), "R")), std::nullopt);
}

TEST(AtFieldTest, OkStaysOk) { EXPECT_TRUE(AtField("principal", absl::OkStatus()).ok()); }

TEST(AtFieldTest, LabelsAPlainError) {
  absl::Status s =
      AtField("principal", absl::InvalidArgumentError("malformed ARN \"x\": bad partition"));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), StartsWith("principal"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("bad partition"));
  EXPECT_THAT(
      GetFieldViolations(s),
      Optional(ElementsAre(FieldViolation{"principal", "malformed ARN \"x\": bad partition"})));
}

TEST(AtFieldTest, KeepsCodeAndReasonOfAPlainError) {
  absl::Status inner = WithReason(absl::PermissionDeniedError("only root"), "ROOT_USER_REQUIRED");
  absl::Status s = AtField("actor", inner);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrorReason(s), "ROOT_USER_REQUIRED");
  EXPECT_THAT(FieldsOf(s), ElementsAre("actor"));
}

TEST(AtFieldTest, NestsTheFieldPathsOfAFieldError) {
  absl::Status inner = WithReason(FieldError("Statement[1].Action[0]", "bad action"), "R");
  absl::Status s = AtField("user.inline_policies[0].document", inner);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(s), ElementsAre("user.inline_policies[0].document.Statement[1].Action[0]"));
  EXPECT_THAT(std::string(s.message()),
              StartsWith("user.inline_policies[0].document.Statement[1].Action[0]"));
  EXPECT_EQ(ErrorReason(s), "R");
}

TEST(AtFieldTest, AnErrorAboutTheWholeValueBecomesAboutTheField) {
  // A lower layer reports a problem with the value itself (field path "").
  absl::Status s = AtField("document", FieldError("", "document is too large"));
  EXPECT_THAT(FieldsOf(s), ElementsAre("document"));
  EXPECT_THAT(std::string(s.message()), StartsWith("document: "));
  EXPECT_THAT(std::string(s.message()), HasSubstr("document is too large"));
}

TEST(AtFieldTest, ArrayIndexPathsAttachWithoutADot) {
  absl::Status s = AtField("document", FieldError("[2]", "must be a string"));
  EXPECT_THAT(FieldsOf(s), ElementsAre("document[2]"));
  EXPECT_THAT(std::string(s.message()), StartsWith("document[2]: "));
}

TEST(PrefixFieldPathsTest, PrefixesEveryViolationAndTheMessage) {
  absl::Status inner = FieldError("user.arn", "bad");
  inner = WithFieldViolations(inner, {{"user.arn", "bad"}, {"user.groups[0]", ""}});
  inner = WithReason(inner, "LIMIT_EXCEEDED");

  absl::Status s = PrefixFieldPaths("changes[3].", inner);
  EXPECT_EQ(s.code(), inner.code());
  EXPECT_THAT(GetFieldViolations(s),
              Optional(ElementsAre(FieldViolation{"changes[3].user.arn", "bad"},
                                   FieldViolation{"changes[3].user.groups[0]", ""})));
  EXPECT_THAT(std::string(s.message()), StartsWith("changes[3].user.arn"));
  EXPECT_EQ(ErrorReason(s), "LIMIT_EXCEEDED");
}

TEST(PrefixFieldPathsTest, LeavesOkAndPlainErrorsAlone) {
  EXPECT_TRUE(PrefixFieldPaths("x.", absl::OkStatus()).ok());
  absl::Status plain = WithReason(absl::InternalError("boom"), "R");
  absl::Status s = PrefixFieldPaths("x.", plain);
  EXPECT_EQ(s, plain);
  EXPECT_EQ(ErrorReason(s), "R");
}

}  // namespace
}  // namespace pdp

namespace pdp {
namespace {

TEST(FieldErrorUtf8Test, InvalidBytesAreEscapedSoProtosStayValid) {
  absl::Status s = FieldError("principal", "malformed ARN \"arn:\xff\"");
  std::string message(s.message());
  EXPECT_NE(message.find("\\xff"), std::string::npos) << message;
  EXPECT_EQ(message.find('\xff'), std::string::npos);
  std::optional<std::vector<FieldViolation>> violations = GetFieldViolations(s);
  ASSERT_TRUE(violations.has_value());
  EXPECT_EQ(violations->front().description, "malformed ARN \"arn:\\xff\"");
  // Valid multi-byte text is kept as it is.
  EXPECT_EQ(std::string(FieldError("f", "caf\xc3\xa9").message()), "f: caf\xc3\xa9");
}

}  // namespace
}  // namespace pdp

namespace pdp {
namespace {

using ::testing::EndsWith;

const std::string kEllipsis = "\xe2\x80\xa6";  // "…"

TEST(QuoteInputTest, ShortTextIsQuotedWhole) {
  EXPECT_EQ(QuoteInput("billing_bills"), "\"billing_bills\"");
  EXPECT_EQ(QuoteInput(""), "\"\"");
  EXPECT_EQ(QuoteInput(std::string(kMaxEchoBytes, 'a')),
            "\"" + std::string(kMaxEchoBytes, 'a') + "\"");
}

TEST(QuoteInputTest, LongTextIsCutWithItsLength) {
  EXPECT_EQ(QuoteInput(std::string(kMaxEchoBytes + 1, 'a')),
            "\"" + std::string(kMaxEchoBytes, 'a') + kEllipsis + "\" (129 bytes)");
  const std::string quoted = QuoteInput(std::string(1 << 20, 'x'));
  EXPECT_LT(quoted.size(), kMaxEchoBytes + 32);
  EXPECT_THAT(quoted, EndsWith(kEllipsis + "\" (1048576 bytes)"));
  EXPECT_EQ(QuoteInput("abcdef", 3), "\"abc" + kEllipsis + "\" (6 bytes)");
}

TEST(QuoteInputTest, NeverCutsAUtf8Sequence) {
  // "é" is 2 bytes, "€" 3: a cut inside either drops the whole character.
  EXPECT_EQ(QuoteInput("a\xc3\xa9z", 2), "\"a" + kEllipsis + "\" (4 bytes)");
  EXPECT_EQ(QuoteInput("ab\xe2\x82\xac", 3), "\"ab" + kEllipsis + "\" (5 bytes)");
  EXPECT_EQ(QuoteInput("ab\xe2\x82\xac", 4), "\"ab" + kEllipsis + "\" (5 bytes)");
  EXPECT_EQ(Utf8Prefix("ab\xe2\x82\xac", 5), "ab\xe2\x82\xac");
  // Not UTF-8 at all: cut where asked, at most 3 bytes back.
  EXPECT_EQ(Utf8Prefix(std::string(10, '\x80'), 8).size(), 5u);
}

TEST(ShortInputTest, UnquotedForFieldPaths) {
  EXPECT_EQ(ShortInput("aws:SourceIp"), "aws:SourceIp");
  EXPECT_EQ(ShortInput(std::string(20480, 'k')),
            std::string(kMaxEchoBytes, 'k') + kEllipsis + "(20480 bytes)");
}

TEST(BoundedTextTest, CutsAndKeepsUtf8Valid) {
  EXPECT_EQ(BoundedText("short", 10), "short");
  EXPECT_EQ(BoundedText("abcdefghij", 6), "abc" + kEllipsis);
  // Invalid bytes are escaped, and the escaped text is bounded too.
  const std::string bounded = BoundedText(std::string(100, '\xff'), 40);
  EXPECT_LE(bounded.size(), 40u);
  EXPECT_THAT(bounded, ::testing::StartsWith("\\xff\\xff"));
}

TEST(FieldErrorBoundsTest, HugeFieldsAndDescriptionsAreCut) {
  const std::string huge(1 << 20, 'p');
  absl::Status s = FieldError("context.keys[" + huge + "]", "is bad: " + huge);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LE(s.message().size(), kMaxFieldPathBytes + 2 + kMaxDescriptionBytes);
  std::optional<std::vector<FieldViolation>> violations = GetFieldViolations(s);
  ASSERT_TRUE(violations.has_value());
  ASSERT_EQ(violations->size(), 1u);
  EXPECT_LE(violations->front().field.size(), kMaxFieldPathBytes);
  EXPECT_THAT(violations->front().field, ::testing::StartsWith("context.keys[ppp"));
  EXPECT_THAT(violations->front().field, EndsWith(kEllipsis));
  EXPECT_LE(violations->front().description.size(), kMaxDescriptionBytes);
}

TEST(FieldErrorBoundsTest, NestingAndPrefixingStayBounded) {
  const std::string huge(1 << 16, 'q');
  absl::Status inner = FieldError(huge, huge);
  for (const absl::Status& s : {AtField(huge, inner), PrefixFieldPaths(huge, inner),
                                AtField(huge, absl::InvalidArgumentError(huge))}) {
    EXPECT_LE(s.message().size(), kMaxFieldPathBytes + 2 + kMaxDescriptionBytes);
    std::optional<std::vector<FieldViolation>> violations = GetFieldViolations(s);
    ASSERT_TRUE(violations.has_value());
    EXPECT_LE(violations->front().field.size(), kMaxFieldPathBytes);
  }
}

}  // namespace
}  // namespace pdp

namespace pdp {
namespace {

// The details' own encoding: any bytes survive, and a payload that is not
// ours reads as no details, never as a crash or garbage.
TEST(FieldViolationsPayloadTest, RoundTripsAnyBytes) {
  const std::string all_bytes = [] {
    std::string s;
    for (int c = 0; c < 256; ++c) s.push_back(static_cast<char>(c));
    return s;
  }();
  const std::vector<FieldViolation> violations = {{"a.b", "c"},
                                                  {"", ""},
                                                  {all_bytes, std::string("\x01\x00:;\n", 5)},
                                                  {std::string(300, 'x'), all_bytes}};
  absl::Status s = WithFieldViolations(absl::InvalidArgumentError("m"), violations);
  EXPECT_THAT(GetFieldViolations(s), Optional(violations));
  EXPECT_THAT(GetFieldViolations(WithFieldViolations(absl::InternalError("m"), {})),
              Optional(::testing::IsEmpty()));
  EXPECT_EQ(GetErrorReason(WithReason(absl::InternalError("m"), all_bytes)), all_bytes);
  // Replacing, not appending.
  EXPECT_THAT(GetFieldViolations(WithFieldViolations(s, {{"f", "d"}})),
              Optional(ElementsAre(FieldViolation{"f", "d"})));
  // OK stays OK.
  EXPECT_TRUE(WithFieldViolations(absl::OkStatus(), violations).ok());
}

TEST(FieldViolationsPayloadTest, ACorruptPayloadIsNoDetails) {
  const std::string good = [] {
    absl::Status s = WithReason(FieldError("field", "description"), "REASON");
    return std::string(*s.GetPayload(kFieldViolationsUrl));
  }();
  std::vector<std::string> corrupt = {
      "",                                  // no version
      "\x02",                              // another version
      std::string("\x01\x05", 2) + "abc",  // a length beyond the end
      "\x01\x80",                          // a truncated length
      "\x01\xff\xff\xff\xff\xff\x01",      // an overlong length
      good.substr(0, good.size() - 1),     // cut short
      good + "\003ab",                     // a trailing string cut short
  };
  for (const std::string& payload : corrupt) {
    absl::Status s = absl::InvalidArgumentError("field: description");
    s.SetPayload(kFieldViolationsUrl, absl::Cord(payload));
    s.SetPayload(kErrorReasonUrl, absl::Cord(payload));
    EXPECT_EQ(GetFieldViolations(s), std::nullopt) << absl::CEscape(payload);
    EXPECT_EQ(ErrorReason(s), "") << absl::CEscape(payload);
    // The helpers that read the details treat it as a plain error.
    EXPECT_THAT(FieldsOf(AtField("x", s)), ElementsAre("x"));
    EXPECT_EQ(PrefixFieldPaths("p.", s), s);
  }
  // One string is a well-formed list, but field violations come in pairs.
  absl::Status odd = absl::InvalidArgumentError("x");
  odd.SetPayload(kFieldViolationsUrl, absl::Cord("\001\001a"));
  EXPECT_EQ(GetFieldViolations(odd), std::nullopt);
}

TEST(FieldViolationsPayloadTest, AReasonIsExactlyOneString) {
  absl::Status s = absl::InternalError("x");
  s.SetPayload(kErrorReasonUrl, absl::Cord("\001\001A\001B"));
  EXPECT_EQ(GetErrorReason(s), std::nullopt);
  s.SetPayload(kErrorReasonUrl, absl::Cord(std::string("\x01", 1)));
  EXPECT_EQ(GetErrorReason(s), std::nullopt);
}

TEST(FieldViolationsPayloadTest, PrefixingAndNestingKeepEveryDescription) {
  absl::Status inner = WithFieldViolations(absl::NotFoundError("[0]: gone"),
                                           {{"[0]", "gone"}, {"", "whole"}, {"name", "bad"}});
  EXPECT_THAT(
      GetFieldViolations(AtField("items", inner)),
      Optional(ElementsAre(FieldViolation{"items[0]", "gone"}, FieldViolation{"items", "whole"},
                           FieldViolation{"items.name", "bad"})));
  EXPECT_THAT(GetFieldViolations(PrefixFieldPaths("changes[2].", inner)),
              Optional(ElementsAre(FieldViolation{"changes[2].[0]", "gone"},
                                   FieldViolation{"changes[2].", "whole"},
                                   FieldViolation{"changes[2].name", "bad"})));
  EXPECT_EQ(AtField("items", inner).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(AtField("items", inner).message(), "items[0]: gone");
}

}  // namespace
}  // namespace pdp
