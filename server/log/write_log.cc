#include "server/log/write_log.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/log/logger.h"

namespace pdp {

std::string ChangeKinds(const std::vector<pdp::v1::Change>& changes) {
  std::vector<std::pair<std::string, int>> kinds;  // a few kinds: a linear search is enough
  for (const pdp::v1::Change& change : changes) {
    const google::protobuf::FieldDescriptor* field =
        pdp::v1::Change::descriptor()->FindFieldByNumber(static_cast<int>(change.kind_case()));
    const std::string name = field == nullptr ? "unset" : field->name();
    auto it =
        std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.first == name; });
    if (it == kinds.end()) {
      kinds.emplace_back(name, 1);
    } else {
      ++it->second;
    }
  }
  std::string out;
  for (const auto& [name, count] : kinds) {
    absl::StrAppend(&out, out.empty() ? "" : ",", name, ":", count);
  }
  return out;
}

void LogCommittedWrite(const BatchOrigin& origin, absl::string_view request_id, int64_t revision,
                       const std::vector<pdp::v1::Change>& changes) {
  if (!log::ServerLog().Enabled(log::Level::kInfo)) return;
  log::Info("write",
            absl::StrCat("revision ", revision, " committed: ", changes.size(),
                         changes.size() == 1 ? " change by " : " changes by ", origin.caller),
            {log::Field("caller", origin.caller), log::Field("role", origin.role),
             log::Field("method", origin.method), log::Field("peer", origin.peer),
             log::Field("request_id", request_id), log::Field("revision", revision),
             log::Field("changes", changes.size()), log::Field("kinds", ChangeKinds(changes))});
}

}  // namespace pdp
