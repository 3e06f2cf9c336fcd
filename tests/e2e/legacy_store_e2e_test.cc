// A store written by a billing-pdp from before the log was versioned
// (tests/data/legacy-schema1-store.db, made by tests/data/make-legacy-store.sh
// with the build of commit d3b4bf6): today's server opens a copy, migrates
// it once, and decides exactly what the old server decided on it
// (tests/data/legacy-schema1-decisions.txt), both in process (WorldState
// and Decide) and through a real server started on the file.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "billing_pdp/authorization_client.h"
#include "gtest/gtest.h"
#include "server/app/world_state.h"
#include "server/store/sqlite_store.h"
#include "server/wire/wire_decide.h"
#include "tests/support/server_process.h"
#include "tests/support/test_support.h"

namespace pdp::testing {
namespace {

struct Expected {
  std::string principal, page;
  pdp::v1::Access access;
  bool allowed;
};

std::vector<Expected> ReadDecisions() {
  std::ifstream in(SourcePath("tests/data/legacy-schema1-decisions.txt"));
  std::vector<Expected> out;
  std::string principal, page, access, effect;
  while (in >> principal >> page >> access >> effect) {
    out.push_back(
        {principal, page, access == "MODIFY" ? pdp::v1::MODIFY : pdp::v1::VIEW, effect == "ALLOW"});
  }
  return out;
}

std::string CopyOfTheLegacyStore(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/legacy-" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/store.db";
  std::filesystem::copy_file(SourcePath("tests/data/legacy-schema1-store.db"), path);
  return path;
}

TEST(LegacyStoreTest, IsMigratedOnceAndDecidesAsTheOldServerDid) {
  const std::vector<Expected> expected = ReadDecisions();
  ASSERT_EQ(expected.size(), 90u);
  const std::string path = CopyOfTheLegacyStore("in-process");
  for (int open = 1; open <= 2; ++open) {
    SCOPED_TRACE(open == 1 ? "first open (migrates)" : "second open");
    auto store = SqliteStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    WorldState state(test::EmptyShippedSnapshot(), store->get());
    absl::Status recovered = state.Recover();
    ASSERT_TRUE(recovered.ok()) << recovered;
    EXPECT_EQ(state.revision(), 4);
    EXPECT_EQ(state.last_recovery().migrated_batches, open == 1 ? 4 : 0);
    for (const Expected& e : expected) {
      pdp::v1::AuthorizeRequest r;
      r.set_principal(e.principal);
      r.mutable_page()->set_page_id(e.page);
      r.mutable_page()->set_access(e.access);
      absl::StatusOr<pdp::v1::Decision> d = Decide(*state.Current(), r);
      ASSERT_TRUE(d.ok()) << d.status();
      EXPECT_EQ(d->effect() == pdp::v1::ALLOW, e.allowed) << e.principal << " " << e.page;
    }
    // A retry of a request the old server committed replays its answer.
    pdp::v1::ApplyChangesRequest org_retry;
    org_retry.set_request_id("legacy-org");
    auto reused = state.ApplyChanges(org_retry);  // same id, other changes
    EXPECT_EQ(ErrorReason(reused.status()), "REQUEST_ID_REUSED") << reused.status();
  }
}

TEST(LegacyStoreTest, ARealServerStartsOnItAndDecidesAsBefore) {
  const std::string path = CopyOfTheLegacyStore("server");
  ServerProcess server({"--store", "sqlite:" + path});
  ASSERT_TRUE(server.ok()) << server.log();
  EXPECT_NE(server.log().find("4 migrated from the legacy format"), std::string::npos)
      << server.log();
  ClientOptions options;
  options.target = server.address();
  options.timeout = std::chrono::milliseconds(10000);
  AuthorizationClient client(options);
  for (const Expected& e : ReadDecisions()) {
    auto d = client.Authorize(
        PageQuery{.principal = e.principal, .page_id = e.page, .access = e.access});
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(d->allowed, e.allowed) << e.principal << " " << e.page;
    EXPECT_EQ(d->revision, 4);
  }
}

}  // namespace
}  // namespace pdp::testing
