// absl::Status -> grpc::Status at the gRPC edge: the canonical code, the
// message, and the google.rpc.Status of server/app/rpc_status.h (with the
// ErrorInfo and BadRequest payloads, bounded as that header says) in
// grpc-status-details-bin, so any client can read the reason and the field
// paths.
#ifndef PDP_SERVER_GRPC_ERRORS_H_
#define PDP_SERVER_GRPC_ERRORS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace pdp {

// OK for an OK status; otherwise the code, ToRpcStatus's (bounded) message
// and its serialized google.rpc.Status as the details. Thread-safe.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace pdp

#endif  // PDP_SERVER_GRPC_ERRORS_H_
