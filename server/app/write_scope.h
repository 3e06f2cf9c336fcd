// Whether a caller may make a batch of changes: the controller's scope
// (which accounts and organizations it may write) and actor binding (on
// whose behalf it may change settings). Admins may do anything; readers and
// anonymous callers nothing. Checked against the state the batch applies to
// (an account is a scoped organization's if it is in it then, or if an
// earlier change of the same batch created it there).
//
// A change kind this file does not know is refused for controllers: a new
// kind of write is out of every scope until someone decides its scope.
// Pure; thread-safe.
#ifndef PDP_SERVER_APP_WRITE_SCOPE_H_
#define PDP_SERVER_APP_WRITE_SCOPE_H_

#include <vector>

#include "absl/status/status.h"
#include "engine/model/snapshot.h"
#include "pdp/v1/changes.pb.h"
#include "server/app/caller.h"

namespace pdp {

// OK, or PERMISSION_DENIED naming the caller and what it may not touch:
// reason OUT_OF_SCOPE (an account or organization), ACTOR_OUT_OF_SCOPE (a
// settings change's actor), ROLE_TOO_LOW (not a writer). The field path is
// "changes[i]..." when `indexed` (ApplyChanges), the request's own field
// otherwise. INVALID_ARGUMENT when a change's ARN does not parse (the
// account it addresses cannot be told).
absl::Status CheckWriteScope(const Caller& caller, const Snapshot& base,
                             const std::vector<pdp::v1::Change>& changes, bool indexed);

}  // namespace pdp

#endif  // PDP_SERVER_APP_WRITE_SCOPE_H_
