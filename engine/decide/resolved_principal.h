// Who is asking, about which account: a principal ARN resolved against one
// snapshot, once, and then reused for every target it is asked about (a
// batch of pages, a list, a matrix row).
#ifndef PDP_ENGINE_DECIDE_RESOLVED_PRINCIPAL_H_
#define PDP_ENGINE_DECIDE_RESOLVED_PRINCIPAL_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "base/arn.h"
#include "engine/decide/decision_types.h"
#include "engine/model/policy_binding.h"
#include "engine/model/snapshot.h"

namespace pdp {

// Points into the snapshot it was resolved against, which must outlive it.
// Immutable once resolved: safe to share between threads.
struct ResolvedPrincipal {
  // The principal. Its kind and account are always set. Its partition,
  // path, name and (role sessions) session are set only when it was parsed:
  // a user, role or root named exactly as stored is resolved without
  // parsing and copying them (`named_as_stored`; the stored entity has
  // them). ArnText() gives the ARN's text either way.
  IamArn arn;
  bool named_as_stored = false;
  const AccountState* account = nullptr;   // the target account
  const PrincipalView* view = nullptr;     // users and roles
  const SessionRecord* session = nullptr;  // a registered role session
  std::vector<PolicyBinding> session_policies;
  const OrganizationState* organization = nullptr;  // of the target account
  const AccountPlacement* placement = nullptr;
  bool scp_bound = false;  // SCPs (gate 3) apply
  bool is_root = false;
  // Set when the principal or account is unknown, or the account is not the
  // principal's: every decision for it is this denial.
  Reason deny = Reason::kUnspecified;
  std::string deny_detail;
};

// Resolves `principal` (an IAM user, role, role-session or root ARN) for
// `account_id` (empty: the principal's own) into `out`, which must be
// freshly constructed. INVALID_ARGUMENT naming `principal` or `account_id`
// for malformed input; an unknown or foreign principal is not an error but
// out.deny (UNKNOWN_PRINCIPAL, UNKNOWN_ACCOUNT, CROSS_ACCOUNT). Allocates
// nothing for a user, role or root named exactly as stored.
absl::Status ResolvePrincipal(const Snapshot& snapshot, absl::string_view principal,
                              absl::string_view account_id, ResolvedPrincipal& out);

// The principal's canonical ARN (for explanations).
std::string ArnText(const ResolvedPrincipal& principal);

}  // namespace pdp

#endif  // PDP_ENGINE_DECIDE_RESOLVED_PRINCIPAL_H_
