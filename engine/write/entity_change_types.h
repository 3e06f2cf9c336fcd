// Changes to users, groups and roles as SnapshotBuilder takes them (pdp.v1
// Change kinds put_user, put_group, put_role, delete_entity,
// put_inline_policy, delete_inline_policy, attach_policy, detach_policy,
// add_user_to_group, remove_user_from_group): plain values with the API's
// field names, so the builder's field paths are the API's. Values are kept
// as sent; the builder checks them.
#ifndef PDP_ENGINE_WRITE_ENTITY_CHANGE_TYPES_H_
#define PDP_ENGINE_WRITE_ENTITY_CHANGE_TYPES_H_

#include <string>
#include <utility>
#include <vector>

namespace pdp {

// Tags as sent, in the order the API's map gave them: with several bad
// keys, the builder's error names the first in that order (as it did on
// the API's map).
using TagsInput = std::vector<std::pair<std::string, std::string>>;

struct InlinePolicyInput {
  std::string name;
  std::string document;
};

struct UserInput {
  std::string arn;
  std::vector<std::string> groups;  // group names in the same account
  std::vector<std::string> attached_policies;
  std::vector<InlinePolicyInput> inline_policies;
  TagsInput tags;
  std::string etag;
  std::string permissions_boundary;  // empty: none
  std::string unique_id;             // empty: keep it, or make one up
};

struct GroupInput {
  std::string arn;
  std::vector<std::string> attached_policies;
  std::vector<InlinePolicyInput> inline_policies;
  std::string etag;
  std::string unique_id;
};

struct RoleInput {
  std::string arn;
  std::vector<std::string> attached_policies;
  std::vector<InlinePolicyInput> inline_policies;
  TagsInput tags;
  std::string etag;
  std::string permissions_boundary;
  std::string unique_id;
};

struct PutUserChange {
  UserInput user;
  bool replace = false;
  bool allow_missing = false;
};

struct PutGroupChange {
  GroupInput group;
  bool replace = false;
  bool allow_missing = false;
};

struct PutRoleChange {
  RoleInput role;
  bool replace = false;
  bool allow_missing = false;
};

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

// Each kind its own type, so an EngineChange (change.h) says which it is.
struct AttachPolicyChange : PolicyAttachmentChange {};
struct DetachPolicyChange : PolicyAttachmentChange {};
struct AddUserToGroupChange : GroupMembershipChange {};
struct RemoveUserFromGroupChange : GroupMembershipChange {};

}  // namespace pdp

#endif  // PDP_ENGINE_WRITE_ENTITY_CHANGE_TYPES_H_
