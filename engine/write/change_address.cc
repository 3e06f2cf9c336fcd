#include "engine/write/change_address.h"

#include "base/arn.h"

namespace pdp {
namespace {

using Kind = ChangeAddress::Kind;

ChangeAddress Of(Kind kind, const std::string& name, const std::string& org = "",
                 const std::string& scp = "") {
  return ChangeAddress{kind, name, org, scp};
}

ChangeAddress Scp(const std::string& org, const std::string& id) {
  return Of(Kind::kScp, id, org, id);
}

}  // namespace

ChangeAddress AddressOf(const pdp::v1::Change& c) {
  using pdp::v1::Change;
  switch (c.kind_case()) {
    case Change::kCreateAccount:
      return Of(Kind::kAccount, c.create_account().account().id());
    case Change::kUpdateAccount:
      return Of(Kind::kAccount, c.update_account().account_id());
    case Change::kDeleteAccount:
      return Of(Kind::kAccount, c.delete_account().account_id());
    case Change::kUpdateAccountSettings:
      return Of(Kind::kAccount, c.update_account_settings().account_id());
    case Change::kPutUser:
      return Of(Kind::kEntity, c.put_user().user().arn());
    case Change::kPutGroup:
      return Of(Kind::kEntity, c.put_group().group().arn());
    case Change::kPutRole:
      return Of(Kind::kEntity, c.put_role().role().arn());
    case Change::kDeleteEntity:
      return Of(Kind::kEntity, c.delete_entity().arn());
    case Change::kCreatePolicy:
      return Of(Kind::kPolicy, c.create_policy().arn());
    case Change::kPutPolicy:
      return Of(Kind::kPolicy, c.put_policy().arn());
    case Change::kPutAwsManagedPolicy:
      return Of(Kind::kPolicy, c.put_aws_managed_policy().arn());
    case Change::kUpdatePolicy:
      return Of(Kind::kPolicy, c.update_policy().arn());
    case Change::kDeletePolicy:
      return Of(Kind::kPolicy, c.delete_policy().arn());
    case Change::kCreatePolicyVersion:
      return Of(Kind::kPolicy, c.create_policy_version().policy_arn());
    case Change::kSetDefaultPolicyVersion:
      return Of(Kind::kPolicy, c.set_default_policy_version().policy_arn());
    case Change::kDeletePolicyVersion:
      return Of(Kind::kPolicy, c.delete_policy_version().policy_arn());
    case Change::kPutInlinePolicy:
      return Of(Kind::kEntity, c.put_inline_policy().entity_arn());
    case Change::kDeleteInlinePolicy:
      return Of(Kind::kEntity, c.delete_inline_policy().entity_arn());
    case Change::kAttachPolicy:
      return Of(Kind::kEntity, c.attach_policy().entity_arn());
    case Change::kDetachPolicy:
      return Of(Kind::kEntity, c.detach_policy().entity_arn());
    case Change::kAddUserToGroup:
      return Of(Kind::kEntity, c.add_user_to_group().user_arn());
    case Change::kRemoveUserFromGroup:
      return Of(Kind::kEntity, c.remove_user_from_group().user_arn());
    case Change::kPutRoleSession:
      return Of(Kind::kSession, c.put_role_session().session().arn());
    case Change::kDeleteRoleSession:
      return Of(Kind::kSession, c.delete_role_session().arn());
    case Change::kCreateOrganization:
      return Of(Kind::kOrganization, c.create_organization().organization_id(),
                c.create_organization().organization_id());
    case Change::kUpdateOrganization:
      return Of(Kind::kOrganization, c.update_organization().organization_id(),
                c.update_organization().organization_id());
    case Change::kDeleteOrganization:
      return Of(Kind::kOrganization, c.delete_organization().organization_id(),
                c.delete_organization().organization_id());
    case Change::kCreateOrganizationalUnit:
      return Of(Kind::kOrganization, c.create_organizational_unit().ou_id(),
                c.create_organizational_unit().organization_id());
    case Change::kUpdateOrganizationalUnit:
      return Of(Kind::kOrganization, c.update_organizational_unit().ou_id(),
                c.update_organizational_unit().organization_id());
    case Change::kDeleteOrganizationalUnit:
      return Of(Kind::kOrganization, c.delete_organizational_unit().ou_id(),
                c.delete_organizational_unit().organization_id());
    case Change::kCreateMemberAccount:
      return Of(Kind::kAccount, c.create_member_account().account_id());
    case Change::kInviteAccount:
      return Of(Kind::kAccount, c.invite_account().account_id());
    case Change::kMoveAccount:
      return Of(Kind::kAccount, c.move_account().account_id());
    case Change::kRemoveAccount:
      return Of(Kind::kAccount, c.remove_account().account_id());
    case Change::kCreateScp:
      return Scp(c.create_scp().organization_id(), c.create_scp().policy_id());
    case Change::kUpdateScp:
      return Scp(c.update_scp().organization_id(), c.update_scp().policy_id());
    case Change::kDeleteScp:
      return Scp(c.delete_scp().organization_id(), c.delete_scp().policy_id());
    case Change::kAttachScp:
      return Scp(c.attach_scp().organization_id(), c.attach_scp().policy_id());
    case Change::kDetachScp:
      return Scp(c.detach_scp().organization_id(), c.detach_scp().policy_id());
    case Change::KIND_NOT_SET:
      break;
  }
  return {};
}

std::optional<std::string> EtagOf(const Snapshot& snapshot, const ChangeAddress& a) {
  switch (a.kind) {
    case Kind::kNone:
      return std::nullopt;
    case Kind::kAccount: {
      const AccountState* account = snapshot.FindAccount(a.name);
      if (account == nullptr) return std::nullopt;
      return account->etag();
    }
    case Kind::kEntity:
    case Kind::kSession: {
      absl::StatusOr<IamArn> arn = ParseIamArn(a.name);
      if (!arn.ok()) return std::nullopt;
      const AccountState* account = snapshot.FindAccount(arn->account);
      if (account == nullptr) return std::nullopt;
      if (a.kind == Kind::kSession) {
        const SessionRecord* s = account->FindSession(arn->name, arn->session);
        if (s == nullptr) return std::nullopt;
        return s->etag();
      }
      const EntityRecord* e = account->FindEntity(arn->kind, arn->name);
      if (e == nullptr || e->arn != a.name) return std::nullopt;
      return e->etag();
    }
    case Kind::kPolicy: {
      const ManagedPolicyRecord* p = snapshot.FindPolicy(a.name);
      if (p == nullptr) return std::nullopt;
      return p->etag();
    }
    case Kind::kOrganization:
    case Kind::kScp: {
      const OrganizationState* org = snapshot.FindOrganization(a.organization_id);
      if (org == nullptr) return std::nullopt;
      if (a.kind == Kind::kOrganization) return org->etag();
      auto it = org->scps.find(a.scp_id);
      if (it == org->scps.end()) return std::nullopt;
      return it->second->etag();
    }
  }
  return std::nullopt;
}

}  // namespace pdp
