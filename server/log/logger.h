// The server's log: events as lines (server/log/log_line.h) on stderr, at or
// above the configured level (--log-level), in the configured form
// (--log-format).
//
// Each line is formatted whole, then handed to the sink in one call; the
// default sink writes it to stderr with write(2) under a mutex, so lines of
// different threads never interleave (and a line of up to PIPE_BUF bytes
// reaches a pipe in one piece even beside other writers). Lines are written
// synchronously: the log is for events (start, stop, writes, refusals), not
// for every call.
//
// Thread-safe. ServerLog() is the process's logger, configured once by
// main before any other thread starts (Configure is not synchronized with
// Log); tests make their own Logger with a sink.
#ifndef PDP_SERVER_LOG_LOGGER_H_
#define PDP_SERVER_LOG_LOGGER_H_

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "server/log/log_line.h"
#include "server/log/rate_limiter.h"

namespace pdp::log {

// Lines a second kept for each rate-limited kind (LogLimited); more are
// counted and reported as one "suppressed" line.
inline constexpr int kLimitedLinesPerSecond = 20;

class Logger {
 public:
  // Receives one whole line, '\n' included.
  using Sink = std::function<void(absl::string_view line)>;
  using Clock = std::function<absl::Time()>;

  Logger(Format format, Level level, Sink sink = nullptr, Clock clock = absl::Now,
         int limited_per_second = kLimitedLinesPerSecond);

  // Not thread-safe: before the logger is shared.
  void Configure(Format format, Level level) {
    format_ = format;
    level_ = level;
  }
  Format format() const { return format_; }
  bool Enabled(Level level) const { return level >= level_; }

  void Log(Level level, absl::string_view event, absl::string_view msg,
           std::initializer_list<Field> fields = {});

  // Log whatever the configured level: for the start-up ("listening") and
  // shutdown lines, which scripts and supervisors wait for.
  void LogAlways(Level level, absl::string_view event, absl::string_view msg,
                 std::initializer_list<Field> fields = {});

  // Log, but at most limited_per_second lines a second for `kind` (a
  // constant of the caller's, e.g. "refused/authorization"). Lines left out
  // are reported as one line, event "suppressed", with fields kind and
  // count, before the next line of that kind or at the next Flush().
  void LogLimited(absl::string_view kind, Level level, absl::string_view event,
                  absl::string_view msg, std::initializer_list<Field> fields = {});

  // Reports the kinds whose lines were left out in windows now over. The
  // server calls it every second and at shutdown.
  void Flush();

 private:
  void Write(Level level, absl::string_view event, absl::string_view msg,
             absl::Span<const Field> fields);
  void ReportSuppressed(absl::string_view kind, int64_t count);

  Format format_;
  Level level_;
  Sink sink_;
  Clock clock_;
  int per_second_;
  RateLimiter limiter_;
};

// The sink that writes to file descriptor `fd` (one write(2) per line,
// retried on EINTR and short writes, under a mutex of its own).
Logger::Sink FdSink(int fd);

// The process's logger: text, info, stderr until main configures it.
Logger& ServerLog();

inline void Debug(absl::string_view event, absl::string_view msg,
                  std::initializer_list<Field> fields = {}) {
  ServerLog().Log(Level::kDebug, event, msg, fields);
}
inline void Info(absl::string_view event, absl::string_view msg,
                 std::initializer_list<Field> fields = {}) {
  ServerLog().Log(Level::kInfo, event, msg, fields);
}
inline void Warning(absl::string_view event, absl::string_view msg,
                    std::initializer_list<Field> fields = {}) {
  ServerLog().Log(Level::kWarning, event, msg, fields);
}
inline void Error(absl::string_view event, absl::string_view msg,
                  std::initializer_list<Field> fields = {}) {
  ServerLog().Log(Level::kError, event, msg, fields);
}

}  // namespace pdp::log

#endif  // PDP_SERVER_LOG_LOGGER_H_
