// gRPC errors as absl::Status, keeping the server's google.rpc details: the
// ErrorInfo reason and BadRequest field paths.
#ifndef BILLING_PDP_STATUS_H_
#define BILLING_PDP_STATUS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"

namespace pdp {

// The same code and message; the details become payloads keyed by their
// type URL.
absl::Status FromGrpcStatus(const grpc::Status& status);
absl::Status FromRpcStatus(const google::rpc::Status& status);

// The ErrorInfo reason the server gave ("" if none), e.g. ROOT_USER_REQUIRED.
std::string ServerErrorReason(const absl::Status& status);

// The BadRequest field paths the server named, e.g. "page.page_id".
std::vector<std::string> ServerErrorFields(const absl::Status& status);

}  // namespace pdp

#endif  // BILLING_PDP_STATUS_H_
