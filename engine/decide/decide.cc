#include "engine/decide/decide.h"

#include <set>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/decide/policy_evaluation.h"
#include "engine/decide/principal_context.h"

namespace pdp {
namespace {

constexpr absl::string_view kAnyResource = "*";

void AddGate(DecisionTrace* tr, absl::string_view gate, GateOutcome outcome,
             absl::string_view detail) {
  if (tr != nullptr) tr->AddGate(gate, outcome, detail);
}

void Set(Verdict& v, Effect effect, Reason reason) {
  v.effect = effect;
  v.reason = reason;
}

// The trace of one action's evaluation, recorded in `tr` when explaining.
// The record's address is used only until the next action is traced.
EvaluationTrace TraceFor(DecisionTrace* tr, const CatalogAction& action, absl::string_view resource,
                         std::set<std::string>* missing_keys) {
  EvaluationTrace trace;
  if (tr != nullptr) {
    trace.action = &tr->actions.emplace_back();
    trace.action->action = action.display;
    trace.action->resource = std::string(resource);
    trace.missing_keys = missing_keys;
  }
  return trace;
}

Effect EffectOf(bool allowed) { return allowed ? Effect::kAllow : Effect::kDeny; }

// Gate 3 over a list of actions: an SCP that denies at any level wins;
// otherwise every level from the root to the account must allow every
// action. `detail` names the first level that decided.
Reason EvaluateScps(const ResolvedPrincipal& subject, absl::Span<const CatalogAction> actions,
                    absl::string_view resource, LazyContext& context, DecisionTrace* tr,
                    std::string* detail) {
  const std::vector<ScpLevel>& levels = subject.placement->scp_levels;
  bool denied = false, allowed = true;
  for (const CatalogAction& a : actions) {
    EvaluationTrace trace = TraceFor(tr, a, resource, nullptr);
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
      if (denied && tr == nullptr) return Reason::kScpDeny;
    }
    if (trace.action) trace.action->effect = EffectOf(action_ok);
  }
  if (denied) return Reason::kScpDeny;
  if (!allowed) return Reason::kScpNoAllow;
  return Reason::kAllowedByPolicy;
}

// Gate 3 untraced: from the account's SCP digest when it settles it
// (`need`: the actions by number, null when digests do not apply), else
// statements. Same reasons as EvaluateScps: a settled deny at any level
// decides; an action some level's answer depends on the request for is
// evaluated.
Reason ScpReason(const ResolvedPrincipal& subject, absl::Span<const CatalogAction> actions,
                 const ActionSet* need, absl::string_view resource, LazyContext& context) {
  const ScpChainDigest& d = subject.placement->scp_digest;
  if (need != nullptr && d.usable && !need->Intersects(d.unsure)) {
    if (need->Intersects(d.deny)) return Reason::kScpDeny;
    return need->SubsetOf(d.allow) ? Reason::kAllowedByPolicy : Reason::kScpNoAllow;
  }
  return EvaluateScps(subject, actions, resource, context, nullptr, nullptr);
}

// Gate 4: the Cost Explorer settings in force for the account (the
// management account's for a member). kUnspecified when it passes.
// `detail` (may be null: nothing is explained) says why it refused.
Reason CostExplorerGate(const Snapshot& snapshot, const ResolvedPrincipal& subject,
                        std::string* detail) {
  const AccountSettings& ce = snapshot.CostExplorerSettingsOf(*subject.account);
  const bool member = subject.organization != nullptr &&
                      subject.organization->management_account_id != subject.account->id;
  if (!ce.cost_explorer_enabled) {
    if (detail == nullptr) return Reason::kCostExplorerNotEnabled;
    *detail = member ? absl::StrCat("Cost Explorer is not enabled in organization ",
                                    subject.organization->id, " (its management account ",
                                    subject.organization->management_account_id, " enables it)")
                     : "Cost Explorer is not enabled in this account";
    return Reason::kCostExplorerNotEnabled;
  }
  if (member && !ce.linked_account_access) {
    if (detail == nullptr) return Reason::kLinkedAccountAccessDisabled;
    *detail = absl::StrCat("the management account ", subject.organization->management_account_id,
                           " has turned off member accounts' access to Cost Explorer data");
    return Reason::kLinkedAccountAccessDisabled;
  }
  return Reason::kUnspecified;
}

// Gate 7 over a list of actions: explicit deny in any policy set, else every
// action allowed by the identity policies, the permissions boundary (if any)
// and the session policies (if any).
Reason EvaluatePolicies(const ResolvedPrincipal& subject, absl::Span<const CatalogAction> actions,
                        absl::string_view resource, LazyContext& context, DecisionTrace* tr,
                        std::set<std::string>* missing_keys) {
  bool denied = false, identity = true, boundary = true, session = true;
  const bool has_boundary = !subject.view->boundary.empty();
  const bool has_session = !subject.session_policies.empty();
  for (const CatalogAction& a : actions) {
    EvaluationTrace trace = TraceFor(tr, a, resource, missing_keys);
    SetOutcome id =
        EvaluatePolicySet(subject.view->policies, a, resource, context, "identity", trace);
    SetOutcome bd, ss;
    if (has_boundary && (tr || !id.denied)) {
      bd = EvaluatePolicySet(subject.view->boundary, a, resource, context, "permissions_boundary",
                             trace);
    }
    if (has_session && (tr || !(id.denied || bd.denied))) {
      ss = EvaluatePolicySet(subject.session_policies, a, resource, context, "session", trace);
    }
    const bool action_denied = id.denied || bd.denied || ss.denied;
    denied = denied || action_denied;
    identity = identity && id.allowed;
    boundary = boundary && (!has_boundary || bd.allowed);
    session = session && (!has_session || ss.allowed);
    if (trace.action) {
      trace.action->effect =
          EffectOf(!action_denied && id.allowed && (!has_boundary || bd.allowed) &&
                   (!has_session || ss.allowed));
    }
    if (denied && tr == nullptr) break;
  }
  if (denied) return Reason::kExplicitDeny;
  if (!identity) return Reason::kImplicitDeny;
  if (!boundary) return Reason::kBoundaryNoAllow;
  if (!session) return Reason::kSessionPolicyNoAllow;
  return Reason::kAllowedByPolicy;
}

// Gate 7 for catalogue actions, from the principal's digest: set operations
// instead of statements. False (and `out` untouched) when the digest cannot
// settle it: no digest, session policies (not digested), or a needed action
// a statement may reach depending on the request; the caller then
// evaluates statements. Same reasons, in the same precedence, as
// EvaluatePolicies.
bool DigestPolicies(const ResolvedPrincipal& subject, const ActionSet& need, Reason& out) {
  const PrincipalDigest* d = subject.view->digest.get();
  if (d == nullptr || !subject.session_policies.empty()) return false;
  ActionSet unsure = d->identity.unsure, deny = d->identity.deny;
  if (d->has_boundary) {
    unsure |= d->boundary.unsure;
    deny |= d->boundary.deny;
  }
  if (need.Intersects(unsure)) return false;
  if (need.Intersects(deny)) {
    out = Reason::kExplicitDeny;
  } else if (!need.SubsetOf(d->identity.allow)) {
    out = Reason::kImplicitDeny;
  } else if (d->has_boundary && !need.SubsetOf(d->boundary.allow)) {
    out = Reason::kBoundaryNoAllow;
  } else {
    out = Reason::kAllowedByPolicy;
  }
  return true;
}

// Gate 7 untraced: from the digest when it settles it (`need`: the
// actions by number, null when digests do not apply), else statements.
Reason PolicyReason(const ResolvedPrincipal& subject, absl::Span<const CatalogAction> actions,
                    const ActionSet* need, absl::string_view resource, LazyContext& context) {
  Reason r;
  if (need != nullptr && DigestPolicies(subject, *need, r)) return r;
  return EvaluatePolicies(subject, actions, resource, context, nullptr, nullptr);
}

// Bit i of the result: page.features[i] is available too.
uint32_t AvailableFeatures(const ResolvedPrincipal& subject, const Target& target,
                           LazyContext& context, bool digests) {
  const bool legacy = subject.account->settings.console_action_set == ConsoleActionSet::kLegacy;
  uint32_t features = 0;
  const std::vector<CatalogFeature>& all = target.page->features;
  for (size_t i = 0; i < all.size(); ++i) {
    const CatalogFeature& f = all[i];
    if (f.access == Access::kModify && target.access != Access::kModify) continue;
    const std::vector<CatalogAction>& actions = legacy ? f.legacy : f.fine_grained;
    const ActionSet* need = digests ? (legacy ? &f.legacy_ids : &f.fine_grained_ids) : nullptr;
    const bool ok = (!subject.scp_bound || ScpReason(subject, actions, need, kAnyResource,
                                                     context) == Reason::kAllowedByPolicy) &&
                    (subject.is_root || PolicyReason(subject, actions, need, kAnyResource,
                                                     context) == Reason::kAllowedByPolicy);
    if (ok) features |= uint32_t{1} << i;
  }
  return features;
}

const char* ReasonDetail(Reason r) {
  switch (r) {
    case Reason::kExplicitDeny:
      return "a statement explicitly denies a required action";
    case Reason::kBoundaryNoAllow:
      return "the identity policies allow, but the permissions boundary does not allow every "
             "required action";
    case Reason::kSessionPolicyNoAllow:
      return "the role allows, but the session policies do not allow every required action";
    default:
      return "no statement allows every required action";
  }
}

// The context builder for a resolved subject (used only when a policy needs it).
LazyContext ContextFor(const ResolvedPrincipal& subject, const CallerContext& caller,
                       const DecideOptions& options) {
  return LazyContext(
      &caller,
      PrincipalFacts{&subject.arn, subject.view ? subject.view->entity.get() : nullptr,
                     subject.session, subject.organization, subject.placement},
      options.now);
}

void AddMissingKeys(const std::set<std::string>& missing, DecisionTrace& tr) {
  tr.missing_context_keys.insert(tr.missing_context_keys.end(), missing.begin(), missing.end());
}

// Fills `v`, whose revision is set. Detail strings are built only when
// explaining: the untraced path is the hot one, and its callers never see
// them.
void DecideTarget(const Snapshot& snapshot, const ResolvedPrincipal& subject, const Target& target,
                  LazyContext& context, DecisionTrace* tr, bool digests, Verdict& v) {
  // Digests summarise page actions on resource "*" and cannot explain.
  digests = digests && tr == nullptr && target.page != nullptr;
  if (subject.deny != Reason::kUnspecified) {
    AddGate(tr, "resolve", GateOutcome::kDenied, subject.deny_detail);
    return Set(v, Effect::kDeny, subject.deny);
  }
  absl::Span<const CatalogAction> actions;
  const ActionSet* need = nullptr;  // the actions by number, when digests apply
  if (target.page != nullptr) {
    const ActionRequirements& req = target.page->For(subject.account->settings.console_action_set);
    if (target.access == Access::kModify && !req.offers_modify) {
      if (tr) {
        AddGate(tr, "resolve", GateOutcome::kDenied,
                absl::StrCat("page ", target.page->id, " has nothing to modify"));
      }
      return Set(v, Effect::kDeny, Reason::kAccessLevelNotOffered);
    }
    actions = target.access == Access::kModify ? req.modify : req.view;
    if (digests) need = target.access == Access::kModify ? &req.modify_ids : &req.view_ids;
  } else {
    actions = absl::MakeConstSpan(&*target.action, 1);
  }
  if (tr) {
    for (const CatalogAction& a : actions) tr->required_actions.push_back(a.display);
    AddGate(tr, "resolve", GateOutcome::kPassed,
            absl::StrCat(ArnText(subject), " in account ", subject.account->id));
  }

  for (const CatalogAction& a : actions) {
    if (!subject.is_root && IsRootOnlyAction(a.lower)) {
      if (tr) {
        AddGate(tr, "root_only", GateOutcome::kDenied,
                absl::StrCat(a.display, " can only be performed by the account's root user"));
      }
      return Set(v, Effect::kDeny, Reason::kRootOnly);
    }
  }
  AddGate(tr, "root_only", GateOutcome::kPassed, "no root-only action required");

  if (subject.scp_bound && subject.placement != nullptr) {
    std::string detail;
    Reason r = tr != nullptr ? EvaluateScps(subject, actions, target.resource, context, tr, &detail)
                             : ScpReason(subject, actions, need, target.resource, context);
    if (r == Reason::kScpNoAllow && !subject.is_root &&
        PolicyReason(subject, actions, need, target.resource, context) == Reason::kExplicitDeny) {
      // AWS looks for an explicit Deny in every policy type before it asks
      // whether each type allows: the identity, boundary or session policy's
      // Deny is the reason, not the SCP's missing allow.
      if (tr) {
        AddGate(tr, "scp", GateOutcome::kDenied,
                absl::StrCat(detail, "; an explicit deny in the principal's policies decides"));
        std::set<std::string> missing;
        EvaluatePolicies(subject, actions, target.resource, context, tr, &missing);
        AddMissingKeys(missing, *tr);
        AddGate(tr, "identity_policies", GateOutcome::kDenied, ReasonDetail(Reason::kExplicitDeny));
      }
      return Set(v, Effect::kDeny, Reason::kExplicitDeny);
    }
    if (r != Reason::kAllowedByPolicy) {
      AddGate(tr, "scp", GateOutcome::kDenied, detail);
      return Set(v, Effect::kDeny, r);
    }
    if (tr) {
      AddGate(tr, "scp", GateOutcome::kPassed,
              absl::StrCat("every level from the organization root to account ",
                           subject.account->id, " allows"));
    }
  } else if (subject.scp_bound) {
    // A member without a placement cannot happen; fail closed if it does.
    AddGate(tr, "scp", GateOutcome::kDenied, "the account's place in its organization is unknown");
    return Set(v, Effect::kDeny, Reason::kScpNoAllow);
  } else {
    AddGate(tr, "scp", GateOutcome::kSkipped,
            subject.organization == nullptr       ? "a standalone account: no SCPs"
            : !subject.organization->scps_enabled ? "SCPs are not enabled in the organization"
            : subject.organization->management_account_id == subject.account->id
                ? "SCPs never limit the management account"
                : "SCPs do not limit service-linked roles");
  }

  const bool cost_explorer = target.page != nullptr
                                 ? target.page->shows_cost_explorer_data
                                 : IsCostExplorerDataAction(target.action->lower);
  if (cost_explorer) {
    std::string detail;
    Reason r = CostExplorerGate(snapshot, subject, tr ? &detail : nullptr);
    if (r != Reason::kUnspecified) {
      AddGate(tr, "cost_explorer", GateOutcome::kDenied, detail);
      return Set(v, Effect::kDeny, r);
    }
    AddGate(tr, "cost_explorer", GateOutcome::kPassed, "Cost Explorer data is available here");
  } else {
    AddGate(tr, "cost_explorer", GateOutcome::kSkipped, "no Cost Explorer data involved");
  }

  if (subject.is_root) {
    AddGate(tr, "root_user", GateOutcome::kAllowed, "the root user has full access to its account");
    Set(v, Effect::kAllow, Reason::kRootUser);
  } else {
    AddGate(tr, "root_user", GateOutcome::kSkipped, "not the root user");
    if (target.page != nullptr && target.page->iam_access_gated) {
      if (!subject.account->settings.iam_access_to_billing) {
        AddGate(tr, "iam_access", GateOutcome::kDenied,
                "\"Activate IAM Access\" is off for this account; only its root user can turn "
                "it on");
        return Set(v, Effect::kDeny, Reason::kIamAccessNotActivated);
      }
      AddGate(tr, "iam_access", GateOutcome::kPassed, "IAM access to billing is activated");
    } else {
      AddGate(tr, "iam_access", GateOutcome::kSkipped,
              target.page ? "this page is not controlled by the IAM access setting"
                          : "API actions are not controlled by the IAM access setting");
    }
    Reason r;
    if (tr != nullptr) {
      std::set<std::string> missing;
      r = EvaluatePolicies(subject, actions, target.resource, context, tr, &missing);
      AddMissingKeys(missing, *tr);
    } else {
      r = PolicyReason(subject, actions, need, target.resource, context);
    }
    if (r != Reason::kAllowedByPolicy) {
      AddGate(tr, "identity_policies", GateOutcome::kDenied, ReasonDetail(r));
      return Set(v, Effect::kDeny, r);
    }
    AddGate(tr, "identity_policies", GateOutcome::kAllowed, "every required action is allowed");
    Set(v, Effect::kAllow, Reason::kAllowedByPolicy);
  }
  if (target.page != nullptr) v.features = AvailableFeatures(subject, target, context, digests);
}

// VIEW and MODIFY of one page, for DecidePages and DecideAllPages (one
// context for every page).
void DecideBoth(const Snapshot& snapshot, const ResolvedPrincipal& principal,
                const CatalogPage& page, LazyContext& lazy, bool digests, PageVerdicts each) {
  Verdict view, modify;
  view.revision = modify.revision = snapshot.revision();
  Target t;
  t.page = &page;
  DecideTarget(snapshot, principal, t, lazy, nullptr, digests, view);
  t.access = Access::kModify;
  DecideTarget(snapshot, principal, t, lazy, nullptr, digests, modify);
  each(page, view, modify);
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

Verdict Decide(const Snapshot& snapshot, const ResolvedPrincipal& principal, const Target& target,
               const CallerContext& context, const DecideOptions& options, DecisionTrace* trace) {
  LazyContext lazy = ContextFor(principal, context, options);
  Verdict v;
  v.revision = snapshot.revision();
  DecideTarget(snapshot, principal, target, lazy, trace, !options.evaluate_statements, v);
  if (trace != nullptr && principal.deny == Reason::kUnspecified) {
    for (const auto& [key, values] : lazy.Get().keys()) trace->context.emplace_back(key, values);
  }
  return v;
}

void DecidePages(const Snapshot& snapshot, const ResolvedPrincipal& principal,
                 absl::Span<const CatalogPage* const> pages, const CallerContext& context,
                 const DecideOptions& options, PageVerdicts each) {
  LazyContext lazy = ContextFor(principal, context, options);
  for (const CatalogPage* page : pages)
    DecideBoth(snapshot, principal, *page, lazy, !options.evaluate_statements, each);
}

void DecideAllPages(const Snapshot& snapshot, const ResolvedPrincipal& principal,
                    const CallerContext& context, const DecideOptions& options, PageVerdicts each) {
  LazyContext lazy = ContextFor(principal, context, options);
  for (const CatalogPage& page : snapshot.catalog().pages()) {
    DecideBoth(snapshot, principal, page, lazy, !options.evaluate_statements, each);
  }
}

}  // namespace pdp
