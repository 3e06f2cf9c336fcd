// What Explain shows: every gate a decision passed through and every
// statement it considered, in the engine's own plain types. The engine
// fills one only when asked (a non-null DecisionTrace*); the untraced path
// never touches it. The server maps it to pdp.v1.Explanation
// (server/wire/wire_decide.h).
#ifndef PDP_ENGINE_DECIDE_DECISION_TRACE_H_
#define PDP_ENGINE_DECIDE_DECISION_TRACE_H_

#include <string>
#include <utility>
#include <vector>

#include "engine/decide/decision_types.h"
#include "engine/policy/condition.h"

namespace pdp {

struct GateRecord {
  std::string gate;  // resolve, root_only, scp, cost_explorer, root_user, iam_access,
                     // identity_policies
  GateOutcome outcome = GateOutcome::kSkipped;
  std::string detail;
};

// One statement considered for one action (or a policy that is missing
// from the state: no sid, index 0, a matching deny).
struct StatementRecord {
  std::string policy;       // managed policy ARN, or "<entity ARN>#inline/<name>"
  std::string via;          // entity the policy reached the principal through
  std::string policy_type;  // identity, permissions_boundary, session, scp
  std::string sid;
  int index = 0;  // position in the Statement array
  Effect effect = Effect::kUnspecified;
  bool matched = false;
  std::string note;  // why it did not match, or what it did
  std::vector<ConditionTrace> conditions;
};

struct ActionRecord {
  std::string action;  // as the catalogue or the request spells it
  std::string resource;
  Effect effect = Effect::kUnspecified;  // kAllow when every policy type allows
  std::vector<StatementRecord> statements;
};

struct DecisionTrace {
  std::vector<GateRecord> gates;
  std::vector<ActionRecord> actions;
  std::vector<std::string> required_actions;
  // Condition keys the identity policies read that the request did not
  // carry, sorted.
  std::vector<std::string> missing_context_keys;
  // The context the policies were evaluated with (principal keys included),
  // by lower-case key; empty when the principal did not resolve.
  std::vector<std::pair<std::string, std::vector<std::string>>> context;

  void AddGate(absl::string_view gate, GateOutcome outcome, absl::string_view detail) {
    gates.push_back({std::string(gate), outcome, std::string(detail)});
  }
};

}  // namespace pdp

#endif  // PDP_ENGINE_DECIDE_DECISION_TRACE_H_
