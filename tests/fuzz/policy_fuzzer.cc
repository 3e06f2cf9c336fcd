// libFuzzer target: arbitrary bytes as an identity-based policy document.
//
// Every input goes through pdp::CompilePolicy (with and without the managed
// policy size limit). When it compiles, each statement is matched against a
// fixed set of actions and resources and its condition is evaluated against
// an empty request context and a populated one, with and without a trace:
// the paths the engine runs per request. Nothing may crash, leak, overflow or
// hit undefined behaviour (built with -fsanitize=fuzzer,address,undefined by
// scripts/fuzz).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/policy/compiled_policy.h"
#include "engine/policy/condition.h"
#include "engine/policy/policy_compiler.h"
#include "engine/policy/request_context.h"

namespace {

const pdp::RequestContext& EmptyContext() {
  static const pdp::RequestContext* context = new pdp::RequestContext();
  return *context;
}

// A request context with a value of every type the condition operators read.
const pdp::RequestContext& FullContext() {
  static const pdp::RequestContext* context = [] {
    auto* c = new pdp::RequestContext();
    c->Set("aws:username", std::string("alice"));
    c->Set("aws:userid", std::string("AIDAEXAMPLE"));
    c->Set("aws:PrincipalArn", std::string("arn:aws:iam::111122223333:user/alice"));
    c->Set("aws:PrincipalTag/team", std::string("finance"));
    c->Set("aws:SourceIp", std::string("192.0.2.10"));
    c->Set("aws:MultiFactorAuthPresent", std::string("true"));
    c->Set("aws:MultiFactorAuthAge", std::string("300"));
    c->Set("aws:CurrentTime", std::string("2026-01-02T03:04:05Z"));
    c->Set("aws:EpochTime", std::string("1767323045"));
    c->Set("aws:RequestedRegion", std::string("us-east-1"));
    c->Set("aws:TagKeys", std::vector<std::string>{"team", "env"});
    c->Set("aws:CalledVia", std::vector<std::string>{});
    c->Set("s3:x-amz-server-side-encryption", std::string("AES256"));
    c->Set("ec2:SourceInstanceARN", std::string("arn:aws:ec2:us-east-1:111122223333:instance/i-1"));
    c->Set("custom:binary", std::string("aGVsbG8="));
    c->Set("custom:ipv6", std::string("2001:db8::1"));
    return c;
  }();
  return *context;
}

constexpr absl::string_view kActions[] = {
    "billing:getbillingdata", "aws-portal:viewbilling", "ce:getcostandusage",
    "budgets:viewbudget",     "iam:listusers",          "*",
};

constexpr absl::string_view kResources[] = {
    "*",
    "arn:aws:budgets::111122223333:budget/alice",
    "arn:aws:cur:us-east-1:111122223333:definition/report1",
    "arn:aws:s3:::bucket/key:with:colons",
    "arn:aws:iam::111122223333:user/alice",
};

void Exercise(const pdp::CompiledPolicy& policy) {
  for (const pdp::CompiledStatement& s : policy.statements) {
    for (absl::string_view action : kActions) (void)s.MatchesAction(action);
    for (const pdp::RequestContext* ctx : {&EmptyContext(), &FullContext()}) {
      for (absl::string_view resource : kResources) (void)s.MatchesResource(resource, *ctx);
      if (s.condition != nullptr) {
        (void)s.condition->Evaluate(*ctx);
        std::vector<pdp::ConditionTrace> trace;
        (void)s.condition->Evaluate(*ctx, &trace);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view document(reinterpret_cast<const char*>(data), size);
  auto compiled = pdp::CompilePolicy(document);
  if (compiled.ok()) Exercise(**compiled);
  pdp::CompileOptions managed;
  managed.max_non_whitespace_chars = 6144;
  auto limited = pdp::CompilePolicy(document, managed);
  // The limit may only refuse more, never accept what the plain compile refused.
  if (limited.ok() && !compiled.ok()) __builtin_trap();
  return 0;
}
