// Principals' views, what decisions read: each user's and role's
// policies (inline, attached, its groups') compiled and its permissions
// boundary, indexed by ARN (AccountState::views, views_by_arn). Finish()
// rebuilds them for the accounts the batch changed (RebuildViews) and for
// those whose principals use an AWS managed policy the batch put.
#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/policy/policy_compiler.h"
#include "engine/write/snapshot_builder_ops.h"

namespace pdp {

std::vector<std::string> SnapshotBuilder::AwsPolicyUsers(bool sessions) const {
  std::vector<std::string> ids;
  if (aws_changed_.empty()) return ids;
  for (const auto& [id, account] : next_->accounts_) {
    bool uses = false;
    for (const auto& [key, e] : account->entities) {
      uses = aws_changed_.contains(e->permissions_boundary) ||
             std::any_of(e->attached.begin(), e->attached.end(),
                         [&](const std::string& a) { return aws_changed_.contains(a); });
      if (uses) break;
    }
    for (auto it = account->sessions.begin(); sessions && !uses && it != account->sessions.end();
         ++it) {
      const auto& arns = it->second->policy_arns;
      uses = std::any_of(arns.begin(), arns.end(),
                         [&](const std::string& a) { return aws_changed_.contains(a); });
    }
    if (uses) ids.push_back(id);
  }
  return ids;
}

void SnapshotBuilder::RebuildViewsOfAwsPolicyUsers() {
  // Sessions' managed policies are looked up when deciding; only views
  // hold compiled policies.
  for (const std::string& id : AwsPolicyUsers(/*sessions=*/false)) {
    if (!touched_.contains(id)) {
      auto copy = std::make_shared<AccountState>(*next_->accounts_.find(id)->second);
      next_->accounts_.Set(id, copy);
      touched_[id] = std::move(copy);
    }
    views_dirty_.insert(id);
  }
}

// Digests are shared as far as the policies are: one per distinct policy,
// one per distinct pair of policy lists (identity, boundary). Users in the
// same groups share one, and so do principals of different accounts whose
// documents are the same text (the restorer compiles each text once, so a
// checkpoint's templated accounts share their policies).
//
// Keys are the policies' addresses: every policy digested is held by a view
// rebuilt in this Finish(), and nothing frees or makes a compiled policy
// while views are rebuilt, so an address cannot name two policies.
struct SnapshotBuilder::DigestMemo {
  using PolicyList = std::vector<const CompiledPolicy*>;
  absl::flat_hash_map<const CompiledPolicy*, PolicyDigest> policies;
  absl::flat_hash_map<std::pair<PolicyList, PolicyList>, std::shared_ptr<const PrincipalDigest>>
      principals;
};

void SnapshotBuilder::RebuildViews(const std::vector<AccountState*>& accounts) const {
  // Each account's views depend only on its own state and the policies
  // (which no rebuild changes), so threads need share nothing but reads;
  // each has its own memo (a policy two threads meet is digested twice,
  // which costs less than a lock on every lookup).
  const size_t threads = accounts.size() < kParallelAccounts
                             ? 1
                             : std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
  auto rebuild_slice = [&](size_t slice) {
    DigestMemo memo;
    for (size_t i = slice; i < accounts.size(); i += threads) {
      RebuildAccountViews(*accounts[i], memo);
    }
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(rebuild_slice, t);
  rebuild_slice(0);
  for (std::thread& h : helpers) h.join();
}

void SnapshotBuilder::RebuildAccountViews(AccountState& account, DigestMemo& memo) const {
  account.views.clear();
  account.views_by_arn.clear();
  // An account's principals mostly share a few policies (their groups',
  // the same AWS managed ones): each ARN is looked up once.
  absl::flat_hash_map<absl::string_view, CompiledPolicyPtr> found;
  auto compiled = [&](const std::string& arn) -> const CompiledPolicyPtr& {
    auto [it, inserted] = found.try_emplace(arn);
    if (inserted) {
      const ManagedPolicyRecord* p = next_->FindPolicy(arn);
      it->second = p ? p->default_compiled : DenyEverythingPolicy();
    }
    return it->second;
  };
  auto add_policies = [&](const EntityRecord& e, PrincipalView& view) {
    for (const InlinePolicyRecord& p : e.inline_policies) {
      view.policies.push_back({p.compiled, absl::StrCat(e.arn, "#inline/", p.name), e.arn});
    }
    for (const std::string& arn : e.attached) {
      // Attachments are checked when written and policies cannot be deleted
      // while attached, so a miss means an AWS managed policy left the data
      // files after it was attached: the principal fails closed (whatever
      // the policy denied stays denied).
      view.policies.push_back({compiled(arn), arn, e.arn});
    }
  };
  const PageCatalog& catalog = next_->catalog();
  auto digest_of = [&](const PrincipalView& view) -> std::shared_ptr<const PrincipalDigest> {
    if (catalog.numbered_actions().empty()) return nullptr;
    std::pair<DigestMemo::PolicyList, DigestMemo::PolicyList> key;  // identity, boundary
    key.first.reserve(view.policies.size());
    for (const PolicyBinding& b : view.policies) key.first.push_back(b.policy.get());
    for (const PolicyBinding& b : view.boundary) key.second.push_back(b.policy.get());
    auto [it, inserted] = memo.principals.try_emplace(std::move(key));
    if (!inserted) return it->second;
    auto digest_set = [&](const std::vector<PolicyBinding>& bindings) {
      PolicySetDigester set;
      for (const PolicyBinding& b : bindings) {
        if (auto aws = next_->aws_digests().find(b.policy.get());
            aws != next_->aws_digests().end()) {
          set.Add(aws->second);
          continue;
        }
        auto [p, fresh] = memo.policies.try_emplace(b.policy.get());
        if (fresh) p->second = DigestPolicy(b.policy.get(), catalog);
        set.Add(p->second);
      }
      return set.Finish();
    };
    auto digest = std::make_shared<PrincipalDigest>();
    digest->identity = digest_set(view.policies);
    digest->has_boundary = !view.boundary.empty();
    if (digest->has_boundary) digest->boundary = digest_set(view.boundary);
    it->second = std::move(digest);
    return it->second;
  };
  for (const auto& [key, entity] : account.entities) {
    if (entity->kind == IamArnKind::kGroup) continue;
    auto view = std::make_shared<PrincipalView>();
    view->entity = entity;
    view->service_linked = absl::StrContains(entity->arn, ":role/aws-service-role/");
    add_policies(*entity, *view);
    if (!entity->permissions_boundary.empty()) {
      view->boundary.push_back(
          {compiled(entity->permissions_boundary), entity->permissions_boundary, entity->arn});
    }
    for (const std::string& g : entity->groups) {
      const EntityRecord* group = account.FindEntity(IamArnKind::kGroup, g);
      if (group != nullptr) add_policies(*group, *view);
    }
    view->digest = digest_of(*view);
    account.views_by_arn.insert(view.get());
    account.views.emplace_hint(account.views.end(), key, std::move(view));  // in key order
  }
}

}  // namespace pdp
