// Where committed write batches live. The server keeps the current state in
// memory (snapshots); a Store makes each batch durable before it is
// acknowledged, gives every batch back in revision order at start-up, and
// serves history to AdminService.Watch.
#ifndef PDP_SERVER_STORE_STORE_H_
#define PDP_SERVER_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "pdp/store/v1/records.pb.h"
#include "pdp/v1/changes.pb.h"

namespace pdp {

// One committed batch: what Watch sends and what start-up replays. The
// request_id is kept so that a retried ApplyChanges is still recognised
// after a restart.
// ErrorInfo reasons of store errors that the server passes on.
// UNAVAILABLE: the connection broke while COMMIT was under way, so the batch
// may or may not be stored (a shared store's followers find out which).
inline constexpr absl::string_view kCommitOutcomeUnknown = "COMMIT_OUTCOME_UNKNOWN";
// FAILED_PRECONDITION: the store's file was deleted or replaced under the
// server; a write would land in a file no restart reads.
inline constexpr absl::string_view kStoreFileReplaced = "STORE_FILE_REPLACED";

struct StoredBatch {
  int64_t revision = 0;
  std::string request_id;  // "" when the write had none
  // The changes as the request carried them: what Watch sends. Filled when
  // committing; when reading, only if asked for (ReadFrom's
  // `with_changes`).
  std::vector<pdp::v1::Change> changes;
  // What the batch did to the state (docs/log-format.md): start-up applies
  // it as it is, without judging the changes again.
  pdp::store::v1::StateDelta delta;
  // With a request id: the first answer, for a retry after a restart.
  pdp::store::v1::RequestOutcome outcome;
  // Who made it and when (empty in batches written before the audit log).
  pdp::store::v1::BatchAudit audit;
  // Read from a row a build before the versioned log wrote (the request
  // itself, format 1): `changes` is filled, `delta` and `outcome` are not.
  // WorldState migrates it (UpgradeBatch) the first time it reads it.
  bool legacy = false;
};

// A checkpoint as the store lists it.
struct CheckpointListing {
  std::vector<int64_t> complete;  // with a manifest, newest first
  std::vector<int64_t> partial;   // chunks without a manifest (a write that never finished)
};

class Store {
 public:
  using ReadFn = std::function<absl::Status(const StoredBatch& batch)>;

  virtual ~Store() = default;

  // Makes `batch` durable. Called by the single writer in increasing
  // revision order; a revision not after the last one is refused
  // (FAILED_PRECONDITION). An error means nothing was stored, except one
  // with reason kCommitOutcomeUnknown (the batch may have been stored).
  virtual absl::Status Commit(const StoredBatch& batch) = 0;

  // OK while commits can be made durable; otherwise the error every Commit
  // now returns (e.g. FAILED_PRECONDITION, reason kStoreFileReplaced). Once
  // not OK it stays so until the server restarts. Cheap (a few stat calls):
  // the server checks it every second for its health service.
  virtual absl::Status Health() { return absl::OkStatus(); }

  // Whether opening created the store (a new, empty SQLite file) rather than
  // opening one that existed. The server says so at start-up: an empty
  // store where a full one was expected (a moved or deleted file) must not
  // go unnoticed.
  virtual bool CreatedOnOpen() const { return false; }

  // Calls `fn` for every committed batch whose revision is in
  // [from_revision, to_revision], in revision order; stops at the first
  // error and returns it. `fn` runs without the store's lock held, so it may
  // be slow (a Watch stream waiting on its client) without holding up
  // commits; batches committed meanwhile may or may not be included.
  // Without `with_changes` the batches' `changes` may be left empty (replay
  // needs only the delta). DATA_LOSS for a row that does not parse;
  // FAILED_PRECONDITION for one a newer build wrote (format_version above
  // what this build reads).
  virtual absl::Status ReadFrom(int64_t from_revision, int64_t to_revision, const ReadFn& fn,
                                bool with_changes = true) = 0;

  // Rewrites a legacy batch (read with `legacy` set) in today's format, its
  // delta and outcome now filled. Idempotent; a row already rewritten (by
  // another replica) is left alone.
  virtual absl::Status UpgradeBatch(const StoredBatch& batch) { return Unsupported(); }

  // The request outcomes of the newest `limit` batches with a request id
  // and a revision at most `through_revision`, newest first (`changes` and
  // `delta` left empty): start-up after a checkpoint remembers the ids of
  // the batches it does not replay.
  virtual absl::Status ReadRequestOutcomes(int64_t through_revision, size_t limit,
                                           const ReadFn& fn) {
    return absl::OkStatus();
  }

  // ---- Checkpoints (server/checkpoints.h writes and reads them) -------
  // Each call is its own short transaction, so writing a large checkpoint
  // never holds up commits for long. A checkpoint is complete once its
  // manifest is stored; chunks without one are partial and never read.
  // (A store without them, a test's, lists none and refuses to write one.)
  virtual absl::Status PutCheckpointChunk(int64_t revision, int seq, const std::string& bytes) {
    return Unsupported();
  }
  virtual absl::Status PutCheckpointManifest(int64_t revision, const std::string& bytes) {
    return Unsupported();
  }
  virtual absl::StatusOr<CheckpointListing> ListCheckpoints() { return CheckpointListing{}; }
  // NOT_FOUND when absent.
  virtual absl::StatusOr<std::string> ReadCheckpointManifest(int64_t revision) {
    return Unsupported();
  }
  virtual absl::StatusOr<std::string> ReadCheckpointChunk(int64_t revision, int seq) {
    return Unsupported();
  }
  // Removes the manifest first, then the chunks: a crash between leaves a
  // partial checkpoint, never a complete one that lacks chunks.
  virtual absl::Status DeleteCheckpoint(int64_t revision) { return Unsupported(); }

  // ---- Compaction ------------------------------------------------------
  // Deletes the batches up to `revision` (which a checkpoint must cover)
  // and remembers that it did; never moves backwards.
  virtual absl::Status CompactThrough(int64_t revision) { return Unsupported(); }
  // The revision the log was compacted through (0: it never was): batches
  // at or below it are gone.
  virtual absl::StatusOr<int64_t> CompactedThrough() { return 0; }

  // Whether other processes commit to this store too, so a server must
  // follow it (PostgreSQL). A Commit of a revision another writer took is
  // then ABORTED: the writer catches up and retries.
  virtual bool IsShared() const { return false; }

  // Shared stores: waits up to `timeout` for a commit by any writer (a hint
  // to read on; callers also poll). UNAVAILABLE while the store cannot be
  // reached, after waiting out the timeout.
  virtual absl::Status WaitForCommits(absl::Duration timeout) {
    absl::SleepFor(timeout);
    return absl::OkStatus();
  }

  // Every batch, in revision order, with its changes.
  absl::Status Replay(const ReadFn& fn) {
    return ReadFrom(0, std::numeric_limits<int64_t>::max(), fn);
  }

 private:
  static absl::Status Unsupported() {
    return absl::UnimplementedError("this store keeps no checkpoints and cannot be compacted");
  }
};

}  // namespace pdp

#endif  // PDP_SERVER_STORE_STORE_H_
