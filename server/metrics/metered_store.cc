#include "server/metrics/metered_store.h"

#include <chrono>

namespace pdp {

absl::Status MeteredStore::Commit(const StoredBatch& batch) {
  const auto start = std::chrono::steady_clock::now();
  absl::Status committed = inner_->Commit(batch);
  const auto took = std::chrono::steady_clock::now() - start;
  metrics_->RecordCommit(std::chrono::duration_cast<std::chrono::nanoseconds>(took).count(),
                         committed.ok());
  return committed;
}

}  // namespace pdp
