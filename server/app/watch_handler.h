// AdminService.Watch, independent of gRPC: the committed batches in
// revision order from a starting revision, history first (from the store),
// then each batch as it is published.
//
// Never skips or repeats a revision, whatever the writers do meanwhile: it
// reads the store only up to the published revision (a batch is committed
// to the store before it is published) and checks that each batch it gets
// is the next number.
#ifndef PDP_SERVER_APP_WATCH_HANDLER_H_
#define PDP_SERVER_APP_WATCH_HANDLER_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "pdp/v1/admin.pb.h"
#include "server/app/world_state.h"

namespace pdp {

// How often a waiting Watch checks whether its client went away: its
// thread and its place among the --max-watches streams are freed within it.
inline constexpr absl::Duration kWatchCancelCheck = kCancelCheckInterval;

// Sends (with `send`, which returns false once the client is gone) every
// batch from request.from_revision (0: the next one to be published) until
// `cancelled()` says the client left (CANCELLED), the server shuts down
// (UNAVAILABLE, naming the revision to resume from), or the store fails.
// INVALID_ARGUMENT (field "from_revision") when negative. A from_revision
// beyond the current one is waited for.
absl::Status HandleWatch(const WorldState& state, const pdp::v1::WatchRequest& request,
                         const std::function<bool()>& cancelled,
                         const std::function<bool(const pdp::v1::WatchResponse&)>& send);

}  // namespace pdp

#endif  // PDP_SERVER_APP_WATCH_HANDLER_H_
