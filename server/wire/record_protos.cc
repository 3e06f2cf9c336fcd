#include "server/wire/record_protos.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "base/strings.h"

namespace pdp {
namespace {

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
  *a.mutable_settings() = account.settings;
  a.set_etag(account.etag());
  if (organization != nullptr) {
    auto member = organization->members.find(account.id);
    pdp::v1::OrganizationMembership* m = a.mutable_organization();
    m->set_organization_id(organization->id);
    if (member != organization->members.end()) {
      m->set_parent_id(member->second.parent_id);
      m->set_joined(member->second.joined);
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
    a->set_joined(member.joined);
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
  for (const auto& v : policy.versions) {
    auto* pv = p.add_versions();
    *pv = v;
    pv->set_is_default(v.version_id() == policy.default_version_id);
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

}  // namespace pdp
