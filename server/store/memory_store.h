// A Store that keeps batches in memory: for tests and --store memory.
// Nothing survives the process. Rows are kept encoded as the SQLite and
// PostgreSQL stores keep them (batch_codec.h), so tests on this store go
// through the same codec. Thread-safe.
#ifndef PDP_SERVER_STORE_MEMORY_STORE_H_
#define PDP_SERVER_STORE_MEMORY_STORE_H_

#include <deque>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/store/batch_codec.h"
#include "server/store/store.h"

namespace pdp {

class MemoryStore : public Store {
 public:
  absl::Status Commit(const StoredBatch& batch) override;
  absl::Status ReadFrom(int64_t from_revision, int64_t to_revision, const ReadFn& fn,
                        bool with_changes = true) override;
  absl::Status UpgradeBatch(const StoredBatch& batch) override;
  absl::Status ReadRequestOutcomes(int64_t through_revision, size_t limit,
                                   const ReadFn& fn) override;
  absl::Status PutCheckpointChunk(int64_t revision, int seq, const std::string& bytes) override;
  absl::Status PutCheckpointManifest(int64_t revision, const std::string& bytes) override;
  absl::StatusOr<CheckpointListing> ListCheckpoints() override;
  absl::StatusOr<std::string> ReadCheckpointManifest(int64_t revision) override;
  absl::StatusOr<std::string> ReadCheckpointChunk(int64_t revision, int seq) override;
  absl::Status DeleteCheckpoint(int64_t revision) override;
  absl::Status CompactThrough(int64_t revision) override;
  absl::StatusOr<int64_t> CompactedThrough() override;

  // Tests: stores `row` as it is (a legacy row, a damaged one), replacing
  // any row of its revision.
  void PutRawRow(const BatchRow& row);

 private:
  std::deque<BatchRow>::iterator Find(int64_t revision) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::deque<BatchRow> rows_ ABSL_GUARDED_BY(mu_);  // by revision
  std::map<int64_t, std::map<int, std::string>> chunks_ ABSL_GUARDED_BY(mu_);
  std::map<int64_t, std::string> manifests_ ABSL_GUARDED_BY(mu_);
  int64_t compacted_through_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace pdp

#endif  // PDP_SERVER_STORE_MEMORY_STORE_H_
