// Small string helpers shared by every layer.
#ifndef PDP_COMMON_BASE_STRINGS_H_
#define PDP_COMMON_BASE_STRINGS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace pdp {

// ASCII lower-casing (IAM names and actions are ASCII).
std::string AsciiLower(absl::string_view s);

// True when `s` is exactly 12 ASCII digits (an AWS account id).
bool IsAccountId(absl::string_view s);

}  // namespace pdp

#endif  // PDP_COMMON_BASE_STRINGS_H_
