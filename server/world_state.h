// The server's current state: the published snapshot that readers use
// without locks, and the single writer that makes the next one.
//
// Readers call Current() and keep the returned pointer for as long as they
// need a consistent view. Apply() serializes writers: it builds the next
// snapshot from a batch, commits the batch to the Store (durable before it
// is acknowledged), then publishes the snapshot atomically. A failed batch
// changes nothing.
#ifndef PDP_SERVER_WORLD_STATE_H_
#define PDP_SERVER_WORLD_STATE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/engine/snapshot.h"
#include "common/engine/snapshot_builder.h"
#include "server/store/store.h"

namespace pdp {

class WorldState {
 public:
  // `store` must outlive this object.
  WorldState(SnapshotPtr initial, Store* store, WorldLimits limits = {});

  // Rebuilds the state from every batch in the store. Call once, before
  // serving.
  absl::Status Recover();

  SnapshotPtr Current() const { return current_.load(std::memory_order_acquire); }

  // Names change i in error field paths (e.g. "changes[3].put_user.").
  using PathPrefixFn = std::function<std::string(size_t index, const pdp::v1::Change&)>;

  // Prefixes "changes[i].<kind>." (ApplyChanges requests).
  static std::string ChangeIndexPrefix(size_t index, const pdp::v1::Change& change);

  // Applies `changes` as one batch. Error field paths are prefixed by
  // `prefix` when given (requests of many changes).
  absl::StatusOr<SnapshotPtr> Apply(const std::vector<pdp::v1::Change>& changes,
                                    const PathPrefixFn& prefix = nullptr);

 private:
  absl::StatusOr<SnapshotPtr> Build(const SnapshotPtr& base,
                                    const std::vector<pdp::v1::Change>& changes,
                                    const PathPrefixFn& prefix) const;

  Store* store_;
  WorldLimits limits_;
  absl::Mutex write_mu_;
  std::atomic<SnapshotPtr> current_;
};

}  // namespace pdp

#endif  // PDP_SERVER_WORLD_STATE_H_
