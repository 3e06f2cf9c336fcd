// The callers a server knows (its --callers-file, and the single admin of a
// legacy --admin-token-file), and who a call's credentials make it.
//
// The callers file (YAML; README "Callers and roles"):
//
//   callers:
//     - name: org-controller            # said in errors and in the audit log
//       role: controller                # reader | controller | admin
//       token_sha256: 9f86d0…           # hex SHA-256 of its bearer token
//       tls_identity: spiffe://example.org/org-controller  # a SAN or the CN
//       organizations: [o-exampleorg1]  # controllers: what they may write
//       accounts: ["111111111111"]
//       actors: [root, iam]             # on whose behalf they may speak
//       simulate_time: false            # may set aws:CurrentTime on decisions
//
// Each caller has a token, a certificate identity, or both. Tokens are kept
// only as hashes: the file holds no secret. Anything unknown or malformed
// (a misspelt key, a role that does not exist, a duplicate token) refuses
// the whole file: a typo must never widen or silently drop a permission.
//
// Immutable once built; thread-safe.
#ifndef PDP_SERVER_APP_CALLER_REGISTRY_H_
#define PDP_SERVER_APP_CALLER_REGISTRY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/app/caller.h"

namespace pdp {

// The most callers a file may list, and its largest size.
inline constexpr size_t kMaxCallers = 10000;
inline constexpr size_t kMaxCallersFileBytes = 4 << 20;
// The longest caller name.
inline constexpr size_t kMaxCallerNameBytes = 64;

// What a call presented.
struct CallCredentials {
  // The "authorization" header, when the call sent one.
  std::optional<absl::string_view> authorization;
  // The verified client certificate's subject alternative names, common
  // name and subject (empty without one).
  std::vector<std::string> certificate_identities;
};

class CallerRegistry {
 public:
  CallerRegistry() = default;

  // Parses a callers file's text; INVALID_ARGUMENT naming `source`, the
  // caller's index and the key when anything is wrong.
  static absl::StatusOr<CallerRegistry> Parse(absl::string_view yaml, absl::string_view source);

  // Adds the admin of a legacy --admin-token-file, named "admin".
  // INVALID_ARGUMENT when the token is shorter than 16 characters, or the
  // name or token is already taken.
  absl::Status AddAdminToken(absl::string_view token);

  bool empty() const { return callers_.empty(); }
  size_t size() const { return callers_.size(); }

  // Who presented `credentials`:
  //   - a bearer token names its caller; a header that is not
  //     "Bearer <token>" (the scheme in any case), or a token no caller
  //     has, is UNAUTHENTICATED
  //     (reason BAD_CREDENTIALS): never anonymous;
  //   - otherwise a certificate identity that a caller lists names it;
  //   - a token and a certificate naming different callers is
  //     UNAUTHENTICATED (CREDENTIALS_DISAGREE);
  //   - nothing (or a certificate no caller lists) is anonymous, Role::kNone.
  absl::StatusOr<Caller> Identify(const CallCredentials& credentials) const;

 private:
  absl::Status Add(Caller caller, std::optional<std::string> token_sha256,
                   std::optional<std::string> tls_identity, absl::string_view where);

  std::vector<Caller> callers_;
  absl::flat_hash_map<std::string, size_t> by_name_;
  absl::flat_hash_map<std::string, size_t> by_token_sha256_;  // lower-case hex
  absl::flat_hash_map<std::string, size_t> by_tls_identity_;
};

// The hex SHA-256 a callers file lists for `token`.
std::string TokenSha256Hex(absl::string_view token);

}  // namespace pdp

#endif  // PDP_SERVER_APP_CALLER_REGISTRY_H_
