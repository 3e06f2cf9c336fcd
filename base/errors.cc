#include "base/errors.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/string_list_codec.h"

namespace pdp {
namespace {

constexpr absl::string_view kEllipsis = "\u2026";  // "…"

// `status` with the message `message` (and the same code and payloads).
absl::Status WithMessage(const absl::Status& status, absl::string_view message) {
  absl::Status out(status.code(), message);
  status.ForEachPayload(
      [&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

std::string JoinFieldPath(absl::string_view parent, absl::string_view child) {
  if (child.empty()) return std::string(parent);
  if (parent.empty() || child.front() == '[') return absl::StrCat(parent, child);
  return absl::StrCat(parent, ".", child);
}

// Error text ends up in proto3 string fields, which must be UTF-8: bytes of
// invalid sequences (from malformed input echoed back) become "\xNN".
std::string Utf8Safe(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80             ? 1
                 : (c & 0xE0) == 0xC0 ? 2
                 : (c & 0xF0) == 0xE0 ? 3
                 : (c & 0xF8) == 0xF0 ? 4
                                      : 0;
    bool valid = len > 0 && i + len <= s.size() && !(len == 2 && c < 0xC2);
    for (size_t k = 1; valid && k < len; ++k) {
      valid = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (valid) {
      out.append(s.data() + i, len);
      i += len;
    } else {
      absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
      ++i;
    }
  }
  return out;
}

constexpr size_t kMaxMessageBytes = kMaxFieldPathBytes + 2 + kMaxDescriptionBytes;

}  // namespace

std::string BoundedText(absl::string_view text, size_t max_bytes) {
  // Cuts the raw text first, so a huge input is never copied (nor escaped)
  // whole; escaping may lengthen it, so cut again after.
  std::string safe = Utf8Safe(Utf8Prefix(text, max_bytes));
  if (text.size() <= max_bytes && safe.size() <= max_bytes) return safe;
  const size_t keep = max_bytes > kEllipsis.size() ? max_bytes - kEllipsis.size() : 0;
  return absl::StrCat(Utf8Prefix(safe, keep), kEllipsis);
}

absl::string_view Utf8Prefix(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  // text[end] is the first byte left out; while it continues a sequence,
  // the sequence started before the cut: leave it out whole (at most 3 back).
  for (int k = 0; k < 3 && end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80; ++k) {
    --end;
  }
  return text.substr(0, end);
}

std::string ShortInput(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  return absl::StrCat(Utf8Prefix(text, max_bytes), kEllipsis, "(", text.size(), " bytes)");
}

std::string QuoteInput(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return absl::StrCat("\"", text, "\"");
  return absl::StrCat("\"", Utf8Prefix(text, max_bytes), kEllipsis, "\" (", text.size(), " bytes)");
}

absl::Status FieldError(absl::string_view field, absl::string_view description,
                        absl::StatusCode code) {
  const std::string safe_field = BoundedText(field, kMaxFieldPathBytes),
                    safe_description = BoundedText(description, kMaxDescriptionBytes);
  return WithFieldViolations(absl::Status(code, absl::StrCat(safe_field, ": ", safe_description)),
                             {{safe_field, safe_description}});
}

absl::Status AtField(absl::string_view field, const absl::Status& status) {
  if (status.ok()) return status;
  if (std::optional<std::vector<FieldViolation>> violations = GetFieldViolations(status)) {
    // Nest the lower layer's paths under `field`: "" (the value itself)
    // becomes `field`, "[i]" attaches without a dot, anything else after one.
    absl::string_view message = status.message();
    std::string first = violations->empty() ? "" : violations->front().field;
    std::string out_message =
        absl::StartsWith(message, absl::StrCat(first, ":"))
            ? absl::StrCat(JoinFieldPath(field, first), message.substr(first.size()))
            : absl::StrCat(field, ": ", message);
    for (FieldViolation& v : *violations) {
      v.field = BoundedText(JoinFieldPath(field, v.field), kMaxFieldPathBytes);
    }
    return WithFieldViolations(WithMessage(status, BoundedText(out_message, kMaxMessageBytes)),
                               *violations);
  }
  absl::Status out = FieldError(field, status.message(), status.code());
  std::string reason = ErrorReason(status);
  return reason.empty() ? out : WithReason(out, reason);
}

absl::Status PrefixFieldPaths(absl::string_view prefix, const absl::Status& status) {
  if (status.ok()) return status;
  std::optional<std::vector<FieldViolation>> violations = GetFieldViolations(status);
  if (!violations) return status;
  for (FieldViolation& v : *violations) {
    v.field = BoundedText(absl::StrCat(prefix, v.field), kMaxFieldPathBytes);
  }
  return WithFieldViolations(
      WithMessage(status, BoundedText(absl::StrCat(prefix, status.message()), kMaxMessageBytes)),
      *violations);
}

absl::Status WithReason(absl::Status status, absl::string_view reason) {
  status.SetPayload(kErrorReasonUrl, absl::Cord(EncodeStringList({reason})));
  return status;
}

std::optional<std::string> GetErrorReason(const absl::Status& status) {
  const auto payload = status.GetPayload(kErrorReasonUrl);
  if (!payload) return std::nullopt;
  std::optional<std::vector<std::string>> strings = DecodeStringList(std::string(*payload));
  if (!strings || strings->size() != 1) return std::nullopt;
  return std::move(strings->front());
}

std::string ErrorReason(const absl::Status& status) { return GetErrorReason(status).value_or(""); }

absl::Status WithFieldViolations(absl::Status status,
                                 const std::vector<FieldViolation>& violations) {
  std::vector<absl::string_view> strings;
  strings.reserve(2 * violations.size());
  for (const FieldViolation& v : violations) {
    strings.push_back(v.field);
    strings.push_back(v.description);
  }
  status.SetPayload(kFieldViolationsUrl, absl::Cord(EncodeStringList(strings)));
  return status;
}

std::optional<std::vector<FieldViolation>> GetFieldViolations(const absl::Status& status) {
  const auto payload = status.GetPayload(kFieldViolationsUrl);
  if (!payload) return std::nullopt;
  std::optional<std::vector<std::string>> strings = DecodeStringList(std::string(*payload));
  if (!strings || strings->size() % 2 != 0) return std::nullopt;
  std::vector<FieldViolation> out(strings->size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].field = std::move((*strings)[2 * i]);
    out[i].description = std::move((*strings)[2 * i + 1]);
  }
  return out;
}

}  // namespace pdp
