// What a principal's policies do to each action the page catalogue
// numbers, worked out once when its account's views are rebuilt, so a page
// decision is a few set operations instead of a walk over statements. Only
// what does not depend on the request is summarised: an action a
// statement with a Condition, or with a Resource holding policy variables,
// may reach is "unsure", and a decision needing it evaluates statements as
// before (decide.cc). Page targets only (their resource is "*").
#ifndef PDP_COMMON_ENGINE_PRINCIPAL_DIGEST_H_
#define PDP_COMMON_ENGINE_PRINCIPAL_DIGEST_H_

#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/engine/action_set.h"
#include "common/engine/page_catalog.h"
#include "common/engine/policy_binding.h"
#include "common/policy/compiled_policy.h"

namespace pdp {

// One policy (null: missing from the state, so it denies everything, as
// evaluation fails closed on it).
struct PolicyDigest {
  ActionSet allow;       // an unconditional Allow statement applies
  ActionSet deny;        // an unconditional Deny statement applies
  ActionSet cond_allow;  // an Allow statement applies or not depending on the request
  ActionSet cond_deny;   // the same for Deny
};
PolicyDigest DigestPolicy(const CompiledPolicy* policy, const PageCatalog& catalog);

// A set of policies evaluated together (identity, or the boundary).
struct PolicySetDigest {
  ActionSet allow;   // some policy allows, whatever the request
  ActionSet deny;    // some policy denies, whatever the request
  ActionSet unsure;  // neither settled: depends on the request
};

// Merges per-policy digests into a set's.
class PolicySetDigester {
 public:
  void Add(const PolicyDigest& p);
  PolicySetDigest Finish() const;

 private:
  PolicyDigest sum_;
};

// Digests by policy: the AWS managed policies' are made once per set of
// them (Snapshot::aws_digests), not once per account that attaches them.
using PolicyDigestMap = absl::flat_hash_map<const CompiledPolicy*, PolicyDigest>;

struct PrincipalDigest {
  PolicySetDigest identity;
  PolicySetDigest boundary;  // empty sets when there is no boundary
  bool has_boundary = false;
};

}  // namespace pdp

#endif  // PDP_COMMON_ENGINE_PRINCIPAL_DIGEST_H_
