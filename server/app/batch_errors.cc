#include "server/app/batch_errors.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "base/errors.h"

namespace pdp {
namespace {

// Messages quoted in the combined message; the field violations carry all.
constexpr size_t kMessagesQuoted = 5;

}  // namespace

void BatchErrors::Add(absl::Status error) {
  if (error.ok() || full()) return;
  errors_.push_back(std::move(error));
}

absl::Status BatchErrors::ToStatus() const {
  if (errors_.empty()) return absl::OkStatus();
  if (errors_.size() == 1) return errors_.front();
  const absl::Status& first = errors_.front();
  std::string message(first.message());
  for (size_t i = 1; i < errors_.size() && i < kMessagesQuoted; ++i) {
    absl::StrAppend(&message, "; ", errors_[i].message());
  }
  if (errors_.size() > kMessagesQuoted) {
    absl::StrAppend(&message, "; ... (", errors_.size(), full() ? " or more" : "",
                    " errors; see the field violations)");
  }
  absl::Status out(first.code(), message);
  // The first error's payloads (its reason among them), then the field
  // violations of every error.
  first.ForEachPayload(
      [&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  std::vector<FieldViolation> all;
  for (const absl::Status& e : errors_) {
    if (std::optional<std::vector<FieldViolation>> violations = GetFieldViolations(e)) {
      for (FieldViolation& v : *violations) all.push_back(std::move(v));
    }
  }
  if (!all.empty()) out = WithFieldViolations(std::move(out), all);
  return out;
}

}  // namespace pdp
