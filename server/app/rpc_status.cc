#include "server/app/rpc_status.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "google/rpc/error_details.pb.h"

namespace pdp {
namespace {

constexpr absl::string_view kEllipsis = "\u2026";  // "…"

// Bytes gRPC sends for `c` in grpc-message: it percent-encodes every byte
// outside printable ASCII, and '%'.
size_t EncodedSize(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return u < 0x20 || u > 0x7e || u == '%' ? 3 : 1;
}

size_t EncodedSize(absl::string_view s) {
  size_t n = 0;
  for (char c : s) n += EncodedSize(c);
  return n;
}

// `message` then `note`, the message cut (with "…") so that the whole fits
// `budget` bytes once percent-encoded.
std::string BoundMessage(absl::string_view message, absl::string_view note, size_t budget) {
  const size_t note_size = EncodedSize(note);
  if (EncodedSize(message) + note_size <= budget) return absl::StrCat(message, note);
  const size_t room = budget - note_size - EncodedSize(kEllipsis);
  size_t used = 0, end = 0;
  while (end < message.size() && used + EncodedSize(message[end]) <= room) {
    used += EncodedSize(message[end++]);
  }
  return absl::StrCat(Utf8Prefix(message, end), kEllipsis, note);
}

}  // namespace

google::rpc::Status ToRpcStatus(const absl::Status& status) {
  google::rpc::Status out;
  out.set_code(static_cast<int>(status.code()));
  // ErrorInfo first: clients look for the reason before the field details.
  // Ours carries a reason and the domain only; cut anyway.
  if (std::optional<std::string> reason = GetErrorReason(status)) {
    google::rpc::ErrorInfo info;
    info.set_reason(BoundedText(*reason, kMaxViolationBytes));
    info.set_domain(BoundedText(kErrorDomain, kMaxViolationBytes));
    out.add_details()->PackFrom(info);
  }
  // Field violations in order, each cut, as many as fit.
  google::rpc::BadRequest bounded;
  int left_out = 0;
  if (std::optional<std::vector<FieldViolation>> violations = GetFieldViolations(status)) {
    size_t size = 0;
    for (const FieldViolation& v : *violations) {
      google::rpc::BadRequest::FieldViolation b;
      b.set_field(BoundedText(v.field, kMaxViolationBytes));
      b.set_description(BoundedText(v.description, kMaxViolationBytes));
      const size_t entry = b.ByteSizeLong() + 3;  // with its tag and length
      if (size + entry > kMaxBadRequestBytes) {
        left_out = static_cast<int>(violations->size()) - bounded.field_violations_size();
        break;
      }
      size += entry;
      *bounded.add_field_violations() = std::move(b);
    }
    if (bounded.field_violations_size() > 0) out.add_details()->PackFrom(bounded);
  }
  const std::string note =
      left_out == 0 ? "" : absl::StrCat(" (", left_out, " more field violations left out)");
  out.set_message(BoundMessage(BoundedText(status.message(), 4 * kMaxGrpcMessageBytes), note,
                               kMaxGrpcMessageBytes));
  return out;
}

}  // namespace pdp
