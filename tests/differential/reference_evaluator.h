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
// Condition subset: String*, Numeric*, Bool, IpAddress / NotIpAddress (IPv4),
// Null, the IfExists suffix and the ForAnyValue: / ForAllValues: prefixes.
// Variables: any single-valued key of the request context (the principal's
// aws:username and aws:PrincipalTag/* included), defaults and the ${*} ${?}
// ${$} escapes, under Version 2012-10-17 only.
#ifndef PDP_TESTS_DIFFERENTIAL_REFERENCE_EVALUATOR_H_
#define PDP_TESTS_DIFFERENTIAL_REFERENCE_EVALUATOR_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"

namespace pdp::difftest {

using Json = nlohmann::ordered_json;

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
  std::vector<std::pair<std::string, std::vector<std::string>>> context;
};

struct RefDecision {
  bool allow = false;
  std::string reason;                 // a pdp.v1.Reason name, e.g. "IMPLICIT_DENY"
  std::vector<std::string> features;  // available features of an allowed page
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
