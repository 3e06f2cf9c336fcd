#include "server/store/memory_store.h"

#include "absl/strings/str_cat.h"

namespace pdp {

absl::Status MemoryStore::Commit(int64_t revision, const Batch& changes) {
  absl::MutexLock lock(&mu_);
  if (!batches_.empty() && revision <= batches_.back().first) {
    return absl::FailedPreconditionError(
        absl::StrCat("revision ", revision, " is not after ", batches_.back().first));
  }
  batches_.emplace_back(revision, changes);
  return absl::OkStatus();
}

absl::Status MemoryStore::Replay(const ReplayFn& fn) {
  std::vector<std::pair<int64_t, Batch>> copy;
  {
    absl::MutexLock lock(&mu_);
    copy = batches_;
  }
  for (const auto& [revision, batch] : copy) {
    absl::Status s = fn(revision, batch);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace pdp
