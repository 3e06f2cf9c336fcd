#include "billing_pdp/change_watch.h"

#include "bearer_token.h"  // private to the library
#include "billing_pdp/status.h"

namespace pdp {

ChangeWatch::ChangeWatch(pdp::v1::AdminService::Stub& stub, const std::string& token,
                         int64_t from_revision)
    : next_revision_(from_revision) {
  AddBearerToken(ctx_, token);
  pdp::v1::WatchRequest request;
  request.set_from_revision(from_revision);
  reader_ = stub.Watch(&ctx_, request);
}

ChangeWatch::ChangeWatch(absl::Status failed, int64_t from_revision)
    : next_revision_(from_revision), ended_(true), finished_(true), status_(std::move(failed)) {}

ChangeWatch::~ChangeWatch() { Finish().IgnoreError(); }

bool ChangeWatch::Next(pdp::v1::WatchResponse* batch) {
  if (ended_) return false;
  if (!reader_->Read(batch)) {
    ended_ = true;
    return false;
  }
  next_revision_.store(batch->revision() + 1);
  return true;
}

absl::Status ChangeWatch::Finish() {
  if (finished_) return status_;
  if (!ended_) {
    // gRPC's Finish waits for the stream to end: end it, and drain what
    // was already on the way.
    ctx_.TryCancel();
    pdp::v1::WatchResponse ignored;
    while (reader_->Read(&ignored)) {
    }
    ended_ = true;
  }
  status_ = FromGrpcStatus(reader_->Finish());
  finished_ = true;
  return status_;
}

}  // namespace pdp
