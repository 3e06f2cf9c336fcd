// Questions to the AuthorizationService: authorize, explain, pages, who-can,
// what-if. None changes anything.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "billing_pdp/authorization_client.h"
#include "client/pdpctl/cli.h"
#include "client/pdpctl/org_commands.h"
#include "google/protobuf/util/json_util.h"
#include "pdp/v1/admin.pb.h"

namespace pdpctl {
namespace {

// The flags authorize and explain share.
struct QueryFlags {
  std::string principal, page, access = "VIEW", action, resource, account;
  std::vector<std::string> context;
};

void AddQueryFlags(CLI::App* cmd, QueryFlags& f) {
  cmd->add_option("PRINCIPAL", f.principal, "the caller's ARN")->required();
  cmd->add_option("--page", f.page, "console page ID (e.g. billing_bills)");
  cmd->add_option("--access", f.access, "VIEW (default) or MODIFY")
      ->check(CLI::IsMember({"VIEW", "MODIFY", "view", "modify"}));
  cmd->add_option("--action", f.action, "an IAM action, SERVICE:ACTION");
  cmd->add_option("--resource", f.resource, "the action's resource ARN (default *)");
  cmd->add_option("--account", f.account, "the account the console shows (default the caller's)");
  cmd->add_option("--context", f.context, "request context KEY=VALUE (repeatable)");
}

pdp::RequestContextValues ParseContext(const std::vector<std::string>& pairs) {
  pdp::RequestContextValues context;
  for (const std::string& v : pairs) {
    size_t eq = v.find('=');
    if (eq == std::string::npos) throw UsageError("--context takes KEY=VALUE");
    context[v.substr(0, eq)].push_back(v.substr(eq + 1));
  }
  return context;
}

pdp::Query BuildQuery(const QueryFlags& f) {
  if (f.page.empty() == f.action.empty()) {
    throw UsageError("give either --page ID or --action SERVICE:ACTION");
  }
  if (!f.page.empty()) {
    pdp::PageQuery q;
    q.principal = f.principal;
    q.page_id = f.page;
    q.account_id = f.account;
    q.access = (f.access == "MODIFY" || f.access == "modify") ? pdp::v1::MODIFY : pdp::v1::VIEW;
    q.context = ParseContext(f.context);
    return q;
  }
  pdp::ActionQuery q;
  q.principal = f.principal;
  q.action = f.action;
  q.resource = f.resource;
  q.account_id = f.account;
  q.context = ParseContext(f.context);
  return q;
}

std::string DecisionText(const pdp::v1::Decision& d) {
  return absl::StrCat(pdp::v1::Effect_Name(d.effect()), " (", pdp::v1::Reason_Name(d.reason()),
                      ")");
}

int Authorize(Context& ctx, const QueryFlags& f) {
  pdp::Query query = BuildQuery(f);
  absl::StatusOr<pdp::Decision> d = pdp::AuthorizationClient(ctx.options).Authorize(query);
  if (!d.ok()) return Fail(ctx, d.status());
  if (ctx.json) {
    pdp::v1::Decision proto;
    proto.set_effect(d->allowed ? pdp::v1::ALLOW : pdp::v1::DENY);
    proto.set_reason(d->reason);
    proto.set_revision(d->revision);
    for (const auto& feature : d->available_features) proto.add_available_features(feature);
    PrintJson(proto);
  } else {
    std::printf("%s (%s) at revision %lld\n", d->allowed ? "ALLOW" : "DENY",
                d->reason_name().c_str(), static_cast<long long>(d->revision));
    if (!d->available_features.empty()) {
      std::printf("features: %s\n", absl::StrJoin(d->available_features, ", ").c_str());
    }
  }
  return d->allowed ? kOk : kDeny;
}

int Explain(Context& ctx, const QueryFlags& f) {
  pdp::Query query = BuildQuery(f);
  absl::StatusOr<pdp::v1::ExplainResponse> r = pdp::AuthorizationClient(ctx.options).Explain(query);
  if (!r.ok()) return Fail(ctx, r.status());
  if (ctx.json) {
    PrintJson(*r);
    return kOk;
  }
  const auto& d = r->decision();
  std::printf("%s at revision %lld\n", DecisionText(d).c_str(),
              static_cast<long long>(d.revision()));
  const auto& ex = r->explanation();
  if (ex.required_actions_size() > 0) {
    std::printf("required actions: %s\n", absl::StrJoin(ex.required_actions(), ", ").c_str());
  }
  for (const auto& g : ex.gates()) {
    std::printf("  %-18s %-8s %s\n", g.gate().c_str(),
                pdp::v1::GateTrace::Outcome_Name(g.outcome()).c_str(), g.detail().c_str());
  }
  for (const auto& a : ex.actions()) {
    std::printf("  %s on %s: %s\n", a.action().c_str(), a.resource().c_str(),
                pdp::v1::Effect_Name(a.effect()).c_str());
    for (const auto& st : a.statements()) {
      std::printf("    %s %s[%d]%s%s via %s: %s\n", st.matched() ? "*" : "-", st.policy().c_str(),
                  st.index(), st.sid().empty() ? "" : " Sid ", st.sid().c_str(), st.via().c_str(),
                  st.note().c_str());
    }
  }
  return kOk;
}

int Pages(Context& ctx, const std::string& principal, const std::string& account, bool all) {
  absl::StatusOr<pdp::v1::ListAccessiblePagesResponse> r =
      pdp::AuthorizationClient(ctx.options).ListAccessiblePages(principal, account, all);
  if (!r.ok()) return Fail(ctx, r.status());
  if (ctx.json) {
    PrintJson(*r);
    return kOk;
  }
  std::printf("%-36s %-6s %-6s %s\n", "PAGE", "VIEW", "MODIFY", "TITLE");
  auto mark = [](const pdp::v1::Decision& d) {
    return d.effect() == pdp::v1::ALLOW ? "yes" : "no";
  };
  for (const auto& p : r->pages()) {
    std::printf("%-36s %-6s %-6s %s\n", p.page_id().c_str(), mark(p.view()), mark(p.modify()),
                p.title().c_str());
  }
  std::printf("(%d pages, revision %lld)\n", r->pages_size(),
              static_cast<long long>(r->revision()));
  return kOk;
}

struct WhoCanFlags {
  std::string account, page, action, resource;
  bool modify = false, all = false;
  std::vector<std::string> context;
};

int WhoCan(Context& ctx, const WhoCanFlags& f) {
  if (f.page.empty() == f.action.empty()) {
    throw UsageError("give either --page ID or --action SERVICE:ACTION");
  }
  if (f.modify && f.page.empty()) throw UsageError("--modify goes with --page");
  if (!f.resource.empty() && f.action.empty()) throw UsageError("--resource goes with --action");
  pdp::WhoCanQuery query;
  query.account_id = f.account;
  query.page_id = f.page;
  query.access = f.modify ? pdp::v1::MODIFY : pdp::v1::VIEW;
  query.action = f.action;
  query.resource = f.resource;
  query.include_denied = f.all;
  query.context = ParseContext(f.context);
  // Every page, each at least at the first page's revision. The pages are
  // separate calls, so a write between them can make later pages newer:
  // the revisions are reported as they were.
  const pdp::AuthorizationClient client(ctx.options);
  pdp::v1::WhoCanResponse all;
  int64_t first_revision = -1;
  do {
    absl::StatusOr<pdp::v1::WhoCanResponse> page = client.WhoCan(query);
    if (!page.ok()) return Fail(ctx, page.status());
    if (first_revision < 0) first_revision = page->revision();
    if (!ctx.json) {
      for (const auto& p : page->principals()) {
        std::printf("%-5s %-30s %-12s %s\n", pdp::v1::Effect_Name(p.decision().effect()).c_str(),
                    pdp::v1::Reason_Name(p.decision().reason()).c_str(), p.kind().c_str(),
                    p.principal().c_str());
      }
    }
    for (auto& p : *page->mutable_principals()) *all.add_principals() = std::move(p);
    all.set_revision(page->revision());
    query.page_token = page->next_page_token();
    query.min_revision = first_revision;
  } while (!query.page_token.empty());
  if (ctx.json) {  // one response with every principal; revision: the last page's
    PrintJson(all);
    return kOk;
  }
  if (all.revision() == first_revision) {
    std::printf("(%d principals, revision %lld)\n", all.principals_size(),
                static_cast<long long>(all.revision()));
  } else {
    std::printf("(%d principals, revisions %lld to %lld)\n", all.principals_size(),
                static_cast<long long>(first_revision), static_cast<long long>(all.revision()));
  }
  return kOk;
}

struct WhatIfFlags {
  std::string file;
  std::vector<std::string> accounts;
  std::vector<std::pair<std::string, std::string>> authorize;  // PRINCIPAL PAGE
};

int WhatIf(Context& ctx, const WhatIfFlags& f) {
  absl::StatusOr<std::string> text = ReadFile(f.file);
  if (!text.ok()) return Fail(ctx, text.status());
  // {"changes": [...]}: an ApplyChangesRequest (its request_id is ignored).
  pdp::v1::ApplyChangesRequest file;
  auto parsed = google::protobuf::util::JsonStringToMessage(*text, &file);
  if (!parsed.ok()) {
    return Fail(ctx, absl::InvalidArgumentError(absl::StrCat(
                         f.file, ": not a {\"changes\": [...]} JSON file: ", parsed.ToString())));
  }
  pdp::WhatIfQuery query;
  query.changes.assign(file.changes().begin(), file.changes().end());
  query.diff_account_ids = f.accounts;
  for (const auto& [principal, page] : f.authorize) {
    query.authorize.push_back(pdp::PageQuery{.principal = principal, .page_id = page});
  }
  absl::StatusOr<pdp::v1::WhatIfResponse> r = pdp::AuthorizationClient(ctx.options).WhatIf(query);
  if (!r.ok()) return Fail(ctx, r.status());
  if (ctx.json) {
    PrintJson(*r);
    return kOk;
  }
  std::printf("%zu %s applied to revision %lld (not committed):\n", query.changes.size(),
              query.changes.size() == 1 ? "change" : "changes",
              static_cast<long long>(r->base_revision()));
  for (int i = 0; i < r->change_results_size(); ++i) {
    const auto& c = r->change_results(i);
    std::printf("  changes[%d] %s%s\n", i, c.name().c_str(),
                c.etag().empty() ? " (deleted)" : absl::StrCat(" (etag ", c.etag(), ")").c_str());
  }
  for (int i = 0; i < r->authorize_size() && i < static_cast<int>(f.authorize.size()); ++i) {
    std::printf("authorize %s %s: %s -> %s\n", f.authorize[i].first.c_str(),
                f.authorize[i].second.c_str(), DecisionText(r->authorize(i).before()).c_str(),
                DecisionText(r->authorize(i).after()).c_str());
  }
  std::printf("%d %s%s\n", r->differences_size(),
              r->differences_size() == 1 ? "difference" : "differences",
              r->differences_truncated() ? " (truncated; narrow with --account)" : "");
  for (const auto& d : r->differences()) {
    std::printf("  %s %s %s: %s -> %s\n", d.principal().c_str(), d.page_id().c_str(),
                pdp::v1::Access_Name(d.access()).c_str(), DecisionText(d.before()).c_str(),
                DecisionText(d.after()).c_str());
  }
  return kOk;
}

}  // namespace

void AddQueryCommands(CLI::App& app, Context& ctx) {
  for (const bool explain : {false, true}) {
    auto f = std::make_shared<QueryFlags>();
    CLI::App* cmd = app.add_subcommand(
        explain ? "explain" : "authorize",
        explain ? "the decision with every gate and matching statement (exit 0 either way)"
                : "may PRINCIPAL open the page (--page) or perform the action (--action)? "
                  "exit 0 ALLOW, 1 DENY");
    AddQueryFlags(cmd, *f);
    cmd->callback([&ctx, f, explain] {
      ctx.run = [&ctx, f, explain] { return explain ? Explain(ctx, *f) : Authorize(ctx, *f); };
    });
  }

  {
    struct PagesFlags {
      std::string principal, account;
      bool all = false;
    };
    auto f = std::make_shared<PagesFlags>();
    CLI::App* cmd = app.add_subcommand("pages", "the console pages PRINCIPAL can view or modify");
    cmd->add_option("PRINCIPAL", f->principal, "the caller's ARN")->required();
    cmd->add_option("--account", f->account, "the account the console shows");
    cmd->add_flag("--all", f->all, "every page, allowed or not");
    cmd->callback([&ctx, f] {
      ctx.run = [&ctx, f] { return Pages(ctx, f->principal, f->account, f->all); };
    });
  }

  {
    auto f = std::make_shared<WhoCanFlags>();
    CLI::App* cmd = app.add_subcommand(
        "who-can",
        "principals of ACCOUNT allowed a page (--page) or an action (--action); --all: everyone, "
        "with the reason. Follows page tokens to the last page");
    cmd->add_option("ACCOUNT", f->account, "12-digit account ID")->required();
    cmd->add_option("--page", f->page, "console page ID");
    cmd->add_flag("--modify", f->modify, "MODIFY access to the page (default VIEW)");
    cmd->add_option("--action", f->action, "an IAM action, SERVICE:ACTION");
    cmd->add_option("--resource", f->resource, "the action's resource ARN");
    cmd->add_flag("--all", f->all, "list the denied too, with the reason");
    cmd->add_option("--context", f->context, "request context KEY=VALUE (repeatable)");
    cmd->callback([&ctx, f] { ctx.run = [&ctx, f] { return WhoCan(ctx, *f); }; });
  }

  {
    auto f = std::make_shared<WhatIfFlags>();
    CLI::App* cmd = app.add_subcommand(
        "what-if",
        "the page access CHANGES_FILE ({\"changes\": [...]}, proto JSON) would change, without "
        "applying it");
    cmd->add_option("CHANGES_FILE", f->file, "an ApplyChangesRequest in proto JSON")->required();
    cmd->add_option("--account", f->accounts, "diff this account's principals (repeatable)");
    cmd->add_option("--authorize", f->authorize, "PRINCIPAL PAGE: before and after (repeatable)");
    cmd->callback([&ctx, f] { ctx.run = [&ctx, f] { return WhatIf(ctx, *f); }; });
  }
}

}  // namespace pdpctl
