// Whether a decision request sets the moment it is decided at: the
// aws:CurrentTime or aws:EpochTime condition key (IAM keys are
// case-insensitive, so any spelling counts). Pure; thread-safe.
#ifndef PDP_SERVER_APP_SIMULATED_TIME_H_
#define PDP_SERVER_APP_SIMULATED_TIME_H_

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "pdp/v1/decision.pb.h"

namespace pdp {

// True when `context` holds one of the keys; `key` receives it as sent.
inline bool SimulatesTime(const pdp::v1::RequestContext& context, std::string* key) {
  for (const auto& [name, value] : context.keys()) {
    if (absl::EqualsIgnoreCase(name, "aws:CurrentTime") ||
        absl::EqualsIgnoreCase(name, "aws:EpochTime")) {
      *key = name;
      return true;
    }
  }
  return false;
}

}  // namespace pdp

#endif  // PDP_SERVER_APP_SIMULATED_TIME_H_
