// pdpctl: the command-line face of billing-pdp.
//
//   pdpctl [global flags] authorize PRINCIPAL (--page ID [--access VIEW|MODIFY] |
//                                              --action ACTION [--resource ARN])
//                                             [--account ID] [--context KEY=VALUE ...]
//   pdpctl [global flags] explain   (same arguments as authorize)
//   pdpctl [global flags] pages     PRINCIPAL [--account ID] [--all]
//   pdpctl [global flags] apply     FILE [--request-id ID]
//                                   (world file, JSON or YAML; or a change set:
//                                    an ApplyChangesRequest in proto JSON)
//   pdpctl [global flags] watch     [--from REV] [--count N]
//   pdpctl [global flags] settings  set-iam-access ACCOUNT on|off --actor ARN
//   pdpctl [global flags] settings  set-cost-explorer|set-linked-access ACCOUNT on|off
//                                   --actor ARN
//   pdpctl [global flags] org ...   organizations (org_commands.h: kOrgUsage)
//   pdpctl [global flags] scp ...   service control policies
//   pdpctl [global flags] who-can   ACCOUNT (--page ID [--modify] | --action ACTION
//                                            [--resource ARN]) [--all] [--context K=V ...]
//   pdpctl [global flags] what-if   CHANGES_FILE [--account ID ...]
//                                   [--authorize PRINCIPAL PAGE ...]
//
// Global flags: --server HOST:PORT (default $PDP_SERVER or 127.0.0.1:50051),
// --output text|json, --timeout MS, --token-file FILE (or $PDP_TOKEN, or the
// older $PDP_ADMIN_TOKEN), --tls-ca FILE, --tls-cert FILE, --tls-key FILE
// (or $PDP_TLS_CA, $PDP_TLS_CERT, $PDP_TLS_KEY), --tls-server-name NAME.
// Any --tls-* flag or variable means TLS. The token is never printed.
// --version prints the build's version (common/base/version.h) and exits 0.
//
// Exit status: 0 success (authorize: ALLOW), 1 authorize answered DENY,
// 2 usage error or bad input, 3 the server refused or could not be reached.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "billing_pdp/status.h"
#include "client/pdpctl/audit_command.h"
#include "client/pdpctl/org_commands.h"
#include "common/base/version.h"
#include "common/world/world_file.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace {

constexpr int kAllow = 0, kDeny = 1, kUsage = 2, kFailed = 3;

constexpr char kUsageText[] =
    R"(usage: pdpctl [--server HOST:PORT] [--output text|json] [--timeout MS] [--token-file FILE]
              [--tls-ca FILE] [--tls-cert FILE --tls-key FILE] [--tls-server-name NAME]
              COMMAND ...
       pdpctl --version | --help

commands:
  authorize PRINCIPAL --page ID [--access VIEW|MODIFY] [--account ID] [--context K=V ...]
  authorize PRINCIPAL --action SERVICE:ACTION [--resource ARN] [--account ID]
                          may PRINCIPAL open the page / perform the action? exit 0 ALLOW, 1 DENY
  explain   (as authorize)  the decision with every gate and matching statement
  pages     PRINCIPAL [--account ID] [--all]
                          pages PRINCIPAL can view or modify (--all: every page)
  apply     FILE [--request-id ID]
                          apply a world file (JSON or YAML) or a change set (JSON: an
                          ApplyChangesRequest, {"changes": [...], "request_id": "..."}) as one
                          atomic batch; prints the revision (and each change's name and etag).
                          With a request ID (flag or file) a retry is safe: a batch the server
                          already committed is not applied twice
  watch     [--from REV] [--count N]
                          print committed batches as JSON lines, one per revision, from REV
                          (default: only new ones) until interrupted (or N batches)
  audit     [--since REV|TIME] [--caller NAME] [--account ID] [--limit N]
                          who committed each batch, on whose behalf and when, oldest first
                          (TIME: RFC 3339, e.g. 2026-12-05T10:00:00Z); admins only
  settings  set-iam-access ACCOUNT on|off --actor ARN
                          turn "Activate IAM Access" on or off (only the account's root may)
  settings  set-cost-explorer ACCOUNT on|off --actor ARN
  settings  set-linked-access ACCOUNT on|off --actor ARN
                          Cost Explorer, and member accounts' access to it: set in a management
                          or standalone account, by its root or a principal allowed
                          ce:UpdatePreferences
  validate  FILE [--inline]
                          check a policy document: errors and warnings (exit 0 if no error)
  who-can   ACCOUNT --page ID [--modify] [--all] [--context K=V ...]
  who-can   ACCOUNT --action SERVICE:ACTION [--resource ARN] [--all]
                          principals of ACCOUNT allowed (--all: everyone, with the reason),
                          asking the server page by page until the last
  what-if   CHANGES_FILE [--account ID ...] [--authorize PRINCIPAL PAGE ...]
                          the page access the changes would change, without applying them
                          (CHANGES_FILE: {"changes": [...]} as for ApplyChanges, proto JSON)
)";

// After the org / scp commands (pdpctl::kOrgUsage).
constexpr char kUsageFooter[] =
    R"(
The server defaults to $PDP_SERVER or 127.0.0.1:50051; the token (sent with every call) to
$PDP_TOKEN (or $PDP_ADMIN_TOKEN). TLS: --tls-ca (the CA that signed the server's certificate;
default the system's), --tls-cert and --tls-key (a client certificate, for mutual TLS),
--tls-server-name (the name the server's certificate carries, if not the --server host); or
$PDP_TLS_CA, $PDP_TLS_CERT, $PDP_TLS_KEY. Any of them turns TLS on.
exit status: 0 ok/ALLOW, 1 DENY, 2 usage or bad input, 3 server error
)";

void PrintUsage(FILE* out) {
  std::fputs(kUsageText, out);
  std::fputs(pdpctl::kOrgUsage, out);
  std::fputs(kUsageFooter, out);
}

struct Args {
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> flags;  // in order; repeated allowed

  std::string Get(const std::string& name, const std::string& fallback = "") const {
    for (const auto& [k, v] : flags) {
      if (k == name) return v;
    }
    return fallback;
  }
  bool Has(const std::string& name) const {
    for (const auto& [k, v] : flags) {
      if (k == name) return true;
    }
    return false;
  }
};

int Usage(const std::string& problem) {
  if (!problem.empty()) std::fprintf(stderr, "pdpctl: %s\n\n", problem.c_str());
  PrintUsage(stderr);
  return kUsage;
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Appended to UNAVAILABLE errors in text output: what to check first.
std::string g_unavailable_hint;

int Fail(const absl::Status& status, bool json) {
  int code = status.code() == absl::StatusCode::kInvalidArgument ? kUsage : kFailed;
  if (json) {
    std::printf("{\"error\": {\"code\": \"%s\", \"message\": %s, \"reason\": \"%s\"}}\n",
                absl::StatusCodeToString(status.code()).c_str(),
                Quote(std::string(status.message())).c_str(),
                pdp::ServerErrorReason(status).c_str());
  } else {
    std::string reason = pdp::ServerErrorReason(status);
    std::fprintf(stderr, "pdpctl: %s: %s%s%s\n", absl::StatusCodeToString(status.code()).c_str(),
                 std::string(status.message()).c_str(),
                 reason.empty() ? "" : absl::StrCat(" [", reason, "]").c_str(),
                 status.code() == absl::StatusCode::kUnavailable && reason.empty()
                     ? g_unavailable_hint.c_str()
                     : "");
  }
  return code;
}

// Parses argv after the command: positional words and --flag VALUE pairs
// (--all, --help, --inline, --modify and --version take no value; --authorize takes
// two: PRINCIPAL PAGE).
bool ParseArgs(int argc, char** argv, int start, Args& args, std::string& error) {
  for (int i = start; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) == 0) {
      std::string name = a.substr(2), value;
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else if (name == "all" || name == "help" || name == "inline" || name == "modify" ||
                 name == "version") {
        value = "true";
      } else if (name == "authorize" && i + 2 < argc) {
        value = absl::StrCat(argv[i + 1], " ", argv[i + 2]);  // PRINCIPAL PAGE
        i += 2;
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        error = absl::StrCat("--", name, " needs a value");
        return false;
      }
      args.flags.emplace_back(name, value);
    } else {
      args.positional.push_back(a);
    }
  }
  return true;
}

bool CheckFlags(const Args& args, std::initializer_list<const char*> allowed, std::string& error) {
  for (const auto& [k, v] : args.flags) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || k == a;
    if (!ok) {
      error = absl::StrCat("unknown flag --", k);
      return false;
    }
  }
  return true;
}

// Builds a page or action query from authorize/explain arguments.
bool BuildQuery(const Args& args, pdp::Query& query, std::string& error) {
  if (args.positional.size() != 1) {
    error = "give exactly one PRINCIPAL (an ARN)";
    return false;
  }
  pdp::RequestContextValues context;
  for (const auto& [k, v] : args.flags) {
    if (k != "context") continue;
    size_t eq = v.find('=');
    if (eq == std::string::npos) {
      error = "--context takes KEY=VALUE";
      return false;
    }
    context[v.substr(0, eq)].push_back(v.substr(eq + 1));
  }
  if (args.Has("page") == args.Has("action")) {
    error = "give either --page ID or --action SERVICE:ACTION";
    return false;
  }
  if (args.Has("page")) {
    pdp::PageQuery q;
    q.principal = args.positional[0];
    q.page_id = args.Get("page");
    q.account_id = args.Get("account");
    std::string access = args.Get("access", "VIEW");
    if (access == "VIEW" || access == "view") {
      q.access = pdp::v1::VIEW;
    } else if (access == "MODIFY" || access == "modify") {
      q.access = pdp::v1::MODIFY;
    } else {
      error = "--access is VIEW or MODIFY";
      return false;
    }
    q.context = context;
    query = q;
  } else {
    pdp::ActionQuery q;
    q.principal = args.positional[0];
    q.action = args.Get("action");
    q.resource = args.Get("resource");
    q.account_id = args.Get("account");
    q.context = context;
    query = q;
  }
  return true;
}

int Authorize(const pdp::ClientOptions& options, const Args& args, bool json) {
  std::string error;
  pdp::Query query;
  if (!CheckFlags(args, {"page", "access", "action", "resource", "account", "context"}, error) ||
      !BuildQuery(args, query, error)) {
    return Usage(error);
  }
  absl::StatusOr<pdp::Decision> d = pdp::AuthorizationClient(options).Authorize(query);
  if (!d.ok()) return Fail(d.status(), json);
  if (json) {
    pdp::v1::Decision proto;
    proto.set_effect(d->allowed ? pdp::v1::ALLOW : pdp::v1::DENY);
    proto.set_reason(d->reason);
    proto.set_revision(d->revision);
    for (const auto& f : d->available_features) proto.add_available_features(f);
    std::printf("%s\n", ToJson(proto).c_str());
  } else {
    std::printf("%s (%s) at revision %lld\n", d->allowed ? "ALLOW" : "DENY",
                d->reason_name().c_str(), static_cast<long long>(d->revision));
    if (!d->available_features.empty()) {
      std::printf("features: %s\n", absl::StrJoin(d->available_features, ", ").c_str());
    }
  }
  return d->allowed ? kAllow : kDeny;
}

int Explain(const pdp::ClientOptions& options, const Args& args, bool json) {
  std::string error;
  pdp::Query query;
  if (!CheckFlags(args, {"page", "access", "action", "resource", "account", "context"}, error) ||
      !BuildQuery(args, query, error)) {
    return Usage(error);
  }
  absl::StatusOr<pdp::v1::ExplainResponse> r = pdp::AuthorizationClient(options).Explain(query);
  if (!r.ok()) return Fail(r.status(), json);
  if (json) {
    std::printf("%s\n", ToJson(*r).c_str());
    return kAllow;
  }
  const auto& d = r->decision();
  std::printf("%s (%s) at revision %lld\n", pdp::v1::Effect_Name(d.effect()).c_str(),
              pdp::v1::Reason_Name(d.reason()).c_str(), static_cast<long long>(d.revision()));
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
  return kAllow;
}

int Pages(const pdp::ClientOptions& options, const Args& args, bool json) {
  std::string error;
  if (!CheckFlags(args, {"account", "all"}, error)) return Usage(error);
  if (args.positional.size() != 1) return Usage("give exactly one PRINCIPAL (an ARN)");
  absl::StatusOr<pdp::v1::ListAccessiblePagesResponse> r =
      pdp::AuthorizationClient(options).ListAccessiblePages(args.positional[0], args.Get("account"),
                                                            args.Has("all"));
  if (!r.ok()) return Fail(r.status(), json);
  if (json) {
    std::printf("%s\n", ToJson(*r).c_str());
    return kAllow;
  }
  std::printf("%-36s %-6s %-6s %s\n", "PAGE", "VIEW", "MODIFY", "TITLE");
  for (const auto& p : r->pages()) {
    auto mark = [](const pdp::v1::Decision& d) {
      return d.effect() == pdp::v1::ALLOW ? std::string("yes") : std::string("no");
    };
    std::printf("%-36s %-6s %-6s %s\n", p.page_id().c_str(), mark(p.view()).c_str(),
                mark(p.modify()).c_str(), p.title().c_str());
  }
  std::printf("(%d pages, revision %lld)\n", r->pages_size(),
              static_cast<long long>(r->revision()));
  return kAllow;
}

// A change set is a JSON object with a top-level "changes" key (an
// ApplyChangesRequest); anything else is a world file.
bool IsChangeSet(const std::string& text) {
  google::protobuf::Struct object;
  return google::protobuf::util::JsonStringToMessage(text, &object).ok() &&
         object.fields().contains("changes");
}

// Reads FILE as a change set or a world file, as the request to send.
absl::StatusOr<pdp::v1::ApplyChangesRequest> ReadApplyFile(const std::string& path,
                                                           bool* change_set) {
  absl::StatusOr<std::string> text = pdpctl::ReadFile(path);
  if (!text.ok()) return text.status();
  pdp::v1::ApplyChangesRequest request;
  *change_set = IsChangeSet(*text);
  if (*change_set) {
    auto parsed = google::protobuf::util::JsonStringToMessage(*text, &request);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": not a change set (ApplyChangesRequest in proto JSON): ",
                       std::string(parsed.message())));
    }
    return request;
  }
  absl::StatusOr<std::vector<pdp::v1::Change>> changes = pdp::ReadWorldFile(path);
  if (!changes.ok()) return changes.status();
  for (auto& c : *changes) *request.add_changes() = std::move(c);
  return request;
}

int Apply(const pdp::ClientOptions& options, const Args& args, bool json) {
  std::string error;
  if (!CheckFlags(args, {"request-id"}, error)) return Usage(error);
  if (args.positional.size() != 1) return Usage("give exactly one FILE (world file or change set)");
  const std::string& path = args.positional[0];
  bool change_set = false;
  absl::StatusOr<pdp::v1::ApplyChangesRequest> request = ReadApplyFile(path, &change_set);
  if (!request.ok()) return Fail(request.status(), json);
  if (args.Has("request-id")) request->set_request_id(args.Get("request-id"));
  absl::StatusOr<pdp::v1::ApplyChangesResponse> r =
      pdp::AdminClient(options).ApplyChanges(*request);
  if (!r.ok()) return Fail(r.status(), json);
  const auto revision = static_cast<long long>(r->revision());
  int unchanged = 0;
  for (const auto& result : r->results()) unchanged += result.unchanged() ? 1 : 0;
  if (json) {
    if (change_set) {
      std::printf("%s\n", ToJson(*r).c_str());
    } else {
      std::printf("{\"revision\": %lld, \"changes\": %d, \"unchanged\": %d, \"replayed\": %s}\n",
                  revision, request->changes_size(), unchanged, r->replayed() ? "true" : "false");
    }
    return kAllow;
  }
  if (r->replayed()) {
    std::printf("request %s was already applied: revision %lld (nothing changed now)\n",
                request->request_id().c_str(), revision);
  } else if (unchanged == request->changes_size()) {
    // A controller's steady state: everything already as asked, no revision made.
    std::printf("nothing to change: all %d changes from %s already hold at revision %lld\n",
                request->changes_size(), path.c_str(), revision);
  } else {
    std::printf("applied %d changes from %s: revision %lld", request->changes_size() - unchanged,
                path.c_str(), revision);
    std::printf(unchanged > 0 ? " (%d more already held)\n" : "\n", unchanged);
  }
  if (change_set) {
    for (int i = 0; i < r->results_size(); ++i) {
      const auto& result = r->results(i);
      std::printf("  [%d] %s %s%s\n", i, result.name().c_str(),
                  result.etag().empty() ? "(deleted)" : ("etag " + result.etag()).c_str(),
                  result.unchanged() ? " (unchanged)" : "");
    }
  }
  return kAllow;
}

// Prints each committed batch as one JSON line until interrupted, the
// server ends the stream, or --count batches.
int Watch(const pdp::ClientOptions& options, const Args& args, bool json) {
  std::string error;
  if (!CheckFlags(args, {"from", "count"}, error)) return Usage(error);
  if (!args.positional.empty()) return Usage("watch takes no arguments");
  int64_t from = 0, count = 0;
  if (!absl::SimpleAtoi(args.Get("from", "0"), &from) || from < 0) {
    return Usage("--from takes a revision >= 0");
  }
  if (!absl::SimpleAtoi(args.Get("count", "0"), &count) || count < 0) {
    return Usage("--count takes a number >= 0");
  }
  std::unique_ptr<pdp::ChangeWatch> watch = pdp::AdminClient(options).Watch(from);
  google::protobuf::util::JsonPrintOptions line;
  line.preserve_proto_field_names = true;
  pdp::v1::WatchResponse batch;
  for (int64_t seen = 0; count == 0 || seen < count; ++seen) {
    if (!watch->Next(&batch)) {
      absl::Status ended = watch->Finish();
      return ended.ok() ? kAllow : Fail(ended, json);
    }
    std::string out;
    (void)google::protobuf::util::MessageToJsonString(batch, &out, line);
    std::printf("%s\n", out.c_str());
    std::fflush(stdout);  // a line as soon as it commits, also into a pipe
  }
  return kAllow;
}

// The audit log, one line per batch (JSON: {"events": [...]}).
int Audit(const pdp::ClientOptions& options, const Args& args, bool json) {
  std::string error;
  if (!CheckFlags(args, {"since", "caller", "account", "limit"}, error)) return Usage(error);
  if (!args.positional.empty()) return Usage("audit takes no arguments, only flags");
  pdp::v1::ListAuditEventsRequest request;
  if (args.Has("since")) {
    absl::Status since = pdpctl::ParseAuditSince(args.Get("since"), &request);
    if (!since.ok()) return Usage(std::string(since.message()));
  }
  request.set_caller(args.Get("caller"));
  request.set_account_id(args.Get("account"));
  int64_t limit = 0;
  if (!absl::SimpleAtoi(args.Get("limit", "0"), &limit) || limit < 0) {
    return Usage("--limit takes a number >= 0 (0: every event)");
  }
  absl::StatusOr<std::vector<pdp::v1::AuditEvent>> events =
      pdpctl::ReadAudit(pdp::AdminClient(options), request, static_cast<size_t>(limit));
  if (!events.ok()) return Fail(events.status(), json);
  if (json) {
    pdp::v1::ListAuditEventsResponse all;
    for (pdp::v1::AuditEvent& e : *events) *all.add_events() = std::move(e);
    all.clear_revision();
    std::printf("%s\n", ToJson(all).c_str());
  } else {
    for (const pdp::v1::AuditEvent& e : *events) std::printf("%s\n", pdpctl::AuditLine(e).c_str());
  }
  return kAllow;
}

// The account setting each `settings` subcommand changes (its update_mask).
std::string SettingsField(const std::string& subcommand) {
  if (subcommand == "set-iam-access") return "iam_access_to_billing";
  if (subcommand == "set-cost-explorer") return "cost_explorer_enabled";
  if (subcommand == "set-linked-access") return "linked_account_access";
  return "";
}

int Settings(const pdp::ClientOptions& options, const Args& args, bool json) {
  constexpr char kSettingsUsage[] =
      "settings set-iam-access|set-cost-explorer|set-linked-access ACCOUNT on|off --actor ARN";
  std::string error;
  if (!CheckFlags(args, {"actor"}, error)) return Usage(error);
  if (args.positional.size() != 3) return Usage(kSettingsUsage);
  const std::string field = SettingsField(args.positional[0]);
  if (field.empty()) return Usage(kSettingsUsage);
  const std::string& value = args.positional[2];
  if (value != "on" && value != "off") {
    return Usage(absl::StrCat(args.positional[0], " takes on or off"));
  }
  if (!args.Has("actor")) {
    return Usage(field == "iam_access_to_billing"
                     ? "--actor ARN is required: only the account's root user may change this"
                     : "--actor ARN is required: the principal the change is made on behalf of");
  }
  pdp::v1::UpdateAccountSettingsRequest request;
  request.set_account_id(args.positional[1]);
  request.set_actor(args.Get("actor"));
  request.add_update_mask(field);
  const bool on = value == "on";
  pdp::v1::AccountSettings* settings = request.mutable_settings();
  if (field == "iam_access_to_billing") settings->set_iam_access_to_billing(on);
  if (field == "cost_explorer_enabled") settings->set_cost_explorer_enabled(on);
  if (field == "linked_account_access") settings->set_linked_account_access(on);
  absl::StatusOr<pdp::v1::Account> account =
      pdp::AdminClient(options).Call(&pdp::AdminClient::Stub::UpdateAccountSettings, request);
  if (!account.ok()) return Fail(account.status(), json);
  if (json) {
    std::printf("%s\n", ToJson(*account).c_str());
    return kAllow;
  }
  const pdp::v1::AccountSettings& now = account->settings();
  // linked_account_access unset means on (types.proto).
  bool now_on = !now.has_linked_account_access() || now.linked_account_access();
  if (field == "iam_access_to_billing") now_on = now.iam_access_to_billing();
  if (field == "cost_explorer_enabled") now_on = now.cost_explorer_enabled();
  std::printf("account %s: %s is %s (etag %s)\n", account->id().c_str(), field.c_str(),
              now_on ? "on" : "off", account->etag().c_str());
  return kAllow;
}

int Validate(const pdp::ClientOptions& options, const Args& args, bool json) {
  std::string error;
  if (!CheckFlags(args, {"inline"}, error)) return Usage(error);
  if (args.positional.size() != 1) return Usage("give exactly one policy FILE");
  absl::StatusOr<std::string> text = pdpctl::ReadFile(args.positional[0]);
  if (!text.ok()) return Usage(std::string(text.status().message()));
  pdp::v1::ValidatePolicyRequest request;
  request.set_document(*text);
  request.set_kind(args.Has("inline") ? pdp::v1::ValidatePolicyRequest::INLINE
                                      : pdp::v1::ValidatePolicyRequest::MANAGED);
  auto r = pdp::AdminClient(options).Call(&pdp::AdminClient::Stub::ValidatePolicy, request);
  if (!r.ok()) return Fail(r.status(), json);
  bool has_error = false;
  for (const auto& f : r->findings())
    has_error = has_error || f.severity() == pdp::v1::PolicyFinding::ERROR;
  if (json) {
    std::printf("%s\n", ToJson(*r).c_str());
  } else if (r->findings().empty()) {
    std::printf("%s: no findings\n", args.positional[0].c_str());
  } else {
    for (const auto& f : r->findings()) {
      std::printf("%s %s at %s: %s\n", pdp::v1::PolicyFinding::Severity_Name(f.severity()).c_str(),
                  f.code().c_str(), f.path().empty() ? "(document)" : f.path().c_str(),
                  f.message().c_str());
    }
  }
  return has_error ? kUsage : kAllow;
}

std::string DecisionText(const pdp::v1::Decision& d) {
  return absl::StrCat(pdp::v1::Effect_Name(d.effect()), " (", pdp::v1::Reason_Name(d.reason()),
                      ")");
}

int WhoCan(const pdp::ClientOptions& options, const Args& args, bool json) {
  std::string error;
  if (!CheckFlags(args, {"page", "modify", "action", "resource", "all", "context"}, error)) {
    return Usage(error);
  }
  if (args.positional.size() != 1) return Usage("give exactly one ACCOUNT (12 digits)");
  if (args.Has("page") == args.Has("action")) {
    return Usage("give either --page ID or --action SERVICE:ACTION");
  }
  if (args.Has("modify") && !args.Has("page")) return Usage("--modify goes with --page");
  if (args.Has("resource") && !args.Has("action")) return Usage("--resource goes with --action");
  pdp::WhoCanQuery query;
  query.account_id = args.positional[0];
  query.page_id = args.Get("page");
  query.access = args.Has("modify") ? pdp::v1::MODIFY : pdp::v1::VIEW;
  query.action = args.Get("action");
  query.resource = args.Get("resource");
  query.include_denied = args.Has("all");
  for (const auto& [k, v] : args.flags) {
    if (k != "context") continue;
    size_t eq = v.find('=');
    if (eq == std::string::npos) return Usage("--context takes KEY=VALUE");
    query.context[v.substr(0, eq)].push_back(v.substr(eq + 1));
  }
  // Every page, each at least at the first page's revision. The pages are
  // separate calls, so a write between them can make later pages newer:
  // the revisions are reported as they were.
  const pdp::AuthorizationClient client(options);
  pdp::v1::WhoCanResponse all;
  int64_t first_revision = -1;
  do {
    absl::StatusOr<pdp::v1::WhoCanResponse> page = client.WhoCan(query);
    if (!page.ok()) return Fail(page.status(), json);
    if (first_revision < 0) first_revision = page->revision();
    if (!json) {
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
  if (json) {  // one response with every principal; revision: the last page's
    std::printf("%s\n", ToJson(all).c_str());
    return kAllow;
  }
  if (all.revision() == first_revision) {
    std::printf("(%d principals, revision %lld)\n", all.principals_size(),
                static_cast<long long>(all.revision()));
  } else {
    std::printf("(%d principals, revisions %lld to %lld)\n", all.principals_size(),
                static_cast<long long>(first_revision), static_cast<long long>(all.revision()));
  }
  return kAllow;
}

int WhatIf(const pdp::ClientOptions& options, const Args& args, bool json) {
  std::string error;
  if (!CheckFlags(args, {"account", "authorize"}, error)) return Usage(error);
  if (args.positional.size() != 1) return Usage("give exactly one CHANGES_FILE");
  absl::StatusOr<std::string> text = pdpctl::ReadFile(args.positional[0]);
  if (!text.ok()) return Usage(std::string(text.status().message()));
  // {"changes": [...]}: an ApplyChangesRequest (its request_id is ignored).
  pdp::v1::ApplyChangesRequest file;
  auto parsed = google::protobuf::util::JsonStringToMessage(*text, &file);
  if (!parsed.ok()) {
    return Usage(absl::StrCat(args.positional[0],
                              ": not a {\"changes\": [...]} JSON file: ", parsed.ToString()));
  }
  pdp::WhatIfQuery query;
  query.changes.assign(file.changes().begin(), file.changes().end());
  for (const auto& [k, v] : args.flags) {
    if (k == "account") query.diff_account_ids.push_back(v);
    if (k != "authorize") continue;
    size_t space = v.find(' ');
    if (space == std::string::npos) return Usage("--authorize takes PRINCIPAL PAGE");
    query.authorize.push_back(
        pdp::PageQuery{.principal = v.substr(0, space), .page_id = v.substr(space + 1)});
  }
  absl::StatusOr<pdp::v1::WhatIfResponse> r = pdp::AuthorizationClient(options).WhatIf(query);
  if (!r.ok()) return Fail(r.status(), json);
  if (json) {
    std::printf("%s\n", ToJson(*r).c_str());
    return kAllow;
  }
  std::printf("%zu %s applied to revision %lld (not committed):\n", query.changes.size(),
              query.changes.size() == 1 ? "change" : "changes",
              static_cast<long long>(r->base_revision()));
  for (int i = 0; i < r->change_results_size(); ++i) {
    const auto& c = r->change_results(i);
    std::printf("  changes[%d] %s%s\n", i, c.name().c_str(),
                c.etag().empty() ? " (deleted)" : absl::StrCat(" (etag ", c.etag(), ")").c_str());
  }
  for (int i = 0; i < r->authorize_size(); ++i) {
    const auto& asked = std::get<pdp::PageQuery>(query.authorize[i]);
    std::printf("authorize %s %s: %s -> %s\n", asked.principal.c_str(), asked.page_id.c_str(),
                DecisionText(r->authorize(i).before()).c_str(),
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
  return kAllow;
}

// ---- org / scp ---------------------------------------------------------------

int OrgUsage(const std::string& problem) {
  std::fprintf(stderr, "pdpctl: %s\n\n%s", problem.c_str(), pdpctl::kOrgUsage);
  return kUsage;
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

// org show ORG, org list, scp list ORG.
int OrgRead(const pdp::ClientOptions& options, const pdpctl::OrgCommandLine& line, bool json) {
  const std::string& sub = line.words[0];
  const bool list_orgs = line.group == "org" && sub == "list";
  if (!line.flags.empty()) {
    return OrgUsage(
        absl::StrCat("unknown flag --", line.flags.begin()->first, " for ", line.group, " ", sub));
  }
  if (line.words.size() != (list_orgs ? 1u : 2u)) {
    return OrgUsage(absl::StrCat("usage: pdpctl ", line.group, " ", sub, list_orgs ? "" : " ORG"));
  }
  if (list_orgs) {
    pdp::v1::ListOrganizationsResponse all;
    pdp::v1::ListRequest request;
    request.set_page_size(1000);
    pdp::AdminClient admin(options);
    do {
      auto page = admin.Call(&pdp::AdminClient::Stub::ListOrganizations, request);
      if (!page.ok()) return Fail(page.status(), json);
      for (auto& o : *page->mutable_organizations()) *all.add_organizations() = std::move(o);
      // Later pages at least as new as the first: one consistent listing.
      if (request.min_revision() == 0) request.set_min_revision(page->revision());
      all.set_revision(page->revision());
      request.set_page_token(page->next_page_token());
    } while (!request.page_token().empty());
    if (json) {
      std::printf("%s\n", ToJson(all).c_str());
      return kAllow;
    }
    for (const auto& o : all.organizations()) {
      std::printf("%s  management %s  SCPs %s  %d OUs  %d accounts  %d SCPs  etag %s\n",
                  o.id().c_str(), o.management_account_id().c_str(),
                  o.scps_enabled() ? "on" : "off", o.organizational_units_size(), o.accounts_size(),
                  o.policies_size(), o.etag().c_str());
    }
    std::printf("(%d organizations, revision %lld)\n", all.organizations_size(),
                static_cast<long long>(all.revision()));
    return kAllow;
  }
  int64_t revision = 0;
  absl::StatusOr<pdp::v1::Organization> org = GetOrganization(options, line.words[1], &revision);
  if (!org.ok()) return Fail(org.status(), json);
  if (line.group == "scp") {
    if (json) {
      std::string out = "{\"organization_id\": " + Quote(org->id()) +
                        ", \"revision\": " + std::to_string(revision) + ", \"policies\": [";
      for (int i = 0; i < org->policies_size(); ++i) {
        std::string policy = ToJson(org->policies(i));
        while (!policy.empty() && policy.back() == '\n') policy.pop_back();
        absl::StrAppend(&out, i == 0 ? "\n" : ",\n", policy);
      }
      std::printf("%s]}\n", out.c_str());
      return kAllow;
    }
    PrintPolicies(*org);
    std::printf("(%d SCPs in %s, revision %lld)\n", org->policies_size(), org->id().c_str(),
                static_cast<long long>(revision));
    return kAllow;
  }
  if (json) {
    std::printf("%s\n", ToJson(*org).c_str());
    return kAllow;
  }
  std::printf("organization %s (etag %s): management account %s, SCPs %s, revision %lld\n",
              org->id().c_str(), org->etag().c_str(), org->management_account_id().c_str(),
              org->scps_enabled() ? "enabled" : "disabled", static_cast<long long>(revision));
  std::printf("root %s%s\n", org->root_id().c_str(), ScpsText(org->root_policy_ids()).c_str());
  PrintChildren(*org, org->root_id(), 1);
  std::printf("policies:\n");
  PrintPolicies(*org);
  return kAllow;
}

// `pdpctl org|scp SUBCOMMAND ...`: reads print the organization; writes
// send the one change OrgChange builds through ApplyChanges.
int Org(const pdp::ClientOptions& options, const std::string& group, const Args& args, bool json) {
  pdpctl::OrgCommandLine line{group, args.positional, {}};
  std::string request_id;
  for (const auto& [name, value] : args.flags) {
    if (name == "request-id") {
      request_id = value;
    } else if (!line.flags.emplace(name, value).second) {
      return OrgUsage(absl::StrCat("--", name, " given twice"));
    }
  }
  if (line.words.empty()) return OrgUsage(absl::StrCat("usage: pdpctl ", group, " SUBCOMMAND ..."));
  if (pdpctl::IsOrgRead(line)) {
    if (args.Has("request-id")) return OrgUsage("--request-id is for writes");
    return OrgRead(options, line, json);
  }
  absl::StatusOr<pdp::v1::Change> change = pdpctl::OrgChange(line);
  if (!change.ok()) return OrgUsage(std::string(change.status().message()));
  if (change->has_update_scp() && !line.flags.count("description")) {
    // update_scp replaces the description; keeping it is what someone who
    // did not mention it means. The SCP's etag (unless one was given) makes
    // the write fail rather than undo a description changed meanwhile; but
    // not with a request id, whose retry must send the same change (the
    // etag moves with the first attempt's success, and a different change
    // under the same id is REQUEST_ID_REUSED, not a replay).
    pdp::v1::UpdateScpRequest* update = change->mutable_update_scp();
    absl::StatusOr<pdp::v1::Organization> org =
        GetOrganization(options, update->organization_id(), nullptr);
    if (!org.ok()) return Fail(org.status(), json);
    for (const auto& p : org->policies()) {
      if (p.id() != update->policy_id()) continue;
      update->set_description(p.description());
      if (update->etag().empty() && request_id.empty()) update->set_etag(p.etag());
    }
  }
  pdp::v1::ApplyChangesRequest request;
  *request.add_changes() = *change;
  request.set_request_id(request_id);
  absl::StatusOr<pdp::v1::ApplyChangesResponse> r = pdp::AdminClient(options).ApplyChanges(request);
  if (!r.ok()) return Fail(r.status(), json);
  const pdp::v1::ChangeResult result =
      r->results_size() > 0 ? r->results(0) : pdp::v1::ChangeResult();
  const auto revision = static_cast<long long>(r->revision());
  if (json) {
    std::printf(
        "{\"name\": %s, \"etag\": %s, \"revision\": %lld, \"replayed\": %s, \"unchanged\": %s}\n",
        Quote(result.name()).c_str(), Quote(result.etag()).c_str(), revision,
        r->replayed() ? "true" : "false", result.unchanged() ? "true" : "false");
    return kAllow;
  }
  std::printf(
      "%s %s: %s %s at revision %lld%s\n", group.c_str(), line.words[0].c_str(),
      result.name().c_str(),
      result.etag().empty() ? "(deleted)" : absl::StrCat("(etag ", result.etag(), ")").c_str(),
      revision,
      r->replayed()
          ? absl::StrCat(" (request ", request_id, " was already applied; nothing changed now)")
                .c_str()
          : (result.unchanged() ? " (unchanged: already so)" : ""));
  return kAllow;
}

std::string ReadToken(const std::string& path) {
  absl::StatusOr<std::string> text = pdpctl::ReadFile(path);
  std::string t = text.ok() ? *text : "";
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  pdp::ClientOptions options;
  if (const char* env = std::getenv("PDP_SERVER")) options.target = env;
  if (const char* env = std::getenv("PDP_ADMIN_TOKEN")) options.token = env;
  if (const char* env = std::getenv("PDP_TOKEN"); env != nullptr && *env != '\0') {
    options.token = env;
  }
  pdp::TlsOptions tls;
  bool use_tls = false;
  for (auto [var, field] :
       {std::pair{"PDP_TLS_CA", &tls.ca_file}, std::pair{"PDP_TLS_CERT", &tls.cert_file},
        std::pair{"PDP_TLS_KEY", &tls.key_file}}) {
    if (const char* env = std::getenv(var); env != nullptr && *env != '\0') {
      *field = env;
      use_tls = true;
    }
  }
  options.timeout = std::chrono::milliseconds(5000);
  bool json = false;
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv, 1, args, error)) return Usage(error);
  // Global flags may stand before or after the command.
  for (auto it = args.flags.begin(); it != args.flags.end();) {
    const auto& [name, v] = *it;
    if (name == "help") {
      PrintUsage(stdout);
      return kAllow;
    } else if (name == "version") {
      std::printf("pdpctl %s\n", pdp::VersionString().c_str());
      return kAllow;
    } else if (name == "server") {
      options.target = v;
    } else if (name == "output") {
      if (v != "text" && v != "json") return Usage("--output is text or json");
      json = v == "json";
    } else if (name == "timeout") {
      int ms = std::atoi(v.c_str());
      if (ms <= 0) return Usage("--timeout takes milliseconds > 0");
      options.timeout = std::chrono::milliseconds(ms);
    } else if (name == "token-file") {
      std::ifstream probe(v);
      if (!probe) return Usage(absl::StrCat("cannot read ", v));
      options.token = ReadToken(v);
      if (options.token.empty()) return Usage(absl::StrCat("no token in ", v));
    } else if (name == "tls-ca" || name == "tls-cert" || name == "tls-key" ||
               name == "tls-server-name") {
      if (v.empty()) return Usage(absl::StrCat("--", name, " takes a value"));
      std::string& field = name == "tls-ca"     ? tls.ca_file
                           : name == "tls-cert" ? tls.cert_file
                           : name == "tls-key"  ? tls.key_file
                                                : tls.server_name;
      field = v;
      use_tls = true;
    } else {
      ++it;
      continue;
    }
    it = args.flags.erase(it);
  }
  if (use_tls) options.tls = tls;
  // Bad TLS files are a usage error, before any command runs.
  if (absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
          pdp::MakeChannelCredentials(options);
      !credentials.ok()) {
    return Fail(credentials.status(), json);
  }
  g_unavailable_hint =
      use_tls ? " (TLS: does --tls-ca hold the CA that signed the server's certificate, and does "
                "the certificate name the --server host or --tls-server-name? does the server "
                "want a client certificate, --tls-cert and --tls-key?)"
              : " (is the server running there? does it want TLS: --tls-ca?)";
  if (args.positional.empty()) return Usage("no command");
  std::string command = args.positional.front();
  args.positional.erase(args.positional.begin());
  if (command == "help") {
    PrintUsage(stdout);
    return kAllow;
  }
  if (command == "authorize") return Authorize(options, args, json);
  if (command == "explain") return Explain(options, args, json);
  if (command == "pages") return Pages(options, args, json);
  if (command == "apply") return Apply(options, args, json);
  if (command == "watch") return Watch(options, args, json);
  if (command == "audit") return Audit(options, args, json);
  if (command == "settings") return Settings(options, args, json);
  if (command == "validate") return Validate(options, args, json);
  if (command == "who-can") return WhoCan(options, args, json);
  if (command == "what-if") return WhatIf(options, args, json);
  if (command == "org" || command == "scp") return Org(options, command, args, json);
  return Usage(absl::StrCat("unknown command \"", command, "\""));
}
