// The AuthorizationService handlers, without gRPC: BatchAuthorize never runs
// past its deadline.
#include "server/authorization_handlers.h"

#include "absl/strings/str_cat.h"
#include "common/world/world_file.h"
#include "gtest/gtest.h"
#include "server/store/memory_store.h"
#include "server/world_state.h"
#include "tests/common/test_support.h"

namespace pdp {
namespace {

pdp::v1::BatchAuthorizeRequest Batch(int n) {
  pdp::v1::BatchAuthorizeRequest batch;
  for (int i = 0; i < n; ++i) {
    pdp::v1::AuthorizeRequest* r = batch.add_requests();
    r->set_principal("arn:aws:iam::111111111111:root");
    r->mutable_action()->set_action("ce:GetCostAndUsage");
  }
  return batch;
}

TEST(BatchAuthorizeTest, AnswersEveryRequestBeforeTheDeadline) {
  MemoryStore store;
  WorldState state(test::EmptyShippedSnapshot(), &store);
  pdp::v1::BatchAuthorizeResponse response;
  ASSERT_TRUE(
      HandleBatchAuthorize(state, Batch(3), absl::Now() + absl::Seconds(30), &response).ok());
  EXPECT_EQ(response.results_size(), 3);
}

TEST(BatchAuthorizeTest, StopsWithDeadlineExceededOnceTheDeadlineHasPassed) {
  MemoryStore store;
  WorldState state(test::EmptyShippedSnapshot(), &store);
  pdp::v1::BatchAuthorizeResponse response;
  absl::Status s =
      HandleBatchAuthorize(state, Batch(1000), absl::Now() - absl::Milliseconds(1), &response);
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_EQ(response.results_size(), 0);
}

pdp::v1::AuthorizeRequest PageAsk(const std::string& principal, const std::string& page,
                                  const std::string& account_id = "") {
  pdp::v1::AuthorizeRequest r;
  r.set_principal(principal);
  r.set_account_id(account_id);
  r.mutable_page()->set_page_id(page);
  r.mutable_page()->set_access(pdp::v1::VIEW);
  return r;
}

// BatchAuthorize resolves a principal once for a run of requests naming it:
// whatever the order of principals, accounts and bad requests, each result
// must be what Authorize answers for that request alone.
TEST(BatchAuthorizeTest, EachResultIsWhatAuthorizeAnswersAlone) {
  auto changes = ReadWorldFile(test::DataPath("demo-world.yaml"));
  ASSERT_TRUE(changes.ok()) << changes.status();
  absl::StatusOr<SnapshotPtr> demo = test::ApplyBatch(test::EmptyShippedSnapshot(), *changes);
  ASSERT_TRUE(demo.ok()) << demo.status();
  MemoryStore store;
  WorldState state(*demo, &store);
  const std::string dave = "arn:aws:iam::111111111111:user/dave";
  const std::string bob = "arn:aws:iam::111111111111:user/auditor-bob";
  pdp::v1::BatchAuthorizeRequest batch;
  for (const pdp::v1::AuthorizeRequest& r : {
           PageAsk(dave, "billing_bills"),
           PageAsk(dave, "billing_payment_methods"),
           PageAsk(bob, "billing_payment_methods"),
           PageAsk(dave, "billing_bills", "222222222222"),  // cross-account
           PageAsk(dave, "billing_bills", "2222"),          // malformed account
           PageAsk(dave, "billing_bills", "2222"),
           PageAsk("arn:aws:iam::111111111111:user/Dave", "billing_bills"),  // unknown
           PageAsk("not an arn", "billing_bills"),
           PageAsk("not an arn", "billing_bills"),
           PageAsk(dave, "no_such_page"),
           PageAsk(dave, "billing_bills"),
           PageAsk("arn:aws:iam::111111111111:root", "billing_bills"),
       }) {
    *batch.add_requests() = r;
  }
  pdp::v1::AuthorizeRequest with_bad_context = PageAsk(dave, "billing_bills");
  (*with_bad_context.mutable_context()->mutable_keys())["aws:username"].add_values("root");
  *batch.add_requests() = with_bad_context;
  *batch.add_requests() = PageAsk(dave, "billing_bills");

  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  pdp::v1::BatchAuthorizeResponse response;
  ASSERT_TRUE(HandleBatchAuthorize(state, batch, deadline, &response).ok());
  ASSERT_EQ(response.results_size(), batch.requests_size());
  int allowed = 0, denied = 0, errors = 0;
  for (int i = 0; i < batch.requests_size(); ++i) {
    const pdp::v1::BatchAuthorizeResult& got = response.results(i);
    pdp::v1::AuthorizeResponse alone;
    absl::Status status = HandleAuthorize(state, batch.requests(i), deadline, &alone);
    SCOPED_TRACE(absl::StrCat("requests[", i, "]: ", batch.requests(i).ShortDebugString()));
    if (status.ok()) {
      ASSERT_TRUE(got.has_decision());
      EXPECT_EQ(got.decision().SerializeAsString(), alone.decision().SerializeAsString());
      (alone.decision().effect() == pdp::v1::ALLOW ? allowed : denied)++;
    } else {
      ASSERT_TRUE(got.has_error());
      EXPECT_EQ(got.error().code(), static_cast<int>(status.code()));
      EXPECT_EQ(got.error().message(), absl::StrCat("requests[", i, "].", status.message()));
      ++errors;
    }
  }
  // The batch covers every kind of answer.
  EXPECT_GE(allowed, 3);
  EXPECT_GE(denied, 3);
  EXPECT_GE(errors, 5);
}

}  // namespace
}  // namespace pdp
