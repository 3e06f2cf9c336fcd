// A Store that keeps batches in memory: for tests and --store memory.
// Nothing survives the process. Thread-safe.
#ifndef PDP_SERVER_STORE_MEMORY_STORE_H_
#define PDP_SERVER_STORE_MEMORY_STORE_H_

#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/store/store.h"

namespace pdp {

class MemoryStore : public Store {
 public:
  absl::Status Commit(int64_t revision, const Batch& changes) override;
  absl::Status Replay(const ReplayFn& fn) override;

 private:
  absl::Mutex mu_;
  std::vector<std::pair<int64_t, Batch>> batches_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pdp

#endif  // PDP_SERVER_STORE_MEMORY_STORE_H_
