// AuthorizationService.AccessMatrix, independent of gRPC: waits for the
// request's min_revision, then streams the matrix of ONE snapshot
// (server/wire/access_matrix.h) to `send`.
//
// It is heavy (every principal of an account or an organization, times
// every requested page) and so never runs on the completion queues serving
// Authorize: the service runs it on a thread of its own at the question
// threads' lower CPU priority, at most --max-matrix-streams at once.
#ifndef PDP_SERVER_APP_ACCESS_MATRIX_HANDLER_H_
#define PDP_SERVER_APP_ACCESS_MATRIX_HANDLER_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "pdp/v1/authorization.pb.h"
#include "server/app/world_state.h"
#include "server/wire/access_matrix.h"

namespace pdp {

// Waits (until `deadline`) for request.min_revision, then sends the matrix
// of the snapshot current then; every message carries its revision, also
// stored in `*revision` before the first is sent. `cancelled` (the client
// went away) is asked while waiting and before each principal is decided;
// `send` returns false once the client is gone.
//
// Errors: the engine's (INVALID_ARGUMENT with field paths, NOT_FOUND);
// the wait's (INVALID_ARGUMENT "min_revision", UNAVAILABLE reason
// REVISION_NOT_REACHED); CANCELLED when the client went away;
// DEADLINE_EXCEEDED when `deadline` passed part way (the messages sent
// until then are all the client gets).
absl::Status HandleAccessMatrix(const WorldState& state,
                                const pdp::v1::AccessMatrixRequest& request, absl::Time deadline,
                                const std::function<bool()>& cancelled,
                                const AccessMatrixSink& send, int64_t* revision);

}  // namespace pdp

#endif  // PDP_SERVER_APP_ACCESS_MATRIX_HANDLER_H_
