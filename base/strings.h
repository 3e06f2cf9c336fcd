// Small string helpers shared by every layer.
#ifndef PDP_BASE_STRINGS_H_
#define PDP_BASE_STRINGS_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace pdp {

// ASCII lower-casing (IAM names and actions are ASCII).
std::string AsciiLower(absl::string_view s);

// True when `s` is exactly 12 ASCII digits (an AWS account id).
bool IsAccountId(absl::string_view s);

// The longest page token any listing accepts. Tokens carry one key (an ARN
// of at most 2,048 bytes, or a shorter id) in base64: a longer one was not
// handed out, and is refused before it is decoded.
inline constexpr size_t kMaxPageTokenBytes = 4096;

}  // namespace pdp

#endif  // PDP_BASE_STRINGS_H_
