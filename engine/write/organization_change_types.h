// Organization and SCP changes as SnapshotBuilder takes them (pdp.v1 Change
// kinds create_organization ... detach_scp): plain values with the API's
// field names, so the builder's field paths are the API's. Values are kept
// as sent; the builder checks them.
#ifndef PDP_ENGINE_WRITE_ORGANIZATION_CHANGE_TYPES_H_
#define PDP_ENGINE_WRITE_ORGANIZATION_CHANGE_TYPES_H_

#include <string>

namespace pdp {

struct CreateOrganizationChange {
  std::string organization_id;  // optional
  std::string management_account_id;
  std::string root_id;  // optional
  bool scps_enabled = false;
  bool allow_existing = false;
};

struct UpdateOrganizationChange {  // enabling or disabling SCPs
  std::string organization_id;
  bool scps_enabled = false;
  std::string etag;
};

struct DeleteOrganizationChange {
  std::string organization_id;
  std::string etag;
};

struct CreateOrganizationalUnitChange {
  std::string organization_id;
  std::string parent_id;  // the root or an OU
  std::string name;
  std::string ou_id;  // optional
  bool allow_existing = false;
};

struct UpdateOrganizationalUnitChange {  // renames
  std::string organization_id;
  std::string ou_id;
  std::string name;
};

struct DeleteOrganizationalUnitChange {
  std::string organization_id;
  std::string ou_id;
};

// CreateMemberAccountChange::iam_user_access_to_billing's values: pdp.v1's
// numbers (server/wire/change_from_wire.cc checks them).
inline constexpr int kIamUserAccessUnspecified = 0;  // as allow
inline constexpr int kIamUserAccessAllow = 1;
inline constexpr int kIamUserAccessDeny = 2;

struct CreateMemberAccountChange {
  std::string organization_id;
  std::string account_id;
  std::string name;
  std::string parent_id;  // default: the root
  // As sent: unspecified and allow allow, deny denies; any other number is
  // refused.
  int iam_user_access_to_billing = 0;
  bool allow_existing = false;
};

struct InviteAccountChange {
  std::string organization_id;
  std::string account_id;
  std::string parent_id;  // default: the root
  bool allow_existing = false;
};

struct MoveAccountChange {
  std::string organization_id;
  std::string account_id;
  std::string destination_parent_id;
};

struct RemoveAccountChange {
  std::string organization_id;
  std::string account_id;
};

struct CreateScpChange {
  std::string organization_id;
  std::string policy_id;  // optional
  std::string name;
  std::string description;
  std::string document;
  bool allow_existing = false;
};

struct UpdateScpChange {
  std::string organization_id;
  std::string policy_id;
  std::string name;
  std::string description;
  std::string document;
  std::string etag;
};

struct DeleteScpChange {
  std::string organization_id;
  std::string policy_id;
  std::string etag;
};

struct AttachScpChange {
  std::string organization_id;
  std::string policy_id;
  std::string target_id;  // root id, OU id or 12-digit account id
  bool allow_existing = false;
};

struct DetachScpChange {
  std::string organization_id;
  std::string policy_id;
  std::string target_id;
  bool allow_missing = false;
};

}  // namespace pdp

#endif  // PDP_ENGINE_WRITE_ORGANIZATION_CHANGE_TYPES_H_
