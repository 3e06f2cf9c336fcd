// The actions that AWS services define (from the Service Authorization
// Reference, shipped as data/aws-service-actions.json), for policy validation
// warnings like IAM Access Analyzer's "an action that no service defines".
//
// File format (data/README.md):
//   {"source": "...", "snapshot_date": "YYYY-MM-DD",
//    "services": {"ce": ["GetCostAndUsage", ...], ...},
//    "all_prefixes": ["ce", "ec2", ...]}
// `services` maps a service prefix to its complete action list. The optional
// `all_prefixes` names further known prefixes whose action lists are not
// shipped: their actions are not checked. `source` and `snapshot_date` are
// optional strings.
#ifndef PDP_ENGINE_POLICY_KNOWN_ACTIONS_H_
#define PDP_ENGINE_POLICY_KNOWN_ACTIONS_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pdp {

class KnownActions {
 public:
  static absl::StatusOr<std::shared_ptr<const KnownActions>> FromFile(const std::string& path);
  // INVALID_ARGUMENT with a BadRequest field path on a malformed document.
  static absl::StatusOr<std::shared_ptr<const KnownActions>> FromJson(absl::string_view text);

  // Checks one Action/NotAction pattern as written ("*", "ce:Get*",
  // "CE:getcostandusage"). Returns nothing if it is fine, else a warning
  // {code, message}:
  //   UNKNOWN_SERVICE  the service prefix (case-insensitive) is not known
  //                    (also: no "service:" prefix at all);
  //   UNKNOWN_ACTION   the service's action list is known and no action in it
  //                    matches the pattern (case-insensitive, * and ?).
  // A wildcard in the prefix (which IAM rejects) matches against all prefixes.
  std::optional<std::pair<std::string, std::string>> Check(absl::string_view pattern) const;

  const std::string& source() const { return source_; }
  const std::string& snapshot_date() const { return snapshot_date_; }
  // Known prefixes, with or without an action list.
  size_t service_count() const { return services_.size(); }
  // Prefixes with a shipped action list, and the number of actions in them.
  size_t services_with_actions() const { return services_with_actions_; }
  size_t action_count() const { return action_count_; }

 private:
  struct Service {
    bool has_actions = false;
    std::vector<std::string> actions;  // lower-cased, sorted, unique
  };

  KnownActions() = default;
  // True when some action of `service` matches `action_pattern` (both lower).
  static bool AnyMatch(const Service& service, absl::string_view action_pattern);

  std::string source_;
  std::string snapshot_date_;
  absl::flat_hash_map<std::string, Service> services_;  // key: lower-cased prefix
  size_t services_with_actions_ = 0;
  size_t action_count_ = 0;
};

}  // namespace pdp

#endif  // PDP_ENGINE_POLICY_KNOWN_ACTIONS_H_
