// Copies a SQLite store's write-ahead log into its database file on a
// thread and a connection of its own, so that no commit ever does it.
//
// SQLite's default is to checkpoint the WAL inside the commit that makes it
// reach 1,000 pages: that commit (and every writer waiting on the store's
// lock) then waits for the database file to be written and synced, 0.2 to
// 0.8 s on a slow disk with a large batch or checkpoint chunk. The store
// turns that off (wal_autocheckpoint=0) and calls Nudge() after each commit
// (sqlite3_wal_hook); past `pages` pages this thread runs a PASSIVE
// checkpoint, which waits for no reader or writer and is waited for by
// none. Thread-safe.
#ifndef PDP_SERVER_STORE_SQLITE_WAL_CHECKPOINTER_H_
#define PDP_SERVER_STORE_SQLITE_WAL_CHECKPOINTER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

struct sqlite3;

namespace pdp {

class SqliteWalCheckpointer {
 public:
  // Opens its own connection to `path` (a database in WAL mode) and starts
  // the thread. UNAVAILABLE when the file cannot be opened.
  static absl::StatusOr<std::unique_ptr<SqliteWalCheckpointer>> Start(const std::string& path,
                                                                      int pages = 1000);
  ~SqliteWalCheckpointer();  // stops the thread, closes the connection

  // The WAL now holds `wal_pages` pages: wakes the thread past the mark.
  // Quick (called by SQLite inside a commit).
  void Nudge(int wal_pages);

  // Checkpoints run so far (for tests).
  int checkpoints() const;

 private:
  SqliteWalCheckpointer(sqlite3* db, int pages) : db_(db), pages_(pages) {}
  void Run();

  sqlite3* const db_;  // used by the thread only
  const int pages_;
  mutable absl::Mutex mu_;
  bool due_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  int checkpoints_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace pdp

#endif  // PDP_SERVER_STORE_SQLITE_WAL_CHECKPOINTER_H_
