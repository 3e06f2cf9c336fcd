// One log line (event "write") for each batch the server commits: who made
// it (caller, role, method, peer), its request id, the revision it made,
// how many changes it committed and of which kinds ("put_user:2,
// attach_policy:1", in order of first appearance). Never the changes'
// contents: those are in the store's audit log (ListAuditEvents, Watch).
// Thread-safe.
#ifndef PDP_SERVER_LOG_WRITE_LOG_H_
#define PDP_SERVER_LOG_WRITE_LOG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "pdp/v1/changes.pb.h"
#include "server/app/batch_origin.h"

namespace pdp {

// "put_user:2,attach_policy:1" for `changes`.
std::string ChangeKinds(const std::vector<pdp::v1::Change>& changes);

void LogCommittedWrite(const BatchOrigin& origin, absl::string_view request_id, int64_t revision,
                       const std::vector<pdp::v1::Change>& changes);

}  // namespace pdp

#endif  // PDP_SERVER_LOG_WRITE_LOG_H_
