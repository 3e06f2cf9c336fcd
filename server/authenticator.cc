#include "server/authenticator.h"

#include <vector>

#include "server/method_access.h"

namespace pdp {
namespace {

// What a verified client certificate says of its holder: every subject
// alternative name, the common name and the whole subject. Empty for a
// connection without one (plaintext, local, or TLS without a client
// certificate).
std::vector<std::string> CertificateIdentities(const grpc::AuthContext& connection) {
  std::vector<std::string> out;
  for (const char* property :
       {"x509_subject_alternative_name", "x509_common_name", "x509_subject"}) {
    for (const grpc::string_ref& value : connection.FindPropertyValues(property)) {
      out.emplace_back(value.data(), value.size());
    }
  }
  return out;
}

}  // namespace

Caller LocalDeveloper() {
  Caller local;
  local.name = "local";
  local.role = Role::kAdmin;
  local.may_simulate_time = true;
  return local;
}

absl::StatusOr<Caller> Authenticator::Identify(std::optional<absl::string_view> authorization,
                                               const grpc::AuthContext& connection) const {
  if (!enabled()) return LocalDeveloper();
  return registry_.Identify({authorization, CertificateIdentities(connection)});
}

absl::StatusOr<Caller> Authenticator::Identify(const grpc::ServerContext& ctx) const {
  if (!enabled()) return LocalDeveloper();
  std::optional<absl::string_view> authorization;
  const auto& md = ctx.client_metadata();
  auto it = md.find("authorization");
  if (it != md.end()) authorization = absl::string_view(it->second.data(), it->second.size());
  std::shared_ptr<const grpc::AuthContext> connection = ctx.auth_context();
  if (connection == nullptr) return registry_.Identify({authorization, {}});
  return Identify(authorization, *connection);
}

absl::Status Authenticator::Admit(absl::string_view path,
                                  std::optional<absl::string_view> authorization,
                                  const grpc::AuthContext& connection) const {
  if (!enabled()) return absl::OkStatus();
  // The hot path: a decision without credentials needs no caller (a call
  // that sends a token still has it checked, so a bad one is refused).
  if (!authorization.has_value()) {
    const MethodAccess access = AccessOf(path);
    if (access == MethodAccess::kOpen || (access == MethodAccess::kDecision && !require_auth_)) {
      return absl::OkStatus();
    }
  }
  absl::StatusOr<Caller> caller = Identify(authorization, connection);
  if (!caller.ok()) return caller.status();
  return CheckMethodAccess(*caller, path, require_auth_);
}

}  // namespace pdp
