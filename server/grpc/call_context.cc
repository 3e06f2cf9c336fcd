#include "server/grpc/call_context.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "base/errors.h"

namespace pdp {
namespace {

// The most that is kept back from the call's deadline for the answer's trip.
constexpr absl::Duration kReplyMargin = absl::Milliseconds(50);

}  // namespace

absl::Time WaitDeadline(const grpc::ServerContext& ctx) {
  const auto deadline = ctx.deadline();
  const absl::Time now = absl::Now();  // one clock read
  // No deadline is time_point::max(), out of absl::Time's exact range.
  if (deadline >= absl::ToChronoTime(now) + std::chrono::hours(24 * 365)) {
    return absl::InfiniteFuture();
  }
  const absl::Time end = absl::FromChrono(deadline);
  const absl::Duration left = end - now;
  return end - std::min(kReplyMargin, left / 10);
}

void SetRevisionTrailer(grpc::ServerContext& ctx, int64_t revision, absl::Duration staleness) {
  ctx.AddTrailingMetadata(kRevisionTrailer, std::to_string(revision));
  if (staleness > absl::ZeroDuration()) {
    ctx.AddTrailingMetadata(kStalenessTrailer,
                            std::to_string(absl::ToInt64Milliseconds(staleness)));
  }
}

void MarkNotRetryable(grpc::ServerContext& ctx, const absl::Status& error) {
  if (ErrorReason(error) == "REVISION_NOT_REACHED") {
    ctx.AddTrailingMetadata("grpc-retry-pushback-ms", "-1");
  }
}

}  // namespace pdp
