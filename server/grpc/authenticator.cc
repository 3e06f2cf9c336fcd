#include "server/grpc/authenticator.h"

#include <iterator>
#include <vector>

#include "base/errors.h"
#include "server/grpc/method_access.h"

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

absl::StatusOr<Caller> Authenticator::Identify(const Metadata& metadata,
                                               const grpc::AuthContext* connection) const {
  if (!enabled()) return LocalDeveloper();
  std::optional<absl::string_view> authorization;
  auto [first, last] = metadata.equal_range("authorization");
  if (first != last) {
    if (std::next(first) != last) {
      return WithReason(
          absl::UnauthenticatedError("the authorization header is sent more than once; send one"),
          "BAD_CREDENTIALS");
    }
    authorization = absl::string_view(first->second.data(), first->second.size());
  }
  return registry_.Identify({authorization, connection == nullptr
                                                ? std::vector<std::string>()
                                                : CertificateIdentities(*connection)});
}

absl::StatusOr<Caller> Authenticator::Identify(const grpc::ServerContext& ctx) const {
  std::shared_ptr<const grpc::AuthContext> connection = ctx.auth_context();
  return Identify(ctx.client_metadata(), connection.get());
}

absl::Status Authenticator::Admit(absl::string_view path, const Metadata& metadata,
                                  const grpc::AuthContext& connection) const {
  if (!enabled()) return absl::OkStatus();
  // The hot path: a method anyone may call needs no caller, unless the call
  // sends credentials (a bad token is refused wherever it is sent).
  if (NeededRole(path, require_auth_) == Role::kNone && metadata.count("authorization") == 0) {
    return absl::OkStatus();
  }
  absl::StatusOr<Caller> caller = Identify(metadata, &connection);
  if (!caller.ok()) return caller.status();
  return CheckMethodAccess(*caller, path, require_auth_);
}

}  // namespace pdp
