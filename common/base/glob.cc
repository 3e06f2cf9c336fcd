#include "common/base/glob.h"

namespace pdp {

bool GlobMatch(absl::string_view pattern, absl::string_view text) {
  return GlobMatchWith(pattern, text, [](size_t) { return true; });
}

bool HasWildcard(absl::string_view s) { return s.find_first_of("*?") != absl::string_view::npos; }

}  // namespace pdp
