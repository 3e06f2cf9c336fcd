// Parsing and validation of the IAM and STS ARNs billing-pdp deals with.
//
//   arn:aws:iam::123456789012:root
//   arn:aws:iam::123456789012:user/path/name      (also group/, role/)
//   arn:aws:iam::123456789012:policy/path/name    (account "aws" for AWS managed)
//   arn:aws:sts::123456789012:assumed-role/RoleName/session
//
// Partitions aws, aws-cn and aws-us-gov are accepted. Names follow IAM's
// rules ([\w+=,.@-], user and role up to 64, group and policy up to 128);
// paths start and end with '/', at most 512 characters of \x21-\x7E.
#ifndef PDP_BASE_ARN_H_
#define PDP_BASE_ARN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pdp {

enum class IamArnKind { kRoot, kUser, kGroup, kRole, kAssumedRole, kPolicy };

struct IamArn {
  IamArnKind kind = IamArnKind::kRoot;
  std::string partition;
  std::string account;  // 12 digits, or "aws" for AWS managed policies
  std::string path;     // "/" when absent; empty for root and assumed-role
  std::string name;     // user/group/role/policy name; role for assumed-role
  std::string session;  // assumed-role only

  // The canonical ARN text.
  std::string ToString() const;
};

// Parses any of the forms above. INVALID_ARGUMENT with a message that says
// what is wrong (not which field: callers add the field path).
absl::StatusOr<IamArn> ParseIamArn(absl::string_view arn);

// Parses and requires one of the principal kinds (root, user, role,
// assumed-role).
absl::StatusOr<IamArn> ParsePrincipalArn(absl::string_view arn);

// Parses and requires `kind`.
absl::StatusOr<IamArn> ParseIamArnOfKind(absl::string_view arn, IamArnKind kind);

// The root user's ARN of an account.
std::string RootArn(absl::string_view account_id);

// "user", "group", ... as used in ARNs and messages.
absl::string_view IamArnKindName(IamArnKind kind);

// IAM name rules (exposed for validation of group names given alone).
bool IsValidIamName(absl::string_view name, size_t max_len);

}  // namespace pdp

#endif  // PDP_BASE_ARN_H_
