#include "server/store/sqlite_wal_checkpointer.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"

namespace pdp {

absl::StatusOr<std::unique_ptr<SqliteWalCheckpointer>> SqliteWalCheckpointer::Start(
    const std::string& path, int pages) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return absl::UnavailableError(
        absl::StrCat("cannot open SQLite store ", path, " for checkpointing: ", message));
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<SqliteWalCheckpointer> c(new SqliteWalCheckpointer(db, pages));
  c->thread_ = std::thread([raw = c.get()] { raw->Run(); });
  return c;
}

SqliteWalCheckpointer::~SqliteWalCheckpointer() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  sqlite3_close(db_);
}

void SqliteWalCheckpointer::Nudge(int wal_pages) {
  if (wal_pages < pages_) return;
  absl::MutexLock lock(&mu_);
  due_ = true;
}

int SqliteWalCheckpointer::checkpoints() const {
  absl::MutexLock lock(&mu_);
  return checkpoints_;
}

void SqliteWalCheckpointer::Run() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return due_ || stop_; };
      mu_.Await(absl::Condition(&woken));
      if (stop_) return;
      due_ = false;
    }
    // PASSIVE: copies what it can without waiting for readers or writers;
    // frames a reader still needs are copied by a later one. A failure
    // (the file gone, say) only leaves the WAL longer: commits go on, and
    // the store's own checks report a lost file.
    sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    absl::MutexLock lock(&mu_);
    ++checkpoints_;
  }
}

}  // namespace pdp
