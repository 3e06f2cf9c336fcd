// A Store in PostgreSQL, shared by many billing-pdp replicas. Batches are
// rows (revision PRIMARY KEY, the encoded batch) of one table, so the table
// is the ordered change log every replica follows: a commit inserts revision
// N+1 and NOTIFYs channel `pdp_batches`; replicas wake on the notification
// (or a periodic poll) and read every revision after theirs, in order.
//
// Two writers racing for the same revision: the primary key lets exactly
// one win; the other gets ABORTED, catches up and retries on top.
// Durability is PostgreSQL's (a COMMIT is on disk with the default
// synchronous_commit=on). Thread-safe: commands share one connection under a
// lock; the notification listener has its own.
#ifndef PDP_SERVER_STORE_POSTGRES_STORE_H_
#define PDP_SERVER_STORE_POSTGRES_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/store/batch_codec.h"
#include "server/store/store.h"

typedef struct pg_conn PGconn;

namespace pdp {

class PostgresStore : public Store {
 public:
  // Connects with a libpq conninfo string or URI (connect_timeout defaults
  // to 3 s) and creates or migrates the schema. UNAVAILABLE when the
  // database cannot be reached; FAILED_PRECONDITION for a newer schema.
  static absl::StatusOr<std::unique_ptr<PostgresStore>> Open(const std::string& conninfo);
  ~PostgresStore() override;

  // ABORTED when `batch.revision` is already taken (another replica wrote
  // it: catch up and retry); FAILED_PRECONDITION when it would leave a gap;
  // UNAVAILABLE when the database cannot be reached: nothing was stored,
  // except with reason kCommitOutcomeUnknown (the connection broke during
  // COMMIT): the batch may be stored, and the follower will find out.
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
  bool IsShared() const override { return true; }
  // Waits up to `timeout` for a commit notification (from any replica).
  // OK on a notification or a quiet timeout; UNAVAILABLE when the database
  // cannot be reached (after waiting out the timeout, so callers may loop).
  absl::Status WaitForCommits(absl::Duration timeout) override;

 private:
  explicit PostgresStore(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  absl::Status ReadPage(int64_t from, int64_t to, BatchRows* rows);
  using Rows = std::vector<std::vector<std::string>>;
  // Checkpoints and compaction have a connection of their own, so that a
  // chunk's insert or a large delete never holds up commits (which wait
  // for mu_).
  enum class Connection { kMain, kCheckpoints };
  // Runs `sql` (its own transaction) with text parameters `text` and, when
  // given, `bytes` as a binary last parameter; the rows it returns (binary
  // columns, "" for NULL). UNAVAILABLE when the database cannot be reached.
  absl::StatusOr<Rows> Query(const char* sql, const std::vector<std::string>& text,
                             const std::string* bytes, Connection connection = Connection::kMain);
  absl::Status Migrate() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string conninfo_;
  absl::Mutex mu_;
  PGconn* conn_ ABSL_GUARDED_BY(mu_) = nullptr;
  absl::Mutex checkpoint_mu_;
  PGconn* checkpoint_conn_ ABSL_GUARDED_BY(checkpoint_mu_) = nullptr;
  absl::Mutex listen_mu_;
  PGconn* listen_conn_ ABSL_GUARDED_BY(listen_mu_) = nullptr;
};

}  // namespace pdp

#endif  // PDP_SERVER_STORE_POSTGRES_STORE_H_
