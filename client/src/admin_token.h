// How the client library presents the admin token (private to the library):
// the "authorization: Bearer TOKEN" metadata the server's AdminAuth checks.
#ifndef PDP_CLIENT_SRC_ADMIN_TOKEN_H_
#define PDP_CLIENT_SRC_ADMIN_TOKEN_H_

#include <string>

#include "grpcpp/client_context.h"

namespace pdp {

// Adds the token to `ctx`; nothing when `token` is empty.
inline void AddAdminToken(grpc::ClientContext& ctx, const std::string& token) {
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
}

}  // namespace pdp

#endif  // PDP_CLIENT_SRC_ADMIN_TOKEN_H_
