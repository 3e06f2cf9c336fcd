#include "server/store/sqlite_store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "server/store/sqlite_wal_checkpointer.h"

namespace pdp {
namespace {

// 1: batches(revision, changes = an ApplyChangesRequest).
// 2: batches(revision, record, format, request_id, outcome), checkpoints,
//    checkpoint_chunks; meta 'compacted_through'.
constexpr int kSchemaVersion = 2;

constexpr const char* kMigrateToV2[] = {
    "ALTER TABLE batches RENAME COLUMN changes TO record",
    "ALTER TABLE batches ADD COLUMN format INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE batches ADD COLUMN request_id TEXT",
    "ALTER TABLE batches ADD COLUMN outcome BLOB",
    "CREATE TABLE checkpoints (revision INTEGER PRIMARY KEY, manifest BLOB NOT NULL)",
    ("CREATE TABLE checkpoint_chunks (revision INTEGER NOT NULL, seq INTEGER NOT NULL, "
     "data BLOB NOT NULL, PRIMARY KEY (revision, seq))"),
};

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

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                               Access access) {
  struct stat st;
  const bool existed = StatPath(path, st) != ENOENT;
  const bool writer = access == Access::kWrite;
  // Locked before SQLite touches the file: a second writer must not even
  // migrate it.
  std::unique_ptr<FileLock> file_lock;
  if (writer) {
    auto locked = FileLock::Acquire(path);
    if (!locked.ok()) {
      return absl::Status(
          locked.status().code(),
          absl::StrCat("cannot open SQLite store: ", locked.status().message(),
                       locked.status().code() == absl::StatusCode::kFailedPrecondition
                           ? "; one server per SQLite file (stop the other, or "
                             "use a PostgreSQL store for several replicas)"
                           : ""));
    }
    file_lock = *std::move(locked);
  }
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) |
                          SQLITE_OPEN_FULLMUTEX,
                      nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return absl::UnavailableError(absl::StrCat("cannot open SQLite store ", path, ": ", message));
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, path, !existed, std::move(file_lock)));
  absl::MutexLock lock(&store->mu_);
  sqlite3_busy_timeout(db, 5000);
  if (!writer) {
    Statement read;
    sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &read.stmt,
                       nullptr);
    const int version =
        sqlite3_step(read.stmt) == SQLITE_ROW ? sqlite3_column_int(read.stmt, 0) : 0;
    if (version != kSchemaVersion) {
      return absl::FailedPreconditionError(absl::StrCat(path, " has schema version ", version,
                                                        "; reading needs ", kSchemaVersion,
                                                        " (a server opening it migrates it)"));
    }
    if (int err = StatPath(path, st); err != 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot stat SQLite store ", path, ": ", std::strerror(err)));
    }
    store->db_file_ = {st.st_dev, st.st_ino};
    return store;
  }
  // wal_autocheckpoint=0: the WAL is copied into the database file by
  // SqliteWalCheckpointer's thread, never inside a commit.
  for (const char* sql :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA wal_autocheckpoint=0",
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
  sqlite3_reset(read.stmt);  // ends its read, so the migration can write
  if (version > kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(path, " has schema version ", version,
                                                      "; this build knows up to ", kSchemaVersion));
  }
  if (version < kSchemaVersion) {
    // One transaction: a crash mid-way leaves the old schema, migrated again
    // on the next open.
    absl::Status s = store->Exec("BEGIN IMMEDIATE");
    if (!s.ok()) return s;
    if (version < 2) {
      for (const char* sql : kMigrateToV2) {
        if (s.ok()) s = store->Exec(sql);
      }
    }
    if (s.ok()) {
      s = store->Exec(
          absl::StrCat("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '",
                       kSchemaVersion, "')")
              .c_str());
    }
    if (s.ok()) s = store->Exec("COMMIT");
    if (!s.ok()) {
      store->Exec("ROLLBACK").IgnoreError();
      return s;
    }
  }
  {
    Statement compacted;
    sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'compacted_through'", -1,
                       &compacted.stmt, nullptr);
    if (sqlite3_step(compacted.stmt) == SQLITE_ROW) {
      store->compacted_through_ = sqlite3_column_int64(compacted.stmt, 0);
    }
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
  absl::StatusOr<std::unique_ptr<SqliteWalCheckpointer>> wal = SqliteWalCheckpointer::Start(path);
  if (!wal.ok()) return wal.status();
  store->wal_checkpointer_ = std::move(*wal);
  sqlite3_wal_hook(
      db,
      [](void* checkpointer, sqlite3*, const char*, int pages) {
        static_cast<SqliteWalCheckpointer*>(checkpointer)->Nudge(pages);
        return SQLITE_OK;
      },
      store->wal_checkpointer_.get());
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
  if (wal_checkpointer_ != nullptr) {
    sqlite3_wal_hook(db_, nullptr, nullptr);
    wal_checkpointer_.reset();  // its connection closes first: the last one folds the WAL in
  }
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
  const int64_t revision = stored.revision;
  BatchRow row = EncodeBatch(stored);
  absl::MutexLock lock(&mu_);
  absl::Status s = CheckFiles();
  if (!s.ok()) return s;
  s = Exec("BEGIN IMMEDIATE");
  if (!s.ok()) return s;
  Statement last;
  sqlite3_prepare_v2(db_, "SELECT COALESCE(MAX(revision), 0) FROM batches", -1, &last.stmt,
                     nullptr);
  if (sqlite3_step(last.stmt) == SQLITE_ROW) {
    int64_t max = std::max<int64_t>(sqlite3_column_int64(last.stmt, 0), compacted_through_);
    if (max >= revision) {
      Exec("ROLLBACK").IgnoreError();
      return absl::FailedPreconditionError(
          absl::StrCat("revision ", revision, " is not after ", max));
    }
  }
  Statement insert;
  if (sqlite3_prepare_v2(db_,
                         "INSERT INTO batches (revision, format, record, request_id, outcome) "
                         "VALUES (?, ?, ?, ?, ?)",
                         -1, &insert.stmt, nullptr) != SQLITE_OK) {
    absl::Status e = Error("prepare");
    Exec("ROLLBACK").IgnoreError();
    return e;
  }
  BindRow(insert.stmt, row);
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

void SqliteStore::BindRow(sqlite3_stmt* stmt, const BatchRow& row) {
  // Parameters 1-5: revision, format, record, request_id (NULL for none),
  // outcome (NULL for none). The row must outlive the statement's step.
  sqlite3_bind_int64(stmt, 1, row.revision);
  sqlite3_bind_int(stmt, 2, row.format);
  sqlite3_bind_blob(stmt, 3, row.record.data(), static_cast<int>(row.record.size()), SQLITE_STATIC);
  if (row.request_id.empty()) {
    sqlite3_bind_null(stmt, 4);
    sqlite3_bind_null(stmt, 5);
  } else {
    sqlite3_bind_text(stmt, 4, row.request_id.data(), static_cast<int>(row.request_id.size()),
                      SQLITE_STATIC);
    sqlite3_bind_blob(stmt, 5, row.outcome.data(), static_cast<int>(row.outcome.size()),
                      SQLITE_STATIC);
  }
}

absl::Status SqliteStore::UpgradeBatch(const StoredBatch& batch) {
  BatchRow row = EncodeBatch(batch);
  absl::MutexLock lock(&mu_);
  absl::Status s = CheckFiles();
  if (!s.ok()) return s;
  Statement update;
  if (sqlite3_prepare_v2(db_,
                         "UPDATE batches SET revision = ?1, format = ?2, record = ?3, "
                         "request_id = ?4, outcome = ?5 WHERE revision = ?1 AND format = 1",
                         -1, &update.stmt, nullptr) != SQLITE_OK) {
    return Error("prepare");
  }
  BindRow(update.stmt, row);
  if (sqlite3_step(update.stmt) != SQLITE_DONE) return Error("upgrade");
  return absl::OkStatus();
}

namespace {

std::string ColumnBytes(sqlite3_stmt* stmt, int column) {
  const char* data = static_cast<const char*>(sqlite3_column_blob(stmt, column));
  int size = sqlite3_column_bytes(stmt, column);
  return data == nullptr ? std::string() : std::string(data, static_cast<size_t>(size));
}

}  // namespace

absl::Status SqliteStore::ReadPage(int64_t from_revision, int64_t to_revision, BatchRows* rows) {
  absl::MutexLock lock(&mu_);
  Statement select;
  if (sqlite3_prepare_v2(db_,
                         "SELECT revision, format, record, request_id, outcome FROM batches "
                         "WHERE revision >= ? AND revision <= ? ORDER BY revision LIMIT ?",
                         -1, &select.stmt, nullptr) != SQLITE_OK) {
    return Error("prepare");
  }
  sqlite3_bind_int64(select.stmt, 1, from_revision);
  sqlite3_bind_int64(select.stmt, 2, to_revision);
  sqlite3_bind_int(select.stmt, 3, kPageRows);
  size_t bytes = 0;
  int rc = SQLITE_DONE;
  while (bytes < kPageBytes && (rc = sqlite3_step(select.stmt)) == SQLITE_ROW) {
    BatchRow& row = rows->emplace_back();
    row.revision = sqlite3_column_int64(select.stmt, 0);
    row.format = sqlite3_column_int(select.stmt, 1);
    row.record = ColumnBytes(select.stmt, 2);
    row.request_id = ColumnBytes(select.stmt, 3);
    row.outcome = ColumnBytes(select.stmt, 4);
    bytes += row.record.size();
  }
  // A full page by bytes stops early; the caller asks again after its last row.
  return bytes >= kPageBytes || rc == SQLITE_DONE ? absl::OkStatus() : Error("read");
}

absl::Status SqliteStore::ReadFrom(int64_t from_revision, int64_t to_revision, const ReadFn& fn,
                                   bool with_changes) {
  // Page by page, each read in its own short transaction: a long history
  // streamed to a slow Watch client never holds the lock (or a read
  // transaction) for long, and never needs more than a page in memory.
  return ReadPaged(
      from_revision, to_revision, with_changes,
      [this](int64_t from, int64_t to, BatchRows* rows) { return ReadPage(from, to, rows); }, fn);
}

absl::Status SqliteStore::ReadRequestOutcomes(int64_t through_revision, size_t limit,
                                              const ReadFn& fn) {
  std::vector<StoredBatch> found;
  {
    absl::MutexLock lock(&mu_);
    Statement select;
    if (sqlite3_prepare_v2(db_,
                           "SELECT revision, request_id, outcome FROM batches WHERE revision <= ? "
                           "AND format = 2 AND request_id IS NOT NULL ORDER BY revision DESC "
                           "LIMIT ?",
                           -1, &select.stmt, nullptr) != SQLITE_OK) {
      return Error("prepare");
    }
    sqlite3_bind_int64(select.stmt, 1, through_revision);
    sqlite3_bind_int64(select.stmt, 2, static_cast<int64_t>(limit));
    int rc;
    while ((rc = sqlite3_step(select.stmt)) == SQLITE_ROW) {
      StoredBatch& b = found.emplace_back();
      b.revision = sqlite3_column_int64(select.stmt, 0);
      b.request_id = ColumnBytes(select.stmt, 1);
      if (!b.outcome.ParseFromString(ColumnBytes(select.stmt, 2))) {
        return absl::DataLossError(
            absl::StrCat("the request outcome of stored revision ", b.revision, " does not parse"));
      }
    }
    if (rc != SQLITE_DONE) return Error("read");
  }
  for (const StoredBatch& b : found) {
    absl::Status s = fn(b);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::Write(const char* sql, int64_t revision, int seq,
                                const std::string* bytes, bool synced) {
  absl::MutexLock lock(&mu_);
  absl::Status s = CheckFiles();
  if (!s.ok()) return s;
  Statement stmt;
  if (sqlite3_prepare_v2(db_, sql, -1, &stmt.stmt, nullptr) != SQLITE_OK) return Error("prepare");
  sqlite3_bind_int64(stmt.stmt, 1, revision);
  if (seq >= 0) sqlite3_bind_int(stmt.stmt, 2, seq);
  if (bytes != nullptr) {
    sqlite3_bind_blob(stmt.stmt, seq >= 0 ? 3 : 2, bytes->data(), static_cast<int>(bytes->size()),
                      SQLITE_STATIC);
  }
  // Unsynced: the write is durable once a later synced commit is (it syncs
  // the WAL, which holds this write before it).
  if (!synced) Exec("PRAGMA synchronous=NORMAL").IgnoreError();
  const int rc = sqlite3_step(stmt.stmt);
  if (!synced) {
    s = Exec("PRAGMA synchronous=FULL");
    // Commits must never go on unsynced: a store that cannot say FULL again
    // refuses them from now on.
    if (!s.ok()) broken_ = s;
  }
  if (rc != SQLITE_DONE) return Error("write");
  return s;
}

absl::Status SqliteStore::PutCheckpointChunk(int64_t revision, int seq, const std::string& bytes) {
  return Write("INSERT OR REPLACE INTO checkpoint_chunks (revision, seq, data) VALUES (?1, ?2, ?3)",
               revision, seq, &bytes);
}

absl::Status SqliteStore::PutCheckpointManifest(int64_t revision, const std::string& bytes) {
  return Write("INSERT OR REPLACE INTO checkpoints (revision, manifest) VALUES (?1, ?2)", revision,
               -1, &bytes);
}

absl::StatusOr<CheckpointListing> SqliteStore::ListCheckpoints() {
  absl::MutexLock lock(&mu_);
  CheckpointListing out;
  for (auto [sql, list] :
       {std::pair{"SELECT revision FROM checkpoints ORDER BY revision DESC", &out.complete},
        std::pair{"SELECT DISTINCT revision FROM checkpoint_chunks WHERE revision NOT IN "
                  "(SELECT revision FROM checkpoints) ORDER BY revision DESC",
                  &out.partial}}) {
    Statement select;
    if (sqlite3_prepare_v2(db_, sql, -1, &select.stmt, nullptr) != SQLITE_OK) {
      return Error("prepare");
    }
    int rc;
    while ((rc = sqlite3_step(select.stmt)) == SQLITE_ROW) {
      list->push_back(sqlite3_column_int64(select.stmt, 0));
    }
    if (rc != SQLITE_DONE) return Error("read");
  }
  return out;
}

absl::StatusOr<std::string> SqliteStore::ReadBlob(const char* sql, int64_t revision, int seq) {
  absl::MutexLock lock(&mu_);
  Statement select;
  if (sqlite3_prepare_v2(db_, sql, -1, &select.stmt, nullptr) != SQLITE_OK) {
    return Error("prepare");
  }
  sqlite3_bind_int64(select.stmt, 1, revision);
  if (seq >= 0) sqlite3_bind_int(select.stmt, 2, seq);
  int rc = sqlite3_step(select.stmt);
  if (rc == SQLITE_ROW) return ColumnBytes(select.stmt, 0);
  if (rc != SQLITE_DONE) return Error("read");
  return absl::NotFoundError(
      seq >= 0 ? absl::StrCat("no chunk ", seq, " of the checkpoint at revision ", revision)
               : absl::StrCat("no checkpoint at revision ", revision));
}

absl::StatusOr<std::string> SqliteStore::ReadCheckpointManifest(int64_t revision) {
  return ReadBlob("SELECT manifest FROM checkpoints WHERE revision = ?1", revision, -1);
}

absl::StatusOr<std::string> SqliteStore::ReadCheckpointChunk(int64_t revision, int seq) {
  return ReadBlob("SELECT data FROM checkpoint_chunks WHERE revision = ?1 AND seq = ?2", revision,
                  seq);
}

absl::Status SqliteStore::DeleteCheckpoint(int64_t revision) {
  absl::Status s = Write("DELETE FROM checkpoints WHERE revision = ?1", revision, -1, nullptr);
  if (!s.ok()) return s;
  return Write("DELETE FROM checkpoint_chunks WHERE revision = ?1", revision, -1, nullptr);
}

absl::Status SqliteStore::CompactThrough(int64_t revision) {
  absl::MutexLock lock(&mu_);
  if (revision <= compacted_through_) return absl::OkStatus();
  absl::Status s = CheckFiles();
  if (!s.ok()) return s;
  s = Exec("BEGIN IMMEDIATE");
  if (!s.ok()) return s;
  s = Exec(absl::StrCat("DELETE FROM batches WHERE revision <= ", revision).c_str());
  if (s.ok()) {
    s = Exec(absl::StrCat("INSERT OR REPLACE INTO meta (key, value) VALUES ('compacted_through', ",
                          revision, ")")
                 .c_str());
  }
  if (s.ok()) s = Exec("COMMIT");
  if (!s.ok()) {
    if (sqlite3_get_autocommit(db_) == 0) Exec("ROLLBACK").IgnoreError();
    return s;
  }
  compacted_through_ = revision;
  return absl::OkStatus();
}

absl::StatusOr<int64_t> SqliteStore::CompactedThrough() {
  absl::MutexLock lock(&mu_);
  return compacted_through_;
}

}  // namespace pdp
