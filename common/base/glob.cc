#include "common/base/glob.h"

namespace pdp {

bool GlobMatch(absl::string_view pattern, absl::string_view text) {
  return GlobMatchWith(pattern, text, [](size_t) { return true; });
}

bool HasWildcard(absl::string_view s) { return s.find_first_of("*?") != absl::string_view::npos; }

bool IsConcreteAction(absl::string_view a) {
  size_t colon = a.find(':');
  return colon != absl::string_view::npos && colon != 0 && colon + 1 != a.size() &&
         a.find(':', colon + 1) == absl::string_view::npos && !HasWildcard(a);
}

}  // namespace pdp
