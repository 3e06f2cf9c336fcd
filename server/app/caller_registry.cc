#include "server/app/caller_registry.h"

#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/errors.h"
#include "base/strings.h"
#include "engine/model/organization_state.h"
#include "server/store/sha256.h"
#include "yaml-cpp/yaml.h"

namespace pdp {
namespace {

constexpr size_t kMaxIdentityBytes = 512;

absl::Status FileError(absl::string_view source, absl::string_view where, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", where, what));
}

bool IsCallerName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxCallerNameBytes) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' &&
        c != '@' && c != ':' && c != '/') {
      return false;
    }
  }
  return true;
}

bool IsLowerHex(absl::string_view s, size_t size) {
  if (s.size() != size) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

absl::Status Unauthenticated(absl::string_view message, absl::string_view reason) {
  return WithReason(absl::UnauthenticatedError(message), reason);
}

// A YAML sequence of scalars (a single scalar is refused: "accounts: 1111…"
// is far more likely a mistake than a list of one).
absl::StatusOr<std::vector<std::string>> Strings(const YAML::Node& node, absl::string_view source,
                                                 absl::string_view where) {
  if (!node.IsSequence()) return FileError(source, where, " must be a list");
  std::vector<std::string> out;
  for (const YAML::Node& item : node) {
    if (!item.IsScalar()) return FileError(source, where, " must be a list of strings");
    out.push_back(item.Scalar());
  }
  return out;
}

absl::StatusOr<Role> ParseRole(absl::string_view text) {
  if (text == "reader") return Role::kReader;
  if (text == "controller") return Role::kController;
  if (text == "admin") return Role::kAdmin;
  return absl::InvalidArgumentError("must be reader, controller or admin");
}

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kNone:
      return "none";
    case Role::kReader:
      return "reader";
    case Role::kController:
      return "controller";
    case Role::kAdmin:
      return "admin";
  }
  return "none";
}

std::string TokenSha256Hex(absl::string_view token) {
  return absl::BytesToHexString(Sha256(token));
}

absl::StatusOr<CallerRegistry> CallerRegistry::Parse(absl::string_view yaml,
                                                     absl::string_view source) {
  if (yaml.size() > kMaxCallersFileBytes) {
    return FileError(source, "", absl::StrCat("is larger than ", kMaxCallersFileBytes, " bytes"));
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return FileError(source, "", absl::StrCat("is not YAML: ", e.what()));
  }
  if (!root.IsMap()) return FileError(source, "", "must be a map with the key \"callers\"");
  int callers_keys = 0;
  for (const auto& kv : root) {
    if (kv.first.Scalar() != "callers") {
      return FileError(source, "", absl::StrCat("unknown key ", QuoteInput(kv.first.Scalar())));
    }
    ++callers_keys;
  }
  if (callers_keys > 1) return FileError(source, "", "has the key \"callers\" twice");
  const YAML::Node list = root["callers"];
  if (!list || !list.IsSequence()) return FileError(source, "callers", " must be a list");
  if (list.size() > kMaxCallers) {
    return FileError(source, "callers", absl::StrCat(" lists more than ", kMaxCallers));
  }
  CallerRegistry registry;
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node entry = list[i];
    const std::string where = absl::StrCat("callers[", i, "]");
    if (!entry.IsMap()) return FileError(source, where, " must be a map");
    Caller caller;
    std::optional<std::string> token_sha256, tls_identity;
    bool has_role = false, has_scope = false, has_actors = false;
    std::set<std::string> keys;
    for (const auto& kv : entry) {
      const std::string key = kv.first.Scalar();
      const std::string at = absl::StrCat(where, ".", key);
      // YAML lets a later duplicate win silently ("role: reader" then
      // "role: admin"): refused, as any other ambiguity.
      if (!keys.insert(key).second) return FileError(source, at, " is given twice");
      const YAML::Node& value = kv.second;
      if (key == "name" || key == "role" || key == "token_sha256" || key == "tls_identity" ||
          key == "simulate_time") {
        if (!value.IsScalar()) return FileError(source, at, " must be a string");
      }
      if (key == "name") {
        if (!IsCallerName(value.Scalar())) {
          return FileError(source, at,
                           absl::StrCat(" must be 1 to ", kMaxCallerNameBytes,
                                        " of letters, digits and - _ . @ : /"));
        }
        caller.name = value.Scalar();
      } else if (key == "role") {
        absl::StatusOr<Role> role = ParseRole(value.Scalar());
        if (!role.ok()) return FileError(source, at, absl::StrCat(" ", role.status().message()));
        caller.role = *role;
        has_role = true;
      } else if (key == "token_sha256") {
        std::string hex = absl::AsciiStrToLower(value.Scalar());
        if (!IsLowerHex(hex, 64)) {
          return FileError(source, at,
                           " must be the token's SHA-256 as 64 hex digits "
                           "(printf %s \"$TOKEN\" | sha256sum)");
        }
        token_sha256 = std::move(hex);
      } else if (key == "tls_identity") {
        if (value.Scalar().empty() || value.Scalar().size() > kMaxIdentityBytes) {
          return FileError(source, at,
                           absl::StrCat(" must be 1 to ", kMaxIdentityBytes,
                                        " characters: a subject alternative name or the "
                                        "common name of the client certificate"));
        }
        tls_identity = value.Scalar();
      } else if (key == "accounts" || key == "organizations") {
        absl::StatusOr<std::vector<std::string>> ids = Strings(value, source, at);
        if (!ids.ok()) return ids.status();
        for (size_t j = 0; j < ids->size(); ++j) {
          const std::string& id = (*ids)[j];
          const bool ok = key == "accounts" ? IsAccountId(id) : IsOrganizationId(id);
          if (!ok) {
            return FileError(source, absl::StrCat(at, "[", j, "]"),
                             key == "accounts" ? " must be a 12-digit account id (quoted)"
                                               : " must be an organization id, o-…");
          }
          (key == "accounts" ? caller.scope.accounts : caller.scope.organizations).insert(id);
        }
        has_scope = true;
      } else if (key == "actors") {
        absl::StatusOr<std::vector<std::string>> kinds = Strings(value, source, at);
        if (!kinds.ok()) return kinds.status();
        for (size_t j = 0; j < kinds->size(); ++j) {
          if ((*kinds)[j] == "root") {
            caller.scope.root_actors = true;
          } else if ((*kinds)[j] == "iam") {
            caller.scope.iam_actors = true;
          } else {
            return FileError(source, absl::StrCat(at, "[", j, "]"),
                             " must be root (the accounts' root users) or iam (their IAM "
                             "principals)");
          }
        }
        has_actors = true;
      } else if (key == "simulate_time") {
        if (value.Scalar() != "true" && value.Scalar() != "false") {
          return FileError(source, at, " must be true or false");
        }
        caller.may_simulate_time = value.Scalar() == "true";
      } else {
        return FileError(source, where, absl::StrCat(": unknown key ", QuoteInput(key)));
      }
    }
    if (caller.name.empty()) return FileError(source, where, ": name is required");
    if (!has_role) return FileError(source, where, ": role is required");
    if (!token_sha256 && !tls_identity) {
      return FileError(source, where, ": give token_sha256, tls_identity or both");
    }
    if (caller.role == Role::kController) {
      if (caller.scope.accounts.empty() && caller.scope.organizations.empty()) {
        return FileError(source, where,
                         ": a controller needs accounts or organizations (what it may write)");
      }
    } else if (has_scope || has_actors) {
      return FileError(source, where,
                       ": only controllers have accounts, organizations and actors (a reader "
                       "writes nothing; an admin may write anything)");
    }
    absl::Status added = registry.Add(std::move(caller), token_sha256, tls_identity,
                                      absl::StrCat(source, ": ", where));
    if (!added.ok()) return added;
  }
  return registry;
}

absl::Status CallerRegistry::AddAdminToken(absl::string_view token) {
  if (token.size() < 16) {
    return absl::InvalidArgumentError("the admin token must be at least 16 characters");
  }
  Caller admin;
  admin.name = "admin";
  admin.role = Role::kAdmin;
  return Add(std::move(admin), TokenSha256Hex(token), std::nullopt, "--admin-token-file");
}

absl::Status CallerRegistry::Add(Caller caller, std::optional<std::string> token_sha256,
                                 std::optional<std::string> tls_identity, absl::string_view where) {
  if (by_name_.contains(caller.name)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": a caller named ", QuoteInput(caller.name), " is listed already"));
  }
  if (token_sha256 && by_token_sha256_.contains(*token_sha256)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": the same token as caller ",
                     QuoteInput(callers_[by_token_sha256_[*token_sha256]].name)));
  }
  if (tls_identity && by_tls_identity_.contains(*tls_identity)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": the same tls_identity as caller ",
                     QuoteInput(callers_[by_tls_identity_[*tls_identity]].name)));
  }
  const size_t index = callers_.size();
  by_name_[caller.name] = index;
  if (token_sha256) by_token_sha256_[*token_sha256] = index;
  if (tls_identity) by_tls_identity_[*tls_identity] = index;
  callers_.push_back(std::move(caller));
  return absl::OkStatus();
}

absl::StatusOr<Caller> CallerRegistry::Identify(const CallCredentials& credentials) const {
  std::optional<size_t> by_token, by_certificate;
  if (credentials.authorization.has_value()) {
    // The scheme is case-insensitive (RFC 7235); the token is not.
    constexpr absl::string_view kBearer = "Bearer ";
    absl::string_view header = *credentials.authorization;
    if (!absl::StartsWithIgnoreCase(header, kBearer) || header.size() == kBearer.size()) {
      return Unauthenticated("the authorization header must be \"Bearer <token>\"",
                             "BAD_CREDENTIALS");
    }
    // Looked up by its hash: the comparison never touches the token itself,
    // so its time says nothing about the token.
    auto it = by_token_sha256_.find(TokenSha256Hex(header.substr(kBearer.size())));
    if (it == by_token_sha256_.end()) {
      return Unauthenticated("the bearer token is not one of a known caller", "BAD_CREDENTIALS");
    }
    by_token = it->second;
  }
  std::string unknown_certificate;
  for (const std::string& identity : credentials.certificate_identities) {
    auto it = by_tls_identity_.find(identity);
    if (it != by_tls_identity_.end()) {
      by_certificate = it->second;
      break;
    }
  }
  if (!by_certificate && !credentials.certificate_identities.empty()) {
    unknown_certificate = credentials.certificate_identities.front();
  }
  if (by_token && by_certificate && *by_token != *by_certificate) {
    return Unauthenticated(
        absl::StrCat("the bearer token is caller ", QuoteInput(callers_[*by_token].name),
                     " but the client certificate is caller ",
                     QuoteInput(callers_[*by_certificate].name)),
        "CREDENTIALS_DISAGREE");
  }
  if (!by_token && !by_certificate) {
    Caller anonymous;
    anonymous.name = "anonymous";
    anonymous.unknown_certificate = BoundedText(unknown_certificate, kMaxIdentityBytes);
    return anonymous;
  }
  Caller caller = callers_[by_token ? *by_token : *by_certificate];
  caller.credential = by_token && by_certificate ? "token+certificate"
                      : by_token                 ? "token"
                                                 : "certificate";
  return caller;
}

}  // namespace pdp
