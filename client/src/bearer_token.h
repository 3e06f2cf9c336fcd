// How the client library presents its token (private to the library): the
// "authorization: Bearer TOKEN" metadata the server checks (admin token or a
// named caller's token).
#ifndef PDP_CLIENT_SRC_BEARER_TOKEN_H_
#define PDP_CLIENT_SRC_BEARER_TOKEN_H_

#include <chrono>
#include <string>

#include "billing_pdp/client_options.h"
#include "grpcpp/client_context.h"

namespace pdp {

// Adds the token to `ctx`; nothing when `token` is empty.
inline void AddBearerToken(grpc::ClientContext& ctx, const std::string& token) {
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
}

// What every call carries: its deadline (the call's own timeout, else the
// client's) and the token.
inline void PrepareCall(grpc::ClientContext& ctx, const ClientOptions& options,
                        const CallOptions& call) {
  ctx.set_deadline(std::chrono::system_clock::now() +
                   (call.timeout.count() > 0 ? call.timeout : options.timeout));
  AddBearerToken(ctx, options.BearerToken());
}

}  // namespace pdp

#endif  // PDP_CLIENT_SRC_BEARER_TOKEN_H_
