// SnapshotBuilder::Ops: customer managed policies and their versions
// (create_policy, put_policy, update_policy, delete_policy,
// create_policy_version, set_default_policy_version,
// delete_policy_version) and AWS managed policies (put_aws_managed_policy).
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/arn.h"
#include "base/errors.h"
#include "engine/policy/policy_compiler.h"
#include "engine/write/builder_errors.h"
#include "engine/write/snapshot_builder_ops.h"

namespace pdp {

absl::Status SnapshotBuilder::Ops::Keep(const PolicyRef& ref) {
  *ref.slot = ref.original;
  return b_.Unchanged();
}

absl::StatusOr<SnapshotBuilder::Ops::PolicyRef> SnapshotBuilder::Ops::MutablePolicy(
    absl::string_view field, const std::string& arn_text) {
  absl::StatusOr<IamArn> arn = ParseIamArnOfKind(arn_text, IamArnKind::kPolicy);
  if (!arn.ok()) return AtField(field, arn.status());
  if (arn->account == "aws") {
    return Refuse(absl::StatusCode::kPermissionDenied, field, "AWS managed policies are read-only",
                  "AWS_MANAGED_READ_ONLY");
  }
  absl::StatusOr<AccountState*> account = ExistingAccount(field, arn->account);
  if (!account.ok()) return account.status();
  auto it = (*account)->policies.find(EntityKey(IamArnKind::kPolicy, arn->name));
  if (it == (*account)->policies.end() || it->second->arn != arn_text) {
    return NotFound(field, ShortInput(arn_text));
  }
  std::string previous_etag = it->second->etag();
  std::shared_ptr<const ManagedPolicyRecord> original = it->second;
  auto copy = std::make_shared<ManagedPolicyRecord>(*it->second);
  copy->modified_revision = b_.revision_;
  ManagedPolicyRecord* raw = copy.get();
  it->second = std::move(copy);
  return PolicyRef{*account, raw, std::move(previous_etag), std::move(original), &it->second};
}

absl::StatusOr<CompiledPolicyPtr> SnapshotBuilder::Ops::CompileManaged(
    const std::string& field, const std::string& document) {
  return CompileManaged(field, document, b_.limits_.max_managed_policy_chars);
}

absl::StatusOr<CompiledPolicyPtr> SnapshotBuilder::Ops::CompileManaged(const std::string& field,
                                                                       const std::string& document,
                                                                       size_t max_chars) {
  CompileOptions options;
  options.max_non_whitespace_chars = max_chars;
  absl::StatusOr<CompiledPolicyPtr> compiled = CompilePolicy(document, options);
  if (!compiled.ok()) return AtField(field, compiled.status());
  return compiled;
}

absl::Status SnapshotBuilder::Ops::AddVersion(ManagedPolicyRecord& p, const std::string& document,
                                              CompiledPolicyPtr compiled, bool set_default,
                                              bool make_room) {
  if (p.versions.size() >= b_.limits_.max_policy_versions) {
    if (!make_room) {
      return Refuse(absl::StatusCode::kFailedPrecondition, "policy_arn",
                    absl::StrCat("a managed policy keeps at most ", b_.limits_.max_policy_versions,
                                 " versions; delete a non-default version first"),
                    "LIMIT_EXCEEDED");
    }
    auto oldest = std::find_if(p.versions.begin(), p.versions.end(),
                               [&](const auto& v) { return v.version_id != p.default_version_id; });
    if (oldest != p.versions.end()) p.versions.erase(oldest);
  }
  const PolicyVersionRecord& v =
      p.versions.emplace_back(PolicyVersionRecord{absl::StrCat("v", p.next_version++), document});
  if (set_default) {
    p.default_version_id = v.version_id;
    p.default_compiled = std::move(compiled);
  }
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::Ops::CreatePolicy(const CreatePolicyChange& c) {
  absl::StatusOr<IamArn> arn = ParseIamArnOfKind(c.arn, IamArnKind::kPolicy);
  if (!arn.ok()) return AtField("arn", arn.status());
  if (arn->account == "aws") {
    return Refuse(absl::StatusCode::kPermissionDenied, "arn",
                  "AWS managed policies are shipped as data and cannot be created",
                  "AWS_MANAGED_READ_ONLY");
  }
  if (c.description.size() > 1000)
    return FieldError("description", "is longer than 1000 characters");
  absl::StatusOr<AccountState*> account = ExistingAccount("arn", arn->account);
  if (!account.ok()) return account.status();
  absl::StatusOr<CompiledPolicyPtr> compiled = CompileManaged("document", c.document);
  if (!compiled.ok()) return compiled.status();
  std::string key = EntityKey(IamArnKind::kPolicy, arn->name);
  if ((*account)->policies.contains(key)) {
    if (!c.allow_existing) {
      return FieldError("arn", absl::StrCat("policy ", arn->name, " already exists"),
                        absl::StatusCode::kAlreadyExists);
    }
    const ManagedPolicyRecord& current = *(*account)->policies.at(key);
    if (current.arn == c.arn && current.description == c.description) {
      for (const auto& v : current.versions) {
        if (v.version_id == current.default_version_id && v.document == c.document) {
          return b_.Unchanged();  // keep the record (and its etag)
        }
      }
    }
    auto found = MutablePolicy("arn", c.arn);
    if (!found.ok()) return found.status();
    ManagedPolicyRecord* p = found->policy;
    p->description = c.description;
    for (const auto& v : p->versions) {
      if (v.version_id == p->default_version_id && v.document == c.document) {
        return absl::OkStatus();
      }
    }
    return AddVersion(*p, c.document, *compiled, true, true);
  }
  auto rec = std::make_shared<ManagedPolicyRecord>();
  rec->arn = arn->ToString();
  rec->description = c.description;
  rec->modified_revision = b_.revision_;
  rec->next_version = 1;
  absl::Status s = AddVersion(*rec, c.document, *compiled, true, false);
  if (!s.ok()) return s;
  (*account)->policies[key] = std::move(rec);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<ManagedPolicyRecord>> SnapshotBuilder::Ops::RecordFromPut(
    const PutPolicyChange& c, const IamArn& arn, size_t max_chars) {
  if (c.description.size() > 1000)
    return FieldError("description", "is longer than 1000 characters");
  if (c.versions.empty()) return FieldError("versions", "a policy needs at least one version");
  if (c.versions.size() > b_.limits_.max_policy_versions) {
    return Refuse(absl::StatusCode::kFailedPrecondition, "versions",
                  absl::StrCat("a managed policy keeps at most ", b_.limits_.max_policy_versions,
                               " versions"),
                  "LIMIT_EXCEEDED");
  }
  // Versions in number order, each checked; exactly one default.
  std::vector<std::pair<int64_t, const PolicyVersionInput*>> numbered;
  const PolicyVersionInput* default_version = nullptr;
  CompiledPolicyPtr default_compiled;
  for (size_t i = 0; i < c.versions.size(); ++i) {
    const PolicyVersionInput& v = c.versions[i];
    const std::string vpath = absl::StrCat("versions[", i, "]");
    absl::string_view id = v.version_id;
    int64_t n = 0;
    if (id.size() < 2 || id.size() > 10 || id[0] != 'v' || id[1] == '0' ||
        !absl::SimpleAtoi(id.substr(1), &n) ||
        !std::all_of(id.begin() + 1, id.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      return FieldError(vpath + ".version_id", "must be v1, v2, ... (no leading zero)");
    }
    for (const auto& [m, other] : numbered) {
      if (m == n) return FieldError(vpath + ".version_id", "appears twice");
    }
    absl::StatusOr<CompiledPolicyPtr> compiled =
        CompileManaged(vpath + ".document", v.document, max_chars);
    if (!compiled.ok()) return compiled.status();
    if (v.is_default) {
      if (default_version != nullptr) {
        return FieldError(vpath + ".is_default", "only one version can be the default");
      }
      default_version = &v;
      default_compiled = *compiled;
    }
    numbered.emplace_back(n, &v);
  }
  if (default_version == nullptr) return FieldError("versions", "no version is the default");
  std::sort(numbered.begin(), numbered.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  auto rec = std::make_shared<ManagedPolicyRecord>();
  rec->arn = arn.ToString();
  rec->description = c.description;
  rec->modified_revision = b_.revision_;
  rec->next_version = static_cast<int>(numbered.back().first) + 1;
  for (const auto& [n, v] : numbered) {
    rec->versions.push_back({v->version_id, v->document});
  }
  rec->default_version_id = default_version->version_id;
  rec->default_compiled = std::move(default_compiled);
  return rec;
}

bool SnapshotBuilder::Ops::SameContent(const ManagedPolicyRecord& current,
                                       const ManagedPolicyRecord& put) {
  if (current.description != put.description ||
      current.default_version_id != put.default_version_id ||
      current.versions.size() != put.versions.size()) {
    return false;
  }
  for (size_t i = 0; i < put.versions.size(); ++i) {
    if (current.versions[i] != put.versions[i]) return false;
  }
  return true;
}

absl::Status SnapshotBuilder::Ops::PutPolicy(const PutPolicyChange& c) {
  absl::StatusOr<IamArn> arn = ParseIamArnOfKind(c.arn, IamArnKind::kPolicy);
  if (!arn.ok()) return AtField("arn", arn.status());
  if (arn->account == "aws") {
    return Refuse(absl::StatusCode::kPermissionDenied, "arn",
                  "AWS managed policies are not written with put_policy (use "
                  "put_aws_managed_policy, admins only)",
                  "AWS_MANAGED_READ_ONLY");
  }
  if (c.description.size() > 1000)
    return FieldError("description", "is longer than 1000 characters");
  absl::StatusOr<AccountState*> account = ExistingAccount("arn", arn->account);
  if (!account.ok()) return account.status();
  absl::StatusOr<std::shared_ptr<ManagedPolicyRecord>> rec =
      RecordFromPut(c, *arn, b_.limits_.max_managed_policy_chars);
  if (!rec.ok()) return rec.status();

  std::string key = EntityKey(IamArnKind::kPolicy, arn->name);
  auto it = (*account)->policies.find(key);
  if (it != (*account)->policies.end()) {
    const ManagedPolicyRecord& current = *it->second;
    if (current.arn != c.arn) {
      return FieldError("arn",
                        absl::StrCat("policy ", arn->name, " already exists as ", current.arn,
                                     " (names are unique ignoring case)"),
                        absl::StatusCode::kAlreadyExists);
    }
    absl::Status s = CheckEtag("etag", c.etag, current.etag());
    if (!s.ok()) return s;
    if (SameContent(current, **rec)) return b_.Unchanged();
    (*rec)->next_version = std::max((*rec)->next_version, current.next_version);
  }
  (*account)->policies[key] = *std::move(rec);
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::Ops::PutAwsManagedPolicy(const PutPolicyChange& c) {
  absl::StatusOr<IamArn> arn = ParseIamArnOfKind(c.arn, IamArnKind::kPolicy);
  if (!arn.ok()) return AtField("arn", arn.status());
  if (arn->account != "aws") {
    return FieldError("arn",
                      "must be an AWS managed policy ARN, arn:<partition>:iam::aws:policy/... "
                      "(a customer managed policy is put with put_policy)");
  }
  if (arn->ToString() != c.arn) {
    return FieldError("arn", absl::StrCat("must be written as ", arn->ToString()));
  }
  absl::StatusOr<std::shared_ptr<ManagedPolicyRecord>> rec =
      RecordFromPut(c, *arn, b_.limits_.max_aws_managed_policy_chars);
  if (!rec.ok()) return rec.status();
  (*rec)->aws_managed = true;
  const AwsPolicyMap& current_map = b_.next_->aws_policies();
  auto it = current_map.find(c.arn);
  if (it != current_map.end()) {
    const ManagedPolicyRecord& current = *it->second;
    absl::Status s = CheckEtag("etag", c.etag, current.etag());
    if (!s.ok()) return s;
    if (SameContent(current, **rec)) return b_.Unchanged();
    (*rec)->next_version = std::max((*rec)->next_version, current.next_version);
  }
  b_.PutAwsPolicy(*std::move(rec));
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::Ops::UpdatePolicy(const UpdatePolicyChange& c) {
  auto found = MutablePolicy("arn", c.arn);
  if (!found.ok()) return found.status();
  absl::Status s = CheckEtag("etag", c.etag, found->previous_etag);
  if (!s.ok()) return s;
  if (c.description.size() > 1000)
    return FieldError("description", "is longer than 1000 characters");
  if (found->policy->description == c.description) return Keep(*found);
  found->policy->description = c.description;
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::Ops::DeletePolicy(const DeletePolicyChange& c) {
  auto found = MutablePolicy("arn", c.arn);
  if (!found.ok()) return found.status();
  absl::Status s = CheckEtag("etag", c.etag, found->previous_etag);
  if (!s.ok()) return s;
  AccountState* account = found->account;
  for (const auto& [key, e] : account->entities) {
    if (std::find(e->attached.begin(), e->attached.end(), c.arn) != e->attached.end() ||
        e->permissions_boundary == c.arn) {
      return Refuse(absl::StatusCode::kFailedPrecondition, "arn",
                    absl::StrCat("policy is still attached to ", e->arn,
                                 " (as a policy or permissions boundary); detach it first"),
                    "DELETE_CONFLICT");
    }
  }
  for (const auto& [key, session] : account->sessions) {
    const auto& arns = session->policy_arns;
    if (std::find(arns.begin(), arns.end(), c.arn) != arns.end()) {
      return Refuse(absl::StatusCode::kFailedPrecondition, "arn",
                    absl::StrCat("policy is a session policy of ", session->arn,
                                 "; delete the session first"),
                    "DELETE_CONFLICT");
    }
  }
  absl::StatusOr<IamArn> arn = ParseIamArn(c.arn);
  account->policies.erase(EntityKey(IamArnKind::kPolicy, arn->name));
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::Ops::CreatePolicyVersion(const CreatePolicyVersionChange& c) {
  auto found = MutablePolicy("policy_arn", c.policy_arn);
  if (!found.ok()) return found.status();
  absl::StatusOr<CompiledPolicyPtr> compiled = CompileManaged("document", c.document);
  if (!compiled.ok()) return compiled.status();
  return AddVersion(*found->policy, c.document, *compiled, c.set_as_default, false);
}

absl::Status SnapshotBuilder::Ops::SetDefaultPolicyVersion(const SetDefaultPolicyVersionChange& c) {
  auto found = MutablePolicy("policy_arn", c.policy_arn);
  if (!found.ok()) return found.status();
  ManagedPolicyRecord* p = found->policy;
  for (const auto& v : p->versions) {
    if (v.version_id == c.version_id) {
      if (p->default_version_id == v.version_id) return Keep(*found);  // already the default
      absl::StatusOr<CompiledPolicyPtr> compiled = CompileManaged("version_id", v.document);
      if (!compiled.ok()) return compiled.status();
      p->default_version_id = v.version_id;
      p->default_compiled = *compiled;
      return absl::OkStatus();
    }
  }
  return NotFound("version_id", absl::StrCat("version ", ShortInput(c.version_id)));
}

absl::Status SnapshotBuilder::Ops::DeletePolicyVersion(const DeletePolicyVersionChange& c) {
  auto found = MutablePolicy("policy_arn", c.policy_arn);
  if (!found.ok()) return found.status();
  ManagedPolicyRecord* p = found->policy;
  if (c.version_id == p->default_version_id) {
    return Refuse(absl::StatusCode::kFailedPrecondition, "version_id",
                  "the default version cannot be deleted; make another version the default "
                  "or delete the policy",
                  "DELETE_CONFLICT");
  }
  auto it = std::find_if(p->versions.begin(), p->versions.end(), [&](const PolicyVersionRecord& v) {
    return v.version_id == c.version_id;
  });
  if (it == p->versions.end())
    return NotFound("version_id", absl::StrCat("version ", ShortInput(c.version_id)));
  p->versions.erase(it);
  return absl::OkStatus();
}

}  // namespace pdp
