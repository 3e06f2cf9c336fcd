#include "common/base/glob.h"

namespace pdp {

bool GlobMatch(absl::string_view pattern, absl::string_view text) {
  size_t p = 0, t = 0;
  // Position of the last '*' seen and the text position it was tried at:
  // on a mismatch we let that star swallow one more character.
  size_t star = absl::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      // Checked first: a '*' in the pattern is always a wildcard, even where
      // the text holds a '*' too.
      star = p++;
      star_text = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star != absl::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool HasWildcard(absl::string_view s) { return s.find_first_of("*?") != absl::string_view::npos; }

}  // namespace pdp
