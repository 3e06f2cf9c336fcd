// The global condition keys whose values AWS itself sets, and the type each
// must have. A caller passing one of them in a request context is relaying
// what AWS would have set; a value that is not of the key's type is the
// caller's bug, refused up front rather than evaluated.
#ifndef PDP_ENGINE_POLICY_WELL_KNOWN_KEYS_H_
#define PDP_ENGINE_POLICY_WELL_KNOWN_KEYS_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace pdp {

enum class KeyType {
  kIpAddress,     // a bare IPv4 or IPv6 address (no prefix)
  kDate,          // ISO 8601 date/time, or epoch seconds
  kEpochSeconds,  // ASCII digits
  kNumber,        // a decimal
  kBool,          // true or false, any case
  kArn,           // "arn" and five more colon-separated parts
};

// The type of a well-known single-valued key (any case), or nullopt for a
// key billing-pdp does not type (service keys, tags, ...).
std::optional<KeyType> WellKnownKeyType(absl::string_view key);

// Whether `value` is of `type`.
bool ValueHasType(KeyType type, absl::string_view value);

// "an IP address", "a date", ... for error messages.
absl::string_view KeyTypeName(KeyType type);

}  // namespace pdp

#endif  // PDP_ENGINE_POLICY_WELL_KNOWN_KEYS_H_
