#include "server/app/audit_handler.h"

#include <algorithm>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "base/strings.h"
#include "google/protobuf/util/time_util.h"
#include "server/app/batch_audit.h"
#include "server/app/caller_registry.h"
#include "server/app/pagination.h"

namespace pdp {
namespace {

using google::protobuf::util::TimeUtil;

absl::Status Validate(const pdp::v1::ListAuditEventsRequest& r) {
  if (r.since_revision() < 0) return FieldError("since_revision", "must not be negative");
  if (r.has_since_time() && (r.since_time().seconds() < TimeUtil::kTimestampMinSeconds ||
                             r.since_time().seconds() > TimeUtil::kTimestampMaxSeconds ||
                             r.since_time().nanos() < 0 || r.since_time().nanos() > 999999999)) {
    return FieldError("since_time", "is not a valid timestamp");
  }
  if (r.caller().size() > kMaxCallerNameBytes) {
    return FieldError("caller", absl::StrCat("is longer than ", kMaxCallerNameBytes,
                                             " characters (no caller name is)"));
  }
  if (!r.account_id().empty() && !IsAccountId(r.account_id())) {
    return FieldError("account_id", "must be exactly 12 digits");
  }
  if (r.page_size() < 0 || r.page_size() > kMaxPageSize) {
    return FieldError("page_size", absl::StrCat("must be between 0 (the default, ",
                                                kDefaultPageSize, ") and ", kMaxPageSize));
  }
  return absl::OkStatus();
}

bool Matches(const pdp::v1::ListAuditEventsRequest& r, const StoredBatch& batch,
             int64_t since_micros) {
  const auto& audit = batch.audit;
  if (since_micros != 0 && audit.committed_unix_micros() < since_micros) return false;
  if (!r.caller().empty() && audit.caller() != r.caller()) return false;
  if (!r.account_id().empty() && std::find(audit.accounts().begin(), audit.accounts().end(),
                                           r.account_id()) == audit.accounts().end()) {
    return false;
  }
  return true;
}

}  // namespace

absl::Status HandleListAuditEvents(const WorldState& state,
                                   const pdp::v1::ListAuditEventsRequest& request,
                                   pdp::v1::ListAuditEventsResponse* response) {
  absl::Status valid = Validate(request);
  if (!valid.ok()) return valid;
  const int64_t since_micros =
      request.has_since_time() ? TimeUtil::TimestampToMicroseconds(request.since_time()) : 0;
  // Tokens are bound to the query: a page of one filter cannot resume another.
  const std::string listing = absl::StrCat("audit/", request.since_revision(), "/", since_micros,
                                           "/", request.caller(), "/", request.account_id());
  int64_t from = std::max<int64_t>(request.since_revision(), 1);
  if (!request.page_token().empty()) {
    absl::StatusOr<std::string> key = ListTokenKey(request.page_token(), listing);
    if (!key.ok()) return key.status();
    if (!absl::SimpleAtoi(*key, &from) || from < 1) {
      return FieldError("page_token", "is not a page token of this query");
    }
  }
  absl::StatusOr<int64_t> compacted = state.CompactedThrough();
  if (!compacted.ok()) return compacted.status();
  from = std::max(from, *compacted + 1);
  const int64_t current = state.revision();
  response->set_revision(current);
  const int64_t to = std::min(current, from + kMaxAuditBatchesPerCall - 1);
  const int page_size = request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  int64_t resume = 0;  // the revision the next page starts at; 0 at the end
  if (from <= to) {
    absl::Status read = state.ReadCommitted(
        from, to,
        [&](const StoredBatch& batch) {
          if (response->events_size() == page_size) {
            resume = batch.revision;
            return absl::CancelledError("page full");  // stops the read
          }
          if (!Matches(request, batch, since_micros)) return absl::OkStatus();
          pdp::v1::AuditEvent* event = response->add_events();
          event->set_revision(batch.revision);
          event->set_request_id(batch.request_id);
          if (batch.audit.committed_unix_micros() != 0) {
            *event->mutable_audit() = ToApiAudit(batch.audit);
          }
          return absl::OkStatus();
        },
        /*with_changes=*/false);
    if (!read.ok() && resume == 0) return read;
    if (resume == 0 && to < current) resume = to + 1;
  }
  if (resume != 0) response->set_next_page_token(ListPageToken(listing, absl::StrCat(resume)));
  return absl::OkStatus();
}

}  // namespace pdp
