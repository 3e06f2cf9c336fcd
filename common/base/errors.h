// Errors with machine-readable details. Inside billing-pdp every error is an
// absl::Status; these helpers attach a google.rpc.BadRequest (field paths)
// and a google.rpc.ErrorInfo (a reason from our documented list) as status
// payloads, which the gRPC edge turns into grpc-status-details-bin.
#ifndef PDP_COMMON_BASE_ERRORS_H_
#define PDP_COMMON_BASE_ERRORS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/rpc/error_details.pb.h"

namespace pdp {

// Domain of every ErrorInfo we send.
inline constexpr absl::string_view kErrorDomain = "billing-pdp";

// Payload type URLs (the Any type URLs of the google.rpc messages).
inline constexpr absl::string_view kBadRequestUrl = "type.googleapis.com/google.rpc.BadRequest";
inline constexpr absl::string_view kErrorInfoUrl = "type.googleapis.com/google.rpc.ErrorInfo";

// An error about one request field: INVALID_ARGUMENT (or `code`) whose
// message starts with the field path, with a BadRequest payload.
absl::Status FieldError(absl::string_view field, absl::string_view description,
                        absl::StatusCode code = absl::StatusCode::kInvalidArgument);

// Re-labels an error from a lower layer (which does not know the field) as
// being about `field`. OK stays OK.
absl::Status AtField(absl::string_view field, const absl::Status& status);

// Prepends `prefix` to every field path in `status` (e.g. "changes[3].").
absl::Status PrefixFieldPaths(absl::string_view prefix, const absl::Status& status);

// Attaches an ErrorInfo with `reason` (UPPER_SNAKE_CASE).
absl::Status WithReason(absl::Status status, absl::string_view reason);

// The ErrorInfo reason of `status`, or "" if none.
std::string ErrorReason(const absl::Status& status);

// The BadRequest payload of `status`, if any.
bool GetBadRequest(const absl::Status& status, google::rpc::BadRequest* out);

}  // namespace pdp

#endif  // PDP_COMMON_BASE_ERRORS_H_
