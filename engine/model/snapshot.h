// The immutable state every decision is made on. A Snapshot is versioned by
// `revision` (+1 per committed write batch), never changes once published,
// and is shared between threads through std::shared_ptr<const Snapshot>.
// SnapshotBuilder makes the next one, copying only the accounts it touches
// (every record is itself shared and immutable).
#ifndef PDP_ENGINE_MODEL_SNAPSHOT_H_
#define PDP_ENGINE_MODEL_SNAPSHOT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/arn.h"
#include "engine/model/organization_state.h"
#include "engine/model/page_catalog.h"
#include "engine/model/principal_digest.h"
#include "engine/model/shared_map.h"
#include "engine/model/unique_id_index.h"
#include "engine/policy/compiled_policy.h"

namespace pdp {

struct InlinePolicyRecord {
  std::string name;
  std::string document;
  CompiledPolicyPtr compiled;
};

// A user, group or role as written, plus its compiled inline policies.
struct EntityRecord {
  IamArnKind kind = IamArnKind::kUser;
  std::string arn;
  std::string name;
  std::vector<std::string> groups;    // users: group names (as written)
  std::vector<std::string> attached;  // managed policy ARNs
  std::vector<InlinePolicyRecord> inline_policies;
  std::map<std::string, std::string> tags;
  std::string permissions_boundary;  // users and roles: managed policy ARN or ""
  std::string unique_id;             // AIDA... / AGPA... / AROA..., stable for the entity's life
  int64_t modified_revision = 0;

  std::string etag() const { return std::to_string(modified_revision); }
};

// A registered role session and its session policies.
struct SessionRecord {
  std::string arn;        // arn:aws:sts::<account>:assumed-role/<role>/<session>
  std::string role_name;  // as in the ARN
  std::string session_name;
  std::vector<std::string> policy_arns;
  std::string policy;                 // inline session policy JSON, may be empty
  CompiledPolicyPtr policy_compiled;  // null when `policy` is empty
  std::map<std::string, std::string> tags;
  int64_t modified_revision = 0;

  std::string etag() const { return std::to_string(modified_revision); }
};

// Session keys: "<lower-case role name>/<session name>".
std::string SessionKey(absl::string_view role_name, absl::string_view session_name);

// One version of a managed policy (whether it is the default is the
// policy's default_version_id).
struct PolicyVersionRecord {
  std::string version_id;  // v1, v2, ...
  std::string document;

  bool operator==(const PolicyVersionRecord&) const = default;
};

struct ManagedPolicyRecord {
  std::string arn;
  std::string description;
  bool aws_managed = false;
  std::vector<PolicyVersionRecord> versions;  // in number order
  std::string default_version_id;
  CompiledPolicyPtr default_compiled;
  int next_version = 2;  // number of the next version id (v2, v3, ...)
  int64_t modified_revision = 0;

  std::string etag() const { return std::to_string(modified_revision); }
};

// Everything Decide needs about one user or role, derived when its account
// is rebuilt so the request path does no lookups beyond this one.
struct PrincipalView {
  std::shared_ptr<const EntityRecord> entity;
  std::vector<PolicyBinding> policies;
  // The permissions boundary (at most one); empty when the entity has none.
  std::vector<PolicyBinding> boundary;
  // A role under /aws-service-role/: SCPs never limit it.
  bool service_linked = false;
  // What `policies` and `boundary` do to the catalogue's numbered actions;
  // null when the catalogue numbers none. Shared by the account's views
  // with the same policies.
  std::shared_ptr<const PrincipalDigest> digest;
};

// Hash and equality of PrincipalView pointers by their entity's ARN, and
// of an ARN against one: AccountState::views_by_arn is looked up by text.
// The hash skips "arn:aws:iam::<12 digits>:", which every ARN of one
// account shares: hashing a user's "user/<path><name>" alone costs about
// half as much. Equality still compares whole ARNs.
struct ViewArnHash {
  using is_transparent = void;
  size_t operator()(absl::string_view arn) const {
    constexpr size_t kAccountPrefix = 26;  // "arn:aws:iam::123456789012:"
    if (arn.size() > kAccountPrefix && arn[kAccountPrefix - 1] == ':') {
      arn.remove_prefix(kAccountPrefix);
    }
    return absl::Hash<absl::string_view>{}(arn);
  }
  size_t operator()(const PrincipalView* view) const { return (*this)(view->entity->arn); }
};
struct ViewArnEq {
  using is_transparent = void;
  static absl::string_view ArnOf(absl::string_view arn) { return arn; }
  static absl::string_view ArnOf(const PrincipalView* view) { return view->entity->arn; }
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return ArnOf(a) == ArnOf(b);
  }
};

// Entity keys: "user/<lower-case name>", "group/...", "role/...";
// policy keys: "policy/<lower-case name>" (names are unique per account
// without regard to case, as in IAM).
std::string EntityKey(IamArnKind kind, absl::string_view name);

// An account's settings (docs/access-model.md, "Settings and who may change
// them"), every one explicit: the API's unset values are their defaults
// here.
struct AccountSettings {
  // "Activate IAM Access": without it no IAM user or role opens the pages it
  // controls.
  bool iam_access_to_billing = false;
  ConsoleActionSet console_action_set = ConsoleActionSet::kFineGrained;
  bool cost_explorer_enabled = false;
  // Whether member accounts may see Cost Explorer data (on unless turned off).
  bool linked_account_access = true;

  bool operator==(const AccountSettings&) const = default;
};

struct AccountState {
  std::string id;
  std::string name;
  AccountSettings settings;
  std::string organization_id;    // empty for a standalone account
  int64_t modified_revision = 0;  // of the account record and settings
  absl::btree_map<std::string, std::shared_ptr<const EntityRecord>> entities;
  absl::btree_map<std::string, std::shared_ptr<const ManagedPolicyRecord>> policies;
  absl::btree_map<std::string, std::shared_ptr<const SessionRecord>> sessions;
  // Derived: users and roles by entity key.
  absl::btree_map<std::string, std::shared_ptr<const PrincipalView>> views;
  // Derived with `views`: the same views by their exact ARN, so a request
  // naming a principal as stored is resolved with one hash lookup and no
  // parsing. A set of pointers hashed and compared by their entity's ARN
  // (8 bytes a slot, not a copy of the ARN's view: 1M principals).
  absl::flat_hash_set<const PrincipalView*, ViewArnHash, ViewArnEq> views_by_arn;

  std::string etag() const { return std::to_string(modified_revision); }
  const EntityRecord* FindEntity(IamArnKind kind, absl::string_view name) const;
  const PrincipalView* FindView(IamArnKind kind, absl::string_view name) const;
  // The user or role whose ARN is exactly `arn` (case and path included),
  // or null.
  const PrincipalView* FindViewByArn(absl::string_view arn) const {
    auto it = views_by_arn.find(arn);
    return it == views_by_arn.end() ? nullptr : *it;
  }
  // The user, group or role holding `unique_id`, or null. Looks at every
  // entity: for the index's rare hits, not for requests.
  const EntityRecord* FindByUniqueId(absl::string_view unique_id) const;
  const SessionRecord* FindSession(absl::string_view role_name,
                                   absl::string_view session_name) const;
};

using AwsPolicyMap = absl::btree_map<std::string, std::shared_ptr<const ManagedPolicyRecord>>;

class Snapshot {
 public:
  // The empty world at revision 0 with a catalogue and the AWS managed
  // policies (arn -> record).
  static std::shared_ptr<const Snapshot> Initial(std::shared_ptr<const PageCatalog> catalog,
                                                 std::shared_ptr<const AwsPolicyMap> aws);

  int64_t revision() const { return revision_; }
  const PageCatalog& catalog() const { return *catalog_; }
  const AccountState* FindAccount(absl::string_view id) const;
  const SharedMap<std::shared_ptr<const AccountState>>& accounts() const { return accounts_; }
  // The AWS managed policies every account may attach: the bundled ones
  // (data/aws-managed-policies.json, modified_revision 0) and those put by
  // put_aws_managed_policy (modified_revision > 0; stored, and replacing a
  // bundled one of the same ARN). Shared between snapshots until a put.
  const AwsPolicyMap& aws_policies() const { return *aws_policies_; }
  // Their digests (principal_digest.h) by compiled policy, kept with them.
  const PolicyDigestMap& aws_digests() const { return *aws_digests_; }
  // An AWS managed policy or a customer managed policy of its account.
  const ManagedPolicyRecord* FindPolicy(absl::string_view arn) const;
  const OrganizationState* FindOrganization(absl::string_view id) const;
  const absl::btree_map<std::string, std::shared_ptr<const OrganizationState>>& organizations()
      const {
    return organizations_;
  }
  // The user, group or role whose IAM unique id (AIDA..., AGPA...,
  // AROA...) this is, in any account, or null. Ids are unique world-wide,
  // as in AWS.
  const EntityRecord* FindByUniqueId(absl::string_view unique_id) const;
  // The organization of an account, or null for a standalone one.
  const OrganizationState* OrganizationOf(const AccountState& account) const {
    return account.organization_id.empty() ? nullptr : FindOrganization(account.organization_id);
  }
  // The Cost Explorer settings in force for an account: its own when
  // standalone or management, its management account's when a member.
  const AccountSettings& CostExplorerSettingsOf(const AccountState& account) const;

 private:
  friend class SnapshotBuilder;
  // The entity holding `unique_id` among the accounts of `state` that
  // `index` names (the builder asks its base's index about the state it is
  // changing), or null.
  static const EntityRecord* HolderOfUniqueId(const UniqueIdIndex& index, const Snapshot& state,
                                              absl::string_view unique_id);
  int64_t revision_ = 0;
  std::shared_ptr<const PageCatalog> catalog_;
  std::shared_ptr<const AwsPolicyMap> aws_policies_;
  std::shared_ptr<const PolicyDigestMap> aws_digests_;
  void DigestAwsPolicies();
  // Shared between snapshots: a write copies only the chunk it touches.
  SharedMap<std::shared_ptr<const AccountState>> accounts_;
  // Where each entity's unique id is held, kept by SnapshotBuilder::Finish()
  // from the accounts a batch wrote.
  UniqueIdIndex unique_ids_;
  absl::btree_map<std::string, std::shared_ptr<const OrganizationState>> organizations_;
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

// Loads AWS managed policies from data (docs/data-formats.md).
absl::StatusOr<std::shared_ptr<const AwsPolicyMap>> LoadAwsManagedPolicies(absl::string_view json);
absl::StatusOr<std::shared_ptr<const AwsPolicyMap>> LoadAwsManagedPoliciesFile(
    const std::string& path);

}  // namespace pdp

#endif  // PDP_ENGINE_MODEL_SNAPSHOT_H_
