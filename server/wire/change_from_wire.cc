#include "server/wire/change_from_wire.h"

namespace pdp {
namespace {

static_assert(kIamUserAccessUnspecified == pdp::v1::IAM_USER_ACCESS_TO_BILLING_UNSPECIFIED);
static_assert(kIamUserAccessAllow == pdp::v1::IAM_USER_ACCESS_ALLOW);
static_assert(kIamUserAccessDeny == pdp::v1::IAM_USER_ACCESS_DENY);
static_assert(pdp::v1::IamUserAccessToBilling_MIN == kIamUserAccessUnspecified &&
              pdp::v1::IamUserAccessToBilling_MAX == kIamUserAccessDeny);

SettingsInput SettingsFromWire(const pdp::v1::AccountSettings& s) {
  SettingsInput out;
  out.iam_access_to_billing = s.iam_access_to_billing();
  out.console_action_set = s.console_action_set();
  out.cost_explorer_enabled = s.cost_explorer_enabled();
  if (s.has_linked_account_access()) out.linked_account_access = s.linked_account_access();
  return out;
}

std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& list) {
  return {list.begin(), list.end()};
}

// In the map's own iteration order (see TagsInput).
TagsInput Tags(const google::protobuf::Map<std::string, std::string>& tags) {
  TagsInput out;
  out.reserve(tags.size());
  for (const auto& [k, v] : tags) out.emplace_back(k, v);
  return out;
}

std::vector<InlinePolicyInput> InlinePolicies(
    const google::protobuf::RepeatedPtrField<pdp::v1::InlinePolicy>& list) {
  std::vector<InlinePolicyInput> out;
  out.reserve(list.size());
  for (const pdp::v1::InlinePolicy& p : list) out.push_back({p.name(), p.document()});
  return out;
}

CreateAccountChange FromWire(const pdp::v1::CreateAccountRequest& c) {
  return {.account = {.id = c.account().id(),
                      .name = c.account().name(),
                      .settings = SettingsFromWire(c.account().settings())},
          .allow_existing = c.allow_existing()};
}

UpdateAccountChange FromWire(const pdp::v1::UpdateAccountRequest& c) {
  return {.account_id = c.account_id(), .name = c.name(), .etag = c.etag()};
}

DeleteAccountChange FromWire(const pdp::v1::DeleteAccountRequest& c) {
  return {.account_id = c.account_id(), .etag = c.etag()};
}

UpdateAccountSettingsChange FromWire(const pdp::v1::UpdateAccountSettingsRequest& c) {
  return {.account_id = c.account_id(),
          .settings = SettingsFromWire(c.settings()),
          .update_mask = Strings(c.update_mask()),
          .actor = c.actor(),
          .etag = c.etag()};
}

CreatePolicyChange FromWire(const pdp::v1::CreatePolicyRequest& c) {
  return {.arn = c.arn(),
          .description = c.description(),
          .document = c.document(),
          .allow_existing = c.allow_existing()};
}

PutPolicyChange FromWire(const pdp::v1::PutPolicyRequest& c) {
  PutPolicyChange out{.arn = c.arn(), .description = c.description(), .etag = c.etag()};
  out.versions.reserve(c.versions_size());
  for (const pdp::v1::PolicyVersion& v : c.versions()) {
    out.versions.push_back(
        {.version_id = v.version_id(), .document = v.document(), .is_default = v.is_default()});
  }
  return out;
}

UpdatePolicyChange FromWire(const pdp::v1::UpdatePolicyRequest& c) {
  return {.arn = c.arn(), .description = c.description(), .etag = c.etag()};
}

DeletePolicyChange FromWire(const pdp::v1::DeletePolicyRequest& c) {
  return {.arn = c.arn(), .etag = c.etag()};
}

CreatePolicyVersionChange FromWire(const pdp::v1::CreatePolicyVersionRequest& c) {
  return {
      .policy_arn = c.policy_arn(), .document = c.document(), .set_as_default = c.set_as_default()};
}

SetDefaultPolicyVersionChange FromWire(const pdp::v1::SetDefaultPolicyVersionRequest& c) {
  return {.policy_arn = c.policy_arn(), .version_id = c.version_id()};
}

DeletePolicyVersionChange FromWire(const pdp::v1::DeletePolicyVersionRequest& c) {
  return {.policy_arn = c.policy_arn(), .version_id = c.version_id()};
}

PutUserChange FromWire(const pdp::v1::PutUserRequest& c) {
  const pdp::v1::User& u = c.user();
  return {.user = {.arn = u.arn(),
                   .groups = Strings(u.groups()),
                   .attached_policies = Strings(u.attached_policies()),
                   .inline_policies = InlinePolicies(u.inline_policies()),
                   .tags = Tags(u.tags()),
                   .etag = u.etag(),
                   .permissions_boundary = u.permissions_boundary(),
                   .unique_id = u.unique_id()},
          .replace = c.replace(),
          .allow_missing = c.allow_missing()};
}

PutGroupChange FromWire(const pdp::v1::PutGroupRequest& c) {
  const pdp::v1::Group& g = c.group();
  return {.group = {.arn = g.arn(),
                    .attached_policies = Strings(g.attached_policies()),
                    .inline_policies = InlinePolicies(g.inline_policies()),
                    .etag = g.etag(),
                    .unique_id = g.unique_id()},
          .replace = c.replace(),
          .allow_missing = c.allow_missing()};
}

PutRoleChange FromWire(const pdp::v1::PutRoleRequest& c) {
  const pdp::v1::Role& r = c.role();
  return {.role = {.arn = r.arn(),
                   .attached_policies = Strings(r.attached_policies()),
                   .inline_policies = InlinePolicies(r.inline_policies()),
                   .tags = Tags(r.tags()),
                   .etag = r.etag(),
                   .permissions_boundary = r.permissions_boundary(),
                   .unique_id = r.unique_id()},
          .replace = c.replace(),
          .allow_missing = c.allow_missing()};
}

PutRoleSessionChange FromWire(const pdp::v1::PutRoleSessionRequest& c) {
  const pdp::v1::RoleSession& s = c.session();
  return {.session = {.arn = s.arn(),
                      .policy_arns = Strings(s.policy_arns()),
                      .policy = s.policy(),
                      .tags = Tags(s.tags()),
                      .etag = s.etag()}};
}

DeleteEntityChange FromWire(const pdp::v1::DeleteEntityRequest& c) {
  return {.arn = c.arn(), .etag = c.etag()};
}

PutInlinePolicyChange FromWire(const pdp::v1::PutInlinePolicyRequest& c) {
  return {.entity_arn = c.entity_arn(), .name = c.name(), .document = c.document()};
}

DeleteInlinePolicyChange FromWire(const pdp::v1::DeleteInlinePolicyRequest& c) {
  return {.entity_arn = c.entity_arn(), .name = c.name()};
}

PolicyAttachmentChange FromWire(const pdp::v1::AttachPolicyRequest& c) {
  return {.entity_arn = c.entity_arn(), .policy_arn = c.policy_arn()};
}

PolicyAttachmentChange FromWire(const pdp::v1::DetachPolicyRequest& c) {
  return {.entity_arn = c.entity_arn(), .policy_arn = c.policy_arn()};
}

GroupMembershipChange FromWire(const pdp::v1::AddUserToGroupRequest& c) {
  return {.user_arn = c.user_arn(), .group_name = c.group_name()};
}

GroupMembershipChange FromWire(const pdp::v1::RemoveUserFromGroupRequest& c) {
  return {.user_arn = c.user_arn(), .group_name = c.group_name()};
}

DeleteRoleSessionChange FromWire(const pdp::v1::DeleteRoleSessionRequest& c) {
  return {.arn = c.arn()};
}

CreateOrganizationChange FromWire(const pdp::v1::CreateOrganizationRequest& c) {
  return {.organization_id = c.organization_id(),
          .management_account_id = c.management_account_id(),
          .root_id = c.root_id(),
          .scps_enabled = c.scps_enabled(),
          .allow_existing = c.allow_existing()};
}

UpdateOrganizationChange FromWire(const pdp::v1::UpdateOrganizationRequest& c) {
  return {
      .organization_id = c.organization_id(), .scps_enabled = c.scps_enabled(), .etag = c.etag()};
}

DeleteOrganizationChange FromWire(const pdp::v1::DeleteOrganizationRequest& c) {
  return {.organization_id = c.organization_id(), .etag = c.etag()};
}

CreateOrganizationalUnitChange FromWire(const pdp::v1::CreateOrganizationalUnitRequest& c) {
  return {.organization_id = c.organization_id(),
          .parent_id = c.parent_id(),
          .name = c.name(),
          .ou_id = c.ou_id(),
          .allow_existing = c.allow_existing()};
}

UpdateOrganizationalUnitChange FromWire(const pdp::v1::UpdateOrganizationalUnitRequest& c) {
  return {.organization_id = c.organization_id(), .ou_id = c.ou_id(), .name = c.name()};
}

DeleteOrganizationalUnitChange FromWire(const pdp::v1::DeleteOrganizationalUnitRequest& c) {
  return {.organization_id = c.organization_id(), .ou_id = c.ou_id()};
}

CreateMemberAccountChange FromWire(const pdp::v1::CreateMemberAccountRequest& c) {
  return {.organization_id = c.organization_id(),
          .account_id = c.account_id(),
          .name = c.name(),
          .parent_id = c.parent_id(),
          .iam_user_access_to_billing = c.iam_user_access_to_billing(),
          .allow_existing = c.allow_existing()};
}

InviteAccountChange FromWire(const pdp::v1::InviteAccountRequest& c) {
  return {.organization_id = c.organization_id(),
          .account_id = c.account_id(),
          .parent_id = c.parent_id(),
          .allow_existing = c.allow_existing()};
}

MoveAccountChange FromWire(const pdp::v1::MoveAccountRequest& c) {
  return {.organization_id = c.organization_id(),
          .account_id = c.account_id(),
          .destination_parent_id = c.destination_parent_id()};
}

RemoveAccountChange FromWire(const pdp::v1::RemoveAccountRequest& c) {
  return {.organization_id = c.organization_id(), .account_id = c.account_id()};
}

CreateScpChange FromWire(const pdp::v1::CreateScpRequest& c) {
  return {.organization_id = c.organization_id(),
          .policy_id = c.policy_id(),
          .name = c.name(),
          .description = c.description(),
          .document = c.document(),
          .allow_existing = c.allow_existing()};
}

UpdateScpChange FromWire(const pdp::v1::UpdateScpRequest& c) {
  return {.organization_id = c.organization_id(),
          .policy_id = c.policy_id(),
          .name = c.name(),
          .description = c.description(),
          .document = c.document(),
          .etag = c.etag()};
}

DeleteScpChange FromWire(const pdp::v1::DeleteScpRequest& c) {
  return {.organization_id = c.organization_id(), .policy_id = c.policy_id(), .etag = c.etag()};
}

AttachScpChange FromWire(const pdp::v1::AttachScpRequest& c) {
  return {.organization_id = c.organization_id(),
          .policy_id = c.policy_id(),
          .target_id = c.target_id(),
          .allow_existing = c.allow_existing()};
}

DetachScpChange FromWire(const pdp::v1::DetachScpRequest& c) {
  return {.organization_id = c.organization_id(),
          .policy_id = c.policy_id(),
          .target_id = c.target_id(),
          .allow_missing = c.allow_missing()};
}

}  // namespace

EngineChange ChangeFromWire(const pdp::v1::Change& c) {
  using pdp::v1::Change;
  EngineChange out{.etag = c.etag()};
  switch (c.kind_case()) {
    case Change::kCreateAccount:
      out.kind = FromWire(c.create_account());
      break;
    case Change::kUpdateAccount:
      out.kind = FromWire(c.update_account());
      break;
    case Change::kDeleteAccount:
      out.kind = FromWire(c.delete_account());
      break;
    case Change::kUpdateAccountSettings:
      out.kind = FromWire(c.update_account_settings());
      break;
    case Change::kPutUser:
      out.kind = FromWire(c.put_user());
      break;
    case Change::kPutGroup:
      out.kind = FromWire(c.put_group());
      break;
    case Change::kPutRole:
      out.kind = FromWire(c.put_role());
      break;
    case Change::kDeleteEntity:
      out.kind = FromWire(c.delete_entity());
      break;
    case Change::kCreatePolicy:
      out.kind = FromWire(c.create_policy());
      break;
    case Change::kPutPolicy:
      out.kind = FromWire(c.put_policy());
      break;
    case Change::kPutAwsManagedPolicy:
      out.kind = PutAwsManagedPolicyChange{FromWire(c.put_aws_managed_policy())};
      break;
    case Change::kUpdatePolicy:
      out.kind = FromWire(c.update_policy());
      break;
    case Change::kDeletePolicy:
      out.kind = FromWire(c.delete_policy());
      break;
    case Change::kCreatePolicyVersion:
      out.kind = FromWire(c.create_policy_version());
      break;
    case Change::kSetDefaultPolicyVersion:
      out.kind = FromWire(c.set_default_policy_version());
      break;
    case Change::kDeletePolicyVersion:
      out.kind = FromWire(c.delete_policy_version());
      break;
    case Change::kPutInlinePolicy:
      out.kind = FromWire(c.put_inline_policy());
      break;
    case Change::kDeleteInlinePolicy:
      out.kind = FromWire(c.delete_inline_policy());
      break;
    case Change::kAttachPolicy:
      out.kind = AttachPolicyChange{FromWire(c.attach_policy())};
      break;
    case Change::kDetachPolicy:
      out.kind = DetachPolicyChange{FromWire(c.detach_policy())};
      break;
    case Change::kAddUserToGroup:
      out.kind = AddUserToGroupChange{FromWire(c.add_user_to_group())};
      break;
    case Change::kRemoveUserFromGroup:
      out.kind = RemoveUserFromGroupChange{FromWire(c.remove_user_from_group())};
      break;
    case Change::kPutRoleSession:
      out.kind = FromWire(c.put_role_session());
      break;
    case Change::kDeleteRoleSession:
      out.kind = FromWire(c.delete_role_session());
      break;
    case Change::kCreateOrganization:
      out.kind = FromWire(c.create_organization());
      break;
    case Change::kUpdateOrganization:
      out.kind = FromWire(c.update_organization());
      break;
    case Change::kDeleteOrganization:
      out.kind = FromWire(c.delete_organization());
      break;
    case Change::kCreateOrganizationalUnit:
      out.kind = FromWire(c.create_organizational_unit());
      break;
    case Change::kUpdateOrganizationalUnit:
      out.kind = FromWire(c.update_organizational_unit());
      break;
    case Change::kDeleteOrganizationalUnit:
      out.kind = FromWire(c.delete_organizational_unit());
      break;
    case Change::kCreateMemberAccount:
      out.kind = FromWire(c.create_member_account());
      break;
    case Change::kInviteAccount:
      out.kind = FromWire(c.invite_account());
      break;
    case Change::kMoveAccount:
      out.kind = FromWire(c.move_account());
      break;
    case Change::kRemoveAccount:
      out.kind = FromWire(c.remove_account());
      break;
    case Change::kCreateScp:
      out.kind = FromWire(c.create_scp());
      break;
    case Change::kUpdateScp:
      out.kind = FromWire(c.update_scp());
      break;
    case Change::kDeleteScp:
      out.kind = FromWire(c.delete_scp());
      break;
    case Change::kAttachScp:
      out.kind = FromWire(c.attach_scp());
      break;
    case Change::kDetachScp:
      out.kind = FromWire(c.detach_scp());
      break;
    case Change::KIND_NOT_SET:
      break;  // std::monostate: the builder refuses it
  }
  return out;
}

ChangeAddress AddressOf(const pdp::v1::Change& change) { return AddressOf(ChangeFromWire(change)); }

absl::Status ApplyWireChange(SnapshotBuilder& builder, const pdp::v1::Change& change,
                             ChangeResult* result) {
  return builder.Apply(ChangeFromWire(change), result);
}

}  // namespace pdp
