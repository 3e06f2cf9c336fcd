// A policy document compiled for evaluation: action patterns lower-cased and
// split into literals (hash lookup) and wildcards, resource patterns kept
// per statement. Built once when a policy is written, shared immutably by
// every snapshot that uses it; thread-safe to read.
#ifndef PDP_COMMON_POLICY_COMPILED_POLICY_H_
#define PDP_COMMON_POLICY_COMPILED_POLICY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace pdp {

// Matches lower-cased "service:action" strings against a statement's
// Action or NotAction list.
class ActionMatcher {
 public:
  void Add(absl::string_view pattern);  // any case
  // `action` must already be lower-case.
  bool Matches(absl::string_view action_lower) const;
  bool empty() const { return literals_.empty() && wildcards_.empty() && !all_; }

 private:
  bool all_ = false;  // "*"
  absl::flat_hash_set<std::string> literals_;
  std::vector<std::string> wildcards_;
};

// Resource patterns of a statement. Matching follows IAM: "*" matches
// everything; otherwise pattern and resource are split into the six ARN
// parts and each is matched with wildcards, case-sensitively.
class ResourceMatcher {
 public:
  void Add(absl::string_view pattern);
  bool Matches(absl::string_view resource) const;

 private:
  bool all_ = false;
  std::vector<std::string> patterns_;
};

enum class StatementEffect { kAllow, kDeny };

struct CompiledStatement {
  int index = 0;    // position in the document's Statement list
  std::string sid;  // may be empty
  StatementEffect effect = StatementEffect::kAllow;
  bool not_action = false;
  bool not_resource = false;
  ActionMatcher actions;
  ResourceMatcher resources;
  // Conditions are not evaluated yet (policy-language issue). Fail closed: a
  // conditional Allow never allows; a conditional Deny always applies.
  bool has_condition = false;

  bool MatchesAction(absl::string_view action_lower) const {
    return actions.Matches(action_lower) != not_action;
  }
  bool MatchesResource(absl::string_view resource) const {
    return resources.Matches(resource) != not_resource;
  }
};

struct CompiledPolicy {
  std::string version;  // "2012-10-17" or "2008-10-17"
  std::vector<CompiledStatement> statements;
};

using CompiledPolicyPtr = std::shared_ptr<const CompiledPolicy>;

}  // namespace pdp

#endif  // PDP_COMMON_POLICY_COMPILED_POLICY_H_
