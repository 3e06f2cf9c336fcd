// A Store in one SQLite file (WAL journal, synchronous=FULL): a batch is on
// disk before Commit returns, so an acknowledged write survives a crash or a
// power cut. Each batch is one row (revision, the serialized changes and
// request id) written in one transaction, so a batch is either wholly there
// or not at all. The
// schema is versioned in a `meta` table and migrated on open. Thread-safe.
//
// The file (and its -wal log) must stay where it was opened: SQLite keeps
// writing to a file deleted or replaced under it, and a restart would find
// none of those writes. So the store remembers the files' identity (device
// and inode) and checks it before and after every commit and in Health();
// once it differs, every commit fails with FAILED_PRECONDITION, reason
// kStoreFileReplaced.
//
// One writer per file: a store opened for writing holds an exclusive lock
// on the database file (server/store/file_lock.h) until it is destroyed, so
// a second server (or a second writer in this process) on the same file is
// refused at Open instead of serving and writing its own, diverging,
// history. A store opened with Access::kReadOnly takes no lock and reads
// what the writer committed (SQLite's WAL lets readers run beside it).
#ifndef PDP_SERVER_STORE_SQLITE_STORE_H_
#define PDP_SERVER_STORE_SQLITE_STORE_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/store/batch_codec.h"
#include "server/store/file_lock.h"
#include "server/store/sqlite_wal_checkpointer.h"
#include "server/store/store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace pdp {

class SqliteStore : public Store {
 public:
  enum class Access {
    kWrite,     // creates and migrates the file; exclusive (see above)
    kReadOnly,  // an existing file at the current schema; writes fail (UNAVAILABLE)
  };
  // Opens the database at `path` (with kWrite, creating it if needed).
  // UNAVAILABLE if the file cannot be opened; FAILED_PRECONDITION for a
  // schema newer than this build understands, for kWrite when another
  // writer holds the file (the message names the file and the holder's
  // process), and for kReadOnly on a file not at the current schema.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                           Access access = Access::kWrite);
  ~SqliteStore() override;

  // FAILED_PRECONDITION (kStoreFileReplaced) when the file or its -wal log
  // was deleted or replaced since Open, before or during this commit (a
  // batch committed to a file that was already gone is reported failed: it
  // is not durable).
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
  absl::Status Health() override;
  bool CreatedOnOpen() const override { return created_; }

 private:
  struct FileId {
    dev_t dev;
    ino_t ino;
    bool operator==(const FileId&) const = default;
  };

  SqliteStore(sqlite3* db, std::string path, bool created, std::unique_ptr<FileLock> lock)
      : db_(db), path_(std::move(path)), created_(created), lock_(std::move(lock)) {}
  // OK while the database file and its -wal log are the files opened;
  // otherwise records and returns the (lasting) error.
  absl::Status CheckFiles() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Exec(const char* sql) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Error(const char* what) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // One page of ReadFrom: rows from `from_revision` on, in order.
  absl::Status ReadPage(int64_t from_revision, int64_t to_revision, BatchRows* rows);
  static void BindRow(sqlite3_stmt* stmt, const BatchRow& row);
  // Runs `sql` (one statement, its own transaction) with ?1 = revision and,
  // when seq >= 0, ?2 = seq; `bytes`, when given, is the last parameter.
  // Without `synced` the commit does not wait for the disk.
  absl::Status Write(const char* sql, int64_t revision, int seq, const std::string* bytes,
                     bool synced = true);
  // The first column of the one row `sql` selects (parameters as Write's);
  // NOT_FOUND when none.
  absl::StatusOr<std::string> ReadBlob(const char* sql, int64_t revision, int seq);

  absl::Mutex mu_;
  sqlite3* db_ ABSL_GUARDED_BY(mu_);
  const std::string path_;
  const bool created_;
  // Held until after the connections close (null for kReadOnly).
  const std::unique_ptr<FileLock> lock_;
  FileId db_file_ ABSL_GUARDED_BY(mu_) = {};
  // Recorded when first seen (SQLite creates the log on first use).
  std::optional<FileId> wal_file_ ABSL_GUARDED_BY(mu_);
  absl::Status broken_ ABSL_GUARDED_BY(mu_);
  int64_t compacted_through_ ABSL_GUARDED_BY(mu_) = 0;
  // Copies the WAL into the file off the commit path (set once by Open).
  std::unique_ptr<SqliteWalCheckpointer> wal_checkpointer_;
};

}  // namespace pdp

#endif  // PDP_SERVER_STORE_SQLITE_STORE_H_
