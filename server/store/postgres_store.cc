#include "server/store/postgres_store.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/errors.h"

namespace pdp {
namespace {

// 1: pdp_batches(revision, batch = an ApplyChangesRequest, committed_at).
// 2: pdp_batches gains format, request_id, outcome (batch holds a
//    BatchRecord when format = 2); pdp_checkpoints, pdp_checkpoint_chunks;
//    pdp_meta 'compacted_through'.
constexpr int kSchemaVersion = 2;
constexpr const char* kMigrateToV2[] = {
    "ALTER TABLE pdp_batches ADD COLUMN format int NOT NULL DEFAULT 1, ADD COLUMN request_id "
    "text, ADD COLUMN outcome bytea",
    "CREATE TABLE pdp_checkpoints (revision bigint PRIMARY KEY, manifest bytea NOT NULL)",
    "CREATE TABLE pdp_checkpoint_chunks (revision bigint NOT NULL, seq int NOT NULL, data bytea "
    "NOT NULL, PRIMARY KEY (revision, seq))",
};
// The last revision taken: the newest batch, or what compaction removed.
constexpr char kLastRevision[] =
    "SELECT GREATEST(COALESCE(MAX(revision), 0), COALESCE((SELECT value::bigint FROM pdp_meta "
    "WHERE key = 'compacted_through'), 0)) FROM pdp_batches";
constexpr int kPageRows = 256;
constexpr char kChannel[] = "pdp_batches";
// Any constant: serialises schema creation between replicas starting at once.
constexpr char kMigrationLock[] = "SELECT pg_advisory_xact_lock(7318400001)";

// Frees a result however the function returns.
struct Result {
  PGresult* res = nullptr;
  explicit Result(PGresult* r) : res(r) {}
  ~Result() { PQclear(res); }
  bool Ok() const {
    ExecStatusType s = PQresultStatus(res);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
  }
  std::string SqlState() const {
    const char* s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    return s ? s : "";
  }
};

// libpq's message on one line (it spans several).
std::string Message(PGconn* conn) {
  std::string out;
  for (char c : absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn))) {
    if (c == '\n' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out += out.back() == '.' ? " " : "; ";
    } else if (c != ' ' || (!out.empty() && out.back() != ' ')) {
      out += c;
    }
  }
  return out;
}

// Server notices ("terminating connection due to administrator command")
// are reported through the errors they lead to, not printed by libpq.
void IgnoreNotice(void*, const char*) {}

absl::Status Unavailable(PGconn* conn, absl::string_view what) {
  return absl::UnavailableError(absl::StrCat("PostgreSQL ", what, ": ", Message(conn)));
}

PGconn* Connect(const std::string& conninfo) {
  // connect_timeout first, so the caller's conninfo can override it.
  const char* keys[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {"3", conninfo.c_str(), nullptr};
  return PQconnectdbParams(keys, values, /*expand_dbname=*/1);
}

// A live connection, reconnecting if it broke.
absl::Status EnsureConnected(PGconn*& conn, const std::string& conninfo) {
  if (conn != nullptr && PQstatus(conn) == CONNECTION_OK) return absl::OkStatus();
  if (conn == nullptr) {
    conn = Connect(conninfo);
  } else {
    PQreset(conn);
  }
  if (PQstatus(conn) != CONNECTION_OK) return Unavailable(conn, "connection");
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  return absl::OkStatus();
}

absl::Status Exec(PGconn* conn, const char* sql) {
  Result r(PQexec(conn, sql));
  if (!r.Ok()) return Unavailable(conn, sql);
  return absl::OkStatus();
}

int32_t BigEndian32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return static_cast<int32_t>(v);
}

// Column c of row i (binary results), "" for NULL.
std::string Bytes(PGresult* res, int i, int c) {
  if (PQgetisnull(res, i, c)) return "";
  return std::string(PQgetvalue(res, i, c), static_cast<size_t>(PQgetlength(res, i, c)));
}

// The parameters $1-$5 of a batch row: revision, format (text), the record,
// the request id (NULL for none) and its outcome (NULL for none).
struct RowParams {
  explicit RowParams(const BatchRow& row)
      : revision(absl::StrCat(row.revision)), format(absl::StrCat(row.format)) {
    const bool has_id = !row.request_id.empty();
    values[0] = revision.c_str();
    values[1] = format.c_str();
    values[2] = row.record.data();
    values[3] = has_id ? row.request_id.c_str() : nullptr;
    values[4] = has_id ? row.outcome.data() : nullptr;
    lengths[2] = static_cast<int>(row.record.size());
    lengths[4] = static_cast<int>(row.outcome.size());
  }
  std::string revision, format;
  const char* values[5];
  int lengths[5] = {0, 0, 0, 0, 0};
  int formats[5] = {0, 0, 1, 0, 1};
};

int64_t BigEndian64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return static_cast<int64_t>(v);
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& conninfo) {
  std::unique_ptr<PostgresStore> store(new PostgresStore(conninfo));
  absl::MutexLock lock(&store->mu_);
  absl::Status s = EnsureConnected(store->conn_, conninfo);
  if (!s.ok()) return s;
  s = store->Migrate();
  if (!s.ok()) return s;
  return store;
}

PostgresStore::~PostgresStore() {
  {
    absl::MutexLock lock(&mu_);
    if (conn_ != nullptr) PQfinish(conn_);
  }
  {
    absl::MutexLock lock(&checkpoint_mu_);
    if (checkpoint_conn_ != nullptr) PQfinish(checkpoint_conn_);
  }
  absl::MutexLock lock(&listen_mu_);
  if (listen_conn_ != nullptr) PQfinish(listen_conn_);
}

absl::Status PostgresStore::Migrate() {
  absl::Status s = Exec(conn_, "BEGIN");
  if (!s.ok()) return s;
  for (const char* sql :
       {kMigrationLock, "SET LOCAL client_min_messages = warning",
        "CREATE TABLE IF NOT EXISTS pdp_meta (key text PRIMARY KEY, value text NOT NULL)",
        "CREATE TABLE IF NOT EXISTS pdp_batches (revision bigint PRIMARY KEY, batch bytea NOT "
        "NULL, committed_at timestamptz NOT NULL DEFAULT now())"}) {
    s = Exec(conn_, sql);
    if (!s.ok()) {
      Exec(conn_, "ROLLBACK").IgnoreError();
      return s;
    }
  }
  Result version(PQexec(conn_, "SELECT value FROM pdp_meta WHERE key = 'schema_version'"));
  if (!version.Ok()) {
    Exec(conn_, "ROLLBACK").IgnoreError();
    return Unavailable(conn_, "schema version");
  }
  int found = 0;
  if (PQntuples(version.res) == 1 && !absl::SimpleAtoi(PQgetvalue(version.res, 0, 0), &found)) {
    found = -1;
  }
  if (found > kSchemaVersion || found < 0) {
    Exec(conn_, "ROLLBACK").IgnoreError();
    return absl::FailedPreconditionError(absl::StrCat("the database has schema version ",
                                                      PQgetvalue(version.res, 0, 0),
                                                      "; this build knows up to ", kSchemaVersion));
  }
  if (found < 2) {
    for (const char* sql : kMigrateToV2) {
      s = Exec(conn_, sql);
      if (!s.ok()) {
        Exec(conn_, "ROLLBACK").IgnoreError();
        return s;
      }
    }
  }
  if (found < kSchemaVersion) {
    s = Exec(conn_, absl::StrCat("INSERT INTO pdp_meta (key, value) VALUES ('schema_version', '",
                                 kSchemaVersion,
                                 "') ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value")
                        .c_str());
    if (!s.ok()) {
      Exec(conn_, "ROLLBACK").IgnoreError();
      return s;
    }
  }
  return Exec(conn_, "COMMIT");
}

absl::Status PostgresStore::Commit(const StoredBatch& batch) {
  BatchRow row = EncodeBatch(batch);
  std::string revision = absl::StrCat(batch.revision);
  absl::MutexLock lock(&mu_);
  absl::Status s = EnsureConnected(conn_, conninfo_);
  if (!s.ok()) return s;
  s = Exec(conn_, "BEGIN");
  if (!s.ok()) return s;
  // The connection is captured here, under mu_ (thread-safety analysis does
  // not follow the lock into a lambda's body).
  auto rollback = [conn = conn_](absl::Status status) {
    Exec(conn, "ROLLBACK").IgnoreError();
    return status;
  };
  Result last(PQexec(conn_, kLastRevision));
  if (!last.Ok()) return rollback(Unavailable(conn_, "read of the last revision"));
  int64_t max = 0;
  (void)absl::SimpleAtoi(PQgetvalue(last.res, 0, 0), &max);
  if (max >= batch.revision) {
    return rollback(absl::AbortedError(
        absl::StrCat("revision ", batch.revision, " is taken (the log is at ", max, ")")));
  }
  if (max + 1 != batch.revision) {
    return rollback(absl::FailedPreconditionError(
        absl::StrCat("revision ", batch.revision, " would leave a gap after ", max)));
  }
  RowParams params(row);
  Result insert(
      PQexecParams(conn_,
                   "INSERT INTO pdp_batches (revision, format, batch, request_id, outcome) "
                   "VALUES ($1::bigint, $2::int, $3, $4, $5)",
                   5, nullptr, params.values, params.lengths, params.formats, 0));
  if (!insert.Ok()) {
    // 23505: unique_violation, another writer inserted this revision first.
    if (insert.SqlState() == "23505") {
      return rollback(absl::AbortedError(absl::StrCat("revision ", batch.revision, " is taken")));
    }
    return rollback(Unavailable(conn_, "insert"));
  }
  Result notify(PQexecParams(conn_, "SELECT pg_notify($1, $2)", 2, nullptr,
                             std::vector<const char*>{kChannel, revision.c_str()}.data(), nullptr,
                             nullptr, 0));
  if (!notify.Ok()) return rollback(Unavailable(conn_, "notify"));
  Result commit(PQexec(conn_, "COMMIT"));
  if (commit.Ok()) return absl::OkStatus();
  // An answer from the server (an error) means the transaction was rolled
  // back. No answer — the connection broke after COMMIT was sent — leaves the
  // outcome unknown: the row may be in the log.
  if (PQstatus(conn_) == CONNECTION_OK) return Unavailable(conn_, "COMMIT");
  return WithReason(Unavailable(conn_, "COMMIT (the connection broke before its answer)"),
                    kCommitOutcomeUnknown);
}

absl::Status PostgresStore::ReadPage(int64_t from, int64_t to, BatchRows* rows) {
  std::string from_text = absl::StrCat(from), to_text = absl::StrCat(to),
              limit = absl::StrCat(kPageRows);
  const char* values[] = {from_text.c_str(), to_text.c_str(), limit.c_str()};
  absl::MutexLock lock(&mu_);
  absl::Status s = EnsureConnected(conn_, conninfo_);
  if (!s.ok()) return s;
  Result r(PQexecParams(conn_,
                        "SELECT revision, format, batch, request_id, outcome FROM pdp_batches "
                        "WHERE revision >= $1::bigint AND revision <= $2::bigint ORDER BY "
                        "revision LIMIT $3::int",
                        3, nullptr, values, nullptr, nullptr, /*resultFormat=*/1));
  if (!r.Ok()) return Unavailable(conn_, "read");
  int n = PQntuples(r.res);
  rows->reserve(n);
  for (int i = 0; i < n; ++i) {
    if (PQgetlength(r.res, i, 0) != 8 || PQgetlength(r.res, i, 1) != 4) {
      return absl::DataLossError("pdp_batches columns are not of the expected types");
    }
    BatchRow& row = rows->emplace_back();
    row.revision = BigEndian64(PQgetvalue(r.res, i, 0));
    row.format = static_cast<int>(BigEndian32(PQgetvalue(r.res, i, 1)));
    row.record = Bytes(r.res, i, 2);
    row.request_id = Bytes(r.res, i, 3);
    row.outcome = Bytes(r.res, i, 4);
  }
  return absl::OkStatus();
}

absl::Status PostgresStore::ReadFrom(int64_t from_revision, int64_t to_revision, const ReadFn& fn,
                                     bool with_changes) {
  return ReadPaged(
      from_revision, to_revision, with_changes,
      [this](int64_t from, int64_t to, BatchRows* rows) { return ReadPage(from, to, rows); }, fn);
}

namespace {

// Runs `sql` on `conn` (reconnecting if it broke): the rows, binary columns,
// "" for NULL.
absl::StatusOr<std::vector<std::vector<std::string>>> RunQuery(PGconn*& conn,
                                                               const std::string& conninfo,
                                                               const char* sql,
                                                               const std::vector<std::string>& text,
                                                               const std::string* bytes) {
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (const std::string& t : text) {
    values.push_back(t.c_str());
    lengths.push_back(0);
    formats.push_back(0);
  }
  if (bytes != nullptr) {
    values.push_back(bytes->data());
    lengths.push_back(static_cast<int>(bytes->size()));
    formats.push_back(1);
  }
  absl::Status s = EnsureConnected(conn, conninfo);
  if (!s.ok()) return s;
  Result r(PQexecParams(conn, sql, static_cast<int>(values.size()), nullptr, values.data(),
                        lengths.data(), formats.data(), /*resultFormat=*/1));
  if (!r.Ok()) return Unavailable(conn, "query");
  std::vector<std::vector<std::string>> out;
  for (int i = 0; i < PQntuples(r.res); ++i) {
    std::vector<std::string>& row = out.emplace_back();
    for (int c = 0; c < PQnfields(r.res); ++c) row.push_back(Bytes(r.res, i, c));
  }
  return out;
}

}  // namespace

absl::StatusOr<PostgresStore::Rows> PostgresStore::Query(const char* sql,
                                                         const std::vector<std::string>& text,
                                                         const std::string* bytes,
                                                         Connection connection) {
  if (connection == Connection::kCheckpoints) {
    absl::MutexLock lock(&checkpoint_mu_);
    return RunQuery(checkpoint_conn_, conninfo_, sql, text, bytes);
  }
  absl::MutexLock lock(&mu_);
  return RunQuery(conn_, conninfo_, sql, text, bytes);
}

absl::Status PostgresStore::UpgradeBatch(const StoredBatch& batch) {
  BatchRow row = EncodeBatch(batch);
  RowParams params(row);
  absl::MutexLock lock(&mu_);
  absl::Status s = EnsureConnected(conn_, conninfo_);
  if (!s.ok()) return s;
  Result r(PQexecParams(conn_,
                        "UPDATE pdp_batches SET format = $2::int, batch = $3, request_id = $4, "
                        "outcome = $5 WHERE revision = $1::bigint AND format = 1",
                        5, nullptr, params.values, params.lengths, params.formats, 0));
  if (!r.Ok()) return Unavailable(conn_, "upgrade");
  return absl::OkStatus();
}

absl::Status PostgresStore::ReadRequestOutcomes(int64_t through_revision, size_t limit,
                                                const ReadFn& fn) {
  absl::StatusOr<Rows> rows = Query(
      "SELECT revision, request_id, outcome FROM pdp_batches WHERE revision <= $1::bigint "
      "AND format = 2 AND request_id IS NOT NULL ORDER BY revision DESC LIMIT $2::bigint",
      {absl::StrCat(through_revision), absl::StrCat(limit)}, nullptr);
  if (!rows.ok()) return rows.status();
  for (const std::vector<std::string>& row : *rows) {
    StoredBatch b;
    if (row[0].size() != 8) return absl::DataLossError("revision column is not int8");
    b.revision = BigEndian64(row[0].data());
    b.request_id = row[1];
    if (!b.outcome.ParseFromString(row[2])) {
      return absl::DataLossError(
          absl::StrCat("the request outcome of stored revision ", b.revision, " does not parse"));
    }
    absl::Status s = fn(b);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status PostgresStore::PutCheckpointChunk(int64_t revision, int seq,
                                               const std::string& bytes) {
  // Committed without waiting for its WAL flush (synchronous_commit off for
  // this transaction): the chunks are durable once the manifest's
  // (synchronous) commit is, as PostgreSQL flushes its WAL in order. Chunk
  // inserts then do not compete with the commits of batches for flushes.
  return Query(
             "INSERT INTO pdp_checkpoint_chunks (revision, seq, data) SELECT $1::bigint, $2::int, "
             "$3 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS local_setting ON "
             "CONFLICT (revision, seq) DO UPDATE SET data = EXCLUDED.data",
             {absl::StrCat(revision), absl::StrCat(seq)}, &bytes, Connection::kCheckpoints)
      .status();
}

absl::Status PostgresStore::PutCheckpointManifest(int64_t revision, const std::string& bytes) {
  return Query(
             "INSERT INTO pdp_checkpoints (revision, manifest) VALUES ($1::bigint, $2) ON "
             "CONFLICT (revision) DO UPDATE SET manifest = EXCLUDED.manifest",
             {absl::StrCat(revision)}, &bytes, Connection::kCheckpoints)
      .status();
}

absl::StatusOr<CheckpointListing> PostgresStore::ListCheckpoints() {
  CheckpointListing out;
  for (auto [sql, list] :
       {std::pair{"SELECT revision FROM pdp_checkpoints ORDER BY revision DESC", &out.complete},
        std::pair{"SELECT DISTINCT revision FROM pdp_checkpoint_chunks WHERE revision NOT IN "
                  "(SELECT revision FROM pdp_checkpoints) ORDER BY revision DESC",
                  &out.partial}}) {
    absl::StatusOr<Rows> rows = Query(sql, {}, nullptr, Connection::kCheckpoints);
    if (!rows.ok()) return rows.status();
    for (const std::vector<std::string>& row : *rows) {
      if (row[0].size() != 8) return absl::DataLossError("revision column is not int8");
      list->push_back(BigEndian64(row[0].data()));
    }
  }
  return out;
}

absl::StatusOr<std::string> PostgresStore::ReadCheckpointManifest(int64_t revision) {
  absl::StatusOr<Rows> rows =
      Query("SELECT manifest FROM pdp_checkpoints WHERE revision = $1::bigint",
            {absl::StrCat(revision)}, nullptr, Connection::kCheckpoints);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    return absl::NotFoundError(absl::StrCat("no checkpoint at revision ", revision));
  }
  return std::move((*rows)[0][0]);
}

absl::StatusOr<std::string> PostgresStore::ReadCheckpointChunk(int64_t revision, int seq) {
  absl::StatusOr<Rows> rows =
      Query("SELECT data FROM pdp_checkpoint_chunks WHERE revision = $1::bigint AND seq = $2::int",
            {absl::StrCat(revision), absl::StrCat(seq)}, nullptr, Connection::kCheckpoints);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    return absl::NotFoundError(
        absl::StrCat("no chunk ", seq, " of the checkpoint at revision ", revision));
  }
  return std::move((*rows)[0][0]);
}

absl::Status PostgresStore::DeleteCheckpoint(int64_t revision) {
  const std::vector<std::string> r = {absl::StrCat(revision)};
  absl::Status s = Query("DELETE FROM pdp_checkpoints WHERE revision = $1::bigint", r, nullptr,
                         Connection::kCheckpoints)
                       .status();
  if (!s.ok()) return s;
  return Query("DELETE FROM pdp_checkpoint_chunks WHERE revision = $1::bigint", r, nullptr,
               Connection::kCheckpoints)
      .status();
}

absl::Status PostgresStore::CompactThrough(int64_t revision) {
  // One statement, so one transaction: the batches go and the mark moves
  // together, and the mark never moves backwards.
  return Query(
             "WITH gone AS (DELETE FROM pdp_batches WHERE revision <= $1::bigint) INSERT INTO "
             "pdp_meta (key, value) VALUES ('compacted_through', $1::text) ON CONFLICT (key) DO "
             "UPDATE SET value = GREATEST(pdp_meta.value::bigint, EXCLUDED.value::bigint)::text",
             {absl::StrCat(revision)}, nullptr, Connection::kCheckpoints)
      .status();
}

absl::StatusOr<int64_t> PostgresStore::CompactedThrough() {
  absl::StatusOr<Rows> rows =
      Query("SELECT value FROM pdp_meta WHERE key = 'compacted_through'", {}, nullptr);
  if (!rows.ok()) return rows.status();
  int64_t through = 0;
  if (!rows->empty() && !absl::SimpleAtoi((*rows)[0][0], &through)) {
    return absl::DataLossError("pdp_meta compacted_through is not a number");
  }
  return through;
}

absl::Status PostgresStore::WaitForCommits(absl::Duration timeout) {
  absl::MutexLock lock(&listen_mu_);
  const absl::Time deadline = absl::Now() + timeout;
  bool fresh = listen_conn_ == nullptr || PQstatus(listen_conn_) != CONNECTION_OK;
  absl::Status s = EnsureConnected(listen_conn_, conninfo_);
  if (s.ok() && fresh) s = Exec(listen_conn_, absl::StrCat("LISTEN ", kChannel).c_str());
  if (!s.ok()) {
    // Do not spin on a database that is down: wait out the timeout.
    absl::SleepFor(deadline - absl::Now());
    return s;
  }
  if (fresh) return absl::OkStatus();  // a new listener may have missed notifications
  pollfd fd{PQsocket(listen_conn_), POLLIN, 0};
  int ms =
      static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now())));
  if (poll(&fd, 1, ms) < 0) return absl::OkStatus();
  if (PQconsumeInput(listen_conn_) == 0) {
    s = Unavailable(listen_conn_, "listen");
    absl::SleepFor(deadline - absl::Now());
    return s;
  }
  while (PGnotify* n = PQnotifies(listen_conn_)) PQfreemem(n);
  return absl::OkStatus();
}

}  // namespace pdp
