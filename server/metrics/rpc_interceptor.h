// Counts and times the calls of every service but AuthorizationService
// (AdminService, Health, reflection) for ServerMetrics: gRPC's server
// interceptors see each call's method and the status it ends with, so no
// handler needs to know about metrics. AuthorizationService counts its own
// calls where they finish (server/grpc/authorization_service.cc): no interceptor
// is created for them, keeping the Authorize path to the cost of gRPC's
// per-call interceptor check.
#ifndef PDP_SERVER_METRICS_RPC_INTERCEPTOR_H_
#define PDP_SERVER_METRICS_RPC_INTERCEPTOR_H_

#include <string>

#include "grpcpp/support/server_interceptor.h"
#include "server/metrics/server_metrics.h"

namespace pdp {

class RpcMetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // Calls whose path starts with `skip_prefix` ("/pdp.v1.AuthorizationService/")
  // are left alone. `metrics` must outlive the server.
  RpcMetricsInterceptorFactory(ServerMetrics* metrics, std::string skip_prefix)
      : metrics_(metrics), skip_prefix_(std::move(skip_prefix)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  ServerMetrics* metrics_;
  std::string skip_prefix_;
};

}  // namespace pdp

#endif  // PDP_SERVER_METRICS_RPC_INTERCEPTOR_H_
