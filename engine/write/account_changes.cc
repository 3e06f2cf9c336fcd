// SnapshotBuilder::Ops: account changes (create_account, update_account,
// delete_account, update_account_settings) and ExistingAccount, which every
// handler of an account's contents goes through.
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/arn.h"
#include "base/errors.h"
#include "base/strings.h"
#include "engine/decide/caller_context.h"
#include "engine/decide/decide.h"
#include "engine/decide/decision_types.h"
#include "engine/decide/resolved_principal.h"
#include "engine/write/builder_errors.h"
#include "engine/write/snapshot_builder_ops.h"

namespace pdp {
namespace {

// Whether a change's console_action_set is one the API defines (0, unset,
// included).
bool IsKnownActionSet(int set) {
  return set == 0 || set == static_cast<int>(ConsoleActionSet::kFineGrained) ||
         set == static_cast<int>(ConsoleActionSet::kLegacy);
}

// The action set a change names (checked known): unset is the default,
// FINE_GRAINED.
ConsoleActionSet ActionSetOf(const SettingsInput& settings) {
  return settings.console_action_set == static_cast<int>(ConsoleActionSet::kLegacy)
             ? ConsoleActionSet::kLegacy
             : ConsoleActionSet::kFineGrained;
}

// Unset in a change means on, as when Cost Explorer is enabled.
bool LinkedAccountAccessOf(const SettingsInput& settings) {
  return settings.linked_account_access.value_or(true);
}

}  // namespace

absl::Status SnapshotBuilder::Ops::CreateAccount(const CreateAccountChange& c) {
  const AccountInput& a = c.account;
  if (!IsAccountId(a.id)) return FieldError("account.id", "must be exactly 12 digits");
  if (a.name.size() > 256) return FieldError("account.name", "is longer than 256 characters");
  if (b_.next_->FindAccount(a.id) != nullptr) {
    if (c.allow_existing) return KeepExisting(c);
    return FieldError("account.id", absl::StrCat("account ", a.id, " already exists"),
                      absl::StatusCode::kAlreadyExists);
  }
  auto state = std::make_shared<AccountState>();
  state->id = a.id;
  state->name = a.name;
  if (!IsKnownActionSet(a.settings.console_action_set)) {
    return FieldError("account.settings.console_action_set", "unknown action set");
  }
  state->settings = {.iam_access_to_billing = a.settings.iam_access_to_billing,
                     .console_action_set = ActionSetOf(a.settings),
                     .cost_explorer_enabled = a.settings.cost_explorer_enabled,
                     .linked_account_access = LinkedAccountAccessOf(a.settings)};
  state->modified_revision = b_.revision_;
  b_.touched_[a.id] = state;
  b_.written_.insert(a.id);
  b_.affected_.insert(a.id);
  b_.next_->accounts_.Set(a.id, state);
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::Ops::KeepExisting(const CreateAccountChange& c) {
  const AccountState* current = b_.next_->FindAccount(c.account.id);
  if (c.account.name.empty() || current->name == c.account.name) return b_.Unchanged();
  AccountState* account = b_.MutableAccount(c.account.id, /*views_change=*/false);
  account->name = c.account.name;
  account->modified_revision = b_.revision_;
  return absl::OkStatus();
}

absl::StatusOr<AccountState*> SnapshotBuilder::Ops::ExistingAccount(absl::string_view field,
                                                                    absl::string_view id,
                                                                    bool views_change) {
  if (!IsAccountId(id)) return FieldError(field, "must be exactly 12 digits");
  AccountState* account = b_.MutableAccount(id, views_change);
  if (account == nullptr) return NotFound(field, absl::StrCat("account ", id));
  return account;
}

absl::Status SnapshotBuilder::Ops::UpdateAccount(const UpdateAccountChange& c) {
  absl::StatusOr<AccountState*> account =
      ExistingAccount("account_id", c.account_id, /*views_change=*/false);
  if (!account.ok()) return account.status();
  absl::Status s = CheckEtag("etag", c.etag, (*account)->etag());
  if (!s.ok()) return s;
  if (c.name.size() > 256) return FieldError("name", "is longer than 256 characters");
  if ((*account)->name == c.name) return b_.Unchanged();
  (*account)->name = c.name;
  (*account)->modified_revision = b_.revision_;
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::Ops::DeleteAccount(const DeleteAccountChange& c) {
  absl::StatusOr<AccountState*> account = ExistingAccount("account_id", c.account_id);
  if (!account.ok()) return account.status();
  absl::Status s = CheckEtag("etag", c.etag, (*account)->etag());
  if (!s.ok()) return s;
  if (!(*account)->organization_id.empty()) {
    return Refuse(absl::StatusCode::kFailedPrecondition, "account_id",
                  absl::StrCat("account ", c.account_id, " is in organization ",
                               (*account)->organization_id, "; remove it from there first"),
                  "ACCOUNT_IN_ORGANIZATION");
  }
  b_.touched_.erase(c.account_id);
  b_.next_->accounts_.Erase(c.account_id);
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::Ops::UpdateAccountSettings(const UpdateAccountSettingsChange& c) {
  absl::StatusOr<AccountState*> account =
      ExistingAccount("account_id", c.account_id, /*views_change=*/false);
  if (!account.ok()) return account.status();
  const OrganizationState* org = b_.next_->OrganizationOf(**account);
  const bool member = org != nullptr && org->management_account_id != c.account_id;
  bool set_iam = false, set_action_set = false, set_ce = false, set_linked = false;
  if (c.update_mask.empty()) {
    // Omitted is not "reset": without a mask, which settings the caller
    // meant to change is unknown, and resetting the others would undo
    // changes made by someone else (the root user's IAM access).
    return FieldError("update_mask",
                      "is required: name the settings to change (\"iam_access_to_billing\", "
                      "\"console_action_set\", \"cost_explorer_enabled\", "
                      "\"linked_account_access\"); the others keep their values");
  }
  for (size_t i = 0; i < c.update_mask.size(); ++i) {
    const std::string& f = c.update_mask[i];
    bool* flag = f == "iam_access_to_billing"   ? &set_iam
                 : f == "console_action_set"    ? &set_action_set
                 : f == "cost_explorer_enabled" ? &set_ce
                 : f == "linked_account_access" ? &set_linked
                                                : nullptr;
    if (flag == nullptr) {
      return FieldError(absl::StrCat("update_mask[", i, "]"),
                        "must be \"iam_access_to_billing\", \"console_action_set\", "
                        "\"cost_explorer_enabled\" or \"linked_account_access\"");
    }
    *flag = true;
  }
  // In the mask with its zero value (CONSOLE_ACTION_SET_UNSPECIFIED) means
  // "back to the default", FINE_GRAINED, as for a field-mask update in
  // general and as CreateAccount reads it: the two agree.
  if (set_action_set && !IsKnownActionSet(c.settings.console_action_set)) {
    return FieldError("settings.console_action_set",
                      "must be FINE_GRAINED, LEGACY or CONSOLE_ACTION_SET_UNSPECIFIED (the "
                      "default, FINE_GRAINED)");
  }
  if (member && (set_ce || set_linked)) {
    return Refuse(absl::StatusCode::kFailedPrecondition, "update_mask",
                  absl::StrCat("account ", c.account_id, " is a member of organization ", org->id,
                               "; its Cost Explorer settings are set in the management "
                               "account ",
                               org->management_account_id),
                  "MANAGED_BY_ORGANIZATION");
  }
  if (c.actor.empty()) {
    return FieldError("actor", "is required: the principal the change is made on behalf of");
  }
  absl::StatusOr<IamArn> actor = ParsePrincipalArn(c.actor);
  if (!actor.ok()) return AtField("actor", actor.status());
  if (actor->account != c.account_id) {
    return Refuse(
        absl::StatusCode::kPermissionDenied, "actor",
        absl::StrCat("only principals of account ", c.account_id, " may change its settings"),
        "ACTOR_NOT_IN_ACCOUNT");
  }
  const bool actor_is_root = actor->kind == IamArnKind::kRoot;
  if (set_iam && !actor_is_root) {
    return Refuse(
        absl::StatusCode::kPermissionDenied, "actor",
        absl::StrCat("only the root user of account ", c.account_id, " (", RootArn(c.account_id),
                     ") can change iam_access_to_billing; IAM users and roles "
                     "cannot, whatever their policies"),
        "ROOT_USER_REQUIRED");
  }
  if (!actor_is_root) {
    // Authorized by billing-pdp's own decision, on the state before this
    // batch (a batch cannot grant itself the right to change settings).
    if (set_action_set) {
      absl::Status s = CheckActorAllowed(c.actor, "aws-portal:UpdateConsoleActionSetEnforced",
                                         "console_action_set");
      if (!s.ok()) return s;
    }
    if (set_ce || set_linked) {
      absl::Status s =
          CheckActorAllowed(c.actor, "ce:UpdatePreferences", "the Cost Explorer settings");
      if (!s.ok()) return s;
    }
  }
  absl::Status s = CheckEtag("etag", c.etag, (*account)->etag());
  if (!s.ok()) return s;
  AccountSettings settings = (*account)->settings;
  if (set_iam) settings.iam_access_to_billing = c.settings.iam_access_to_billing;
  if (set_action_set) settings.console_action_set = ActionSetOf(c.settings);
  if (set_ce) settings.cost_explorer_enabled = c.settings.cost_explorer_enabled;
  if (set_linked) settings.linked_account_access = LinkedAccountAccessOf(c.settings);
  if (settings == (*account)->settings) {
    return b_.Unchanged();  // already so: the etag stays
  }
  (*account)->settings = std::move(settings);
  (*account)->modified_revision = b_.revision_;
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::Ops::CheckActorAllowed(const std::string& actor,
                                                     const std::string& action,
                                                     absl::string_view what) {
  // An Authorize of the action on any resource, with no context: a
  // malformed actor ARN or action is refused without a decision.
  ResolvedPrincipal principal;
  Target target;
  absl::Status prepared = ResolvePrincipal(*b_.base_, actor, "", principal);
  if (prepared.ok()) prepared = ActionTarget(action, "", target);
  std::optional<Verdict> verdict;
  if (prepared.ok()) verdict = Decide(*b_.base_, principal, target, EmptyCallerContext());
  if (verdict && verdict->allowed()) return absl::OkStatus();
  return Refuse(
      absl::StatusCode::kPermissionDenied, "actor",
      absl::StrCat(actor, " is not allowed ", action, " (needed to change ", what,
                   verdict ? absl::StrCat("; decision: ", ReasonName(verdict->reason)) : "", ")"),
      "NOT_AUTHORIZED");
}

}  // namespace pdp
