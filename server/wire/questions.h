// Questions beyond yes/no (docs/access-model.md, "Questions beyond yes or no"), answered from
// snapshots by asking Decide() / DecideAllPages() once per principal and page: the answers can
// never disagree with Authorize, because no gate is evaluated here. Pure and thread-safe like
// Decide().
//
//   AccessiblePages   every page one principal can VIEW / MODIFY
//   WhoCan            every principal of an account that can use a page or
//                     perform an action
//   AccessDifferences the page access that differs between two snapshots
//                     (WhatIf: the current state and a proposed one)
#ifndef PDP_SERVER_WIRE_QUESTIONS_H_
#define PDP_SERVER_WIRE_QUESTIONS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/model/snapshot.h"
#include "pdp/v1/authorization.pb.h"
#include "server/wire/wire_decide.h"

namespace pdp {

// VIEW and MODIFY of every catalogue page, in catalogue order; without
// include_denied only the pages the principal can at least VIEW or MODIFY.
// Errors as DecideAllPages (INVALID_ARGUMENT with the request's field path).
absl::StatusOr<pdp::v1::ListAccessiblePagesResponse> AccessiblePages(
    const Snapshot& snapshot, const pdp::v1::ListAccessiblePagesRequest& request,
    const DecideOptions& options = {});
// The same, filled into `response` (empty: the server's reused message),
// which is left untouched when the principal or context is refused.
absl::Status FillAccessiblePages(const Snapshot& snapshot,
                                 const pdp::v1::ListAccessiblePagesRequest& request,
                                 const DecideOptions& options,
                                 pdp::v1::ListAccessiblePagesResponse* response);

// A principal of an account as WhoCan reports it.
struct AccountPrincipal {
  std::string arn;
  std::string kind;  // "root", "user", "role" or "role_session"
};

// Every principal of `account`: the root user first, then its users, roles
// and registered role sessions ordered by ARN.
std::vector<AccountPrincipal> PrincipalsOf(const AccountState& account);

// WhoCan pages: request.page_size 0 means kDefaultWhoCanPageSize; at most
// kMaxWhoCanPageSize.
inline constexpr int kDefaultWhoCanPageSize = 1000;
inline constexpr int kMaxWhoCanPageSize = 10000;
// The most principals one WhoCan call decides for, whatever it finds: it
// bounds one call's work when few principals match (the page then holds
// fewer than page_size, maybe none, and has a next_page_token).
inline constexpr int kMaxWhoCanEvaluated = 10000;

// One page of the principals of request.account_id decided for the
// request's page or action with its context, in PrincipalsOf order; without
// include_denied only the ALLOWs. A page ends after page_size principals
// listed or `max_evaluated` decided (whichever comes first), with
// next_page_token set when principals are left; request.page_token resumes
// after the last principal the previous page decided, so each principal is
// listed once across pages (principals added or removed meanwhile appear
// or not according to their place). The token is opaque, carries a
// fingerprint of the account, target, context and include_denied, and is
// refused for a different query.
//
// INVALID_ARGUMENT (field paths of WhoCanRequest: "account_id", "target",
// "page.page_id", "page.access", "action.action", "context.keys",
// "page_size", "page_token", ...) for a malformed request or a token that
// is garbage or another query's; NOT_FOUND ("account_id") for an account
// the snapshot does not hold. response.revision is the snapshot's.
absl::StatusOr<pdp::v1::WhoCanResponse> WhoCan(const Snapshot& snapshot,
                                               const pdp::v1::WhoCanRequest& request,
                                               const DecideOptions& options = {},
                                               int max_evaluated = kMaxWhoCanEvaluated);

// Every (principal, page, VIEW / MODIFY) of `account_ids` whose decision's
// effect or reason differs between `before` and `after`, with an empty
// request context. Principals are those of either snapshot; where one does
// not exist its decision is what Decide answers there (UNKNOWN_PRINCIPAL).
// Ordered by account id, then principal (PrincipalsOf order), then page
// (catalogue order), then VIEW before MODIFY. At most `limit` differences;
// `*truncated` (when given) tells whether there were more. Each decision
// carries its own snapshot's revision.
//
// INVALID_ARGUMENT ("account_ids[i]") for a malformed account id (an
// account neither snapshot holds simply has no differences);
// FAILED_PRECONDITION when the snapshots have different page catalogues
// (never for a SnapshotBuilder's result and its base).
absl::StatusOr<std::vector<pdp::v1::AccessDifference>> AccessDifferences(
    const Snapshot& before, const Snapshot& after, const std::vector<std::string>& account_ids,
    size_t limit, bool* truncated, const DecideOptions& options = {});

}  // namespace pdp

#endif  // PDP_SERVER_WIRE_QUESTIONS_H_
