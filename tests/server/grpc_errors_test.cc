// ToGrpcStatus / ToRpcStatus: whatever an error holds, what reaches the
// wire stays far under gRPC's default 8 KiB trailer limit, and keeps the
// code, the reason and the first field paths.
#include "server/grpc/grpc_errors.h"

#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "base/errors.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "server/app/rpc_status.h"

namespace pdp {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Bytes the error takes in trailers: grpc-message percent-encoded and
// grpc-status-details-bin base64-encoded, as gRPC sends them.
size_t TrailerBytes(const grpc::Status& s) {
  size_t message = 0;
  for (unsigned char c : s.error_message()) message += (c < 0x20 || c > 0x7e || c == '%') ? 3 : 1;
  return message + absl::Base64Escape(s.error_details()).size();
}

google::rpc::BadRequest Violations(const grpc::Status& s) {
  google::rpc::Status rpc;
  EXPECT_TRUE(rpc.ParseFromString(s.error_details()));
  google::rpc::BadRequest br;
  for (const auto& any : rpc.details()) {
    if (any.Is<google::rpc::BadRequest>()) {
      EXPECT_TRUE(any.UnpackTo(&br));
    }
  }
  return br;
}

TEST(GrpcErrorsTest, SmallErrorsPassUnchanged) {
  absl::Status s = WithReason(FieldError("page.page_id", "unknown page \"x\""), "SOME_REASON");
  grpc::Status g = ToGrpcStatus(s);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(g.error_message(), "page.page_id: unknown page \"x\"");
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(g.error_details()));
  EXPECT_EQ(rpc.message(), g.error_message());
  ASSERT_EQ(rpc.details_size(), 2);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(rpc.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "SOME_REASON");
  EXPECT_EQ(info.domain(), "billing-pdp");
  google::rpc::BadRequest br = Violations(g);
  ASSERT_EQ(br.field_violations_size(), 1);
  EXPECT_EQ(br.field_violations(0).field(), "page.page_id");
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(GrpcErrorsTest, AHugeMessageIsCut) {
  // Not through FieldError: a plain status with a megabyte of text, some of
  // it bytes gRPC percent-encodes.
  std::string text(1 << 20, 'm');
  for (size_t i = 0; i < text.size(); i += 3) text[i] = '%';
  grpc::Status g = ToGrpcStatus(absl::InvalidArgumentError(text));
  EXPECT_EQ(g.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LE(TrailerBytes(g), 4096u);
  EXPECT_THAT(g.error_message(), StartsWith("%mm%mm"));
  EXPECT_THAT(g.error_message(), HasSubstr("\xe2\x80\xa6"));
}

TEST(GrpcErrorsTest, ManyViolationsKeepTheFirstAndSayHowManyWereLeftOut) {
  std::vector<FieldViolation> violations;
  for (int i = 0; i < 10000; ++i) {
    violations.push_back(
        {"changes[" + std::to_string(i) + "].put_user.user.arn" + std::string(300, 'f'),
         std::string(5000, 'd')});
  }
  absl::Status s = WithFieldViolations(
      absl::Status(absl::StatusCode::kNotFound, std::string(100000, 'x')), violations);
  s = WithReason(s, std::string(100000, 'R'));
  grpc::Status g = ToGrpcStatus(s);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_LE(TrailerBytes(g), 4096u);
  google::rpc::BadRequest out = Violations(g);
  ASSERT_GE(out.field_violations_size(), 1);
  EXPECT_LT(out.field_violations_size(), 10000);
  EXPECT_THAT(out.field_violations(0).field(), StartsWith("changes[0].put_user.user.arn"));
  EXPECT_LE(out.field_violations(0).field().size(), kMaxViolationBytes);
  EXPECT_THAT(g.error_message(), HasSubstr(std::to_string(10000 - out.field_violations_size()) +
                                           " more field violations left out"));
}

TEST(GrpcErrorsTest, ABatchOfAHundredShortErrorsKeepsItsFirstOnes) {
  // What ApplyChanges reports at most (BatchErrors): 100 ordinary errors,
  // some 9 KB as they are: more than a gRPC client accepts.
  std::vector<FieldViolation> violations;
  for (int i = 0; i < 100; ++i) {
    violations.push_back({"changes[" + std::to_string(i) + "].attach_policy.policy_arn",
                          "arn:aws:iam::123456789012:policy/Missing does not exist"});
  }
  absl::Status s = WithFieldViolations(
      absl::Status(absl::StatusCode::kNotFound, "changes[0].attach_policy.policy_arn: ..."),
      violations);
  grpc::Status g = ToGrpcStatus(s);
  EXPECT_LE(TrailerBytes(g), 4096u);
  google::rpc::BadRequest out = Violations(g);
  ASSERT_GE(out.field_violations_size(), 10);
  for (int i = 0; i < out.field_violations_size(); ++i) {
    EXPECT_EQ(out.field_violations(i).field(), violations[i].field);
    EXPECT_EQ(out.field_violations(i).description(), violations[i].description);
  }
  EXPECT_THAT(g.error_message(), HasSubstr(std::to_string(100 - out.field_violations_size()) +
                                           " more field violations left out"));
}

TEST(GrpcErrorsTest, AnEmptyReasonIsSentAndCorruptDetailsAreLeftOut) {
  grpc::Status g = ToGrpcStatus(WithReason(absl::AbortedError("x"), ""));
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(g.error_details()));
  ASSERT_EQ(rpc.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(rpc.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "");
  EXPECT_EQ(info.domain(), "billing-pdp");

  absl::Status corrupt = absl::InvalidArgumentError("f: bad");
  corrupt.SetPayload(kFieldViolationsUrl, absl::Cord("\001\377"));
  corrupt.SetPayload(kErrorReasonUrl, absl::Cord(""));
  g = ToGrpcStatus(corrupt);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(g.error_message(), "f: bad");
  ASSERT_TRUE(rpc.ParseFromString(g.error_details()));
  EXPECT_EQ(rpc.details_size(), 0);
}

}  // namespace
}  // namespace pdp
