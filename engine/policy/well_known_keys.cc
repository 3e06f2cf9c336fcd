#include "engine/policy/well_known_keys.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "engine/policy/condition_values.h"

namespace pdp {
namespace {

// From the IAM User Guide's "AWS global condition context keys": the keys
// whose value AWS computes for a request and whose type is fixed.
constexpr std::pair<absl::string_view, KeyType> kTypedKeys[] = {
    {"aws:SourceIp", KeyType::kIpAddress},
    {"aws:VpcSourceIp", KeyType::kIpAddress},
    {"aws:CurrentTime", KeyType::kDate},
    {"aws:TokenIssueTime", KeyType::kDate},
    {"aws:EpochTime", KeyType::kEpochSeconds},
    {"aws:MultiFactorAuthAge", KeyType::kNumber},
    {"aws:MultiFactorAuthPresent", KeyType::kBool},
    {"aws:SecureTransport", KeyType::kBool},
    {"aws:ViaAWSService", KeyType::kBool},
    {"aws:PrincipalIsAWSService", KeyType::kBool},
    {"aws:SourceArn", KeyType::kArn},
};

}  // namespace

std::optional<KeyType> WellKnownKeyType(absl::string_view key) {
  if (!absl::StartsWithIgnoreCase(key, "aws:")) return std::nullopt;  // the common case
  for (const auto& [name, type] : kTypedKeys) {
    if (absl::EqualsIgnoreCase(key, name)) return type;
  }
  return std::nullopt;
}

bool ValueHasType(KeyType type, absl::string_view value) {
  switch (type) {
    case KeyType::kIpAddress:
      return ParseIpAddress(value).has_value();
    case KeyType::kDate:
      return ParseTimestamp(value).has_value();
    case KeyType::kEpochSeconds:
      return !value.empty() && value.size() <= 18 &&
             std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
    case KeyType::kNumber:
      return ParseDecimal(value).has_value();
    case KeyType::kBool:
      return ParseBool(value).has_value();
    case KeyType::kArn: {
      std::vector<absl::string_view> parts;
      return SplitArnParts(value, parts);
    }
  }
  return false;
}

absl::string_view KeyTypeName(KeyType type) {
  switch (type) {
    case KeyType::kIpAddress:
      return "an IP address";
    case KeyType::kDate:
      return "an ISO 8601 date/time or epoch seconds";
    case KeyType::kEpochSeconds:
      return "epoch seconds (digits)";
    case KeyType::kNumber:
      return "a number";
    case KeyType::kBool:
      return "true or false";
    case KeyType::kArn:
      return "an ARN";
  }
  return "?";
}

}  // namespace pdp
