// A deliberately simple evaluator of billing-pdp decisions, written straight
// from the rules (docs/access-model.md, "Gates"; aws-billing-facts.md
// sections 5.3-5.5) for the differential test. It walks the world and the
// policy documents as plain JSON on every call and shares no code with the
// engine: its own wildcard matching, condition operators, policy variables.
//
// Scope: one world of accounts, users, groups, roles, customer managed and
// AWS managed policies, permissions boundaries. Gates: resolve -> root-only
// actions -> root user -> IAM access gate -> identity policies (explicit
// deny > boundary > allow). No SCPs, sessions policies or Cost Explorer gate.
//
// Condition subset: String*, Numeric*, Date* (ISO 8601 date-times and epoch
// seconds), Bool, IpAddress / NotIpAddress (IPv4 and IPv6), Arn*, Null, the
// IfExists suffix and the ForAnyValue: / ForAllValues: prefixes.
// Variables: any single-valued key of the request context (the principal's
// aws:username and aws:PrincipalTag/* included), defaults and the ${*} ${?}
// ${$} escapes, under Version 2012-10-17 only.
//
// Fail closed: a request value an operator cannot read (not a number for
// Numeric*, not a date for Date*, not an IP address for IpAddress, not
// "true"/"false" in any ASCII case for Bool, not an ARN -- at least six
// colon-separated parts, the first "arn" -- for Arn*) makes the clause
// undecidable, negated operators included; an undecidable clause makes the
// whole condition undecidable, which lets a Deny apply and never an Allow.
//
// The request context is checked first (RefDecision::error names the field):
// at most 64 keys, keys 1 to 256 bytes, no two keys equal but for ASCII case,
// no principal-derived key, at most 64 values per key, values at most 2,048
// bytes, keys and values together at most 32 KiB, and a well-known typed key
// (RefWellKnownKeyType) with at most one value, well formed for its type.
#ifndef PDP_TESTS_DIFFERENTIAL_REFERENCE_EVALUATOR_H_
#define PDP_TESTS_DIFFERENTIAL_REFERENCE_EVALUATOR_H_

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"

namespace pdp::difftest {

using Json = nlohmann::ordered_json;

// What a request value must be for an operator family or a typed key.
enum class RefType {
  kString,
  kNumber,  // decimal: digits, '.', '+', '-' (no exponent, no nan/inf)
  kDate,    // YYYY-MM-DDTHH:MM[:SS[.fff]](Z|+HH:MM|-HH:MM), or epoch seconds
  kEpoch,   // epoch seconds: digits only
  kBool,    // "true" or "false", any ASCII case
  kIp,      // an IPv4 (dotted quad) or IPv6 (hex groups, "::") address
  kArn,     // at least six colon-separated parts, the first "arn"
};

bool RefWellFormed(RefType type, const std::string& value);

// The type AWS gives a well-known global key (any case): aws:SourceIp and
// aws:VpcSourceIp (IP),
// aws:CurrentTime and aws:TokenIssueTime (date), aws:EpochTime (epoch
// seconds), aws:MultiFactorAuthAge (number), aws:MultiFactorAuthPresent,
// aws:SecureTransport, aws:ViaAWSService, aws:PrincipalIsAWSService (bool),
// aws:SourceArn (ARN). nullopt for every other key.
std::optional<RefType> RefWellKnownKeyType(const std::string& key);

// Lower-cased keys the caller may not set (billing-pdp derives them from the
// principal): aws:username, aws:userid, aws:PrincipalArn,
// aws:PrincipalAccount, aws:PrincipalType, aws:PrincipalTag/*,
// aws:PrincipalOrgID, aws:PrincipalOrgPaths.
bool RefIsPrincipalDerivedKey(const std::string& key);

using RefContext = std::vector<std::pair<std::string, std::vector<std::string>>>;

// "" when the caller's context is acceptable, else the field path of (one
// of) its problems: "context.keys", "context", "context.keys[KEY]",
// "context.keys[KEY].values[I]".
std::string RefValidateContext(const RefContext& context);

struct RefRequest {
  std::string principal;
  std::string account_id;  // empty: the principal's own
  // A page request when page_id is set, else a raw action request.
  std::string page_id;
  bool modify = false;
  std::string action;
  std::string resource;  // empty: "*"
  // Caller context keys (as written) and their values; a key with an empty
  // list is present with no values.
  RefContext context;
};

struct RefDecision {
  bool allow = false;
  std::string reason;                 // a pdp.v1.Reason name, e.g. "IMPLICIT_DENY"
  std::vector<std::string> features;  // available features of an allowed page
  // Non-empty: the request is refused (INVALID_ARGUMENT) and this names the
  // field; the members above are then meaningless.
  std::string error;
};

class ReferenceEvaluator {
 public:
  // `catalog`: data/page-catalog.json; `aws_policies`: data/aws-managed-policies.json.
  ReferenceEvaluator(const Json& catalog, const Json& aws_policies);

  // `world` in the world-file structure of docs/data-formats.md (policy
  // documents as objects or JSON strings).
  RefDecision Decide(const Json& world, const RefRequest& request) const;

 private:
  Json catalog_;
  std::map<std::string, Json> aws_policies_;  // ARN -> document
};

}  // namespace pdp::difftest

#endif  // PDP_TESTS_DIFFERENTIAL_REFERENCE_EVALUATOR_H_
