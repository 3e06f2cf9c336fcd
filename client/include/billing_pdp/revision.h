// The state revision a response reflects. billing-pdp sends it in the
// "pdp-revision" trailing metadata of every AdminService and
// AuthorizationService response (also in the body where the message has a
// revision field). Pass it as min_revision to a later read, on this server
// or another replica, to read your own writes.
#ifndef BILLING_PDP_REVISION_H_
#define BILLING_PDP_REVISION_H_

#include <cstdint>
#include <optional>

#include "grpcpp/client_context.h"

namespace pdp {

inline constexpr char kRevisionTrailer[] = "pdp-revision";

// The revision from a finished call's trailer; nullopt when the server sent
// none (e.g. the call failed before a snapshot was read).
std::optional<int64_t> ResponseRevision(const grpc::ClientContext& ctx);

}  // namespace pdp

#endif  // BILLING_PDP_REVISION_H_
