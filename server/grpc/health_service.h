// grpc.health.v1.Health on gRPC's synchronous API.
//
// Why not grpc::EnableDefaultHealthCheckService: in gRPC 1.51 the default
// service is written on the callback API, and a server with any callback
// service starts extra "nexting" threads that poll alongside the
// completion-queue threads serving Authorize. On 2 cores those threads cost
// a third of Authorize's throughput (measured: 21-28k against 39k calls/s
// at concurrency 16). This one answers Check and Watch the same way
// without them.
//
// Check: the status set for the service name ("" is the server as a
// whole), NOT_FOUND for a name never set. Watch: the current status
// (SERVICE_UNKNOWN for an unknown name), then every change, until the
// client leaves (noticed within 100 ms) or Shutdown(). Each Watch holds a
// thread, and anyone may open one, so at most `max_watches` are open at
// once (beyond: RESOURCE_EXHAUSTED, reason TOO_MANY_WATCHES). Both send the
// server's version (VersionString(), as --version prints it) in the
// "pdp-server-version" response header: grpc.health.v1's messages have no
// field for it. Thread-safe.
#ifndef PDP_SERVER_GRPC_HEALTH_SERVICE_H_
#define PDP_SERVER_GRPC_HEALTH_SERVICE_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "server/app/concurrency_limit.h"

namespace pdp {

inline constexpr char kServerVersionHeader[] = "pdp-server-version";

class HealthService final : public grpc::health::v1::Health::Service {
 public:
  explicit HealthService(int max_watches = 64)
      : watches_(max_watches, "Health.Watch streams open", "--max-watches", "TOO_MANY_WATCHES") {}

  void SetServing(const std::string& service, bool serving);
  // Every service NOT_SERVING from now on; open Watch streams end.
  void Shutdown();

  grpc::Status Check(grpc::ServerContext* context,
                     const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override;
  grpc::Status Watch(grpc::ServerContext* context,
                     const grpc::health::v1::HealthCheckRequest* request,
                     grpc::ServerWriter<grpc::health::v1::HealthCheckResponse>* writer) override;

 private:
  using Status = grpc::health::v1::HealthCheckResponse::ServingStatus;
  Status StatusOf(const std::string& service) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Status> statuses_ ABSL_GUARDED_BY(mu_);
  int64_t version_ ABSL_GUARDED_BY(mu_) = 0;  // bumped on every change
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  ConcurrencyLimit watches_;
};

}  // namespace pdp

#endif  // PDP_SERVER_GRPC_HEALTH_SERVICE_H_
