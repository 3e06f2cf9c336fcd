#include "server/world_state.h"

#include "absl/strings/str_cat.h"
#include "common/base/errors.h"

namespace pdp {

WorldState::WorldState(SnapshotPtr initial, Store* store, WorldLimits limits)
    : store_(store), limits_(limits), current_(std::move(initial)) {}

std::string WorldState::ChangeIndexPrefix(size_t index, const pdp::v1::Change& change) {
  const auto* field = change.GetDescriptor()->FindFieldByNumber(change.kind_case());
  return absl::StrCat("changes[", index, "].", field != nullptr ? field->name() : "kind", ".");
}

absl::StatusOr<SnapshotPtr> WorldState::Build(const SnapshotPtr& base,
                                              const std::vector<pdp::v1::Change>& changes,
                                              const PathPrefixFn& prefix) const {
  SnapshotBuilder builder(base, limits_);
  for (size_t i = 0; i < changes.size(); ++i) {
    absl::Status s = builder.Apply(changes[i]);
    if (!s.ok()) return prefix ? PrefixFieldPaths(prefix(i, changes[i]), s) : s;
  }
  return builder.Finish();
}

absl::Status WorldState::Recover() {
  absl::MutexLock lock(&write_mu_);
  return store_->Replay([&](int64_t revision, const Store::Batch& changes) -> absl::Status {
    SnapshotPtr base = current_.load();
    if (revision != base->revision() + 1) {
      return absl::DataLossError(
          absl::StrCat("store has revision ", revision, " after ", base->revision()));
    }
    absl::StatusOr<SnapshotPtr> next = Build(base, changes, &WorldState::ChangeIndexPrefix);
    if (!next.ok()) {
      return absl::DataLossError(absl::StrCat("stored revision ", revision,
                                              " no longer applies: ", next.status().message()));
    }
    current_.store(*next, std::memory_order_release);
    return absl::OkStatus();
  });
}

absl::StatusOr<SnapshotPtr> WorldState::Apply(const std::vector<pdp::v1::Change>& changes,
                                              const PathPrefixFn& prefix) {
  absl::MutexLock lock(&write_mu_);
  SnapshotPtr base = current_.load();
  absl::StatusOr<SnapshotPtr> next = Build(base, changes, prefix);
  if (!next.ok()) return next.status();
  absl::Status s = store_->Commit((*next)->revision(), changes);
  if (!s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the store did not commit the change: ", s.message()));
  }
  current_.store(*next, std::memory_order_release);
  return next;
}

}  // namespace pdp
