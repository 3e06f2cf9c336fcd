// One writer per store: a second server on a port or a SQLite file already
// in use refuses to start (exit 2, saying what is in use and by whom)
// instead of answering a share of the calls from its own, diverging state.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

using ::testing::HasSubstr;

pdp::v1::Change NewAccount(const std::string& id) {
  pdp::v1::Change c;
  c.mutable_create_account()->mutable_account()->set_id(id);
  return c;
}

// A server expected to refuse to start: its exit code and its log.
struct Refused {
  int exit_code = -1;
  std::string log;
};
Refused StartExpectingRefusal(const std::vector<std::string>& args) {
  ServerProcess second(args);
  EXPECT_FALSE(second.ok()) << "the second server came up:\n" << second.log();
  Refused out;
  out.log = second.log();
  const int status = second.Stop(SIGKILL);
  if (WIFEXITED(status)) out.exit_code = WEXITSTATUS(status);
  return out;
}

class OneWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = ::testing::TempDir() + "/one-writer-" + std::to_string(getpid()) + "-" +
          ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db";
    RemoveFiles();
  }
  void TearDown() override { RemoveFiles(); }
  void RemoveFiles() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db_ + suffix).c_str());
  }
  std::vector<std::string> SqliteArgs() const { return {"--store", "sqlite:" + db_}; }

  static absl::Status Write(const ServerProcess& server, const std::string& account) {
    ClientOptions options;
    options.target = server.address();
    options.timeout = std::chrono::milliseconds(10000);
    return AdminClient(options).ApplyChanges({NewAccount(account)}).status();
  }
  static absl::StatusOr<pdp::v1::Account> Read(const ServerProcess& server,
                                               const std::string& account) {
    ClientOptions options;
    options.target = server.address();
    options.timeout = std::chrono::milliseconds(10000);
    return AdminClient(options).GetAccount(account);
  }

  std::string db_;
};

TEST_F(OneWriterTest, ASecondServerOnTheSamePortExitsSayingTheAddressIsInUse) {
  ServerProcess first({"--store", "memory"});
  ASSERT_TRUE(first.ok()) << first.log();
  const Refused second = StartExpectingRefusal({"--store", "memory", "--listen", first.address()});
  EXPECT_EQ(second.exit_code, 2) << second.log;
  EXPECT_THAT(second.log, HasSubstr("cannot listen on " + first.address()));
  EXPECT_THAT(second.log, HasSubstr("in use"));
  // The first still answers every call (none went to a second listener).
  EXPECT_TRUE(Write(first, "111111111111").ok());
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(Read(first, "111111111111").ok());
}

TEST_F(OneWriterTest, ASecondServerOnTheSameSqliteFileExitsNamingTheFileAndItsHolder) {
  ServerProcess first(SqliteArgs());
  ASSERT_TRUE(first.ok()) << first.log();
  ASSERT_TRUE(Write(first, "111111111111").ok());

  const Refused second = StartExpectingRefusal(SqliteArgs());
  EXPECT_EQ(second.exit_code, 2) << second.log;
  EXPECT_THAT(second.log, HasSubstr(db_ + " is in use by another writer"));
  EXPECT_THAT(second.log, HasSubstr("process " + std::to_string(first.pid())));

  // The first keeps serving and writing, its history whole.
  ASSERT_TRUE(Write(first, "222222222222").ok());
  EXPECT_TRUE(Read(first, "111111111111").ok());
  EXPECT_TRUE(Read(first, "222222222222").ok());

  // Once it is gone the file is free, and holds both writes.
  const int status = first.Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status)) << status;
  ServerProcess third(SqliteArgs());
  ASSERT_TRUE(third.ok()) << third.log();
  EXPECT_TRUE(Read(third, "111111111111").ok());
  EXPECT_TRUE(Read(third, "222222222222").ok());
  EXPECT_TRUE(Write(third, "333333333333").ok());
}

TEST_F(OneWriterTest, AKilledServersFileOpensAtOnce) {
  ServerProcess first(SqliteArgs());
  ASSERT_TRUE(first.ok()) << first.log();
  ASSERT_TRUE(Write(first, "111111111111").ok());
  first.Stop(SIGKILL);  // no clean-up: the kernel releases the lock
  ServerProcess second(SqliteArgs());
  ASSERT_TRUE(second.ok()) << second.log();
  EXPECT_TRUE(Read(second, "111111111111").ok());
}

}  // namespace
}  // namespace pdp::testing
