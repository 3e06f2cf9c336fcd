// SnapshotBuilder's frame: the quotas (SetWorldLimit), the batch's
// copy-on-write bookkeeping (MutableAccount, the Restore* entry points,
// PutAwsPolicy, DropUnchangedCopies), Apply() and the dispatch of each
// change kind to its handler (ApplyKind), and Finish(). The handlers
// themselves live in the files snapshot_builder_ops.h lists and in
// organization_builder.cc.
#include "engine/write/snapshot_builder.h"

#include <algorithm>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "engine/write/builder_errors.h"
#include "engine/write/change_address.h"
#include "engine/write/snapshot_builder_ops.h"

namespace pdp {

absl::Status SetWorldLimit(WorldLimits& limits, absl::string_view name, size_t value) {
  if (value == 0) return absl::InvalidArgumentError(absl::StrCat("quota ", name, " must be > 0"));
  size_t* field = name == "groups_per_user"            ? &limits.max_groups_per_user
                  : name == "attached_policies"        ? &limits.max_attached_policies
                  : name == "policy_versions"          ? &limits.max_policy_versions
                  : name == "managed_policy_chars"     ? &limits.max_managed_policy_chars
                  : name == "inline_chars_user"        ? &limits.max_inline_chars_user
                  : name == "inline_chars_group"       ? &limits.max_inline_chars_group
                  : name == "inline_chars_role"        ? &limits.max_inline_chars_role
                  : name == "tags"                     ? &limits.max_tags
                  : name == "scp_bytes"                ? &limits.max_scp_bytes
                  : name == "scps_per_target"          ? &limits.max_scps_per_target
                  : name == "aws_managed_policy_chars" ? &limits.max_aws_managed_policy_chars
                                                       : nullptr;
  if (field == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown quota ", name));
  *field = value;
  return absl::OkStatus();
}

SnapshotBuilder::SnapshotBuilder(SnapshotPtr base, WorldLimits limits)
    : base_(std::move(base)),
      next_(std::make_shared<Snapshot>(*base_)),
      limits_(limits),
      revision_(base_->revision() + 1) {
  next_->revision_ = revision_;
}

AccountState* SnapshotBuilder::MutableAccount(absl::string_view id, bool views_change) {
  if (views_change) views_dirty_.insert(std::string(id));
  auto t = touched_.find(id);
  if (t != touched_.end()) return t->second.get();
  affected_.insert(std::string(id));
  auto it = next_->accounts_.find(id);
  if (it == next_->accounts_.end()) return nullptr;
  auto copy = std::make_shared<AccountState>(*it->second);
  AccountState* raw = copy.get();
  next_->accounts_.Set(std::string(id), copy);
  written_.insert(std::string(id));
  touched_[std::string(id)] = std::move(copy);
  return raw;
}

OrganizationState* SnapshotBuilder::MutableOrganization(absl::string_view id) {
  auto t = touched_orgs_.find(id);
  if (t != touched_orgs_.end()) return t->second.get();
  auto it = next_->organizations_.find(id);
  if (it == next_->organizations_.end()) return nullptr;
  // Every account of the organization may decide differently now.
  for (const auto& [account_id, member] : it->second->members) affected_.insert(account_id);
  auto copy = std::make_shared<OrganizationState>(*it->second);
  OrganizationState* raw = copy.get();
  it->second = copy;
  touched_orgs_[std::string(id)] = std::move(copy);
  return raw;
}

AccountState* SnapshotBuilder::RestoreAccount(absl::string_view id, bool views_change) {
  if (AccountState* existing = MutableAccount(id, views_change); existing != nullptr) {
    return existing;
  }
  auto state = std::make_shared<AccountState>();
  state->id = std::string(id);
  AccountState* raw = state.get();
  next_->accounts_.Set(std::string(id), state);
  written_.insert(std::string(id));
  touched_[std::string(id)] = std::move(state);
  return raw;
}

void SnapshotBuilder::RestoreAccountImage(std::shared_ptr<AccountState> account) {
  const std::string& id = account->id;
  affected_.insert(id);
  written_.insert(id);
  views_dirty_.insert(id);
  next_->accounts_.Set(id, account);
  touched_.insert_or_assign(id, std::move(account));
}

void SnapshotBuilder::RestoreErasedAccount(absl::string_view id) {
  affected_.insert(std::string(id));
  written_.insert(std::string(id));
  views_dirty_.erase(id);
  touched_.erase(id);
  next_->accounts_.Erase(std::string(id));
}

void SnapshotBuilder::PutAwsPolicy(std::shared_ptr<const ManagedPolicyRecord> policy) {
  if (aws_copy_ == nullptr) {
    aws_copy_ = std::make_shared<AwsPolicyMap>(*next_->aws_policies_);
    next_->aws_policies_ = aws_copy_;
  }
  std::string arn = policy->arn;
  (*aws_copy_)[arn] = std::move(policy);
  aws_changed_.insert(std::move(arn));
  aws_users_pending_ = true;
}

const absl::btree_set<std::string>& SnapshotBuilder::affected_accounts() const {
  if (aws_users_pending_) {
    for (std::string& id : AwsPolicyUsers(/*sessions=*/true)) affected_.insert(std::move(id));
    aws_users_pending_ = false;
  }
  return affected_;
}

OrganizationState* SnapshotBuilder::RestoreOrganization(absl::string_view id) {
  if (OrganizationState* existing = MutableOrganization(id); existing != nullptr) return existing;
  auto org = std::make_shared<OrganizationState>();
  org->id = std::string(id);
  OrganizationState* raw = org.get();
  next_->organizations_[std::string(id)] = org;
  touched_orgs_[std::string(id)] = std::move(org);
  return raw;
}

void SnapshotBuilder::RestoreErasedOrganization(absl::string_view id) {
  if (OrganizationState* org = MutableOrganization(id); org == nullptr) return;
  touched_orgs_.erase(id);
  next_->organizations_.erase(std::string(id));
}

absl::Status SnapshotBuilder::Apply(const EngineChange& change, ChangeResult* result) {
  ChangeAddress address = AddressOf(change);
  if (!change.etag.empty()) {
    std::optional<std::string> current = EtagOf(*next_, address);
    if (!current.has_value()) {
      return NotFound(
          "etag", absl::StrCat("the object the change addresses (", ShortInput(address.name), ")"));
    }
    absl::Status s = CheckEtag("etag", change.etag, *current);
    if (!s.ok()) return s;
  }
  assigned_name_.clear();
  unchanged_ = false;
  change_org_ = nullptr;
  absl::Status s = ApplyKind(change.kind);
  if (!s.ok()) return s;
  if (!unchanged_) changed_ = true;
  if (result != nullptr) {
    result->unchanged = unchanged_;
    if (!assigned_name_.empty()) {
      if (address.kind == ChangeAddress::Kind::kScp) address.scp_id = assigned_name_;
      if (std::holds_alternative<CreateOrganizationChange>(change.kind)) {
        address.organization_id = assigned_name_;
      }
      address.name = assigned_name_;
    }
    result->name = address.name;
    results_.emplace_back(result, std::move(address));
  }
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::ApplyKind(const ChangeKind& kind) {
  Ops ops(*this);
  // Exact types (not overloads): several kinds derive from a shared struct.
  return std::visit(
      [&](const auto& c) -> absl::Status {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return FieldError("kind", "the change is empty");
        } else if constexpr (std::is_same_v<T, CreateAccountChange>) {
          return ops.CreateAccount(c);
        } else if constexpr (std::is_same_v<T, UpdateAccountChange>) {
          return ops.UpdateAccount(c);
        } else if constexpr (std::is_same_v<T, DeleteAccountChange>) {
          return ops.DeleteAccount(c);
        } else if constexpr (std::is_same_v<T, UpdateAccountSettingsChange>) {
          return ops.UpdateAccountSettings(c);
        } else if constexpr (std::is_same_v<T, PutUserChange>) {
          return ops.PutEntity({IamArnKind::kUser, "user", &c.user.arn, &c.user.groups,
                                &c.user.attached_policies, &c.user.inline_policies, &c.user.tags,
                                &c.user.etag, c.replace, c.allow_missing,
                                &c.user.permissions_boundary, &c.user.unique_id});
        } else if constexpr (std::is_same_v<T, PutGroupChange>) {
          return ops.PutEntity({IamArnKind::kGroup, "group", &c.group.arn, nullptr,
                                &c.group.attached_policies, &c.group.inline_policies, nullptr,
                                &c.group.etag, c.replace, c.allow_missing, nullptr,
                                &c.group.unique_id});
        } else if constexpr (std::is_same_v<T, PutRoleChange>) {
          return ops.PutEntity({IamArnKind::kRole, "role", &c.role.arn, nullptr,
                                &c.role.attached_policies, &c.role.inline_policies, &c.role.tags,
                                &c.role.etag, c.replace, c.allow_missing,
                                &c.role.permissions_boundary, &c.role.unique_id});
        } else if constexpr (std::is_same_v<T, DeleteEntityChange>) {
          return ops.DeleteEntity(c);
        } else if constexpr (std::is_same_v<T, CreatePolicyChange>) {
          return ops.CreatePolicy(c);
        } else if constexpr (std::is_same_v<T, UpdatePolicyChange>) {
          return ops.UpdatePolicy(c);
        } else if constexpr (std::is_same_v<T, DeletePolicyChange>) {
          return ops.DeletePolicy(c);
        } else if constexpr (std::is_same_v<T, PutPolicyChange>) {
          return ops.PutPolicy(c);
        } else if constexpr (std::is_same_v<T, PutAwsManagedPolicyChange>) {
          return ops.PutAwsManagedPolicy(c);
        } else if constexpr (std::is_same_v<T, CreatePolicyVersionChange>) {
          return ops.CreatePolicyVersion(c);
        } else if constexpr (std::is_same_v<T, SetDefaultPolicyVersionChange>) {
          return ops.SetDefaultPolicyVersion(c);
        } else if constexpr (std::is_same_v<T, DeletePolicyVersionChange>) {
          return ops.DeletePolicyVersion(c);
        } else if constexpr (std::is_same_v<T, PutInlinePolicyChange>) {
          return ops.PutInlinePolicy(c);
        } else if constexpr (std::is_same_v<T, DeleteInlinePolicyChange>) {
          return ops.DeleteInlinePolicy(c);
        } else if constexpr (std::is_same_v<T, AttachPolicyChange>) {
          return ops.AttachPolicy(c);
        } else if constexpr (std::is_same_v<T, DetachPolicyChange>) {
          return ops.DetachPolicy(c);
        } else if constexpr (std::is_same_v<T, AddUserToGroupChange>) {
          return ops.Membership(c, true);
        } else if constexpr (std::is_same_v<T, RemoveUserFromGroupChange>) {
          return ops.Membership(c, false);
        } else if constexpr (std::is_same_v<T, PutRoleSessionChange>) {
          return ops.PutRoleSession(c);
        } else if constexpr (std::is_same_v<T, DeleteRoleSessionChange>) {
          return ops.DeleteRoleSession(c);
        } else {
          return ApplyOrganizationChange(kind);  // the rest (organization_builder.cc)
        }
      },
      kind);
}

void SnapshotBuilder::DropUnchangedCopies() {
  // Every change that changes an account's header moves its
  // modified_revision, and every change to its records replaces or removes
  // a record, so equal headers and the same record pointers mean the batch
  // left the account as it was.
  auto same_records = [](const auto& a, const auto& b) {
    if (a.size() != b.size()) return false;
    for (auto x = a.begin(), y = b.begin(); x != a.end(); ++x, ++y) {
      if (x->first != y->first || x->second != y->second) return false;
    }
    return true;
  };
  for (auto it = touched_.begin(); it != touched_.end();) {
    auto next = std::next(it);
    const AccountState& after = *it->second;
    auto before = base_->accounts_.find(it->first);
    if (before != base_->accounts_.end()) {
      const AccountState& b = *before->second;
      if (b.modified_revision == after.modified_revision && b.name == after.name &&
          b.organization_id == after.organization_id && b.settings == after.settings &&
          same_records(b.entities, after.entities) && same_records(b.policies, after.policies) &&
          same_records(b.sessions, after.sessions)) {
        next_->accounts_.Set(it->first, before->second);
        written_.erase(it->first);
        views_dirty_.erase(it->first);
        touched_.erase(it);
      }
    }
    it = next;
  }
  // Every organization change that changes something moves the
  // organization's modified_revision (OrgOps).
  for (auto it = touched_orgs_.begin(); it != touched_orgs_.end();) {
    auto next = std::next(it);
    auto before = base_->organizations_.find(it->first);
    if (before != base_->organizations_.end() &&
        before->second->modified_revision == it->second->modified_revision) {
      next_->organizations_[it->first] = before->second;
      touched_orgs_.erase(it);
    }
    it = next;
  }
}

SnapshotPtr SnapshotBuilder::Finish() {
  DropUnchangedCopies();
  if (aws_copy_ != nullptr) next_->DigestAwsPolicies();  // before any view is rebuilt
  RebuildViewsOfAwsPolicyUsers();
  for (auto& [result, address] : results_) result->etag = EtagOf(*next_, address).value_or("");
  results_.clear();
  std::vector<AccountState*> dirty;
  for (auto& [id, account] : touched_) {
    if (views_dirty_.contains(id)) dirty.push_back(account.get());
  }
  views_dirty_.clear();
  // The unique-id index and the views read the same records and write
  // different things (the snapshot's index; each account's views), and
  // nothing else changes while both run: when many views are rebuilt (a
  // checkpoint's load), the index is brought up to date on a thread of its
  // own meanwhile instead of before.
  std::thread indexer;
  if (dirty.size() >= kParallelAccounts) {
    indexer = std::thread([this] { IndexUniqueIds(); });
  } else {
    IndexUniqueIds();
  }
  RebuildViews(dirty);
  if (indexer.joinable()) indexer.join();
  FinishOrganizations();
  touched_.clear();
  return std::move(next_);
}

}  // namespace pdp
