#include "engine/policy/request_context.h"

#include "base/strings.h"

namespace pdp {

void RequestContext::Set(absl::string_view key, std::vector<std::string> values) {
  keys_[AsciiLower(key)] = std::move(values);
}

void RequestContext::Erase(absl::string_view key) { keys_.erase(AsciiLower(key)); }

const std::vector<std::string>* RequestContext::Find(absl::string_view key) const {
  auto it = keys_.find(AsciiLower(key));
  return it == keys_.end() ? nullptr : &it->second;
}

}  // namespace pdp
