// The request context policies are evaluated with: the caller's keys
// (aws:SourceIp, aws:CurrentTime, aws:MultiFactorAuthPresent, service keys,
// ...) plus the keys billing-pdp derives from the principal, which a caller
// may not set: aws:username, aws:userid, aws:PrincipalArn,
// aws:PrincipalAccount, aws:PrincipalType, aws:PrincipalTag/*, and the
// aws:PrincipalOrg* keys (organizations).
#ifndef PDP_COMMON_ENGINE_PRINCIPAL_CONTEXT_H_
#define PDP_COMMON_ENGINE_PRINCIPAL_CONTEXT_H_

#include "absl/status/status.h"
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
};

RequestContext BuildRequestContext(const pdp::v1::RequestContext& caller,
                                   const PrincipalFacts& principal);

}  // namespace pdp

#endif  // PDP_COMMON_ENGINE_PRINCIPAL_CONTEXT_H_
