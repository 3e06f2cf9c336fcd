// The server parses each call into request and response messages that
// earlier calls used (cleared: server/grpc/authorization_service.cc,
// MessagePool). Nothing of one call may reach the next: a request whose
// context grants an ALLOW, followed on the same server by the same request
// without that context, must be denied, over and over, for Authorize and
// BatchAuthorize alike, a decision's features must not carry over, and a
// list of pages must not reach the next principal's.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "billing_pdp/authorization_client.h"
#include "gtest/gtest.h"
#include "tests/support/pdpctl.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

constexpr char kVpcOnly[] = "arn:aws:iam::111111111111:user/vpc-only";
constexpr char kAdmin[] = "arn:aws:iam::111111111111:user/admin";

// vpc-only may do anything, but only from vpc-1 (aws:SourceVpc, which the
// caller's request context carries); admin may do anything.
constexpr char kWorld[] = R"(accounts:
  - id: "111111111111"
    name: reuse
    iam_access_to_billing: true
    console_action_set: FINE_GRAINED
    cost_explorer_enabled: true
users:
  - arn: arn:aws:iam::111111111111:user/vpc-only
    inline_policies:
      - name: from-vpc-1
        document:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: "*"
              Resource: "*"
              Condition:
                StringEquals:
                  aws:SourceVpc: vpc-1
  - arn: arn:aws:iam::111111111111:user/admin
    attached_policies:
      - arn:aws:iam::aws:policy/AdministratorAccess
)";

class MessageReuseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string world = TestTempPath("world.yaml");
    std::ofstream(world) << kWorld;
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--world", world});
    ASSERT_TRUE(server_->ok()) << server_->log();
    options_.target = server_->address();
    options_.timeout = std::chrono::milliseconds(20000);
  }
  AuthorizationClient authz() const { return AuthorizationClient(options_); }

  static PageQuery FromVpc(const std::string& vpc) {
    PageQuery q{kVpcOnly, "billing_bills"};
    if (!vpc.empty()) q.context["aws:SourceVpc"] = {vpc};
    return q;
  }

  std::unique_ptr<ServerProcess> server_;
  ClientOptions options_;
};

TEST_F(MessageReuseTest, AContextThatAllowedNeverReachesTheNextAuthorize) {
  AuthorizationClient client = authz();
  for (int round = 0; round < 40; ++round) {
    SCOPED_TRACE(round);
    absl::StatusOr<Decision> granted = client.Authorize(FromVpc("vpc-1"));
    ASSERT_TRUE(granted.ok()) << granted.status();
    EXPECT_TRUE(granted->allowed);
    EXPECT_FALSE(granted->available_features.empty());
    absl::StatusOr<Decision> bare = client.Authorize(FromVpc(""));
    ASSERT_TRUE(bare.ok()) << bare.status();
    EXPECT_FALSE(bare->allowed);
    EXPECT_TRUE(bare->available_features.empty());
    absl::StatusOr<Decision> other = client.Authorize(FromVpc("vpc-2"));
    ASSERT_TRUE(other.ok()) << other.status();
    EXPECT_FALSE(other->allowed);
  }
}

TEST_F(MessageReuseTest, AContextThatAllowedNeverReachesTheNextBatch) {
  AuthorizationClient client = authz();
  for (int round = 0; round < 40; ++round) {
    SCOPED_TRACE(round);
    // A full batch, then a shorter one whose items lack the context: the
    // reused message held 20 items with it.
    std::vector<Query> granted(20, FromVpc("vpc-1"));
    std::vector<Query> bare(7, FromVpc(""));
    bare.push_back(PageQuery{kAdmin, "billing_bills"});
    auto first = client.BatchAuthorize(granted);
    ASSERT_TRUE(first.ok()) << first.status();
    ASSERT_EQ(first->size(), granted.size());
    for (const absl::StatusOr<Decision>& d : *first) {
      ASSERT_TRUE(d.ok()) << d.status();
      EXPECT_TRUE(d->allowed);
    }
    auto second = client.BatchAuthorize(bare);
    ASSERT_TRUE(second.ok()) << second.status();
    ASSERT_EQ(second->size(), bare.size());
    for (size_t i = 0; i + 1 < bare.size(); ++i) {
      ASSERT_TRUE((*second)[i].ok()) << (*second)[i].status();
      EXPECT_FALSE((*second)[i]->allowed) << i;
      EXPECT_TRUE((*second)[i]->available_features.empty()) << i;
    }
    ASSERT_TRUE(second->back().ok());
    EXPECT_TRUE(second->back()->allowed);
  }
}

TEST_F(MessageReuseTest, AListOfPagesNeverReachesTheNextList) {
  AuthorizationClient client = authz();
  for (int round = 0; round < 40; ++round) {
    SCOPED_TRACE(round);
    auto everything = client.ListAccessiblePages(kAdmin);
    ASSERT_TRUE(everything.ok()) << everything.status();
    EXPECT_GT(everything->pages_size(), 10);
    // Without aws:SourceVpc vpc-only may open nothing.
    auto nothing = client.ListAccessiblePages(kVpcOnly);
    ASSERT_TRUE(nothing.ok()) << nothing.status();
    EXPECT_EQ(nothing->pages_size(), 0);
    auto all_denied = client.ListAccessiblePages(kVpcOnly, "", /*include_denied=*/true);
    ASSERT_TRUE(all_denied.ok()) << all_denied.status();
    EXPECT_EQ(all_denied->pages_size(), everything->pages_size());
    for (const pdp::v1::PageAccess& page : all_denied->pages()) {
      EXPECT_NE(page.view().effect(), pdp::v1::ALLOW) << page.page_id();
      EXPECT_NE(page.modify().effect(), pdp::v1::ALLOW) << page.page_id();
    }
  }
}

}  // namespace
}  // namespace pdp::testing
