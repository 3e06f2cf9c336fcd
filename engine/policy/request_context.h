// The request context as policies see it: condition keys (lower-cased: IAM
// key names are case-insensitive) and their values. A key that is present
// with no values counts as present-but-empty (relevant to ForAllValues /
// ForAnyValue); a key that is not in the map is missing.
#ifndef PDP_ENGINE_POLICY_REQUEST_CONTEXT_H_
#define PDP_ENGINE_POLICY_REQUEST_CONTEXT_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace pdp {

class RequestContext {
 public:
  // Replaces the values of `key` (any case).
  void Set(absl::string_view key, std::vector<std::string> values);
  void Set(absl::string_view key, std::string value) { Set(key, std::vector{std::move(value)}); }
  void Erase(absl::string_view key);
  // Values of `key` (any case), or nullptr when the key is missing.
  const std::vector<std::string>* Find(absl::string_view key) const;
  const absl::flat_hash_map<std::string, std::vector<std::string>>& keys() const { return keys_; }

 private:
  absl::flat_hash_map<std::string, std::vector<std::string>> keys_;
};

}  // namespace pdp

#endif  // PDP_ENGINE_POLICY_REQUEST_CONTEXT_H_
