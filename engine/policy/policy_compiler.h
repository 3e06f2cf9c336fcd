// Validates an IAM policy document and compiles it for evaluation.
#ifndef PDP_ENGINE_POLICY_POLICY_COMPILER_H_
#define PDP_ENGINE_POLICY_POLICY_COMPILER_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/policy/compiled_policy.h"
#include "engine/policy/known_actions.h"

namespace pdp {

struct CompileOptions {
  // Characters allowed, white space not counted (IAM: 6,144 for a managed
  // policy). 0 means no limit beyond the absolute document size.
  size_t max_non_whitespace_chars = 0;
  // When set, Action/NotAction entries that name no known service or match
  // no action of their service come back as warnings (never errors).
  const KnownActions* known_actions = nullptr;
};

// The absolute ceiling on a document's size, as IAM's API (131,072).
inline constexpr size_t kMaxPolicyDocumentBytes = 131072;

// Parses and validates an identity-based policy as IAM does: Version,
// Statement (object or array), Effect, exactly one of Action/NotAction and of
// Resource/NotResource, Sid characters, no Principal, no unknown elements,
// actions "service:name" or "*", resources "*" or ARNs. Errors are
// INVALID_ARGUMENT with the JSON path of the problem as the BadRequest field
// (e.g. "Statement[1].Action[0]").
absl::StatusOr<CompiledPolicyPtr> CompilePolicy(absl::string_view document,
                                                const CompileOptions& options = {});

// A policy that denies every action on every resource. Stands in, so that
// decisions fail closed, for a policy that must apply but cannot: a stored
// document today's compiler refuses, or an attached policy that is gone.
// Shared; never null.
CompiledPolicyPtr DenyEverythingPolicy();

// Number of characters in `document` that are not white space.
size_t NonWhitespaceLength(absl::string_view document);

}  // namespace pdp

#endif  // PDP_ENGINE_POLICY_POLICY_COMPILER_H_
