// Evaluates one action against a set of policies (a principal's identity
// policies, its permissions boundary, or its session policies) as IAM does:
// a statement applies when its Action/NotAction, Resource/NotResource and
// Condition all match. A Condition that cannot be evaluated (kError) never
// lets an Allow apply and always lets a Deny apply (fail closed).
#ifndef PDP_ENGINE_DECIDE_POLICY_EVALUATION_H_
#define PDP_ENGINE_DECIDE_POLICY_EVALUATION_H_

#include <set>
#include <string>
#include <vector>

#include "engine/decide/decision_trace.h"
#include "engine/decide/principal_context.h"
#include "engine/model/page_catalog.h"
#include "engine/model/snapshot.h"
#include "engine/policy/request_context.h"

namespace pdp {

struct SetOutcome {
  bool allowed = false;  // some Allow statement applies
  bool denied = false;   // some Deny statement applies
};

// What Explain wants from an evaluation.
struct EvaluationTrace {
  ActionRecord* action = nullptr;  // receives one entry per statement
  std::set<std::string>* missing_keys = nullptr;
};

// Evaluates `action` on `resource` against `policies`. `policy_type` labels
// the statements in the trace ("identity", "permissions_boundary",
// "session"). Without a trace it returns as soon as a Deny applies.
SetOutcome EvaluatePolicySet(const std::vector<PolicyBinding>& policies,
                             const CatalogAction& action, absl::string_view resource,
                             LazyContext& context, absl::string_view policy_type,
                             const EvaluationTrace& trace);

}  // namespace pdp

#endif  // PDP_ENGINE_DECIDE_POLICY_EVALUATION_H_
