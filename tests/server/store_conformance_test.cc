// One suite for every Store: what the write path relies on.
#include <sqlite3.h>

#include <filesystem>
#include <functional>
#include <memory>

#include "gtest/gtest.h"
#include "server/store/memory_store.h"
#include "server/store/sqlite_store.h"
#include "server/world_state.h"
#include "tests/support/server_process.h"

namespace pdp {
namespace {

using pdp::v1::Change;

Change NewAccount(const std::string& id) {
  Change c;
  c.mutable_create_account()->mutable_account()->set_id(id);
  return c;
}

struct StoreKind {
  std::string name;
  // Opens the store; calling it again opens the same data (for durable kinds).
  std::function<std::unique_ptr<Store>(const std::string& dir)> open;
};

class StoreConformanceTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/store-" + GetParam().name + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  std::unique_ptr<Store> Open() { return GetParam().open(dir_); }

  std::vector<std::pair<int64_t, size_t>> ReadAll(Store& store) {
    std::vector<std::pair<int64_t, size_t>> out;
    EXPECT_TRUE(store
                    .Replay([&](int64_t rev, const Store::Batch& b) {
                      out.emplace_back(rev, b.size());
                      return absl::OkStatus();
                    })
                    .ok());
    return out;
  }

  std::string dir_;
};

TEST_P(StoreConformanceTest, ReplaysBatchesInOrderWhole) {
  auto store = Open();
  ASSERT_TRUE(store->Commit(1, {NewAccount("111111111111")}).ok());
  ASSERT_TRUE(store->Commit(2, {NewAccount("222222222222"), NewAccount("333333333333")}).ok());
  EXPECT_EQ(ReadAll(*store), (std::vector<std::pair<int64_t, size_t>>{{1, 1}, {2, 2}}));
}

TEST_P(StoreConformanceTest, RefusesARevisionThatIsNotNew) {
  auto store = Open();
  ASSERT_TRUE(store->Commit(5, {NewAccount("111111111111")}).ok());
  EXPECT_FALSE(store->Commit(5, {NewAccount("222222222222")}).ok());
  EXPECT_FALSE(store->Commit(4, {NewAccount("222222222222")}).ok());
  EXPECT_EQ(ReadAll(*store).size(), 1u);
}

TEST_P(StoreConformanceTest, ReplayStopsAtTheFirstError) {
  auto store = Open();
  ASSERT_TRUE(store->Commit(1, {NewAccount("111111111111")}).ok());
  ASSERT_TRUE(store->Commit(2, {NewAccount("222222222222")}).ok());
  int calls = 0;
  absl::Status s = store->Replay([&](int64_t, const Store::Batch&) {
    ++calls;
    return absl::InternalError("stop");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(calls, 1);
}

INSTANTIATE_TEST_SUITE_P(
    Stores, StoreConformanceTest,
    ::testing::Values(StoreKind{"memory",
                                [](const std::string&) -> std::unique_ptr<Store> {
                                  return std::make_unique<MemoryStore>();
                                }},
                      StoreKind{"sqlite",
                                [](const std::string& dir) -> std::unique_ptr<Store> {
                                  auto s = SqliteStore::Open(dir + "/state.db");
                                  EXPECT_TRUE(s.ok()) << s.status();
                                  return s.ok() ? std::move(*s) : nullptr;
                                }}),
    [](const ::testing::TestParamInfo<StoreKind>& info) { return info.param.name; });

TEST(SqliteStoreTest, KeepsEveryAcknowledgedBatchAcrossReopen) {
  std::string path = ::testing::TempDir() + "/reopen.db";
  std::filesystem::remove(path);
  auto Open = [&] {
    auto s = SqliteStore::Open(path);
    EXPECT_TRUE(s.ok()) << s.status();
    return std::move(*s);
  };
  auto catalog = PageCatalog::FromFile(testing::SourcePath("data/page-catalog.json"));
  auto aws = LoadAwsManagedPoliciesFile(testing::SourcePath("data/aws-managed-policies.json"));
  ASSERT_TRUE(catalog.ok() && aws.ok());
  {
    auto store = Open();
    WorldState state(Snapshot::Initial(*catalog, *aws), store.get());
    ASSERT_TRUE(state.Apply({NewAccount("111111111111")}).ok());
    Change user;
    user.mutable_put_user()->mutable_user()->set_arn("arn:aws:iam::111111111111:user/alice");
    ASSERT_TRUE(state.Apply({user}).ok());
    ASSERT_FALSE(state.Apply({user}).ok());  // already exists: not stored
  }
  auto store = Open();
  WorldState state(Snapshot::Initial(*catalog, *aws), store.get());
  ASSERT_TRUE(state.Recover().ok());
  EXPECT_EQ(state.Current()->revision(), 2);
  const AccountState* a = state.Current()->FindAccount("111111111111");
  ASSERT_NE(a, nullptr);
  EXPECT_NE(a->FindEntity(IamArnKind::kUser, "alice"), nullptr);
}

TEST(SqliteStoreTest, RefusesASchemaFromTheFuture) {
  std::string path = ::testing::TempDir() + "/future.db";
  std::filesystem::remove(path);
  {
    auto s = SqliteStore::Open(path);
    ASSERT_TRUE(s.ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE meta SET value='99' WHERE key='schema_version'", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto s = SqliteStore::Open(path);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace pdp
