// Makes the next Snapshot from the current one and a batch of changes.
//
// Apply() checks and applies one change at a time against the state as
// changed so far; Finish() derives what decisions need (each principal's
// effective policies) for the accounts the batch touched and returns the
// new snapshot at base revision + 1. A batch is all or nothing: on any error
// the caller drops the builder and the base snapshot stays current.
//
// Not thread-safe; the server runs one builder at a time (single writer).
#ifndef PDP_ENGINE_WRITE_SNAPSHOT_BUILDER_H_
#define PDP_ENGINE_WRITE_SNAPSHOT_BUILDER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/model/snapshot.h"
#include "engine/write/change.h"
#include "engine/write/change_address.h"
#include "engine/write/change_result.h"

namespace pdp {

// IAM's quotas, configurable; defaults are AWS's defaults.
struct WorldLimits {
  size_t max_groups_per_user = 10;
  size_t max_attached_policies = 10;  // per user, group or role
  size_t max_policy_versions = 5;
  size_t max_managed_policy_chars = 6144;  // white space not counted
  // Aggregate size of an entity's inline policies, white space not counted.
  size_t max_inline_chars_user = 2048;
  size_t max_inline_chars_group = 5120;
  size_t max_inline_chars_role = 10240;
  size_t max_tags = 50;
  size_t max_scp_bytes = 5120;  // white space included
  size_t max_scps_per_target = 5;
  // An AWS managed policy's document (put_aws_managed_policy), white space
  // not counted. Not the customer quota: AWS's own policies are larger
  // (ReadOnlyAccess is tens of thousands of characters); this only bounds
  // what one put may make the server hold.
  size_t max_aws_managed_policy_chars = 131072;
};

// Sets one quota by name ("groups_per_user", "attached_policies",
// "policy_versions", "managed_policy_chars", "inline_chars_user",
// "inline_chars_group", "inline_chars_role", "tags", "scp_bytes",
// "scps_per_target", "aws_managed_policy_chars"). INVALID_ARGUMENT for
// an unknown name or a value of 0.
absl::Status SetWorldLimit(WorldLimits& limits, absl::string_view name, size_t value);

class SnapshotBuilder {
 public:
  explicit SnapshotBuilder(SnapshotPtr base, WorldLimits limits = {});

  // Applies one change (the server maps a pdp.v1.Change to it with
  // server/wire/change_from_wire.h). Errors carry field paths relative to
  // the change's own message, named as the API names it (e.g. "user.arn" for
  // put_user; "etag" for EngineChange::etag; "kind" when it has none); reasons
  // (ErrorInfo) for the documented refusals: ROOT_USER_REQUIRED,
  // NOT_AUTHORIZED, ETAG_MISMATCH, DELETE_CONFLICT, LIMIT_EXCEEDED,
  // AWS_MANAGED_READ_ONLY, MANAGED_BY_ORGANIZATION, ACCOUNT_IN_ORGANIZATION,
  // ORGANIZATION_NOT_EMPTY, MIN_POLICY_ATTACHMENT, SCPS_NOT_ENABLED,
  // MANAGEMENT_ACCOUNT, EXISTING_CONFLICT (an organization object created
  // with allow_existing that exists otherwise). When `result` is given it
  // receives the addressed object's name (assigned ids included) now and its
  // etag after the batch at Finish() ("" if a later change deleted it); it
  // must stay valid until then.
  //
  // A change that changes nothing (re-creating an existing policy with
  // allow_existing and the same document, attaching an attached policy,
  // putting identical content, settings to the values they have...) is
  // applied as a no-op: no record is replaced and no modified_revision
  // (etag) moves; `result` is marked unchanged and last_change_unchanged()
  // says so. Its checks (etags, actors, validation) still apply.
  absl::Status Apply(const EngineChange& change, ChangeResult* result = nullptr);

  // After a successful Apply: whether that change changed nothing.
  bool last_change_unchanged() const { return unchanged_; }
  // Whether any change applied so far changed something. When none did,
  // Finish()'s snapshot holds the base's records (only its revision
  // differs) and the caller should keep the base instead of committing.
  bool changed() const { return changed_; }

  // Restoring committed state (start-up, replicas): the store's records are
  // applied as they were committed, without judging them again, through
  // these; Finish() then derives what decisions need, as after Apply.
  // RestoreAccount returns the account as this batch may change it (its
  // entities, policies and sessions maps included), created empty when
  // absent; RestoreErasedAccount removes one. Likewise for organizations
  // (Finish derives their placements). `views_change` false: the caller
  // changes only the account's header (name, settings, organization), so
  // Finish() need not rebuild its principals' views.
  AccountState* RestoreAccount(absl::string_view id, bool views_change = true);
  void RestoreErasedAccount(absl::string_view id);
  // Puts a whole account (a checkpoint's, decoded apart, possibly on
  // another thread), replacing any of that id; Finish() builds its views.
  void RestoreAccountImage(std::shared_ptr<AccountState> account);
  OrganizationState* RestoreOrganization(absl::string_view id);
  // Puts an AWS managed policy record (one a put_aws_managed_policy made:
  // modified_revision > 0), replacing any of that ARN; Finish() rebuilds
  // the views of the principals it reaches.
  void RestoreAwsPolicy(std::shared_ptr<const ManagedPolicyRecord> policy) {
    PutAwsPolicy(std::move(policy));
  }
  void RestoreErasedOrganization(absl::string_view id);
  // Loading a checkpoint: the snapshot Finish() returns is at `revision`
  // (not base + 1).
  void RestoreRevision(int64_t revision) {
    revision_ = revision;
    next_->revision_ = revision;
  }

  // The new snapshot. Call once, after every Apply succeeded. Accounts and
  // organizations the batch made writable but left as they were get the
  // base's records back (so they are neither written nor rebuilt).
  SnapshotPtr Finish();

  int64_t revision() const { return revision_; }
  // Accounts whose decisions the changes so far may affect: the accounts
  // they touched and, for organization changes, every account of the
  // organization (before and after the change).
  // AWS managed policies put make every account whose principals or
  // sessions use them affected (found by one scan of the world, on the
  // first call after such a put).
  const absl::btree_set<std::string>& affected_accounts() const;
  // Accounts the changes so far created, copied to change, or deleted: a
  // subset of affected_accounts() (which adds the accounts whose decisions
  // an organization change may alter), for finding what to store.
  const absl::btree_set<std::string>& written_accounts() const { return written_; }
  // The state as changed so far (for building responses).
  const Snapshot& current() const { return *next_; }

 private:
  // The change handlers: accounts, IAM entities, managed policies and role
  // sessions (snapshot_builder_ops.h), organizations and SCPs
  // (organization_builder.h). Both headers are internal to the builder.
  class Ops;
  class OrgOps;
  // Makes an account writable for this batch. `views_change`: whether the
  // change may alter what principals' views are derived from (entities,
  // policies); settings and organization membership do not, so Finish()
  // need not rebuild that account's views for them.
  AccountState* MutableAccount(absl::string_view id, bool views_change = true);
  OrganizationState* MutableOrganization(absl::string_view id);
  absl::Status ApplyKind(const ChangeKind& kind);
  // Organization and SCP changes (organization_builder.h).
  absl::Status ApplyOrganizationChange(const ChangeKind& kind);
  absl::Status ApplyOrganizationKind(const ChangeKind& kind);
  // Derives placements of the organizations the batch touched.
  void FinishOrganizations();
  // From this many accounts on, Finish() works on several threads.
  static constexpr size_t kParallelAccounts = 4096;
  // Finish(): derives the principals' views of `accounts` (principal_views.cc).
  // A large batch (a checkpoint's every account) is rebuilt on all cores,
  // each thread a slice of the accounts.
  void RebuildViews(const std::vector<AccountState*>& accounts) const;
  // What one thread of RebuildViews has digested (principal_views.cc).
  struct DigestMemo;
  // Derives one account's principals' views, their digests taken from or
  // added to `memo`.
  void RebuildAccountViews(AccountState& account, DigestMemo& memo) const;
  // Puts an AWS managed policy into this batch's copy of the world-wide
  // map (copied on the first put) and notes its ARN; accounts whose
  // principals it reaches become affected.
  void PutAwsPolicy(std::shared_ptr<const ManagedPolicyRecord> policy);
  // Finish(): the accounts not otherwise rebuilt whose principals attach
  // (or have as boundary) an AWS managed policy the batch put get a copy
  // with their views rebuilt (their records are not written: views are
  // derived). principal_views.cc.
  void RebuildViewsOfAwsPolicyUsers();
  // The ids of the accounts whose entities (and, with `sessions`, role
  // sessions) use an AWS managed policy this batch put. principal_views.cc.
  std::vector<std::string> AwsPolicyUsers(bool sessions) const;
  // The entity that holds a unique id in the state as changed so far, or
  // null (unique_ids.cc, like IndexUniqueIds).
  const EntityRecord* HolderOfUniqueId(absl::string_view unique_id) const;
  // Finish(): brings the snapshot's unique-id index up to date with the
  // accounts the batch wrote. It reads records and writes only the index
  // and new_unique_ids_, so it may run while RebuildViews does.
  void IndexUniqueIds();
  // Finish(): puts back the base's account / organization where the batch
  // copied one but changed nothing in it.
  void DropUnchangedCopies();
  // A change handler found nothing to change: marks the change unchanged.
  absl::Status Unchanged() {
    unchanged_ = true;
    return absl::OkStatus();
  }

  SnapshotPtr base_;
  std::shared_ptr<Snapshot> next_;
  WorldLimits limits_;
  int64_t revision_;
  absl::flat_hash_map<std::string, std::shared_ptr<AccountState>> touched_;
  absl::flat_hash_set<std::string> views_dirty_;  // touched accounts whose views Finish() rebuilds
  absl::flat_hash_map<std::string, std::shared_ptr<OrganizationState>> touched_orgs_;
  // The batch's copy of the AWS managed policies (null until a put) and
  // the ARNs it put.
  std::shared_ptr<AwsPolicyMap> aws_copy_;
  absl::flat_hash_set<std::string> aws_changed_;
  // Mutable: affected_accounts() adds the users of AWS managed policies
  // put since its last call.
  mutable absl::btree_set<std::string> affected_;
  mutable bool aws_users_pending_ = false;
  absl::btree_set<std::string> written_;
  // Unique ids given to entities this batch created -> "<account>/<key>"
  // (the snapshot's index has them only after Finish()).
  absl::flat_hash_map<std::string, std::string> new_unique_ids_;
  std::string assigned_name_;  // an id the current change had assigned
  bool unchanged_ = false;     // the current (last) change changed nothing
  bool changed_ = false;       // some change of the batch changed something
  // The organization the current change addresses (org changes bump its
  // modified_revision only when they change something); null when deleted.
  OrganizationState* change_org_ = nullptr;
  // Results whose etag Finish() fills in, with what they address.
  std::vector<std::pair<ChangeResult*, ChangeAddress>> results_;
};

}  // namespace pdp

#endif  // PDP_ENGINE_WRITE_SNAPSHOT_BUILDER_H_
