// Checkpoints: the whole state at one revision, kept in the store so that
// start-up loads it and replays only the batches after it (and so that the
// batches it covers may be compacted away). docs/log-format.md describes
// them.
//
// A checkpoint is written as chunks of about `chunk_bytes` (each a
// pdp.store.v1.StateDelta, each stored in its own short transaction, so
// readers and writers of the store wait at most one chunk's write), then a
// manifest listing every chunk's SHA-256. Without its manifest a checkpoint
// is partial and never read; a chunk that is missing or does not match its
// checksum makes the whole checkpoint unusable, never half-trusted.
#ifndef PDP_SERVER_STORE_CHECKPOINT_IO_H_
#define PDP_SERVER_STORE_CHECKPOINT_IO_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/model/snapshot.h"
#include "server/store/state_codec.h"
#include "server/store/store.h"

namespace pdp {

// Small enough that a chunk's insert (and the commit waiting on it) takes a
// few milliseconds, large enough that loading spreads well over threads.
inline constexpr size_t kDefaultCheckpointChunkBytes = 256 << 10;

// Writes `snapshot` (any published one: it is immutable, so no lock is
// held while it is read) as the checkpoint at its revision. The store's
// error (UNAVAILABLE...) otherwise; a failed write leaves a partial
// checkpoint, which PruneCheckpoints removes later.
// With `max_bytes_per_second` (0: no limit) it paces itself to at most
// that rate on average, so that its writes do not crowd the disk the
// commits of batches sync to.
absl::Status WriteCheckpoint(Store& store, const Snapshot& snapshot,
                             size_t chunk_bytes = kDefaultCheckpointChunkBytes,
                             size_t max_bytes_per_second = 0);

// The state of the checkpoint at `revision`, built on `initial` (the empty
// world with today's page catalogue and AWS managed policies) through
// `restorer`. DATA_LOSS for a damaged checkpoint (a manifest or chunk that
// does not parse, a chunk missing or not matching its checksum);
// FAILED_PRECONDITION for one a newer build wrote; the store's error when
// it cannot be read. The chunks are read and decoded on up to one thread
// per core (so `store` and `restorer` are used from several threads: both
// are thread-safe) and put into the state in order; the call returns after
// those threads have stopped, also on an error.
absl::StatusOr<SnapshotPtr> LoadCheckpoint(Store& store, const SnapshotPtr& initial,
                                           int64_t revision, StateRestorer& restorer);

// Keeps the newest `keep` (at least 1) complete checkpoints and deletes the
// rest, and every partial one older than the newest complete one. With
// `compact`, and once there are `keep` complete ones, then deletes the
// batches the oldest kept checkpoint covers, so a damaged newest checkpoint
// still leaves an older one and the log after it. Returns the revision the
// log is compacted through (0 if never).
absl::StatusOr<int64_t> PruneCheckpoints(Store& store, int keep, bool compact);

}  // namespace pdp

#endif  // PDP_SERVER_STORE_CHECKPOINT_IO_H_
