#include "base/string_list_codec.h"

#include <cstdint>

namespace pdp {
namespace {

constexpr char kVersion = 1;
constexpr int kMaxLengthBytes = 5;  // a varint of up to 35 bits

void AppendLength(uint64_t n, std::string& out) {
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
}

// Reads a varint from the front of `in` and consumes it; false if it is
// truncated or longer than kMaxLengthBytes.
bool ReadLength(absl::string_view& in, uint64_t& n) {
  n = 0;
  for (int i = 0; i < kMaxLengthBytes && i < static_cast<int>(in.size()); ++i) {
    const unsigned char byte = static_cast<unsigned char>(in[i]);
    n |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      in.remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

}  // namespace

std::string EncodeStringList(const std::vector<absl::string_view>& strings) {
  size_t size = 1;
  for (absl::string_view s : strings) size += kMaxLengthBytes + s.size();
  std::string out;
  out.reserve(size);
  out.push_back(kVersion);
  for (absl::string_view s : strings) {
    AppendLength(s.size(), out);
    out.append(s.data(), s.size());
  }
  return out;
}

std::optional<std::vector<std::string>> DecodeStringList(absl::string_view encoded) {
  if (encoded.empty() || encoded.front() != kVersion) return std::nullopt;
  encoded.remove_prefix(1);
  std::vector<std::string> out;
  while (!encoded.empty()) {
    uint64_t n = 0;
    if (!ReadLength(encoded, n) || n > encoded.size()) return std::nullopt;
    out.emplace_back(encoded.data(), n);
    encoded.remove_prefix(n);
  }
  return out;
}

}  // namespace pdp
