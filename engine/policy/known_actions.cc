#include "engine/policy/known_actions.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "base/glob.h"
#include "base/strings.h"
#include "engine/policy/policy_json.h"

namespace pdp {
namespace {

bool IsPrefixChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

bool IsValidPrefix(absl::string_view p) {
  return !p.empty() && std::all_of(p.begin(), p.end(), IsPrefixChar);
}

bool IsValidActionName(absl::string_view a) {
  return !a.empty() && a.find_first_of(":*? \t\r\n") == absl::string_view::npos;
}

absl::StatusOr<std::string> OptionalString(const Json& root, absl::string_view key) {
  if (!root.contains(key)) return std::string();
  const Json& v = root[std::string(key)];
  if (!v.is_string()) return FieldError(key, "must be a string");
  return v.get<std::string>();
}

}  // namespace

absl::StatusOr<std::shared_ptr<const KnownActions>> KnownActions::FromJson(absl::string_view text) {
  absl::StatusOr<Json> parsed = ParseStrictJson(text);
  if (!parsed.ok()) return parsed.status();
  const Json& root = *parsed;
  if (!root.is_object()) return FieldError("", "must be an object");
  for (const auto& [key, value] : root.items()) {
    if (key != "source" && key != "snapshot_date" && key != "services" && key != "all_prefixes") {
      return FieldError(key, "unknown field");
    }
  }
  std::shared_ptr<KnownActions> known(new KnownActions());
  absl::StatusOr<std::string> s = OptionalString(root, "source");
  if (!s.ok()) return s.status();
  known->source_ = *std::move(s);
  s = OptionalString(root, "snapshot_date");
  if (!s.ok()) return s.status();
  known->snapshot_date_ = *std::move(s);

  if (!root.contains("services")) return FieldError("services", "is required");
  const Json& services = root["services"];
  if (!services.is_object()) return FieldError("services", "must be an object");
  for (const auto& [prefix, list] : services.items()) {
    std::string path = absl::StrCat("services.", prefix);
    if (!IsValidPrefix(prefix)) return FieldError(path, "is not a valid service prefix");
    if (!list.is_array()) return FieldError(path, "must be an array of action names");
    Service& service = known->services_[AsciiLower(prefix)];
    if (service.has_actions) return FieldError(path, "duplicate service prefix");
    service.has_actions = true;
    service.actions.reserve(list.size());
    for (size_t i = 0; i < list.size(); ++i) {
      std::string ipath = absl::StrCat(path, "[", i, "]");
      if (!list[i].is_string()) return FieldError(ipath, "must be a string");
      const std::string& name = list[i].get_ref<const std::string&>();
      if (!IsValidActionName(name)) {
        return FieldError(ipath, "must be an action name without ':' or wildcards");
      }
      service.actions.push_back(AsciiLower(name));
    }
    std::sort(service.actions.begin(), service.actions.end());
    service.actions.erase(std::unique(service.actions.begin(), service.actions.end()),
                          service.actions.end());
    ++known->services_with_actions_;
    known->action_count_ += service.actions.size();
  }

  if (root.contains("all_prefixes")) {
    const Json& all = root["all_prefixes"];
    if (!all.is_array()) return FieldError("all_prefixes", "must be an array of service prefixes");
    for (size_t i = 0; i < all.size(); ++i) {
      std::string ipath = absl::StrCat("all_prefixes[", i, "]");
      if (!all[i].is_string() || !IsValidPrefix(all[i].get_ref<const std::string&>())) {
        return FieldError(ipath, "must be a service prefix");
      }
      known->services_.try_emplace(AsciiLower(all[i].get_ref<const std::string&>()));
    }
  }
  return std::shared_ptr<const KnownActions>(std::move(known));
}

absl::StatusOr<std::shared_ptr<const KnownActions>> KnownActions::FromFile(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read service actions file ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  absl::StatusOr<std::shared_ptr<const KnownActions>> k = FromJson(ss.str());
  if (!k.ok()) {
    return absl::Status(k.status().code(), absl::StrCat(path, ": ", k.status().message()));
  }
  return k;
}

bool KnownActions::AnyMatch(const Service& service, absl::string_view action_pattern) {
  if (!HasWildcard(action_pattern)) {
    return std::binary_search(service.actions.begin(), service.actions.end(), action_pattern);
  }
  for (const std::string& a : service.actions) {
    if (GlobMatch(action_pattern, a)) return true;
  }
  return false;
}

std::optional<std::pair<std::string, std::string>> KnownActions::Check(
    absl::string_view pattern) const {
  const std::string lower = AsciiLower(pattern);
  if (lower == "*") return std::nullopt;
  size_t colon = lower.find(':');
  if (colon == std::string::npos) {
    return std::make_pair(
        std::string("UNKNOWN_SERVICE"),
        absl::StrCat("The action \"", pattern, "\" has no service prefix (\"service:Action\")."));
  }
  absl::string_view prefix = absl::string_view(lower).substr(0, colon);
  absl::string_view action = absl::string_view(lower).substr(colon + 1);
  absl::string_view written_prefix = pattern.substr(0, colon);

  if (!HasWildcard(prefix)) {
    auto it = services_.find(prefix);
    if (it == services_.end()) {
      return std::make_pair(
          std::string("UNKNOWN_SERVICE"),
          absl::StrCat("The service prefix \"", written_prefix, "\" in the action \"", pattern,
                       "\" is not one that AWS defines."));
    }
    if (!it->second.has_actions || AnyMatch(it->second, action)) return std::nullopt;
    return std::make_pair(
        std::string("UNKNOWN_ACTION"),
        absl::StrCat("The action \"", pattern, "\" matches no action that the service \"",
                     it->first, "\" defines."));
  }

  // A wildcard in the prefix (IAM itself rejects this): match the whole
  // pattern against every "prefix:action".
  bool any_prefix = false;
  for (const auto& [name, service] : services_) {
    if (!GlobMatch(prefix, name)) continue;
    any_prefix = true;
    if (!service.has_actions) return std::nullopt;
    for (const std::string& a : service.actions) {
      if (GlobMatch(lower, absl::StrCat(name, ":", a))) return std::nullopt;
    }
  }
  if (!any_prefix) {
    return std::make_pair(
        std::string("UNKNOWN_SERVICE"),
        absl::StrCat("The service prefix \"", written_prefix, "\" in the action \"", pattern,
                     "\" matches no service that AWS defines."));
  }
  return std::make_pair(
      std::string("UNKNOWN_ACTION"),
      absl::StrCat("The action \"", pattern, "\" matches no action that any AWS service defines."));
}

}  // namespace pdp
