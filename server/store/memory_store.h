// A Store that keeps batches in memory: for tests and --store memory.
// Nothing survives the process. Thread-safe.
#ifndef PDP_SERVER_STORE_MEMORY_STORE_H_
#define PDP_SERVER_STORE_MEMORY_STORE_H_

#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/store/store.h"

namespace pdp {

class MemoryStore : public Store {
 public:
  absl::Status Commit(const StoredBatch& batch) override;
  absl::Status ReadFrom(int64_t from_revision, int64_t to_revision, const ReadFn& fn) override;

 private:
  absl::Mutex mu_;
  // Shared so that a reader copies pointers, not batches, under the lock.
  std::vector<std::shared_ptr<const StoredBatch>> batches_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pdp

#endif  // PDP_SERVER_STORE_MEMORY_STORE_H_
