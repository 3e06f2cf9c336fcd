// Changes to users, groups and roles as SnapshotBuilder takes them (pdp.v1
// Change kinds delete_entity, put_inline_policy, delete_inline_policy,
// attach_policy, detach_policy, add_user_to_group, remove_user_from_group):
// plain values with the API's field names, so the builder's field paths are
// the API's. Values are kept as sent; the builder checks them. put_user,
// put_group and put_role still reach the builder as pdp.v1 messages.
#ifndef PDP_ENGINE_WRITE_ENTITY_CHANGE_TYPES_H_
#define PDP_ENGINE_WRITE_ENTITY_CHANGE_TYPES_H_

#include <string>

namespace pdp {

struct DeleteEntityChange {  // detaches everything
  std::string arn;
  std::string etag;
};

struct PutInlinePolicyChange {  // creates or replaces
  std::string entity_arn;
  std::string name;
  std::string document;
};

struct DeleteInlinePolicyChange {
  std::string entity_arn;
  std::string name;
};

// attach_policy and detach_policy.
struct PolicyAttachmentChange {
  std::string entity_arn;
  std::string policy_arn;
};

// add_user_to_group and remove_user_from_group.
struct GroupMembershipChange {
  std::string user_arn;
  std::string group_name;
};

}  // namespace pdp

#endif  // PDP_ENGINE_WRITE_ENTITY_CHANGE_TYPES_H_
