// The AuthorizationService handlers, without gRPC: BatchAuthorize never runs
// past its deadline.
#include "server/authorization_handlers.h"

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

}  // namespace
}  // namespace pdp
