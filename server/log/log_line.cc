#include "server/log/log_line.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/errors.h"

namespace pdp::log {
namespace {

// The code point starting at text[i] and its length in bytes; false for a
// byte that does not start a valid sequence (overlong forms, surrogates and
// values past U+10FFFF included).
bool DecodeUtf8(absl::string_view text, size_t i, uint32_t* cp, size_t* len) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b = byte(i);
  size_t n;
  uint32_t v;
  if (b < 0x80) {
    *cp = b;
    *len = 1;
    return true;
  } else if ((b & 0xE0) == 0xC0) {
    n = 2;
    v = b & 0x1F;
  } else if ((b & 0xF0) == 0xE0) {
    n = 3;
    v = b & 0x0F;
  } else if ((b & 0xF8) == 0xF0) {
    n = 4;
    v = b & 0x07;
  } else {
    return false;
  }
  if (i + n > text.size()) return false;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return false;
    v = (v << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return false;
  *cp = v;
  *len = n;
  return true;
}

// Code points shown escaped even though they are valid: C1 controls, and
// those that can make a line read as something else (bidirectional
// overrides, line and paragraph separators, the byte-order mark).
bool Disguising(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0xFEFF;
}

// The body of a quoted value, escaped for JSON or for the text form: the
// two differ only in how they show a byte that is not UTF-8 (JSON: U+FFFD;
// text: \xNN) and other control characters (JSON: \u00NN; text: \xNN).
enum class Escaping { kJson, kText };

void AppendQuoted(std::string* out, absl::string_view s, Escaping style) {
  const bool json = style == Escaping::kJson;
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    size_t len;
    if (!DecodeUtf8(s, i, &cp, &len)) {
      if (json) {
        out->append("\\ufffd");
      } else {
        absl::StrAppendFormat(out, "\\x%02x", static_cast<unsigned char>(s[i]));
      }
      ++i;
      continue;
    }
    switch (cp) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if ((cp < 0x20 || cp == 0x7F) && !json) {
          absl::StrAppendFormat(out, "\\x%02x", cp);
        } else if (cp < 0x20 || cp == 0x7F || Disguising(cp)) {
          absl::StrAppendFormat(out, "\\u%04x", cp);
        } else {
          out->append(s.data() + i, len);
        }
    }
    i += len;
  }
  out->push_back('"');
}

void AppendJsonString(std::string* out, absl::string_view s) {
  AppendQuoted(out, s, Escaping::kJson);
}

bool NeedsQuotes(absl::string_view s) {
  if (s.empty()) return true;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    size_t len;
    if (!DecodeUtf8(s, i, &cp, &len)) return true;
    if (cp <= 0x20 || cp == '=' || cp == '"' || cp == '\\' || cp == 0x7F || Disguising(cp)) {
      return true;
    }
    i += len;
  }
  return false;
}

void AppendTextValue(std::string* out, absl::string_view s) {
  if (!NeedsQuotes(s)) {
    out->append(s.data(), s.size());
    return;
  }
  AppendQuoted(out, s, Escaping::kText);
}

// Keys come from the code; anything but [A-Za-z0-9_.-] becomes '_' all the
// same, so a key can never break a line.
std::string SafeKey(absl::string_view key) {
  std::string out(key.empty() ? "_" : key);
  for (char& c : out) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '.' && c != '-') c = '_';
  }
  if (out == "time" || out == "level" || out == "event" || out == "msg") out = "field_" + out;
  return out;
}

void AppendPair(std::string* out, Format format, absl::string_view key, const Field& value,
                size_t max_bytes, bool first) {
  if (format == Format::kJson) {
    if (!first) out->push_back(',');
    AppendJsonString(out, key);
    out->push_back(':');
  } else {
    if (!first) out->push_back(' ');
    out->append(key.data(), key.size());
    out->push_back('=');
  }
  switch (value.kind()) {
    case Field::Kind::kInt:
      absl::StrAppend(out, value.number());
      break;
    case Field::Kind::kBool:
      out->append(value.number() != 0 ? "true" : "false");
      break;
    case Field::Kind::kText: {
      const std::string cut = Truncated(value.text(), max_bytes);
      if (format == Format::kJson) {
        AppendJsonString(out, cut);
      } else {
        AppendTextValue(out, cut);
      }
    }
  }
}

}  // namespace

absl::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "error";
}

absl::StatusOr<Level> ParseLevel(absl::string_view text) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarning, Level::kError}) {
    if (text == LevelName(l)) return l;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--log-level must be debug, info, warning or "
                   "error, not ",
                   QuoteInput(text)));
}

absl::StatusOr<Format> ParseFormat(absl::string_view text) {
  if (text == "text") return Format::kText;
  if (text == "json") return Format::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("--log-format must be text or json, not ", QuoteInput(text)));
}

std::string Truncated(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  return absl::StrCat(Utf8Prefix(text, max_bytes), "\u2026(", text.size(), " bytes)");
}

std::string FormatLine(Format format, absl::Time time, Level level, absl::string_view event,
                       absl::string_view msg, absl::Span<const Field> fields) {
  std::string out;
  out.reserve(128 + msg.size());
  if (format == Format::kJson) out.push_back('{');
  AppendPair(&out, format, "time",
             Field("time", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone())),
             kMaxValueBytes, true);
  AppendPair(&out, format, "level", Field("level", LevelName(level)), kMaxValueBytes, false);
  AppendPair(&out, format, "event", Field("event", event), kMaxValueBytes, false);
  AppendPair(&out, format, "msg", Field("msg", msg), kMaxMessageBytes, false);
  for (const Field& f : fields) {
    AppendPair(&out, format, SafeKey(f.key()), f, kMaxValueBytes, false);
  }
  if (format == Format::kJson) out.push_back('}');
  out.push_back('\n');
  return out;
}

}  // namespace pdp::log
