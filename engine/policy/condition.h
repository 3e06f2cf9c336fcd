// IAM Condition blocks: compiled once with their policy (values pre-parsed:
// numbers, dates, CIDRs, base64, variable templates), evaluated per request.
//
// Semantics (IAM User Guide, "Condition element" and "multivalued context
// keys"): different operators and different keys are AND-ed; several values
// for one key are OR-ed (for negated operators: the key must match none).
// Key names are case-insensitive; operator names are case-sensitive (IAM
// rejects "stringEquals"). A key present with no values is treated exactly
// like a missing key ("absent"). Absent keys: a positive operator is false,
// a negated one (StringNotEquals, ..., NotIpAddress, ArnNotLike) is true;
// "...IfExists" makes the operator true; Null "true" matches an absent key,
// "false" a present one. ForAnyValue: true if some request value matches
// (false when the key is absent, even with IfExists, as AWS does);
// ForAllValues: true if every request value matches (true when absent).
// With a negated base operator a request value "matches" when it matches
// none of the policy values. An operator without a set prefix applied to a
// key with several request values is kError (AWS requires a set operator
// there and documents no result).
//
// Policy variables (Version 2012-10-17) are resolved in String*, Arn* and
// Bool values; elsewhere "${...}" is literal text (and so fails to parse).
// An unresolved variable makes that policy value match nothing.
//
// Evaluation is three-valued: kError means the condition cannot be decided
// (a request value not of its operator's type, see below, or the
// multivalued case above). Errors dominate: a clause
// with an unusable request value is kError, and the condition is kError if
// any clause is, else kFalse if any clause is, else kTrue. The engine never
// lets kError allow; a Deny with kError applies (fail closed). Every typed
// family is kError for a request value not of its type: Numeric (a
// decimal), Date, IpAddress, Binary (base64), Bool (true/false, any case)
// and Arn* ("arn" and five more colon-separated parts).
#ifndef PDP_ENGINE_POLICY_CONDITION_H_
#define PDP_ENGINE_POLICY_CONDITION_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/policy/policy_json.h"
#include "engine/policy/request_context.h"

namespace pdp {

enum class ConditionOutcome { kFalse, kTrue, kError };

// Why one operator/key pair came out as it did (for Explain).
struct ConditionTrace {
  std::string op;   // as written, e.g. "ForAnyValue:StringLikeIfExists"
  std::string key;  // as written
  ConditionOutcome outcome = ConditionOutcome::kFalse;
  bool key_missing = false;
  std::string note;  // e.g. "aws:SourceIp 10.1.2.3 is in none of 192.0.2.0/24"
};

class CompiledCondition {
 public:
  // Compiles a Condition element (the JSON object under "Condition").
  // `path` is its JSON path (e.g. "Statement[0].Condition") for errors, which
  // are INVALID_ARGUMENT naming the operator, key or value
  // ("Statement[0].Condition.IpAddress.aws:SourceIp[1]"): unknown operator,
  // a set prefix or IfExists on Null, values that do not parse for their
  // operator (bad CIDR, bad date, non-number, bad base64, Bool/Null not
  // true/false), empty value lists, malformed variables.
  static absl::StatusOr<std::shared_ptr<const CompiledCondition>> Compile(const Json& condition,
                                                                          absl::string_view path,
                                                                          bool variables_enabled);

  // AND over every operator and key. When `trace` is given it receives one
  // entry per operator/key pair, in document order (evaluation then does not
  // stop at the first false).
  ConditionOutcome Evaluate(const RequestContext& context,
                            std::vector<ConditionTrace>* trace = nullptr) const;

  // Keys the condition reads (lower-cased), for Explain's "missing keys".
  const std::vector<std::string>& keys() const { return keys_; }

  struct Clause;  // one operator + key + values (defined in condition.cc)

 private:
  std::vector<std::shared_ptr<const Clause>> clauses_;
  std::vector<std::string> keys_;
};

}  // namespace pdp

#endif  // PDP_ENGINE_POLICY_CONDITION_H_
