#include "server/grpc/reflection/reflection_service.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "server/grpc/grpc_errors.h"

namespace pdp {

namespace v1 = grpc::reflection::v1;
namespace v1alpha = grpc::reflection::v1alpha;

namespace {

std::vector<std::string> WithReflection(std::vector<std::string> services) {
  services.push_back(v1::ServerReflection::service_full_name());
  services.push_back(v1alpha::ServerReflection::service_full_name());
  return services;
}

// v1alpha and v1 have the same messages under another package: same field
// numbers and types, so one converts to the other through the wire format.
template <typename To, typename From>
bool Convert(const From& from, To* to) {
  std::string bytes;
  return from.SerializeToString(&bytes) && to->ParseFromString(bytes);
}

}  // namespace

ReflectionServices::ReflectionServices(std::vector<std::string> services, ReflectionOptions options)
    : options_(options),
      // error_details.proto: the BadRequest, ErrorInfo... that errors carry
      // (server/grpc/grpc_errors.h), which no service's file imports.
      catalog_(google::protobuf::DescriptorPool::generated_pool(),
               WithReflection(std::move(services)), {"google/rpc/error_details.proto"}),
      streams_(options.max_streams, "reflection streams open", "--max-watches",
               "TOO_MANY_REFLECTION_STREAMS") {}

void ReflectionServices::RegisterWith(grpc::ServerBuilder* builder) {
  builder->RegisterService(&v1_);
  builder->RegisterService(&v1alpha_);
}

grpc::Status ReflectionServices::Serve(
    grpc::ServerContext* context, const std::function<bool(v1::ServerReflectionRequest*)>& read,
    const std::function<bool(const v1::ServerReflectionResponse&)>& write) {
  absl::Status refused;
  ConcurrencyLimit::Slot slot = streams_.TryAcquire(&refused);
  if (!slot) return ToGrpcStatus(refused);
  ReflectionSession session(&catalog_);
  int answered = 0;
  v1::ServerReflectionRequest request;
  while (read(&request)) {
    if (stopping_.load()) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "the server is shutting down; reflect on another server");
    }
    if (answered == options_.max_requests_per_stream) {
      return ToGrpcStatus(
          WithReason(absl::ResourceExhaustedError(absl::StrCat(
                         "at most ", options_.max_requests_per_stream,
                         " reflection requests on one stream; open a new stream for more")),
                     "TOO_MANY_REFLECTION_REQUESTS"));
    }
    ++answered;
    if (!write(session.Answer(request))) break;
    if (context->IsCancelled()) break;
  }
  return grpc::Status::OK;
}

grpc::Status ReflectionServices::V1::ServerReflectionInfo(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::ServerReflectionResponse, v1::ServerReflectionRequest>* stream) {
  return owner_->Serve(
      context, [&](v1::ServerReflectionRequest* r) { return stream->Read(r); },
      [&](const v1::ServerReflectionResponse& r) { return stream->Write(r); });
}

grpc::Status ReflectionServices::V1Alpha::ServerReflectionInfo(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1alpha::ServerReflectionResponse, v1alpha::ServerReflectionRequest>*
        stream) {
  return owner_->Serve(
      context,
      [&](v1::ServerReflectionRequest* r) {
        v1alpha::ServerReflectionRequest alpha;
        return stream->Read(&alpha) && Convert(alpha, r);
      },
      [&](const v1::ServerReflectionResponse& r) {
        v1alpha::ServerReflectionResponse alpha;
        return Convert(r, &alpha) && stream->Write(alpha);
      });
}

}  // namespace pdp
