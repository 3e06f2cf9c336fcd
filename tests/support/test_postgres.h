// The throwaway PostgreSQL that CTest starts for tests needing one
// (scripts/test-postgres, fixture "postgres" in tests/CMakeLists.txt).
#ifndef PDP_TESTS_SUPPORT_TEST_POSTGRES_H_
#define PDP_TESTS_SUPPORT_TEST_POSTGRES_H_

#include <string>

#include "absl/status/statusor.h"

namespace pdp::testing {

// A new, empty database in the test cluster; returns its conninfo. Fails
// (never skips) when the cluster is not there: PDP_PG_INFO names the file
// `scripts/test-postgres start` wrote.
absl::StatusOr<std::string> FreshPostgresDatabase();

// Stops the cluster's server (keeping its data) / starts it again, to test
// how replicas ride out a database outage.
absl::Status PausePostgres();
absl::Status ResumePostgres();

}  // namespace pdp::testing

#endif  // PDP_TESTS_SUPPORT_TEST_POSTGRES_H_
