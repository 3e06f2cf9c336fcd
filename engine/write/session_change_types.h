// Role session changes as SnapshotBuilder takes them (pdp.v1 Change kind
// delete_role_session): plain values with the API's field names. Values
// are kept as sent; the builder checks them. put_role_session still reaches
// the builder as a pdp.v1 message.
#ifndef PDP_ENGINE_WRITE_SESSION_CHANGE_TYPES_H_
#define PDP_ENGINE_WRITE_SESSION_CHANGE_TYPES_H_

#include <string>

namespace pdp {

struct DeleteRoleSessionChange {
  std::string arn;  // arn:aws:sts::<account>:assumed-role/<role>/<session>
};

}  // namespace pdp

#endif  // PDP_ENGINE_WRITE_SESSION_CHANGE_TYPES_H_
