#include "engine/decide/resolved_principal.h"

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "base/strings.h"

namespace pdp {
namespace {

absl::Status AccountIdError() {
  return FieldError("account_id", "must be exactly 12 digits (or empty for the principal's own)");
}

// Resolve's general path: parses the principal and finds its account and,
// for users, roles and role sessions, its view. Sets `home`, or s.deny when
// the principal is unknown.
absl::Status ResolveParsed(const Snapshot& snapshot, absl::string_view principal,
                           absl::string_view account_id, ResolvedPrincipal& s,
                           const AccountState*& home) {
  if (principal.empty()) return FieldError("principal", "is required");
  absl::StatusOr<IamArn> arn = ParsePrincipalArn(principal);
  if (!arn.ok()) return AtField("principal", arn.status());
  if (!account_id.empty() && !IsAccountId(account_id)) return AccountIdError();
  s.arn = std::move(*arn);
  s.is_root = s.arn.kind == IamArnKind::kRoot;
  home = snapshot.FindAccount(s.arn.account);
  // Accounts here are in the aws partition; the same account id in another
  // partition is another account, which this world does not hold.
  if (s.arn.partition != "aws") {
    s.deny = Reason::kUnknownPrincipal;
    s.deny_detail = absl::StrCat("partition ", s.arn.partition, " is not served here");
    return absl::OkStatus();
  }
  if (home == nullptr) {
    s.deny = Reason::kUnknownPrincipal;
    s.deny_detail = absl::StrCat("account ", s.arn.account, " of the principal is not known");
    return absl::OkStatus();
  }
  if (!s.is_root) {
    IamArnKind kind = s.arn.kind == IamArnKind::kAssumedRole ? IamArnKind::kRole : s.arn.kind;
    s.view = home->FindView(kind, s.arn.name);
    // Users and roles must match by their full ARN (path included); a role
    // session names only the role.
    if (s.view == nullptr ||
        (s.arn.kind != IamArnKind::kAssumedRole && s.view->entity->arn != principal)) {
      s.deny = Reason::kUnknownPrincipal;
      s.deny_detail = absl::StrCat(principal, " does not exist");
      return absl::OkStatus();
    }
    if (s.arn.kind == IamArnKind::kAssumedRole) {
      s.session = home->FindSession(s.arn.name, s.arn.session);
      if (s.session != nullptr) {
        if (s.session->policy_compiled != nullptr) {
          s.session_policies.push_back({s.session->policy_compiled,
                                        absl::StrCat(s.session->arn, "#session-policy"),
                                        s.session->arn});
        }
        for (const std::string& arn : s.session->policy_arns) {
          const ManagedPolicyRecord* p = snapshot.FindPolicy(arn);
          s.session_policies.push_back({p ? p->default_compiled : nullptr, arn, s.session->arn});
        }
      }
    }
  }
  return absl::OkStatus();
}

// The principal as most requests name it: the exact ARN of a user or role
// this world holds, or an account's root user, in the aws partition. Sets
// s.arn's kind and account, s.is_root, s.view and s.named_as_stored, and
// returns the principal's account, without parsing or validating the text:
// it equals a stored, canonical ARN (or arn:aws:iam::<account>:root of a
// stored account), so the full parse in Resolve would accept it and reach
// the same account and view. Null when the principal is anything else;
// Resolve then parses it as before, so every error and deny detail stays
// the same.
const AccountState* ResolveStored(const Snapshot& snapshot, absl::string_view principal,
                                  ResolvedPrincipal& s) {
  constexpr absl::string_view kPrefix = "arn:aws:iam::";
  constexpr size_t kAccountEnd = kPrefix.size() + 12;
  if (principal.size() <= kAccountEnd + 1 || !absl::StartsWith(principal, kPrefix) ||
      principal[kAccountEnd] != ':') {
    return nullptr;
  }
  const absl::string_view account_id = principal.substr(kPrefix.size(), 12);
  if (!IsAccountId(account_id)) return nullptr;
  const AccountState* home = snapshot.FindAccount(account_id);
  if (home == nullptr) return nullptr;
  if (principal.substr(kAccountEnd + 1) == "root") {
    s.arn.kind = IamArnKind::kRoot;
    s.is_root = true;
  } else {
    s.view = home->FindViewByArn(principal);
    if (s.view == nullptr) return nullptr;
    s.arn.kind = s.view->entity->kind;
  }
  s.named_as_stored = true;
  s.arn.account.assign(account_id.data(), account_id.size());
  return home;
}

}  // namespace

std::string ArnText(const ResolvedPrincipal& s) {
  if (!s.named_as_stored) return s.arn.ToString();
  return s.view != nullptr ? s.view->entity->arn : RootArn(s.arn.account);
}

// Fills `s` in place rather than returning it: a ResolvedPrincipal holds
// several strings, and this runs on every request.
absl::Status ResolvePrincipal(const Snapshot& snapshot, absl::string_view principal,
                              absl::string_view account_id, ResolvedPrincipal& s) {
  const AccountState* home = ResolveStored(snapshot, principal, s);
  if (home == nullptr) {
    absl::Status parsed = ResolveParsed(snapshot, principal, account_id, s, home);
    if (!parsed.ok() || s.deny != Reason::kUnspecified) return parsed;
  } else if (!account_id.empty() && !IsAccountId(account_id)) {
    return AccountIdError();
  }
  absl::string_view target = account_id.empty() ? absl::string_view(s.arn.account) : account_id;
  s.account = target == s.arn.account ? home : snapshot.FindAccount(target);
  if (s.account == nullptr) {
    s.deny = Reason::kUnknownAccount;
    s.deny_detail = absl::StrCat("account ", target, " is not known");
  } else if (target != s.arn.account) {
    s.deny = Reason::kCrossAccount;
    s.deny_detail = absl::StrCat("a principal of account ", s.arn.account,
                                 " cannot use the billing pages of account ", target);
  } else if ((s.organization = snapshot.OrganizationOf(*s.account)) != nullptr) {
    s.placement = s.organization->FindPlacement(s.account->id);
    // SCPs bind every principal of a member account, its root user
    // included; never the management account, nor service-linked roles.
    const bool service_linked = s.view != nullptr && s.view->service_linked;
    s.scp_bound = s.organization->scps_enabled &&
                  s.organization->management_account_id != s.account->id && !service_linked;
  }
  return absl::OkStatus();
}

}  // namespace pdp
