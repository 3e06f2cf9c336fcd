// One change as SnapshotBuilder::Apply takes it: the engine's counterpart of
// pdp.v1.Change (proto/pdp/v1/changes.proto), one alternative per kind with
// the API's field names (the *_change_types.h headers), plus the etag
// precondition. The wire maps to it at the server's edge
// (server/wire/change_from_wire.h). A plain value.
#ifndef PDP_ENGINE_WRITE_CHANGE_H_
#define PDP_ENGINE_WRITE_CHANGE_H_

#include <string>
#include <variant>

#include "engine/write/account_change_types.h"
#include "engine/write/entity_change_types.h"
#include "engine/write/organization_change_types.h"
#include "engine/write/policy_change_types.h"
#include "engine/write/session_change_types.h"

namespace pdp {

// std::monostate: no kind (a pdp.v1.Change with none set); Apply refuses it
// as the API documents ("kind": "the change is empty"), after the etag
// check, as for any change.
using ChangeKind = std::variant<
    std::monostate,
    // Accounts.
    CreateAccountChange, UpdateAccountChange, DeleteAccountChange, UpdateAccountSettingsChange,
    // Users, groups and roles.
    PutUserChange, PutGroupChange, PutRoleChange, DeleteEntityChange, PutInlinePolicyChange,
    DeleteInlinePolicyChange, AttachPolicyChange, DetachPolicyChange, AddUserToGroupChange,
    RemoveUserFromGroupChange,
    // Managed policies.
    CreatePolicyChange, PutPolicyChange, PutAwsManagedPolicyChange, UpdatePolicyChange,
    DeletePolicyChange, CreatePolicyVersionChange, SetDefaultPolicyVersionChange,
    DeletePolicyVersionChange,
    // Role sessions.
    PutRoleSessionChange, DeleteRoleSessionChange,
    // Organizations and SCPs.
    CreateOrganizationChange, UpdateOrganizationChange, DeleteOrganizationChange,
    CreateOrganizationalUnitChange, UpdateOrganizationalUnitChange, DeleteOrganizationalUnitChange,
    CreateMemberAccountChange, InviteAccountChange, MoveAccountChange, RemoveAccountChange,
    CreateScpChange, UpdateScpChange, DeleteScpChange, AttachScpChange, DetachScpChange>;

// Named apart from pdp::v1::Change, which much of the server and its tests
// bring into namespace pdp.
struct EngineChange {
  ChangeKind kind;
  // When not empty: the addressed object's etag must be this
  // (Change.etag).
  std::string etag;
};

}  // namespace pdp

#endif  // PDP_ENGINE_WRITE_CHANGE_H_
