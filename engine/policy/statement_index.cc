#include "engine/policy/statement_index.h"

#include "engine/policy/compiled_policy.h"

namespace pdp {

StatementIndex StatementIndex::Build(const std::vector<CompiledStatement>& statements) {
  StatementIndex index;
  index.built_ = true;
  for (size_t i = 0; i < statements.size(); ++i) {
    const CompiledStatement& s = statements[i];
    const uint32_t n = static_cast<uint32_t>(i);
    index.has_deny_ = index.has_deny_ || s.effect == StatementEffect::kDeny;
    const ActionMatcher& m = s.actions;
    // A NotAction statement matches every action but its list; "*" matches
    // every action.
    if (s.not_action || m.all()) {
      index.others_.push_back(n);
      continue;
    }
    for (const std::string& literal : m.literals()) index.by_action_[literal].push_back(n);
    // Wildcards can match names no literal lookup would find.
    if (!m.wildcards().empty()) index.wildcards_.push_back(n);
  }
  return index;
}

}  // namespace pdp
