// `pdpctl audit`: reads the server's audit log (AdminService.ListAuditEvents)
// page by page, and says each entry in one line. Kept apart from pdpctl.cc's
// printing so that its parsing and formatting are tested on their own.
#ifndef PDP_CLIENT_PDPCTL_AUDIT_COMMAND_H_
#define PDP_CLIENT_PDPCTL_AUDIT_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "billing_pdp/admin_client.h"
#include "pdp/v1/admin.pb.h"

namespace pdpctl {

// --since: a revision (digits) or an RFC 3339 time ("2026-12-05T10:00:00Z").
// INVALID_ARGUMENT otherwise.
absl::Status ParseAuditSince(const std::string& since, pdp::v1::ListAuditEventsRequest* request);

// Every event the query matches, oldest first, following page tokens; at
// most `limit` (0: no limit). The server's error when a page fails.
absl::StatusOr<std::vector<pdp::v1::AuditEvent>> ReadAudit(const pdp::AdminClient& admin,
                                                           pdp::v1::ListAuditEventsRequest request,
                                                           size_t limit);

// One line: revision, time, caller (role, credential), peer, method,
// accounts, actors, request id.
std::string AuditLine(const pdp::v1::AuditEvent& event);

}  // namespace pdpctl

#endif  // PDP_CLIENT_PDPCTL_AUDIT_COMMAND_H_
