// Writes checkpoints in the background (server/store/checkpoint_io.h): a
// thread looks every `poll` at the published revision and, once it is
// `every_revisions` past the store's newest checkpoint (written by this
// server or, on a shared store, by another replica) and `min_interval` has
// passed since this one last wrote, writes the published snapshot as a
// checkpoint, then prunes old ones (and, with `compact`, the batches they
// cover).
//
// The snapshot is immutable, so it is read without any lock: readers never
// wait for a checkpoint, and writers wait at most for one chunk's insert.
// Failures are kept (stats().last_error) and retried at the next turn.
// Thread-safe.
#ifndef PDP_SERVER_APP_CHECKPOINTER_H_
#define PDP_SERVER_APP_CHECKPOINTER_H_

#include <cstdint>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/app/world_state.h"
#include "server/store/checkpoint_io.h"
#include "server/store/store.h"

namespace pdp {

struct CheckpointOptions {
  int64_t every_revisions = 1000;  // 0: never in the background
  absl::Duration min_interval = absl::Minutes(1);
  int keep = 2;          // complete checkpoints kept (at least 1)
  bool compact = false;  // delete the batches the oldest kept checkpoint covers
  size_t chunk_bytes = kDefaultCheckpointChunkBytes;
  // Written at most this fast (0: no limit): a checkpoint's writes, at full
  // speed, crowd the disk the batches' commits sync to (bench/README.md).
  size_t max_bytes_per_second = 32 << 20;
  absl::Duration poll = absl::Seconds(1);
  // The thread's niceness: serializing a large state takes a core for
  // seconds, which on a small machine must not come before requests.
  int nice = 10;
};

class Checkpointer {
 public:
  struct Stats {
    int64_t written = 0;            // checkpoints written by this process
    int64_t last_revision = 0;      // of the last one written
    absl::Duration last_duration;   // how long it took
    int64_t compacted_through = 0;  // as the store last said
    std::string last_error;         // of the last failed attempt, "" after a success
  };

  // `state` and `store` must outlive the checkpointer.
  Checkpointer(WorldState* state, Store* store, CheckpointOptions options);
  ~Checkpointer();  // stops the thread

  void Start();
  // Waits for a checkpoint being written to finish.
  void Stop();

  // Writes a checkpoint of the published state now (unless the store has
  // one at that revision already) and prunes. Serialized with the thread's.
  absl::Status WriteNow();

  Stats stats() const;

 private:
  void Run();
  // Whether the store's newest checkpoint is far enough behind.
  bool Due() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  absl::Status WriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  WorldState* const state_;
  Store* const store_;
  const CheckpointOptions options_;

  absl::Mutex write_mu_;  // one checkpoint at a time
  absl::Time last_attempt_ ABSL_GUARDED_BY(write_mu_) = absl::InfinitePast();

  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  Stats stats_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace pdp

#endif  // PDP_SERVER_APP_CHECKPOINTER_H_
