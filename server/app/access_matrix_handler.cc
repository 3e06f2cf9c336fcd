#include "server/app/access_matrix_handler.h"

#include "absl/strings/str_cat.h"

namespace pdp {

absl::Status HandleAccessMatrix(const WorldState& state,
                                const pdp::v1::AccessMatrixRequest& request, absl::Time deadline,
                                const std::function<bool()>& cancelled,
                                const AccessMatrixSink& send, int64_t* revision) {
  absl::Status reached = state.WaitForRevision(request.min_revision(), deadline, cancelled);
  if (!reached.ok()) return reached;
  SnapshotPtr snapshot = state.Current();  // the one snapshot of the whole stream
  *revision = snapshot->revision();
  int64_t rows = 0;
  bool client_gone = false;
  bool out_of_time = false;
  AccessMatrixOptions options;
  options.decide.now = absl::Now();  // one instant for every cell
  options.stop = [&] {
    if (cancelled()) return client_gone = true;
    if (absl::Now() >= deadline) return out_of_time = true;
    return false;
  };
  absl::Status s = AccessMatrix(
      *snapshot, request,
      [&](const pdp::v1::AccessMatrixResponse& message) {
        rows += message.rows_size();
        if (send(message)) return true;
        client_gone = true;
        return false;
      },
      options);
  if (out_of_time) {
    return absl::DeadlineExceededError(
        absl::StrCat("the call's deadline passed after ", rows,
                     " rows were sent; give the call a longer deadline, or ask for fewer pages "
                     "(page_ids) or one account at a time"));
  }
  if (client_gone) return absl::CancelledError("the client went away");
  return s;
}

}  // namespace pdp
