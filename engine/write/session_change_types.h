// Role session changes as SnapshotBuilder takes them (pdp.v1 Change kinds
// put_role_session, delete_role_session): plain values with the API's field
// names. Values are kept as sent; the builder checks them.
#ifndef PDP_ENGINE_WRITE_SESSION_CHANGE_TYPES_H_
#define PDP_ENGINE_WRITE_SESSION_CHANGE_TYPES_H_

#include <string>
#include <vector>

#include "engine/write/entity_change_types.h"

namespace pdp {

struct RoleSessionInput {
  std::string arn;  // arn:aws:sts::<account>:assumed-role/<role>/<session>
  std::vector<std::string> policy_arns;
  std::string policy;  // inline session policy JSON; may be empty
  TagsInput tags;
  std::string etag;
};

struct PutRoleSessionChange {  // creates or replaces
  RoleSessionInput session;
};

struct DeleteRoleSessionChange {
  std::string arn;  // arn:aws:sts::<account>:assumed-role/<role>/<session>
};

}  // namespace pdp

#endif  // PDP_ENGINE_WRITE_SESSION_CHANGE_TYPES_H_
