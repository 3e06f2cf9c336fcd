// Errors that quote what the caller sent, through a real server and the
// client library (default gRPC channel settings, so trailers over 8 KiB
// would be refused): a 20 KB or 1 MB page id, principal, context key, tag
// key or etag comes back as the call's own error — INVALID_ARGUMENT and so
// on, with a short message that gives the input's length and a cut field
// path — never as a transport error.
#include <string>
#include <vector>

#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "billing_pdp/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Stub = AdminClient::Stub;

constexpr char kAdmin[] = "arn:aws:iam::111111111111:user/admin";
constexpr size_t kSizes[] = {20 << 10, 1 << 20};

// What every echoing error must look like: its own code, a message well
// under the trailer limit that names the input's length, and a field path
// starting `field_prefix` and cut short.
void ExpectShortError(const absl::Status& s, absl::StatusCode code, const std::string& field_prefix,
                      size_t input_bytes) {
  SCOPED_TRACE(field_prefix + " of " + std::to_string(input_bytes) + " bytes");
  EXPECT_EQ(s.code(), code) << s.message().substr(0, 300);
  EXPECT_LE(s.message().size(), 768u);
  EXPECT_THAT(std::string(s.message()), HasSubstr("(" + std::to_string(input_bytes) + " bytes)"));
  std::vector<std::string> fields = ServerErrorFields(s);
  ASSERT_FALSE(fields.empty());
  EXPECT_THAT(fields[0], StartsWith(field_prefix));
  EXPECT_LE(fields[0].size(), 256u);
}

class EchoedInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.ok()) << server_.log();
    options_.target = server_.address();
    options_.timeout = std::chrono::milliseconds(20000);
  }
  AdminClient admin() const { return AdminClient(options_); }
  AuthorizationClient authz() const { return AuthorizationClient(options_); }

  ServerProcess server_{{"--world", SourcePath("data/demo-world.yaml")}};
  ClientOptions options_;
};

TEST_F(EchoedInputTest, AHugePageIdIsInvalidArgument) {
  for (size_t n : kSizes) {
    auto d = authz().Authorize(PageQuery{kAdmin, std::string(n, 'p')});
    ExpectShortError(d.status(), absl::StatusCode::kInvalidArgument, "page.page_id", n);
    EXPECT_THAT(std::string(d.status().message()), HasSubstr("unknown page \"ppp"));
  }
  // The server is fine and answers the next call.
  EXPECT_TRUE(authz().IsAllowed(PageQuery{kAdmin, "billing_bills"}));
}

TEST_F(EchoedInputTest, AHugePrincipalIsInvalidArgument) {
  for (size_t n : kSizes) {
    std::string principal = "arn:aws:iam::111111111111:user/" + std::string(n, 'u');
    auto d = authz().Authorize(PageQuery{principal, "billing_bills"});
    ExpectShortError(d.status(), absl::StatusCode::kInvalidArgument, "principal", principal.size());
  }
}

TEST_F(EchoedInputTest, AHugeContextKeyIsInvalidArgumentWithACutFieldPath) {
  for (size_t n : kSizes) {
    PageQuery q{kAdmin, "billing_bills"};
    q.context[std::string(n, 'k')] = {"v"};
    auto d = authz().Authorize(q);
    ExpectShortError(d.status(), absl::StatusCode::kInvalidArgument, "context.keys", n);
    std::vector<std::string> fields = ServerErrorFields(d.status());
    ASSERT_FALSE(fields.empty());
    EXPECT_THAT(fields[0], HasSubstr("(" + std::to_string(n) + " bytes)]"));
  }
}

TEST_F(EchoedInputTest, HugeMultiByteAndPercentInputStaysShort) {
  // gRPC percent-encodes '%' and every non-ASCII byte of the message: three
  // bytes each on the wire. Cut UTF-8 sequences would make the details
  // unparseable.
  std::string page;
  while (page.size() < (1 << 20)) page += "\xc3\xa9%\xe2\x82\xac";
  auto d = authz().Authorize(PageQuery{kAdmin, page});
  ExpectShortError(d.status(), absl::StatusCode::kInvalidArgument, "page.page_id", page.size());
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("unknown page \"\xc3\xa9%"));
}

TEST_F(EchoedInputTest, ABatchItemWithAHugePageIdGetsAShortError) {
  auto batch = authz().BatchAuthorize(
      {PageQuery{kAdmin, "billing_bills"}, PageQuery{kAdmin, std::string(1 << 20, 'p')}});
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_EQ(batch->size(), 2u);
  EXPECT_TRUE((*batch)[0].ok());
  ExpectShortError((*batch)[1].status(), absl::StatusCode::kInvalidArgument,
                   "requests[1].page.page_id", 1 << 20);
}

TEST_F(EchoedInputTest, AHugeTagKeyIsInvalidArgumentWithACutFieldPath) {
  for (size_t n : kSizes) {
    pdp::v1::PutUserRequest user;
    user.mutable_user()->set_arn("arn:aws:iam::111111111111:user/tagged");
    (*user.mutable_user()->mutable_tags())[std::string(n, 't')] = "v";
    auto created = admin().Call(&Stub::CreateUser, user);
    ExpectShortError(created.status(), absl::StatusCode::kInvalidArgument, "user.tags[ttt", n);
  }
}

TEST_F(EchoedInputTest, AHugeEtagIsAbortedWithAShortMessage) {
  for (size_t n : kSizes) {
    pdp::v1::UpdateAccountSettingsRequest req;
    req.set_account_id("111111111111");
    req.mutable_settings()->set_iam_access_to_billing(true);
    req.add_update_mask("iam_access_to_billing");
    req.set_actor("arn:aws:iam::111111111111:root");
    req.set_etag(std::string(n, 'e'));
    auto updated = admin().Call(&Stub::UpdateAccountSettings, req);
    ExpectShortError(updated.status(), absl::StatusCode::kAborted, "etag", n);
    EXPECT_EQ(ServerErrorReason(updated.status()), "ETAG_MISMATCH");
  }
}

TEST_F(EchoedInputTest, HugeNamesInAdminReadsAreRefusedWithAShortMessage) {
  pdp::v1::GetRequest get;
  get.set_name("o-" + std::string(1 << 20, 'o'));
  auto org = admin().Call(&Stub::GetOrganization, get);
  ExpectShortError(org.status(), absl::StatusCode::kInvalidArgument, "name", (1 << 20) + 2);
}

TEST_F(EchoedInputTest, AHundredFailingChangesAreReportedWithinTheTrailerLimit) {
  // Each change names a missing policy with a long (valid) ARN: the
  // BadRequest for all 100 reported would be some 30 KB.
  pdp::v1::ApplyChangesRequest apply;
  for (int i = 0; i < 150; ++i) {
    auto* attach = apply.add_changes()->mutable_attach_policy();
    attach->set_entity_arn(kAdmin);
    attach->set_policy_arn("arn:aws:iam::111111111111:policy/" + std::string(500, 'a') + "/P" +
                           std::to_string(i));
  }
  auto applied = admin().Call(&Stub::ApplyChanges, apply);
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kNotFound) << applied.status().message();
  EXPECT_LE(applied.status().message().size(), 768u);
  std::vector<std::string> fields = ServerErrorFields(applied.status());
  ASSERT_FALSE(fields.empty());
  EXPECT_EQ(fields[0], "changes[0].attach_policy.policy_arn");
  EXPECT_THAT(std::string(applied.status().message()),
              HasSubstr(std::to_string(100 - fields.size()) + " more field violations left out"));
}

}  // namespace
}  // namespace pdp::testing
