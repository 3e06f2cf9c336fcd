// A compiled policy as it reaches a principal, with where it came from (for
// explanations).
#ifndef PDP_ENGINE_MODEL_POLICY_BINDING_H_
#define PDP_ENGINE_MODEL_POLICY_BINDING_H_

#include <string>

#include "engine/policy/compiled_policy.h"

namespace pdp {

struct PolicyBinding {
  // Null when the policy is missing: it then allows nothing (fail closed).
  CompiledPolicyPtr policy;
  std::string name;  // managed policy ARN, "<entity ARN>#inline/<name>", or SCP id
  std::string via;   // the user, group or role it is attached to; the SCP's target
};

}  // namespace pdp

#endif  // PDP_ENGINE_MODEL_POLICY_BINDING_H_
