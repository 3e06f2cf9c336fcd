#include "base/strings.h"

#include <cstdint>
#include <cstring>

namespace pdp {

std::string AsciiLower(absl::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

namespace {

// Whether every byte of `w` is an ASCII digit. XOR with '0' maps the digits
// to 0..9 and nothing else there; adding 6 carries a byte of 10..15 into its
// high nibble, and no byte's sum leaves the byte.
bool AllDigits(uint64_t w) {
  const uint64_t x = w ^ 0x3030303030303030ull;
  return ((x | (x + 0x0606060606060606ull)) & 0xf0f0f0f0f0f0f0f0ull) == 0;
}

}  // namespace

// Word at a time: every request's principal is checked here.
bool IsAccountId(absl::string_view s) {
  if (s.size() != 12) return false;
  uint64_t head = 0, tail = 0x3030303030303030ull;  // the tail's unused bytes read as digits
  std::memcpy(&head, s.data(), 8);
  std::memcpy(&tail, s.data() + 8, 4);
  return AllDigits(head) && AllDigits(tail);
}

}  // namespace pdp
