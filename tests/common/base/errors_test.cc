#include "common/base/errors.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pdp {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::vector<std::string> Fields(const absl::Status& status) {
  google::rpc::BadRequest br;
  std::vector<std::string> out;
  if (!GetBadRequest(status, &br)) return out;
  for (const auto& v : br.field_violations()) out.push_back(v.field());
  return out;
}

google::rpc::ErrorInfo Info(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  auto payload = status.GetPayload(kErrorInfoUrl);
  if (payload) info.ParseFromString(std::string(*payload));
  return info;
}

TEST(FieldErrorTest, InvalidArgumentWithFieldPathAndBadRequest) {
  absl::Status s = FieldError("user.arn", "must be a user ARN");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), StartsWith("user.arn"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("must be a user ARN"));
  google::rpc::BadRequest br;
  ASSERT_TRUE(GetBadRequest(s, &br));
  ASSERT_EQ(br.field_violations_size(), 1);
  EXPECT_EQ(br.field_violations(0).field(), "user.arn");
  EXPECT_EQ(br.field_violations(0).description(), "must be a user ARN");
  EXPECT_EQ(ErrorReason(s), "");
}

TEST(FieldErrorTest, OtherCodes) {
  absl::Status s =
      FieldError("account_id", "account 1 does not exist", absl::StatusCode::kNotFound);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Fields(s), ElementsAre("account_id"));
}

TEST(GetBadRequestTest, AbsentOnPlainErrors) {
  google::rpc::BadRequest br;
  EXPECT_FALSE(GetBadRequest(absl::InvalidArgumentError("plain"), &br));
  EXPECT_FALSE(GetBadRequest(absl::OkStatus(), &br));
}

TEST(WithReasonTest, AttachesErrorInfoAndKeepsEverythingElse) {
  absl::Status base = FieldError("etag", "stale", absl::StatusCode::kAborted);
  absl::Status s = WithReason(base, "ETAG_MISMATCH");
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(s.message(), base.message());
  EXPECT_EQ(ErrorReason(s), "ETAG_MISMATCH");
  google::rpc::ErrorInfo info = Info(s);
  EXPECT_EQ(info.reason(), "ETAG_MISMATCH");
  EXPECT_EQ(info.domain(), kErrorDomain);
  EXPECT_THAT(Fields(s), ElementsAre("etag"));
}

TEST(WithReasonTest, ReplacesAnEarlierReason) {
  absl::Status s = WithReason(WithReason(absl::PermissionDeniedError("no"), "A"), "B");
  EXPECT_EQ(ErrorReason(s), "B");
}

TEST(ErrorReasonTest, EmptyWithoutErrorInfo) {
  EXPECT_EQ(ErrorReason(absl::OkStatus()), "");
  EXPECT_EQ(ErrorReason(absl::InternalError("x")), "");
  absl::Status garbage = absl::InternalError("x");
  garbage.SetPayload(kErrorInfoUrl, absl::Cord("\xff\xff\xff"));
  EXPECT_EQ(ErrorReason(garbage), "");
}

TEST(AtFieldTest, OkStaysOk) { EXPECT_TRUE(AtField("principal", absl::OkStatus()).ok()); }

TEST(AtFieldTest, LabelsAPlainError) {
  absl::Status s =
      AtField("principal", absl::InvalidArgumentError("malformed ARN \"x\": bad partition"));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), StartsWith("principal"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("bad partition"));
  google::rpc::BadRequest br;
  ASSERT_TRUE(GetBadRequest(s, &br));
  ASSERT_EQ(br.field_violations_size(), 1);
  EXPECT_EQ(br.field_violations(0).field(), "principal");
  EXPECT_EQ(br.field_violations(0).description(), "malformed ARN \"x\": bad partition");
}

TEST(AtFieldTest, KeepsCodeAndReasonOfAPlainError) {
  absl::Status inner = WithReason(absl::PermissionDeniedError("only root"), "ROOT_USER_REQUIRED");
  absl::Status s = AtField("actor", inner);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrorReason(s), "ROOT_USER_REQUIRED");
  EXPECT_THAT(Fields(s), ElementsAre("actor"));
}

TEST(AtFieldTest, NestsTheFieldPathsOfAFieldError) {
  absl::Status inner = WithReason(FieldError("Statement[1].Action[0]", "bad action"), "R");
  absl::Status s = AtField("user.inline_policies[0].document", inner);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(s), ElementsAre("user.inline_policies[0].document.Statement[1].Action[0]"));
  EXPECT_THAT(std::string(s.message()),
              StartsWith("user.inline_policies[0].document.Statement[1].Action[0]"));
  EXPECT_EQ(ErrorReason(s), "R");
}

TEST(AtFieldTest, AnErrorAboutTheWholeValueBecomesAboutTheField) {
  // A lower layer reports a problem with the value itself (field path "").
  absl::Status s = AtField("document", FieldError("", "document is too large"));
  EXPECT_THAT(Fields(s), ElementsAre("document"));
  EXPECT_THAT(std::string(s.message()), StartsWith("document: "));
  EXPECT_THAT(std::string(s.message()), HasSubstr("document is too large"));
}

TEST(AtFieldTest, ArrayIndexPathsAttachWithoutADot) {
  absl::Status s = AtField("document", FieldError("[2]", "must be a string"));
  EXPECT_THAT(Fields(s), ElementsAre("document[2]"));
  EXPECT_THAT(std::string(s.message()), StartsWith("document[2]: "));
}

TEST(PrefixFieldPathsTest, PrefixesEveryViolationAndTheMessage) {
  absl::Status inner = FieldError("user.arn", "bad");
  google::rpc::BadRequest br;
  ASSERT_TRUE(GetBadRequest(inner, &br));
  br.add_field_violations()->set_field("user.groups[0]");
  inner.SetPayload(kBadRequestUrl, absl::Cord(br.SerializeAsString()));
  inner = WithReason(inner, "LIMIT_EXCEEDED");

  absl::Status s = PrefixFieldPaths("changes[3].", inner);
  EXPECT_EQ(s.code(), inner.code());
  EXPECT_THAT(Fields(s), ElementsAre("changes[3].user.arn", "changes[3].user.groups[0]"));
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
  google::rpc::BadRequest br;
  ASSERT_TRUE(GetBadRequest(s, &br));
  EXPECT_EQ(br.field_violations(0).description(), "malformed ARN \"arn:\\xff\"");
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
  google::rpc::BadRequest br;
  ASSERT_TRUE(GetBadRequest(s, &br));
  EXPECT_LE(br.field_violations(0).field().size(), kMaxFieldPathBytes);
  EXPECT_THAT(br.field_violations(0).field(), ::testing::StartsWith("context.keys[ppp"));
  EXPECT_THAT(br.field_violations(0).field(), EndsWith(kEllipsis));
  EXPECT_LE(br.field_violations(0).description().size(), kMaxDescriptionBytes);
}

TEST(FieldErrorBoundsTest, NestingAndPrefixingStayBounded) {
  const std::string huge(1 << 16, 'q');
  absl::Status inner = FieldError(huge, huge);
  for (const absl::Status& s : {AtField(huge, inner), PrefixFieldPaths(huge, inner),
                                AtField(huge, absl::InvalidArgumentError(huge))}) {
    EXPECT_LE(s.message().size(), kMaxFieldPathBytes + 2 + kMaxDescriptionBytes);
    google::rpc::BadRequest br;
    ASSERT_TRUE(GetBadRequest(s, &br));
    EXPECT_LE(br.field_violations(0).field().size(), kMaxFieldPathBytes);
  }
}

}  // namespace
}  // namespace pdp
