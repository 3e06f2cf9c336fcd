// The object a change addresses: what ApplyChanges reports as the change's
// result and whose etag a Change.etag precondition is checked against.
#ifndef PDP_ENGINE_WRITE_CHANGE_ADDRESS_H_
#define PDP_ENGINE_WRITE_CHANGE_ADDRESS_H_

#include <optional>
#include <string>

#include "engine/model/snapshot.h"
#include "engine/write/change.h"

namespace pdp {

struct ChangeAddress {
  enum class Kind { kNone, kAccount, kEntity, kPolicy, kSession, kOrganization, kScp };
  Kind kind = Kind::kNone;
  // The result name: account id, entity / policy / session ARN,
  // organization, OU or SCP id. Empty when the server assigns it.
  std::string name;
  // The organization for kOrganization and kScp. For OU changes `name` is the
  // OU and the etag is the organization's.
  std::string organization_id;
  // SCP id (kScp).
  std::string scp_id;
};

// Kind kNone for a change without a kind.
ChangeAddress AddressOf(const EngineChange& change);

// The current etag of the addressed object, or nullopt when it does not
// exist (or the address is malformed).
std::optional<std::string> EtagOf(const Snapshot& snapshot, const ChangeAddress& address);

}  // namespace pdp

#endif  // PDP_ENGINE_WRITE_CHANGE_ADDRESS_H_
