#include "tests/support/test_postgres.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace pdp::testing {
namespace {

absl::StatusOr<std::string> InfoFile() {
  const char* info = std::getenv("PDP_PG_INFO");
  if (info == nullptr || *info == '\0') {
    return absl::FailedPreconditionError(
        "PDP_PG_INFO is not set: run this test through ctest (it starts PostgreSQL)");
  }
  return std::string(info);
}

// The value of NAME='...' in the info file.
absl::StatusOr<std::string> InfoValue(const std::string& name) {
  absl::StatusOr<std::string> path = InfoFile();
  if (!path.ok()) return path.status();
  std::ifstream in(*path);
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, name + "='")) {
      return std::string(absl::StripSuffix(line.substr(name.size() + 2), "'"));
    }
  }
  return absl::FailedPreconditionError(absl::StrCat(*path, " has no ", name));
}

absl::Status RunScript(const std::string& command) {
  absl::StatusOr<std::string> path = InfoFile();
  if (!path.ok()) return path.status();
  std::string line =
      absl::StrCat(PDP_SOURCE_DIR, "/scripts/test-postgres ", command, " '", *path, "'");
  if (std::system(line.c_str()) != 0) return absl::InternalError(line + " failed");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> FreshPostgresDatabase() {
  absl::StatusOr<std::string> conninfo = InfoValue("PDP_PG_CONNINFO");
  if (!conninfo.ok()) return conninfo.status();
  static std::atomic<int> counter{0};
  std::string name = absl::StrCat("pdp_test_", getpid(), "_", counter++);
  PGconn* admin = PQconnectdb(conninfo->c_str());
  if (PQstatus(admin) != CONNECTION_OK) {
    std::string message = PQerrorMessage(admin);
    PQfinish(admin);
    return absl::UnavailableError(message);
  }
  PGresult* r = PQexec(admin, absl::StrCat("CREATE DATABASE ", name).c_str());
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string message = PQerrorMessage(admin);
  PQclear(r);
  PQfinish(admin);
  if (!ok) return absl::InternalError(message);
  std::string out = *conninfo;
  size_t at = out.find("dbname=");
  if (at != std::string::npos) out = out.substr(0, at);
  return absl::StrCat(out, "dbname=", name);
}

absl::Status PausePostgres() { return RunScript("pause"); }
absl::Status ResumePostgres() { return RunScript("resume"); }

}  // namespace pdp::testing
