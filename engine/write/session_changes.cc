// SnapshotBuilder::Ops: role sessions (put_role_session,
// delete_role_session).
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/arn.h"
#include "base/errors.h"
#include "engine/policy/policy_compiler.h"
#include "engine/write/builder_errors.h"
#include "engine/write/snapshot_builder_ops.h"

namespace pdp {

absl::Status SnapshotBuilder::Ops::PutRoleSession(const PutRoleSessionChange& c) {
  const RoleSessionInput& in = c.session;
  absl::StatusOr<IamArn> arn = ParseIamArnOfKind(in.arn, IamArnKind::kAssumedRole);
  if (!arn.ok()) return AtField("session.arn", arn.status());
  absl::StatusOr<AccountState*> account = ExistingAccount("session.arn", arn->account);
  if (!account.ok()) return account.status();
  if ((*account)->FindEntity(IamArnKind::kRole, arn->name) == nullptr) {
    return NotFound("session.arn", absl::StrCat("role ", arn->name));
  }
  std::string key = SessionKey(arn->name, arn->session);
  auto existing = (*account)->sessions.find(key);
  if (existing != (*account)->sessions.end()) {
    absl::Status s = CheckEtag("session.etag", in.etag, existing->second->etag());
    if (!s.ok()) return s;
  }
  auto rec = std::make_shared<SessionRecord>();
  rec->arn = arn->ToString();
  rec->role_name = arn->name;
  rec->session_name = arn->session;
  rec->modified_revision = b_.revision_;
  if (in.policy_arns.size() > 10) {
    return Refuse(absl::StatusCode::kFailedPrecondition, "session.policy_arns",
                  "at most 10 managed session policies", "LIMIT_EXCEEDED");
  }
  for (size_t i = 0; i < in.policy_arns.size(); ++i) {
    absl::Status s = CheckAttachable(absl::StrCat("session.policy_arns[", i, "]"),
                                     in.policy_arns[i], arn->account);
    if (!s.ok()) return s;
    rec->policy_arns.push_back(in.policy_arns[i]);
  }
  if (!in.policy.empty()) {
    absl::StatusOr<CompiledPolicyPtr> compiled = CompilePolicy(in.policy);
    if (!compiled.ok()) return AtField("session.policy", compiled.status());
    rec->policy = in.policy;
    rec->policy_compiled = *compiled;
  }
  absl::Status tags = CopyTags("session.tags", in.tags, rec->tags);
  if (!tags.ok()) return tags;
  if (existing != (*account)->sessions.end()) {
    const SessionRecord& old = *existing->second;
    if (old.arn == rec->arn && old.role_name == rec->role_name &&
        old.session_name == rec->session_name && old.policy_arns == rec->policy_arns &&
        old.policy == rec->policy && old.tags == rec->tags) {
      return b_.Unchanged();  // registered as it is: the etag stays
    }
  }
  (*account)->sessions[key] = std::move(rec);
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::Ops::DeleteRoleSession(const DeleteRoleSessionChange& c) {
  absl::StatusOr<IamArn> arn = ParseIamArnOfKind(c.arn, IamArnKind::kAssumedRole);
  if (!arn.ok()) return AtField("arn", arn.status());
  absl::StatusOr<AccountState*> account = ExistingAccount("arn", arn->account);
  if (!account.ok()) return account.status();
  if ((*account)->sessions.erase(SessionKey(arn->name, arn->session)) == 0) {
    return NotFound("arn", ShortInput(c.arn));
  }
  return absl::OkStatus();
}

}  // namespace pdp
