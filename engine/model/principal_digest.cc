#include "engine/model/principal_digest.h"

#include "engine/policy/request_context.h"

namespace pdp {
namespace {

const RequestContext& EmptyContext() {
  static const RequestContext* empty = new RequestContext();
  return *empty;
}

// `s`, whose action is known to match, on resource "*": settled either
// way, or depending on the request (as StatementApplies in
// policy_evaluation.cc decides it).
void Record(const CompiledStatement& s, size_t id, PolicyDigest& out) {
  const bool is_deny = s.effect == StatementEffect::kDeny;
  if (s.condition != nullptr || s.resources.needs_context()) {
    (is_deny ? out.cond_deny : out.cond_allow).Add(id);
  } else if (s.MatchesResource("*", EmptyContext())) {
    (is_deny ? out.deny : out.allow).Add(id);
  }
}

}  // namespace

PolicyDigest DigestPolicy(const CompiledPolicy* policy, const PageCatalog& catalog) {
  PolicyDigest out;
  if (policy == nullptr) {
    out.deny = ActionSet::All();
    return out;
  }
  const std::vector<CatalogAction>& actions = catalog.numbered_actions();
  for (size_t id = 0; id < actions.size(); ++id) {
    const ActionKey key = actions[id].key();
    if (!policy->index.built()) {
      for (const CompiledStatement& s : policy->statements) {
        if (s.MatchesAction(key)) Record(s, id, out);
      }
      continue;
    }
    // The index's candidates, tested as evaluation tests them.
    for (uint32_t i : policy->index.Literal(key)) Record(policy->statements[i], id, out);
    for (uint32_t i : policy->index.Wildcards()) {
      const CompiledStatement& s = policy->statements[i];
      if (s.actions.MatchesWildcard(key.text)) Record(s, id, out);
    }
    for (uint32_t i : policy->index.Others()) {
      const CompiledStatement& s = policy->statements[i];
      if (s.MatchesAction(key)) Record(s, id, out);
    }
  }
  return out;
}

void PolicySetDigester::Add(const PolicyDigest& p) {
  sum_.allow |= p.allow;
  sum_.deny |= p.deny;
  sum_.cond_allow |= p.cond_allow;
  sum_.cond_deny |= p.cond_deny;
}

PolicySetDigest PolicySetDigester::Finish() const {
  PolicySetDigest out;
  out.allow = sum_.allow;
  out.deny = sum_.deny;
  // A settled deny decides whatever else applies; a settled allow is not
  // undone by an allow that may not apply; a deny that may apply leaves
  // the action open.
  out.unsure = (sum_.cond_deny | (sum_.cond_allow - sum_.allow)) - sum_.deny;
  return out;
}

void ScpChainDigester::AddLevel(const PolicySetDigest& level) {
  sum_.allow = any_level_ ? (sum_.allow & level.allow) : level.allow;
  sum_.deny |= level.deny;
  sum_.unsure |= level.unsure;
  any_level_ = true;
}

ScpChainDigest ScpChainDigester::Finish() const {
  ScpChainDigest out = sum_;
  out.usable = true;
  // No level: nothing allows (evaluation finds no allow either).
  if (!any_level_) out.allow = ActionSet();
  return out;
}

}  // namespace pdp
