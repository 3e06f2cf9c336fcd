// Which statements of a policy can apply to an action, so that a decision
// touches only those instead of every statement. The literal names in
// Action lists are found by one hash lookup; a statement whose Action also
// has wildcards is, besides, a candidate whose wildcards alone are tested;
// "*" and NotAction statements are always candidates with their whole
// action tested. Candidates come in no particular statement order, and a
// statement can come twice (by a literal and by a wildcard): use the index
// only where neither matters (not for Explain).
#ifndef PDP_ENGINE_POLICY_STATEMENT_INDEX_H_
#define PDP_ENGINE_POLICY_STATEMENT_INDEX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "engine/policy/action_key.h"

namespace pdp {

struct CompiledStatement;

class StatementIndex {
 public:
  // An index that was never built: `built()` is false and callers must scan
  // every statement.
  StatementIndex() = default;
  static StatementIndex Build(const std::vector<CompiledStatement>& statements);

  bool built() const { return built_; }
  // Statements whose Action names `action` literally (they match it).
  absl::Span<const uint32_t> Literal(const ActionKey& action) const {
    auto it = by_action_.find(action);
    if (it == by_action_.end()) return {};
    return it->second;
  }
  // Statements whose Action wildcards must be tested
  // (ActionMatcher::MatchesWildcard).
  absl::Span<const uint32_t> Wildcards() const { return wildcards_; }
  // Statements that must have their whole action tested (MatchesAction).
  absl::Span<const uint32_t> Others() const { return others_; }
  // False when every statement is an Allow: once an action is allowed, such
  // a policy cannot change the outcome.
  bool has_deny() const { return has_deny_; }

 private:
  bool built_ = false;
  bool has_deny_ = false;
  absl::flat_hash_map<std::string, std::vector<uint32_t>, ActionKeyHash, ActionKeyEq> by_action_;
  std::vector<uint32_t> wildcards_;
  std::vector<uint32_t> others_;
};

}  // namespace pdp

#endif  // PDP_ENGINE_POLICY_STATEMENT_INDEX_H_
