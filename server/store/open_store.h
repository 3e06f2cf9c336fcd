// Opens the store a --store flag names: "memory", "sqlite:PATH" or
// "postgres:CONNINFO" (a libpq conninfo string or postgresql:// URI).
#ifndef PDP_SERVER_STORE_OPEN_STORE_H_
#define PDP_SERVER_STORE_OPEN_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/store/store.h"

namespace pdp {

enum class StoreAccess {
  kWrite,
  // Only reads (a tool or test watching a store a server writes): a SQLite
  // file is opened read-only, without the one-writer lock. PostgreSQL and
  // memory stores open as for kWrite.
  kReadOnly,
};

// INVALID_ARGUMENT for an unknown kind; the store's own error otherwise
// (UNAVAILABLE when it cannot be reached; FAILED_PRECONDITION when another
// writer holds a SQLite file, see SqliteStore::Open).
absl::StatusOr<std::unique_ptr<Store>> OpenStore(const std::string& spec,
                                                 StoreAccess access = StoreAccess::kWrite);

// The spec with any password removed, for logs.
std::string StoreSpecForLog(const std::string& spec);

}  // namespace pdp

#endif  // PDP_SERVER_STORE_OPEN_STORE_H_
