// Which callers may call which method: the one table every call of every
// service is checked against (by CallerAuthProcessor, before any handler
// runs). A method the table does not name (a new RPC, another service)
// needs an admin: protected by default.
#ifndef PDP_SERVER_GRPC_METHOD_ACCESS_H_
#define PDP_SERVER_GRPC_METHOD_ACCESS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/app/caller.h"

namespace pdp {

enum class MethodAccess {
  kOpen,        // anyone, always: health checks and server reflection
  kDecision,    // Authorize, BatchAuthorize, ListPages: anyone unless --require-auth
  kReader,      // the questions that reveal the world: WhoCan, WhatIf, Explain, ...
  kController,  // AdminService reads and scoped writes
  kAdmin,       // everything else
};

// The access of `path`, gRPC's ":path" ("/pdp.v1.AdminService/CreateUser").
MethodAccess AccessOf(absl::string_view path);

// The least role `path` needs (Role::kNone: anyone, anonymous included).
Role NeededRole(absl::string_view path, bool require_auth);

// OK when `caller` may call `path`. Otherwise UNAUTHENTICATED (reason
// MISSING_CREDENTIALS) for an anonymous caller where a role is needed, or
// PERMISSION_DENIED (ROLE_TOO_LOW) naming the caller, its role and the role
// needed. Thread-safe; does no I/O.
absl::Status CheckMethodAccess(const Caller& caller, absl::string_view path, bool require_auth);

}  // namespace pdp

#endif  // PDP_SERVER_GRPC_METHOD_ACCESS_H_
