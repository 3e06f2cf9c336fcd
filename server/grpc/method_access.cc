#include "server/grpc/method_access.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/errors.h"

namespace pdp {
namespace {

struct Entry {
  absl::string_view path;  // a full method path, or a service prefix ending in '/'
  MethodAccess access;
};

constexpr absl::string_view kAuthz = "/pdp.v1.AuthorizationService/";
constexpr absl::string_view kAdmin = "/pdp.v1.AdminService/";

// AdminService methods a controller may call; the others (Watch, the audit
// log) show every account's changes and are an admin's.
// clang-format off
constexpr absl::string_view kControllerMethods[] = {
    "CreateAccount",
    "GetAccount",
    "ListAccounts",
    "UpdateAccount",
    "DeleteAccount",
    "UpdateAccountSettings",
    "CreateUser",
    "GetUser",
    "ListUsers",
    "UpdateUser",
    "DeleteUser",
    "CreateGroup",
    "GetGroup",
    "ListGroups",
    "UpdateGroup",
    "DeleteGroup",
    "CreateRole",
    "GetRole",
    "ListRoles",
    "UpdateRole",
    "DeleteRole",
    "PutRoleSession",
    "GetRoleSession",
    "ListRoleSessions",
    "DeleteRoleSession",
    "CreatePolicy",
    "GetPolicy",
    "ListPolicies",
    "UpdatePolicy",
    "DeletePolicy",
    "CreatePolicyVersion",
    "GetPolicyVersion",
    "ListPolicyVersions",
    "SetDefaultPolicyVersion",
    "DeletePolicyVersion",
    "PutInlinePolicy",
    "GetInlinePolicy",
    "ListInlinePolicies",
    "DeleteInlinePolicy",
    "AttachPolicy",
    "DetachPolicy",
    "AddUserToGroup",
    "RemoveUserFromGroup",
    "ValidatePolicy",
    "GetOrganization",
    "ListOrganizations",
    "ApplyChanges",
};
// clang-format on

Role NeededFor(MethodAccess access, bool require_auth) {
  switch (access) {
    case MethodAccess::kOpen:
      return Role::kNone;
    case MethodAccess::kDecision:
      return require_auth ? Role::kReader : Role::kNone;
    case MethodAccess::kReader:
      return Role::kReader;
    case MethodAccess::kController:
      return Role::kController;
    case MethodAccess::kAdmin:
      return Role::kAdmin;
  }
  return Role::kAdmin;
}

}  // namespace

Role NeededRole(absl::string_view path, bool require_auth) {
  return NeededFor(AccessOf(path), require_auth);
}

MethodAccess AccessOf(absl::string_view path) {
  if (absl::StartsWith(path, "/grpc.health.v1.Health/") ||
      absl::StartsWith(path, "/grpc.reflection.v1alpha.ServerReflection/") ||
      absl::StartsWith(path, "/grpc.reflection.v1.ServerReflection/")) {
    return MethodAccess::kOpen;
  }
  if (absl::ConsumePrefix(&path, kAuthz)) {
    if (path == "Authorize" || path == "BatchAuthorize" || path == "ListPages") {
      return MethodAccess::kDecision;
    }
    if (path == "Explain" || path == "ListAccessiblePages" || path == "WhoCan" ||
        path == "WhatIf" || path == "AccessMatrix") {
      return MethodAccess::kReader;
    }
    return MethodAccess::kAdmin;
  }
  if (absl::ConsumePrefix(&path, kAdmin)) {
    for (absl::string_view method : kControllerMethods) {
      if (path == method) return MethodAccess::kController;
    }
  }
  return MethodAccess::kAdmin;
}

absl::Status CheckMethodAccess(const Caller& caller, absl::string_view path, bool require_auth) {
  const Role needed = NeededRole(path, require_auth);
  if (caller.role >= needed) return absl::OkStatus();
  const std::string method = ShortInput(path);
  if (caller.role == Role::kNone) {
    return WithReason(
        absl::UnauthenticatedError(absl::StrCat(
            method, " needs an authenticated caller with the role ", RoleName(needed),
            " or higher (a bearer token or a client certificate listed in the callers file)",
            caller.unknown_certificate.empty()
                ? ""
                : absl::StrCat("; the client certificate ", QuoteInput(caller.unknown_certificate),
                               " names no caller"))),
        "MISSING_CREDENTIALS");
  }
  return WithReason(absl::PermissionDeniedError(absl::StrCat(
                        "caller ", QuoteInput(caller.name), " has the role ", RoleName(caller.role),
                        "; ", method, " needs ", RoleName(needed))),
                    "ROLE_TOO_LOW");
}

}  // namespace pdp
