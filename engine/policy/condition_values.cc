#include "engine/policy/condition_values.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace pdp {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}

// Reads exactly `n` digits at `pos`.
bool ReadInt(absl::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!IsDigit(s[pos + i])) return false;
    v = v * 10 + (s[pos + i] - '0');
  }
  pos += n;
  out = v;
  return true;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

std::optional<Decimal> ParseDecimal(absl::string_view s) {
  Decimal d;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    d.negative = s[i] == '-';
    ++i;
  }
  size_t int_start = i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  absl::string_view int_part = s.substr(int_start, i - int_start);
  absl::string_view frac_part;
  if (i < s.size() && s[i] == '.') {
    size_t frac_start = ++i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    frac_part = s.substr(frac_start, i - frac_start);
  }
  if (i != s.size() || (int_part.empty() && frac_part.empty())) return std::nullopt;
  while (!int_part.empty() && int_part.front() == '0') int_part.remove_prefix(1);
  while (!frac_part.empty() && frac_part.back() == '0') frac_part.remove_suffix(1);
  d.int_digits = std::string(int_part);
  d.frac_digits = std::string(frac_part);
  if (d.int_digits.empty() && d.frac_digits.empty()) d.negative = false;  // -0 == 0
  return d;
}

int CompareDecimal(const Decimal& a, const Decimal& b) {
  if (a.negative != b.negative) return a.negative ? -1 : 1;
  int magnitude = 0;
  if (a.int_digits.size() != b.int_digits.size()) {
    magnitude = a.int_digits.size() < b.int_digits.size() ? -1 : 1;
  } else if (int c = a.int_digits.compare(b.int_digits); c != 0) {
    magnitude = c < 0 ? -1 : 1;
  } else {
    size_t n = std::max(a.frac_digits.size(), b.frac_digits.size());
    for (size_t i = 0; i < n && magnitude == 0; ++i) {
      char x = i < a.frac_digits.size() ? a.frac_digits[i] : '0';
      char y = i < b.frac_digits.size() ? b.frac_digits[i] : '0';
      if (x != y) magnitude = x < y ? -1 : 1;
    }
  }
  return a.negative ? -magnitude : magnitude;
}

std::optional<Timestamp> ParseTimestamp(absl::string_view s) {
  if (AllDigits(s)) {
    if (s.size() > 18) return std::nullopt;
    int64_t v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    return Timestamp{v, 0};
  }
  size_t pos = 0;
  int year = 0, month = 0, day = 1, hour = 0, minute = 0, second = 0;
  int32_t nanos = 0;
  if (!ReadInt(s, pos, 4, year)) return std::nullopt;
  if (pos >= s.size() || s[pos] != '-') return std::nullopt;
  ++pos;
  if (!ReadInt(s, pos, 2, month) || month < 1 || month > 12) return std::nullopt;
  if (pos < s.size()) {
    if (s[pos] != '-') return std::nullopt;
    ++pos;
    if (!ReadInt(s, pos, 2, day)) return std::nullopt;
  }
  if (day < 1 || day > DaysInMonth(year, month)) return std::nullopt;
  int64_t offset_seconds = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T') return std::nullopt;
    ++pos;
    if (!ReadInt(s, pos, 2, hour) || hour > 23) return std::nullopt;
    if (pos >= s.size() || s[pos] != ':') return std::nullopt;
    ++pos;
    if (!ReadInt(s, pos, 2, minute) || minute > 59) return std::nullopt;
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!ReadInt(s, pos, 2, second) || second > 59) return std::nullopt;
      if (pos < s.size() && s[pos] == '.') {
        ++pos;
        size_t start = pos;
        int32_t scale = 100000000;
        while (pos < s.size() && IsDigit(s[pos])) {
          nanos += (s[pos] - '0') * scale;
          scale /= 10;
          ++pos;
        }
        if (pos == start || pos - start > 9) return std::nullopt;
      }
    }
    if (pos < s.size()) {
      if (s[pos] == 'Z') {
        ++pos;
      } else if (s[pos] == '+' || s[pos] == '-') {
        int sign = s[pos] == '-' ? -1 : 1;
        ++pos;
        int oh = 0, om = 0;
        if (!ReadInt(s, pos, 2, oh) || oh > 23) return std::nullopt;
        if (pos >= s.size() || s[pos] != ':') return std::nullopt;
        ++pos;
        if (!ReadInt(s, pos, 2, om) || om > 59) return std::nullopt;
        offset_seconds = sign * (oh * 3600 + om * 60);
      } else {
        return std::nullopt;
      }
    }
  }
  if (pos != s.size()) return std::nullopt;
  int64_t days = DaysFromCivil(year, month, day);
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return Timestamp{secs, nanos};
}

int CompareTimestamp(const Timestamp& a, const Timestamp& b) {
  if (a.seconds != b.seconds) return a.seconds < b.seconds ? -1 : 1;
  if (a.nanos != b.nanos) return a.nanos < b.nanos ? -1 : 1;
  return 0;
}

std::optional<IpAddr> ParseIpAddress(absl::string_view s) {
  if (s.empty() || s.size() > 64) return std::nullopt;
  std::string text(s);
  IpAddr a;
  if (text.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, text.c_str(), a.bytes.data()) != 1) return std::nullopt;
    return a;
  }
  if (inet_pton(AF_INET6, text.c_str(), a.bytes.data()) != 1) return std::nullopt;
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a.bytes.data(), kMapped, 12) == 0) {
    std::array<uint8_t, 16> v4{};
    std::memcpy(v4.data(), a.bytes.data() + 12, 4);
    a.bytes = v4;
    return a;
  }
  a.v6 = true;
  return a;
}

std::optional<Cidr> ParseCidr(absl::string_view s) {
  size_t slash = s.find('/');
  absl::string_view addr_text = s.substr(0, slash);
  // Parse the address without mapped-IPv4 folding first, so that the prefix
  // is checked against the family as written.
  std::string text(addr_text);
  if (text.empty() || text.size() > 64) return std::nullopt;
  Cidr c;
  bool written_v6 = text.find(':') != std::string::npos;
  if (inet_pton(written_v6 ? AF_INET6 : AF_INET, text.c_str(), c.base.bytes.data()) != 1) {
    return std::nullopt;
  }
  c.base.v6 = written_v6;
  int max_prefix = written_v6 ? 128 : 32;
  c.prefix = max_prefix;
  if (slash != absl::string_view::npos) {
    absl::string_view len = s.substr(slash + 1);
    if (!AllDigits(len) || len.size() > 3) return std::nullopt;
    int v = 0;
    for (char ch : len) v = v * 10 + (ch - '0');
    if (v > max_prefix) return std::nullopt;
    c.prefix = v;
  }
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (written_v6 && c.prefix >= 96 && std::memcmp(c.base.bytes.data(), kMapped, 12) == 0) {
    std::array<uint8_t, 16> v4{};
    std::memcpy(v4.data(), c.base.bytes.data() + 12, 4);
    c.base.bytes = v4;
    c.base.v6 = false;
    c.prefix -= 96;
  }
  // Clear host bits.
  int bytes = c.base.v6 ? 16 : 4;
  for (int i = 0; i < bytes; ++i) {
    int bits_here = std::clamp(c.prefix - i * 8, 0, 8);
    c.base.bytes[i] &= static_cast<uint8_t>(0xff00 >> bits_here);
  }
  return c;
}

bool CidrContains(const Cidr& cidr, const IpAddr& addr) {
  if (cidr.base.v6 != addr.v6) return false;
  int bytes = addr.v6 ? 16 : 4;
  for (int i = 0; i < bytes; ++i) {
    int bits_here = std::clamp(cidr.prefix - i * 8, 0, 8);
    uint8_t mask = static_cast<uint8_t>(0xff00 >> bits_here);
    if ((addr.bytes[i] & mask) != cidr.base.bytes[i]) return false;
  }
  return true;
}

std::string CidrToString(const Cidr& cidr) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(cidr.base.v6 ? AF_INET6 : AF_INET, cidr.base.bytes.data(), buf, sizeof(buf));
  return absl::StrCat(buf, "/", cidr.prefix);
}

std::optional<std::string> DecodeBase64(absl::string_view s) {
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || IsDigit(c) || c == '+' ||
              c == '/' || c == '=';
    if (!ok) return std::nullopt;
  }
  std::string out;
  if (!absl::Base64Unescape(s, &out)) return std::nullopt;
  return out;
}

bool SplitArnParts(absl::string_view s, std::vector<absl::string_view>& parts) {
  parts = absl::StrSplit(s, absl::MaxSplits(':', 5));
  return parts.size() == 6 && parts[0] == "arn";
}

std::optional<bool> ParseBool(absl::string_view s) {
  if (absl::EqualsIgnoreCase(s, "true")) return true;
  if (absl::EqualsIgnoreCase(s, "false")) return false;
  return std::nullopt;
}

}  // namespace pdp
