// SnapshotBuilder's organization and SCP changes: AWS Organizations'
// CreateOrganization, CreateOrganizationalUnit, CreateAccount,
// InviteAccountToOrganization, MoveAccount, RemoveAccountFromOrganization,
// CreatePolicy/AttachPolicy/DetachPolicy for SCPs and EnablePolicyType, as
// the Change kinds create_organization ... detach_scp.
//
// Internal to the snapshot builder, like snapshot_builder_ops.h: included
// by organization_builder.cc, which defines what this header declares and
// the builder's members that use it (ApplyOrganizationChange,
// ApplyOrganizationKind, FinishOrganizations); users of the builder see
// snapshot_builder.h only.
//
// Contract:
// - SnapshotBuilder::ApplyKind hands every organization and SCP change to
//   ApplyOrganizationChange; ApplyOrganizationKind makes an OrgOps for
//   that one change.
// - OrgOps owns the batch's organizations (their OUs, members and SCPs)
//   and, in accounts, only what membership is: organization_id, the name
//   and modified_revision (accounts are made writable with views_change
//   false: membership does not change principals' views).
//   create_member_account makes its account as create_account does
//   (Ops::CreateAccount), then adds it.
// - An organization a handler changes is reached through Existing() (or
//   created), which makes it writable (SnapshotBuilder::MutableOrganization:
//   its every account becomes affected) and records it as the change's
//   organization; ApplyOrganizationChange moves that organization's
//   modified_revision when the change changed something (what
//   DropUnchangedCopies relies on). A change that changes nothing returns
//   b_.Unchanged().
// - Ids the handlers make up (organizations, roots, OUs, SCPs) derive from
//   the batch's revision, so replaying the same batches gives the same ids.
// - Finish() derives the touched organizations' placements
//   (FinishOrganizations).
// Not thread-safe: the builder is single-writer.
#ifndef PDP_ENGINE_WRITE_ORGANIZATION_BUILDER_H_
#define PDP_ENGINE_WRITE_ORGANIZATION_BUILDER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/model/organization_state.h"
#include "engine/model/snapshot.h"
#include "engine/write/organization_change_types.h"
#include "engine/write/snapshot_builder.h"

namespace pdp {

// The organization and SCP change handlers; a nested class so they may use
// the builder's copy-on-write helpers.
class SnapshotBuilder::OrgOps {
 public:
  explicit OrgOps(SnapshotBuilder& b) : b_(b) {}

  absl::Status CreateOrganization(const CreateOrganizationChange& c);

  absl::Status UpdateOrganization(const UpdateOrganizationChange& c);

  absl::Status DeleteOrganization(const DeleteOrganizationChange& c);

  absl::Status CreateOrganizationalUnit(const CreateOrganizationalUnitChange& c);

  absl::Status UpdateOrganizationalUnit(const UpdateOrganizationalUnitChange& c);

  absl::Status DeleteOrganizationalUnit(const DeleteOrganizationalUnitChange& c);

  absl::Status CreateMemberAccount(const CreateMemberAccountChange& c);

  absl::Status InviteAccount(const InviteAccountChange& c);

  absl::Status MoveAccount(const MoveAccountChange& c);

  absl::Status RemoveAccount(const RemoveAccountChange& c);

  absl::Status CreateScp(const CreateScpChange& c);

  absl::Status UpdateScp(const UpdateScpChange& c);

  absl::Status DeleteScp(const DeleteScpChange& c);

  // `tolerant`: attach's allow_existing / detach's allow_missing (an
  // attachment already as asked is a no-op rather than an error).
  absl::Status AttachScp(const AttachScpChange& c, bool attach, bool tolerant);

 private:
  // ---- allow_existing: an object that exists as asked ------------------
  // The organization `account_id` manages, or "".
  std::string OrganizationManagedBy(const std::string& account_id) const;

  absl::Status KeepOrganization(const CreateOrganizationChange& c, const std::string& id);

  // The OU named `name` directly under `parent`, or "".
  static std::string OuNamed(const OrganizationState& org, const std::string& parent,
                             const std::string& name);

  absl::Status KeepOu(OrganizationState& org, OrgNode& ou, const CreateOrganizationalUnitChange& c);

  // A create_member_account or invite_account with allow_existing of an
  // account that is in an organization: fine when it is a (non-management)
  // member of this one; it takes `name` when given and `parent`. Its
  // settings and join method stay as they are.
  absl::Status KeepMember(OrganizationState& org, const std::string& account_id,
                          const std::string& parent, const std::string& name);

  absl::Status Conflict(absl::string_view field, absl::string_view message);

  // AWS: enabling the policy type attaches FullAWSAccess everywhere;
  // disabling it detaches every SCP.
  void SetScpsEnabled(OrganizationState& o, bool enabled);

  // Sets an existing SCP's content (update_scp; create_scp with
  // allow_existing). Content equal to the current one is a no-op that
  // keeps the record, etag included.
  absl::Status ReplaceScp(OrganizationState& org, const std::string& id, const std::string& etag,
                          const std::string& name, const std::string& description,
                          const std::string& document);

  // Deterministic ids: derived from the batch's revision and a seed, so a
  // replay of the same batches assigns the same ids.
  std::string Generate(absl::string_view prefix, int length, absl::string_view seed);

  bool InUse(const std::string& id) const;

  absl::StatusOr<OrganizationState*> Existing(const std::string& id);

  absl::StatusOr<OrgNode*> ExistingOu(OrganizationState& org, const std::string& id);

  absl::StatusOr<OrgMember*> ExistingMember(OrganizationState& org, const std::string& id);

  // The depth of a parent (root: 0), or an error naming `field`.
  absl::StatusOr<int> ParentDepth(const OrganizationState& org, absl::string_view field,
                                  const std::string& parent);

  absl::Status CheckSiblingName(const OrganizationState& org, const std::string& parent,
                                const std::string& name, const std::string& self);

  absl::Status NotEmpty(const std::string& ou, const std::string& what);

  absl::StatusOr<AccountState*> StandaloneAccount(absl::string_view field, const std::string& id);

  void Join(AccountState& account, const std::string& org_id);

  void Leave(const std::string& account_id);

  void Touch(const std::string& account_id);

  void AddMember(OrganizationState& org, const std::string& account_id, const std::string& parent,
                 JoinMethod joined);

  std::vector<std::string> TargetsOf(const OrganizationState& org, const std::string& policy);

  absl::StatusOr<std::vector<std::string>*> TargetPolicies(OrganizationState& org,
                                                           const std::string& target);

  // Marks an SCP as changed (its targets are part of what it reports).
  void TouchScp(OrganizationState& org, const std::string& id);

  absl::StatusOr<ScpRecord*> MutableScp(OrganizationState& org, const std::string& id,
                                        const std::string& etag);

  absl::Status SetScpContent(const OrganizationState& org, ScpRecord& scp, const std::string& name,
                             const std::string& description, const std::string& document);

  SnapshotBuilder& b_;
};

}  // namespace pdp

#endif  // PDP_ENGINE_WRITE_ORGANIZATION_BUILDER_H_
