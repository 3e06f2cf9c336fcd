// A policy document compiled for evaluation: action patterns lower-cased and
// split into literals (hash lookup) and wildcards, resource patterns kept
// per statement. Built once when a policy is written, shared immutably by
// every snapshot that uses it; thread-safe to read.
#ifndef PDP_ENGINE_POLICY_COMPILED_POLICY_H_
#define PDP_ENGINE_POLICY_COMPILED_POLICY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "engine/policy/action_key.h"
#include "engine/policy/condition.h"
#include "engine/policy/policy_variables.h"
#include "engine/policy/request_context.h"
#include "engine/policy/statement_index.h"

namespace pdp {

// Matches lower-cased "service:action" strings against a statement's
// Action or NotAction list.
class ActionMatcher {
 public:
  void Add(absl::string_view pattern);  // any case
  // `action` must already be lower-case.
  bool Matches(absl::string_view action_lower) const {
    return Matches(ActionKey::Of(action_lower));
  }
  bool Matches(const ActionKey& action) const;
  // Whether one of the wildcard patterns (not "*", not the literals)
  // matches.
  bool MatchesWildcard(absl::string_view action_lower) const;
  bool empty() const { return literals_.empty() && wildcards_.empty() && !all_; }

  bool all() const { return all_; }
  const absl::flat_hash_set<std::string, ActionKeyHash, ActionKeyEq>& literals() const {
    return literals_;
  }
  const std::vector<std::string>& wildcards() const { return wildcards_; }

 private:
  bool all_ = false;  // "*"
  absl::flat_hash_set<std::string, ActionKeyHash, ActionKeyEq> literals_;
  std::vector<std::string> wildcards_;
};

// Resource patterns of a statement. Matching follows IAM: "*" matches
// everything; otherwise pattern and resource are split into the six ARN
// parts and each is matched with wildcards, case-sensitively. Patterns may
// hold policy variables (Version 2012-10-17), resolved from the request
// context; a pattern whose variable has no value matches nothing.
class ResourceMatcher {
 public:
  void Add(absl::string_view pattern);
  // `prefix` (up to and including the fifth colon) is plain pattern text:
  // IAM substitutes variables only in the resource part of an ARN.
  void Add(std::string prefix, VariableTemplate resource_part);
  bool Matches(absl::string_view resource, const RequestContext& context) const;
  // True when a pattern has variables, so matching reads the context.
  bool needs_context() const { return !templates_.empty(); }

 private:
  bool all_ = false;
  std::vector<ResolvedPattern> patterns_;  // without variables
  std::vector<std::pair<std::string, VariableTemplate>> templates_;
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
  // Null when the statement has no (or an empty) Condition element.
  std::shared_ptr<const CompiledCondition> condition;

  bool MatchesAction(absl::string_view action_lower) const {
    return actions.Matches(action_lower) != not_action;
  }
  bool MatchesAction(const ActionKey& action) const {
    return actions.Matches(action) != not_action;
  }
  bool MatchesResource(absl::string_view resource, const RequestContext& context) const {
    return resources.Matches(resource, context) != not_resource;
  }
};

// A validation finding that is not an error (like IAM Access Analyzer's
// warnings): the policy is accepted as written.
struct PolicyWarning {
  std::string path;  // JSON path, e.g. "Statement[0].Action[2]"
  std::string code;  // e.g. "UNKNOWN_SERVICE", "ALLOW_WITH_NOT_RESOURCE"
  std::string message;
};

struct CompiledPolicy {
  std::string version;  // "2012-10-17" or "2008-10-17"
  std::vector<CompiledStatement> statements;
  std::vector<PolicyWarning> warnings;
  // Built by CompilePolicy once the statements are final.
  StatementIndex index;
};

using CompiledPolicyPtr = std::shared_ptr<const CompiledPolicy>;

}  // namespace pdp

#endif  // PDP_ENGINE_POLICY_COMPILED_POLICY_H_
