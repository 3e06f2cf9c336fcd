// SnapshotBuilder::OrgOps (organization_builder.h) and the builder's
// organization dispatch.
#include "engine/write/organization_builder.h"

#include <algorithm>
#include <regex>
#include <type_traits>
#include <variant>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "base/strings.h"
#include "engine/policy/policy_compiler.h"
#include "engine/write/builder_errors.h"
#include "engine/write/snapshot_builder_ops.h"

namespace pdp {
namespace {

constexpr int kMaxOuDepth = 5;  // AWS: OUs nest at most five levels under the root
constexpr char kFullAwsAccessDocument[] =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})";

bool Matches(const std::string& s, const char* pattern) {
  static thread_local std::map<const char*, std::regex> cache;
  auto it = cache.find(pattern);
  if (it == cache.end()) it = cache.emplace(pattern, std::regex(pattern)).first;
  return std::regex_match(s, it->second);
}

constexpr char kRootIdPattern[] = "r-[0-9a-z]{4,32}";
constexpr char kPolicyIdPattern[] = "p-[0-9a-zA-Z_]{8,128}";

bool IsOuId(const std::string& id, const std::string& root_id) {
  // ou-<root suffix>-<8 to 32 of [a-z0-9]>, as AWS forms them.
  std::string prefix = absl::StrCat("ou-", root_id.substr(2), "-");
  if (!absl::StartsWith(id, prefix)) return false;
  std::string rest = id.substr(prefix.size());
  return Matches(rest, "[a-z0-9]{8,32}");
}

std::shared_ptr<const ScpRecord> FullAwsAccess() {
  static const std::shared_ptr<const ScpRecord> policy = [] {
    auto p = std::make_shared<ScpRecord>();
    p->id = kFullAwsAccessId;
    p->name = "FullAWSAccess";
    p->description = "Allows access to every operation";
    p->document = kFullAwsAccessDocument;
    p->aws_managed = true;
    p->compiled = *CompilePolicy(p->document);
    return p;
  }();
  return policy;
}

absl::Status CheckName(absl::string_view field, const std::string& name) {
  if (name.empty() || name.size() > 128) return FieldError(field, "must be 1 to 128 characters");
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return FieldError(field, "must not contain control characters");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status SnapshotBuilder::OrgOps::CreateOrganization(const CreateOrganizationChange& c) {
  std::string id = c.organization_id;
  if (!id.empty() && !IsOrganizationId(id)) {
    return FieldError("organization_id", "must match o-[a-z0-9]{10,32}");
  }
  if (c.allow_existing) {
    std::string existing = id.empty() ? OrganizationManagedBy(c.management_account_id) : id;
    if (!existing.empty() && b_.next_->FindOrganization(existing) != nullptr) {
      return KeepOrganization(c, existing);
    }
  }
  if (id.empty()) id = Generate("o-", 10, c.management_account_id);
  if (b_.next_->FindOrganization(id) != nullptr) {
    return FieldError("organization_id", absl::StrCat("organization ", id, " already exists"),
                      absl::StatusCode::kAlreadyExists);
  }
  std::string root = c.root_id;
  if (root.empty()) {
    root = Generate("r-", 4, id);
  } else if (!Matches(root, kRootIdPattern)) {
    return FieldError("root_id", "must match r-[0-9a-z]{4,32}");
  }
  absl::StatusOr<AccountState*> account =
      StandaloneAccount("management_account_id", c.management_account_id);
  if (!account.ok()) return account.status();
  auto org = std::make_shared<OrganizationState>();
  org->id = id;
  org->management_account_id = c.management_account_id;
  org->root_id = root;
  org->scps_enabled = c.scps_enabled;
  org->modified_revision = b_.revision_;
  org->nodes[root] = OrgNode{root, "Root", "", {}};
  org->scps[kFullAwsAccessId] = FullAwsAccess();
  org->members[c.management_account_id] =
      OrgMember{c.management_account_id, root, JoinMethod::kManagement, {}};
  if (org->scps_enabled) {
    org->nodes[root].policy_ids.push_back(kFullAwsAccessId);
    org->members[c.management_account_id].policy_ids.push_back(kFullAwsAccessId);
    // Its targets are new: without this its etag would be the shared
    // record's "0", the same as in any earlier organization of this id.
    TouchScp(*org, kFullAwsAccessId);
  }
  Join(**account, id);
  b_.next_->organizations_[id] = org;
  b_.touched_orgs_[id] = std::move(org);
  b_.assigned_name_ = id;
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::OrgOps::UpdateOrganization(const UpdateOrganizationChange& c) {
  absl::StatusOr<OrganizationState*> org = Existing(c.organization_id);
  if (!org.ok()) return org.status();
  absl::Status s = CheckEtag("etag", c.etag, (*org)->etag());
  if (!s.ok()) return s;
  OrganizationState& o = **org;
  if (o.scps_enabled == c.scps_enabled) return b_.Unchanged();
  SetScpsEnabled(o, c.scps_enabled);
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::OrgOps::DeleteOrganization(const DeleteOrganizationChange& c) {
  absl::StatusOr<OrganizationState*> org = Existing(c.organization_id);
  if (!org.ok()) return org.status();
  absl::Status s = CheckEtag("etag", c.etag, (*org)->etag());
  if (!s.ok()) return s;
  if ((*org)->members.size() > 1) {
    return Refuse(absl::StatusCode::kFailedPrecondition, "organization_id",
                  absl::StrCat("organization ", c.organization_id, " still has ",
                               (*org)->members.size() - 1, " member accounts; remove them first"),
                  "ORGANIZATION_NOT_EMPTY");
  }
  Leave((*org)->management_account_id);
  b_.change_org_ = nullptr;  // about to be destroyed
  b_.next_->organizations_.erase(c.organization_id);
  b_.touched_orgs_.erase(c.organization_id);
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::OrgOps::CreateOrganizationalUnit(
    const CreateOrganizationalUnitChange& c) {
  absl::StatusOr<OrganizationState*> org = Existing(c.organization_id);
  if (!org.ok()) return org.status();
  OrganizationState& o = **org;
  absl::Status s = CheckName("name", c.name);
  if (!s.ok()) return s;
  absl::StatusOr<int> depth = ParentDepth(o, "parent_id", c.parent_id);
  if (!depth.ok()) return depth.status();
  if (c.allow_existing) {
    std::string existing = c.ou_id.empty() ? OuNamed(o, c.parent_id, c.name) : c.ou_id;
    auto it = o.nodes.find(existing);
    if (!existing.empty() && existing != o.root_id && it != o.nodes.end()) {
      return KeepOu(o, it->second, c);
    }
  }
  if (*depth + 1 > kMaxOuDepth) {
    return Refuse(absl::StatusCode::kFailedPrecondition, "parent_id",
                  absl::StrCat("OUs nest at most ", kMaxOuDepth, " levels below the root"),
                  "LIMIT_EXCEEDED");
  }
  s = CheckSiblingName(o, c.parent_id, c.name, "");
  if (!s.ok()) return s;
  std::string id = c.ou_id;
  if (id.empty()) {
    id = absl::StrCat("ou-", o.root_id.substr(2), "-",
                      Generate("", 8, absl::StrCat(o.id, "/", c.parent_id, "/", c.name)));
  } else if (!IsOuId(id, o.root_id)) {
    return FieldError("ou_id", absl::StrCat("must be ou-", o.root_id.substr(2),
                                            "-<8 to 32 of [a-z0-9]> in this organization"));
  }
  if (o.nodes.contains(id)) {
    return FieldError("ou_id", absl::StrCat("OU ", id, " already exists"),
                      absl::StatusCode::kAlreadyExists);
  }
  OrgNode node{id, c.name, c.parent_id, {}};
  if (o.scps_enabled) {
    node.policy_ids.push_back(kFullAwsAccessId);
    TouchScp(o, kFullAwsAccessId);
  }
  o.nodes[id] = std::move(node);
  b_.assigned_name_ = id;
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::OrgOps::UpdateOrganizationalUnit(
    const UpdateOrganizationalUnitChange& c) {
  absl::StatusOr<OrganizationState*> org = Existing(c.organization_id);
  if (!org.ok()) return org.status();
  absl::StatusOr<OrgNode*> ou = ExistingOu(**org, c.ou_id);
  if (!ou.ok()) return ou.status();
  absl::Status s = CheckName("name", c.name);
  if (!s.ok()) return s;
  s = CheckSiblingName(**org, (*ou)->parent_id, c.name, c.ou_id);
  if (!s.ok()) return s;
  if ((*ou)->name == c.name) return b_.Unchanged();
  (*ou)->name = c.name;
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::OrgOps::DeleteOrganizationalUnit(
    const DeleteOrganizationalUnitChange& c) {
  absl::StatusOr<OrganizationState*> org = Existing(c.organization_id);
  if (!org.ok()) return org.status();
  OrganizationState& o = **org;
  absl::StatusOr<OrgNode*> ou = ExistingOu(o, c.ou_id);
  if (!ou.ok()) return ou.status();
  for (const auto& [id, node] : o.nodes) {
    if (node.parent_id == c.ou_id) return NotEmpty(c.ou_id, absl::StrCat("OU ", id));
  }
  for (const auto& [id, member] : o.members) {
    if (member.parent_id == c.ou_id) return NotEmpty(c.ou_id, absl::StrCat("account ", id));
  }
  for (const std::string& p : (*ou)->policy_ids) TouchScp(o, p);
  o.nodes.erase(c.ou_id);
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::OrgOps::CreateMemberAccount(const CreateMemberAccountChange& c) {
  absl::StatusOr<OrganizationState*> org = Existing(c.organization_id);
  if (!org.ok()) return org.status();
  if (c.iam_user_access_to_billing < kIamUserAccessUnspecified ||
      c.iam_user_access_to_billing > kIamUserAccessDeny) {
    return FieldError("iam_user_access_to_billing", "must be ALLOW or DENY");
  }
  CreateAccountChange create;
  create.account.id = c.account_id;
  create.account.name = c.name;
  // As Organizations' CreateAccount: IAM access to billing is on unless
  // the request says DENY.
  create.account.settings.iam_access_to_billing =
      c.iam_user_access_to_billing != kIamUserAccessDeny;
  std::string parent = c.parent_id.empty() ? (*org)->root_id : c.parent_id;
  absl::StatusOr<int> depth = ParentDepth(**org, "parent_id", parent);
  if (!depth.ok()) return depth.status();
  if (!IsAccountId(c.account_id)) return FieldError("account_id", "must be exactly 12 digits");
  if (c.name.size() > 256) return FieldError("name", "is longer than 256 characters");
  const AccountState* existing = b_.next_->FindAccount(c.account_id);
  if (existing != nullptr && c.allow_existing && !existing->organization_id.empty()) {
    return KeepMember(**org, c.account_id, parent, c.name);
  }
  if (existing != nullptr) {
    return FieldError("account_id",
                      absl::StrCat("account ", c.account_id,
                                   " already exists (invite_account brings an existing one in)"),
                      absl::StatusCode::kAlreadyExists);
  }
  absl::Status s = Ops(b_).CreateAccount(create);
  if (!s.ok()) return s;
  AddMember(**org, c.account_id, parent, JoinMethod::kCreated);
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::OrgOps::InviteAccount(const InviteAccountChange& c) {
  absl::StatusOr<OrganizationState*> org = Existing(c.organization_id);
  if (!org.ok()) return org.status();
  std::string parent = c.parent_id.empty() ? (*org)->root_id : c.parent_id;
  absl::StatusOr<int> depth = ParentDepth(**org, "parent_id", parent);
  if (!depth.ok()) return depth.status();
  if (c.allow_existing && IsAccountId(c.account_id)) {
    const AccountState* existing = b_.next_->FindAccount(c.account_id);
    if (existing != nullptr && !existing->organization_id.empty()) {
      return KeepMember(**org, c.account_id, parent, "");
    }
  }
  absl::StatusOr<AccountState*> account = StandaloneAccount("account_id", c.account_id);
  if (!account.ok()) return account.status();
  Join(**account, (*org)->id);
  AddMember(**org, c.account_id, parent, JoinMethod::kInvited);
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::OrgOps::MoveAccount(const MoveAccountChange& c) {
  absl::StatusOr<OrganizationState*> org = Existing(c.organization_id);
  if (!org.ok()) return org.status();
  absl::StatusOr<OrgMember*> member = ExistingMember(**org, c.account_id);
  if (!member.ok()) return member.status();
  absl::StatusOr<int> depth = ParentDepth(**org, "destination_parent_id", c.destination_parent_id);
  if (!depth.ok()) return depth.status();
  if ((*member)->parent_id == c.destination_parent_id) return b_.Unchanged();
  (*member)->parent_id = c.destination_parent_id;
  Touch(c.account_id);
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::OrgOps::RemoveAccount(const RemoveAccountChange& c) {
  absl::StatusOr<OrganizationState*> org = Existing(c.organization_id);
  if (!org.ok()) return org.status();
  absl::StatusOr<OrgMember*> member = ExistingMember(**org, c.account_id);
  if (!member.ok()) return member.status();
  if ((*member)->joined == JoinMethod::kManagement) {
    return Refuse(absl::StatusCode::kFailedPrecondition, "account_id",
                  "the management account cannot leave its organization; delete the "
                  "organization instead",
                  "MANAGEMENT_ACCOUNT");
  }
  for (const std::string& p : (*member)->policy_ids) TouchScp(**org, p);
  (*org)->members.erase(c.account_id);
  Leave(c.account_id);
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::OrgOps::CreateScp(const CreateScpChange& c) {
  absl::StatusOr<OrganizationState*> org = Existing(c.organization_id);
  if (!org.ok()) return org.status();
  OrganizationState& o = **org;
  std::string id = c.policy_id;
  if (!id.empty() && !Matches(id, kPolicyIdPattern)) {
    return FieldError("policy_id", "must match p-[0-9a-zA-Z_]{8,128}");
  }
  if (c.allow_existing) {
    std::string existing = id;
    for (const auto& [scp_id, scp] : o.scps) {
      if (existing.empty() && scp->name == c.name) existing = scp_id;
    }
    if (!existing.empty() && o.scps.contains(existing)) {
      b_.assigned_name_ = existing;
      return ReplaceScp(o, existing, "", c.name, c.description, c.document);
    }
  }
  if (id.empty()) id = Generate("p-", 8, absl::StrCat(o.id, "/", c.name));
  if (o.scps.contains(id)) {
    return FieldError("policy_id", absl::StrCat("SCP ", id, " already exists"),
                      absl::StatusCode::kAlreadyExists);
  }
  auto scp = std::make_shared<ScpRecord>();
  scp->id = id;
  absl::Status s = SetScpContent(o, *scp, c.name, c.description, c.document);
  if (!s.ok()) return s;
  scp->modified_revision = b_.revision_;
  o.scps[id] = std::move(scp);
  b_.assigned_name_ = id;
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::OrgOps::UpdateScp(const UpdateScpChange& c) {
  absl::StatusOr<OrganizationState*> org = Existing(c.organization_id);
  if (!org.ok()) return org.status();
  auto current = (*org)->scps.find(c.policy_id);
  const ScpRecord* found = current == (*org)->scps.end() ? nullptr : current->second.get();
  // Empty name or document: the current one (ReplaceScp refuses a
  // missing SCP before it reads these).
  return ReplaceScp(**org, c.policy_id, c.etag, c.name.empty() && found ? found->name : c.name,
                    c.description, c.document.empty() && found ? found->document : c.document);
}

absl::Status SnapshotBuilder::OrgOps::DeleteScp(const DeleteScpChange& c) {
  absl::StatusOr<OrganizationState*> org = Existing(c.organization_id);
  if (!org.ok()) return org.status();
  absl::StatusOr<ScpRecord*> scp = MutableScp(**org, c.policy_id, c.etag);
  if (!scp.ok()) return scp.status();
  std::vector<std::string> targets = TargetsOf(**org, c.policy_id);
  if (!targets.empty()) {
    return Refuse(absl::StatusCode::kFailedPrecondition, "policy_id",
                  absl::StrCat("SCP ", c.policy_id, " is attached to ", targets.size(),
                               " targets (", targets.front(), " ...); detach it first"),
                  "DELETE_CONFLICT");
  }
  (*org)->scps.erase(c.policy_id);
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::OrgOps::AttachScp(const AttachScpChange& c, bool attach,
                                                bool tolerant) {
  absl::StatusOr<OrganizationState*> org = Existing(c.organization_id);
  if (!org.ok()) return org.status();
  OrganizationState& o = **org;
  if (!o.scps_enabled) {
    return Refuse(absl::StatusCode::kFailedPrecondition, "organization_id",
                  absl::StrCat("SCPs are not enabled in organization ", o.id,
                               " (update_organization with scps_enabled)"),
                  "SCPS_NOT_ENABLED");
  }
  if (!o.scps.contains(c.policy_id)) {
    return NotFound("policy_id", absl::StrCat("SCP ", ShortInput(c.policy_id)));
  }
  absl::StatusOr<std::vector<std::string>*> list = TargetPolicies(o, c.target_id);
  if (!list.ok()) return list.status();
  auto it = std::find((*list)->begin(), (*list)->end(), c.policy_id);
  if (attach) {
    if (it != (*list)->end()) {
      if (tolerant) return b_.Unchanged();
      return FieldError("policy_id",
                        absl::StrCat("SCP ", c.policy_id, " is already attached to ", c.target_id),
                        absl::StatusCode::kAlreadyExists);
    }
    if ((*list)->size() >= b_.limits_.max_scps_per_target) {
      return Refuse(absl::StatusCode::kFailedPrecondition, "target_id",
                    absl::StrCat("at most ", b_.limits_.max_scps_per_target,
                                 " SCPs can be attached to ", c.target_id),
                    "LIMIT_EXCEEDED");
    }
    (*list)->push_back(c.policy_id);
  } else {
    if (it == (*list)->end()) {
      if (tolerant) return b_.Unchanged();
      return NotFound("policy_id",
                      absl::StrCat("an attachment of ", c.policy_id, " to ", c.target_id));
    }
    if ((*list)->size() == 1) {
      return Refuse(absl::StatusCode::kFailedPrecondition, "policy_id",
                    absl::StrCat(c.target_id,
                                 " must keep at least one SCP (attach another first; "
                                 "without any, nothing would be allowed)"),
                    "MIN_POLICY_ATTACHMENT");
    }
    (*list)->erase(it);
  }
  TouchScp(o, c.policy_id);
  return absl::OkStatus();
}

std::string SnapshotBuilder::OrgOps::OrganizationManagedBy(const std::string& account_id) const {
  const AccountState* account = b_.next_->FindAccount(account_id);
  if (account == nullptr || account->organization_id.empty()) return "";
  const OrganizationState* org = b_.next_->FindOrganization(account->organization_id);
  if (org == nullptr || org->management_account_id != account_id) return "";
  return org->id;
}

absl::Status SnapshotBuilder::OrgOps::KeepOrganization(const CreateOrganizationChange& c,
                                                       const std::string& id) {
  const OrganizationState* current = b_.next_->FindOrganization(id);
  if (current->management_account_id != c.management_account_id) {
    return Conflict("management_account_id",
                    absl::StrCat("organization ", id, " exists with management account ",
                                 current->management_account_id, ", not ",
                                 ShortInput(c.management_account_id)));
  }
  if (!c.root_id.empty() && current->root_id != c.root_id) {
    return Conflict("root_id", absl::StrCat("organization ", id, " exists with root ",
                                            current->root_id, ", not ", ShortInput(c.root_id)));
  }
  b_.assigned_name_ = id;
  if (current->scps_enabled == c.scps_enabled) return b_.Unchanged();
  if (!c.scps_enabled) {
    // Disabling detaches every SCP (every guardrail): never from a field
    // a file may simply have left out.
    return Conflict("scps_enabled",
                    absl::StrCat("SCPs are enabled in organization ", id,
                                 "; disabling them detaches every SCP and takes "
                                 "update_organization (or set scps_enabled: true)"));
  }
  absl::StatusOr<OrganizationState*> org = Existing(id);
  if (!org.ok()) return org.status();
  SetScpsEnabled(**org, true);
  return absl::OkStatus();
}

std::string SnapshotBuilder::OrgOps::OuNamed(const OrganizationState& org,
                                             const std::string& parent, const std::string& name) {
  for (const auto& [id, node] : org.nodes) {
    if (id != org.root_id && node.parent_id == parent && node.name == name) return id;
  }
  return "";
}

absl::Status SnapshotBuilder::OrgOps::KeepOu(OrganizationState& org, OrgNode& ou,
                                             const CreateOrganizationalUnitChange& c) {
  if (ou.parent_id != c.parent_id) {
    return Conflict("parent_id",
                    absl::StrCat("OU ", ou.id, " exists under ", ou.parent_id, ", not ",
                                 ShortInput(c.parent_id), " (OUs do not move)"));
  }
  b_.assigned_name_ = ou.id;
  if (ou.name == c.name) return b_.Unchanged();
  absl::Status s = CheckSiblingName(org, ou.parent_id, c.name, ou.id);
  if (!s.ok()) return s;
  ou.name = c.name;
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::OrgOps::KeepMember(OrganizationState& org,
                                                 const std::string& account_id,
                                                 const std::string& parent,
                                                 const std::string& name) {
  const AccountState* account = b_.next_->FindAccount(account_id);
  auto member = org.members.find(account_id);
  if (account->organization_id != org.id || member == org.members.end()) {
    return Refuse(absl::StatusCode::kFailedPrecondition, "account_id",
                  absl::StrCat("account ", account_id, " is already in organization ",
                               account->organization_id),
                  "ACCOUNT_IN_ORGANIZATION");
  }
  if (member->second.joined == JoinMethod::kManagement) {
    return Refuse(absl::StatusCode::kFailedPrecondition, "account_id",
                  absl::StrCat("account ", account_id, " is the management account of ", org.id,
                               ", not a member to create or invite"),
                  "MANAGEMENT_ACCOUNT");
  }
  bool renamed = !name.empty() && account->name != name;
  bool moved = member->second.parent_id != parent;
  if (!renamed && !moved) return b_.Unchanged();
  if (renamed) {
    AccountState* mutable_account = b_.MutableAccount(account_id, /*views_change=*/false);
    mutable_account->name = name;
    mutable_account->modified_revision = b_.revision_;
  }
  if (moved) {
    member->second.parent_id = parent;
    Touch(account_id);
  } else {
    b_.change_org_ = nullptr;  // only the account's name: the organization stays as it was
  }
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::OrgOps::Conflict(absl::string_view field, absl::string_view message) {
  return Refuse(absl::StatusCode::kFailedPrecondition, field, message, "EXISTING_CONFLICT");
}

void SnapshotBuilder::OrgOps::SetScpsEnabled(OrganizationState& o, bool enabled) {
  o.scps_enabled = enabled;
  std::vector<std::string> initial;
  if (o.scps_enabled) initial.push_back(kFullAwsAccessId);
  for (auto& [id, node] : o.nodes) node.policy_ids = initial;
  for (auto& [id, member] : o.members) member.policy_ids = initial;
  for (auto& [id, scp] : o.scps) TouchScp(o, id);
}

absl::Status SnapshotBuilder::OrgOps::ReplaceScp(OrganizationState& org, const std::string& id,
                                                 const std::string& etag, const std::string& name,
                                                 const std::string& description,
                                                 const std::string& document) {
  auto current = org.scps.find(id);
  std::shared_ptr<const ScpRecord> original = current == org.scps.end() ? nullptr : current->second;
  absl::StatusOr<ScpRecord*> scp = MutableScp(org, id, etag);
  if (!scp.ok()) return scp.status();
  absl::Status s = SetScpContent(org, **scp, name, description, document);
  if (!s.ok()) return s;
  if ((*scp)->name == original->name && (*scp)->description == original->description &&
      (*scp)->document == original->document) {
    org.scps[id] = std::move(original);  // as it was, etag included
    return b_.Unchanged();
  }
  return absl::OkStatus();
}

std::string SnapshotBuilder::OrgOps::Generate(absl::string_view prefix, int length,
                                              absl::string_view seed) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int attempt = 0;; ++attempt) {
    uint64_t h = 1469598103934665603ull;
    for (char ch : absl::StrCat(seed, "#", b_.revision_, "#", attempt)) {
      h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
    }
    std::string id(prefix);
    for (int i = 0; i < length; ++i) {
      id += kAlphabet[h % 36];
      h = h / 36 ^ (h * 0x9E3779B97F4A7C15ull);
    }
    if (!InUse(id)) return id;
  }
}

bool SnapshotBuilder::OrgOps::InUse(const std::string& id) const {
  if (b_.next_->FindOrganization(id) != nullptr) return true;
  for (const auto& [org_id, org] : b_.next_->organizations()) {
    if (org->nodes.contains(id) || org->scps.contains(id)) return true;
  }
  return false;
}

absl::StatusOr<OrganizationState*> SnapshotBuilder::OrgOps::Existing(const std::string& id) {
  if (id.empty()) return FieldError("organization_id", "is required");
  OrganizationState* org = b_.MutableOrganization(id);
  if (org == nullptr)
    return NotFound("organization_id", absl::StrCat("organization ", ShortInput(id)));
  // Its modified_revision moves after the change, if it changed anything
  // (ApplyOrganizationChange).
  b_.change_org_ = org;
  return org;
}

absl::StatusOr<OrgNode*> SnapshotBuilder::OrgOps::ExistingOu(OrganizationState& org,
                                                             const std::string& id) {
  auto it = org.nodes.find(id);
  if (id.empty()) return FieldError("ou_id", "is required");
  if (it == org.nodes.end() || id == org.root_id) {
    return NotFound("ou_id", absl::StrCat("OU ", ShortInput(id), " in organization ", org.id));
  }
  return &it->second;
}

absl::StatusOr<OrgMember*> SnapshotBuilder::OrgOps::ExistingMember(OrganizationState& org,
                                                                   const std::string& id) {
  auto it = org.members.find(id);
  if (it == org.members.end()) {
    return NotFound("account_id",
                    absl::StrCat("account ", ShortInput(id), " in organization ", org.id));
  }
  return &it->second;
}

absl::StatusOr<int> SnapshotBuilder::OrgOps::ParentDepth(const OrganizationState& org,
                                                         absl::string_view field,
                                                         const std::string& parent) {
  if (parent.empty()) return FieldError(field, "is required (the root or an OU id)");
  int depth = 0;
  for (std::string id = parent; id != org.root_id; ++depth) {
    auto it = org.nodes.find(id);
    if (it == org.nodes.end() || depth > kMaxOuDepth) {
      return NotFound(field,
                      absl::StrCat("parent ", ShortInput(parent), " in organization ", org.id));
    }
    id = it->second.parent_id;
  }
  return depth;
}

absl::Status SnapshotBuilder::OrgOps::CheckSiblingName(const OrganizationState& org,
                                                       const std::string& parent,
                                                       const std::string& name,
                                                       const std::string& self) {
  for (const auto& [id, node] : org.nodes) {
    if (id != self && node.parent_id == parent && node.name == name) {
      return FieldError("name",
                        absl::StrCat("an OU named ", name, " already exists under ", parent),
                        absl::StatusCode::kAlreadyExists);
    }
  }
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::OrgOps::NotEmpty(const std::string& ou, const std::string& what) {
  return Refuse(absl::StatusCode::kFailedPrecondition, "ou_id",
                absl::StrCat("OU ", ou, " still holds ", what, "; move or delete it first"),
                "ORGANIZATION_NOT_EMPTY");
}

absl::StatusOr<AccountState*> SnapshotBuilder::OrgOps::StandaloneAccount(absl::string_view field,
                                                                         const std::string& id) {
  if (!IsAccountId(id)) return FieldError(field, "must be exactly 12 digits");
  const AccountState* current = b_.next_->FindAccount(id);
  if (current == nullptr) return NotFound(field, absl::StrCat("account ", id));
  if (!current->organization_id.empty()) {
    return Refuse(
        absl::StatusCode::kFailedPrecondition, field,
        absl::StrCat("account ", id, " is already in organization ", current->organization_id),
        "ACCOUNT_IN_ORGANIZATION");
  }
  return b_.MutableAccount(id, /*views_change=*/false);
}

void SnapshotBuilder::OrgOps::Join(AccountState& account, const std::string& org_id) {
  account.organization_id = org_id;
  account.modified_revision = b_.revision_;
}

void SnapshotBuilder::OrgOps::Leave(const std::string& account_id) {
  AccountState* account = b_.MutableAccount(account_id, /*views_change=*/false);
  if (account == nullptr) return;
  account->organization_id.clear();
  account->modified_revision = b_.revision_;
}

void SnapshotBuilder::OrgOps::Touch(const std::string& account_id) {
  AccountState* account = b_.MutableAccount(account_id, /*views_change=*/false);
  if (account != nullptr) account->modified_revision = b_.revision_;
}

void SnapshotBuilder::OrgOps::AddMember(OrganizationState& org, const std::string& account_id,
                                        const std::string& parent, JoinMethod joined) {
  OrgMember member{account_id, parent, joined, {}};
  if (org.scps_enabled) {
    member.policy_ids.push_back(kFullAwsAccessId);
    TouchScp(org, kFullAwsAccessId);
  }
  org.members[account_id] = std::move(member);
  AccountState* account = b_.MutableAccount(account_id, /*views_change=*/false);
  Join(*account, org.id);
}

std::vector<std::string> SnapshotBuilder::OrgOps::TargetsOf(const OrganizationState& org,
                                                            const std::string& policy) {
  std::vector<std::string> targets;
  auto has = [&](const std::vector<std::string>& ids) {
    return std::find(ids.begin(), ids.end(), policy) != ids.end();
  };
  for (const auto& [id, node] : org.nodes) {
    if (has(node.policy_ids)) targets.push_back(id);
  }
  for (const auto& [id, member] : org.members) {
    if (has(member.policy_ids)) targets.push_back(id);
  }
  return targets;
}

absl::StatusOr<std::vector<std::string>*> SnapshotBuilder::OrgOps::TargetPolicies(
    OrganizationState& org, const std::string& target) {
  if (target.empty()) return FieldError("target_id", "is required (root, OU or account id)");
  auto node = org.nodes.find(target);
  if (node != org.nodes.end()) return &node->second.policy_ids;
  auto member = org.members.find(target);
  if (member != org.members.end()) return &member->second.policy_ids;
  return NotFound("target_id",
                  absl::StrCat("target ", ShortInput(target), " in organization ", org.id));
}

void SnapshotBuilder::OrgOps::TouchScp(OrganizationState& org, const std::string& id) {
  auto it = org.scps.find(id);
  if (it == org.scps.end() || it->second->modified_revision == b_.revision_) return;
  auto copy = std::make_shared<ScpRecord>(*it->second);
  copy->modified_revision = b_.revision_;
  it->second = std::move(copy);
}

absl::StatusOr<ScpRecord*> SnapshotBuilder::OrgOps::MutableScp(OrganizationState& org,
                                                               const std::string& id,
                                                               const std::string& etag) {
  auto it = org.scps.find(id);
  if (id.empty()) return FieldError("policy_id", "is required");
  if (it == org.scps.end()) return NotFound("policy_id", absl::StrCat("SCP ", ShortInput(id)));
  if (it->second->aws_managed) {
    return Refuse(absl::StatusCode::kPermissionDenied, "policy_id",
                  absl::StrCat(id, " is managed by AWS and cannot be changed"),
                  "AWS_MANAGED_READ_ONLY");
  }
  absl::Status s = CheckEtag("etag", etag, it->second->etag());
  if (!s.ok()) return s;
  auto copy = std::make_shared<ScpRecord>(*it->second);
  copy->modified_revision = b_.revision_;
  ScpRecord* raw = copy.get();
  it->second = std::move(copy);
  return raw;
}

absl::Status SnapshotBuilder::OrgOps::SetScpContent(const OrganizationState& org, ScpRecord& scp,
                                                    const std::string& name,
                                                    const std::string& description,
                                                    const std::string& document) {
  absl::Status s = CheckName("name", name);
  if (!s.ok()) return s;
  for (const auto& [id, other] : org.scps) {
    if (id != scp.id && other->name == name) {
      return FieldError("name", absl::StrCat("an SCP named ", name, " already exists (", id, ")"),
                        absl::StatusCode::kAlreadyExists);
    }
  }
  if (description.size() > 512) return FieldError("description", "is longer than 512 characters");
  if (document.empty()) return FieldError("document", "is required");
  // Organizations limits an SCP's size in bytes, white space included
  // (unlike IAM, which does not count white space).
  if (document.size() > b_.limits_.max_scp_bytes) {
    return Refuse(absl::StatusCode::kInvalidArgument, "document",
                  absl::StrCat("an SCP is at most ", b_.limits_.max_scp_bytes,
                               " bytes, white space included; this one has ", document.size()),
                  "LIMIT_EXCEEDED");
  }
  absl::StatusOr<CompiledPolicyPtr> compiled = CompilePolicy(document);
  if (!compiled.ok()) return AtField("document", compiled.status());
  scp.name = name;
  scp.description = description;
  scp.document = document;
  scp.compiled = *compiled;
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::ApplyOrganizationChange(const ChangeKind& kind) {
  absl::Status s = ApplyOrganizationKind(kind);
  if (s.ok() && !unchanged_ && change_org_ != nullptr) change_org_->modified_revision = revision_;
  return s;
}

absl::Status SnapshotBuilder::ApplyOrganizationKind(const ChangeKind& kind) {
  OrgOps ops(*this);
  // Exact types, as in ApplyKind.
  return std::visit(
      [&](const auto& c) -> absl::Status {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, CreateOrganizationChange>) {
          return ops.CreateOrganization(c);
        } else if constexpr (std::is_same_v<T, UpdateOrganizationChange>) {
          return ops.UpdateOrganization(c);
        } else if constexpr (std::is_same_v<T, DeleteOrganizationChange>) {
          return ops.DeleteOrganization(c);
        } else if constexpr (std::is_same_v<T, CreateOrganizationalUnitChange>) {
          return ops.CreateOrganizationalUnit(c);
        } else if constexpr (std::is_same_v<T, UpdateOrganizationalUnitChange>) {
          return ops.UpdateOrganizationalUnit(c);
        } else if constexpr (std::is_same_v<T, DeleteOrganizationalUnitChange>) {
          return ops.DeleteOrganizationalUnit(c);
        } else if constexpr (std::is_same_v<T, CreateMemberAccountChange>) {
          return ops.CreateMemberAccount(c);
        } else if constexpr (std::is_same_v<T, InviteAccountChange>) {
          return ops.InviteAccount(c);
        } else if constexpr (std::is_same_v<T, MoveAccountChange>) {
          return ops.MoveAccount(c);
        } else if constexpr (std::is_same_v<T, RemoveAccountChange>) {
          return ops.RemoveAccount(c);
        } else if constexpr (std::is_same_v<T, CreateScpChange>) {
          return ops.CreateScp(c);
        } else if constexpr (std::is_same_v<T, UpdateScpChange>) {
          return ops.UpdateScp(c);
        } else if constexpr (std::is_same_v<T, DeleteScpChange>) {
          return ops.DeleteScp(c);
        } else if constexpr (std::is_same_v<T, AttachScpChange>) {
          return ops.AttachScp(c, true, c.allow_existing);
        } else if constexpr (std::is_same_v<T, DetachScpChange>) {
          return ops.AttachScp({.organization_id = c.organization_id,
                                .policy_id = c.policy_id,
                                .target_id = c.target_id},
                               false, c.allow_missing);
        } else {
          return FieldError("kind", "not an organization change");
        }
      },
      kind);
}

void SnapshotBuilder::FinishOrganizations() {
  for (auto& [id, org] : touched_orgs_) {
    org->DerivePlacements(next_->catalog());
    for (const auto& [account_id, member] : org->members) affected_.insert(account_id);
  }
  touched_orgs_.clear();
}

}  // namespace pdp
