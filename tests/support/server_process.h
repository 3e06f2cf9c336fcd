// Runs the real billing-pdp-server binary for a test: on 127.0.0.1 with a
// free port, stopped with SIGTERM (then SIGKILL) when the object goes away.
// Its stderr (the server's log) is read all along by a thread of its own:
// a pipe nobody reads would fill up and hold the server up on its next
// log line.
#ifndef PDP_TESTS_SUPPORT_SERVER_PROCESS_H_
#define PDP_TESTS_SUPPORT_SERVER_PROCESS_H_

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pdp::testing {

class ServerProcess {
 public:
  // Starts the server with `args` plus --listen 127.0.0.1:0 and waits (up to
  // 20 s) for its "listening on" line. ok() tells whether it came up.
  explicit ServerProcess(const std::vector<std::string>& args);
  ~ServerProcess();

  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  // The server process (-1 once stopped), e.g. for /proc/<pid>/status.
  pid_t pid() const { return pid_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // Everything the server wrote to stderr so far (for failure messages);
  // once Stop() has returned, everything it ever wrote.
  std::string log() const;
  // Sends `signal` and waits for exit; returns the exit status (waitpid form).
  int Stop(int signal);

 private:
  // Reads stderr_fd_ into log_ until the end of the pipe, or until
  // stop_reading_ is set and the pipe is empty.
  void ReadLog();
  void StopReading();

  pid_t pid_ = -1;
  int port_ = 0;
  int stderr_fd_ = -1;
  std::thread reader_;
  std::atomic<bool> stop_reading_{false};
  mutable std::mutex mu_;
  std::condition_variable grew_;
  std::string log_;     // guarded by mu_
  bool ended_ = false;  // guarded by mu_: the reader is done
};

// Path of a built binary (PDP_BINARY_DIR/relative).
std::string BinaryPath(const std::string& relative);
// Path of a source file (PDP_SOURCE_DIR/relative).
std::string SourcePath(const std::string& relative);

// Runs a command, captures stdout+stderr; returns the exit code.
int RunCommand(const std::vector<std::string>& argv, std::string* output,
               const std::vector<std::string>& extra_env = {});

}  // namespace pdp::testing

#endif  // PDP_TESTS_SUPPORT_SERVER_PROCESS_H_
