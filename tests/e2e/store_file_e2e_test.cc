// A SQLite store file deleted or replaced under a running server: the server
// must notice, refuse every write (none acknowledged that a restart would
// lose), report AdminService NOT_SERVING and say why in its log, and keep
// answering reads. Start-up says when it creates a new store and when
// --world seeds an empty one.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "billing_pdp/status.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/health_check.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

using grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAdminService[] = "pdp.v1.AdminService";

pdp::v1::Change NewAccount(const std::string& id) {
  pdp::v1::Change c;
  c.mutable_create_account()->mutable_account()->set_id(id);
  return c;
}

bool Eventually(const std::function<bool()>& condition) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

class StoreFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = ::testing::TempDir() + "/store-file-" + std::to_string(getpid()) + "-" +
          ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db";
    RemoveFiles();
  }
  void TearDown() override {
    server_.reset();
    RemoveFiles();
  }
  void RemoveFiles() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db_ + suffix).c_str());
  }

  void Start() {
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{
        "--store", "sqlite:" + db_, "--world", SourcePath("data/demo-world.yaml")});
    ASSERT_TRUE(server_->ok()) << server_->log();
    options_.target = server_->address();
    options_.timeout = std::chrono::milliseconds(10000);
    channel_ = MakeChannel(options_);
  }

  absl::StatusOr<pdp::v1::ApplyChangesResponse> Write(const std::string& account) {
    return AdminClient(channel_, options_).ApplyChanges({NewAccount(account)});
  }

  HealthCheckResponse::ServingStatus Health(const std::string& service) {
    return test::HealthOf(channel_, service);
  }

  // After the files changed under the server: writes are refused with the
  // reason, health and the log say so, reads go on at `revision`.
  void ExpectWritesRefused(const std::string& why, int64_t revision) {
    auto refused = Write("555555555555");
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
    EXPECT_EQ(ServerErrorReason(refused.status()), "STORE_FILE_REPLACED");
    EXPECT_THAT(std::string(refused.status().message()), HasSubstr(why));
    // Every later write too, however many.
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(Write("55555555556" + std::to_string(i)).status().code(),
                absl::StatusCode::kFailedPrecondition);
    }
    EXPECT_TRUE(Eventually([&] {
      return Health(kAdminService) == HealthCheckResponse::NOT_SERVING;
    })) << Health(kAdminService);
    EXPECT_EQ(Health(""), HealthCheckResponse::SERVING);
    EXPECT_EQ(Health("pdp.v1.AuthorizationService"), HealthCheckResponse::SERVING);
    EXPECT_TRUE(Eventually([&] {
      return server_->log().find("AdminService NOT_SERVING: the SQLite store") != std::string::npos;
    })) << server_->log();
    EXPECT_THAT(server_->log(), HasSubstr(why));
    auto read = AuthorizationClient(channel_, options_)
                    .Authorize(PageQuery{"arn:aws:iam::111111111111:user/admin", "billing_bills"});
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_TRUE(read->allowed);
    EXPECT_EQ(read->revision, revision);
  }

  std::string db_;
  std::unique_ptr<ServerProcess> server_;
  ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(StoreFileTest, ANewStoreAndItsSeedingAreLogged) {
  Start();
  EXPECT_THAT(server_->log(), HasSubstr("level=warning event=store_created msg=\"store sqlite:" +
                                        db_ + " did not exist; created a new, empty store"));
  EXPECT_THAT(server_->log(), HasSubstr("the store is empty; loading --world"));
  ASSERT_TRUE(Write("444444444444").ok());
  server_.reset();
  // The same file again: nothing created, nothing seeded.
  Start();
  EXPECT_THAT(server_->log(), Not(HasSubstr("did not exist")));
  EXPECT_THAT(server_->log(), Not(HasSubstr("loading --world")));
  EXPECT_THAT(server_->log(), HasSubstr("the store holds revision 2"));
  EXPECT_EQ(Health(kAdminService), HealthCheckResponse::SERVING);
}

TEST_F(StoreFileTest, DeletedFilesRefuseWrites) {
  Start();
  auto written = Write("444444444444");
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(Health(kAdminService), HealthCheckResponse::SERVING);
  RemoveFiles();
  ExpectWritesRefused(db_ + " was deleted", written->revision());
  // Restarted, the server says it starts over rather than doing so quietly.
  server_.reset();
  Start();
  EXPECT_THAT(server_->log(), HasSubstr("did not exist; created a new, empty store"));
}

TEST_F(StoreFileTest, AFileReplacedByAnotherRefusesWrites) {
  Start();
  auto written = Write("444444444444");
  ASSERT_TRUE(written.ok()) << written.status();
  // Another file renamed over the store's path (a restore, a deploy script).
  const std::string other = db_ + ".other";
  std::ofstream(other) << "not the store";
  ASSERT_EQ(std::rename(other.c_str(), db_.c_str()), 0);
  ExpectWritesRefused(db_ + " was replaced by another file", written->revision());
}

TEST_F(StoreFileTest, ADeletedWriteAheadLogRefusesWrites) {
  // Committed batches may live only in the -wal file until a checkpoint.
  Start();
  auto written = Write("444444444444");
  ASSERT_TRUE(written.ok()) << written.status();
  ASSERT_EQ(std::remove((db_ + "-wal").c_str()), 0);
  ExpectWritesRefused(db_ + "-wal (its write-ahead log) was deleted", written->revision());
}

TEST_F(StoreFileTest, TheHealthCheckNoticesWithoutAWrite) {
  Start();
  RemoveFiles();
  EXPECT_TRUE(Eventually([&] { return Health(kAdminService) == HealthCheckResponse::NOT_SERVING; }))
      << Health(kAdminService);
  EXPECT_TRUE(Eventually([&] {
    return server_->log().find(db_ + " was deleted") != std::string::npos;
  })) << server_->log();
}

}  // namespace
}  // namespace pdp::testing
