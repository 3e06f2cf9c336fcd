#include "engine/decide/decision_types.h"

#include <algorithm>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "base/glob.h"
#include "base/strings.h"

namespace pdp {

absl::string_view ReasonName(Reason reason) {
  switch (reason) {
    case Reason::kUnspecified:
      return "REASON_UNSPECIFIED";
    case Reason::kRootUser:
      return "ROOT_USER";
    case Reason::kAllowedByPolicy:
      return "ALLOWED_BY_POLICY";
    case Reason::kUnknownPrincipal:
      return "UNKNOWN_PRINCIPAL";
    case Reason::kUnknownAccount:
      return "UNKNOWN_ACCOUNT";
    case Reason::kCrossAccount:
      return "CROSS_ACCOUNT";
    case Reason::kAccessLevelNotOffered:
      return "ACCESS_LEVEL_NOT_OFFERED";
    case Reason::kRootOnly:
      return "ROOT_ONLY";
    case Reason::kScpDeny:
      return "SCP_DENY";
    case Reason::kScpNoAllow:
      return "SCP_NO_ALLOW";
    case Reason::kCostExplorerNotEnabled:
      return "COST_EXPLORER_NOT_ENABLED";
    case Reason::kLinkedAccountAccessDisabled:
      return "LINKED_ACCOUNT_ACCESS_DISABLED";
    case Reason::kIamAccessNotActivated:
      return "IAM_ACCESS_NOT_ACTIVATED";
    case Reason::kExplicitDeny:
      return "EXPLICIT_DENY";
    case Reason::kBoundaryNoAllow:
      return "BOUNDARY_NO_ALLOW";
    case Reason::kSessionPolicyNoAllow:
      return "SESSION_POLICY_NO_ALLOW";
    case Reason::kImplicitDeny:
      return "IMPLICIT_DENY";
  }
  return "";
}

absl::Status PageTarget(const PageCatalog& catalog, absl::string_view page_id, Access access,
                        Target& target) {
  if (page_id.empty()) return FieldError("page.page_id", "is required");
  target.page = catalog.Find(page_id);
  if (target.page == nullptr) {
    return FieldError("page.page_id", absl::StrCat("unknown page ", QuoteInput(page_id),
                                                   " (ListPages shows the catalogue)"));
  }
  target.access = access;
  return absl::OkStatus();
}

absl::Status ActionTarget(absl::string_view action, absl::string_view resource, Target& target) {
  if (action.empty()) return FieldError("action.action", "is required");
  if (!IsConcreteAction(action) || action.size() > 256) {
    return FieldError("action.action", "must be \"service:Action\" without wildcards");
  }
  target.action.emplace(AsciiLower(action), std::string(action));
  if (!resource.empty() && resource != "*") {
    // arn:partition:service:region:account:resource (the resource may hold
    // colons of its own): "arn:" and at least five colons.
    if (!absl::StartsWith(resource, "arn:") ||
        std::count(resource.begin(), resource.end(), ':') < 5 || resource.size() > 2048) {
      return FieldError("action.resource",
                        "must be an ARN (arn:partition:service:region:account:resource) or empty");
    }
    target.resource = resource;
  }
  return absl::OkStatus();
}

}  // namespace pdp
