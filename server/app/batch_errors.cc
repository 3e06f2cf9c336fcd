#include "server/app/batch_errors.h"

#include <string>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "common/base/errors.h"

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
  // The first error's payloads (its ErrorInfo reason among them), then one
  // BadRequest listing every error's violations.
  first.ForEachPayload(
      [&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  google::rpc::BadRequest all;
  for (const absl::Status& e : errors_) {
    google::rpc::BadRequest br;
    if (GetBadRequest(e, &br)) {
      for (auto& v : *br.mutable_field_violations()) *all.add_field_violations() = std::move(v);
    }
  }
  if (all.field_violations_size() > 0) {
    out.SetPayload(kBadRequestUrl, absl::Cord(all.SerializeAsString()));
  }
  return out;
}

}  // namespace pdp
