// A list of byte strings as one byte string, and back: how base/
// stores error details (errors.h) as absl::Status payloads without protobuf.
//
// Format: a version byte (1), then per string its length as a base-128
// varint (at most 5 bytes) and its bytes. Lengths, not separators, so the
// strings may hold any byte (they echo caller input). Pure functions:
// thread-safe.
#ifndef PDP_BASE_STRING_LIST_CODEC_H_
#define PDP_BASE_STRING_LIST_CODEC_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace pdp {

std::string EncodeStringList(const std::vector<absl::string_view>& strings);

// The strings of `encoded`, or nullopt when it is not EncodeStringList's
// output (another version, a truncated or overlong length, a length beyond
// the end). Never reads past `encoded`; allocates in proportion to its size.
std::optional<std::vector<std::string>> DecodeStringList(absl::string_view encoded);

}  // namespace pdp

#endif  // PDP_BASE_STRING_LIST_CODEC_H_
