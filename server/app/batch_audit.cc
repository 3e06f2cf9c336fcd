#include "server/app/batch_audit.h"

#include <algorithm>
#include <set>
#include <string>

#include "google/protobuf/util/time_util.h"

namespace pdp {

pdp::store::v1::BatchAudit AuditEntry(const BatchOrigin& origin,
                                      const std::vector<pdp::v1::Change>& changes,
                                      const pdp::store::v1::StateDelta& delta, absl::Time when) {
  pdp::store::v1::BatchAudit audit;
  audit.set_caller(origin.caller);
  audit.set_role(origin.role);
  audit.set_credential(origin.credential);
  audit.set_peer(origin.peer);
  audit.set_method(origin.method);
  std::set<std::string> seen;
  for (const pdp::v1::Change& change : changes) {
    if (!change.has_update_account_settings()) continue;
    const std::string& actor = change.update_account_settings().actor();
    if (!actor.empty() && seen.insert(actor).second) audit.add_actors(actor);
  }
  audit.set_committed_unix_micros(absl::ToUnixMicros(when));
  std::set<std::string> accounts, organizations;
  for (const auto& account : delta.accounts()) accounts.insert(account.id());
  for (const auto& org : delta.organizations()) organizations.insert(org.id());
  for (const std::string& id : accounts) audit.add_accounts(id);
  for (const std::string& id : organizations) audit.add_organizations(id);
  audit.set_change_count(static_cast<int32_t>(changes.size()));
  return audit;
}

pdp::v1::BatchAudit ToApiAudit(const pdp::store::v1::BatchAudit& stored) {
  pdp::v1::BatchAudit api;
  api.set_caller(stored.caller());
  api.set_role(stored.role());
  api.set_credential(stored.credential());
  api.set_peer(stored.peer());
  api.set_method(stored.method());
  api.mutable_actors()->CopyFrom(stored.actors());
  if (stored.committed_unix_micros() != 0) {
    *api.mutable_commit_time() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(stored.committed_unix_micros());
  }
  api.mutable_accounts()->CopyFrom(stored.accounts());
  api.mutable_organizations()->CopyFrom(stored.organizations());
  api.set_change_count(stored.change_count());
  return api;
}

}  // namespace pdp
