// A lower-cased "service:action" with its hash computed once. A decision
// looks the same action up in every policy a principal has; carrying the
// hash saves re-hashing the string for each of them.
#ifndef PDP_ENGINE_POLICY_ACTION_KEY_H_
#define PDP_ENGINE_POLICY_ACTION_KEY_H_

#include <cstddef>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace pdp {

inline size_t HashActionName(absl::string_view action_lower) {
  return absl::Hash<absl::string_view>{}(action_lower);
}

// Does not own `text`: valid while the string it views lives.
struct ActionKey {
  absl::string_view text;  // lower-case
  size_t hash = 0;         // HashActionName(text)

  static ActionKey Of(absl::string_view action_lower) {
    return {action_lower, HashActionName(action_lower)};
  }
};

// Hash and equality for sets and maps keyed by lower-cased action names,
// looked up with either a string or an ActionKey (whose hash is reused).
struct ActionKeyHash {
  using is_transparent = void;
  size_t operator()(absl::string_view s) const { return HashActionName(s); }
  size_t operator()(const ActionKey& k) const { return k.hash; }
};

struct ActionKeyEq {
  using is_transparent = void;
  static absl::string_view Text(absl::string_view s) { return s; }
  static absl::string_view Text(const ActionKey& k) { return k.text; }
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return Text(a) == Text(b);
  }
};

}  // namespace pdp

#endif  // PDP_ENGINE_POLICY_ACTION_KEY_H_
