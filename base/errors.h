// Errors with machine-readable details. Inside billing-pdp every error is an
// absl::Status; these helpers attach field violations (field paths) and a
// reason (from our documented list) as status payloads in billing-pdp's own
// encoding (string_list_codec.h: no protobuf here). The gRPC edge
// (server/grpc_errors.h) turns them into a google.rpc.BadRequest and a
// google.rpc.ErrorInfo in grpc-status-details-bin.
#ifndef PDP_BASE_ERRORS_H_
#define PDP_BASE_ERRORS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace pdp {

// Payload type URLs of the details, both EncodeStringList's format: the
// violations as field, description, field, description...; the reason as one
// string. billing-pdp's code reads and writes them only through the
// functions below (tests forge them to check corrupt ones are ignored).
// Every function here is a pure function of its arguments: thread-safe.
inline constexpr absl::string_view kFieldViolationsUrl = "billing-pdp/pdp.base.FieldViolations";
inline constexpr absl::string_view kErrorReasonUrl = "billing-pdp/pdp.base.ErrorReason";

// One request field an error is about (a google.rpc.BadRequest.FieldViolation
// on the wire).
struct FieldViolation {
  std::string field;
  std::string description;
  friend bool operator==(const FieldViolation&, const FieldViolation&) = default;
};

// ---- Echoing caller input -------------------------------------------------
// Error messages and field paths quote what the caller sent (a page id, an
// ARN, a context key...). A caller controls its length, and gRPC carries the
// message and details in trailers that clients refuse beyond 8 KiB by
// default: an unbounded echo turns a precise INVALID_ARGUMENT into a
// transport error (and doubles the bytes a hostile caller gets back). So
// every echo goes through these.

// The most bytes of caller text an error quotes.
inline constexpr size_t kMaxEchoBytes = 128;

// `text` quoted for a message: "text" when at most `max_bytes` long, else its
// first bytes (never cutting a UTF-8 sequence), "…" and its full length:
// "billing_bi…" (20480 bytes).
std::string QuoteInput(absl::string_view text, size_t max_bytes = kMaxEchoBytes);

// The same without the quotes, for field paths: context.keys[aws:Re…(20480 bytes)].
std::string ShortInput(absl::string_view text, size_t max_bytes = kMaxEchoBytes);

// The longest prefix of `text` of at most `max_bytes` that does not end inside
// a UTF-8 sequence.
absl::string_view Utf8Prefix(absl::string_view text, size_t max_bytes);

// `text` made valid UTF-8 (bytes of invalid sequences become "\xNN", as
// proto3 strings require) and at most `max_bytes` long, cut with "…".
std::string BoundedText(absl::string_view text, size_t max_bytes);

// FieldError, AtField and PrefixFieldPaths keep field paths and descriptions
// within these bounds whatever their callers pass (a last line of defence;
// callers echo through QuoteInput / ShortInput), cutting with "…".
inline constexpr size_t kMaxFieldPathBytes = 512;
inline constexpr size_t kMaxDescriptionBytes = 1024;

// An error about one request field: INVALID_ARGUMENT (or `code`) whose
// message starts with the field path, with that one field violation.
absl::Status FieldError(absl::string_view field, absl::string_view description,
                        absl::StatusCode code = absl::StatusCode::kInvalidArgument);

// Re-labels an error from a lower layer (which does not know the field) as
// being about `field`. OK stays OK.
absl::Status AtField(absl::string_view field, const absl::Status& status);

// Prepends `prefix` to every field path in `status` (e.g. "changes[3].").
absl::Status PrefixFieldPaths(absl::string_view prefix, const absl::Status& status);

// Attaches `reason` (UPPER_SNAKE_CASE), replacing any earlier one. OK stays
// OK.
absl::Status WithReason(absl::Status status, absl::string_view reason);

// The reason of `status`, or nullopt if none is attached (or its payload is
// corrupt).
std::optional<std::string> GetErrorReason(const absl::Status& status);

// The reason of `status`, or "" if none.
std::string ErrorReason(const absl::Status& status);

// `status` with its field violations replaced by `violations`, as they are
// (no bounds applied). OK stays OK.
absl::Status WithFieldViolations(absl::Status status,
                                 const std::vector<FieldViolation>& violations);

// The field violations of `status` in order, or nullopt if none are attached
// (OK, a plain error) or their payload is corrupt.
std::optional<std::vector<FieldViolation>> GetFieldViolations(const absl::Status& status);

}  // namespace pdp

#endif  // PDP_BASE_ERRORS_H_
