// grpc.reflection.v1.ServerReflection and grpc.reflection.v1alpha's (older
// clients, grpcurl among them, still ask for it first or only), both on
// gRPC's synchronous API and answered by ReflectionSession
// (reflection_session.h says why not gRPC's own plugin).
//
// Each stream holds a server thread while open, and anyone may open one
// (server/grpc/method_access.cc lets reflection through without credentials), so:
// at most `max_streams` open at once across both versions (beyond:
// RESOURCE_EXHAUSTED, reason TOO_MANY_REFLECTION_STREAMS); at most
// `max_requests_per_stream` requests on one stream (beyond: the stream ends
// with RESOURCE_EXHAUSTED, reason TOO_MANY_REFLECTION_REQUESTS; a client
// opens a new one); names over kMaxReflectionNameBytes are answered with an
// INVALID_ARGUMENT error_response. After Shutdown() a stream ends with
// UNAVAILABLE at its next request (a stream idle in a read ends when the
// server's own shutdown cancels it). Thread-safe.
#ifndef PDP_SERVER_GRPC_REFLECTION_REFLECTION_SERVICE_H_
#define PDP_SERVER_GRPC_REFLECTION_REFLECTION_SERVICE_H_

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/app/concurrency_limit.h"
#include "server/grpc/reflection/reflection_session.h"

namespace pdp {

struct ReflectionOptions {
  int max_streams = 64;
  int max_requests_per_stream = 1000;
};

class ReflectionServices {
 public:
  // `services`: full names of the other services the server registers
  // (both reflection services are added to the list). Files come from the
  // generated descriptor pool.
  ReflectionServices(std::vector<std::string> services, ReflectionOptions options);

  // Registers both versions; `this` must outlive the server.
  void RegisterWith(grpc::ServerBuilder* builder);
  void Shutdown() { stopping_.store(true); }

 private:
  class V1 final : public grpc::reflection::v1::ServerReflection::Service {
   public:
    explicit V1(ReflectionServices* owner) : owner_(owner) {}
    grpc::Status ServerReflectionInfo(
        grpc::ServerContext* context,
        grpc::ServerReaderWriter<grpc::reflection::v1::ServerReflectionResponse,
                                 grpc::reflection::v1::ServerReflectionRequest>* stream) override;

   private:
    ReflectionServices* owner_;
  };
  class V1Alpha final : public grpc::reflection::v1alpha::ServerReflection::Service {
   public:
    explicit V1Alpha(ReflectionServices* owner) : owner_(owner) {}
    grpc::Status ServerReflectionInfo(
        grpc::ServerContext* context,
        grpc::ServerReaderWriter<grpc::reflection::v1alpha::ServerReflectionResponse,
                                 grpc::reflection::v1alpha::ServerReflectionRequest>* stream)
        override;

   private:
    ReflectionServices* owner_;
  };

  // One stream of either version, in v1's messages: `read` returns false
  // when the client is done, `write` false when it is gone.
  grpc::Status Serve(
      grpc::ServerContext* context,
      const std::function<bool(grpc::reflection::v1::ServerReflectionRequest*)>& read,
      const std::function<bool(const grpc::reflection::v1::ServerReflectionResponse&)>& write);

  const ReflectionOptions options_;
  const ReflectionCatalog catalog_;
  ConcurrencyLimit streams_;
  std::atomic<bool> stopping_{false};
  V1 v1_{this};
  V1Alpha v1alpha_{this};
};

}  // namespace pdp

#endif  // PDP_SERVER_GRPC_REFLECTION_REFLECTION_SERVICE_H_
