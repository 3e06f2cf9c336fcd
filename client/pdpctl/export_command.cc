// `pdpctl export`: the server's world written as a world file (YAML,
// docs/data-formats.md) that `pdpctl apply` reads back into the same
// decisions on a fresh server.
//
// Consistency: the world is read with List calls; every answer carries its
// revision. When they differ (a write landed while reading) the whole read
// is repeated at the newest revision seen, a few times, then given up
// (ABORTED): the file is always one revision's world, named in its header.
//
// Lossless for what decisions depend on: every version of a managed policy
// (ids and the default kept; AWS managed ones put by a client too, not the
// bundled ones), users', groups' and roles' unique ids (the
// value of aws:userid), and role sessions with their session policies.
// What a world file cannot say is not exported (README "pdpctl export"): a
// created member account's own console action set and Cost Explorer
// settings (the organization section creates it with defaults).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "billing_pdp/admin_client.h"
#include "client/pdpctl/admin_reads.h"
#include "client/pdpctl/cli.h"

namespace pdpctl {
namespace {

using Stub = pdp::AdminClient::Stub;

// What one read saw, and the revisions its answers reflected.
struct Snapshot {
  std::vector<pdp::v1::Account> accounts;
  std::vector<pdp::v1::Organization> organizations;
  std::vector<pdp::v1::ManagedPolicy> policies;
  std::vector<pdp::v1::ManagedPolicy> aws_policies;  // put by a client (not bundled)
  std::vector<pdp::v1::Group> groups;
  std::vector<pdp::v1::User> users;
  std::vector<pdp::v1::Role> roles;
  std::vector<pdp::v1::RoleSession> sessions;
  std::set<int64_t> revisions;
};

template <typename Response>
absl::StatusOr<Response> ReadList(
    const pdp::AdminClient& admin,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const pdp::v1::ListRequest&, Response*),
    const std::string& parent, int64_t min_revision, Snapshot& snapshot) {
  int64_t first = 0;
  absl::StatusOr<Response> all = ListAll(admin, method, parent, min_revision, &first);
  if (all.ok()) snapshot.revisions.insert({first, all->revision()});
  return all;
}

absl::StatusOr<Snapshot> Read(const pdp::AdminClient& admin, int64_t min_revision) {
  Snapshot s;
  auto accounts = ReadList(admin, &Stub::ListAccounts, "", min_revision, s);
  if (!accounts.ok()) return accounts.status();
  s.accounts.assign(accounts->accounts().begin(), accounts->accounts().end());
  auto orgs = ReadList(admin, &Stub::ListOrganizations, "", min_revision, s);
  if (!orgs.ok()) return orgs.status();
  s.organizations.assign(orgs->organizations().begin(), orgs->organizations().end());
  // AWS managed policies put by a client (an import carried them) are part
  // of the world; the bundled ones come with every server.
  auto aws = ReadList(admin, &Stub::ListPolicies, "aws", min_revision, s);
  if (!aws.ok()) return aws.status();
  for (const auto& p : aws->policies()) {
    if (!p.bundled()) s.aws_policies.push_back(p);
  }
  for (const pdp::v1::Account& account : s.accounts) {
    auto policies = ReadList(admin, &Stub::ListPolicies, account.id(), min_revision, s);
    if (!policies.ok()) return policies.status();
    for (const auto& p : policies->policies()) {
      if (p.aws_managed()) continue;  // shipped with the server, not part of a world
      // Every version, not only the default: a later SetDefaultPolicyVersion
      // must find the same ones after a round trip.
      pdp::v1::GetRequest get;
      get.set_name(p.arn());
      get.set_min_revision(min_revision);
      auto versions = admin.Call(&Stub::ListPolicyVersions, get);
      if (!versions.ok()) return versions.status();
      s.revisions.insert(versions->revision());
      pdp::v1::ManagedPolicy full = p;
      *full.mutable_versions() = versions->versions();
      s.policies.push_back(std::move(full));
    }
    auto groups = ReadList(admin, &Stub::ListGroups, account.id(), min_revision, s);
    if (!groups.ok()) return groups.status();
    s.groups.insert(s.groups.end(), groups->groups().begin(), groups->groups().end());
    auto users = ReadList(admin, &Stub::ListUsers, account.id(), min_revision, s);
    if (!users.ok()) return users.status();
    s.users.insert(s.users.end(), users->users().begin(), users->users().end());
    auto roles = ReadList(admin, &Stub::ListRoles, account.id(), min_revision, s);
    if (!roles.ok()) return roles.status();
    s.roles.insert(s.roles.end(), roles->roles().begin(), roles->roles().end());
    auto sessions = ReadList(admin, &Stub::ListRoleSessions, account.id(), min_revision, s);
    if (!sessions.ok()) return sessions.status();
    s.sessions.insert(s.sessions.end(), sessions->sessions().begin(), sessions->sessions().end());
  }
  return s;
}

// ---- YAML, every string double-quoted (JSON escapes are YAML's too) ----------------

std::string List(const google::protobuf::RepeatedPtrField<std::string>& items) {
  std::vector<std::string> quoted;
  for (const auto& i : items) quoted.push_back(Quote(i));
  return absl::StrCat("[", absl::StrJoin(quoted, ", "), "]");
}

std::string Tags(const google::protobuf::Map<std::string, std::string>& tags) {
  std::map<std::string, std::string> sorted(tags.begin(), tags.end());  // stable output
  std::vector<std::string> pairs;
  for (const auto& [k, v] : sorted) pairs.push_back(absl::StrCat(Quote(k), ": ", Quote(v)));
  return absl::StrCat("{", absl::StrJoin(pairs, ", "), "}");
}

void InlinePolicies(std::string& out,
                    const google::protobuf::RepeatedPtrField<pdp::v1::InlinePolicy>& p) {
  if (p.empty()) {
    absl::StrAppend(&out, "    inline_policies: []\n");
    return;
  }
  absl::StrAppend(&out, "    inline_policies:\n");
  for (const auto& i : p) {
    absl::StrAppend(&out, "      - name: ", Quote(i.name()),
                    "\n        document: ", Quote(i.document()), "\n");
  }
}

void ManagedPolicy(std::string& out, const pdp::v1::ManagedPolicy& p) {
  absl::StrAppend(&out, "  - arn: ", Quote(p.arn()), "\n    description: ", Quote(p.description()),
                  "\n");
  // One version named v1 is what `document` makes; anything else is written
  // version by version so ids and the default survive the round trip.
  if (p.versions_size() == 1 && p.versions(0).version_id() == "v1") {
    absl::StrAppend(&out, "    document: ", Quote(p.versions(0).document()), "\n");
    return;
  }
  absl::StrAppend(&out, "    versions:", p.versions().empty() ? " []" : "", "\n");
  for (const auto& v : p.versions()) {
    const bool is_default = v.is_default() || v.version_id() == p.default_version_id();
    absl::StrAppend(&out, "      - version_id: ", Quote(v.version_id()),
                    "\n        is_default: ", is_default ? "true" : "false",
                    "\n        document: ", Quote(v.document()), "\n");
  }
}

// `unique_id: ...` on its own line (the entity's aws:userid), when it has one.
void UniqueId(std::string& out, const std::string& id) {
  if (!id.empty()) absl::StrAppend(&out, "    unique_id: ", Quote(id), "\n");
}

// The organization section of `org`; `accounts` by id, for member names.
void Organization(std::string& out, const pdp::v1::Organization& org,
                  const std::map<std::string, const pdp::v1::Account*>& accounts) {
  absl::StrAppend(&out, "  - id: ", Quote(org.id()),
                  "\n    management_account: ", Quote(org.management_account_id()),
                  "\n    root_id: ", Quote(org.root_id()),
                  "\n    scps_enabled: ", org.scps_enabled() ? "true" : "false", "\n");
  // OUs parents first: breadth first from the root.
  std::vector<const pdp::v1::OrganizationalUnit*> ous;
  std::vector<std::string> parents = {org.root_id()};
  for (size_t next = 0;
       next < parents.size() && parents.size() <= 1u + org.organizational_units_size(); ++next) {
    for (const auto& ou : org.organizational_units()) {
      if (ou.parent_id() != parents[next]) continue;
      ous.push_back(&ou);
      parents.push_back(ou.id());
    }
  }
  absl::StrAppend(&out, "    organizational_units:", ous.empty() ? " []" : "", "\n");
  for (const auto* ou : ous) {
    absl::StrAppend(&out, "      - {id: ", Quote(ou->id()), ", name: ", Quote(ou->name()),
                    ", parent: ", Quote(ou->parent_id()), "}\n");
  }
  std::vector<std::string> members;
  for (const auto& a : org.accounts()) {
    if (a.joined() == pdp::v1::MANAGEMENT) continue;
    std::string m = absl::StrCat("      - {id: ", Quote(a.account_id()),
                                 ", parent: ", Quote(a.parent_id()), ", joined: ");
    if (a.joined() == pdp::v1::CREATED) {
      auto it = accounts.find(a.account_id());
      const bool iam = it != accounts.end() && it->second->settings().iam_access_to_billing();
      absl::StrAppend(&m, "created, name: ", Quote(it == accounts.end() ? "" : it->second->name()),
                      ", iam_user_access_to_billing: ", iam ? "ALLOW" : "DENY");
    } else {
      absl::StrAppend(&m, "invited");
    }
    members.push_back(m + "}\n");
  }
  absl::StrAppend(&out, "    accounts:", members.empty() ? " []" : "", "\n",
                  absl::StrJoin(members, ""));
  std::vector<std::string> scps, attach, detach;
  std::set<std::string> all_targets = {org.root_id()};
  for (const auto* ou : ous) all_targets.insert(ou->id());
  for (const auto& a : org.accounts()) all_targets.insert(a.account_id());
  for (const auto& p : org.policies()) {
    if (p.aws_managed()) {
      // FullAWSAccess is on every target while SCPs are on: what lacks it
      // was detached.
      if (!org.scps_enabled()) continue;
      std::set<std::string> missing = all_targets;
      for (const auto& t : p.targets()) missing.erase(t);
      for (const auto& t : missing) {
        detach.push_back(absl::StrCat("{policy: ", Quote(p.id()), ", target: ", Quote(t), "}"));
      }
      continue;
    }
    scps.push_back(absl::StrCat("      - {id: ", Quote(p.id()), ", name: ", Quote(p.name()),
                                ", description: ", Quote(p.description()),
                                ",\n         document: ", Quote(p.document()), "}\n"));
    for (const auto& t : p.targets()) {
      attach.push_back(absl::StrCat("{policy: ", Quote(p.id()), ", target: ", Quote(t), "}"));
    }
  }
  absl::StrAppend(&out, "    scps:", scps.empty() ? " []" : "", "\n", absl::StrJoin(scps, ""));
  absl::StrAppend(&out, "    attach: [", absl::StrJoin(attach, ",\n             "), "]\n");
  absl::StrAppend(&out, "    detach: [", absl::StrJoin(detach, ",\n             "), "]\n");
}

std::string WorldYaml(const Snapshot& s, int64_t revision) {
  std::map<std::string, const pdp::v1::Account*> by_id;
  for (const auto& a : s.accounts) by_id[a.id()] = &a;
  std::string out = absl::StrCat(
      "# billing-pdp world exported by pdpctl at revision ", revision,
      "\n# Format: docs/data-formats.md (\"World files\"); `pdpctl apply FILE` reads it.\n");
  absl::StrAppend(&out, "accounts:", s.accounts.empty() ? " []" : "", "\n");
  for (const auto& a : s.accounts) {
    // Members created through an organization are made by its section.
    if (a.organization().joined() == pdp::v1::CREATED) continue;
    const auto& st = a.settings();
    absl::StrAppend(&out, "  - id: ", Quote(a.id()), "\n    name: ", Quote(a.name()),
                    "\n    iam_access_to_billing: ", st.iam_access_to_billing() ? "true" : "false",
                    "\n    console_action_set: ",
                    st.console_action_set() == pdp::v1::LEGACY ? "LEGACY" : "FINE_GRAINED",
                    "\n    cost_explorer_enabled: ", st.cost_explorer_enabled() ? "true" : "false",
                    "\n");
    if (st.has_linked_account_access()) {
      absl::StrAppend(
          &out, "    linked_account_access: ", st.linked_account_access() ? "true" : "false", "\n");
    }
  }
  absl::StrAppend(&out, "organizations:", s.organizations.empty() ? " []" : "", "\n");
  for (const auto& org : s.organizations) Organization(out, org, by_id);
  // AWS managed policies first (entities of any account may attach them).
  absl::StrAppend(
      &out, "managed_policies:", s.policies.empty() && s.aws_policies.empty() ? " []" : "", "\n");
  for (const auto& p : s.aws_policies) ManagedPolicy(out, p);
  for (const auto& p : s.policies) ManagedPolicy(out, p);
  absl::StrAppend(&out, "groups:", s.groups.empty() ? " []" : "", "\n");
  for (const auto& g : s.groups) {
    absl::StrAppend(&out, "  - arn: ", Quote(g.arn()),
                    "\n    attached_policies: ", List(g.attached_policies()), "\n");
    InlinePolicies(out, g.inline_policies());
    UniqueId(out, g.unique_id());
  }
  absl::StrAppend(&out, "users:", s.users.empty() ? " []" : "", "\n");
  for (const auto& u : s.users) {
    absl::StrAppend(&out, "  - arn: ", Quote(u.arn()), "\n    groups: ", List(u.groups()),
                    "\n    attached_policies: ", List(u.attached_policies()), "\n");
    InlinePolicies(out, u.inline_policies());
    absl::StrAppend(&out, "    tags: ", Tags(u.tags()), "\n");
    if (!u.permissions_boundary().empty()) {
      absl::StrAppend(&out, "    permissions_boundary: ", Quote(u.permissions_boundary()), "\n");
    }
    UniqueId(out, u.unique_id());
  }
  absl::StrAppend(&out, "roles:", s.roles.empty() ? " []" : "", "\n");
  for (const auto& r : s.roles) {
    absl::StrAppend(&out, "  - arn: ", Quote(r.arn()),
                    "\n    attached_policies: ", List(r.attached_policies()), "\n");
    InlinePolicies(out, r.inline_policies());
    absl::StrAppend(&out, "    tags: ", Tags(r.tags()), "\n");
    if (!r.permissions_boundary().empty()) {
      absl::StrAppend(&out, "    permissions_boundary: ", Quote(r.permissions_boundary()), "\n");
    }
    UniqueId(out, r.unique_id());
  }
  absl::StrAppend(&out, "role_sessions:", s.sessions.empty() ? " []" : "", "\n");
  for (const auto& rs : s.sessions) {
    absl::StrAppend(&out, "  - arn: ", Quote(rs.arn()),
                    "\n    policy_arns: ", List(rs.policy_arns()), "\n");
    if (!rs.policy().empty()) absl::StrAppend(&out, "    policy: ", Quote(rs.policy()), "\n");
    absl::StrAppend(&out, "    tags: ", Tags(rs.tags()), "\n");
  }
  return out;
}

struct ExportFlags {
  std::string file;
  int64_t min_revision = 0;
};

int Export(Context& ctx, const ExportFlags& f) {
  const pdp::AdminClient admin(ctx.options);
  int64_t at = f.min_revision;
  for (int attempt = 0; attempt < 5; ++attempt) {
    absl::StatusOr<Snapshot> s = Read(admin, at);
    if (!s.ok()) return Fail(ctx, s.status());
    const int64_t newest = *s->revisions.rbegin();
    if (s->revisions.size() > 1) {  // a write landed while reading: again, at the newest
      at = newest;
      continue;
    }
    const std::string yaml = WorldYaml(*s, newest);
    if (f.file.empty() || f.file == "-") {
      std::fputs(yaml.c_str(), stdout);
    } else {
      std::ofstream out(f.file, std::ios::binary | std::ios::trunc);
      out << yaml;
      out.close();
      if (!out) {
        return Fail(ctx, absl::InvalidArgumentError(absl::StrCat("cannot write ", f.file)));
      }
      std::fprintf(stderr, "exported revision %lld to %s\n", static_cast<long long>(newest),
                   f.file.c_str());
    }
    return kOk;
  }
  return Fail(ctx, absl::AbortedError("the world kept changing while it was read (5 attempts); "
                                      "try again when writes are quieter"));
}

}  // namespace

void AddExportCommand(CLI::App& app, Context& ctx) {
  auto f = std::make_shared<ExportFlags>();
  CLI::App* cmd = app.add_subcommand(
      "export",
      "write the world (accounts, organizations, policies with every version, groups, users, "
      "roles, role sessions) as a world file "
      "that `pdpctl apply` reads back; one revision's, named in its header");
  cmd->add_option("-o,--file", f->file, "write here instead of standard output");
  cmd->add_option("--min-revision", f->min_revision,
                  "at least this revision (wait for it): e.g. the one a write returned")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([&ctx, f] { ctx.run = [&ctx, f] { return Export(ctx, *f); }; });
}

}  // namespace pdpctl
