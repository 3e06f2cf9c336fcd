// Who may call the control plane. With a token configured, every AdminService
// call must carry "authorization: Bearer <token>"; the comparison takes the
// same time whatever the token, and the token is never logged. Without one
// (development on 127.0.0.1 only; main refuses other addresses) calls are
// let through.
#ifndef PDP_SERVER_ADMIN_AUTH_H_
#define PDP_SERVER_ADMIN_AUTH_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/server_context.h"

namespace pdp {

class AdminAuth {
 public:
  explicit AdminAuth(std::string token) : token_(std::move(token)) {}

  bool enabled() const { return !token_.empty(); }

  // OK, or UNAUTHENTICATED with reason MISSING_CREDENTIALS / BAD_CREDENTIALS.
  absl::Status Check(const grpc::ServerContext& ctx) const;

 private:
  std::string token_;
};

}  // namespace pdp

#endif  // PDP_SERVER_ADMIN_AUTH_H_
