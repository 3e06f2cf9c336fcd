// The decision function. Pure: the same snapshot and request always give the
// same answer; no I/O, no locks, no clock (time comes in the options or the
// request context). Thread-safe for concurrent calls on shared snapshots.
// Speaks the engine's own types (decision_types.h); the wire API
// (pdp.v1 requests and decisions) is mapped in server/wire/wire_decide.h.
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
#ifndef PDP_ENGINE_DECIDE_DECIDE_H_
#define PDP_ENGINE_DECIDE_DECIDE_H_

#include <optional>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/decide/caller_context.h"
#include "engine/decide/decision_trace.h"
#include "engine/decide/decision_types.h"
#include "engine/decide/resolved_principal.h"
#include "engine/model/snapshot.h"

namespace pdp {

// Root-only actions: denied (ROOT_ONLY) to everybody but the root user.
bool IsRootOnlyAction(absl::string_view action_lower);

// Actions gate 4 applies to.
bool IsCostExplorerDataAction(absl::string_view action_lower);

struct DecideOptions {
  // When set, aws:CurrentTime and aws:EpochTime default to this instant if
  // the request context does not carry them (the server passes the time it
  // received the request; the engine itself never reads a clock).
  std::optional<absl::Time> now;
  // For tests: decide every page target statement by statement, never from
  // the principals' digests (principal_digest.h). The answers are the same.
  bool evaluate_statements = false;
};

// Decides `target` for `principal` (resolved against `snapshot`). Never
// fails: the inputs were validated when they were made (ResolvePrincipal,
// PageTarget / ActionTarget), and `context` must have passed
// ValidateCallerContext (principal_context.h). When `trace` is given it
// receives every gate and every statement considered. Without a trace it
// allocates nothing unless a policy reads the request context.
Verdict Decide(const Snapshot& snapshot, const ResolvedPrincipal& principal, const Target& target,
               const CallerContext& context, const DecideOptions& options = {},
               DecisionTrace* trace = nullptr);

// VIEW and MODIFY verdicts for each of `pages` (pointers into
// snapshot.catalog()), in the order given, for one principal and one
// context: the same answers as Decide() page by page. `each` is called once
// per page.
using PageVerdicts =
    absl::FunctionRef<void(const CatalogPage& page, const Verdict& view, const Verdict& modify)>;
void DecidePages(const Snapshot& snapshot, const ResolvedPrincipal& principal,
                 absl::Span<const CatalogPage* const> pages, const CallerContext& context,
                 const DecideOptions& options, PageVerdicts each);
// The same for every catalogue page, in catalogue order.
void DecideAllPages(const Snapshot& snapshot, const ResolvedPrincipal& principal,
                    const CallerContext& context, const DecideOptions& options, PageVerdicts each);

}  // namespace pdp

#endif  // PDP_ENGINE_DECIDE_DECIDE_H_
