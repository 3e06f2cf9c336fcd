// The engine's own vocabulary for a decision: what is asked (a Target), and
// what is answered (a Verdict). Plain values: no heap, no wire types. The
// server maps them to and from pdp.v1 in one place
// (server/wire/wire_decide.h); the enumerators are numbered as their
// pdp.v1 counterparts so that mapping is a checked cast. Access is the
// catalogue's (page_catalog.h).
#ifndef PDP_ENGINE_DECIDE_DECISION_TYPES_H_
#define PDP_ENGINE_DECIDE_DECISION_TYPES_H_

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/model/page_catalog.h"

namespace pdp {

enum class Effect : uint8_t { kUnspecified = 0, kAllow = 1, kDeny = 2 };

// The reason of the first gate that decided (docs/access-model.md, "Gates").
enum class Reason : uint8_t {
  kUnspecified = 0,
  kRootUser = 1,         // allow: the account's root user
  kAllowedByPolicy = 2,  // allow: the policies allow every required action
  kUnknownPrincipal = 3,
  kUnknownAccount = 4,
  kCrossAccount = 5,
  kAccessLevelNotOffered = 6,  // MODIFY on a page that has nothing to modify
  kRootOnly = 7,
  kScpDeny = 8,
  kScpNoAllow = 9,
  kCostExplorerNotEnabled = 10,
  kLinkedAccountAccessDisabled = 11,
  kIamAccessNotActivated = 12,
  kExplicitDeny = 13,
  kBoundaryNoAllow = 14,
  kSessionPolicyNoAllow = 15,
  kImplicitDeny = 16,
};
inline constexpr Reason kLastReason = Reason::kImplicitDeny;

// How one gate treated the request (a trace's vocabulary).
enum class GateOutcome : uint8_t { kPassed = 1, kDenied = 2, kAllowed = 3, kSkipped = 4 };

// One decision. For an allowed page, bit i of `features` is set when
// page->features[i] is available too (its actions are allowed as well).
struct Verdict {
  Effect effect = Effect::kDeny;
  Reason reason = Reason::kUnspecified;
  int64_t revision = 0;  // of the snapshot that decided
  uint32_t features = 0;

  bool allowed() const { return effect == Effect::kAllow; }
  bool operator==(const Verdict&) const = default;
};

// What is asked about: a catalogue page at an access level, or one raw IAM
// action on a resource. Holds no request text but a raw action's lower-case
// copy; `resource` points into the caller's request, which must outlive
// the decision.
struct Target {
  const CatalogPage* page = nullptr;  // a page of the snapshot's catalogue
  Access access = Access::kView;
  std::optional<CatalogAction> action;  // engaged for an action target
  absl::string_view resource = "*";     // for an action target
};

// The name of `reason` as the API spells it ("IMPLICIT_DENY"; pdp.v1.Reason's
// enumerator names, "REASON_UNSPECIFIED" included), for messages.
absl::string_view ReasonName(Reason reason);

// Fills `target` (freshly constructed) with a page of `catalog`.
// INVALID_ARGUMENT naming page.page_id (empty or unknown).
absl::Status PageTarget(const PageCatalog& catalog, absl::string_view page_id, Access access,
                        Target& target);

// Fills `target` with a raw action ("service:Action", no wildcards, at most
// 256 bytes) on `resource` (empty or "*" for any, else an ARN of at most
// 2,048 bytes; kept by reference). INVALID_ARGUMENT naming action.action or
// action.resource.
absl::Status ActionTarget(absl::string_view action, absl::string_view resource, Target& target);

}  // namespace pdp

#endif  // PDP_ENGINE_DECIDE_DECISION_TYPES_H_
