// Typed values of IAM condition operators (private to engine/policy: the
// condition evaluator and the well-known key checks): exact decimals, timestamps, IP addresses and
// CIDR blocks, base64, booleans. Each parser accepts the same text for policy values and for
// request values and returns nullopt for text that is not of its type.
#ifndef PDP_ENGINE_POLICY_CONDITION_VALUES_H_
#define PDP_ENGINE_POLICY_CONDITION_VALUES_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace pdp {

// An exact decimal: [+-]digits[.digits] (at least one digit; no exponent).
// Compared exactly, whatever the number of digits.
struct Decimal {
  bool negative = false;
  std::string int_digits;   // no leading zeros ("" for 0)
  std::string frac_digits;  // no trailing zeros
};
std::optional<Decimal> ParseDecimal(absl::string_view s);
// <0, 0, >0 as a <, ==, > b.
int CompareDecimal(const Decimal& a, const Decimal& b);

// A point in time, UTC.
struct Timestamp {
  int64_t seconds = 0;  // since 1970-01-01T00:00:00Z
  int32_t nanos = 0;    // 0..999999999
};
// Epoch seconds (ASCII digits only), or a W3C date/time: YYYY-MM,
// YYYY-MM-DD, YYYY-MM-DDThh:mm, YYYY-MM-DDThh:mm:ss, YYYY-MM-DDThh:mm:ss.f+
// with a zone "Z" or "+hh:mm"/"-hh:mm" (no zone = UTC). A bare "YYYY" is
// read as epoch seconds.
std::optional<Timestamp> ParseTimestamp(absl::string_view s);
int CompareTimestamp(const Timestamp& a, const Timestamp& b);

// IPv4 addresses are kept as IPv4 (4 bytes used); IPv4-mapped IPv6
// addresses (::ffff:a.b.c.d) are converted to IPv4.
struct IpAddr {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};
};
struct Cidr {
  IpAddr base;  // host bits cleared
  int prefix = 0;
};
// A bare address (no prefix).
std::optional<IpAddr> ParseIpAddress(absl::string_view s);
// "addr/len" or a bare address (= /32 or /128). Host bits are cleared.
// An IPv4-mapped IPv6 block with a prefix of at least 96 becomes IPv4.
std::optional<Cidr> ParseCidr(absl::string_view s);
bool CidrContains(const Cidr& cidr, const IpAddr& addr);
std::string CidrToString(const Cidr& cidr);

// Standard base64 (padding optional).
std::optional<std::string> DecodeBase64(absl::string_view s);

// An ARN as Arn* operators read one: "arn" and five more colon-separated
// parts (the last keeps its colons). False, with `parts` unspecified, for
// anything else.
bool SplitArnParts(absl::string_view s, std::vector<absl::string_view>& parts);

// "true" / "false" in any ASCII case.
std::optional<bool> ParseBool(absl::string_view s);

}  // namespace pdp

#endif  // PDP_ENGINE_POLICY_CONDITION_VALUES_H_
