// The access matrix (AuthorizationService.AccessMatrix): principals x pages
// for one account, or for every account of an organization, all decided on
// ONE snapshot with Decide's own machinery (DecidePages, and Decide with an
// explanation for the statements), so a cell can never disagree with
// Authorize, Explain or WhoCan. Pure and thread-safe like Decide().
//
// Each cell carries the most the principal gets and why:
//   access       MODIFY when the MODIFY decision allows, else VIEW when the
//                VIEW decision allows, else ACCESS_UNSPECIFIED
//   reason       the VIEW decision's reason when access is unspecified;
//                otherwise the MODIFY decision's (ALLOWED_BY_POLICY /
//                ROOT_USER, or why MODIFY is refused)
//   view_reason  the VIEW decision's reason when access is MODIFY or VIEW
//   statement    for reason EXPLICIT_DENY or SCP_DENY, the first matched
//                Deny statement of that kind (identity/boundary/session,
//                or SCP); for ALLOWED_BY_POLICY, the first matched Allow
//                statement of the identity policies; named as Explain's
//                StatementTrace: "<policy>#<Sid>", or "<policy>#<index>"
//                for a statement without a Sid. Only these cells are
//                explained (Decide with an explanation), and each
//                principal's explanations are shared by the pages that
//                require the same actions (for an allow: the same first
//                action, whose trace holds the first statement that allowed).
#ifndef PDP_SERVER_WIRE_ACCESS_MATRIX_H_
#define PDP_SERVER_WIRE_ACCESS_MATRIX_H_

#include <cstddef>
#include <functional>

#include "absl/status/status.h"
#include "engine/model/snapshot.h"
#include "pdp/v1/authorization.pb.h"
#include "server/wire/wire_decide.h"

namespace pdp {

// How the rows are cut into messages: a message is sent once it holds
// `message_rows` rows or its rows pass `message_bytes` (serialized), so a
// message stays far below gRPC's default 4 MB limit (one row is at most a
// few tens of KB: one cell per column, a column per catalogue page).
struct AccessMatrixOptions {
  DecideOptions decide;
  size_t message_bytes = 1 << 20;
  int message_rows = 500;
  // Asked before each principal is decided; true stops the matrix (the
  // caller went away or ran out of time) and AccessMatrix returns
  // CANCELLED. Null: never.
  std::function<bool()> stop;
};

// Receives each message in order; false stops the matrix (AccessMatrix then
// returns CANCELLED, nothing more is decided).
using AccessMatrixSink = std::function<bool(const pdp::v1::AccessMatrixResponse&)>;

// Sends the matrix of `request` on `snapshot` to `sink`: every message
// carries snapshot.revision(); the first carries the columns (pages) and
// is sent even when no row is; rows come account by account in account id
// order, within an account as WhoCan lists them (PrincipalsOf: the root
// user, then users, roles and registered role sessions by ARN).
//
// Errors (nothing has been sent when they are returned):
//   INVALID_ARGUMENT, field paths of AccessMatrixRequest: "scope" (neither
//     account_id nor organization_id), "account_id" (not 12 digits),
//     "organization_id" (malformed), "page_ids" (more ids than the
//     catalogue has pages), "page_ids[i]" (empty, unknown, or a repeat of
//     an earlier one), "context.keys[...]" (as Authorize validates it);
//   NOT_FOUND, field "account_id" / "organization_id", for an account or
//     organization the snapshot does not hold, as WhoCan reports an
//     unknown account (after the request itself was found valid).
// CANCELLED when `sink` or options.stop stopped it part way.
absl::Status AccessMatrix(const Snapshot& snapshot, const pdp::v1::AccessMatrixRequest& request,
                          const AccessMatrixSink& sink, const AccessMatrixOptions& options = {});

}  // namespace pdp

#endif  // PDP_SERVER_WIRE_ACCESS_MATRIX_H_
