// One AdminService.Watch stream: the server's committed batches in revision
// order, one at a time, from a starting revision and then live.
//
//   std::unique_ptr<pdp::ChangeWatch> watch = admin.Watch(last_seen + 1);
//   pdp::v1::WatchResponse batch;
//   while (watch->Next(&batch)) Handle(batch);  // batch.revision() = last + 1, ...
//   absl::Status why = watch->Finish();
//   // Reconnect with admin.Watch(watch->next_revision()): no gap, no repeat.
//
// The stream has no deadline; it ends when Cancel() is called (from any
// thread), the server shuts down (UNAVAILABLE) or the connection breaks.
#ifndef BILLING_PDP_CHANGE_WATCH_H_
#define BILLING_PDP_CHANGE_WATCH_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/sync_stream.h"
#include "pdp/v1/admin.grpc.pb.h"

namespace pdp {

class ChangeWatch {
 public:
  // Opens the stream (AdminClient::Watch does this with its token).
  ChangeWatch(pdp::v1::AdminService::Stub& stub, const std::string& token, int64_t from_revision);
  // A stream that ended before it began: Next() is false, Finish() returns
  // `failed` (AdminClient::Watch without a channel).
  ChangeWatch(absl::Status failed, int64_t from_revision);
  // Cancels the stream if it is still open.
  ~ChangeWatch();
  ChangeWatch(const ChangeWatch&) = delete;
  ChangeWatch& operator=(const ChangeWatch&) = delete;

  // Blocks for the next batch. False once the stream has ended; Finish()
  // then says why.
  bool Next(pdp::v1::WatchResponse* batch);

  // Ends the stream; a Next() blocked in another thread returns false.
  void Cancel() { ctx_.TryCancel(); }

  // How the stream ended: CANCELLED after Cancel(), UNAVAILABLE when the
  // server shut down or could not be reached, INVALID_ARGUMENT for a
  // negative from_revision. Cancels first if the stream is still open.
  absl::Status Finish();

  // Where to resume after the stream ends: the last revision received + 1
  // (the from_revision asked for until a batch arrives).
  int64_t next_revision() const { return next_revision_.load(); }

 private:
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReader<pdp::v1::WatchResponse>> reader_;  // null if never opened
  std::atomic<int64_t> next_revision_;
  bool ended_ = false;     // Next() returned false
  bool finished_ = false;  // Finish() collected the status
  absl::Status status_;
};

}  // namespace pdp

#endif  // BILLING_PDP_CHANGE_WATCH_H_
