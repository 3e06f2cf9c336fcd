#include "server/app/watch_handler.h"

#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "server/app/batch_audit.h"

namespace pdp {

absl::Status HandleWatch(const WorldState& state, const pdp::v1::WatchRequest& request,
                         const std::function<bool()>& cancelled,
                         const std::function<bool(const pdp::v1::WatchResponse&)>& send) {
  if (request.from_revision() < 0) {
    return FieldError("from_revision", "must not be negative");
  }
  int64_t next = request.from_revision() == 0 ? state.revision() + 1 : request.from_revision();
  // OUT_OF_RANGE when `next` was compacted away: the client must read the
  // current state and watch on from there.
  auto compacted = [&]() -> absl::Status {
    absl::StatusOr<int64_t> through = state.CompactedThrough();
    if (!through.ok()) return through.status();
    if (next > *through) return absl::OkStatus();
    return WithReason(
        FieldError("from_revision",
                   absl::StrCat("revisions up to ", *through,
                                " were compacted away (--compact-log); read the current state "
                                "(now at revision ",
                                state.revision(), ") and watch from the revision after it"),
                   absl::StatusCode::kOutOfRange),
        "REVISION_COMPACTED");
  };
  if (absl::Status s = compacted(); !s.ok()) return s;
  while (true) {
    if (cancelled()) return absl::CancelledError("the client went away");
    const int64_t published = state.revision();
    if (published >= next) {
      absl::Status read =
          state.ReadCommitted(next, published, [&](const StoredBatch& batch) -> absl::Status {
            if (batch.revision != next) {
              if (absl::Status s = compacted(); !s.ok()) return s;
              return absl::DataLossError(absl::StrCat("the store has revision ", batch.revision,
                                                      " where ", next, " was expected"));
            }
            pdp::v1::WatchResponse response;
            response.set_revision(batch.revision);
            response.set_request_id(batch.request_id);
            response.mutable_changes()->Reserve(static_cast<int>(batch.changes.size()));
            for (const auto& c : batch.changes) *response.add_changes() = c;
            if (batch.audit.committed_unix_micros() != 0) {
              *response.mutable_audit() = ToApiAudit(batch.audit);
            }
            if (!send(response)) return absl::CancelledError("the client went away");
            ++next;
            return absl::OkStatus();
          });
      if (!read.ok()) return read;
      if (next <= published) {
        if (absl::Status s = compacted(); !s.ok()) return s;
        return absl::DataLossError(absl::StrCat("the store does not have revision ", next));
      }
      continue;
    }
    // Wakes on the next publish, or after a while to look at the client.
    absl::Status waited = state.WaitForRevision(next, state.clock().Now() + kWatchCancelCheck);
    if (!waited.ok() && state.stopping()) {
      return absl::UnavailableError(
          absl::StrCat("the server is shutting down; resume the watch from revision ", next));
    }
  }
}

}  // namespace pdp
