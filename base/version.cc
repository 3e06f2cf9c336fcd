#include "base/version.h"

#include "build_version.h"  // generated: the only file that includes it

namespace pdp {

const char* ProjectVersion() { return PDP_PROJECT_VERSION; }

const char* GitDescribe() { return PDP_GIT_DESCRIBE; }

std::string VersionString() {
  std::string out = PDP_PROJECT_VERSION;
  if (*PDP_GIT_DESCRIBE != '\0') {
    out += " (git ";
    out += PDP_GIT_DESCRIBE;
    out += ")";
  }
  return out;
}

}  // namespace pdp
