#include "server/store/postgres_store.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/base/errors.h"

namespace pdp {
namespace {

constexpr int kSchemaVersion = 1;
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
  std::string bytes = EncodeBatch(batch);
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
  Result last(PQexec(conn_, "SELECT COALESCE(MAX(revision), 0) FROM pdp_batches"));
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
  const char* values[] = {revision.c_str(), bytes.data()};
  const int lengths[] = {0, static_cast<int>(bytes.size())};
  const int formats[] = {0, 1};
  Result insert(PQexecParams(conn_,
                             "INSERT INTO pdp_batches (revision, batch) VALUES ($1::bigint, $2)", 2,
                             nullptr, values, lengths, formats, 0));
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
                        "SELECT revision, batch FROM pdp_batches WHERE revision >= $1::bigint AND "
                        "revision <= $2::bigint ORDER BY revision LIMIT $3::int",
                        3, nullptr, values, nullptr, nullptr, /*resultFormat=*/1));
  if (!r.Ok()) return Unavailable(conn_, "read");
  int n = PQntuples(r.res);
  rows->reserve(n);
  for (int i = 0; i < n; ++i) {
    if (PQgetlength(r.res, i, 0) != 8) return absl::DataLossError("revision column is not int8");
    rows->emplace_back(BigEndian64(PQgetvalue(r.res, i, 0)),
                       std::string(PQgetvalue(r.res, i, 1), PQgetlength(r.res, i, 1)));
  }
  return absl::OkStatus();
}

absl::Status PostgresStore::ReadFrom(int64_t from_revision, int64_t to_revision, const ReadFn& fn) {
  return ReadPaged(
      from_revision, to_revision,
      [this](int64_t from, int64_t to, BatchRows* rows) { return ReadPage(from, to, rows); }, fn);
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
