// pdpctl, the built binary, run from a test the way a user runs it: against
// a real server (tests/support/server_process.h) or none, its standard
// output and error captured together, its exit code returned. Also a temp
// file name of the running test's own, since CTest runs every test case as
// a process of its own, side by side, removed when the test program exits.
//
// Header-only (gtest-dependent helpers do not belong in pdp_test_support,
// which the non-gtest tools link too). Not thread-safe beyond what
// RunCommand is: call from the test's thread.
#ifndef PDP_TESTS_SUPPORT_PDPCTL_H_
#define PDP_TESTS_SUPPORT_PDPCTL_H_

#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/server_process.h"

namespace pdp::testing {

// Runs pdpctl with `args`; with `server`, against it (--server first). `out`
// is replaced with what pdpctl printed (stdout and stderr). Returns the exit
// code (pdpctl's: 0 ok, 1 denied, 2 bad input, 3 unreachable, 4 refused).
inline int RunPdpctl(const ServerProcess* server, std::vector<std::string> args, std::string* out) {
  std::vector<std::string> argv = {BinaryPath("client/pdpctl")};
  if (server != nullptr) {
    argv.push_back("--server");
    argv.push_back(server->address());
  }
  argv.insert(argv.end(), std::make_move_iterator(args.begin()),
              std::make_move_iterator(args.end()));
  out->clear();
  return RunCommand(argv, out);
}

inline int RunPdpctl(const ServerProcess& server, std::vector<std::string> args, std::string* out) {
  return RunPdpctl(&server, std::move(args), out);
}

// The paths TestTempPath handed out, removed (files or whole folders) when
// the test program exits, so that runs do not pile files up in TempDir().
class TempPathsRemovedAtExit {
 public:
  ~TempPathsRemovedAtExit() {
    std::error_code ignored;  // a path the test never created, or removed itself
    for (const std::string& path : paths_) std::filesystem::remove_all(path, ignored);
  }
  void Add(const std::string& path) { paths_.push_back(path); }

 private:
  std::vector<std::string> paths_;
};
inline TempPathsRemovedAtExit temp_paths_removed_at_exit;

// TempDir()/<suite>.<test>-<pid>-<suffix>: a path no other test case (or a
// repeat of this one in another process) writes at the same time. Removed
// when the test program exits.
inline std::string TestTempPath(const std::string& suffix) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info == nullptr ? std::string("no-test")
                                     : std::string(info->test_suite_name()) + "." + info->name();
  for (char& c : name) {
    if (c == '/') c = '_';  // parameterized tests' names
  }
  std::string dir = ::testing::TempDir();
  if (!dir.empty() && dir.back() != '/') dir += '/';
  std::string path = dir + name + "-" + std::to_string(getpid()) + "-" + suffix;
  temp_paths_removed_at_exit.Add(path);
  return path;
}

// A test with a server of its own, started with `server_args` (none: empty,
// in memory), and pdpctl against it.
class PdpctlServerTest : public ::testing::Test {
 protected:
  explicit PdpctlServerTest(const std::vector<std::string>& server_args = {})
      : server_(server_args) {}

  void SetUp() override { ASSERT_TRUE(server_.ok()) << server_.log(); }

  int Pdpctl(std::vector<std::string> args, std::string* out) {
    return RunPdpctl(server_, std::move(args), out);
  }

  ServerProcess server_;
};

}  // namespace pdp::testing

#endif  // PDP_TESTS_SUPPORT_PDPCTL_H_
