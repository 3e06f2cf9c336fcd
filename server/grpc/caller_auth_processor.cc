#include "server/grpc/caller_auth_processor.h"

#include <optional>

#include "server/grpc/grpc_errors.h"
#include "server/log/refused_calls.h"

namespace pdp {
namespace {

std::optional<absl::string_view> Find(const grpc::AuthMetadataProcessor::InputMetadata& md,
                                      absl::string_view key) {
  auto it = md.find(grpc::string_ref(key.data(), key.size()));
  if (it == md.end()) return std::nullopt;
  return absl::string_view(it->second.data(), it->second.size());
}

}  // namespace

grpc::Status CallerAuthProcessor::Process(const InputMetadata& metadata,
                                          grpc::AuthContext* connection, OutputMetadata*,
                                          OutputMetadata*) {
  // Without a path the method is unknown, and AccessOf("") needs an admin.
  const absl::string_view path = Find(metadata, ":path").value_or("");
  // The header is left in place (not "consumed"): handlers identify the
  // caller again from it for scopes, actors and the audit log.
  absl::Status admitted = authenticator_->Admit(path, metadata, *connection);
  if (admitted.ok()) return grpc::Status::OK;
  // No handler will see this call: count it here (the path mapped to a
  // known method, or "unknown").
  if (metrics_ != nullptr) {
    metrics_->RecordRefusedRpc(metrics_->MethodId(path), static_cast<int>(admitted.code()));
  }
  // The call never reaches a handler (or an interceptor): said here.
  LogRefusedCall(path, admitted, "");
  // Only the code and message cross this boundary (gRPC drops details here).
  return ToGrpcStatus(admitted);
}

}  // namespace pdp
