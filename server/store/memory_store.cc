#include "server/store/memory_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace pdp {

absl::Status MemoryStore::Commit(const StoredBatch& batch) {
  auto copy = std::make_shared<const StoredBatch>(batch);
  absl::MutexLock lock(&mu_);
  if (!batches_.empty() && batch.revision <= batches_.back()->revision) {
    return absl::FailedPreconditionError(
        absl::StrCat("revision ", batch.revision, " is not after ", batches_.back()->revision));
  }
  batches_.push_back(std::move(copy));
  return absl::OkStatus();
}

absl::Status MemoryStore::ReadFrom(int64_t from_revision, int64_t to_revision, const ReadFn& fn) {
  std::vector<std::shared_ptr<const StoredBatch>> range;
  {
    absl::MutexLock lock(&mu_);
    auto by_revision = [](const std::shared_ptr<const StoredBatch>& b, int64_t revision) {
      return b->revision < revision;
    };
    auto first = std::lower_bound(batches_.begin(), batches_.end(), from_revision, by_revision);
    for (auto it = first; it != batches_.end() && (*it)->revision <= to_revision; ++it) {
      range.push_back(*it);
    }
  }
  for (const auto& batch : range) {
    absl::Status s = fn(*batch);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace pdp
