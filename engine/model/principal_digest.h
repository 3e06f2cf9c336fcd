// What a principal's policies do to each action the page catalogue
// numbers, worked out once when its account's views are rebuilt, so a page
// decision is a few set operations instead of a walk over statements. Only
// what does not depend on the request is summarised: an action a
// statement with a Condition, or with a Resource holding policy variables,
// may reach is "unsure", and a decision needing it evaluates statements as
// before (decide.cc). Page targets only (their resource is "*").
#ifndef PDP_ENGINE_MODEL_PRINCIPAL_DIGEST_H_
#define PDP_ENGINE_MODEL_PRINCIPAL_DIGEST_H_

#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/model/action_set.h"
#include "engine/model/page_catalog.h"
#include "engine/model/policy_binding.h"
#include "engine/policy/compiled_policy.h"

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

// An account's SCP chain (gate 3): each level (the root, each OU, the
// account) is a policy set, and every level must allow an action that no
// level denies.
struct ScpChainDigest {
  bool usable = false;  // false: the catalogue numbers no actions; evaluate statements
  ActionSet allow;      // every level allows, whatever the request
  ActionSet deny;       // some level denies, whatever the request
  ActionSet unsure;     // some level's answer depends on the request
};

// Merges the levels' set digests, root first (the order does not matter).
class ScpChainDigester {
 public:
  void AddLevel(const PolicySetDigest& level);
  ScpChainDigest Finish() const;

 private:
  bool any_level_ = false;
  ScpChainDigest sum_;
};

}  // namespace pdp

#endif  // PDP_ENGINE_MODEL_PRINCIPAL_DIGEST_H_
