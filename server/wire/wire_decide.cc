#include "server/wire/wire_decide.h"

#include <string>
#include <utility>

#include "base/errors.h"
#include "engine/decide/principal_context.h"

namespace pdp {
namespace {

// The engine's enumerators are numbered as pdp.v1's: the mapping is a cast.
static_assert(static_cast<int>(Effect::kAllow) == pdp::v1::ALLOW);
static_assert(static_cast<int>(Effect::kDeny) == pdp::v1::DENY);
static_assert(static_cast<int>(Access::kView) == pdp::v1::VIEW);
static_assert(static_cast<int>(Access::kModify) == pdp::v1::MODIFY);
static_assert(static_cast<int>(Reason::kRootUser) == pdp::v1::ROOT_USER);
static_assert(static_cast<int>(Reason::kAllowedByPolicy) == pdp::v1::ALLOWED_BY_POLICY);
static_assert(static_cast<int>(Reason::kUnknownPrincipal) == pdp::v1::UNKNOWN_PRINCIPAL);
static_assert(static_cast<int>(Reason::kUnknownAccount) == pdp::v1::UNKNOWN_ACCOUNT);
static_assert(static_cast<int>(Reason::kCrossAccount) == pdp::v1::CROSS_ACCOUNT);
static_assert(static_cast<int>(Reason::kAccessLevelNotOffered) ==
              pdp::v1::ACCESS_LEVEL_NOT_OFFERED);
static_assert(static_cast<int>(Reason::kRootOnly) == pdp::v1::ROOT_ONLY);
static_assert(static_cast<int>(Reason::kScpDeny) == pdp::v1::SCP_DENY);
static_assert(static_cast<int>(Reason::kScpNoAllow) == pdp::v1::SCP_NO_ALLOW);
static_assert(static_cast<int>(Reason::kCostExplorerNotEnabled) ==
              pdp::v1::COST_EXPLORER_NOT_ENABLED);
static_assert(static_cast<int>(Reason::kLinkedAccountAccessDisabled) ==
              pdp::v1::LINKED_ACCOUNT_ACCESS_DISABLED);
static_assert(static_cast<int>(Reason::kIamAccessNotActivated) ==
              pdp::v1::IAM_ACCESS_NOT_ACTIVATED);
static_assert(static_cast<int>(Reason::kExplicitDeny) == pdp::v1::EXPLICIT_DENY);
static_assert(static_cast<int>(Reason::kBoundaryNoAllow) == pdp::v1::BOUNDARY_NO_ALLOW);
static_assert(static_cast<int>(Reason::kSessionPolicyNoAllow) == pdp::v1::SESSION_POLICY_NO_ALLOW);
static_assert(static_cast<int>(Reason::kImplicitDeny) == pdp::v1::IMPLICIT_DENY);
static_assert(static_cast<int>(kLastReason) == pdp::v1::Reason_MAX);
static_assert(static_cast<int>(GateOutcome::kPassed) == pdp::v1::GateTrace::PASSED);
static_assert(static_cast<int>(GateOutcome::kDenied) == pdp::v1::GateTrace::DENIED);
static_assert(static_cast<int>(GateOutcome::kAllowed) == pdp::v1::GateTrace::ALLOWED);
static_assert(static_cast<int>(GateOutcome::kSkipped) == pdp::v1::GateTrace::SKIPPED);

const char* OutcomeName(ConditionOutcome o) {
  switch (o) {
    case ConditionOutcome::kTrue:
      return "true";
    case ConditionOutcome::kFalse:
      return "false";
    case ConditionOutcome::kError:
      return "error";
  }
  return "error";
}

void ToWire(const StatementRecord& in, pdp::v1::StatementTrace& out) {
  out.set_policy(in.policy);
  out.set_via(in.via);
  out.set_policy_type(in.policy_type);
  out.set_sid(in.sid);
  out.set_index(in.index);
  out.set_effect(ToWire(in.effect));
  out.set_matched(in.matched);
  out.set_note(in.note);
  for (const ConditionTrace& c : in.conditions) {
    pdp::v1::ConditionClauseTrace* ct = out.add_conditions();
    ct->set_operator_(c.op);
    ct->set_key(c.key);
    ct->set_outcome(OutcomeName(c.outcome));
    ct->set_key_missing(c.key_missing);
    ct->set_note(c.note);
  }
}

// Maps the decisions of DecidePages / DecideAllPages; the context is
// validated and the principal resolved first, as Decide() does.
template <typename DecideEach>
absl::StatusOr<std::vector<PageDecision>> PageDecisions(const Snapshot& snapshot,
                                                        absl::string_view principal,
                                                        absl::string_view account_id,
                                                        const pdp::v1::RequestContext& context,
                                                        size_t pages, DecideEach decide_each) {
  ResolvedPrincipal resolved;
  absl::Status status = ResolvePrincipal(snapshot, principal, account_id, resolved);
  if (!status.ok()) return status;
  const ProtoCallerContext caller(context);
  status = ValidateCallerContext(caller);
  if (!status.ok()) return status;
  std::vector<PageDecision> out;
  out.reserve(pages);
  decide_each(resolved, caller,
              [&](const CatalogPage& page, const Verdict& view, const Verdict& modify) {
                PageDecision& pd = out.emplace_back();
                pd.page = &page;
                ToWire(view, &page, pd.view);
                ToWire(modify, &page, pd.modify);
              });
  return out;
}

}  // namespace

void ProtoCallerContext::ForEach(Visitor visit) const {
  for (const auto& [key, values] : context_.keys()) {
    visit(key, Values(values.values().data(), static_cast<size_t>(values.values_size())));
  }
}

pdp::v1::Effect ToWire(Effect effect) { return static_cast<pdp::v1::Effect>(effect); }
pdp::v1::Reason ToWire(Reason reason) { return static_cast<pdp::v1::Reason>(reason); }

void ToWire(const Verdict& verdict, const CatalogPage* page, pdp::v1::Decision& out) {
  out.Clear();
  out.set_effect(ToWire(verdict.effect));
  out.set_reason(ToWire(verdict.reason));
  out.set_revision(verdict.revision);
  if (page == nullptr || verdict.features == 0) return;
  out.mutable_available_features()->Reserve(static_cast<int>(page->features.size()));
  for (size_t i = 0; i < page->features.size(); ++i) {
    if (verdict.features & (uint32_t{1} << i)) out.add_available_features(page->features[i].id);
  }
}

pdp::v1::Decision ToWire(const Verdict& verdict, const CatalogPage* page) {
  pdp::v1::Decision out;
  ToWire(verdict, page, out);
  return out;
}

void ToWire(const DecisionTrace& trace, pdp::v1::Explanation& out) {
  for (const GateRecord& g : trace.gates) {
    pdp::v1::GateTrace* gate = out.add_gates();
    gate->set_gate(g.gate);
    gate->set_outcome(static_cast<pdp::v1::GateTrace::Outcome>(g.outcome));
    gate->set_detail(g.detail);
  }
  for (const ActionRecord& a : trace.actions) {
    pdp::v1::ActionTrace* action = out.add_actions();
    action->set_action(a.action);
    action->set_resource(a.resource);
    action->set_effect(ToWire(a.effect));
    for (const StatementRecord& s : a.statements) ToWire(s, *action->add_statements());
  }
  for (const std::string& a : trace.required_actions) out.add_required_actions(a);
  for (const std::string& k : trace.missing_context_keys) out.add_missing_context_keys(k);
  for (const auto& [key, values] : trace.context) {
    pdp::v1::ContextValue& v = (*out.mutable_context()->mutable_keys())[key];
    for (const std::string& value : values) v.add_values(value);
  }
}

absl::Status TargetOf(const PageCatalog& catalog, const pdp::v1::AuthorizeRequest& request,
                      Target& target) {
  switch (request.target_case()) {
    case pdp::v1::AuthorizeRequest::kPage: {
      const pdp::v1::PageTarget& page = request.page();
      absl::Status found =
          PageTarget(catalog, page.page_id(),
                     page.access() == pdp::v1::MODIFY ? Access::kModify : Access::kView, target);
      if (!found.ok()) return found;
      if (page.access() != pdp::v1::VIEW && page.access() != pdp::v1::MODIFY) {
        return FieldError("page.access", "must be VIEW or MODIFY");
      }
      return absl::OkStatus();
    }
    case pdp::v1::AuthorizeRequest::kAction:
      return ActionTarget(request.action().action(), request.action().resource(), target);
    case pdp::v1::AuthorizeRequest::TARGET_NOT_SET:
      break;
  }
  return FieldError("target", "set either page (page_id and access) or action");
}

absl::Status PrepareRequest(const Snapshot& snapshot, const pdp::v1::AuthorizeRequest& request,
                            ResolvedPrincipal& principal, Target& target) {
  absl::Status status =
      ResolvePrincipal(snapshot, request.principal(), request.account_id(), principal);
  if (!status.ok()) return status;
  status = TargetOf(snapshot.catalog(), request, target);
  if (!status.ok()) return status;
  return ValidateCallerContext(ProtoCallerContext(request.context()));
}

absl::StatusOr<pdp::v1::Decision> Decide(const Snapshot& snapshot,
                                         const pdp::v1::AuthorizeRequest& request,
                                         pdp::v1::Explanation* explanation,
                                         const DecideOptions& options) {
  ResolvedPrincipal principal;
  Target target;
  absl::Status prepared = PrepareRequest(snapshot, request, principal, target);
  if (!prepared.ok()) return prepared;
  DecisionTrace trace;
  const Verdict v = Decide(snapshot, principal, target, ProtoCallerContext(request.context()),
                           options, explanation != nullptr ? &trace : nullptr);
  if (explanation != nullptr) ToWire(trace, *explanation);
  absl::StatusOr<pdp::v1::Decision> d(absl::in_place);
  ToWire(v, target.page, *d);
  return d;
}

absl::StatusOr<std::vector<PageDecision>> DecideAllPages(const Snapshot& snapshot,
                                                         absl::string_view principal,
                                                         absl::string_view account_id,
                                                         const pdp::v1::RequestContext& context,
                                                         const DecideOptions& options) {
  return PageDecisions(snapshot, principal, account_id, context, snapshot.catalog().pages().size(),
                       [&](const ResolvedPrincipal& p, const CallerContext& c, PageVerdicts each) {
                         DecideAllPages(snapshot, p, c, options, each);
                       });
}

absl::StatusOr<std::vector<PageDecision>> DecidePages(const Snapshot& snapshot,
                                                      absl::string_view principal,
                                                      absl::string_view account_id,
                                                      const pdp::v1::RequestContext& context,
                                                      const std::vector<const CatalogPage*>& pages,
                                                      const DecideOptions& options) {
  return PageDecisions(snapshot, principal, account_id, context, pages.size(),
                       [&](const ResolvedPrincipal& p, const CallerContext& c, PageVerdicts each) {
                         DecidePages(snapshot, p, pages, c, options, each);
                       });
}

}  // namespace pdp
