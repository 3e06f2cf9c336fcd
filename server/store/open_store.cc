#include "server/store/open_store.h"

#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/store/memory_store.h"
#include "server/store/postgres_store.h"
#include "server/store/sqlite_store.h"

namespace pdp {

absl::StatusOr<std::unique_ptr<Store>> OpenStore(const std::string& spec, StoreAccess access) {
  if (spec == "memory") return std::unique_ptr<Store>(std::make_unique<MemoryStore>());
  if (absl::StartsWith(spec, "sqlite:") && spec.size() > 7) {
    auto sqlite = SqliteStore::Open(spec.substr(7), access == StoreAccess::kReadOnly
                                                        ? SqliteStore::Access::kReadOnly
                                                        : SqliteStore::Access::kWrite);
    if (!sqlite.ok()) return sqlite.status();
    return std::unique_ptr<Store>(std::move(*sqlite));
  }
  if (absl::StartsWith(spec, "postgres:") && spec.size() > 9) {
    auto postgres = PostgresStore::Open(spec.substr(9));
    if (!postgres.ok()) return postgres.status();
    return std::unique_ptr<Store>(std::move(*postgres));
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown --store \"", StoreSpecForLog(spec),
                                                 "\" (memory, sqlite:PATH or postgres:CONNINFO)"));
}

std::string StoreSpecForLog(const std::string& spec) {
  // password=... in a conninfo string, or user:password@ in a URI.
  static const std::regex kKeyword("password\\s*=\\s*('([^'\\\\]|\\\\.)*'|\\S+)");
  static const std::regex kUri("(://[^:/@]*):[^@/]*@");
  std::string out = std::regex_replace(spec, kKeyword, "password=***");
  return std::regex_replace(out, kUri, "$1:***@");
}

}  // namespace pdp
