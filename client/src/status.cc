#include "billing_pdp/status.h"

#include "absl/strings/cord.h"
#include "google/rpc/error_details.pb.h"

namespace pdp {
namespace {

constexpr char kErrorInfoUrl[] = "type.googleapis.com/google.rpc.ErrorInfo";
constexpr char kBadRequestUrl[] = "type.googleapis.com/google.rpc.BadRequest";

}  // namespace

absl::Status FromRpcStatus(const google::rpc::Status& rpc) {
  if (rpc.code() == 0) return absl::OkStatus();
  absl::Status out(static_cast<absl::StatusCode>(rpc.code()), rpc.message());
  for (const auto& any : rpc.details()) out.SetPayload(any.type_url(), absl::Cord(any.value()));
  return out;
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  google::rpc::Status rpc;
  if (!status.error_details().empty() && rpc.ParseFromString(status.error_details())) {
    rpc.set_code(status.error_code());
    rpc.set_message(status.error_message());
    return FromRpcStatus(rpc);
  }
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

std::string ServerErrorReason(const absl::Status& status) {
  auto payload = status.GetPayload(kErrorInfoUrl);
  google::rpc::ErrorInfo info;
  if (!payload || !info.ParseFromString(std::string(*payload))) return "";
  return info.reason();
}

std::vector<std::string> ServerErrorFields(const absl::Status& status) {
  std::vector<std::string> out;
  auto payload = status.GetPayload(kBadRequestUrl);
  google::rpc::BadRequest br;
  if (!payload || !br.ParseFromString(std::string(*payload))) return out;
  for (const auto& v : br.field_violations()) out.push_back(v.field());
  return out;
}

}  // namespace pdp
