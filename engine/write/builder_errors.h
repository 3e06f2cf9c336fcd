// Errors the snapshot builder's change handlers share (internal to the
// engine): a missing object, a stale etag, a documented refusal.
#ifndef PDP_ENGINE_WRITE_BUILDER_ERRORS_H_
#define PDP_ENGINE_WRITE_BUILDER_ERRORS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "base/errors.h"

namespace pdp {

inline absl::Status NotFound(absl::string_view field, absl::string_view what) {
  return FieldError(field, absl::StrCat(what, " does not exist"), absl::StatusCode::kNotFound);
}

// ABORTED (ETAG_MISMATCH) when `given` is set and differs from `current`.
inline absl::Status CheckEtag(absl::string_view field, absl::string_view given,
                              const std::string& current) {
  if (given.empty() || given == current) return absl::OkStatus();
  return WithReason(
      FieldError(field,
                 absl::StrCat("etag ", QuoteInput(given), " does not match the current etag \"",
                              current, "\" (read the object again)"),
                 absl::StatusCode::kAborted),
      "ETAG_MISMATCH");
}

inline absl::Status Refuse(absl::StatusCode code, absl::string_view field,
                           absl::string_view message, absl::string_view reason) {
  return WithReason(FieldError(field, message, code), reason);
}

}  // namespace pdp

#endif  // PDP_ENGINE_WRITE_BUILDER_ERRORS_H_
