// SnapshotBuilder::Ops: users, groups and roles (put_user, put_group,
// put_role, delete_entity), their inline policies, managed policy
// attachments and group memberships, and the checks the role sessions'
// handlers share (CopyTags, CheckAttachable).
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/arn.h"
#include "base/errors.h"
#include "base/strings.h"
#include "engine/policy/policy_compiler.h"
#include "engine/write/builder_errors.h"
#include "engine/write/snapshot_builder_ops.h"

namespace pdp {
namespace {

bool IsInlinePolicyName(absl::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    if (c <= ' ' || c > '~' || c == '\\' || c == '/' || c == '*' || c == '?') return false;
  }
  return true;
}

}  // namespace

absl::Status SnapshotBuilder::Ops::PutEntity(const EntityInput& in) {
  std::string f(in.field);
  absl::StatusOr<IamArn> arn = ParseIamArnOfKind(*in.arn, in.kind);
  if (!arn.ok()) return AtField(f + ".arn", arn.status());
  absl::StatusOr<AccountState*> account = ExistingAccount(f + ".arn", arn->account);
  if (!account.ok()) return account.status();
  std::string key = EntityKey(in.kind, arn->name);
  auto existing = (*account)->entities.find(key);
  if (existing != (*account)->entities.end()) {
    if (!in.replace) {
      return FieldError(f + ".arn",
                        absl::StrCat("a ", in.field, " named ", arn->name,
                                     " already exists (names are unique ignoring case)"),
                        absl::StatusCode::kAlreadyExists);
    }
    absl::Status s = CheckEtag(f + ".etag", *in.etag, existing->second->etag());
    if (!s.ok()) return s;
  } else if (in.replace && !in.allow_missing) {
    return NotFound(f + ".arn", ShortInput(*in.arn));
  }
  auto rec = std::make_shared<EntityRecord>();
  rec->kind = in.kind;
  rec->arn = arn->ToString();
  rec->name = arn->name;
  rec->modified_revision = b_.revision_;
  absl::Status id =
      AssignUniqueId(f + ".unique_id", in,
                     existing != (*account)->entities.end() ? existing->second.get() : nullptr,
                     arn->account, key, *rec);
  if (!id.ok()) return id;
  if (in.boundary != nullptr && !in.boundary->empty()) {
    absl::Status s = CheckAttachable(f + ".permissions_boundary", *in.boundary, arn->account);
    if (!s.ok()) return s;
    rec->permissions_boundary = *in.boundary;
  }
  if (in.groups != nullptr) {
    if (in.groups->size() > b_.limits_.max_groups_per_user) {
      return Refuse(
          absl::StatusCode::kFailedPrecondition, f + ".groups",
          absl::StrCat("a user can be in at most ", b_.limits_.max_groups_per_user, " groups"),
          "LIMIT_EXCEEDED");
    }
    absl::flat_hash_set<std::string> seen;
    for (size_t i = 0; i < in.groups->size(); ++i) {
      std::string gpath = absl::StrCat(f, ".groups[", i, "]");
      const std::string& g = (*in.groups)[i];
      if (!IsValidIamName(g, 128)) return FieldError(gpath, "must be a group name");
      if ((*account)->FindEntity(IamArnKind::kGroup, g) == nullptr) {
        return NotFound(gpath, absl::StrCat("group ", g, " in account ", arn->account));
      }
      if (seen.insert(AsciiLower(g)).second) rec->groups.push_back(g);
    }
  }
  absl::Status s = SetAttached(*rec, **account, *in.attached, f + ".attached_policies");
  if (!s.ok()) return s;
  absl::flat_hash_set<std::string> names;
  for (size_t i = 0; i < in.inline_policies->size(); ++i) {
    const InlinePolicyInput& p = (*in.inline_policies)[i];
    std::string ipath = absl::StrCat(f, ".inline_policies[", i, "]");
    absl::StatusOr<InlinePolicyRecord> r = MakeInline(ipath, p.name, p.document);
    if (!r.ok()) return r.status();
    if (!names.insert(p.name).second) return FieldError(ipath + ".name", "duplicate name");
    rec->inline_policies.push_back(std::move(*r));
  }
  if (in.tags != nullptr) {
    s = CopyTags(f + ".tags", *in.tags, rec->tags);
    if (!s.ok()) return s;
  }
  s = CheckInlineTotal(*rec, f + ".inline_policies");
  if (!s.ok()) return s;
  if (existing != (*account)->entities.end() && SameContent(*existing->second, *rec)) {
    return b_.Unchanged();  // replacing with what is there changes nothing (nor the etag)
  }
  (*account)->entities[key] = std::move(rec);
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::Ops::CopyTags(const std::string& field, const TagsInput& tags,
                                            std::map<std::string, std::string>& out) const {
  if (tags.size() > b_.limits_.max_tags) {
    return Refuse(absl::StatusCode::kFailedPrecondition, field,
                  absl::StrCat("at most ", b_.limits_.max_tags, " tags"), "LIMIT_EXCEEDED");
  }
  std::map<std::string, std::string> lower_to_key;
  for (const auto& [k, v] : tags) {
    auto [it, inserted] = lower_to_key.emplace(AsciiLower(k), k);
    if (!inserted) {
      const auto [first, second] = std::minmax(it->second, k);
      return FieldError(absl::StrCat(field, "[", ShortInput(first), "]"),
                        absl::StrCat("and ", field, "[", ShortInput(second),
                                     "] differ only in case; tag keys are case-insensitive"));
    }
  }
  for (const auto& [k, v] : tags) {
    if (k.empty() || k.size() > 128) {
      return FieldError(absl::StrCat(field, "[", ShortInput(k), "]"),
                        "tag keys are 1 to 128 characters");
    }
    if (v.size() > 256) {
      return FieldError(absl::StrCat(field, "[", k, "]"), "tag values are at most 256 characters");
    }
    out[k] = v;
  }
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::Ops::CheckInlineTotal(const EntityRecord& e,
                                                    const std::string& field) const {
  size_t limit = e.kind == IamArnKind::kUser    ? b_.limits_.max_inline_chars_user
                 : e.kind == IamArnKind::kGroup ? b_.limits_.max_inline_chars_group
                                                : b_.limits_.max_inline_chars_role;
  size_t total = 0;
  for (const InlinePolicyRecord& p : e.inline_policies) total += NonWhitespaceLength(p.document);
  if (total <= limit) return absl::OkStatus();
  return Refuse(absl::StatusCode::kFailedPrecondition, field,
                absl::StrCat("the inline policies of a ", IamArnKindName(e.kind), " total ", total,
                             " characters (white space not counted); at most ", limit),
                "LIMIT_EXCEEDED");
}

bool SnapshotBuilder::Ops::SameContent(const EntityRecord& a, const EntityRecord& b) {
  if (a.kind != b.kind || a.arn != b.arn || a.groups != b.groups || a.attached != b.attached ||
      a.tags != b.tags || a.permissions_boundary != b.permissions_boundary ||
      a.inline_policies.size() != b.inline_policies.size()) {
    return false;
  }
  for (size_t i = 0; i < a.inline_policies.size(); ++i) {
    if (a.inline_policies[i].name != b.inline_policies[i].name ||
        a.inline_policies[i].document != b.inline_policies[i].document) {
      return false;
    }
  }
  return true;
}

absl::Status SnapshotBuilder::Ops::SetAttached(EntityRecord& rec, const AccountState& account,
                                               const std::vector<std::string>& attached,
                                               const std::string& field) {
  if (attached.size() > b_.limits_.max_attached_policies) {
    return Refuse(absl::StatusCode::kFailedPrecondition, field,
                  absl::StrCat("at most ", b_.limits_.max_attached_policies,
                               " managed policies can be attached"),
                  "LIMIT_EXCEEDED");
  }
  for (size_t i = 0; i < attached.size(); ++i) {
    std::string apath = absl::StrCat(field, "[", i, "]");
    absl::Status s = CheckAttachable(apath, attached[i], account.id);
    if (!s.ok()) return s;
    if (std::find(rec.attached.begin(), rec.attached.end(), attached[i]) == rec.attached.end()) {
      rec.attached.push_back(attached[i]);
    }
  }
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::Ops::CheckAttachable(const std::string& field,
                                                   const std::string& policy_arn,
                                                   const std::string& account_id) {
  absl::StatusOr<IamArn> arn = ParseIamArnOfKind(policy_arn, IamArnKind::kPolicy);
  if (!arn.ok()) return AtField(field, arn.status());
  if (arn->account != "aws" && arn->account != account_id) {
    return FieldError(field, "a customer managed policy can only be attached in its own account");
  }
  if (b_.next_->FindPolicy(policy_arn) == nullptr) return NotFound(field, ShortInput(policy_arn));
  return absl::OkStatus();
}

absl::StatusOr<InlinePolicyRecord> SnapshotBuilder::Ops::MakeInline(const std::string& field,
                                                                    const std::string& name,
                                                                    const std::string& document) {
  if (!IsInlinePolicyName(name)) {
    return FieldError(field + ".name",
                      "must be 1 to 128 printable characters without spaces, \\ / * or ?");
  }
  absl::StatusOr<CompiledPolicyPtr> compiled = CompilePolicy(document);
  if (!compiled.ok()) return AtField(field + ".document", compiled.status());
  return InlinePolicyRecord{name, document, *compiled};
}

absl::Status SnapshotBuilder::Ops::Keep(const EntityRef& ref) {
  *ref.slot = ref.original;
  return b_.Unchanged();
}

absl::StatusOr<SnapshotBuilder::Ops::EntityRef> SnapshotBuilder::Ops::MutableEntity(
    absl::string_view field, const std::string& arn_text, bool principals_only) {
  absl::StatusOr<IamArn> arn = ParseIamArn(arn_text);
  if (!arn.ok()) return AtField(field, arn.status());
  if (arn->kind != IamArnKind::kUser && arn->kind != IamArnKind::kRole &&
      (principals_only || arn->kind != IamArnKind::kGroup)) {
    return FieldError(field, principals_only ? "must be a user or role ARN"
                                             : "must be a user, group or role ARN");
  }
  absl::StatusOr<AccountState*> account = ExistingAccount(field, arn->account);
  if (!account.ok()) return account.status();
  auto it = (*account)->entities.find(EntityKey(arn->kind, arn->name));
  if (it == (*account)->entities.end() || it->second->arn != arn_text) {
    return NotFound(field, ShortInput(arn_text));
  }
  std::string previous_etag = it->second->etag();
  std::shared_ptr<const EntityRecord> original = it->second;
  auto copy = std::make_shared<EntityRecord>(*it->second);
  copy->modified_revision = b_.revision_;
  EntityRecord* raw = copy.get();
  it->second = std::move(copy);
  return EntityRef{*account, raw, std::move(previous_etag), std::move(original), &it->second};
}

absl::Status SnapshotBuilder::Ops::DeleteEntity(const DeleteEntityChange& c) {
  auto found = MutableEntity("arn", c.arn);
  if (!found.ok()) return found.status();
  auto [account, entity, previous_etag, original, slot] = *found;
  absl::Status s = CheckEtag("etag", c.etag, previous_etag);
  if (!s.ok()) return s;
  if (entity->kind == IamArnKind::kGroup) {
    std::string group_lower = AsciiLower(entity->name);
    for (auto& [key, rec] : account->entities) {
      if (rec->kind != IamArnKind::kUser) continue;
      auto& g = rec->groups;
      if (std::none_of(g.begin(), g.end(),
                       [&](const std::string& n) { return AsciiLower(n) == group_lower; })) {
        continue;
      }
      auto copy = std::make_shared<EntityRecord>(*rec);
      std::erase_if(copy->groups,
                    [&](const std::string& n) { return AsciiLower(n) == group_lower; });
      copy->modified_revision = b_.revision_;
      rec = std::move(copy);
    }
  }
  if (entity->kind == IamArnKind::kRole) {
    std::string prefix = AsciiLower(entity->name) + "/";
    absl::erase_if(account->sessions,
                   [&](const auto& kv) { return absl::StartsWith(kv.first, prefix); });
  }
  account->entities.erase(EntityKey(entity->kind, entity->name));
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::Ops::PutInlinePolicy(const PutInlinePolicyChange& c) {
  auto found = MutableEntity("entity_arn", c.entity_arn);
  if (!found.ok()) return found.status();
  absl::StatusOr<InlinePolicyRecord> r = MakeInline("", c.name, c.document);
  if (!r.ok()) {
    // MakeInline's paths start with '.', drop it for a top-level message.
    std::optional<std::vector<FieldViolation>> violations = GetFieldViolations(r.status());
    if (violations && !violations->empty()) {
      std::string field = violations->front().field.substr(1);
      return FieldError(field, violations->front().description, r.status().code());
    }
    return r.status();
  }
  auto& list = found->entity->inline_policies;
  auto same = std::find_if(list.begin(), list.end(),
                           [&](const InlinePolicyRecord& p) { return p.name == c.name; });
  if (same != list.end() && same->document == r->document) return Keep(*found);
  if (same != list.end()) {
    *same = std::move(*r);
  } else {
    list.push_back(std::move(*r));
  }
  return CheckInlineTotal(*found->entity, "document");
}

absl::Status SnapshotBuilder::Ops::DeleteInlinePolicy(const DeleteInlinePolicyChange& c) {
  auto found = MutableEntity("entity_arn", c.entity_arn);
  if (!found.ok()) return found.status();
  auto& list = found->entity->inline_policies;
  size_t before = list.size();
  std::erase_if(list, [&](const InlinePolicyRecord& p) { return p.name == c.name; });
  if (list.size() == before)
    return NotFound("name", absl::StrCat("inline policy ", ShortInput(c.name)));
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::Ops::AttachPolicy(const PolicyAttachmentChange& c) {
  auto found = MutableEntity("entity_arn", c.entity_arn);
  if (!found.ok()) return found.status();
  EntityRecord* entity = found->entity;
  absl::Status s = CheckAttachable("policy_arn", c.policy_arn, found->account->id);
  if (!s.ok()) return s;
  if (std::find(entity->attached.begin(), entity->attached.end(), c.policy_arn) !=
      entity->attached.end()) {
    return Keep(*found);  // attaching twice is a no-op, as in IAM
  }
  if (entity->attached.size() >= b_.limits_.max_attached_policies) {
    return Refuse(absl::StatusCode::kFailedPrecondition, "policy_arn",
                  absl::StrCat(c.entity_arn, " already has ", b_.limits_.max_attached_policies,
                               " managed policies attached"),
                  "LIMIT_EXCEEDED");
  }
  entity->attached.push_back(c.policy_arn);
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::Ops::DetachPolicy(const PolicyAttachmentChange& c) {
  auto found = MutableEntity("entity_arn", c.entity_arn);
  if (!found.ok()) return found.status();
  auto& list = found->entity->attached;
  auto it = std::find(list.begin(), list.end(), c.policy_arn);
  if (it == list.end())
    return NotFound("policy_arn", absl::StrCat(ShortInput(c.policy_arn), " attachment"));
  list.erase(it);
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::Ops::Membership(const GroupMembershipChange& c, bool add) {
  const std::string& user_arn = c.user_arn;
  const std::string& group = c.group_name;
  absl::StatusOr<IamArn> arn = ParseIamArnOfKind(user_arn, IamArnKind::kUser);
  if (!arn.ok()) return AtField("user_arn", arn.status());
  auto found = MutableEntity("user_arn", user_arn, true);
  if (!found.ok()) return found.status();
  AccountState* account = found->account;
  EntityRecord* user = found->entity;
  if (!IsValidIamName(group, 128)) return FieldError("group_name", "must be a group name");
  if (account->FindEntity(IamArnKind::kGroup, group) == nullptr) {
    return NotFound("group_name", absl::StrCat("group ", group));
  }
  std::string lower = AsciiLower(group);
  auto it = std::find_if(user->groups.begin(), user->groups.end(),
                         [&](const std::string& g) { return AsciiLower(g) == lower; });
  if (add) {
    if (it != user->groups.end()) return Keep(*found);  // already a member
    if (user->groups.size() >= b_.limits_.max_groups_per_user) {
      return Refuse(
          absl::StatusCode::kFailedPrecondition, "group_name",
          absl::StrCat("a user can be in at most ", b_.limits_.max_groups_per_user, " groups"),
          "LIMIT_EXCEEDED");
    }
    user->groups.push_back(group);
  } else {
    if (it == user->groups.end()) return NotFound("group_name", "membership");
    user->groups.erase(it);
  }
  return absl::OkStatus();
}

}  // namespace pdp
