#include "server/store/sqlite_store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base/errors.h"

namespace pdp {
namespace {

constexpr int kSchemaVersion = 1;

// ReadFrom reads at most this many rows, or a little over this many bytes,
// per query.
constexpr int kPageRows = 256;
constexpr size_t kPageBytes = 16 << 20;

// Finalizes a statement however the function returns.
struct Statement {
  sqlite3_stmt* stmt = nullptr;
  ~Statement() { sqlite3_finalize(stmt); }
};

// stat(2) of `path`: 0 and `st` filled, or the errno.
int StatPath(const std::string& path, struct stat& st) {
  return ::stat(path.c_str(), &st) == 0 ? 0 : errno;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  struct stat st;
  const bool existed = StatPath(path, st) != ENOENT;
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return absl::UnavailableError(absl::StrCat("cannot open SQLite store ", path, ": ", message));
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, path, !existed));
  absl::MutexLock lock(&store->mu_);
  sqlite3_busy_timeout(db, 5000);
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                          "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)",
                          "CREATE TABLE IF NOT EXISTS batches (revision INTEGER PRIMARY KEY, "
                          "changes BLOB NOT NULL)"}) {
    absl::Status s = store->Exec(sql);
    if (!s.ok()) return s;
  }
  // Schema version: absent means a new file (version 1 is the first).
  Statement read;
  sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &read.stmt,
                     nullptr);
  int version = 0;
  if (sqlite3_step(read.stmt) == SQLITE_ROW) version = sqlite3_column_int(read.stmt, 0);
  if (version > kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(path, " has schema version ", version,
                                                      "; this build knows up to ", kSchemaVersion));
  }
  if (version < kSchemaVersion) {
    absl::Status s = store->Exec(
        absl::StrCat("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '",
                     kSchemaVersion, "')")
            .c_str());
    if (!s.ok()) return s;
  }
  // The identity of the file SQLite has open: the path's now, unless SQLite
  // says the path no longer leads to its file.
  int moved = 0;
  if (int err = StatPath(path, st); err != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot stat SQLite store ", path, ": ", std::strerror(err)));
  }
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK && moved) {
    return absl::UnavailableError(absl::StrCat("SQLite store ", path, " moved while opening"));
  }
  store->db_file_ = {st.st_dev, st.st_ino};
  store->CheckFiles().IgnoreError();  // records the -wal log if SQLite made it already
  return store;
}

absl::Status SqliteStore::CheckFiles() {
  if (!broken_.ok()) return broken_;
  struct stat st;
  std::string problem;
  int err = StatPath(path_, st);
  if (err == ENOENT) {
    problem = absl::StrCat(path_, " was deleted");
  } else if (err != 0) {
    // Not known to be gone (a permission change, say): refuse this write
    // without giving up on the store.
    return absl::UnavailableError(
        absl::StrCat("cannot check SQLite store ", path_, ": ", std::strerror(err)));
  } else if (!(FileId{st.st_dev, st.st_ino} == db_file_)) {
    problem = absl::StrCat(path_, " was replaced by another file");
  } else {
    const std::string wal = path_ + "-wal";
    err = StatPath(wal, st);
    if (!wal_file_.has_value()) {
      if (err == 0) wal_file_ = FileId{st.st_dev, st.st_ino};
    } else if (err == ENOENT) {
      problem = absl::StrCat(wal, " (its write-ahead log) was deleted");
    } else if (err != 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot check SQLite log ", wal, ": ", std::strerror(err)));
    } else if (!(FileId{st.st_dev, st.st_ino} == *wal_file_)) {
      problem = absl::StrCat(wal, " (its write-ahead log) was replaced by another file");
    }
  }
  if (problem.empty()) return absl::OkStatus();
  broken_ = WithReason(
      absl::FailedPreconditionError(absl::StrCat(
          "the SQLite store ", problem,
          " while the server was running: writes are refused, as a restart would not see them "
          "(reads go on from memory); put the file back and restart the server")),
      kStoreFileReplaced);
  return broken_;
}

absl::Status SqliteStore::Health() {
  absl::MutexLock lock(&mu_);
  return CheckFiles();
}

SqliteStore::~SqliteStore() {
  absl::MutexLock lock(&mu_);
  sqlite3_close(db_);
}

absl::Status SqliteStore::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    absl::Status s = absl::UnavailableError(absl::StrCat("SQLite: ", message ? message : "error"));
    sqlite3_free(message);
    return s;
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::Error(const char* what) {
  return absl::UnavailableError(absl::StrCat("SQLite ", what, ": ", sqlite3_errmsg(db_)));
}

absl::Status SqliteStore::Commit(const StoredBatch& stored) {
  // One blob per batch (batch_codec.h); rows written before request ids
  // existed decode with an empty one.
  const int64_t revision = stored.revision;
  std::string bytes = EncodeBatch(stored);
  absl::MutexLock lock(&mu_);
  absl::Status s = CheckFiles();
  if (!s.ok()) return s;
  s = Exec("BEGIN IMMEDIATE");
  if (!s.ok()) return s;
  Statement last;
  sqlite3_prepare_v2(db_, "SELECT COALESCE(MAX(revision), 0) FROM batches", -1, &last.stmt,
                     nullptr);
  if (sqlite3_step(last.stmt) == SQLITE_ROW && sqlite3_column_int64(last.stmt, 0) >= revision) {
    int64_t max = sqlite3_column_int64(last.stmt, 0);
    Exec("ROLLBACK").IgnoreError();
    return absl::FailedPreconditionError(
        absl::StrCat("revision ", revision, " is not after ", max));
  }
  Statement insert;
  if (sqlite3_prepare_v2(db_, "INSERT INTO batches (revision, changes) VALUES (?, ?)", -1,
                         &insert.stmt, nullptr) != SQLITE_OK) {
    absl::Status e = Error("prepare");
    Exec("ROLLBACK").IgnoreError();
    return e;
  }
  sqlite3_bind_int64(insert.stmt, 1, revision);
  sqlite3_bind_blob(insert.stmt, 2, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
  if (sqlite3_step(insert.stmt) != SQLITE_DONE) {
    absl::Status e = Error("insert");
    Exec("ROLLBACK").IgnoreError();
    return e;
  }
  s = Exec("COMMIT");
  if (!s.ok()) {
    // A failed COMMIT may leave the transaction open (SQLITE_BUSY): end it,
    // so that nothing of this batch is committed later.
    if (sqlite3_get_autocommit(db_) == 0) Exec("ROLLBACK").IgnoreError();
    return s;
  }
  // Files deleted or replaced while committing: the batch went to a file
  // that no restart reads, so it must not be acknowledged.
  return CheckFiles();
}

absl::Status SqliteStore::ReadPage(int64_t from_revision, int64_t to_revision, BatchRows* rows) {
  absl::MutexLock lock(&mu_);
  Statement select;
  if (sqlite3_prepare_v2(db_,
                         "SELECT revision, changes FROM batches WHERE revision >= ? AND "
                         "revision <= ? ORDER BY revision LIMIT ?",
                         -1, &select.stmt, nullptr) != SQLITE_OK) {
    return Error("prepare");
  }
  sqlite3_bind_int64(select.stmt, 1, from_revision);
  sqlite3_bind_int64(select.stmt, 2, to_revision);
  sqlite3_bind_int(select.stmt, 3, kPageRows);
  size_t bytes = 0;
  int rc = SQLITE_DONE;
  while (bytes < kPageBytes && (rc = sqlite3_step(select.stmt)) == SQLITE_ROW) {
    const char* data = static_cast<const char*>(sqlite3_column_blob(select.stmt, 1));
    int size = sqlite3_column_bytes(select.stmt, 1);
    rows->emplace_back(sqlite3_column_int64(select.stmt, 0),
                       std::string(data == nullptr ? "" : data, data == nullptr ? 0 : size));
    bytes += size;
  }
  // A full page by bytes stops early; the caller asks again after its last row.
  return bytes >= kPageBytes || rc == SQLITE_DONE ? absl::OkStatus() : Error("read");
}

absl::Status SqliteStore::ReadFrom(int64_t from_revision, int64_t to_revision, const ReadFn& fn) {
  // Page by page, each read in its own short transaction: a long history
  // streamed to a slow Watch client never holds the lock (or a read
  // transaction) for long, and never needs more than a page in memory.
  return ReadPaged(
      from_revision, to_revision,
      [this](int64_t from, int64_t to, BatchRows* rows) { return ReadPage(from, to, rows); }, fn);
}

}  // namespace pdp
