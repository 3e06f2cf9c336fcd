// Wildcard matching as IAM does it: '*' matches any run of characters
// (including none), '?' matches exactly one character.
#ifndef PDP_BASE_GLOB_H_
#define PDP_BASE_GLOB_H_

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

// The bit-parallel automaton over the middle of a pattern: `pattern` starts
// and ends with a wildcard '*' and needs at most |text| characters;
// `wildcard[i]` tells whether pattern[i] acts as a wildcard. For
// GlobMatchBitParallel.
bool GlobMatchAutomaton(absl::string_view pattern, absl::string_view text,
                        const std::vector<bool>& wildcard);

// The bounded-cost matcher GlobMatchWith uses for long inputs (exposed for
// tests). The parts before the first wildcard '*' and after the last are
// anchored to the text's ends and compared directly; the automaton runs
// only on what lies between (for most patterns, "prefix*" or "*suffix",
// nothing), and only when the text is long enough to match at all.
template <typename IsWildcard>
bool GlobMatchBitParallel(absl::string_view pattern, absl::string_view text,
                          IsWildcard is_wildcard) {
  auto is_star = [&](size_t i) { return pattern[i] == '*' && is_wildcard(i); };
  auto char_matches = [&](size_t i, char c) {
    return pattern[i] == c || (pattern[i] == '?' && is_wildcard(i));
  };
  size_t first = 0;
  while (first < pattern.size() && !is_star(first)) ++first;
  if (first == pattern.size()) {  // no star: one character each
    if (text.size() != pattern.size()) return false;
    for (size_t i = 0; i < text.size(); ++i) {
      if (!char_matches(i, text[i])) return false;
    }
    return true;
  }
  size_t last = pattern.size() - 1;
  while (!is_star(last)) --last;
  const size_t suffix = pattern.size() - 1 - last;
  if (first + suffix > text.size()) return false;
  for (size_t i = 0; i < suffix; ++i) {
    if (!char_matches(last + 1 + i, text[text.size() - suffix + i])) return false;
  }
  for (size_t i = 0; i < first; ++i) {
    if (!char_matches(i, text[i])) return false;
  }
  const absl::string_view middle_text = text.substr(first, text.size() - first - suffix);
  std::vector<bool> wildcard(last - first + 1);
  size_t needed = 0;  // characters the middle must consume at least
  for (size_t i = first; i <= last; ++i) {
    wildcard[i - first] = (pattern[i] == '*' || pattern[i] == '?') && is_wildcard(i);
    if (!(wildcard[i - first] && pattern[i] == '*')) ++needed;
    if (needed > middle_text.size()) return false;
  }
  if (needed == 0) return true;  // only stars
  return GlobMatchAutomaton(pattern.substr(first, last - first + 1), middle_text, wildcard);
}

// The same with the wildcard flags in a vector.
inline bool GlobMatchBitParallel(absl::string_view pattern, absl::string_view text,
                                 const std::vector<bool>& wildcard) {
  return GlobMatchBitParallel(pattern, text, [&](size_t i) { return bool(wildcard[i]); });
}

// GlobMatch where only some pattern characters act as wildcards:
// `is_wildcard(i)` tells whether pattern[i] ('*' or '?') is one; a '*' or '?'
// that is not matches only itself. Policy variables use this to keep
// substituted text literal.
template <typename IsWildcard>
bool GlobMatchWith(absl::string_view pattern, absl::string_view text, IsWildcard is_wildcard) {
  if (pattern.size() * text.size() > kGreedyGlobLimit) {
    return GlobMatchBitParallel(pattern, text, is_wildcard);
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

#endif  // PDP_BASE_GLOB_H_
