// One line of the server's own log (stderr): its level, its format, and how a
// line is written. Pure functions; thread-safe.
//
// A line is an event: a time (RFC 3339, UTC, milliseconds), a level, an
// event name (a fixed word such as "listening", "write", "refused"), a
// human-readable message and the event's fields, in one of two forms:
//
//   json  {"time":"2026-01-02T03:04:05.678Z","level":"info","event":"write",
//          "msg":"...","caller":"admin","revision":7}
//   text  time=2026-01-02T03:04:05.678Z level=info event=write msg="..."
//         caller=admin revision=7
//
// Whatever a value holds, the line stays one line and parses: JSON strings
// are escaped (control characters, quotes, invalid UTF-8 as U+FFFD); a text
// value with a space, '=', a quote, a control character or a character that
// could disguise the text (bidirectional controls, line separators) is
// quoted and escaped. Every value is cut to kMaxValueBytes (kMaxMessageBytes
// for msg) with "…(N bytes)" naming its full length, so a log line never
// echoes unbounded input.
#ifndef PDP_SERVER_LOG_LOG_LINE_H_
#define PDP_SERVER_LOG_LOG_LINE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace pdp::log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class Format { kText, kJson };

// "debug", "info", "warning", "error".
absl::string_view LevelName(Level level);
// The flag values: "debug", "info", "warning", "error" / "text", "json".
// INVALID_ARGUMENT otherwise.
absl::StatusOr<Level> ParseLevel(absl::string_view text);
absl::StatusOr<Format> ParseFormat(absl::string_view text);

inline constexpr size_t kMaxValueBytes = 512;
inline constexpr size_t kMaxMessageBytes = 1024;

// One field of an event. Keys are chosen by the code ([a-z0-9_]); values are
// text, integers or booleans. A Field only refers to its text: build and
// log it in one expression (or keep the text alive until logged).
class Field {
 public:
  enum class Kind { kText, kInt, kBool };
  Field(absl::string_view key, absl::string_view text)
      : key_(key), kind_(Kind::kText), text_(text) {}
  Field(absl::string_view key, const char* text) : Field(key, absl::string_view(text)) {}
  Field(absl::string_view key, const std::string& text) : Field(key, absl::string_view(text)) {}
  Field(absl::string_view key, int64_t n) : key_(key), kind_(Kind::kInt), int_(n) {}
  Field(absl::string_view key, int n) : Field(key, static_cast<int64_t>(n)) {}
  Field(absl::string_view key, long long n) : Field(key, static_cast<int64_t>(n)) {}
  Field(absl::string_view key, unsigned n) : Field(key, static_cast<int64_t>(n)) {}
  // Above INT64_MAX: INT64_MAX.
  Field(absl::string_view key, unsigned long n) : Field(key, Clamp(n)) {}
  Field(absl::string_view key, unsigned long long n) : Field(key, Clamp(n)) {}
  Field(absl::string_view key, bool b) : key_(key), kind_(Kind::kBool), int_(b ? 1 : 0) {}

  absl::string_view key() const { return key_; }
  Kind kind() const { return kind_; }
  absl::string_view text() const { return text_; }
  int64_t number() const { return int_; }

 private:
  static int64_t Clamp(unsigned long long n) {
    return n > static_cast<unsigned long long>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(n);
  }

  absl::string_view key_;
  Kind kind_;
  absl::string_view text_;
  int64_t int_ = 0;
};

// The line (ending in '\n') for one event. A field whose key is one of the
// fixed keys (time, level, event, msg) is written as "field_<key>" so the
// fixed keys always mean what they say.
std::string FormatLine(Format format, absl::Time time, Level level, absl::string_view event,
                       absl::string_view msg, absl::Span<const Field> fields);

// `text` cut to `max_bytes` (never inside a UTF-8 sequence) followed by
// "…(N bytes)" when longer; the log's one truncation rule.
std::string Truncated(absl::string_view text, size_t max_bytes);

}  // namespace pdp::log

#endif  // PDP_SERVER_LOG_LOG_LINE_H_
