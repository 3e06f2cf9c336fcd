// The server's current state: the published snapshot that readers use
// without locks, and the single writer that makes the next one.
//
// Readers call Current() and keep the returned pointer for as long as they
// need a consistent view; a reader that must see a given revision (a
// request's min_revision) calls WaitForRevision first. Apply() and
// ApplyChanges() serialize writers: each builds the next snapshot from a
// batch, commits the batch to the Store (durable before it is
// acknowledged), then publishes the snapshot atomically and wakes the
// waiting readers. A failed batch changes nothing.
//
// Time comes from the Clock given at construction (RealClock() by default):
// the deadlines of WaitForRevision and WhenRevision are moments on it, and it
// dates Staleness() and each batch's audit entry. Tests pass a FakeClock.
#ifndef PDP_SERVER_APP_WORLD_STATE_H_
#define PDP_SERVER_APP_WORLD_STATE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/model/snapshot.h"
#include "engine/write/snapshot_builder.h"
#include "pdp/v1/admin.pb.h"
#include "server/app/atomic_shared_ptr.h"
#include "server/app/batch_origin.h"
#include "server/app/clock.h"
#include "server/app/request_id_log.h"
#include "server/app/revision_gate.h"
#include "server/store/state_codec.h"
#include "server/store/store.h"

namespace pdp {

class WorldState {
 public:
  // `store` and `clock` must outlive this object.
  WorldState(SnapshotPtr initial, Store* store, WorldLimits limits = {},
             const Clock& clock = RealClock());

  // The clock the deadlines given to this object are on.
  const Clock& clock() const { return clock_; }

  // What Recover() found, for the server to report at start-up.
  struct RecoveryReport {
    int64_t checkpoint_revision = 0;               // the checkpoint loaded; 0 for none
    std::vector<std::string> skipped_checkpoints;  // damaged ones passed over, and why
    int64_t replayed_batches = 0;                  // after the checkpoint
    int64_t migrated_batches = 0;                  // legacy rows rewritten (UpgradeBatch)
    // Stored policies today's compiler refuses; each now denies everything.
    size_t failed_closed_policies = 0;
    std::string last_failed_policy;
  };

  // Rebuilds the state: the newest checkpoint that reads back whole (a
  // damaged one is passed over for an older one, or for the whole log),
  // then the batches after it, applied as they were committed (never judged
  // again: a quota lowered or a data file edited since cannot make a stored
  // batch fail). Remembers the request ids of the retained batches. Legacy
  // batches are migrated on the way. Call once, before serving. DATA_LOSS
  // when the log was compacted past every readable checkpoint or a record
  // is unusable; FAILED_PRECONDITION for records of a newer format.
  absl::Status Recover();
  // How many stored batches Recover() replays into one snapshot.
  static constexpr int kReplayGroupBatches = 256;
  RecoveryReport last_recovery() const {
    absl::MutexLock lock(&write_mu_);
    return recovery_;
  }

  // Shared stores (replicas): applies, in revision order, every batch other
  // writers committed after the published revision, remembering their
  // request ids. OK when there is nothing new; the store's error (UNAVAILABLE
  // while it cannot be reached) otherwise. ChangeFollower calls it.
  absl::Status CatchUp();

  SnapshotPtr Current() const { return current_.load(std::memory_order_acquire); }

  // Replicas: how long the shared store has been out of reach, so answers
  // may be that stale (zero while in contact). ChangeFollower reports.
  absl::Duration Staleness() const {
    int64_t since = unreachable_since_ns_.load(std::memory_order_relaxed);
    return since == 0 ? absl::ZeroDuration() : clock_.Now() - absl::FromUnixNanos(since);
  }
  void SetStoreReachable(bool reachable) {
    if (reachable) {
      unreachable_since_ns_.store(0, std::memory_order_relaxed);
    } else {
      int64_t expected = 0;  // keep the first moment contact was lost
      unreachable_since_ns_.compare_exchange_strong(expected, absl::ToUnixNanos(clock_.Now()));
    }
  }
  // The published revision, without taking a reference to the snapshot.
  int64_t revision() const { return gate_.revision(); }

  // Waits until the published revision is at least `revision`: OK at once
  // when it already is (or `revision` is 0); INVALID_ARGUMENT (field
  // "min_revision") when negative; UNAVAILABLE, reason REVISION_NOT_REACHED,
  // at `deadline` (at most 30 s away) or at shutdown. With `cancelled`
  // (asked every 100 ms while waiting): CANCELLED once it says true.
  absl::Status WaitForRevision(int64_t revision, absl::Time deadline,
                               const std::function<bool()>& cancelled = nullptr) const;

  // As WaitForRevision, for a thread that must not block: `done` runs once
  // with the outcome, on this thread if known now, else on a waiting thread
  // (so it must be quick). At most max_parked_calls() wait at once: beyond,
  // RESOURCE_EXHAUSTED, reason TOO_MANY_WAITING_CALLS (RevisionGate). Returns
  // a ticket for CancelWhenRevision (0 when `done` has already run).
  RevisionGate::Ticket WhenRevision(int64_t revision, absl::Time deadline,
                                    std::function<void(absl::Status)> done) const;
  // The caller of a WhenRevision went away: frees its place now (its `done`
  // runs on this thread with CANCELLED), unless it has already run.
  void CancelWhenRevision(RevisionGate::Ticket ticket) const { gate_.CancelWait(ticket); }
  void set_max_parked_calls(size_t max) { gate_.set_max_parked(max); }
  size_t max_parked_calls() const { return gate_.max_parked(); }

  // Server shutdown: every wait for a revision not yet reached fails now and
  // from now on (Watch streams end). Returns once no reader is parked.
  void StopWaiting() const { gate_.Close(); }
  bool stopping() const { return gate_.closed(); }

  // The revision the store's log was compacted through (0: never): Watch
  // cannot start at or below it.
  absl::StatusOr<int64_t> CompactedThrough() const { return store_->CompactedThrough(); }

  // Calls `fn` for the committed batches from `from_revision` up to
  // `to_revision`, in order, from the store (for Watch).
  // Without `with_changes` the batches' changes may be left out (the audit
  // log needs only the audit entries).
  absl::Status ReadCommitted(int64_t from_revision, int64_t to_revision, const Store::ReadFn& fn,
                             bool with_changes = true) const;

  // Names change i in error field paths (e.g. "changes[3].put_user.").
  using PathPrefixFn = std::function<std::string(size_t index, const pdp::v1::Change&)>;

  // Prefixes "changes[i].<kind>." (ApplyChanges requests).
  static std::string ChangeIndexPrefix(size_t index, const pdp::v1::Change& change);

  // The prefix for the error of applying `change` (change i) to `builder`,
  // decided before applying it: "changes[i]." when the change's own
  // Change.etag precondition fails (the builder checks it first), else
  // ChangeIndexPrefix. For callers that drive a SnapshotBuilder themselves
  // (WhatIf), so their errors name fields as ApplyChanges does.
  static std::string ErrorPrefix(const SnapshotBuilder& builder, size_t index,
                                 const pdp::v1::Change& change);

  // A batch whose every change changes nothing (ChangeResult.unchanged) is
  // not committed: Apply and ApplyChanges return the current snapshot /
  // revision, and nothing is stored or sent to Watch; otherwise the stored
  // batch holds only the changes that changed something.
  //
  // Applies `changes` as one batch. Error field paths are prefixed by
  // `prefix` when given (requests of many changes); a batch in which several
  // changes fail reports each of them (see ApplyChanges). `origin` is
  // recorded with the batch and may refuse it (BatchOrigin::authorize).
  absl::StatusOr<SnapshotPtr> Apply(const std::vector<pdp::v1::Change>& changes,
                                    const PathPrefixFn& prefix = nullptr,
                                    const BatchOrigin& origin = {});

  // AdminService.ApplyChanges: the request's changes as one batch, with
  // one result (name, etag) per change in request order and the revision.
  // Idempotent by request_id (validated: INVALID_ARGUMENT, field
  // "request_id"): an id already committed returns its first response with
  // replayed = true and changes nothing; the same id with different changes
  // is INVALID_ARGUMENT, reason REQUEST_ID_REUSED. The last 100,000 ids are
  // remembered, across restarts. On failure nothing is applied and the
  // error names every failing change (up to 100, paths
  // "changes[i].<kind>.<field>", or "changes[i].etag" for Change.etag); its
  // code and reason are the first failure's.
  absl::StatusOr<pdp::v1::ApplyChangesResponse> ApplyChanges(
      const pdp::v1::ApplyChangesRequest& request, const BatchOrigin& origin = {});

 private:
  // Builds the snapshot after `changes` on `base`, filling `results` (one
  // per change) when given. With `every_error`, keeps going after a failing
  // change to report the others.
  // When `delta` is given it receives what the batch changed (the record
  // the store keeps).
  absl::StatusOr<SnapshotPtr> Build(const SnapshotPtr& base,
                                    const std::vector<pdp::v1::Change>& changes,
                                    const PathPrefixFn& prefix, bool every_error,
                                    std::vector<ChangeResult>* results,
                                    pdp::store::v1::StateDelta* delta,
                                    const WorldLimits& limits) const;
  // Builds, commits and publishes `batch` (its revision is set here). With
  // a shared store it first catches up with the other writers, and when one
  // of them takes the revision meanwhile, catches up and builds again. If
  // `done_elsewhere` (checked after each catch-up) says another writer
  // already applied this request, returns a null snapshot.
  // `fingerprint` of the changes is stored with the outcome when the batch
  // has a request id.
  // `origin` may refuse the batch and fills its audit entry.
  absl::StatusOr<SnapshotPtr> Commit(StoredBatch& batch, const PathPrefixFn& prefix,
                                     std::vector<ChangeResult>* results,
                                     const ChangesFingerprint& fingerprint,
                                     const BatchOrigin& origin,
                                     const std::function<bool()>& done_elsewhere = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Applies a batch from the store (start-up, other writers) and publishes.
  absl::Status ApplyCommitted(const StoredBatch& batch, StateRestorer& restorer)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Start-up: applies the stored batches after `after`, as committed, up to
  // kReplayGroupBatches of them into one builder, published together.
  // Nobody reads while Recover() runs, and a snapshot per batch would have
  // each batch copy what it touches of the structures snapshots share (a
  // batch of new principals puts ids into nearly every bucket of the
  // unique-id index). A legacy batch is migrated on its own. A group's
  // request ids are remembered when it is published; a group holding an
  // unusable batch is not published (start-up fails with DATA_LOSS).
  absl::Status ReplayLog(int64_t after, StateRestorer& restorer)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // A legacy batch: builds it (quotas lifted) to learn its delta, rewrites
  // it in today's format, and returns the snapshot after it.
  absl::StatusOr<SnapshotPtr> MigrateLegacy(const SnapshotPtr& base, const StoredBatch& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Publishes the newest checkpoint at `at_least` or later that reads back
  // whole and returns its revision; 0 when none does (each one passed over
  // is added to `skipped` with why: DATA_LOSS or FAILED_PRECONDITION from
  // LoadCheckpoint). Any other error (a store out of reach) is returned.
  absl::StatusOr<int64_t> LoadNewestCheckpoint(int64_t at_least, StateRestorer& restorer,
                                               std::vector<std::string>* skipped)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Remembers the request ids of the retained batches at or below
  // `revision` (those a checkpoint covers), oldest first.
  absl::Status RememberOutcomesThrough(int64_t revision) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Remembers the request id of a committed batch (if it had one).
  void RememberOutcome(const StoredBatch& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Fills batch.outcome (when it has a request id).
  static void SetOutcome(StoredBatch& batch, const ChangesFingerprint& fingerprint,
                         const std::vector<ChangeResult>& results);
  absl::Status CatchUpLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  Store* store_;
  WorldLimits limits_;
  const Clock& clock_;
  // The empty world (today's catalogue and AWS managed policies) that
  // checkpoints are loaded onto.
  const SnapshotPtr initial_;
  mutable absl::Mutex write_mu_;
  RecoveryReport recovery_ ABSL_GUARDED_BY(write_mu_);
  RequestIdLog request_ids_ ABSL_GUARDED_BY(write_mu_);
  absl::BitGen rng_ ABSL_GUARDED_BY(write_mu_);  // backoff after a lost race
  // Not std::atomic<SnapshotPtr>: GCC 12's has a data race (server/app/atomic_shared_ptr.h).
  AtomicSharedPtr<const Snapshot> current_;
  std::atomic<int64_t> unreachable_since_ns_{0};
  mutable RevisionGate gate_;
};

}  // namespace pdp

#endif  // PDP_SERVER_APP_WORLD_STATE_H_
