#include "server/wire/record_protos.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "base/strings.h"

namespace pdp {
namespace {

static_assert(static_cast<int>(ConsoleActionSet::kFineGrained) == pdp::v1::FINE_GRAINED);
static_assert(static_cast<int>(ConsoleActionSet::kLegacy) == pdp::v1::LEGACY);
static_assert(static_cast<int>(Console::kBilling) == pdp::v1::BILLING);
static_assert(static_cast<int>(Console::kCostManagement) == pdp::v1::COST_MANAGEMENT);
static_assert(static_cast<int>(Console::kOther) == pdp::v1::OTHER);
static_assert(static_cast<int>(JoinMethod::kUnspecified) == pdp::v1::JOIN_METHOD_UNSPECIFIED);
static_assert(static_cast<int>(JoinMethod::kManagement) == pdp::v1::MANAGEMENT);
static_assert(static_cast<int>(JoinMethod::kCreated) == pdp::v1::CREATED);
static_assert(static_cast<int>(JoinMethod::kInvited) == pdp::v1::INVITED);
// Access: server/wire/wire_decide.cc.

pdp::v1::JoinMethod ToProto(JoinMethod joined) { return static_cast<pdp::v1::JoinMethod>(joined); }

void FillActionSet(const ActionRequirements& req, pdp::v1::ActionSetRequirements& out) {
  for (const CatalogAction& a : req.view) out.add_view(a.display);
  for (const std::string& a : req.modify_listed) out.add_modify(a);
}

template <typename Proto>
void FillCommon(const EntityRecord& e, Proto& p) {
  p.set_arn(e.arn);
  for (const std::string& a : e.attached) p.add_attached_policies(a);
  for (const InlinePolicyRecord& i : e.inline_policies) {
    auto* ip = p.add_inline_policies();
    ip->set_name(i.name);
    ip->set_document(i.document);
  }
  p.set_etag(e.etag());
}

}  // namespace

pdp::v1::Account AccountToProto(const AccountState& account,
                                const OrganizationState* organization) {
  pdp::v1::Account a;
  a.set_id(account.id);
  a.set_name(account.name);
  *a.mutable_settings() = SettingsToProto(account.settings);
  a.set_etag(account.etag());
  if (organization != nullptr) {
    auto member = organization->members.find(account.id);
    pdp::v1::OrganizationMembership* m = a.mutable_organization();
    m->set_organization_id(organization->id);
    if (member != organization->members.end()) {
      m->set_parent_id(member->second.parent_id);
      m->set_joined(ToProto(member->second.joined));
    }
  }
  return a;
}

pdp::v1::Organization OrganizationToProto(const OrganizationState& org) {
  pdp::v1::Organization o;
  o.set_id(org.id);
  o.set_management_account_id(org.management_account_id);
  o.set_root_id(org.root_id);
  o.set_scps_enabled(org.scps_enabled);
  o.set_etag(org.etag());
  absl::flat_hash_map<std::string, std::vector<std::string>> targets;
  for (const auto& [id, node] : org.nodes) {
    for (const std::string& p : node.policy_ids) targets[p].push_back(id);
    if (id == org.root_id) {
      for (const std::string& p : node.policy_ids) o.add_root_policy_ids(p);
      continue;
    }
    pdp::v1::OrganizationalUnit* ou = o.add_organizational_units();
    ou->set_id(id);
    ou->set_name(node.name);
    ou->set_parent_id(node.parent_id);
    for (const std::string& p : node.policy_ids) ou->add_policy_ids(p);
  }
  for (const auto& [id, member] : org.members) {
    pdp::v1::OrganizationAccount* a = o.add_accounts();
    a->set_account_id(id);
    a->set_parent_id(member.parent_id);
    a->set_joined(ToProto(member.joined));
    for (const std::string& p : member.policy_ids) {
      a->add_policy_ids(p);
      targets[p].push_back(id);
    }
  }
  for (const auto& [id, scp] : org.scps) {
    pdp::v1::ServiceControlPolicy* p = o.add_policies();
    p->set_id(id);
    p->set_name(scp->name);
    p->set_description(scp->description);
    p->set_document(scp->document);
    p->set_aws_managed(scp->aws_managed);
    p->set_etag(scp->etag());
    for (const std::string& t : targets[id]) p->add_targets(t);
  }
  return o;
}

pdp::v1::User UserToProto(const EntityRecord& user) {
  pdp::v1::User u;
  FillCommon(user, u);
  u.set_permissions_boundary(user.permissions_boundary);
  u.set_unique_id(user.unique_id);
  for (const std::string& g : user.groups) u.add_groups(g);
  for (const auto& [k, v] : user.tags) (*u.mutable_tags())[k] = v;
  return u;
}

pdp::v1::Group GroupToProto(const EntityRecord& group, const AccountState& account) {
  pdp::v1::Group g;
  FillCommon(group, g);
  g.set_unique_id(group.unique_id);
  std::string lower = AsciiLower(group.name);
  for (const auto& [key, e] : account.entities) {
    if (e->kind != IamArnKind::kUser) continue;
    if (std::any_of(e->groups.begin(), e->groups.end(),
                    [&](const std::string& n) { return AsciiLower(n) == lower; })) {
      g.add_members(e->arn);
    }
  }
  return g;
}

pdp::v1::Role RoleToProto(const EntityRecord& role) {
  pdp::v1::Role r;
  FillCommon(role, r);
  r.set_permissions_boundary(role.permissions_boundary);
  r.set_unique_id(role.unique_id);
  for (const auto& [k, v] : role.tags) (*r.mutable_tags())[k] = v;
  return r;
}

pdp::v1::RoleSession SessionToProto(const SessionRecord& session) {
  pdp::v1::RoleSession s;
  s.set_arn(session.arn);
  for (const std::string& a : session.policy_arns) s.add_policy_arns(a);
  s.set_policy(session.policy);
  for (const auto& [k, v] : session.tags) (*s.mutable_tags())[k] = v;
  s.set_etag(session.etag());
  return s;
}

pdp::v1::ManagedPolicy PolicyToProto(const ManagedPolicyRecord& policy,
                                     const AccountState* account) {
  pdp::v1::ManagedPolicy p;
  p.set_arn(policy.arn);
  p.set_description(policy.description);
  p.set_default_version_id(policy.default_version_id);
  p.set_aws_managed(policy.aws_managed);
  p.set_bundled(policy.aws_managed && policy.modified_revision == 0);
  p.set_etag(policy.etag());
  for (const PolicyVersionRecord& v : policy.versions) {
    *p.add_versions() = PolicyVersionToProto(v, policy);
  }
  if (account != nullptr) {
    int count = 0;
    for (const auto& [key, e] : account->entities) {
      count += static_cast<int>(std::count(e->attached.begin(), e->attached.end(), policy.arn));
    }
    p.set_attachment_count(count);
  }
  return p;
}

pdp::v1::PolicyVersion PolicyVersionToProto(const PolicyVersionRecord& version,
                                            const ManagedPolicyRecord& policy) {
  pdp::v1::PolicyVersion v;
  v.set_version_id(version.version_id);
  v.set_document(version.document);
  v.set_is_default(version.version_id == policy.default_version_id);
  return v;
}

pdp::v1::AccountSettings SettingsToProto(const AccountSettings& settings) {
  pdp::v1::AccountSettings s;
  s.set_iam_access_to_billing(settings.iam_access_to_billing);
  s.set_console_action_set(static_cast<pdp::v1::ConsoleActionSet>(settings.console_action_set));
  s.set_cost_explorer_enabled(settings.cost_explorer_enabled);
  s.set_linked_account_access(settings.linked_account_access);
  return s;
}

pdp::v1::Page PageToProto(const CatalogPage& page) {
  pdp::v1::Page p;
  p.set_id(page.id);
  p.set_console(static_cast<pdp::v1::Console>(page.console));
  p.set_title(page.title);
  p.set_iam_access_gated(page.iam_access_gated);
  p.set_shows_cost_explorer_data(page.shows_cost_explorer_data);
  p.set_confidence(page.confidence);
  FillActionSet(page.fine_grained, *p.mutable_fine_grained());
  FillActionSet(page.legacy, *p.mutable_legacy());
  for (const CatalogFeature& f : page.features) {
    pdp::v1::PageFeature* out = p.add_features();
    out->set_id(f.id);
    out->set_title(f.title);
    out->set_access(static_cast<pdp::v1::Access>(f.access));
    for (const CatalogAction& a : f.fine_grained) out->add_fine_grained(a.display);
    for (const CatalogAction& a : f.legacy) out->add_legacy(a.display);
  }
  p.set_notes(page.notes);
  p.set_source(page.source);
  return p;
}

}  // namespace pdp
