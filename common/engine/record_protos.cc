#include "common/engine/record_protos.h"

#include <algorithm>

#include "common/base/strings.h"

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

pdp::v1::Account AccountToProto(const AccountState& account) {
  pdp::v1::Account a;
  a.set_id(account.id);
  a.set_name(account.name);
  *a.mutable_settings() = account.settings;
  a.set_etag(account.etag());
  return a;
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
