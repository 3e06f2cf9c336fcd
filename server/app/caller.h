// Who is calling: a named caller from the callers file (by bearer token or
// TLS client certificate), anonymous, or the local developer of a server
// with no callers configured. Plain values; copy freely.
#ifndef PDP_SERVER_APP_CALLER_H_
#define PDP_SERVER_APP_CALLER_H_

#include <set>
#include <string>

#include "absl/strings/string_view.h"

namespace pdp {

// What a caller may do, each role including the ones before it:
//   kNone        anonymous (or an unknown client certificate): the decision
//                methods only, and only without --require-auth;
//   kReader      the data plane (AuthorizationService, questions included);
//   kController  plus AdminService reads and writes within its scope;
//   kAdmin       everything, on behalf of anyone.
enum class Role { kNone = 0, kReader = 1, kController = 2, kAdmin = 3 };

// "none", "reader", "controller", "admin".
absl::string_view RoleName(Role role);

// Which accounts a controller may write, and on whose behalf it may speak
// (the `actor` of a settings change).
struct CallerScope {
  // Every account listed, and every account of every organization listed
  // (as it stands when the write is made), together with the
  // organizations' own objects (OUs, SCPs, membership).
  std::set<std::string> accounts;
  std::set<std::string> organizations;
  // Actors it may name, within those accounts: their root users, and their
  // IAM principals (users, roles, sessions).
  bool root_actors = false;
  bool iam_actors = false;
};

struct Caller {
  // The callers-file name ("anonymous" when unauthenticated, "local" for
  // the developer of a server with no callers configured).
  std::string name;
  Role role = Role::kNone;
  CallerScope scope;  // for kController; kAdmin's is everything
  // May set aws:CurrentTime / aws:EpochTime on decisions (simulating
  // another moment); everyone may in WhatIf and Explain.
  bool may_simulate_time = false;
  // How it proved who it is: "token", "certificate", "token+certificate",
  // or "" when it did not.
  std::string credential;
  // Set for an anonymous caller whose client certificate named no caller:
  // the certificate's identity, said in refusals.
  std::string unknown_certificate;
};

}  // namespace pdp

#endif  // PDP_SERVER_APP_CALLER_H_
