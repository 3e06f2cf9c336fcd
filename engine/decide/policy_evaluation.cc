#include "engine/decide/policy_evaluation.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace pdp {
namespace {

const RequestContext& EmptyContext() {
  static const RequestContext* empty = new RequestContext();
  return *empty;
}

StatementRecord& AddStatement(const EvaluationTrace& trace, const PolicyBinding& b,
                              const CompiledStatement* s, absl::string_view policy_type) {
  StatementRecord& st = trace.action->statements.emplace_back();
  st.policy = b.name;
  st.via = b.via;
  st.policy_type = std::string(policy_type);
  if (s != nullptr) {
    st.sid = s->sid;
    st.index = s->index;
    st.effect = s->effect == StatementEffect::kDeny ? Effect::kDeny : Effect::kAllow;
  }
  return st;
}

// Whether `s`, whose action is known to match, applies to `resource`.
bool StatementApplies(const CompiledStatement& s, absl::string_view resource,
                      LazyContext& context) {
  const RequestContext& ctx = s.resources.needs_context() ? context.Get() : EmptyContext();
  if (!s.MatchesResource(resource, ctx)) return false;
  if (s.condition == nullptr) return true;
  const ConditionOutcome cond = context.Evaluate(*s.condition);
  return cond == ConditionOutcome::kTrue ||
         (s.effect == StatementEffect::kDeny && cond == ConditionOutcome::kError);
}

// One policy without a trace: only the statements the index says can match,
// and no more Allow statements once the action is allowed (they could not
// change the outcome). Returns true as soon as a Deny applies.
bool EvaluateUntraced(const CompiledPolicy& policy, const ActionKey& action,
                      absl::string_view resource, LazyContext& context, SetOutcome& out) {
  enum class Test { kNone, kWildcards, kAction };
  auto applies = [&](uint32_t i, Test test) {
    const CompiledStatement& s = policy.statements[i];
    const bool is_deny = s.effect == StatementEffect::kDeny;
    if (!is_deny && out.allowed) return false;
    if (test == Test::kWildcards && !s.actions.MatchesWildcard(action.text)) return false;
    if (test == Test::kAction && !s.MatchesAction(action)) return false;
    if (!StatementApplies(s, resource, context)) return false;
    (is_deny ? out.denied : out.allowed) = true;
    return is_deny;
  };
  if (!policy.index.built()) {
    for (size_t i = 0; i < policy.statements.size(); ++i) {
      if (applies(static_cast<uint32_t>(i), Test::kAction)) return true;
    }
    return false;
  }
  for (uint32_t i : policy.index.Literal(action)) {
    if (applies(i, Test::kNone)) return true;
  }
  for (uint32_t i : policy.index.Wildcards()) {
    if (applies(i, Test::kWildcards)) return true;
  }
  for (uint32_t i : policy.index.Others()) {
    if (applies(i, Test::kAction)) return true;
  }
  return false;
}

// One policy with a trace: every statement, in document order, each
// recorded with why it did or did not apply.
void EvaluateTraced(const PolicyBinding& b, const CatalogAction& action, absl::string_view resource,
                    LazyContext& context, absl::string_view policy_type,
                    const EvaluationTrace& trace, SetOutcome& out) {
  for (const CompiledStatement& s : b.policy->statements) {
    const bool is_deny = s.effect == StatementEffect::kDeny;
    const bool action_ok = s.MatchesAction(action.key());
    if (!action_ok) {
      AddStatement(trace, b, &s, policy_type).note = (absl::StrCat(
          s.not_action ? "NotAction lists " : "Action does not match ", action.display));
      continue;
    }
    const RequestContext& ctx = s.resources.needs_context() ? context.Get() : EmptyContext();
    const bool resource_ok = s.MatchesResource(resource, ctx);
    ConditionOutcome cond = ConditionOutcome::kTrue;
    std::vector<ConditionTrace> clauses;
    if (resource_ok && s.condition != nullptr) {
      cond = s.condition->Evaluate(context.Get(), &clauses);
    }
    const bool applies = resource_ok && (cond == ConditionOutcome::kTrue ||
                                         (is_deny && cond == ConditionOutcome::kError));
    if (applies) (is_deny ? out.denied : out.allowed) = true;
    StatementRecord& st = AddStatement(trace, b, &s, policy_type);
    st.matched = applies;
    for (const ConditionTrace& c : clauses) {
      if (c.key_missing && trace.missing_keys) trace.missing_keys->insert(c.key);
    }
    st.conditions = std::move(clauses);
    if (!resource_ok) {
      st.note = absl::StrCat(s.not_resource ? "NotResource lists " : "Resource does not match ",
                             resource);
    } else if (cond == ConditionOutcome::kFalse) {
      st.note = "Condition is false";
    } else if (cond == ConditionOutcome::kError) {
      st.note = is_deny ? "Condition cannot be evaluated: the deny applies (fail closed)"
                        : "Condition cannot be evaluated: this allow does not apply";
    } else {
      st.note = is_deny ? "explicit deny" : "allows";
    }
  }
}

}  // namespace

SetOutcome EvaluatePolicySet(const std::vector<PolicyBinding>& policies,
                             const CatalogAction& action, absl::string_view resource,
                             LazyContext& context, absl::string_view policy_type,
                             const EvaluationTrace& trace) {
  SetOutcome out;
  const ActionKey key = action.key();
  for (const PolicyBinding& b : policies) {
    if (b.policy == nullptr) {
      out.denied = true;  // fail closed on a dangling reference
      if (trace.action == nullptr) return out;
      StatementRecord& st = AddStatement(trace, b, nullptr, policy_type);
      st.effect = Effect::kDeny;
      st.matched = true;
      st.note = "policy missing from the state: treated as a deny (fail closed)";
      continue;
    }
    if (trace.action != nullptr) {
      EvaluateTraced(b, action, resource, context, policy_type, trace, out);
      continue;
    }
    // Allowed already and nothing here can deny: the outcome is settled.
    if (out.allowed && b.policy->index.built() && !b.policy->index.has_deny()) continue;
    if (EvaluateUntraced(*b.policy, key, resource, context, out)) return out;
  }
  return out;
}

}  // namespace pdp
