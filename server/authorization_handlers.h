// What each AuthorizationService method does, independent of how gRPC
// delivers the call (completion queue or thread pool). Each takes the
// current snapshot once and answers from it alone; never blocks.
#ifndef PDP_SERVER_AUTHORIZATION_HANDLERS_H_
#define PDP_SERVER_AUTHORIZATION_HANDLERS_H_

#include "absl/status/status.h"
#include "pdp/v1/authorization.pb.h"
#include "server/world_state.h"

namespace pdp {

// Most requests in one BatchAuthorize call.
inline constexpr int kMaxBatchRequests = 1000;

absl::Status HandleAuthorize(const WorldState& state, const pdp::v1::AuthorizeRequest& request,
                             pdp::v1::AuthorizeResponse* response);
absl::Status HandleBatchAuthorize(const WorldState& state,
                                  const pdp::v1::BatchAuthorizeRequest& request,
                                  pdp::v1::BatchAuthorizeResponse* response);
absl::Status HandleExplain(const WorldState& state, const pdp::v1::AuthorizeRequest& request,
                           pdp::v1::ExplainResponse* response);
absl::Status HandleListAccessiblePages(const WorldState& state,
                                       const pdp::v1::ListAccessiblePagesRequest& request,
                                       pdp::v1::ListAccessiblePagesResponse* response);
absl::Status HandleListPages(const WorldState& state, pdp::v1::ListPagesResponse* response);

}  // namespace pdp

#endif  // PDP_SERVER_AUTHORIZATION_HANDLERS_H_
