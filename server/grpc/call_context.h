// What every handler takes from, and gives back to, its gRPC call: how long
// it may wait for a min_revision, and the "pdp-revision" trailer naming the
// state revision the response reflects.
#ifndef PDP_SERVER_GRPC_CALL_CONTEXT_H_
#define PDP_SERVER_GRPC_CALL_CONTEXT_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"

namespace pdp {

// Trailing metadata key of the revision a response reflects.
inline constexpr char kRevisionTrailer[] = "pdp-revision";

// When a wait for a revision must give up: a little before the call's
// deadline, so that the REVISION_NOT_REACHED answer (which says how far the
// server is) reaches the client before its own deadline turns the call into
// a bare DEADLINE_EXCEEDED. InfiniteFuture when the call has no deadline
// (the wait itself is bounded).
absl::Time WaitDeadline(const grpc::ServerContext& ctx);

// Trailing metadata key, on replicas out of contact with the shared store:
// how many milliseconds stale the answer may be.
inline constexpr char kStalenessTrailer[] = "pdp-stale-ms";

// Sets "pdp-revision", and "pdp-stale-ms" when `staleness` is not zero.
void SetRevisionTrailer(grpc::ServerContext& ctx, int64_t revision,
                        absl::Duration staleness = absl::ZeroDuration());

// For an error a retry cannot help, "grpc-retry-pushback-ms: -1", which
// tells a client's gRPC retry policy not to retry: REVISION_NOT_REACHED is
// UNAVAILABLE (the client may ask another replica) but it is sent just
// before the deadline, and a retry would hide its message behind a bare
// DEADLINE_EXCEEDED. Nothing for other errors.
void MarkNotRetryable(grpc::ServerContext& ctx, const absl::Status& error);

}  // namespace pdp

#endif  // PDP_SERVER_GRPC_CALL_CONTEXT_H_
