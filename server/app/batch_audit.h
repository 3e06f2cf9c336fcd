// The audit entry of a batch: who made it (BatchOrigin), on whose behalf
// (the actors its changes name), when, and what it touched (from its
// delta). Pure functions; thread-safe.
#ifndef PDP_SERVER_APP_BATCH_AUDIT_H_
#define PDP_SERVER_APP_BATCH_AUDIT_H_

#include <vector>

#include "absl/time/time.h"
#include "pdp/store/v1/records.pb.h"
#include "pdp/v1/admin.pb.h"
#include "pdp/v1/changes.pb.h"
#include "server/app/batch_origin.h"

namespace pdp {

// The entry stored with a batch committed at `when`.
pdp::store::v1::BatchAudit AuditEntry(const BatchOrigin& origin,
                                      const std::vector<pdp::v1::Change>& changes,
                                      const pdp::store::v1::StateDelta& delta, absl::Time when);

// The API's form of a stored entry (Watch, ListAuditEvents).
pdp::v1::BatchAudit ToApiAudit(const pdp::store::v1::BatchAudit& stored);

}  // namespace pdp

#endif  // PDP_SERVER_APP_BATCH_AUDIT_H_
