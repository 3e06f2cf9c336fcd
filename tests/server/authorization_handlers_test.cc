// The AuthorizationService handlers, without gRPC: BatchAuthorize never runs
// past its deadline; called directly, every handler waits for its
// min_revision.
#include "server/app/authorization_handlers.h"

#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/app/world_state.h"
#include "server/store/memory_store.h"
#include "tests/support/shipped_world.h"
#include "tests/support/test_support.h"

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
  return test::PageRequest(principal, page, pdp::v1::VIEW, account_id);
}

// BatchAuthorize resolves a principal once for a run of requests naming it:
// whatever the order of principals, accounts and bad requests, each result
// must be what Authorize answers for that request alone.
TEST(BatchAuthorizeTest, EachResultIsWhatAuthorizeAnswersAlone) {
  SnapshotPtr demo = test::ShippedWorld("demo-world.yaml");
  ASSERT_NE(demo, nullptr);
  MemoryStore store;
  WorldState state(demo, &store);
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

pdp::v1::Change NewAccount(const std::string& id) {
  pdp::v1::Change c;
  c.mutable_create_account()->mutable_account()->set_id(id);
  return c;
}

// Called directly, every handler still waits for its min_revision: one the
// state has not reached is REVISION_NOT_REACHED at the deadline (already
// passed here), never an answer from the older state; once a write reaches
// it, the answer is from that revision. The Answer* entry points (for callers
// that have waited already) answer the same as the Handle* ones.
TEST(RevisionWaitingHandlersTest, HandlersCalledDirectlyWaitForTheirMinRevision) {
  MemoryStore store;
  WorldState state(test::EmptyShippedSnapshot(), &store);
  const int64_t at = state.revision();
  const absl::Time passed = absl::Now() - absl::Milliseconds(1);
  const std::string root = "arn:aws:iam::111111111111:root";
  pdp::v1::AuthorizeRequest ask;
  ask.set_principal(root);
  ask.mutable_action()->set_action("ce:GetCostAndUsage");
  ask.set_min_revision(at + 1);
  pdp::v1::BatchAuthorizeRequest batch = Batch(2);
  batch.mutable_requests(1)->set_min_revision(at + 1);
  pdp::v1::ListAccessiblePagesRequest pages;
  pages.set_principal(root);
  pages.set_min_revision(at + 1);

  auto not_reached = [](const absl::Status& s) {
    return s.code() == absl::StatusCode::kUnavailable && ErrorReason(s) == "REVISION_NOT_REACHED";
  };
  pdp::v1::AuthorizeResponse authorized;
  EXPECT_TRUE(not_reached(HandleAuthorize(state, ask, passed, &authorized)));
  pdp::v1::BatchAuthorizeResponse batched;
  EXPECT_TRUE(not_reached(HandleBatchAuthorize(state, batch, passed, &batched)));
  pdp::v1::ExplainResponse explained;
  EXPECT_TRUE(not_reached(HandleExplain(state, ask, passed, &explained)));
  pdp::v1::ListAccessiblePagesResponse listed;
  EXPECT_TRUE(not_reached(HandleListAccessiblePages(state, pages, passed, &listed)));

  ASSERT_TRUE(state.Apply({NewAccount("111111111111")}).ok());  // root's account
  ASSERT_EQ(state.revision(), at + 1);
  ASSERT_TRUE(HandleAuthorize(state, ask, passed, &authorized).ok());
  EXPECT_EQ(authorized.decision().revision(), at + 1);
  ASSERT_TRUE(HandleBatchAuthorize(state, batch, absl::InfiniteFuture(), &batched).ok());
  EXPECT_EQ(batched.revision(), at + 1);
  ASSERT_EQ(batched.results_size(), 2);
  ASSERT_TRUE(HandleExplain(state, ask, passed, &explained).ok());
  EXPECT_EQ(explained.decision().revision(), at + 1);
  ASSERT_TRUE(HandleListAccessiblePages(state, pages, passed, &listed).ok());
  EXPECT_EQ(listed.revision(), at + 1);

  pdp::v1::AuthorizeResponse authorized_after;
  ASSERT_TRUE(AnswerAuthorize(state, ask, &authorized_after).ok());
  EXPECT_EQ(authorized_after.SerializeAsString(), authorized.SerializeAsString());
  pdp::v1::BatchAuthorizeResponse batched_after;
  ASSERT_TRUE(AnswerBatchAuthorize(state, batch, absl::InfiniteFuture(), &batched_after).ok());
  EXPECT_EQ(batched_after.SerializeAsString(), batched.SerializeAsString());
  pdp::v1::ExplainResponse explained_after;
  ASSERT_TRUE(AnswerExplain(state, ask, &explained_after).ok());
  EXPECT_EQ(explained_after.decision().SerializeAsString(),
            explained.decision().SerializeAsString());
  pdp::v1::ListAccessiblePagesResponse listed_after;
  ASSERT_TRUE(AnswerListAccessiblePages(state, pages, &listed_after).ok());
  EXPECT_EQ(listed_after.SerializeAsString(), listed.SerializeAsString());
}

// A batch's own errors (too many requests, a negative min_revision in one of
// them) come before any wait, and the same from AnswerBatchAuthorize.
TEST(RevisionWaitingHandlersTest, ABatchsOwnErrorsComeBeforeTheWait) {
  MemoryStore store;
  WorldState state(test::EmptyShippedSnapshot(), &store);
  const int64_t far = state.revision() + 1000;
  pdp::v1::BatchAuthorizeRequest negative = Batch(3);
  negative.set_min_revision(far);
  negative.mutable_requests(2)->set_min_revision(-1);
  pdp::v1::BatchAuthorizeRequest too_many = Batch(kMaxBatchRequests + 1);
  too_many.set_min_revision(far);
  for (const pdp::v1::BatchAuthorizeRequest* batch : {&negative, &too_many}) {
    // A wait would last until the deadline, 30 s away.
    const absl::Time start = absl::Now();
    pdp::v1::BatchAuthorizeResponse response;
    absl::Status handled =
        HandleBatchAuthorize(state, *batch, absl::Now() + absl::Seconds(30), &response);
    EXPECT_LT(absl::Now() - start, absl::Seconds(10));
    EXPECT_EQ(handled.code(), absl::StatusCode::kInvalidArgument) << handled;
    absl::Status answered =
        AnswerBatchAuthorize(state, *batch, absl::Now() + absl::Seconds(30), &response);
    EXPECT_EQ(answered, handled);
  }
  pdp::v1::BatchAuthorizeResponse response;
  absl::Status s = HandleBatchAuthorize(state, negative, absl::InfiniteFuture(), &response);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("requests[2].min_revision"));
}

}  // namespace
}  // namespace pdp
