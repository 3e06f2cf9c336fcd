#include "tests/support/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <regex>

namespace pdp::testing {
namespace {

std::vector<char*> Argv(std::vector<std::string>& args) {
  std::vector<char*> out;
  for (std::string& a : args) out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::string BinaryPath(const std::string& relative) {
  return std::string(PDP_BINARY_DIR) + "/" + relative;
}

std::string SourcePath(const std::string& relative) {
  return std::string(PDP_SOURCE_DIR) + "/" + relative;
}

ServerProcess::ServerProcess(const std::vector<std::string>& args) {
  std::vector<std::string> full = {BinaryPath("server/billing-pdp-server"), "--listen",
                                   "127.0.0.1:0"};
  full.insert(full.end(), args.begin(), args.end());
  int pipe_fds[2];
  // Close-on-exec: no other child of the test keeps the pipe open, so its
  // end is seen once this server is gone (dup2 below clears the flag).
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    // The server must not outlive the test, even one killed by a timeout.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    std::vector<char*> argv = Argv(full);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  stderr_fd_ = pipe_fds[0];
  fcntl(stderr_fd_, F_SETFL, O_NONBLOCK);
  reader_ = std::thread([this] { ReadLog(); });
  const std::regex listening("listening on 127\\.0\\.0\\.1:([0-9]+)");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::unique_lock<std::mutex> lock(mu_);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    if (std::regex_search(log_, m, listening)) {
      port_ = std::atoi(m[1].str().c_str());
      return;
    }
    if (ended_) break;  // the server exited
    grew_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

void ServerProcess::ReadLog() {
  char buf[4096];
  for (;;) {
    pollfd p{stderr_fd_, POLLIN, 0};
    poll(&p, 1, 50);
    const ssize_t n = read(stderr_fd_, buf, sizeof buf);
    if (n > 0) {
      std::lock_guard<std::mutex> lock(mu_);
      log_.append(buf, static_cast<size_t>(n));
      grew_.notify_all();
      continue;
    }
    if (n == 0) break;  // the server and its pipe are gone
    if (n < 0 && errno != EAGAIN && errno != EINTR) break;
    if (stop_reading_) break;  // empty, and no longer wanted
  }
  std::lock_guard<std::mutex> lock(mu_);
  ended_ = true;
  grew_.notify_all();
}

void ServerProcess::StopReading() {
  stop_reading_ = true;
  if (reader_.joinable()) reader_.join();
}

std::string ServerProcess::log() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

int ServerProcess::Stop(int signal) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  int status = 0;
  bool exited = false;
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited = true;
      break;
    }
    usleep(50 * 1000);
  }
  if (!exited) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  // The server is gone: what it wrote is in the pipe; read it all.
  StopReading();
  return status;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Stop(SIGTERM);
  StopReading();
  if (stderr_fd_ >= 0) close(stderr_fd_);
}

int RunCommand(const std::vector<std::string>& argv_in, std::string* output,
               const std::vector<std::string>& extra_env) {
  std::vector<std::string> args = argv_in;
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    for (const std::string& e : extra_env) putenv(strdup(e.c_str()));
    std::vector<char*> argv = Argv(args);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(pipe_fds[0], buf, sizeof buf)) > 0) output->append(buf, n);
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace pdp::testing
