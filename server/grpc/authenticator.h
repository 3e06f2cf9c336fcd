// Who a call comes from and whether it may call its method: the server's one
// authority on callers, used by CallerAuthProcessor (which admits or refuses
// every call before a handler sees it) and by the handlers that need to know
// the caller (a write's scope and actors, the audit log, simulated time).
//
// With no callers configured (development on a loopback address, said at
// start-up) every caller is "local", an admin. Otherwise a call is who its
// bearer token or TLS client certificate says (CallerRegistry::Identify),
// and anonymous without either.
//
// Immutable after construction; thread-safe.
#ifndef PDP_SERVER_GRPC_AUTHENTICATOR_H_
#define PDP_SERVER_GRPC_AUTHENTICATOR_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/security/auth_context.h"
#include "grpcpp/server_context.h"
#include "server/app/caller.h"
#include "server/app/caller_registry.h"

namespace pdp {

class Authenticator {
 public:
  // `require_auth`: the decision methods (Authorize, ...) need a reader too.
  Authenticator(CallerRegistry registry, bool require_auth)
      : registry_(std::move(registry)), require_auth_(require_auth) {}

  // False in development mode (no callers): nothing is checked.
  bool enabled() const { return !registry_.empty(); }
  bool require_auth() const { return require_auth_; }

  // A call's metadata, as gRPC gives it to handlers and to auth processors.
  using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

  // The caller of a call in progress (a handler's). Errors as
  // CallerRegistry::Identify, and UNAUTHENTICATED (reason BAD_CREDENTIALS)
  // for a call that sends "authorization" more than once: which one counts
  // would be a guess.
  absl::StatusOr<Caller> Identify(const grpc::ServerContext& ctx) const;

  // OK when the call to `path` (":path") with `metadata` over `connection`
  // may go on; the refusal (UNAUTHENTICATED or PERMISSION_DENIED) otherwise.
  absl::Status Admit(absl::string_view path, const Metadata& metadata,
                     const grpc::AuthContext& connection) const;

 private:
  absl::StatusOr<Caller> Identify(const Metadata& metadata,
                                  const grpc::AuthContext* connection) const;

  CallerRegistry registry_;
  bool require_auth_;
};

// The developer's caller of a server with no callers configured.
Caller LocalDeveloper();

}  // namespace pdp

#endif  // PDP_SERVER_GRPC_AUTHENTICATOR_H_
