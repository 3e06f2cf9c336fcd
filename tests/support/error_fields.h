// The field paths of an error's field violations (base/errors.h), for
// tests' expectations. Header-only; needs only base/.
#ifndef PDP_TESTS_SUPPORT_ERROR_FIELDS_H_
#define PDP_TESTS_SUPPORT_ERROR_FIELDS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "base/errors.h"

namespace pdp::test {

// Every field path of `status`, in order (none for a plain error).
inline std::vector<std::string> FieldsOf(const absl::Status& status) {
  std::vector<std::string> out;
  if (std::optional<std::vector<FieldViolation>> violations = GetFieldViolations(status)) {
    for (const FieldViolation& v : *violations) out.push_back(v.field);
  }
  return out;
}

// The first field path of `status`, or "<none>".
inline std::string FieldOf(const absl::Status& status) {
  std::vector<std::string> fields = FieldsOf(status);
  return fields.empty() ? "<none>" : fields.front();
}

}  // namespace pdp::test

#endif  // PDP_TESTS_SUPPORT_ERROR_FIELDS_H_
