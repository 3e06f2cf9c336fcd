#include "server/metrics/rpc_interceptor.h"

#include <chrono>

#include "absl/strings/match.h"

namespace pdp {
namespace {

using grpc::experimental::InterceptionHookPoints;

// One per call: started when gRPC creates it (the call has been matched to
// its method), recorded when the status is sent.
class RpcMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  RpcMetricsInterceptor(ServerMetrics* metrics, int method)
      : metrics_(metrics), method_(method), start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const auto took = std::chrono::steady_clock::now() - start_;
      metrics_->RecordRpc(method_, static_cast<int>(methods->GetSendStatus().error_code()),
                          std::chrono::duration_cast<std::chrono::nanoseconds>(took).count());
    }
    methods->Proceed();
  }

 private:
  ServerMetrics* metrics_;
  const int method_;
  const std::chrono::steady_clock::time_point start_;
};

}  // namespace

grpc::experimental::Interceptor* RpcMetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  const char* path = info->method();
  if (path != nullptr && absl::StartsWith(path, skip_prefix_)) return nullptr;
  return new RpcMetricsInterceptor(metrics_, metrics_->MethodId(path == nullptr ? "" : path));
}

}  // namespace pdp
