// The decision function. Pure: the same snapshot and request always give the
// same answer; no I/O, no locks, no clock (time comes in the request
// context). Thread-safe for concurrent calls on shared snapshots.
//
// Gates, in order (docs/access-model.md, "Gates"); the first that denies
// gives the reason:
//   resolve -> root-only actions -> SCPs (member accounts, root user
//   included; never the management account or service-linked roles; an SCP
//   level without an allow yields to an explicit deny in the principal's own
//   policies, reported as EXPLICIT_DENY, as AWS finds every explicit deny
//   first) ->
//   Cost Explorer (pages showing Cost Explorer data and ce: actions other
//   than ce:GetPreferences / ce:UpdatePreferences; the management account's
//   settings for members) -> root user -> IAM access gate -> identity
//   policies (explicit deny > allow > implicit deny).
// A condition that cannot be evaluated never allows and always lets a Deny
// apply (fail closed).
#ifndef PDP_COMMON_ENGINE_DECIDE_H_
#define PDP_COMMON_ENGINE_DECIDE_H_

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/engine/snapshot.h"
#include "pdp/v1/decision.pb.h"

namespace pdp {

// Root-only actions: denied (ROOT_ONLY) to everybody but the root user.
bool IsRootOnlyAction(absl::string_view action_lower);

// Actions gate 4 applies to.
bool IsCostExplorerDataAction(absl::string_view action_lower);

// Decides one request. INVALID_ARGUMENT (with the field path) for requests
// that are the caller's bug: malformed ARN or account id, unknown page, no
// target. When `explanation` is given it receives every gate and every
// statement considered.
struct DecideOptions {
  // When set, aws:CurrentTime and aws:EpochTime default to this instant if
  // the request context does not carry them (the server passes the time it
  // received the request; the engine itself never reads a clock).
  std::optional<absl::Time> now;
};

absl::StatusOr<pdp::v1::Decision> Decide(const Snapshot& snapshot,
                                         const pdp::v1::AuthorizeRequest& request,
                                         pdp::v1::Explanation* explanation = nullptr,
                                         const DecideOptions& options = {});

struct PageDecision {
  const CatalogPage* page;
  pdp::v1::Decision view;
  pdp::v1::Decision modify;
};

// VIEW and MODIFY decisions for every catalogue page, in catalogue order,
// resolving the principal once. Same answers as Decide() page by page.
absl::StatusOr<std::vector<PageDecision>> DecideAllPages(const Snapshot& snapshot,
                                                         absl::string_view principal,
                                                         absl::string_view account_id,
                                                         const pdp::v1::RequestContext& context,
                                                         const DecideOptions& options = {});

// The same for `pages` only (pointers into snapshot.catalog(), in the order
// given): a principal resolved once, asked about a few columns.
absl::StatusOr<std::vector<PageDecision>> DecidePages(const Snapshot& snapshot,
                                                      absl::string_view principal,
                                                      absl::string_view account_id,
                                                      const pdp::v1::RequestContext& context,
                                                      const std::vector<const CatalogPage*>& pages,
                                                      const DecideOptions& options = {});

}  // namespace pdp

#endif  // PDP_COMMON_ENGINE_DECIDE_H_
