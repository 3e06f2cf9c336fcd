// absl::Status -> grpc::Status at the gRPC edge: the canonical code, the
// message, and a google.rpc.Status (with the ErrorInfo and BadRequest
// payloads) in grpc-status-details-bin, so any client can read the reason
// and the field paths.
#ifndef PDP_SERVER_GRPC_ERRORS_H_
#define PDP_SERVER_GRPC_ERRORS_H_

#include "absl/status/status.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"

namespace pdp {

// The google.rpc.Status form of `status` (code, message, details).
google::rpc::Status ToRpcStatus(const absl::Status& status);

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace pdp

#endif  // PDP_SERVER_GRPC_ERRORS_H_
