#include "server/log/logger.h"

#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace pdp::log {

Logger::Sink FdSink(int fd) {
  auto mu = std::make_shared<absl::Mutex>();
  return [fd, mu](absl::string_view line) {
    absl::MutexLock lock(mu.get());
    while (!line.empty()) {
      const ssize_t n = ::write(fd, line.data(), line.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // nowhere to report it: the line is lost
      line.remove_prefix(static_cast<size_t>(n));
    }
  };
}

Logger::Logger(Format format, Level level, Sink sink, Clock clock, int limited_per_second)
    : format_(format),
      level_(level),
      sink_(sink ? std::move(sink) : FdSink(STDERR_FILENO)),
      clock_(clock),
      per_second_(limited_per_second),
      limiter_(limited_per_second, std::move(clock)) {}

void Logger::Write(Level level, absl::string_view event, absl::string_view msg,
                   absl::Span<const Field> fields) {
  sink_(FormatLine(format_, clock_(), level, event, msg, fields));
}

void Logger::Log(Level level, absl::string_view event, absl::string_view msg,
                 std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  Write(level, event, msg, absl::MakeConstSpan(fields.begin(), fields.size()));
}

void Logger::LogAlways(Level level, absl::string_view event, absl::string_view msg,
                       std::initializer_list<Field> fields) {
  Write(level, event, msg, absl::MakeConstSpan(fields.begin(), fields.size()));
}

void Logger::ReportSuppressed(absl::string_view kind, int64_t count) {
  const Field fields[] = {Field("kind", kind), Field("count", count)};
  Write(Level::kWarning, "suppressed",
        absl::StrCat("left out ", count, " lines of ", kind, " (more than ", per_second_,
                     " a second)"),
        fields);
}

void Logger::LogLimited(absl::string_view kind, Level level, absl::string_view event,
                        absl::string_view msg, std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  int64_t suppressed = 0;
  const bool take = limiter_.Take(std::string(kind), &suppressed);
  if (suppressed > 0) ReportSuppressed(kind, suppressed);
  if (take) Write(level, event, msg, absl::MakeConstSpan(fields.begin(), fields.size()));
}

void Logger::Flush() {
  for (const auto& [kind, count] : limiter_.Expired()) ReportSuppressed(kind, count);
}

Logger& ServerLog() {
  static Logger* const logger = new Logger(Format::kText, Level::kInfo);
  return *logger;
}

}  // namespace pdp::log
