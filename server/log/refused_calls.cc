#include "server/log/refused_calls.h"

#include <string>

#include "absl/strings/match.h"
#include "base/errors.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/server_context.h"
#include "server/log/logger.h"

namespace pdp {
namespace {

constexpr absl::string_view kAuthorizationPrefix = "/pdp.v1.AuthorizationService/";

log::Level LevelOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kCancelled:
      return log::Level::kInfo;
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kUnavailable:
      return log::Level::kWarning;
    default:
      return log::Level::kError;
  }
}

void Log(absl::string_view method, absl::StatusCode code, absl::string_view message,
         absl::string_view reason, absl::string_view peer) {
  if (code == absl::StatusCode::kOk || code == absl::StatusCode::kCancelled) return;
  const log::Level level = LevelOf(code);
  log::Logger& logger = log::ServerLog();
  if (!logger.Enabled(level)) return;
  const bool data_plane = absl::StartsWith(method, kAuthorizationPrefix);
  logger.LogLimited(data_plane ? "refused/AuthorizationService" : "refused/other", level, "refused",
                    message,
                    {log::Field("method", log::Truncated(method, 160)),
                     log::Field("code", absl::StatusCodeToString(code)),
                     log::Field("reason", reason), log::Field("peer", peer)});
}

std::string ReasonOf(const grpc::Status& status) {
  if (status.error_details().empty()) return "";
  google::rpc::Status rpc;
  if (!rpc.ParseFromString(status.error_details())) return "";
  for (const auto& detail : rpc.details()) {
    google::rpc::ErrorInfo info;
    if (detail.Is<google::rpc::ErrorInfo>() && detail.UnpackTo(&info)) return info.reason();
  }
  return "";
}

class Interceptor final : public grpc::experimental::Interceptor {
 public:
  explicit Interceptor(grpc::experimental::ServerRpcInfo* info) : info_(info) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      if (!status.ok()) {
        LogRefusedCall(info_->method() == nullptr ? "" : info_->method(), status,
                       info_->server_context() == nullptr ? "" : info_->server_context()->peer());
      }
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
};

class Factory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    const char* method = info->method();
    if (method != nullptr && absl::StartsWith(method, kAuthorizationPrefix)) return nullptr;
    return new Interceptor(info);
  }
};

}  // namespace

void LogRefusedCall(absl::string_view method, const absl::Status& status, absl::string_view peer) {
  if (status.ok()) return;
  Log(method, status.code(), status.message(), ErrorReason(status), peer);
}

void LogRefusedCall(absl::string_view method, const grpc::Status& status, absl::string_view peer) {
  if (status.ok()) return;
  Log(method, static_cast<absl::StatusCode>(status.error_code()), status.error_message(),
      ReasonOf(status), peer);
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
RefusedCallLoggingInterceptor() {
  return std::make_unique<Factory>();
}

}  // namespace pdp
