#include "server/admin_auth.h"

#include "common/base/errors.h"

namespace pdp {
namespace {

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |=
        static_cast<unsigned char>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]) | (b.empty() ? 1 : 0);
  }
  return diff == 0;
}

}  // namespace

absl::Status AdminAuth::Check(const grpc::ServerContext& ctx) const {
  if (!enabled()) return absl::OkStatus();
  const auto& md = ctx.client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) {
    return WithReason(absl::UnauthenticatedError(
                          "AdminService calls need the header \"authorization: Bearer <token>\""),
                      "MISSING_CREDENTIALS");
  }
  absl::string_view value(it->second.data(), it->second.size());
  constexpr absl::string_view kPrefix = "Bearer ";
  if (value.substr(0, kPrefix.size()) != kPrefix ||
      !ConstantTimeEquals(value.substr(kPrefix.size()), token_)) {
    return WithReason(absl::UnauthenticatedError("the admin token is not valid"),
                      "BAD_CREDENTIALS");
  }
  return absl::OkStatus();
}

}  // namespace pdp
