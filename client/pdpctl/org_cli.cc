// `pdpctl org ...` and `pdpctl scp ...`: one CLI11 subcommand per
// subcommand (from the table below), turned into an OrgCommandLine for
// org_commands.h, which builds the change a write sends.
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "billing_pdp/admin_client.h"
#include "client/pdpctl/cli.h"
#include "client/pdpctl/org_commands.h"

namespace pdpctl {
namespace {

struct OrgSubcommand {
  const char* group;  // org or scp
  const char* name;
  std::vector<const char*> words;  // positional arguments, in order
  std::vector<const char*> flags;  // --flag VALUE options
  const char* help;
  bool read;
};

const std::vector<OrgSubcommand>& OrgTable() {
  static const auto* table = new std::vector<OrgSubcommand>{
      {"org",
       "create",
       {"MANAGEMENT_ACCOUNT"},
       {"id", "root-id", "scps"},
       "create an organization (--scps on|off)",
       false},
      {"org", "show", {"ORG"}, {}, "the organization as a tree, with its SCPs", true},
      {"org", "list", {}, {}, "every organization", true},
      {"org",
       "set-scps",
       {"ORG", "ON_OFF"},
       {"etag"},
       "enable (FullAWSAccess everywhere) or disable SCPs",
       false},
      {"org", "delete", {"ORG"}, {"etag"}, "once only the management account is left", false},
      {"org",
       "create-ou",
       {"ORG"},
       {"parent", "name", "id"},
       "an organizational unit under --parent (root or OU), named --name",
       false},
      {"org", "rename-ou", {"ORG", "OU"}, {"name"}, "rename an OU (--name)", false},
      {"org", "delete-ou", {"ORG", "OU"}, {}, "delete an empty OU", false},
      {"org",
       "create-account",
       {"ORG", "ACCOUNT"},
       {"name", "parent", "iam-access"},
       "a new member account (--iam-access allow|deny)",
       false},
      {"org",
       "invite",
       {"ORG", "ACCOUNT"},
       {"parent"},
       "an existing account joins, keeping its settings",
       false},
      {"org", "move", {"ORG", "ACCOUNT"}, {"to"}, "move an account to --to PARENT", false},
      {"org", "remove", {"ORG", "ACCOUNT"}, {}, "a member account leaves", false},
      {"scp",
       "create",
       {"ORG"},
       {"name", "file", "id", "description"},
       "a service control policy from --file POLICY.json",
       false},
      {"scp",
       "update",
       {"ORG", "POLICY"},
       {"name", "file", "description", "etag"},
       "change an SCP; without --description the current one is kept",
       false},
      {"scp", "delete", {"ORG", "POLICY"}, {"etag"}, "delete a detached SCP", false},
      {"scp", "list", {"ORG"}, {}, "the organization's SCPs and their targets", true},
      {"scp",
       "attach",
       {"ORG", "POLICY", "TARGET"},
       {},
       "attach to a TARGET: root, OU or account",
       false},
      {"scp", "detach", {"ORG", "POLICY", "TARGET"}, {}, "detach from a TARGET", false},
  };
  return *table;
}

// "  SCPs: a, b" for a target's attached SCPs; nothing when none (SCPs off).
std::string ScpsText(const google::protobuf::RepeatedPtrField<std::string>& ids) {
  return ids.empty() ? "" : absl::StrCat("  SCPs: ", absl::StrJoin(ids, ", "));
}

// Prints the OUs and accounts under `parent`, nested by two spaces a level.
void PrintChildren(const pdp::v1::Organization& org, const std::string& parent, int depth) {
  const std::string indent(2 * depth, ' ');
  for (const auto& a : org.accounts()) {
    if (a.parent_id() != parent) continue;
    std::printf("%saccount %s (%s)%s\n", indent.c_str(), a.account_id().c_str(),
                pdp::v1::JoinMethod_Name(a.joined()).c_str(), ScpsText(a.policy_ids()).c_str());
  }
  for (const auto& ou : org.organizational_units()) {
    if (ou.parent_id() != parent) continue;
    std::printf("%sou %s %s%s\n", indent.c_str(), ou.id().c_str(), Quote(ou.name()).c_str(),
                ScpsText(ou.policy_ids()).c_str());
    // Depth is bounded by the server (five OU levels); the guard only keeps
    // a malformed answer (a parent cycle) from recursing forever.
    if (depth < 16) PrintChildren(org, ou.id(), depth + 1);
  }
}

void PrintPolicies(const pdp::v1::Organization& org) {
  for (const auto& p : org.policies()) {
    std::printf("  %s %s%s (etag %s)  targets: %s\n", p.id().c_str(), Quote(p.name()).c_str(),
                p.aws_managed() ? " AWS managed" : "", p.etag().c_str(),
                p.targets().empty() ? "none" : absl::StrJoin(p.targets(), ", ").c_str());
  }
}

absl::StatusOr<pdp::v1::Organization> GetOrganization(const pdp::ClientOptions& options,
                                                      const std::string& id, int64_t* revision) {
  pdp::v1::GetRequest request;
  request.set_name(id);
  return pdp::AdminClient(options).Call(&pdp::AdminClient::Stub::GetOrganization, request,
                                        revision);
}

int ListOrganizations(Context& ctx) {
  pdp::v1::ListOrganizationsResponse all;
  pdp::v1::ListRequest request;
  request.set_page_size(1000);
  pdp::AdminClient admin(ctx.options);
  do {
    auto page = admin.Call(&pdp::AdminClient::Stub::ListOrganizations, request);
    if (!page.ok()) return Fail(ctx, page.status());
    for (auto& o : *page->mutable_organizations()) *all.add_organizations() = std::move(o);
    // Later pages at least as new as the first: one consistent listing.
    if (request.min_revision() == 0) request.set_min_revision(page->revision());
    all.set_revision(page->revision());
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  if (ctx.json) {
    PrintJson(all);
    return kOk;
  }
  for (const auto& o : all.organizations()) {
    std::printf("%s  management %s  SCPs %s  %d OUs  %d accounts  %d SCPs  etag %s\n",
                o.id().c_str(), o.management_account_id().c_str(), o.scps_enabled() ? "on" : "off",
                o.organizational_units_size(), o.accounts_size(), o.policies_size(),
                o.etag().c_str());
  }
  std::printf("(%d organizations, revision %lld)\n", all.organizations_size(),
              static_cast<long long>(all.revision()));
  return kOk;
}

// org show ORG, org list, scp list ORG.
int OrgRead(Context& ctx, const OrgCommandLine& line) {
  if (line.group == "org" && line.words[0] == "list") return ListOrganizations(ctx);
  int64_t revision = 0;
  absl::StatusOr<pdp::v1::Organization> org =
      GetOrganization(ctx.options, line.words[1], &revision);
  if (!org.ok()) return Fail(ctx, org.status());
  if (line.group == "scp") {
    if (ctx.json) {  // each policy as proto JSON; the revision an int64, so a string
      std::vector<std::string> policies;
      for (const auto& p : org->policies()) policies.push_back(ToJson(p));
      std::printf("{\n\"organization_id\": %s,\n\"revision\": \"%lld\",\n\"policies\": [%s]\n}\n",
                  Quote(org->id()).c_str(), static_cast<long long>(revision),
                  absl::StrJoin(policies, ",\n").c_str());
      return kOk;
    }
    PrintPolicies(*org);
    std::printf("(%d SCPs in %s, revision %lld)\n", org->policies_size(), org->id().c_str(),
                static_cast<long long>(revision));
    return kOk;
  }
  if (ctx.json) {
    PrintJson(*org);
    return kOk;
  }
  std::printf("organization %s (etag %s): management account %s, SCPs %s, revision %lld\n",
              org->id().c_str(), org->etag().c_str(), org->management_account_id().c_str(),
              org->scps_enabled() ? "enabled" : "disabled", static_cast<long long>(revision));
  std::printf("root %s%s\n", org->root_id().c_str(), ScpsText(org->root_policy_ids()).c_str());
  PrintChildren(*org, org->root_id(), 1);
  std::printf("policies:\n");
  PrintPolicies(*org);
  return kOk;
}

// A write: the one change OrgChange builds, sent through ApplyChanges.
int OrgWrite(Context& ctx, const OrgCommandLine& line, const std::string& request_id) {
  absl::StatusOr<pdp::v1::Change> change = OrgChange(line);
  if (!change.ok()) throw UsageError(std::string(change.status().message()));
  if (change->has_update_scp() && !line.flags.count("description")) {
    // update_scp replaces the description; keeping it is what someone who
    // did not mention it means. The SCP's etag (unless one was given) makes
    // the write fail rather than undo a description changed meanwhile; but
    // not with a request id, whose retry must send the same change (the
    // etag moves with the first attempt's success, and a different change
    // under the same id is REQUEST_ID_REUSED, not a replay).
    pdp::v1::UpdateScpRequest* update = change->mutable_update_scp();
    absl::StatusOr<pdp::v1::Organization> org =
        GetOrganization(ctx.options, update->organization_id(), nullptr);
    if (!org.ok()) return Fail(ctx, org.status());
    for (const auto& p : org->policies()) {
      if (p.id() != update->policy_id()) continue;
      update->set_description(p.description());
      if (update->etag().empty() && request_id.empty()) update->set_etag(p.etag());
    }
  }
  pdp::v1::ApplyChangesRequest request;
  *request.add_changes() = *change;
  request.set_request_id(request_id);
  absl::StatusOr<pdp::v1::ApplyChangesResponse> r =
      pdp::AdminClient(ctx.options).ApplyChanges(request);
  if (!r.ok()) return Fail(ctx, r.status());
  if (ctx.json) {  // as apply's: {"results": [{"name", "etag", "unchanged"}], "revision", ...}
    PrintJson(*r);
    return kOk;
  }
  const pdp::v1::ChangeResult result =
      r->results_size() > 0 ? r->results(0) : pdp::v1::ChangeResult();
  std::printf(
      "%s %s: %s %s at revision %lld%s\n", line.group.c_str(), line.words[0].c_str(),
      result.name().c_str(),
      result.etag().empty() ? "(deleted)" : absl::StrCat("(etag ", result.etag(), ")").c_str(),
      static_cast<long long>(r->revision()),
      r->replayed()
          ? absl::StrCat(" (request ", request_id, " was already applied; nothing changed now)")
                .c_str()
          : (result.unchanged() ? " (unchanged: already so)" : ""));
  return kOk;
}

struct OrgValues {
  std::vector<std::string> words;
  std::map<std::string, std::string> flags;
  std::string request_id;
};

}  // namespace

void AddOrgCommands(CLI::App& app, Context& ctx) {
  CLI::App* org = app.add_subcommand("org", "organizations: accounts, OUs, SCP switch");
  CLI::App* scp = app.add_subcommand("scp", "service control policies of an organization");
  for (CLI::App* group : {org, scp}) group->require_subcommand(1);
  for (const OrgSubcommand& s : OrgTable()) {
    CLI::App* group = std::string(s.group) == "org" ? org : scp;
    CLI::App* cmd = group->add_subcommand(s.name, s.help);
    auto v = std::make_shared<OrgValues>();
    v->words.resize(s.words.size());
    for (size_t i = 0; i < s.words.size(); ++i) {
      CLI::Option* word = cmd->add_option(s.words[i], v->words[i])->required();
      if (std::string(s.words[i]) == "ON_OFF") word->check(CLI::IsMember({"on", "off"}));
    }
    for (const char* flag : s.flags) {
      cmd->add_option(absl::StrCat("--", flag), v->flags[flag]);
    }
    if (!s.read) {
      cmd->add_option("--request-id", v->request_id, "idempotency key: a retry is safe");
    }
    const std::string group_name = s.group, name = s.name;
    const bool read = s.read;
    cmd->callback([&ctx, v, cmd, group_name, name, read] {
      ctx.run = [&ctx, v, cmd, group_name, name, read] {
        OrgCommandLine line{group_name, {name}, {}};
        line.words.insert(line.words.end(), v->words.begin(), v->words.end());
        for (const auto& [flag, value] : v->flags) {
          // Only the flags given: OrgChange tells "absent" from "empty".
          if (cmd->count("--" + flag) > 0) line.flags[flag] = value;
        }
        return read ? OrgRead(ctx, line) : OrgWrite(ctx, line, v->request_id);
      };
    });
  }
}

}  // namespace pdpctl
