#include "engine/model/organization_state.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace pdp {
namespace {

// A node's path ("r-id/ou-a/.../") and SCP levels, root first, memoised.
struct NodeChain {
  std::string path;
  std::vector<ScpLevel> levels;
};

ScpLevel LevelOf(const OrganizationState& org, const std::string& target,
                 const std::vector<std::string>& policy_ids) {
  ScpLevel level;
  level.target_id = target;
  for (const std::string& id : policy_ids) {
    auto it = org.scps.find(id);
    // Attachments name existing SCPs (deletion is refused while attached);
    // a miss would leave the level without that allow: fail closed.
    level.policies.push_back({it == org.scps.end() ? nullptr : it->second->compiled, id, target});
  }
  return level;
}

const NodeChain& ChainOf(const OrganizationState& org, const std::string& node_id,
                         absl::flat_hash_map<std::string, NodeChain>& memo, int depth = 0) {
  auto found = memo.find(node_id);
  if (found != memo.end()) return found->second;
  NodeChain chain;
  auto node = org.nodes.find(node_id);
  if (node != org.nodes.end() && !node->second.parent_id.empty() && depth < 64) {
    chain = ChainOf(org, node->second.parent_id, memo, depth + 1);
  }
  chain.path = absl::StrCat(chain.path, node_id, "/");
  if (org.scps_enabled) {
    chain.levels.push_back(
        LevelOf(org, node_id,
                node == org.nodes.end() ? std::vector<std::string>{} : node->second.policy_ids));
  }
  return memo.emplace(node_id, std::move(chain)).first->second;
}

}  // namespace

bool IsOrganizationId(absl::string_view id) {
  if (!absl::StartsWith(id, "o-") || id.size() < 12 || id.size() > 34) return false;
  for (char c : id.substr(2)) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

void OrganizationState::DerivePlacements(const PageCatalog& catalog) {
  placements.clear();
  absl::flat_hash_map<std::string, NodeChain> memo;
  // One digest per SCP, however many levels attach it.
  PolicyDigestMap scp_digests;
  auto digest_chain = [&](const std::vector<ScpLevel>& levels) {
    ScpChainDigester chain;
    for (const ScpLevel& level : levels) {
      PolicySetDigester set;
      for (const PolicyBinding& b : level.policies) {
        auto [it, fresh] = scp_digests.try_emplace(b.policy.get());
        if (fresh) it->second = DigestPolicy(b.policy.get(), catalog);
        set.Add(it->second);
      }
      chain.AddLevel(set.Finish());
    }
    return chain.Finish();
  };
  for (const auto& [account_id, member] : members) {
    const NodeChain& parent = ChainOf(*this, member.parent_id, memo);
    auto placement = std::make_shared<AccountPlacement>();
    placement->org_path = absl::StrCat(id, "/", parent.path);
    if (scps_enabled) {
      placement->scp_levels = parent.levels;
      placement->scp_levels.push_back(LevelOf(*this, account_id, member.policy_ids));
      if (!catalog.numbered_actions().empty()) {
        placement->scp_digest = digest_chain(placement->scp_levels);
      }
    }
    placements[account_id] = std::move(placement);
  }
}

}  // namespace pdp
