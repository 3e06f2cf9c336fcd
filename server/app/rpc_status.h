// absl::Status -> google.rpc.Status: the canonical code, the message, and
// details, so any client can read the reason and the field paths: the
// status's reason and field violations (base/errors.h) become a
// google.rpc.ErrorInfo and a google.rpc.BadRequest here, and only here. The
// gRPC edge sends it as a call's status (server/grpc/grpc_errors.h);
// BatchAuthorize puts one in each failed item
// (server/app/authorization_handlers.cc). Protobuf only, no gRPC.
//
// Bounded whatever the status holds: gRPC sends the message and the details
// as trailers, which clients refuse beyond 8 KiB by default
// (GRPC_ARG_MAX_METADATA_SIZE); the call would then fail with a transport
// RESOURCE_EXHAUSTED instead of its own error. The message is cut to
// kMaxGrpcMessageBytes as gRPC encodes it, each field violation's path and
// description to kMaxViolationBytes, and the BadRequest keeps the first
// violations that fit in kMaxBadRequestBytes (the message then says how many
// were left out): at most about 4 KiB of trailers in all.
#ifndef PDP_SERVER_APP_RPC_STATUS_H_
#define PDP_SERVER_APP_RPC_STATUS_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/rpc/status.pb.h"

namespace pdp {

// Domain of every ErrorInfo we send.
inline constexpr absl::string_view kErrorDomain = "billing-pdp";

// grpc-message, percent-encoded as gRPC sends it (the same text is in the
// details, base64-encoded).
inline constexpr size_t kMaxGrpcMessageBytes = 768;
// A field violation's field path, and its description.
inline constexpr size_t kMaxViolationBytes = 256;
// The serialized BadRequest.
inline constexpr size_t kMaxBadRequestBytes = 1536;

// The google.rpc.Status form of `status` (code, message, details), bounded
// as above. Thread-safe.
google::rpc::Status ToRpcStatus(const absl::Status& status);

}  // namespace pdp

#endif  // PDP_SERVER_APP_RPC_STATUS_H_
