// The request context policies are evaluated with: the caller's keys
// (aws:SourceIp, aws:CurrentTime, aws:MultiFactorAuthPresent, service keys,
// ...) plus the keys billing-pdp derives from the principal, which a caller
// may not set: aws:username, aws:userid, aws:PrincipalArn,
// aws:PrincipalAccount, aws:PrincipalType, aws:PrincipalTag/*, and the
// aws:PrincipalOrg* keys (organizations).
#ifndef PDP_COMMON_ENGINE_PRINCIPAL_CONTEXT_H_
#define PDP_COMMON_ENGINE_PRINCIPAL_CONTEXT_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/base/arn.h"
#include "common/engine/snapshot.h"
#include "common/policy/request_context.h"
#include "pdp/v1/decision.pb.h"

namespace pdp {

// Most keys and values a caller may send in one request context.
inline constexpr int kMaxContextKeys = 128;
inline constexpr int kMaxContextValues = 256;

bool IsPrincipalDerivedKey(absl::string_view key);

// INVALID_ARGUMENT naming `context.keys[KEY]` for a principal-derived key, an
// empty key, or more keys/values than allowed.
absl::Status ValidateCallerContext(const pdp::v1::RequestContext& context);

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
RequestContext BuildRequestContext(const pdp::v1::RequestContext& caller,
                                   const PrincipalFacts& principal,
                                   std::optional<absl::Time> now = std::nullopt);

// The request context, built only when a statement needs it (a Condition or
// a Resource with variables): most decisions never do. Holds pointers only;
// the caller keeps what they point to alive.
class LazyContext {
 public:
  LazyContext(const pdp::v1::RequestContext* caller, PrincipalFacts principal,
              std::optional<absl::Time> now)
      : caller_(caller), principal_(principal), now_(now) {}
  const RequestContext& Get() {
    if (!built_) {
      context_ = BuildRequestContext(*caller_, principal_, now_);
      built_ = true;
    }
    return context_;
  }

 private:
  const pdp::v1::RequestContext* caller_;
  PrincipalFacts principal_;
  std::optional<absl::Time> now_;
  bool built_ = false;
  RequestContext context_;
};

}  // namespace pdp

#endif  // PDP_COMMON_ENGINE_PRINCIPAL_CONTEXT_H_
