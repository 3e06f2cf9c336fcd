// Wildcard matching as IAM does it: '*' matches any run of characters
// (including none), '?' matches exactly one character.
#ifndef PDP_COMMON_BASE_GLOB_H_
#define PDP_COMMON_BASE_GLOB_H_

#include "absl/strings/string_view.h"

namespace pdp {

// True when `text` matches `pattern`. Case-sensitive; callers that need
// case-insensitive matching lower-case both sides first. Linear in
// |pattern| * |text| at worst, no recursion.
bool GlobMatch(absl::string_view pattern, absl::string_view text);

// True when `s` contains '*' or '?'.
bool HasWildcard(absl::string_view s);

}  // namespace pdp

#endif  // PDP_COMMON_BASE_GLOB_H_
