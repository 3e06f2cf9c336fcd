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

// GlobMatch where only some pattern characters act as wildcards:
// `is_wildcard(i)` tells whether pattern[i] ('*' or '?') is one; a '*' or '?'
// that is not matches only itself. Policy variables use this to keep
// substituted text literal.
template <typename IsWildcard>
bool GlobMatchWith(absl::string_view pattern, absl::string_view text, IsWildcard is_wildcard) {
  auto is_star = [&](size_t p) { return pattern[p] == '*' && is_wildcard(p); };
  size_t p = 0, t = 0;
  // Position of the last '*' seen and the text position it was tried at:
  // on a mismatch we let that star swallow one more character.
  size_t star = absl::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && is_star(p)) {
      // Checked first: a wildcard '*' stays one even where the text holds a '*'.
      star = p++;
      star_text = t;
    } else if (p < pattern.size() &&
               ((pattern[p] == '?' && is_wildcard(p)) || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star != absl::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && is_star(p)) ++p;
  return p == pattern.size();
}

// True when `s` contains '*' or '?'.
bool HasWildcard(absl::string_view s);

// "service:Action" with exactly one colon, both sides non-empty, and no
// wildcard: an action a request or a catalogue page can name.
bool IsConcreteAction(absl::string_view action);

}  // namespace pdp

#endif  // PDP_COMMON_BASE_GLOB_H_
