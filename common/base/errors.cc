#include "common/base/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace pdp {
namespace {

void SetBadRequest(absl::Status& status, const google::rpc::BadRequest& br) {
  status.SetPayload(kBadRequestUrl, absl::Cord(br.SerializeAsString()));
}

std::string JoinFieldPath(absl::string_view parent, absl::string_view child) {
  if (child.empty()) return std::string(parent);
  if (parent.empty() || child.front() == '[') return absl::StrCat(parent, child);
  return absl::StrCat(parent, ".", child);
}

}  // namespace

absl::Status FieldError(absl::string_view field, absl::string_view description,
                        absl::StatusCode code) {
  absl::Status status(code, absl::StrCat(field, ": ", description));
  google::rpc::BadRequest br;
  auto* v = br.add_field_violations();
  v->set_field(std::string(field));
  v->set_description(std::string(description));
  SetBadRequest(status, br);
  return status;
}

absl::Status AtField(absl::string_view field, const absl::Status& status) {
  if (status.ok()) return status;
  google::rpc::BadRequest br;
  if (GetBadRequest(status, &br)) {
    // Nest the lower layer's paths under `field`: "" (the value itself)
    // becomes `field`, "[i]" attaches without a dot, anything else after one.
    absl::string_view message = status.message();
    std::string first = br.field_violations_size() > 0 ? br.field_violations(0).field() : "";
    std::string out_message =
        absl::StartsWith(message, absl::StrCat(first, ":"))
            ? absl::StrCat(JoinFieldPath(field, first), message.substr(first.size()))
            : absl::StrCat(field, ": ", message);
    for (auto& v : *br.mutable_field_violations()) v.set_field(JoinFieldPath(field, v.field()));
    absl::Status out(status.code(), out_message);
    status.ForEachPayload(
        [&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
    SetBadRequest(out, br);
    return out;
  }
  absl::Status out = FieldError(field, status.message(), status.code());
  std::string reason = ErrorReason(status);
  return reason.empty() ? out : WithReason(out, reason);
}

absl::Status PrefixFieldPaths(absl::string_view prefix, const absl::Status& status) {
  if (status.ok()) return status;
  google::rpc::BadRequest br;
  if (!GetBadRequest(status, &br)) return status;
  for (auto& v : *br.mutable_field_violations()) {
    v.set_field(absl::StrCat(prefix, v.field()));
  }
  absl::Status out(status.code(), absl::StrCat(prefix, status.message()));
  status.ForEachPayload(
      [&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  SetBadRequest(out, br);
  return out;
}

absl::Status WithReason(absl::Status status, absl::string_view reason) {
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  status.SetPayload(kErrorInfoUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

std::string ErrorReason(const absl::Status& status) {
  auto payload = status.GetPayload(kErrorInfoUrl);
  if (!payload) return "";
  google::rpc::ErrorInfo info;
  if (!info.ParseFromString(std::string(*payload))) return "";
  return info.reason();
}

bool GetBadRequest(const absl::Status& status, google::rpc::BadRequest* out) {
  auto payload = status.GetPayload(kBadRequestUrl);
  return payload && out->ParseFromString(std::string(*payload));
}

}  // namespace pdp
