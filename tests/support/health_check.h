// One grpc.health.v1 Check against a server, for the end-to-end tests that
// watch a service go NOT_SERVING and back. Header-only; link
// pdp_test_grpc_stubs.
#ifndef PDP_TESTS_SUPPORT_HEALTH_CHECK_H_
#define PDP_TESTS_SUPPORT_HEALTH_CHECK_H_

#include <chrono>
#include <memory>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace pdp::test {

// The health status of `service` ("" for the server as a whole); UNKNOWN
// when the check itself fails (5 s deadline).
inline grpc::health::v1::HealthCheckResponse::ServingStatus HealthOf(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  if (!stub->Check(&ctx, request, &response).ok()) {
    return grpc::health::v1::HealthCheckResponse::UNKNOWN;
  }
  return response.status();
}

}  // namespace pdp::test

#endif  // PDP_TESTS_SUPPORT_HEALTH_CHECK_H_
