#include "server/store/state_codec.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "engine/policy/policy_compiler.h"

namespace pdp {
namespace {

namespace rec = pdp::store::v1;

// Join methods are stored by the engine's numbers.
static_assert(static_cast<int>(JoinMethod::kUnspecified) == rec::JOIN_METHOD_UNSPECIFIED);
static_assert(static_cast<int>(JoinMethod::kManagement) == rec::MANAGEMENT);
static_assert(static_cast<int>(JoinMethod::kCreated) == rec::CREATED);
static_assert(static_cast<int>(JoinMethod::kInvited) == rec::INVITED);

// ---- engine -> record -------------------------------------------------

rec::EntityKind KindToRecord(IamArnKind kind) {
  switch (kind) {
    case IamArnKind::kUser:
      return rec::USER;
    case IamArnKind::kGroup:
      return rec::GROUP;
    case IamArnKind::kRole:
      return rec::ROLE;
    default:
      return rec::ENTITY_KIND_UNSPECIFIED;
  }
}

template <typename TagMap, typename Repeated>
void TagsToRecord(const TagMap& tags, Repeated* out) {
  for (const auto& [key, value] : tags) {
    rec::Tag* t = out->Add();
    t->set_key(key);
    t->set_value(value);
  }
}

void EntityToRecord(const std::string& key, const EntityRecord& e, rec::Entity* out) {
  out->set_key(key);
  out->set_kind(KindToRecord(e.kind));
  out->set_arn(e.arn);
  out->set_name(e.name);
  for (const std::string& g : e.groups) out->add_groups(g);
  for (const std::string& a : e.attached) out->add_attached(a);
  for (const InlinePolicyRecord& p : e.inline_policies) {
    rec::InlinePolicy* i = out->add_inline_policies();
    i->set_name(p.name);
    i->set_document(p.document);
  }
  TagsToRecord(e.tags, out->mutable_tags());
  out->set_permissions_boundary(e.permissions_boundary);
  out->set_unique_id(e.unique_id);
  out->set_modified_revision(e.modified_revision);
}

void PolicyToRecord(const std::string& key, const ManagedPolicyRecord& p, rec::ManagedPolicy* out) {
  out->set_key(key);
  out->set_arn(p.arn);
  out->set_description(p.description);
  for (const PolicyVersionRecord& v : p.versions) {
    rec::PolicyVersion* r = out->add_versions();
    r->set_version_id(v.version_id);
    r->set_document(v.document);
  }
  out->set_default_version_id(p.default_version_id);
  out->set_next_version(p.next_version);
  out->set_modified_revision(p.modified_revision);
}

void SessionToRecord(const std::string& key, const SessionRecord& s, rec::RoleSession* out) {
  out->set_key(key);
  out->set_arn(s.arn);
  out->set_role_name(s.role_name);
  out->set_session_name(s.session_name);
  for (const std::string& a : s.policy_arns) out->add_policy_arns(a);
  out->set_policy(s.policy);
  TagsToRecord(s.tags, out->mutable_tags());
  out->set_modified_revision(s.modified_revision);
}

void HeaderToRecord(const AccountState& a, rec::AccountHeader* out) {
  out->set_name(a.name);
  rec::Settings* s = out->mutable_settings();
  s->set_iam_access_to_billing(a.settings.iam_access_to_billing);
  s->set_console_action_set(
      a.settings.console_action_set == ConsoleActionSet::kLegacy ? rec::LEGACY : rec::FINE_GRAINED);
  s->set_cost_explorer_enabled(a.settings.cost_explorer_enabled);
  s->set_linked_account_access(a.settings.linked_account_access);
  out->set_organization_id(a.organization_id);
  out->set_modified_revision(a.modified_revision);
}

bool SameHeader(const AccountState& a, const AccountState& b) {
  return a.name == b.name && a.organization_id == b.organization_id &&
         a.modified_revision == b.modified_revision && a.settings == b.settings;
}

void NodeToRecord(const OrgNode& n, rec::OrgNode* out) {
  out->set_id(n.id);
  out->set_name(n.name);
  out->set_parent_id(n.parent_id);
  for (const std::string& p : n.policy_ids) out->add_policy_ids(p);
}

void MemberToRecord(const OrgMember& m, rec::OrgMember* out) {
  out->set_account_id(m.account_id);
  out->set_parent_id(m.parent_id);
  out->set_joined(static_cast<rec::JoinMethod>(m.joined));
  for (const std::string& p : m.policy_ids) out->add_policy_ids(p);
}

void ScpToRecord(const ScpRecord& s, rec::Scp* out) {
  out->set_id(s.id);
  out->set_name(s.name);
  out->set_description(s.description);
  out->set_document(s.document);
  out->set_aws_managed(s.aws_managed);
  out->set_modified_revision(s.modified_revision);
}

bool SameNode(const OrgNode& a, const OrgNode& b) {
  return a.id == b.id && a.name == b.name && a.parent_id == b.parent_id &&
         a.policy_ids == b.policy_ids;
}

bool SameMember(const OrgMember& a, const OrgMember& b) {
  return a.account_id == b.account_id && a.parent_id == b.parent_id && a.joined == b.joined &&
         a.policy_ids == b.policy_ids;
}

// Walks two maps in key order: `put(key, value)` for every entry of `after`
// that is new or not `same` as in `before`, `erase(key)` for every key only
// in `before`.
template <typename Map, typename Same, typename Put, typename Erase>
void DiffMaps(const Map& before, const Map& after, Same same, Put put, Erase erase) {
  auto b = before.begin();
  auto a = after.begin();
  while (b != before.end() || a != after.end()) {
    if (a == after.end() || (b != before.end() && b->first < a->first)) {
      erase(b->first);
      ++b;
    } else if (b == before.end() || a->first < b->first) {
      put(a->first, a->second);
      ++a;
    } else {
      if (!same(b->second, a->second)) put(a->first, a->second);
      ++a;
      ++b;
    }
  }
}

template <typename Ptr>
bool SamePointer(const Ptr& x, const Ptr& y) {
  return x == y;
}

void DiffAccount(const AccountState* before, const AccountState& after, rec::AccountDelta* out) {
  static const AccountState* const kNone = new AccountState();
  const AccountState& b = before != nullptr ? *before : *kNone;
  if (before == nullptr || !SameHeader(b, after)) HeaderToRecord(after, out->mutable_header());
  DiffMaps(
      b.entities, after.entities, SamePointer<std::shared_ptr<const EntityRecord>>,
      [&](const std::string& k, const auto& v) { EntityToRecord(k, *v, out->add_put_entities()); },
      [&](const std::string& k) { out->add_deleted_entities(k); });
  DiffMaps(
      b.policies, after.policies, SamePointer<std::shared_ptr<const ManagedPolicyRecord>>,
      [&](const std::string& k, const auto& v) { PolicyToRecord(k, *v, out->add_put_policies()); },
      [&](const std::string& k) { out->add_deleted_policies(k); });
  DiffMaps(
      b.sessions, after.sessions, SamePointer<std::shared_ptr<const SessionRecord>>,
      [&](const std::string& k, const auto& v) { SessionToRecord(k, *v, out->add_put_sessions()); },
      [&](const std::string& k) { out->add_deleted_sessions(k); });
}

void DiffOrganization(const OrganizationState* before, const OrganizationState& after,
                      rec::OrganizationDelta* out) {
  static const OrganizationState* const kNone = new OrganizationState();
  const OrganizationState& b = before != nullptr ? *before : *kNone;
  out->set_id(after.id);
  rec::OrganizationHeader* h = out->mutable_header();
  h->set_management_account_id(after.management_account_id);
  h->set_root_id(after.root_id);
  h->set_scps_enabled(after.scps_enabled);
  h->set_modified_revision(after.modified_revision);
  DiffMaps(
      b.nodes, after.nodes, SameNode,
      [&](const std::string&, const OrgNode& n) { NodeToRecord(n, out->add_put_nodes()); },
      [&](const std::string& k) { out->add_deleted_nodes(k); });
  DiffMaps(
      b.members, after.members, SameMember,
      [&](const std::string&, const OrgMember& m) { MemberToRecord(m, out->add_put_members()); },
      [&](const std::string& k) { out->add_deleted_members(k); });
  DiffMaps(
      b.scps, after.scps, SamePointer<std::shared_ptr<const ScpRecord>>,
      [&](const std::string&, const auto& s) { ScpToRecord(*s, out->add_put_scps()); },
      [&](const std::string& k) { out->add_deleted_scps(k); });
}

// ---- record -> engine -------------------------------------------------

absl::Status Unusable(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("stored state record: ", what));
}

// Every account id the server writes is 12 digits; the unique-id index
// (engine/model/unique_id_index.h) relies on it.
absl::Status CheckAccountId(const std::string& id) {
  if (id.empty()) return Unusable("an account without an id");
  if (!IsAccountId(id)) {
    return Unusable(
        absl::StrCat("account id \"", absl::CHexEscape(id.substr(0, 64)), "\" is not 12 digits"));
  }
  return absl::OkStatus();
}

template <typename Repeated>
std::map<std::string, std::string> TagsFromRecord(const Repeated& tags) {
  std::map<std::string, std::string> out;
  for (const rec::Tag& t : tags) out.emplace(t.key(), t.value());
  return out;
}

}  // namespace

void DiffState(const Snapshot& before, const Snapshot& after,
               const absl::btree_set<std::string>& account_ids, rec::StateDelta* delta) {
  for (const std::string& id : account_ids) {
    const AccountState* b = before.FindAccount(id);
    const AccountState* a = after.FindAccount(id);
    if (a == b) continue;
    rec::AccountDelta* out = delta->add_accounts();
    out->set_id(id);
    if (a == nullptr) {
      out->set_deleted(true);
      continue;
    }
    DiffAccount(b, *a, out);
  }
  DiffMaps(
      before.organizations(), after.organizations(),
      SamePointer<std::shared_ptr<const OrganizationState>>,
      [&](const std::string& id, const std::shared_ptr<const OrganizationState>& org) {
        DiffOrganization(before.FindOrganization(id), *org, delta->add_organizations());
      },
      [&](const std::string& id) {
        rec::OrganizationDelta* out = delta->add_organizations();
        out->set_id(id);
        out->set_deleted(true);
      });
  // AWS managed policies: the map is shared until a batch puts one, and
  // then only the records put are new pointers. None is ever removed.
  if (&before.aws_policies() != &after.aws_policies()) {
    for (const auto& [arn, policy] : after.aws_policies()) {
      auto was = before.aws_policies().find(arn);
      if (was != before.aws_policies().end() && was->second == policy) continue;
      PolicyToRecord(arn, *policy, delta->add_put_aws_policies());
    }
  }
}

void AppendAwsPolicyImages(const Snapshot& snapshot, rec::StateDelta* delta) {
  for (const auto& [arn, policy] : snapshot.aws_policies()) {
    if (policy->modified_revision > 0) PolicyToRecord(arn, *policy, delta->add_put_aws_policies());
  }
}

void AppendAccountImage(const AccountState& account, rec::StateDelta* delta) {
  rec::AccountDelta* out = delta->add_accounts();
  out->set_id(account.id);
  DiffAccount(nullptr, account, out);
}

void AppendOrganizationImage(const OrganizationState& organization, rec::StateDelta* delta) {
  DiffOrganization(nullptr, organization, delta->add_organizations());
}

size_t StateRestorer::failed_closed() const {
  absl::MutexLock lock(&mu_);
  return failed_closed_;
}

std::string StateRestorer::last_failure() const {
  absl::MutexLock lock(&mu_);
  return last_failure_;
}

CompiledPolicyPtr StateRestorer::Compile(const std::string& document, const std::string& what) {
  {
    absl::MutexLock lock(&mu_);
    auto it = compiled_.find(document);
    if (it != compiled_.end()) return it->second;
  }
  // Compiled unlocked (another thread may compile the same text meanwhile:
  // the first one stored is kept, so copies still share it).
  // No size limit: quotas were judged when the document was committed.
  absl::StatusOr<CompiledPolicyPtr> compiled = CompilePolicy(document);
  absl::MutexLock lock(&mu_);
  auto it = compiled_.find(document);
  if (it != compiled_.end()) return it->second;
  CompiledPolicyPtr policy;
  if (compiled.ok()) {
    policy = *std::move(compiled);
  } else {
    ++failed_closed_;
    last_failure_ = absl::StrCat(what, ": ", compiled.status().message());
    policy = DenyEverythingPolicy();
  }
  compiled_.emplace(document, policy);
  return policy;
}

absl::Status StateRestorer::ApplyAwsPolicies(const rec::StateDelta& delta,
                                             SnapshotBuilder& builder) {
  for (const rec::ManagedPolicy& r : delta.put_aws_policies()) {
    absl::StatusOr<std::shared_ptr<ManagedPolicyRecord>> p = PolicyFromRecord(r);
    if (!p.ok()) return p.status();
    if (r.key() != r.arn() || !absl::StrContains(r.arn(), ":iam::aws:policy/")) {
      return Unusable(absl::StrCat("AWS managed policy ", r.arn(), " under key ", r.key()));
    }
    (*p)->aws_managed = true;
    builder.RestoreAwsPolicy(*std::move(p));
  }
  return absl::OkStatus();
}

absl::Status StateRestorer::Apply(const rec::StateDelta& delta, SnapshotBuilder& builder) {
  if (absl::Status s = ApplyAwsPolicies(delta, builder); !s.ok()) return s;
  for (const rec::AccountDelta& a : delta.accounts()) {
    absl::Status s = ApplyAccount(a, builder);
    if (!s.ok()) return s;
  }
  for (const rec::OrganizationDelta& o : delta.organizations()) {
    absl::Status s = ApplyOrganization(o, builder);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status StateRestorer::ApplyAccount(const rec::AccountDelta& d, SnapshotBuilder& builder) {
  if (absl::Status s = CheckAccountId(d.id()); !s.ok()) return s;
  if (d.deleted()) {
    builder.RestoreErasedAccount(d.id());
    return absl::OkStatus();
  }
  // A header alone (a settings change) leaves the principals' views as
  // they are.
  const bool views_change = d.put_entities_size() > 0 || d.deleted_entities_size() > 0 ||
                            d.put_policies_size() > 0 || d.deleted_policies_size() > 0 ||
                            d.put_sessions_size() > 0 || d.deleted_sessions_size() > 0;
  AccountState* a = builder.RestoreAccount(d.id(), views_change);
  for (const std::string& k : d.deleted_entities()) a->entities.erase(k);
  for (const std::string& k : d.deleted_policies()) a->policies.erase(k);
  for (const std::string& k : d.deleted_sessions()) a->sessions.erase(k);
  return PutAccountRecords(d, *a);
}

absl::StatusOr<std::shared_ptr<AccountState>> StateRestorer::DecodeAccountImage(
    const rec::AccountDelta& image) {
  if (absl::Status s = CheckAccountId(image.id()); !s.ok()) return s;
  if (image.deleted())
    return Unusable(absl::StrCat("account ", image.id(), " deleted in an image"));
  auto account = std::make_shared<AccountState>();
  account->id = image.id();
  absl::Status s = PutAccountRecords(image, *account);
  if (!s.ok()) return s;
  return account;
}

absl::StatusOr<std::shared_ptr<ManagedPolicyRecord>> StateRestorer::PolicyFromRecord(
    const rec::ManagedPolicy& r) {
  if (r.key().empty()) return Unusable(absl::StrCat("policy ", r.arn(), " without a key"));
  auto p = std::make_shared<ManagedPolicyRecord>();
  p->arn = r.arn();
  p->description = r.description();
  p->versions.reserve(r.versions_size());
  for (const rec::PolicyVersion& v : r.versions()) {
    p->versions.push_back({v.version_id(), v.document()});
    if (v.version_id() == r.default_version_id()) {
      p->default_compiled = Compile(v.document(), r.arn());
    }
  }
  // No default version among the versions: nothing can be decided on it.
  if (p->default_compiled == nullptr) p->default_compiled = DenyEverythingPolicy();
  p->default_version_id = r.default_version_id();
  p->next_version = r.next_version();
  p->modified_revision = r.modified_revision();
  return p;
}

absl::Status StateRestorer::PutAccountRecords(const rec::AccountDelta& d, AccountState& account) {
  AccountState* a = &account;
  if (d.has_header()) {
    const rec::AccountHeader& h = d.header();
    a->name = h.name();
    a->settings = {.iam_access_to_billing = h.settings().iam_access_to_billing(),
                   .console_action_set = h.settings().console_action_set() == rec::LEGACY
                                             ? ConsoleActionSet::kLegacy
                                             : ConsoleActionSet::kFineGrained,
                   .cost_explorer_enabled = h.settings().cost_explorer_enabled(),
                   .linked_account_access = h.settings().linked_account_access()};
    a->organization_id = h.organization_id();
    a->modified_revision = h.modified_revision();
  }
  // Records come in key order (DiffAccount walks the maps in order), so
  // each is put at the end of its map: a hint, right or not.
  for (const rec::Entity& r : d.put_entities()) {
    auto e = std::make_shared<EntityRecord>();
    switch (r.kind()) {
      case rec::USER:
        e->kind = IamArnKind::kUser;
        break;
      case rec::GROUP:
        e->kind = IamArnKind::kGroup;
        break;
      case rec::ROLE:
        e->kind = IamArnKind::kRole;
        break;
      default:
        return Unusable(absl::StrCat("entity ", r.arn(), " of unknown kind ", r.kind()));
    }
    if (r.key().empty()) return Unusable(absl::StrCat("entity ", r.arn(), " without a key"));
    e->arn = r.arn();
    e->name = r.name();
    e->groups.assign(r.groups().begin(), r.groups().end());
    e->attached.assign(r.attached().begin(), r.attached().end());
    e->inline_policies.reserve(r.inline_policies_size());
    for (const rec::InlinePolicy& p : r.inline_policies()) {
      e->inline_policies.push_back(
          {p.name(), p.document(), Compile(p.document(), absl::StrCat(r.arn(), "#", p.name()))});
    }
    e->tags = TagsFromRecord(r.tags());
    e->permissions_boundary = r.permissions_boundary();
    e->unique_id = r.unique_id();
    e->modified_revision = r.modified_revision();
    a->entities.insert_or_assign(a->entities.end(), r.key(), std::move(e));
  }
  for (const rec::ManagedPolicy& r : d.put_policies()) {
    absl::StatusOr<std::shared_ptr<ManagedPolicyRecord>> p = PolicyFromRecord(r);
    if (!p.ok()) return p.status();
    a->policies.insert_or_assign(a->policies.end(), r.key(), *std::move(p));
  }
  for (const rec::RoleSession& r : d.put_sessions()) {
    if (r.key().empty()) return Unusable(absl::StrCat("session ", r.arn(), " without a key"));
    auto s = std::make_shared<SessionRecord>();
    s->arn = r.arn();
    s->role_name = r.role_name();
    s->session_name = r.session_name();
    s->policy_arns.assign(r.policy_arns().begin(), r.policy_arns().end());
    s->policy = r.policy();
    if (!s->policy.empty()) s->policy_compiled = Compile(s->policy, r.arn());
    s->tags = TagsFromRecord(r.tags());
    s->modified_revision = r.modified_revision();
    a->sessions.insert_or_assign(a->sessions.end(), r.key(), std::move(s));
  }
  return absl::OkStatus();
}

absl::Status StateRestorer::ApplyOrganization(const rec::OrganizationDelta& d,
                                              SnapshotBuilder& builder) {
  if (d.id().empty()) return Unusable("an organization without an id");
  if (d.deleted()) {
    builder.RestoreErasedOrganization(d.id());
    return absl::OkStatus();
  }
  OrganizationState* o = builder.RestoreOrganization(d.id());
  if (d.has_header()) {
    o->management_account_id = d.header().management_account_id();
    o->root_id = d.header().root_id();
    o->scps_enabled = d.header().scps_enabled();
    o->modified_revision = d.header().modified_revision();
  }
  for (const std::string& k : d.deleted_nodes()) o->nodes.erase(k);
  for (const std::string& k : d.deleted_members()) o->members.erase(k);
  for (const std::string& k : d.deleted_scps()) o->scps.erase(k);
  for (const rec::OrgNode& r : d.put_nodes()) {
    if (r.id().empty()) return Unusable("an organizational unit without an id");
    o->nodes[r.id()] =
        OrgNode{r.id(), r.name(), r.parent_id(),
                std::vector<std::string>(r.policy_ids().begin(), r.policy_ids().end())};
  }
  for (const rec::OrgMember& r : d.put_members()) {
    if (r.account_id().empty()) return Unusable("an organization member without an account id");
    o->members[r.account_id()] =
        OrgMember{r.account_id(), r.parent_id(), static_cast<JoinMethod>(r.joined()),
                  std::vector<std::string>(r.policy_ids().begin(), r.policy_ids().end())};
  }
  for (const rec::Scp& r : d.put_scps()) {
    if (r.id().empty()) return Unusable("an SCP without an id");
    auto s = std::make_shared<ScpRecord>();
    s->id = r.id();
    s->name = r.name();
    s->description = r.description();
    s->document = r.document();
    s->aws_managed = r.aws_managed();
    s->compiled = Compile(r.document(), r.id());
    s->modified_revision = r.modified_revision();
    o->scps[r.id()] = std::move(s);
  }
  return absl::OkStatus();
}

}  // namespace pdp
