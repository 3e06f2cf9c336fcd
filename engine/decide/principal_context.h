// The request context policies are evaluated with: the caller's keys
// (aws:SourceIp, aws:CurrentTime, aws:MultiFactorAuthPresent, service keys,
// ...) plus the keys billing-pdp derives from the principal, which a caller
// may not set: aws:username, aws:userid, aws:PrincipalArn,
// aws:PrincipalAccount, aws:PrincipalType, aws:PrincipalTag/*, and the
// aws:PrincipalOrg* keys (organizations).
#ifndef PDP_ENGINE_DECIDE_PRINCIPAL_CONTEXT_H_
#define PDP_ENGINE_DECIDE_PRINCIPAL_CONTEXT_H_

#include <optional>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "base/arn.h"
#include "engine/decide/caller_context.h"
#include "engine/model/snapshot.h"
#include "engine/policy/condition.h"
#include "engine/policy/request_context.h"

namespace pdp {

// What a caller may send in one request context. They bound the work one
// decision can cost (every condition reads at most this much) and are
// generous next to what AWS itself sets: tag keys of 128 characters (so
// "aws:RequestTag/<key>" fits in 256), tag values of 256, ARNs of 2,048, 50
// tags a request.
inline constexpr int kMaxContextKeys = 64;
inline constexpr size_t kMaxContextKeyBytes = 256;
inline constexpr int kMaxContextValues = 64;  // per key
inline constexpr size_t kMaxContextValueBytes = 2048;
inline constexpr size_t kMaxContextBytes = 32 * 1024;  // every key and value

bool IsPrincipalDerivedKey(absl::string_view key);

// INVALID_ARGUMENT, naming the field, for:
//  - more keys, values or bytes than the limits above (`context.keys`,
//    `context.keys[KEY]`, `context.keys[KEY].values[i]`);
//  - an empty key, or a principal-derived key (`context.keys[KEY]`);
//  - two keys that differ only in case (`context.keys[KEY]`, naming both):
//    condition keys are case-insensitive, so which one a policy would see
//    is undefined;
//  - a well-known key AWS sets (aws:SourceIp, aws:SecureTransport, ...;
//    engine/policy/well_known_keys.h) with more than one value or a value
//    not of its type (`context.keys[KEY].values[i]`).
// Allocates only to report an error.
absl::Status ValidateCallerContext(const CallerContext& context);

// Who the principal is, as far as context keys go.
struct PrincipalFacts {
  const IamArn* arn = nullptr;             // as requested
  const EntityRecord* entity = nullptr;    // the user or role; null for root
  const SessionRecord* session = nullptr;  // a registered role session, if any
  // The organization of the principal's account; null when standalone.
  const OrganizationState* organization = nullptr;
  const AccountPlacement* placement = nullptr;
};

// `now`, when set, is the default of aws:CurrentTime and aws:EpochTime.
RequestContext BuildRequestContext(const CallerContext& caller, const PrincipalFacts& principal,
                                   std::optional<absl::Time> now = std::nullopt);

// The request context, built only when a statement needs it (a Condition or
// a Resource with variables): most decisions never do. Holds pointers only;
// the caller keeps what they point to alive.
class LazyContext {
 public:
  LazyContext(const CallerContext* caller, PrincipalFacts principal, std::optional<absl::Time> now)
      : caller_(caller), principal_(principal), now_(now) {}
  const RequestContext& Get() {
    if (!built_) {
      context_ = BuildRequestContext(*caller_, principal_, now_);
      built_ = true;
    }
    return context_;
  }

  // `condition`'s outcome in this context. Evaluated once per request
  // however often it is asked: a page's required actions and features reach
  // the same statements again and again, and a condition over a large
  // context value must not cost its full price each time.
  ConditionOutcome Evaluate(const CompiledCondition& condition) {
    for (const auto& [c, outcome] : outcomes_) {
      if (c == &condition) return outcome;
    }
    const ConditionOutcome outcome = condition.Evaluate(Get(), nullptr);
    outcomes_.emplace_back(&condition, outcome);
    return outcome;
  }

 private:
  const CallerContext* caller_;
  PrincipalFacts principal_;
  std::optional<absl::Time> now_;
  bool built_ = false;
  RequestContext context_;
  absl::InlinedVector<std::pair<const CompiledCondition*, ConditionOutcome>, 4> outcomes_;
};

}  // namespace pdp

#endif  // PDP_ENGINE_DECIDE_PRINCIPAL_CONTEXT_H_
