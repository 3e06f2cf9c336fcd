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
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
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
  std::vector<pdp::v1::Change> changes;
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
  virtual absl::Status ReadFrom(int64_t from_revision, int64_t to_revision, const ReadFn& fn) = 0;

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

  // Every batch, in revision order (start-up).
  absl::Status Replay(const ReadFn& fn) {
    return ReadFrom(0, std::numeric_limits<int64_t>::max(), fn);
  }
};

}  // namespace pdp

#endif  // PDP_SERVER_STORE_STORE_H_
