// Wildcard matching as IAM does it: '*' matches any run of characters
// (including none), '?' matches exactly one character.
#ifndef PDP_COMMON_BASE_GLOB_H_
#define PDP_COMMON_BASE_GLOB_H_

#include <cstddef>
#include <vector>

#include "absl/strings/string_view.h"

namespace pdp {

// True when `text` matches `pattern`. Case-sensitive; callers that need
// case-insensitive matching lower-case both sides first. No recursion, and
// the cost is bounded whatever the input: short inputs take the greedy
// backtracking path (fastest for the patterns policies hold); once
// |pattern| * |text| could make backtracking expensive (a pattern such as
// "*aaaa...b" against a long run of 'a's), a bit-parallel automaton is used
// instead, costing O(|text| * |pattern| / 64) word operations.
bool GlobMatch(absl::string_view pattern, absl::string_view text);

// Above this |pattern| * |text| the greedy matcher's worst case is too
// expensive and GlobMatchWith uses the bit-parallel automaton.
inline constexpr size_t kGreedyGlobLimit = size_t{1} << 14;

// The bit-parallel matcher (exposed for GlobMatchWith and tests):
// `wildcard[i]` tells whether pattern[i] ('*' or '?') acts as a wildcard.
bool GlobMatchBitParallel(absl::string_view pattern, absl::string_view text,
                          const std::vector<bool>& wildcard);

// GlobMatch where only some pattern characters act as wildcards:
// `is_wildcard(i)` tells whether pattern[i] ('*' or '?') is one; a '*' or '?'
// that is not matches only itself. Policy variables use this to keep
// substituted text literal.
template <typename IsWildcard>
bool GlobMatchWith(absl::string_view pattern, absl::string_view text, IsWildcard is_wildcard) {
  if (pattern.size() * text.size() > kGreedyGlobLimit) {
    std::vector<bool> wildcard(pattern.size());
    for (size_t i = 0; i < pattern.size(); ++i) {
      wildcard[i] = (pattern[i] == '*' || pattern[i] == '?') && is_wildcard(i);
    }
    return GlobMatchBitParallel(pattern, text, wildcard);
  }
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
