#include "server/grpc_errors.h"

#include <string>

#include "common/base/errors.h"

namespace pdp {

google::rpc::Status ToRpcStatus(const absl::Status& status) {
  google::rpc::Status out;
  out.set_code(static_cast<int>(status.code()));
  out.set_message(std::string(status.message()));
  // ErrorInfo first: clients look for the reason before the field details.
  for (absl::string_view url : {kErrorInfoUrl, kBadRequestUrl}) {
    auto payload = status.GetPayload(url);
    if (!payload) continue;
    auto* any = out.add_details();
    any->set_type_url(std::string(url));
    any->set_value(std::string(*payload));
  }
  return out;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  google::rpc::Status rpc = ToRpcStatus(status);
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()),
                      rpc.SerializeAsString());
}

}  // namespace pdp
