// AdminService.ListAuditEvents: the audit entries of committed batches,
// oldest first, filtered by revision, time, caller and account. A call reads
// at most kMaxAuditBatchesPerCall batches from the store (so no request
// holds its thread for long whatever the filters), returning a page token
// to go on from.
#ifndef PDP_SERVER_APP_AUDIT_HANDLER_H_
#define PDP_SERVER_APP_AUDIT_HANDLER_H_

#include "absl/status/status.h"
#include "pdp/v1/admin.pb.h"
#include "server/app/world_state.h"

namespace pdp {

inline constexpr int64_t kMaxAuditBatchesPerCall = 10000;

// INVALID_ARGUMENT (with the field) for a negative since_revision, a bad
// since_time, an account_id that is not 12 digits, a caller name too long,
// a page_size outside 0..1000 or a page token of another query; the store's
// error when it cannot be read.
absl::Status HandleListAuditEvents(const WorldState& state,
                                   const pdp::v1::ListAuditEventsRequest& request,
                                   pdp::v1::ListAuditEventsResponse* response);

}  // namespace pdp

#endif  // PDP_SERVER_APP_AUDIT_HANDLER_H_
