// pdp.v1 change messages -> the engine's change types, kind by kind.
// Transitional (issue 14): SnapshotBuilder::Apply still takes a
// pdp.v1.Change and maps each kind here as it switches to engine types;
// when every kind has, this file moves to server/wire and Apply takes the
// engine's change. Pure functions; values are copied as sent (no checks).
#ifndef PDP_ENGINE_WRITE_CHANGE_FROM_WIRE_H_
#define PDP_ENGINE_WRITE_CHANGE_FROM_WIRE_H_

#include "engine/write/account_change_types.h"
#include "engine/write/entity_change_types.h"
#include "engine/write/organization_change_types.h"
#include "engine/write/policy_change_types.h"
#include "engine/write/session_change_types.h"
#include "pdp/v1/changes.pb.h"

namespace pdp {

CreateAccountChange FromWire(const pdp::v1::CreateAccountRequest& c);
UpdateAccountChange FromWire(const pdp::v1::UpdateAccountRequest& c);
DeleteAccountChange FromWire(const pdp::v1::DeleteAccountRequest& c);
UpdateAccountSettingsChange FromWire(const pdp::v1::UpdateAccountSettingsRequest& c);
CreatePolicyChange FromWire(const pdp::v1::CreatePolicyRequest& c);
PutPolicyChange FromWire(const pdp::v1::PutPolicyRequest& c);
UpdatePolicyChange FromWire(const pdp::v1::UpdatePolicyRequest& c);
DeletePolicyChange FromWire(const pdp::v1::DeletePolicyRequest& c);
CreatePolicyVersionChange FromWire(const pdp::v1::CreatePolicyVersionRequest& c);
SetDefaultPolicyVersionChange FromWire(const pdp::v1::SetDefaultPolicyVersionRequest& c);
DeletePolicyVersionChange FromWire(const pdp::v1::DeletePolicyVersionRequest& c);
PutUserChange FromWire(const pdp::v1::PutUserRequest& c);
PutGroupChange FromWire(const pdp::v1::PutGroupRequest& c);
PutRoleChange FromWire(const pdp::v1::PutRoleRequest& c);
PutRoleSessionChange FromWire(const pdp::v1::PutRoleSessionRequest& c);
DeleteEntityChange FromWire(const pdp::v1::DeleteEntityRequest& c);
PutInlinePolicyChange FromWire(const pdp::v1::PutInlinePolicyRequest& c);
DeleteInlinePolicyChange FromWire(const pdp::v1::DeleteInlinePolicyRequest& c);
PolicyAttachmentChange FromWire(const pdp::v1::AttachPolicyRequest& c);
PolicyAttachmentChange FromWire(const pdp::v1::DetachPolicyRequest& c);
GroupMembershipChange FromWire(const pdp::v1::AddUserToGroupRequest& c);
GroupMembershipChange FromWire(const pdp::v1::RemoveUserFromGroupRequest& c);
DeleteRoleSessionChange FromWire(const pdp::v1::DeleteRoleSessionRequest& c);
CreateOrganizationChange FromWire(const pdp::v1::CreateOrganizationRequest& c);
UpdateOrganizationChange FromWire(const pdp::v1::UpdateOrganizationRequest& c);
DeleteOrganizationChange FromWire(const pdp::v1::DeleteOrganizationRequest& c);
CreateOrganizationalUnitChange FromWire(const pdp::v1::CreateOrganizationalUnitRequest& c);
UpdateOrganizationalUnitChange FromWire(const pdp::v1::UpdateOrganizationalUnitRequest& c);
DeleteOrganizationalUnitChange FromWire(const pdp::v1::DeleteOrganizationalUnitRequest& c);
CreateMemberAccountChange FromWire(const pdp::v1::CreateMemberAccountRequest& c);
InviteAccountChange FromWire(const pdp::v1::InviteAccountRequest& c);
MoveAccountChange FromWire(const pdp::v1::MoveAccountRequest& c);
RemoveAccountChange FromWire(const pdp::v1::RemoveAccountRequest& c);
CreateScpChange FromWire(const pdp::v1::CreateScpRequest& c);
UpdateScpChange FromWire(const pdp::v1::UpdateScpRequest& c);
DeleteScpChange FromWire(const pdp::v1::DeleteScpRequest& c);
AttachScpChange FromWire(const pdp::v1::AttachScpRequest& c);
DetachScpChange FromWire(const pdp::v1::DetachScpRequest& c);

}  // namespace pdp

#endif  // PDP_ENGINE_WRITE_CHANGE_FROM_WIRE_H_
