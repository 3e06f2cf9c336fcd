// A Store in one SQLite file (WAL journal, synchronous=FULL): a batch is on
// disk before Commit returns, so an acknowledged write survives a crash or a
// power cut. Each batch is one row (revision, the serialized changes and
// request id) written in one transaction, so a batch is either wholly there
// or not at all. The
// schema is versioned in a `meta` table and migrated on open. Thread-safe.
#ifndef PDP_SERVER_STORE_SQLITE_STORE_H_
#define PDP_SERVER_STORE_SQLITE_STORE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/store/batch_codec.h"
#include "server/store/store.h"

struct sqlite3;

namespace pdp {

class SqliteStore : public Store {
 public:
  // Opens (creating if needed) the database at `path`. UNAVAILABLE if the
  // file cannot be opened; FAILED_PRECONDITION for a schema newer than this
  // build understands.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& path);
  ~SqliteStore() override;

  absl::Status Commit(const StoredBatch& batch) override;
  absl::Status ReadFrom(int64_t from_revision, int64_t to_revision, const ReadFn& fn) override;

 private:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  absl::Status Exec(const char* sql) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Error(const char* what) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // One page of ReadFrom: (revision, serialized batch) rows from
  // `from_revision` on, in order.
  absl::Status ReadPage(int64_t from_revision, int64_t to_revision, BatchRows* rows);

  absl::Mutex mu_;
  sqlite3* db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pdp

#endif  // PDP_SERVER_STORE_SQLITE_STORE_H_
