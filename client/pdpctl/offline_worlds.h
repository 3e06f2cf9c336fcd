// `pdpctl test --offline` / `--world`: worlds loaded into engine snapshots
// in this process, no server. A world becomes one batch on the empty
// snapshot (the page catalogue and AWS managed policies a server would
// load), as billing-pdp-server --world and the engine corpus runner do.
// Single-threaded (pdpctl).
#ifndef PDP_CLIENT_PDPCTL_OFFLINE_WORLDS_H_
#define PDP_CLIENT_PDPCTL_OFFLINE_WORLDS_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engine/model/snapshot.h"

namespace pdpctl {

class OfflineWorlds {
 public:
  // Reads the catalogue and the AWS managed policies. INVALID_ARGUMENT
  // naming the file when either is unreadable or invalid.
  static absl::StatusOr<OfflineWorlds> Create(const std::string& page_catalog,
                                              const std::string& aws_managed_policies);

  // The snapshot of the world file at `path` (loaded once, then reused).
  // INVALID_ARGUMENT "PATH: users[2]: ..." when the file does not parse or
  // a change in it is refused.
  absl::StatusOr<pdp::SnapshotPtr> FromFile(const std::string& path);
  // The same for an inline world (JSON text) of the test file `where`;
  // errors read "WHERE: world.users[2]: ...".
  absl::StatusOr<pdp::SnapshotPtr> FromText(const std::string& text, const std::string& where);

 private:
  explicit OfflineWorlds(pdp::SnapshotPtr empty) : empty_(std::move(empty)) {}

  pdp::SnapshotPtr empty_;
  std::map<std::string, pdp::SnapshotPtr> by_path_;
};

// The data directory pdpctl finds the catalogue and the AWS managed
// policies in by default: the installed share/billing_pdp next to its own
// bin/, else the source tree's data/ (as billing-pdp-server does).
std::string DefaultDataDir();

}  // namespace pdpctl

#endif  // PDP_CLIENT_PDPCTL_OFFLINE_WORLDS_H_
