// Internal to the snapshot builder: included only by the files that define
// SnapshotBuilder's members (snapshot_builder.cc and the files named below),
// never by its users, who see snapshot_builder.h.
//
// Declares SnapshotBuilder::Ops, the handlers of account, IAM entity
// (user, group, role), managed policy and role session changes, whose
// definitions are split by entity kind across the files each section names.
// Organization and SCP changes have their own handlers
// (organization_builder.h).
#ifndef PDP_ENGINE_WRITE_SNAPSHOT_BUILDER_OPS_H_
#define PDP_ENGINE_WRITE_SNAPSHOT_BUILDER_OPS_H_

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/arn.h"
#include "engine/model/snapshot.h"
#include "engine/policy/compiled_policy.h"
#include "engine/write/account_change_types.h"
#include "engine/write/entity_change_types.h"
#include "engine/write/policy_change_types.h"
#include "engine/write/session_change_types.h"
#include "engine/write/snapshot_builder.h"

namespace pdp {

// The per-change handlers; a nested class so they may use the builder's
// copy-on-write helpers.
//
// Contract: ApplyKind makes an Ops for one change (and OrgOps one for the
// account create_member_account makes); it holds only the builder.
// Handlers take the engine's change types (account_, entity_, policy_ and
// session_change_types.h), the alternatives of EngineChange (change.h)
// ApplyKind dispatches on. A handler checks its change
// against the state as changed so far (b_.next_) and, if the change is valid, changes that state
// through the builder's copy-on-write helpers (MutableAccount via ExistingAccount, MutableEntity,
// MutablePolicy, PutAwsPolicy), stamping what it writes with b_.revision_. A change that changes
// nothing returns b_.Unchanged() (Keep() puts back a record made writable). On an error the caller
// drops the whole batch, so a handler may return one after changing the copy. Not thread-safe: the
// builder is single-writer.
class SnapshotBuilder::Ops {
 public:
  explicit Ops(SnapshotBuilder& b) : b_(b) {}

  // ---- accounts (account_changes.cc) ---------------------------------------
  absl::Status CreateAccount(const CreateAccountChange& c);

  // create_account with allow_existing on an existing account: its settings
  // are never changed here (they need UpdateAccountSettings, whose actor
  // rules say who may change each one; a world file re-applied must not
  // undo what the root user turned on). Only a name given and different is
  // taken; otherwise the change is a no-op.
  absl::Status KeepExisting(const CreateAccountChange& c);

  absl::StatusOr<AccountState*> ExistingAccount(absl::string_view field, absl::string_view id,
                                                bool views_change = true);

  absl::Status UpdateAccount(const UpdateAccountChange& c);

  absl::Status DeleteAccount(const DeleteAccountChange& c);

  absl::Status UpdateAccountSettings(const UpdateAccountSettingsChange& c);

  absl::Status CheckActorAllowed(const std::string& actor, const std::string& action,
                                 absl::string_view what);

  // ---- users, groups, roles and their policies (entity_changes.cc) ---------
  struct EntityInput {
    IamArnKind kind;
    absl::string_view field;  // "user", "group", "role"
    const std::string* arn;
    const std::vector<std::string>* groups;  // users only
    const std::vector<std::string>* attached;
    const std::vector<InlinePolicyInput>* inline_policies;
    const TagsInput* tags;  // may be null
    const std::string* etag;
    bool replace;
    bool allow_missing;
    const std::string* boundary;   // users and roles; may be null
    const std::string* unique_id;  // may be empty: keep it, or make one up
  };

  absl::Status PutEntity(const EntityInput& in);

  // IAM's tag rules (users, roles, session tags): at most max_tags, keys 1
  // to 128 characters, values at most 256, no two keys that differ only in
  // case (aws:PrincipalTag/<key> is matched case-insensitively, so which of
  // the two a policy saw would be arbitrary). `field` names the tags map.
  absl::Status CopyTags(const std::string& field, const TagsInput& tags,
                        std::map<std::string, std::string>& out) const;

  // IAM's aggregate limit on an entity's inline policies.
  absl::Status CheckInlineTotal(const EntityRecord& e, const std::string& field) const;

  static bool SameContent(const EntityRecord& a, const EntityRecord& b);

  absl::Status SetAttached(EntityRecord& rec, const AccountState& account,
                           const std::vector<std::string>& attached, const std::string& field);

  absl::Status CheckAttachable(const std::string& field, const std::string& policy_arn,
                               const std::string& account_id);

  absl::StatusOr<InlinePolicyRecord> MakeInline(const std::string& field, const std::string& name,
                                                const std::string& document);

  struct EntityRef {
    AccountState* account;
    EntityRecord* entity;
    std::string previous_etag;
    // The record before the copy, and where the copy is (valid until the
    // account's entities change), so a change that turns out to change
    // nothing can put the original back (Keep).
    std::shared_ptr<const EntityRecord> original;
    std::shared_ptr<const EntityRecord>* slot;
  };

  // The change found nothing to change in the entity: its record (and etag)
  // stays as it was.
  absl::Status Keep(const EntityRef& ref);

  // Finds a user, group or role for change and makes it writable.
  absl::StatusOr<EntityRef> MutableEntity(absl::string_view field, const std::string& arn_text,
                                          bool principals_only = false);

  absl::Status DeleteEntity(const DeleteEntityChange& c);

  absl::Status PutInlinePolicy(const PutInlinePolicyChange& c);

  absl::Status DeleteInlinePolicy(const DeleteInlinePolicyChange& c);

  absl::Status AttachPolicy(const PolicyAttachmentChange& c);

  absl::Status DetachPolicy(const PolicyAttachmentChange& c);

  // add_user_to_group (`add`) or remove_user_from_group.
  absl::Status Membership(const GroupMembershipChange& c, bool add);

  // ---- unique ids (unique_ids.cc) ------------------------------------------
  static absl::string_view UniqueIdPrefix(IamArnKind kind);

  // The entity's unique id: an existing entity keeps its own (naming
  // another is refused: IAM never changes one); a new one takes the id the
  // caller gave (an import keeps AWS's) if no other entity of any account
  // has it, or a made-up one.
  absl::Status AssignUniqueId(const std::string& field, const EntityInput& in,
                              const EntityRecord* existing, absl::string_view account_id,
                              absl::string_view key, EntityRecord& rec);

  // IAM-style unique ids: a kind prefix and 17 characters, derived from the
  // ARN, the revision that created the entity and the attempt.
  std::string MadeUpUniqueId(IamArnKind kind, const std::string& arn, int attempt) const;

  // ---- role sessions (session_changes.cc) ----------------------------------
  absl::Status PutRoleSession(const PutRoleSessionChange& c);

  absl::Status DeleteRoleSession(const DeleteRoleSessionChange& c);

  // ---- managed policies (policy_changes.cc) --------------------------------
  struct PolicyRef {
    AccountState* account;
    ManagedPolicyRecord* policy;
    std::string previous_etag;
    std::shared_ptr<const ManagedPolicyRecord> original;  // as EntityRef
    std::shared_ptr<const ManagedPolicyRecord>* slot;
  };

  absl::Status Keep(const PolicyRef& ref);

  absl::StatusOr<PolicyRef> MutablePolicy(absl::string_view field, const std::string& arn_text);

  absl::StatusOr<CompiledPolicyPtr> CompileManaged(const std::string& field,
                                                   const std::string& document);

  absl::StatusOr<CompiledPolicyPtr> CompileManaged(const std::string& field,
                                                   const std::string& document, size_t max_chars);

  absl::Status AddVersion(ManagedPolicyRecord& p, const std::string& document,
                          CompiledPolicyPtr compiled, bool set_default, bool make_room);

  absl::Status CreatePolicy(const CreatePolicyChange& c);

  // A put's versions checked (ids "v<N>", none twice, exactly one
  // default, each document compiled within `max_chars`) as a new record of
  // `arn` with its versions in number order. Field paths are the put's own.
  absl::StatusOr<std::shared_ptr<ManagedPolicyRecord>> RecordFromPut(const PutPolicyChange& c,
                                                                     const IamArn& arn,
                                                                     size_t max_chars);

  // Whether a put would leave `current` as it is: the same description,
  // versions (ids and documents, in order) and default.
  static bool SameContent(const ManagedPolicyRecord& current, const ManagedPolicyRecord& put);

  absl::Status PutPolicy(const PutPolicyChange& c);

  // An AWS managed policy for every account. The same checks as PutPolicy
  // but the document size, whose quota is AWS's own policies' (their
  // documents are larger than a customer's may be).
  absl::Status PutAwsManagedPolicy(const PutPolicyChange& c);

  absl::Status UpdatePolicy(const UpdatePolicyChange& c);

  absl::Status DeletePolicy(const DeletePolicyChange& c);

  absl::Status CreatePolicyVersion(const CreatePolicyVersionChange& c);

  absl::Status SetDefaultPolicyVersion(const SetDefaultPolicyVersionChange& c);

  absl::Status DeletePolicyVersion(const DeletePolicyVersionChange& c);

 private:
  SnapshotBuilder& b_;
};

}  // namespace pdp

#endif  // PDP_ENGINE_WRITE_SNAPSHOT_BUILDER_OPS_H_
