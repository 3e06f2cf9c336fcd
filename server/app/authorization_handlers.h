// What each AuthorizationService method does, independent of how gRPC
// delivers the call (on a queue thread, the revision gate's or a question
// thread). Each Handle* waits for the request's min_revision (until
// `deadline`: UNAVAILABLE, reason REVISION_NOT_REACHED; a negative one is
// INVALID_ARGUMENT), then takes the current snapshot once and answers from it
// alone. A caller that must not block waits first (WorldState::WhenRevision
// with MinRevision(request), which also refuses a negative one) and then
// calls the matching Answer*, which is Handle* without the wait: it must only
// be called once the published revision has reached MinRevision(request)
// (otherwise it would answer from an older state than the request asked for).
#ifndef PDP_SERVER_APP_AUTHORIZATION_HANDLERS_H_
#define PDP_SERVER_APP_AUTHORIZATION_HANDLERS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "pdp/v1/authorization.pb.h"
#include "server/app/world_state.h"

namespace pdp {

// Most requests in one BatchAuthorize call.
inline constexpr int kMaxBatchRequests = 1000;

// The revision a request waits for: its min_revision; for BatchAuthorize the
// largest of its own and its requests'.
int64_t MinRevision(const pdp::v1::AuthorizeRequest& request);
int64_t MinRevision(const pdp::v1::BatchAuthorizeRequest& request);

absl::Status HandleAuthorize(const WorldState& state, const pdp::v1::AuthorizeRequest& request,
                             absl::Time deadline, pdp::v1::AuthorizeResponse* response);
absl::Status AnswerAuthorize(const WorldState& state, const pdp::v1::AuthorizeRequest& request,
                             pdp::v1::AuthorizeResponse* response);
// Also DEADLINE_EXCEEDED once `deadline` has passed between two requests
// of the batch (checked before each: a batch never runs past it by more
// than one decision). Its own errors (too many requests, a negative
// min_revision in one of them) come before the wait.
absl::Status HandleBatchAuthorize(const WorldState& state,
                                  const pdp::v1::BatchAuthorizeRequest& request,
                                  absl::Time deadline, pdp::v1::BatchAuthorizeResponse* response);
absl::Status AnswerBatchAuthorize(const WorldState& state,
                                  const pdp::v1::BatchAuthorizeRequest& request,
                                  absl::Time deadline, pdp::v1::BatchAuthorizeResponse* response);
absl::Status HandleExplain(const WorldState& state, const pdp::v1::AuthorizeRequest& request,
                           absl::Time deadline, pdp::v1::ExplainResponse* response);
absl::Status AnswerExplain(const WorldState& state, const pdp::v1::AuthorizeRequest& request,
                           pdp::v1::ExplainResponse* response);
absl::Status HandleListAccessiblePages(const WorldState& state,
                                       const pdp::v1::ListAccessiblePagesRequest& request,
                                       absl::Time deadline,
                                       pdp::v1::ListAccessiblePagesResponse* response);
absl::Status AnswerListAccessiblePages(const WorldState& state,
                                       const pdp::v1::ListAccessiblePagesRequest& request,
                                       pdp::v1::ListAccessiblePagesResponse* response);
absl::Status HandleListPages(const WorldState& state, pdp::v1::ListPagesResponse* response);

}  // namespace pdp

#endif  // PDP_SERVER_APP_AUTHORIZATION_HANDLERS_H_
