#include "common/engine/decide.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "common/base/errors.h"
#include "common/base/glob.h"
#include "common/base/strings.h"
#include "common/engine/policy_evaluation.h"
#include "common/engine/principal_context.h"

namespace pdp {
namespace {

using pdp::v1::Decision;
using pdp::v1::Explanation;
using pdp::v1::GateTrace;
using pdp::v1::Reason;

constexpr absl::string_view kAnyResource = "*";

// Who is asking, about which account, resolved once per request.
struct Subject {
  IamArn arn;
  const AccountState* account = nullptr;   // the target account
  const PrincipalView* view = nullptr;     // users and roles
  const SessionRecord* session = nullptr;  // a registered role session
  std::vector<PolicyBinding> session_policies;
  const OrganizationState* organization = nullptr;  // of the target account
  const AccountPlacement* placement = nullptr;
  bool scp_bound = false;  // gate 3 applies
  bool is_root = false;
  Reason deny = pdp::v1::REASON_UNSPECIFIED;  // set when resolving denies
  std::string deny_detail;
};

struct Target {
  const CatalogPage* page = nullptr;
  pdp::v1::Access access = pdp::v1::VIEW;
  CatalogAction action;  // raw action requests
  // Points into the request (which outlives the decision) or at kAnyResource.
  absl::string_view resource = kAnyResource;
};

void AddGate(Explanation* ex, absl::string_view gate, GateTrace::Outcome outcome,
             absl::string_view detail) {
  if (ex == nullptr) return;
  GateTrace* g = ex->add_gates();
  g->set_gate(std::string(gate));
  g->set_outcome(outcome);
  g->set_detail(std::string(detail));
}

// Decisions are filled in place: a Decision is a protobuf message, and
// returning one by value from several places costs a construction and a
// swap each time, on every request.
void Set(Decision& d, pdp::v1::Effect effect, Reason reason, int64_t revision) {
  d.set_effect(effect);
  d.set_reason(reason);
  d.set_revision(revision);
}

absl::Status AccountIdError() {
  return FieldError("account_id", "must be exactly 12 digits (or empty for the principal's own)");
}

// Resolve's general path: parses the principal and finds its account and,
// for users, roles and role sessions, its view. Sets `home`, or s.deny when
// the principal is unknown.
absl::Status ResolveParsed(const Snapshot& snapshot, absl::string_view principal,
                           absl::string_view account_id, Subject& s, const AccountState*& home) {
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
    s.deny = pdp::v1::UNKNOWN_PRINCIPAL;
    s.deny_detail = absl::StrCat("partition ", s.arn.partition, " is not served here");
    return absl::OkStatus();
  }
  if (home == nullptr) {
    s.deny = pdp::v1::UNKNOWN_PRINCIPAL;
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
      s.deny = pdp::v1::UNKNOWN_PRINCIPAL;
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
// this world holds, or an account's root user, in the aws partition. Fills
// s.arn, s.is_root and s.view and returns the principal's account without
// parsing or validating the text: it equals a stored, canonical ARN (or
// arn:aws:iam::<account>:root of a stored account), so the full parse in
// Resolve would accept it and reach the same account and view. Null when
// the principal is anything else; Resolve then parses it as before, so
// every error and deny detail stays the same.
const AccountState* ResolveStored(const Snapshot& snapshot, absl::string_view principal,
                                  Subject& s) {
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
  const absl::string_view resource = principal.substr(kAccountEnd + 1);
  if (resource == "root") {
    s.arn.kind = IamArnKind::kRoot;
    s.is_root = true;
  } else {
    s.view = home->FindViewByArn(principal);
    if (s.view == nullptr) return nullptr;
    // user/<path>name or role/<path>name: the path runs from the first slash
    // to the last, both included.
    const size_t first = resource.find('/'), last = resource.rfind('/');
    s.arn.kind = s.view->entity->kind;
    const absl::string_view path = resource.substr(first, last - first + 1);
    const absl::string_view name = resource.substr(last + 1);
    s.arn.path.assign(path.data(), path.size());
    s.arn.name.assign(name.data(), name.size());
  }
  s.arn.partition.assign("aws");
  s.arn.account.assign(account_id.data(), account_id.size());
  return home;
}

// Fills `s` (freshly constructed) in place rather than returning it: a
// Subject holds several strings, and this runs on every request.
absl::Status Resolve(const Snapshot& snapshot, absl::string_view principal,
                     absl::string_view account_id, Subject& s) {
  const AccountState* home = ResolveStored(snapshot, principal, s);
  if (home == nullptr) {
    absl::Status parsed = ResolveParsed(snapshot, principal, account_id, s, home);
    if (!parsed.ok() || s.deny != pdp::v1::REASON_UNSPECIFIED) return parsed;
  } else if (!account_id.empty() && !IsAccountId(account_id)) {
    return AccountIdError();
  }
  absl::string_view target = account_id.empty() ? absl::string_view(s.arn.account) : account_id;
  s.account = target == s.arn.account ? home : snapshot.FindAccount(target);
  if (s.account == nullptr) {
    s.deny = pdp::v1::UNKNOWN_ACCOUNT;
    s.deny_detail = absl::StrCat("account ", target, " is not known");
  } else if (target != s.arn.account) {
    s.deny = pdp::v1::CROSS_ACCOUNT;
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

// Fills `t` (freshly constructed); the error names the request's field.
absl::Status ParseTarget(const Snapshot& snapshot, const pdp::v1::AuthorizeRequest& r, Target& t) {
  switch (r.target_case()) {
    case pdp::v1::AuthorizeRequest::kPage: {
      t.page = snapshot.catalog().Find(r.page().page_id());
      if (r.page().page_id().empty()) return FieldError("page.page_id", "is required");
      if (t.page == nullptr) {
        return FieldError("page.page_id",
                          absl::StrCat("unknown page ", QuoteInput(r.page().page_id()),
                                       " (ListPages shows the catalogue)"));
      }
      if (r.page().access() != pdp::v1::VIEW && r.page().access() != pdp::v1::MODIFY) {
        return FieldError("page.access", "must be VIEW or MODIFY");
      }
      t.access = r.page().access();
      return absl::OkStatus();
    }
    case pdp::v1::AuthorizeRequest::kAction: {
      const std::string& a = r.action().action();
      if (a.empty()) return FieldError("action.action", "is required");
      if (!IsConcreteAction(a) || a.size() > 256) {
        return FieldError("action.action", "must be \"service:Action\" without wildcards");
      }
      t.action = {AsciiLower(a), a};
      const std::string& res = r.action().resource();
      if (!res.empty() && res != "*") {
        // arn:partition:service:region:account:resource (the resource may
        // hold colons of its own): "arn:" and at least five colons.
        if (!absl::StartsWith(res, "arn:") || std::count(res.begin(), res.end(), ':') < 5 ||
            res.size() > 2048) {
          return FieldError(
              "action.resource",
              "must be an ARN (arn:partition:service:region:account:resource) or empty");
        }
        t.resource = res;
      }
      return absl::OkStatus();
    }
    case pdp::v1::AuthorizeRequest::TARGET_NOT_SET:
      break;
  }
  return FieldError("target", "set either page (page_id and access) or action");
}

// The trace of one action's evaluation, recorded in `ex` when explaining.
EvaluationTrace TraceFor(Explanation* ex, const CatalogAction& action, absl::string_view resource,
                         std::set<std::string>* missing_keys) {
  EvaluationTrace trace;
  if (ex) {
    trace.action = ex->add_actions();
    trace.action->set_action(action.display);
    trace.action->set_resource(std::string(resource));
    trace.missing_keys = missing_keys;
  }
  return trace;
}

// Gate 3 over a list of actions: an SCP that denies at any level wins;
// otherwise every level from the root to the account must allow every
// action. `detail` names the first level that decided.
Reason EvaluateScps(const Subject& subject, absl::Span<const CatalogAction> actions,
                    absl::string_view resource, LazyContext& context, Explanation* ex,
                    std::string* detail) {
  const std::vector<ScpLevel>& levels = subject.placement->scp_levels;
  bool denied = false, allowed = true;
  for (const CatalogAction& a : actions) {
    EvaluationTrace trace = TraceFor(ex, a, resource, nullptr);
    bool action_ok = true;
    for (const ScpLevel& level : levels) {
      SetOutcome out = EvaluatePolicySet(level.policies, a, resource, context, "scp", trace);
      if (out.denied && !denied) {
        denied = true;
        if (detail) *detail = absl::StrCat("an SCP at ", level.target_id, " denies ", a.display);
      } else if (!out.allowed && allowed && !denied) {
        allowed = false;
        if (detail) {
          *detail = absl::StrCat("no SCP at ", level.target_id, " allows ", a.display);
        }
      }
      action_ok = action_ok && out.allowed && !out.denied;
      if (denied && ex == nullptr) return pdp::v1::SCP_DENY;
    }
    if (trace.action) trace.action->set_effect(action_ok ? pdp::v1::ALLOW : pdp::v1::DENY);
  }
  if (denied) return pdp::v1::SCP_DENY;
  if (!allowed) return pdp::v1::SCP_NO_ALLOW;
  return pdp::v1::ALLOWED_BY_POLICY;
}

// Gate 4: the Cost Explorer settings in force for the account (the
// management account's for a member). REASON_UNSPECIFIED when it passes.
// `detail` (may be null: nothing is explained) says why it refused.
Reason CostExplorerGate(const Snapshot& snapshot, const Subject& subject, std::string* detail) {
  const pdp::v1::AccountSettings& ce = snapshot.CostExplorerSettingsOf(*subject.account);
  const bool member = subject.organization != nullptr &&
                      subject.organization->management_account_id != subject.account->id;
  if (!ce.cost_explorer_enabled()) {
    if (detail == nullptr) return pdp::v1::COST_EXPLORER_NOT_ENABLED;
    *detail = member ? absl::StrCat("Cost Explorer is not enabled in organization ",
                                    subject.organization->id, " (its management account ",
                                    subject.organization->management_account_id, " enables it)")
                     : "Cost Explorer is not enabled in this account";
    return pdp::v1::COST_EXPLORER_NOT_ENABLED;
  }
  if (member && !ce.linked_account_access()) {
    if (detail == nullptr) return pdp::v1::LINKED_ACCOUNT_ACCESS_DISABLED;
    *detail = absl::StrCat("the management account ", subject.organization->management_account_id,
                           " has turned off member accounts' access to Cost Explorer data");
    return pdp::v1::LINKED_ACCOUNT_ACCESS_DISABLED;
  }
  return pdp::v1::REASON_UNSPECIFIED;
}

// Gate 7 over a list of actions: explicit deny in any policy set, else every
// action allowed by the identity policies, the permissions boundary (if any)
// and the session policies (if any).
Reason EvaluatePolicies(const Subject& subject, absl::Span<const CatalogAction> actions,
                        absl::string_view resource, LazyContext& context, Explanation* ex,
                        std::set<std::string>* missing_keys) {
  bool denied = false, identity = true, boundary = true, session = true;
  const bool has_boundary = !subject.view->boundary.empty();
  const bool has_session = !subject.session_policies.empty();
  for (const CatalogAction& a : actions) {
    EvaluationTrace trace = TraceFor(ex, a, resource, missing_keys);
    SetOutcome id =
        EvaluatePolicySet(subject.view->policies, a, resource, context, "identity", trace);
    SetOutcome bd, ss;
    if (has_boundary && (ex || !id.denied)) {
      bd = EvaluatePolicySet(subject.view->boundary, a, resource, context, "permissions_boundary",
                             trace);
    }
    if (has_session && (ex || !(id.denied || bd.denied))) {
      ss = EvaluatePolicySet(subject.session_policies, a, resource, context, "session", trace);
    }
    const bool action_denied = id.denied || bd.denied || ss.denied;
    denied = denied || action_denied;
    identity = identity && id.allowed;
    boundary = boundary && (!has_boundary || bd.allowed);
    session = session && (!has_session || ss.allowed);
    if (trace.action) {
      trace.action->set_effect(!action_denied && id.allowed && (!has_boundary || bd.allowed) &&
                                       (!has_session || ss.allowed)
                                   ? pdp::v1::ALLOW
                                   : pdp::v1::DENY);
    }
    if (denied && ex == nullptr) break;
  }
  if (denied) return pdp::v1::EXPLICIT_DENY;
  if (!identity) return pdp::v1::IMPLICIT_DENY;
  if (!boundary) return pdp::v1::BOUNDARY_NO_ALLOW;
  if (!session) return pdp::v1::SESSION_POLICY_NO_ALLOW;
  return pdp::v1::ALLOWED_BY_POLICY;
}

void AddAvailableFeatures(const Subject& subject, const Target& target, LazyContext& context,
                          Decision& d) {
  pdp::v1::ConsoleActionSet set = subject.account->settings.console_action_set();
  // One allocation instead of the repeated field growing feature by feature.
  d.mutable_available_features()->Reserve(static_cast<int>(target.page->features.size()));
  for (const CatalogFeature& f : target.page->features) {
    if (f.access == pdp::v1::MODIFY && target.access != pdp::v1::MODIFY) continue;
    const std::vector<CatalogAction>& actions = set == pdp::v1::LEGACY ? f.legacy : f.fine_grained;
    bool ok = (!subject.scp_bound || EvaluateScps(subject, actions, kAnyResource, context, nullptr,
                                                  nullptr) == pdp::v1::ALLOWED_BY_POLICY) &&
              (subject.is_root || EvaluatePolicies(subject, actions, kAnyResource, context, nullptr,
                                                   nullptr) == pdp::v1::ALLOWED_BY_POLICY);
    if (ok) d.add_available_features(f.id);
  }
}

const char* ReasonDetail(Reason r) {
  switch (r) {
    case pdp::v1::EXPLICIT_DENY:
      return "a statement explicitly denies a required action";
    case pdp::v1::BOUNDARY_NO_ALLOW:
      return "the identity policies allow, but the permissions boundary does not allow every "
             "required action";
    case pdp::v1::SESSION_POLICY_NO_ALLOW:
      return "the role allows, but the session policies do not allow every required action";
    default:
      return "no statement allows every required action";
  }
}

// The context builder for a resolved subject (used only when a policy needs it).
LazyContext ContextFor(const Subject& subject, const pdp::v1::RequestContext& caller,
                       const DecideOptions& options) {
  return LazyContext(
      &caller,
      PrincipalFacts{&subject.arn, subject.view ? subject.view->entity.get() : nullptr,
                     subject.session, subject.organization, subject.placement},
      options.now);
}

// Fills `d` (freshly constructed).
void DecideTarget(const Snapshot& snapshot, const Subject& subject, const Target& target,
                  LazyContext& context, Explanation* ex, Decision& d) {
  const int64_t rev = snapshot.revision();
  if (subject.deny != pdp::v1::REASON_UNSPECIFIED) {
    AddGate(ex, "resolve", GateTrace::DENIED, subject.deny_detail);
    return Set(d, pdp::v1::DENY, subject.deny, rev);
  }
  // Detail strings are built only when explaining: the untraced path is
  // the hot one, and its callers never see them.
  absl::Span<const CatalogAction> actions;
  if (target.page != nullptr) {
    const ActionRequirements& req =
        target.page->For(subject.account->settings.console_action_set());
    if (target.access == pdp::v1::MODIFY && !req.offers_modify) {
      if (ex) {
        AddGate(ex, "resolve", GateTrace::DENIED,
                absl::StrCat("page ", target.page->proto.id(), " has nothing to modify"));
      }
      return Set(d, pdp::v1::DENY, pdp::v1::ACCESS_LEVEL_NOT_OFFERED, rev);
    }
    actions = target.access == pdp::v1::MODIFY ? req.modify : req.view;
  } else {
    actions = absl::MakeConstSpan(&target.action, 1);
  }
  if (ex) {
    for (const CatalogAction& a : actions) ex->add_required_actions(a.display);
  }
  if (ex) {
    AddGate(ex, "resolve", GateTrace::PASSED,
            absl::StrCat(subject.arn.ToString(), " in account ", subject.account->id));
  }

  for (const CatalogAction& a : actions) {
    if (!subject.is_root && IsRootOnlyAction(a.lower)) {
      if (ex) {
        AddGate(ex, "root_only", GateTrace::DENIED,
                absl::StrCat(a.display, " can only be performed by the account's root user"));
      }
      return Set(d, pdp::v1::DENY, pdp::v1::ROOT_ONLY, rev);
    }
  }
  AddGate(ex, "root_only", GateTrace::PASSED, "no root-only action required");

  if (subject.scp_bound && subject.placement != nullptr) {
    std::string detail;
    Reason r = EvaluateScps(subject, actions, target.resource, context, ex, ex ? &detail : nullptr);
    if (r == pdp::v1::SCP_NO_ALLOW && !subject.is_root &&
        EvaluatePolicies(subject, actions, target.resource, context, nullptr, nullptr) ==
            pdp::v1::EXPLICIT_DENY) {
      // AWS looks for an explicit Deny in every policy type before it asks
      // whether each type allows: the identity, boundary or session policy's
      // Deny is the reason, not the SCP's missing allow.
      if (ex) {
        AddGate(ex, "scp", GateTrace::DENIED,
                absl::StrCat(detail, "; an explicit deny in the principal's policies decides"));
        std::set<std::string> missing;
        EvaluatePolicies(subject, actions, target.resource, context, ex, &missing);
        for (const std::string& k : missing) ex->add_missing_context_keys(k);
        AddGate(ex, "identity_policies", GateTrace::DENIED, ReasonDetail(pdp::v1::EXPLICIT_DENY));
      }
      return Set(d, pdp::v1::DENY, pdp::v1::EXPLICIT_DENY, rev);
    }
    if (r != pdp::v1::ALLOWED_BY_POLICY) {
      AddGate(ex, "scp", GateTrace::DENIED, detail);
      return Set(d, pdp::v1::DENY, r, rev);
    }
    if (ex) {
      AddGate(ex, "scp", GateTrace::PASSED,
              absl::StrCat("every level from the organization root to account ",
                           subject.account->id, " allows"));
    }
  } else if (subject.scp_bound) {
    // A member without a placement cannot happen; fail closed if it does.
    AddGate(ex, "scp", GateTrace::DENIED, "the account's place in its organization is unknown");
    return Set(d, pdp::v1::DENY, pdp::v1::SCP_NO_ALLOW, rev);
  } else {
    AddGate(ex, "scp", GateTrace::SKIPPED,
            subject.organization == nullptr       ? "a standalone account: no SCPs"
            : !subject.organization->scps_enabled ? "SCPs are not enabled in the organization"
            : subject.organization->management_account_id == subject.account->id
                ? "SCPs never limit the management account"
                : "SCPs do not limit service-linked roles");
  }

  const bool cost_explorer = target.page != nullptr ? target.page->proto.shows_cost_explorer_data()
                                                    : IsCostExplorerDataAction(target.action.lower);
  if (cost_explorer) {
    std::string detail;
    Reason r = CostExplorerGate(snapshot, subject, ex ? &detail : nullptr);
    if (r != pdp::v1::REASON_UNSPECIFIED) {
      AddGate(ex, "cost_explorer", GateTrace::DENIED, detail);
      return Set(d, pdp::v1::DENY, r, rev);
    }
    AddGate(ex, "cost_explorer", GateTrace::PASSED, "Cost Explorer data is available here");
  } else {
    AddGate(ex, "cost_explorer", GateTrace::SKIPPED, "no Cost Explorer data involved");
  }

  if (subject.is_root) {
    AddGate(ex, "root_user", GateTrace::ALLOWED, "the root user has full access to its account");
    Set(d, pdp::v1::ALLOW, pdp::v1::ROOT_USER, rev);
  } else {
    AddGate(ex, "root_user", GateTrace::SKIPPED, "not the root user");
    if (target.page != nullptr && target.page->proto.iam_access_gated()) {
      if (!subject.account->settings.iam_access_to_billing()) {
        AddGate(ex, "iam_access", GateTrace::DENIED,
                "\"Activate IAM Access\" is off for this account; only its root user can turn "
                "it on");
        return Set(d, pdp::v1::DENY, pdp::v1::IAM_ACCESS_NOT_ACTIVATED, rev);
      }
      AddGate(ex, "iam_access", GateTrace::PASSED, "IAM access to billing is activated");
    } else {
      AddGate(ex, "iam_access", GateTrace::SKIPPED,
              target.page ? "this page is not controlled by the IAM access setting"
                          : "API actions are not controlled by the IAM access setting");
    }
    std::set<std::string> missing;
    Reason r = EvaluatePolicies(subject, actions, target.resource, context, ex, &missing);
    if (ex) {
      for (const std::string& k : missing) ex->add_missing_context_keys(k);
    }
    if (r != pdp::v1::ALLOWED_BY_POLICY) {
      AddGate(ex, "identity_policies", GateTrace::DENIED, ReasonDetail(r));
      return Set(d, pdp::v1::DENY, r, rev);
    }
    AddGate(ex, "identity_policies", GateTrace::ALLOWED, "every required action is allowed");
    Set(d, pdp::v1::ALLOW, pdp::v1::ALLOWED_BY_POLICY, rev);
  }
  if (target.page != nullptr) AddAvailableFeatures(subject, target, context, d);
}

}  // namespace

bool IsRootOnlyAction(absl::string_view action_lower) {
  return action_lower == "billing:updateiamaccesspreference";
}

// Cost Explorer data actions (gate 4): every ce: action but the preferences
// themselves, which are how Cost Explorer and linked-account access are
// managed.
bool IsCostExplorerDataAction(absl::string_view action_lower) {
  return absl::StartsWith(action_lower, "ce:") && action_lower != "ce:getpreferences" &&
         action_lower != "ce:updatepreferences";
}

absl::StatusOr<Decision> Decide(const Snapshot& snapshot, const pdp::v1::AuthorizeRequest& request,
                                Explanation* explanation, const DecideOptions& options) {
  Subject subject;
  absl::Status resolved = Resolve(snapshot, request.principal(), request.account_id(), subject);
  if (!resolved.ok()) return resolved;
  Target target;
  absl::Status parsed = ParseTarget(snapshot, request, target);
  if (!parsed.ok()) return parsed;
  absl::Status context_ok = ValidateCallerContext(request.context());
  if (!context_ok.ok()) return context_ok;
  LazyContext context = ContextFor(subject, request.context(), options);
  absl::StatusOr<Decision> d(absl::in_place);
  DecideTarget(snapshot, subject, target, context, explanation, *d);
  if (explanation != nullptr && subject.deny == pdp::v1::REASON_UNSPECIFIED) {
    for (const auto& [key, values] : context.Get().keys()) {
      auto& v = (*explanation->mutable_context()->mutable_keys())[key];
      for (const std::string& value : values) v.add_values(value);
    }
  }
  return d;
}

namespace {

// DecideAllPages and DecidePages: `pages` null means the whole catalogue.
absl::StatusOr<std::vector<PageDecision>> DecideEach(const Snapshot& snapshot,
                                                     absl::string_view principal,
                                                     absl::string_view account_id,
                                                     const pdp::v1::RequestContext& context,
                                                     const std::vector<const CatalogPage*>* pages,
                                                     const DecideOptions& options) {
  Subject subject;
  absl::Status resolved = Resolve(snapshot, principal, account_id, subject);
  if (!resolved.ok()) return resolved;
  absl::Status context_ok = ValidateCallerContext(context);
  if (!context_ok.ok()) return context_ok;
  LazyContext lazy = ContextFor(subject, context, options);
  std::vector<PageDecision> out;
  auto decide = [&](const CatalogPage& page) {
    Target t;
    t.page = &page;
    t.access = pdp::v1::VIEW;
    PageDecision& pd = out.emplace_back();
    pd.page = &page;
    DecideTarget(snapshot, subject, t, lazy, nullptr, pd.view);
    t.access = pdp::v1::MODIFY;
    DecideTarget(snapshot, subject, t, lazy, nullptr, pd.modify);
  };
  if (pages == nullptr) {
    out.reserve(snapshot.catalog().pages().size());
    for (const CatalogPage& page : snapshot.catalog().pages()) decide(page);
  } else {
    out.reserve(pages->size());
    for (const CatalogPage* page : *pages) decide(*page);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<PageDecision>> DecideAllPages(const Snapshot& snapshot,
                                                         absl::string_view principal,
                                                         absl::string_view account_id,
                                                         const pdp::v1::RequestContext& context,
                                                         const DecideOptions& options) {
  return DecideEach(snapshot, principal, account_id, context, nullptr, options);
}

absl::StatusOr<std::vector<PageDecision>> DecidePages(const Snapshot& snapshot,
                                                      absl::string_view principal,
                                                      absl::string_view account_id,
                                                      const pdp::v1::RequestContext& context,
                                                      const std::vector<const CatalogPage*>& pages,
                                                      const DecideOptions& options) {
  return DecideEach(snapshot, principal, account_id, context, &pages, options);
}

}  // namespace pdp
