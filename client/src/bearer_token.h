// How the client library presents its token (private to the library): the
// "authorization: Bearer TOKEN" metadata the server checks (admin token or a
// named caller's token).
#ifndef PDP_CLIENT_SRC_BEARER_TOKEN_H_
#define PDP_CLIENT_SRC_BEARER_TOKEN_H_

#include <string>

#include "grpcpp/client_context.h"

namespace pdp {

// Adds the token to `ctx`; nothing when `token` is empty.
inline void AddBearerToken(grpc::ClientContext& ctx, const std::string& token) {
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
}

}  // namespace pdp

#endif  // PDP_CLIENT_SRC_BEARER_TOKEN_H_
