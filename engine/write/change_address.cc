#include "engine/write/change_address.h"

#include <variant>

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

// One overload per kind (every alternative of ChangeKind by its exact type).
struct AddressVisitor {
  ChangeAddress operator()(const std::monostate&) const { return {}; }
  ChangeAddress operator()(const CreateAccountChange& c) const {
    return Of(Kind::kAccount, c.account.id);
  }
  ChangeAddress operator()(const UpdateAccountChange& c) const {
    return Of(Kind::kAccount, c.account_id);
  }
  ChangeAddress operator()(const DeleteAccountChange& c) const {
    return Of(Kind::kAccount, c.account_id);
  }
  ChangeAddress operator()(const UpdateAccountSettingsChange& c) const {
    return Of(Kind::kAccount, c.account_id);
  }
  ChangeAddress operator()(const PutUserChange& c) const { return Of(Kind::kEntity, c.user.arn); }
  ChangeAddress operator()(const PutGroupChange& c) const { return Of(Kind::kEntity, c.group.arn); }
  ChangeAddress operator()(const PutRoleChange& c) const { return Of(Kind::kEntity, c.role.arn); }
  ChangeAddress operator()(const DeleteEntityChange& c) const { return Of(Kind::kEntity, c.arn); }
  ChangeAddress operator()(const CreatePolicyChange& c) const { return Of(Kind::kPolicy, c.arn); }
  ChangeAddress operator()(const PutPolicyChange& c) const { return Of(Kind::kPolicy, c.arn); }
  ChangeAddress operator()(const PutAwsManagedPolicyChange& c) const {
    return Of(Kind::kPolicy, c.arn);
  }
  ChangeAddress operator()(const UpdatePolicyChange& c) const { return Of(Kind::kPolicy, c.arn); }
  ChangeAddress operator()(const DeletePolicyChange& c) const { return Of(Kind::kPolicy, c.arn); }
  ChangeAddress operator()(const CreatePolicyVersionChange& c) const {
    return Of(Kind::kPolicy, c.policy_arn);
  }
  ChangeAddress operator()(const SetDefaultPolicyVersionChange& c) const {
    return Of(Kind::kPolicy, c.policy_arn);
  }
  ChangeAddress operator()(const DeletePolicyVersionChange& c) const {
    return Of(Kind::kPolicy, c.policy_arn);
  }
  ChangeAddress operator()(const PutInlinePolicyChange& c) const {
    return Of(Kind::kEntity, c.entity_arn);
  }
  ChangeAddress operator()(const DeleteInlinePolicyChange& c) const {
    return Of(Kind::kEntity, c.entity_arn);
  }
  ChangeAddress operator()(const AttachPolicyChange& c) const {
    return Of(Kind::kEntity, c.entity_arn);
  }
  ChangeAddress operator()(const DetachPolicyChange& c) const {
    return Of(Kind::kEntity, c.entity_arn);
  }
  ChangeAddress operator()(const AddUserToGroupChange& c) const {
    return Of(Kind::kEntity, c.user_arn);
  }
  ChangeAddress operator()(const RemoveUserFromGroupChange& c) const {
    return Of(Kind::kEntity, c.user_arn);
  }
  ChangeAddress operator()(const PutRoleSessionChange& c) const {
    return Of(Kind::kSession, c.session.arn);
  }
  ChangeAddress operator()(const DeleteRoleSessionChange& c) const {
    return Of(Kind::kSession, c.arn);
  }
  ChangeAddress operator()(const CreateOrganizationChange& c) const {
    return Of(Kind::kOrganization, c.organization_id, c.organization_id);
  }
  ChangeAddress operator()(const UpdateOrganizationChange& c) const {
    return Of(Kind::kOrganization, c.organization_id, c.organization_id);
  }
  ChangeAddress operator()(const DeleteOrganizationChange& c) const {
    return Of(Kind::kOrganization, c.organization_id, c.organization_id);
  }
  ChangeAddress operator()(const CreateOrganizationalUnitChange& c) const {
    return Of(Kind::kOrganization, c.ou_id, c.organization_id);
  }
  ChangeAddress operator()(const UpdateOrganizationalUnitChange& c) const {
    return Of(Kind::kOrganization, c.ou_id, c.organization_id);
  }
  ChangeAddress operator()(const DeleteOrganizationalUnitChange& c) const {
    return Of(Kind::kOrganization, c.ou_id, c.organization_id);
  }
  ChangeAddress operator()(const CreateMemberAccountChange& c) const {
    return Of(Kind::kAccount, c.account_id);
  }
  ChangeAddress operator()(const InviteAccountChange& c) const {
    return Of(Kind::kAccount, c.account_id);
  }
  ChangeAddress operator()(const MoveAccountChange& c) const {
    return Of(Kind::kAccount, c.account_id);
  }
  ChangeAddress operator()(const RemoveAccountChange& c) const {
    return Of(Kind::kAccount, c.account_id);
  }
  ChangeAddress operator()(const CreateScpChange& c) const {
    return Scp(c.organization_id, c.policy_id);
  }
  ChangeAddress operator()(const UpdateScpChange& c) const {
    return Scp(c.organization_id, c.policy_id);
  }
  ChangeAddress operator()(const DeleteScpChange& c) const {
    return Scp(c.organization_id, c.policy_id);
  }
  ChangeAddress operator()(const AttachScpChange& c) const {
    return Scp(c.organization_id, c.policy_id);
  }
  ChangeAddress operator()(const DetachScpChange& c) const {
    return Scp(c.organization_id, c.policy_id);
  }
};

}  // namespace

ChangeAddress AddressOf(const EngineChange& change) {
  return std::visit(AddressVisitor{}, change.kind);
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
