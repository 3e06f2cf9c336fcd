// `pdpctl get KIND NAME` and `pdpctl list KIND [PARENT]`: the AdminService's
// read RPCs. list follows page tokens to the last page.
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "client/pdpctl/admin_reads.h"
#include "client/pdpctl/cli.h"
#include "google/protobuf/text_format.h"

namespace pdpctl {
namespace {

using Stub = pdp::AdminClient::Stub;

struct ReadFlags {
  std::string name, second;
  int64_t min_revision = 0;
  int32_t page_size = 1000;
};

// Text: the message in protobuf text format (every field, readable).
int PrintGot(Context& ctx, const google::protobuf::Message& message, int64_t revision) {
  if (ctx.json) {
    PrintJson(message);
    return kOk;
  }
  std::string text;
  google::protobuf::TextFormat::PrintToString(message, &text);
  std::printf("%s(revision %lld)\n", text.c_str(), static_cast<long long>(revision));
  return kOk;
}

template <typename Request, typename Response>
int Get(Context& ctx, grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
        const Request& request) {
  int64_t revision = 0;
  absl::StatusOr<Response> r = pdp::AdminClient(ctx.options).Call(method, request, &revision);
  if (!r.ok()) return Fail(ctx, r.status());
  return PrintGot(ctx, *r, revision);
}

// Text: one line per item (its first field: the ARN, ID or name; and its
// etag when it has one), then the count and revision.
int PrintList(Context& ctx, const google::protobuf::Message& list, const char* noun) {
  if (ctx.json) {
    PrintJson(list);
    return kOk;
  }
  const auto* descriptor = list.GetDescriptor();
  const auto* reflection = list.GetReflection();
  const auto* items = descriptor->field(0);  // every list response's first field
  const int n = reflection->FieldSize(list, items);
  for (int i = 0; i < n; ++i) {
    const auto& item = reflection->GetRepeatedMessage(list, items, i);
    const auto* key = item.GetDescriptor()->field(0);
    const auto* etag = item.GetDescriptor()->FindFieldByName("etag");
    std::string line = item.GetReflection()->GetString(item, key);
    if (etag != nullptr) {
      absl::StrAppend(&line, "  etag ", item.GetReflection()->GetString(item, etag));
    }
    std::printf("%s\n", line.c_str());
  }
  const auto* revision = descriptor->FindFieldByName("revision");
  std::printf("(%d %s, revision %lld)\n", n, noun,
              static_cast<long long>(reflection->GetInt64(list, revision)));
  return kOk;
}

template <typename Response>
int List(Context& ctx,
         grpc::Status (Stub::*method)(grpc::ClientContext*, const pdp::v1::ListRequest&, Response*),
         const std::string& parent, int64_t min_revision, const char* noun, int32_t page_size) {
  absl::StatusOr<Response> all =
      ListAll(pdp::AdminClient(ctx.options), method, parent, min_revision, nullptr, page_size);
  if (!all.ok()) return Fail(ctx, all.status());
  return PrintList(ctx, *all, noun);
}

template <typename Response>
int ListOf(Context& ctx,
           grpc::Status (Stub::*method)(grpc::ClientContext*, const pdp::v1::GetRequest&,
                                        Response*),
           const std::string& name, int64_t min_revision, const char* noun) {
  pdp::v1::GetRequest request;
  request.set_name(name);
  request.set_min_revision(min_revision);
  absl::StatusOr<Response> r = pdp::AdminClient(ctx.options).Call(method, request);
  if (!r.ok()) return Fail(ctx, r.status());
  return PrintList(ctx, *r, noun);
}

pdp::v1::GetRequest GetRequest(const ReadFlags& f) {
  pdp::v1::GetRequest request;
  request.set_name(f.name);
  request.set_min_revision(f.min_revision);
  return request;
}

// One `get` or `list` subcommand: its arguments and what it runs.
struct ReadKind {
  const char* name;
  const char* help;
  std::vector<const char*> words;  // positional arguments (0 to 2)
  std::function<int(Context&, const ReadFlags&)> run;
};

std::vector<ReadKind> GetKinds() {
  return {
      {"account",
       "an account and its settings",
       {"ACCOUNT"},
       [](Context& c, const ReadFlags& f) { return Get(c, &Stub::GetAccount, GetRequest(f)); }},
      {"user",
       "an IAM user",
       {"ARN"},
       [](Context& c, const ReadFlags& f) { return Get(c, &Stub::GetUser, GetRequest(f)); }},
      {"group",
       "an IAM group",
       {"ARN"},
       [](Context& c, const ReadFlags& f) { return Get(c, &Stub::GetGroup, GetRequest(f)); }},
      {"role",
       "an IAM role",
       {"ARN"},
       [](Context& c, const ReadFlags& f) { return Get(c, &Stub::GetRole, GetRequest(f)); }},
      {"role-session",
       "a registered role session (its session policies and tags)",
       {"SESSION_ARN"},
       [](Context& c, const ReadFlags& f) { return Get(c, &Stub::GetRoleSession, GetRequest(f)); }},
      {"policy",
       "a managed policy (customer or AWS managed)",
       {"ARN"},
       [](Context& c, const ReadFlags& f) { return Get(c, &Stub::GetPolicy, GetRequest(f)); }},
      {"policy-version",
       "one version of a managed policy",
       {"ARN", "VERSION"},
       [](Context& c, const ReadFlags& f) {
         pdp::v1::GetPolicyVersionRequest r;
         r.set_policy_arn(f.name);
         r.set_version_id(f.second);
         return Get(c, &Stub::GetPolicyVersion, r);
       }},
      {"inline-policy",
       "an inline policy of a user, group or role",
       {"ENTITY_ARN", "NAME"},
       [](Context& c, const ReadFlags& f) {
         pdp::v1::GetInlinePolicyRequest r;
         r.set_entity_arn(f.name);
         r.set_name(f.second);
         return Get(c, &Stub::GetInlinePolicy, r);
       }},
      {"organization",
       "an organization: OUs, accounts, SCPs",
       {"ORG"},
       [](Context& c, const ReadFlags& f) {
         return Get(c, &Stub::GetOrganization, GetRequest(f));
       }},
  };
}

std::vector<ReadKind> ListKinds() {
  return {
      {"accounts",
       "every account",
       {},
       [](Context& c, const ReadFlags& f) {
         return List(c, &Stub::ListAccounts, "", f.min_revision, "accounts", f.page_size);
       }},
      {"users",
       "the IAM users of an account",
       {"ACCOUNT"},
       [](Context& c, const ReadFlags& f) {
         return List(c, &Stub::ListUsers, f.name, f.min_revision, "users", f.page_size);
       }},
      {"groups",
       "the IAM groups of an account",
       {"ACCOUNT"},
       [](Context& c, const ReadFlags& f) {
         return List(c, &Stub::ListGroups, f.name, f.min_revision, "groups", f.page_size);
       }},
      {"roles",
       "the IAM roles of an account",
       {"ACCOUNT"},
       [](Context& c, const ReadFlags& f) {
         return List(c, &Stub::ListRoles, f.name, f.min_revision, "roles", f.page_size);
       }},
      {"role-sessions",
       "the registered role sessions of an account",
       {"ACCOUNT"},
       [](Context& c, const ReadFlags& f) {
         return List(c, &Stub::ListRoleSessions, f.name, f.min_revision, "role sessions",
                     f.page_size);
       }},
      {"policies",
       "the managed policies of an account, or AWS's (aws)",
       {"ACCOUNT_OR_AWS"},
       [](Context& c, const ReadFlags& f) {
         return List(c, &Stub::ListPolicies, f.name, f.min_revision, "policies", f.page_size);
       }},
      {"policy-versions",
       "the versions of a managed policy",
       {"ARN"},
       [](Context& c, const ReadFlags& f) {
         return ListOf(c, &Stub::ListPolicyVersions, f.name, f.min_revision, "versions");
       }},
      {"inline-policies",
       "the inline policies of a user, group or role",
       {"ENTITY_ARN"},
       [](Context& c, const ReadFlags& f) {
         return ListOf(c, &Stub::ListInlinePolicies, f.name, f.min_revision, "inline policies");
       }},
      {"pages",
       "the console page catalogue the server decides for",
       {},
       [](Context& c, const ReadFlags&) {
         absl::StatusOr<pdp::v1::ListPagesResponse> r =
             pdp::AuthorizationClient(c.options).ListPages();
         if (!r.ok()) return Fail(c, r.status());
         if (c.json) {
           PrintJson(*r);
           return static_cast<int>(kOk);
         }
         for (const auto& page : r->pages()) {
           std::printf("%-36s %-16s %s\n", page.id().c_str(),
                       pdp::v1::Console_Name(page.console()).c_str(), page.title().c_str());
         }
         std::printf("(%d pages, catalogue %s)\n", r->pages_size(), r->catalog_version().c_str());
         return static_cast<int>(kOk);
       }},
      {"organizations",
       "every organization",
       {},
       [](Context& c, const ReadFlags& f) {
         return List(c, &Stub::ListOrganizations, "", f.min_revision, "organizations", f.page_size);
       }},
  };
}

void AddKinds(CLI::App* parent, Context& ctx, std::vector<ReadKind> kinds) {
  parent->require_subcommand(1);
  for (ReadKind& kind : kinds) {
    auto f = std::make_shared<ReadFlags>();
    CLI::App* cmd = parent->add_subcommand(kind.name, kind.help);
    std::string* slots[] = {&f->name, &f->second};
    for (size_t i = 0; i < kind.words.size() && i < 2; ++i) {
      cmd->add_option(kind.words[i], *slots[i])->required();
    }
    cmd->add_option("--min-revision", f->min_revision,
                    "wait until the server has reached this revision (read your writes)")
        ->check(CLI::NonNegativeNumber);
    const std::string name = kind.name;
    if (parent->get_name() == "list" && name != "policy-versions" && name != "inline-policies" &&
        name != "pages") {  // the lists that come in pages
      cmd->add_option("--page-size", f->page_size,
                      "items per call (1 to 1000, default 1000); every page is read")
          ->check(CLI::Range(1, 1000));
    }
    auto run = kind.run;
    cmd->callback([&ctx, f, run] { ctx.run = [&ctx, f, run] { return run(ctx, *f); }; });
  }
}

}  // namespace

void AddReadCommands(CLI::App& app, Context& ctx) {
  AddKinds(app.add_subcommand("get",
                              "one account, user, group, role, role session, policy, "
                              "policy version, inline policy or organization"),
           ctx, GetKinds());
  AddKinds(app.add_subcommand("list",
                              "every account, user, group, role, role session, policy, "
                              "policy version, inline policy, organization or console page "
                              "(all pages)"),
           ctx, ListKinds());
}

}  // namespace pdpctl
