#include "server/app/write_scope.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/arn.h"
#include "base/errors.h"
#include "engine/write/change_address.h"
#include "server/wire/change_from_wire.h"

namespace pdp {
namespace {

using pdp::v1::Change;

class ScopeCheck {
 public:
  ScopeCheck(const Caller& caller, const Snapshot& base) : caller_(caller), base_(base) {}

  absl::Status Check(const Change& change, const std::string& prefix) {
    const ChangeAddress address = AddressOf(change);
    switch (change.kind_case()) {
      case Change::kCreateOrganization: {
        const auto& c = change.create_organization();
        if (c.organization_id().empty()) {
          return Refuse(prefix + "organization_id",
                        "a controller must name the organization it creates (its scope lists "
                        "organizations by id)",
                        "OUT_OF_SCOPE");
        }
        absl::Status org = Organization(prefix + "organization_id", c.organization_id());
        if (!org.ok()) return org;
        return Account(prefix + "management_account_id", c.management_account_id());
      }
      case Change::kCreateMemberAccount: {
        const auto& c = change.create_member_account();
        absl::Status org = Organization(prefix + "organization_id", c.organization_id());
        if (org.ok()) created_in_scope_.insert(c.account_id());
        return org;
      }
      case Change::kInviteAccount: {
        // Bringing an account in needs it in scope on its own: an
        // organization's scope must not grow by inviting others' accounts.
        const auto& c = change.invite_account();
        absl::Status org = Organization(prefix + "organization_id", c.organization_id());
        if (!org.ok()) return org;
        return Account(prefix + "account_id", c.account_id());
      }
      case Change::kMoveAccount:
        return Organization(prefix + "organization_id", change.move_account().organization_id());
      case Change::kRemoveAccount:
        return Organization(prefix + "organization_id", change.remove_account().organization_id());
      case Change::kUpdateAccountSettings: {
        const auto& c = change.update_account_settings();
        absl::Status account = Account(prefix + "account_id", c.account_id());
        if (!account.ok()) return account;
        return Actor(prefix + "actor", c.actor());
      }
      case Change::kPutAwsManagedPolicy:
        // Every account can attach an AWS managed policy, so changing one
        // changes decisions in accounts outside any scope: admins only.
        return Refuse(prefix + "arn",
                      "an AWS managed policy is world-wide (every account may attach it), so "
                      "putting one is outside every controller's scope; an admin may",
                      "OUT_OF_SCOPE");
      case Change::KIND_NOT_SET:
        return absl::OkStatus();  // the builder refuses it
      default:
        break;
    }
    switch (address.kind) {
      case ChangeAddress::Kind::kAccount:
        return Account(prefix + (change.has_create_account() ? "account.id" : "account_id"),
                       address.name);
      case ChangeAddress::Kind::kEntity:
      case ChangeAddress::Kind::kPolicy:
      case ChangeAddress::Kind::kSession: {
        const std::string field = absl::StrCat(prefix, ArnField(change));
        absl::StatusOr<IamArn> arn = ParseIamArn(address.name);
        if (!arn.ok()) return AtField(field, arn.status());
        return Account(field, arn->account);
      }
      case ChangeAddress::Kind::kOrganization:
      case ChangeAddress::Kind::kScp:
        return Organization(prefix + "organization_id", address.organization_id);
      case ChangeAddress::Kind::kNone:
        break;
    }
    return Refuse(prefix.empty() ? "kind" : prefix.substr(0, prefix.size() - 1),
                  "this kind of change is not within any controller's scope", "OUT_OF_SCOPE");
  }

 private:
  // The request field holding the ARN a change addresses.
  static absl::string_view ArnField(const Change& change) {
    switch (change.kind_case()) {
      case Change::kPutUser:
        return "user.arn";
      case Change::kPutGroup:
        return "group.arn";
      case Change::kPutRole:
        return "role.arn";
      case Change::kPutRoleSession:
        return "session.arn";
      case Change::kCreatePolicyVersion:
      case Change::kSetDefaultPolicyVersion:
      case Change::kDeletePolicyVersion:
        return "policy_arn";
      case Change::kPutInlinePolicy:
      case Change::kDeleteInlinePolicy:
      case Change::kAttachPolicy:
      case Change::kDetachPolicy:
        return "entity_arn";
      case Change::kAddUserToGroup:
      case Change::kRemoveUserFromGroup:
        return "user_arn";
      default:
        return "arn";
    }
  }

  absl::Status Refuse(const std::string& field, absl::string_view what,
                      absl::string_view reason) const {
    return WithReason(
        FieldError(field, absl::StrCat("caller ", QuoteInput(caller_.name), ": ", what),
                   absl::StatusCode::kPermissionDenied),
        reason);
  }

  bool AccountInScope(const std::string& id) const {
    if (caller_.scope.accounts.contains(id) || created_in_scope_.contains(id)) return true;
    const AccountState* account = base_.FindAccount(id);
    return account != nullptr && !account->organization_id.empty() &&
           caller_.scope.organizations.contains(account->organization_id);
  }

  absl::Status Account(const std::string& field, const std::string& id) const {
    if (AccountInScope(id)) return absl::OkStatus();
    return Refuse(field,
                  absl::StrCat("account ", QuoteInput(id),
                               " is outside its scope (neither listed nor in one of its "
                               "organizations)"),
                  "OUT_OF_SCOPE");
  }

  absl::Status Organization(const std::string& field, const std::string& id) const {
    if (caller_.scope.organizations.contains(id)) return absl::OkStatus();
    return Refuse(field, absl::StrCat("organization ", QuoteInput(id), " is outside its scope"),
                  "OUT_OF_SCOPE");
  }

  // Actor binding: the principal a settings change speaks for must be one
  // the caller may speak for.
  absl::Status Actor(const std::string& field, const std::string& actor) const {
    absl::StatusOr<IamArn> arn = ParsePrincipalArn(actor);
    if (!arn.ok()) return AtField(field, arn.status());
    const bool root = arn->kind == IamArnKind::kRoot;
    const bool kind_allowed = root ? caller_.scope.root_actors : caller_.scope.iam_actors;
    if (kind_allowed && AccountInScope(arn->account)) return absl::OkStatus();
    const absl::string_view why = !kind_allowed ? (root ? "its scope's actors do not include root"
                                                        : "its scope's actors do not include iam")
                                                : "the principal's account is outside its scope";
    return Refuse(field,
                  absl::StrCat("may not act on behalf of ", QuoteInput(actor), " (", why, ")"),
                  "ACTOR_OUT_OF_SCOPE");
  }

  const Caller& caller_;
  const Snapshot& base_;
  std::set<std::string> created_in_scope_;  // member accounts created earlier in the batch
};

}  // namespace

absl::Status CheckWriteScope(const Caller& caller, const Snapshot& base,
                             const std::vector<Change>& changes, bool indexed) {
  if (caller.role == Role::kAdmin) return absl::OkStatus();
  if (caller.role != Role::kController) {
    return WithReason(absl::PermissionDeniedError(
                          absl::StrCat("caller ", QuoteInput(caller.name), " has the role ",
                                       RoleName(caller.role), "; writes need controller or admin")),
                      "ROLE_TOO_LOW");
  }
  ScopeCheck check(caller, base);
  for (size_t i = 0; i < changes.size(); ++i) {
    std::string prefix;
    if (indexed) {
      const auto* kind = Change::descriptor()->FindFieldByNumber(changes[i].kind_case());
      prefix = absl::StrCat("changes[", i, "].", kind == nullptr ? "" : kind->name() + ".");
    }
    absl::Status s = check.Check(changes[i], prefix);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace pdp
