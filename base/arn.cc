#include "base/arn.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/errors.h"
#include "base/strings.h"

namespace pdp {
namespace {

absl::Status Bad(absl::string_view arn, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("malformed ARN ", QuoteInput(arn), ": ", why));
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '-';
}

bool IsValidPath(absl::string_view path) {
  if (path.empty() || path.size() > 512) return false;
  if (path.front() != '/' || path.back() != '/') return false;
  for (char c : path) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

bool IsSessionChar(char c) { return IsNameChar(c); }

}  // namespace

bool IsValidIamName(absl::string_view name, size_t max_len) {
  if (name.empty() || name.size() > max_len) return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

absl::string_view IamArnKindName(IamArnKind kind) {
  switch (kind) {
    case IamArnKind::kRoot:
      return "root";
    case IamArnKind::kUser:
      return "user";
    case IamArnKind::kGroup:
      return "group";
    case IamArnKind::kRole:
      return "role";
    case IamArnKind::kAssumedRole:
      return "assumed-role";
    case IamArnKind::kPolicy:
      return "policy";
  }
  return "?";
}

std::string RootArn(absl::string_view account_id) {
  return absl::StrCat("arn:aws:iam::", account_id, ":root");
}

std::string IamArn::ToString() const {
  switch (kind) {
    case IamArnKind::kRoot:
      return absl::StrCat("arn:", partition, ":iam::", account, ":root");
    case IamArnKind::kAssumedRole:
      return absl::StrCat("arn:", partition, ":sts::", account, ":assumed-role/", name, "/",
                          session);
    default:
      return absl::StrCat("arn:", partition, ":iam::", account, ":", IamArnKindName(kind), path,
                          name);
  }
}

absl::StatusOr<IamArn> ParseIamArn(absl::string_view arn) {
  if (arn.empty()) return absl::InvalidArgumentError("ARN is empty");
  if (arn.size() > 2048) return Bad(arn, "longer than 2048");
  // The six colon-separated parts, the last keeping its colons; split by
  // hand because this runs on every request (no vector to allocate).
  size_t colons[5];
  size_t count = 0;
  for (size_t i = 0; i < arn.size() && count < 5; ++i) {
    if (arn[i] == ':') colons[count++] = i;
  }
  if (count != 5 || arn.substr(0, colons[0]) != "arn") {
    return Bad(arn, "expected arn:partition:service:region:account:resource");
  }
  absl::string_view parts[6];
  for (size_t k = 1; k < 5; ++k) {
    parts[k] = arn.substr(colons[k - 1] + 1, colons[k] - colons[k - 1] - 1);
  }
  parts[5] = arn.substr(colons[4] + 1);
  IamArn out;
  out.partition = std::string(parts[1]);
  if (out.partition != "aws" && out.partition != "aws-cn" && out.partition != "aws-us-gov") {
    return Bad(arn, "unknown partition");
  }
  if (!parts[3].empty()) return Bad(arn, "IAM and STS ARNs have no region");
  absl::string_view service = parts[2], account = parts[4], res = parts[5];
  out.account = std::string(account);
  if (service == "sts") {
    if (!IsAccountId(account)) return Bad(arn, "account must be 12 digits");
    if (!absl::ConsumePrefix(&res, "assumed-role/")) {
      return Bad(arn, "STS principals must be assumed-role/ROLE/SESSION");
    }
    size_t slash = res.find('/');
    if (slash == absl::string_view::npos) {
      return Bad(arn, "assumed-role needs ROLE/SESSION");
    }
    absl::string_view role = res.substr(0, slash), session = res.substr(slash + 1);
    if (!IsValidIamName(role, 64)) return Bad(arn, "invalid role name");
    if (session.size() < 2 || session.size() > 64) {
      return Bad(arn, "session name must be 2 to 64 characters");
    }
    for (char c : session) {
      if (!IsSessionChar(c)) return Bad(arn, "invalid session name");
    }
    out.kind = IamArnKind::kAssumedRole;
    out.name = std::string(role);
    out.session = std::string(session);
    return out;
  }
  if (service != "iam") return Bad(arn, "service must be iam or sts");
  if (res == "root") {
    if (!IsAccountId(account)) return Bad(arn, "account must be 12 digits");
    out.kind = IamArnKind::kRoot;
    return out;
  }
  size_t slash = res.find('/');
  if (slash == absl::string_view::npos) {
    return Bad(arn, "expected root, user/, group/, role/ or policy/");
  }
  absl::string_view type = res.substr(0, slash);
  absl::string_view rest = res.substr(slash);  // starts with '/'
  size_t max_len = 64;
  if (type == "user") {
    out.kind = IamArnKind::kUser;
  } else if (type == "group") {
    out.kind = IamArnKind::kGroup;
    max_len = 128;
  } else if (type == "role") {
    out.kind = IamArnKind::kRole;
  } else if (type == "policy") {
    out.kind = IamArnKind::kPolicy;
    max_len = 128;
  } else {
    return Bad(arn, "expected root, user/, group/, role/ or policy/");
  }
  if (out.kind == IamArnKind::kPolicy && account == "aws") {
    // AWS managed policy.
  } else if (!IsAccountId(account)) {
    return Bad(arn, "account must be 12 digits");
  }
  size_t last = rest.rfind('/');
  absl::string_view path = rest.substr(0, last + 1), name = rest.substr(last + 1);
  if (!IsValidPath(path)) return Bad(arn, "invalid path");
  if (!IsValidIamName(name, max_len)) {
    return Bad(arn, absl::StrCat("invalid ", type, " name (1 to ", max_len,
                                 " of letters, digits and +=,.@_-)"));
  }
  out.path = std::string(path);
  out.name = std::string(name);
  return out;
}

absl::StatusOr<IamArn> ParsePrincipalArn(absl::string_view arn) {
  absl::StatusOr<IamArn> parsed = ParseIamArn(arn);
  if (!parsed.ok()) return parsed.status();
  if (parsed->kind == IamArnKind::kGroup || parsed->kind == IamArnKind::kPolicy) {
    return Bad(arn, absl::StrCat("a ", IamArnKindName(parsed->kind), " is not a principal"));
  }
  return parsed;
}

absl::StatusOr<IamArn> ParseIamArnOfKind(absl::string_view arn, IamArnKind kind) {
  absl::StatusOr<IamArn> parsed = ParseIamArn(arn);
  if (!parsed.ok()) return parsed.status();
  if (parsed->kind != kind) {
    return Bad(arn, absl::StrCat("expected a ", IamArnKindName(kind), " ARN"));
  }
  return parsed;
}

}  // namespace pdp
