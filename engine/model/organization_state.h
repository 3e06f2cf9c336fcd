// Organizations in a Snapshot: the structure as written (root, OUs, member
// accounts, SCPs and where they are attached) plus, per member account, the
// derived placement Decide() reads (its OU path and the SCPs of every level
// from the root down to the account). Immutable once published.
#ifndef PDP_ENGINE_MODEL_ORGANIZATION_STATE_H_
#define PDP_ENGINE_MODEL_ORGANIZATION_STATE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "engine/model/page_catalog.h"
#include "engine/model/policy_binding.h"
#include "engine/model/principal_digest.h"
#include "engine/policy/compiled_policy.h"

namespace pdp {

// The id of AWS's FullAWSAccess SCP (read-only, attached everywhere when
// SCPs are enabled).
inline constexpr char kFullAwsAccessId[] = "p-FullAWSAccess";

// Whether `id` is a well-formed organization id, o-[a-z0-9]{10,32} as AWS
// forms them (whether it exists is another question).
bool IsOrganizationId(absl::string_view id);

struct ScpRecord {
  std::string id;
  std::string name;
  std::string description;
  std::string document;
  bool aws_managed = false;
  CompiledPolicyPtr compiled;
  int64_t modified_revision = 0;

  std::string etag() const { return std::to_string(modified_revision); }
};

// The root (parent_id empty) or an organizational unit.
struct OrgNode {
  std::string id;
  std::string name;
  std::string parent_id;
  std::vector<std::string> policy_ids;  // attached SCPs, in attachment order
};

// How an account came into its organization, numbered as pdp.v1.JoinMethod
// and the store's records (their mappings are checked casts).
enum class JoinMethod : uint8_t {
  kUnspecified = 0,
  kManagement = 1,  // the organization's management account
  kCreated = 2,     // created through the organization
  kInvited = 3,     // an existing account that accepted an invitation
};

struct OrgMember {
  std::string account_id;
  std::string parent_id;
  JoinMethod joined = JoinMethod::kUnspecified;
  std::vector<std::string> policy_ids;
};

// One level of an account's SCP chain (the root, an OU, or the account).
struct ScpLevel {
  std::string target_id;
  std::vector<PolicyBinding> policies;  // name: SCP id; via: target_id
};

// Derived for every account of an organization.
struct AccountPlacement {
  // aws:PrincipalOrgPaths value: "o-id/r-id/ou-id/.../".
  std::string org_path;
  // Root first, the account last. Empty when SCPs are disabled.
  std::vector<ScpLevel> scp_levels;
  // What `scp_levels` do to each action the catalogue numbers (not usable
  // when SCPs are disabled or the catalogue numbers none).
  ScpChainDigest scp_digest;
};

struct OrganizationState {
  std::string id;
  std::string management_account_id;
  std::string root_id;
  bool scps_enabled = false;
  int64_t modified_revision = 0;
  absl::btree_map<std::string, OrgNode> nodes;      // the root and the OUs, by id
  absl::btree_map<std::string, OrgMember> members;  // by account id, management included
  absl::btree_map<std::string, std::shared_ptr<const ScpRecord>> scps;  // by id
  // Derived when the organization changes.
  absl::flat_hash_map<std::string, std::shared_ptr<const AccountPlacement>> placements;

  std::string etag() const { return std::to_string(modified_revision); }
  const AccountPlacement* FindPlacement(const std::string& account_id) const {
    auto it = placements.find(account_id);
    return it == placements.end() ? nullptr : it->second.get();
  }
  // Rebuilds `placements` from the structure, with SCP digests over
  // `catalog`'s numbered actions.
  void DerivePlacements(const PageCatalog& catalog);
};

}  // namespace pdp

#endif  // PDP_ENGINE_MODEL_ORGANIZATION_STATE_H_
