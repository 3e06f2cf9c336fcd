#include "base/glob.h"

#include <array>
#include <cstdint>

namespace pdp {
namespace {

// A set of automaton states (bit i: the first i pattern tokens matched).
using Bits = std::vector<uint64_t>;

void SetBit(Bits& b, size_t i) { b[i / 64] |= uint64_t{1} << (i % 64); }
bool TestBit(const Bits& b, size_t i) { return (b[i / 64] >> (i % 64)) & 1; }

}  // namespace

bool GlobMatch(absl::string_view pattern, absl::string_view text) {
  return GlobMatchWith(pattern, text, [](size_t) { return true; });
}

// A Shift-And simulation of the pattern's automaton. Tokens are the pattern's
// characters with runs of wildcard '*' folded into one. State i means "the
// first i tokens match the text read so far"; a '*' token keeps its state on
// any character and also lets the next state hold without reading one (an
// empty match). Because stars are folded, one shift closes over the empty
// matches. Every step is a handful of word operations per 64 tokens.
bool GlobMatchAutomaton(absl::string_view pattern, absl::string_view text,
                        const std::vector<bool>& wildcard) {
  enum Kind : uint8_t { kLiteral, kAnyOne, kStar };
  std::vector<Kind> kinds;
  std::vector<char> chars;
  kinds.reserve(pattern.size());
  chars.reserve(pattern.size());
  for (size_t i = 0; i < pattern.size(); ++i) {
    const bool wild = wildcard[i];
    if (wild && pattern[i] == '*') {
      if (!kinds.empty() && kinds.back() == kStar) continue;
      kinds.push_back(kStar);
    } else {
      kinds.push_back(wild && pattern[i] == '?' ? kAnyOne : kLiteral);
    }
    chars.push_back(pattern[i]);
  }
  const size_t m = kinds.size();
  const size_t words = (m + 1 + 63) / 64;

  // Rows of "token i accepts this character" for the characters the pattern
  // names (row 0: any other character, accepted only by '?').
  std::array<uint16_t, 256> row_of{};
  size_t rows = 1;
  for (size_t i = 0; i < m; ++i) {
    auto c = static_cast<unsigned char>(chars[i]);
    if (kinds[i] == kLiteral && row_of[c] == 0) row_of[c] = static_cast<uint16_t>(rows++);
  }
  std::vector<Bits> accepts(rows, Bits(words, 0));
  Bits star(words, 0);
  for (size_t i = 0; i < m; ++i) {
    if (kinds[i] == kStar) {
      SetBit(star, i);
    } else if (kinds[i] == kAnyOne) {
      for (Bits& row : accepts) SetBit(row, i);
    } else {
      SetBit(accepts[row_of[static_cast<unsigned char>(chars[i])]], i);
    }
  }

  // Closes `s` over empty star matches: state i set on a star enables i+1.
  auto close = [&](Bits& s) {
    uint64_t carry = 0;
    for (size_t w = 0; w < words; ++w) {
      const uint64_t from = s[w] & star[w];
      const uint64_t shifted = (from << 1) | carry;
      carry = from >> 63;
      s[w] |= shifted;
    }
  };

  Bits state(words, 0), next(words, 0);
  SetBit(state, 0);
  close(state);
  for (char ch : text) {
    const Bits& acc = accepts[row_of[static_cast<unsigned char>(ch)]];
    uint64_t carry = 0;
    bool any = false;
    for (size_t w = 0; w < words; ++w) {
      const uint64_t advance = state[w] & acc[w] & ~star[w];
      next[w] = (advance << 1) | carry | (state[w] & star[w]);
      carry = advance >> 63;
      any = any || next[w] != 0;
    }
    if (!any) return false;  // no state survives: no match is possible
    close(next);
    state.swap(next);
  }
  return TestBit(state, m);
}

bool HasWildcard(absl::string_view s) { return s.find_first_of("*?") != absl::string_view::npos; }

bool IsConcreteAction(absl::string_view a) {
  size_t colon = a.find(':');
  return colon != absl::string_view::npos && colon != 0 && colon + 1 != a.size() &&
         a.find(':', colon + 1) == absl::string_view::npos && !HasWildcard(a);
}

}  // namespace pdp
