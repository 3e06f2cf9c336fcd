// How the client library prepares every call (private to the library): the
// deadline, the "authorization: Bearer TOKEN" metadata the server checks
// (admin token or a named caller's token), and the per-call min_revision.
// Sync and async calls of every client go through PrepareCall.
#ifndef PDP_CLIENT_SRC_BEARER_TOKEN_H_
#define PDP_CLIENT_SRC_BEARER_TOKEN_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "billing_pdp/client_options.h"
#include "grpcpp/client_context.h"

namespace pdp {

// Adds the token to `ctx`; nothing when `token` is empty.
inline void AddBearerToken(grpc::ClientContext& ctx, const std::string& token) {
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
}

// The deadline (the call's own timeout, else the client's) and the token.
inline void SetDeadlineAndToken(grpc::ClientContext& ctx, const ClientOptions& options,
                                const CallOptions& call) {
  ctx.set_deadline(std::chrono::system_clock::now() +
                   (call.timeout.count() > 0 ? call.timeout : options.timeout));
  AddBearerToken(ctx, options.BearerToken());
}

// Whether call.min_revision can be honoured by a method (whose request
// has a min_revision field, or not): INVALID_ARGUMENT when it is negative,
// or set for a method that cannot wait for it (never silently dropped).
inline absl::Status CheckMinRevision(const CallOptions& call, bool method_takes_min_revision) {
  if (call.min_revision < 0) {
    return absl::InvalidArgumentError("CallOptions.min_revision must not be negative");
  }
  if (call.min_revision > 0 && !method_takes_min_revision) {
    return absl::InvalidArgumentError(
        "CallOptions.min_revision is set but this method takes no min_revision");
  }
  return absl::OkStatus();
}

// The min_revision a read sends: the larger of its request's and the call's,
// except that a negative one in the request is sent as it is, for the server
// to refuse (INVALID_ARGUMENT, field min_revision) rather than be hidden.
inline int64_t MinRevision(int64_t request_min_revision, const CallOptions& call) {
  if (request_min_revision < 0) return request_min_revision;
  return std::max(request_min_revision, call.min_revision);
}

// What every call carries: CheckMinRevision, then SetDeadlineAndToken. On
// an error `ctx` is left as it was and nothing must be sent.
inline absl::Status PrepareCall(grpc::ClientContext& ctx, const ClientOptions& options,
                                const CallOptions& call, bool method_takes_min_revision) {
  if (absl::Status s = CheckMinRevision(call, method_takes_min_revision); !s.ok()) return s;
  SetDeadlineAndToken(ctx, options, call);
  return absl::OkStatus();
}

}  // namespace pdp

#endif  // PDP_CLIENT_SRC_BEARER_TOKEN_H_
