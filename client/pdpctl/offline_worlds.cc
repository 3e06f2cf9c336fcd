#include "client/pdpctl/offline_worlds.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/model/page_catalog.h"
#include "engine/write/snapshot_builder.h"
#include "server/app/data_dir.h"
#include "server/wire/change_from_wire.h"
#include "world/world_file.h"

namespace pdpctl {
namespace {

// One batch, all or nothing, each refusal named by the file item it came from.
absl::StatusOr<pdp::SnapshotPtr> Build(const pdp::SnapshotPtr& empty,
                                       const absl::StatusOr<std::vector<pdp::v1::Change>>& changes,
                                       const std::vector<std::string>& item_paths,
                                       const std::string& where, const std::string& item_prefix) {
  if (!changes.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", item_prefix, changes.status().message()));
  }
  pdp::SnapshotBuilder builder(empty);
  for (size_t i = 0; i < changes->size(); ++i) {
    absl::Status s = pdp::ApplyWireChange(builder, (*changes)[i]);
    if (!s.ok()) {
      const std::string item = i < item_paths.size() ? item_paths[i] : absl::StrCat("[", i, "]");
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", item_prefix, item, ": ", s.message()));
    }
  }
  return builder.Finish();
}

}  // namespace

absl::StatusOr<OfflineWorlds> OfflineWorlds::Create(const std::string& page_catalog,
                                                    const std::string& aws_managed_policies) {
  auto catalog = pdp::PageCatalog::FromFile(page_catalog);
  if (!catalog.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--page-catalog ", page_catalog, ": ", catalog.status().message()));
  }
  auto aws = pdp::LoadAwsManagedPoliciesFile(aws_managed_policies);
  if (!aws.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--aws-managed-policies ", aws_managed_policies,
                                                   ": ", aws.status().message()));
  }
  return OfflineWorlds(pdp::Snapshot::Initial(*catalog, *aws));
}

absl::StatusOr<pdp::SnapshotPtr> OfflineWorlds::FromFile(const std::string& path) {
  if (auto it = by_path_.find(path); it != by_path_.end()) return it->second;
  std::vector<std::string> item_paths;
  auto changes = pdp::ReadWorldFile(path, &item_paths);
  // ReadWorldFile's own errors already name the file.
  if (!changes.ok()) return absl::InvalidArgumentError(changes.status().message());
  auto snapshot = Build(empty_, changes, item_paths, path, "");
  if (snapshot.ok()) by_path_[path] = *snapshot;
  return snapshot;
}

absl::StatusOr<pdp::SnapshotPtr> OfflineWorlds::FromText(const std::string& text,
                                                         const std::string& where) {
  std::vector<std::string> item_paths;
  return Build(empty_, pdp::WorldToChanges(text, &item_paths), item_paths, where, "world.");
}

std::string DefaultDataDir() {
  return pdp::DefaultDataDir(PDP_INSTALLED_DATA_DIR, PDP_DEFAULT_DATA_DIR);
}

}  // namespace pdpctl
