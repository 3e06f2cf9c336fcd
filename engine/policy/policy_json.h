// A strict JSON reader for policy documents. IAM rejects documents that a
// lenient parser would accept (duplicate keys, trailing garbage), and users
// need to know *where* a document is wrong, so errors carry a JSON path
// ("Statement[1].Action") or a line and column.
#ifndef PDP_ENGINE_POLICY_POLICY_JSON_H_
#define PDP_ENGINE_POLICY_POLICY_JSON_H_

#include <initializer_list>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace pdp {

using Json = nlohmann::ordered_json;

// Parses `text` as one JSON value (RFC 8259). Rejects duplicate object keys,
// nesting deeper than 64 and anything after the value. INVALID_ARGUMENT with
// a BadRequest whose field is the JSON path of the problem ("" = the root).
absl::StatusOr<Json> ParseStrictJson(absl::string_view text);

// For data files with a fixed shape: INVALID_ARGUMENT naming `path` when
// `object` is not an object, or naming "<path>.<key>" for the first member
// not in `allowed` (so a typo never silently drops a setting).
absl::Status CheckKnownFields(const Json& object, absl::string_view path,
                              std::initializer_list<absl::string_view> allowed);

}  // namespace pdp

#endif  // PDP_ENGINE_POLICY_POLICY_JSON_H_
