#include "server/grpc/health_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/errors.h"
#include "base/version.h"
#include "server/app/revision_gate.h"
#include "server/grpc/grpc_errors.h"

namespace pdp {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

void HealthService::SetServing(const std::string& service, bool serving) {
  absl::MutexLock lock(&mu_);
  if (shutdown_) return;
  statuses_[service] = serving ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
  ++version_;
}

void HealthService::Shutdown() {
  absl::MutexLock lock(&mu_);
  shutdown_ = true;
  for (auto& [name, status] : statuses_) status = HealthCheckResponse::NOT_SERVING;
  ++version_;
}

HealthService::Status HealthService::StatusOf(const std::string& service) const {
  auto it = statuses_.find(service);
  return it == statuses_.end() ? HealthCheckResponse::SERVICE_UNKNOWN : it->second;
}

grpc::Status HealthService::Check(grpc::ServerContext* context, const HealthCheckRequest* request,
                                  HealthCheckResponse* response) {
  context->AddInitialMetadata(kServerVersionHeader, VersionString());
  absl::ReaderMutexLock lock(&mu_);
  Status status = StatusOf(request->service());
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("unknown service ", QuoteInput(request->service())));
  }
  response->set_status(status);
  return grpc::Status::OK;
}

grpc::Status HealthService::Watch(grpc::ServerContext* context, const HealthCheckRequest* request,
                                  grpc::ServerWriter<HealthCheckResponse>* writer) {
  absl::Status refused;
  ConcurrencyLimit::Slot stream = watches_.TryAcquire(&refused);
  if (!stream) return ToGrpcStatus(refused);
  context->AddInitialMetadata(kServerVersionHeader, VersionString());
  int64_t seen = -1;
  Status last = HealthCheckResponse::UNKNOWN;
  while (!context->IsCancelled()) {
    Status status;
    bool done;
    {
      absl::MutexLock lock(&mu_);
      // Wakes on a change, or after a while to look at the client.
      auto changed = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return version_ != seen; };
      mu_.AwaitWithTimeout(absl::Condition(&changed), kCancelCheckInterval);
      if (version_ == seen) continue;
      seen = version_;
      status = StatusOf(request->service());
      done = shutdown_;
    }
    if (status != last) {
      HealthCheckResponse response;
      response.set_status(status);
      if (!writer->Write(response)) break;
      last = status;
    }
    if (done) break;
  }
  return grpc::Status::OK;
}

}  // namespace pdp
