// pdpctl: the command-line face of billing-pdp.
//
//   pdpctl [global flags] authorize PRINCIPAL (--page ID [--access VIEW|MODIFY] |
//                                              --action ACTION [--resource ARN])
//                                             [--account ID] [--context KEY=VALUE ...]
//   pdpctl [global flags] explain   (same arguments as authorize)
//   pdpctl [global flags] pages     PRINCIPAL [--account ID] [--all]
//   pdpctl [global flags] apply     FILE            (world file, JSON or YAML)
//   pdpctl [global flags] settings  set-iam-access ACCOUNT on|off --actor ARN
//
// Global flags: --server HOST:PORT (default $PDP_SERVER or 127.0.0.1:50051),
// --output text|json, --timeout MS, --token-file FILE (or $PDP_ADMIN_TOKEN).
//
// Exit status: 0 success (authorize: ALLOW), 1 authorize answered DENY,
// 2 usage error or bad input, 3 the server refused or could not be reached.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "billing_pdp/status.h"
#include "common/world/world_file.h"
#include "google/protobuf/util/json_util.h"

namespace {

constexpr int kAllow = 0, kDeny = 1, kUsage = 2, kFailed = 3;

constexpr char kUsageText[] =
    R"(usage: pdpctl [--server HOST:PORT] [--output text|json] [--timeout MS] [--token-file FILE]
              COMMAND ...

commands:
  authorize PRINCIPAL --page ID [--access VIEW|MODIFY] [--account ID] [--context K=V ...]
  authorize PRINCIPAL --action SERVICE:ACTION [--resource ARN] [--account ID]
                          may PRINCIPAL open the page / perform the action? exit 0 ALLOW, 1 DENY
  explain   (as authorize)  the decision with every gate and matching statement
  pages     PRINCIPAL [--account ID] [--all]
                          pages PRINCIPAL can view or modify (--all: every page)
  apply     FILE          load a world file (JSON or YAML) as one atomic change
  settings  set-iam-access ACCOUNT on|off --actor ARN
                          turn "Activate IAM Access" on or off (only the account's root may)
  validate  FILE [--inline]
                          check a policy document: errors and warnings (exit 0 if no error)

The server defaults to $PDP_SERVER or 127.0.0.1:50051; the admin token to $PDP_ADMIN_TOKEN.
exit status: 0 ok/ALLOW, 1 DENY, 2 usage or bad input, 3 server error
)";

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
  std::fputs(kUsageText, stderr);
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

int Fail(const absl::Status& status, bool json) {
  int code = status.code() == absl::StatusCode::kInvalidArgument ? kUsage : kFailed;
  if (json) {
    std::printf("{\"error\": {\"code\": \"%s\", \"message\": %s, \"reason\": \"%s\"}}\n",
                absl::StatusCodeToString(status.code()).c_str(),
                Quote(std::string(status.message())).c_str(),
                pdp::ServerErrorReason(status).c_str());
  } else {
    std::string reason = pdp::ServerErrorReason(status);
    std::fprintf(stderr, "pdpctl: %s: %s%s\n", absl::StatusCodeToString(status.code()).c_str(),
                 std::string(status.message()).c_str(),
                 reason.empty() ? "" : absl::StrCat(" [", reason, "]").c_str());
  }
  return code;
}

// Parses argv after the command: positional words and --flag VALUE pairs
// (--all is the one flag without a value).
bool ParseArgs(int argc, char** argv, int start, Args& args, std::string& error) {
  for (int i = start; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) == 0) {
      std::string name = a.substr(2), value;
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else if (name == "all" || name == "help" || name == "inline") {
        value = "true";
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

int Apply(const pdp::ClientOptions& options, const Args& args, bool json) {
  std::string error;
  if (!CheckFlags(args, {}, error)) return Usage(error);
  if (args.positional.size() != 1) return Usage("give exactly one world FILE");
  absl::StatusOr<std::vector<pdp::v1::Change>> changes = pdp::ReadWorldFile(args.positional[0]);
  if (!changes.ok()) return Fail(changes.status(), json);
  absl::StatusOr<int64_t> revision = pdp::AdminClient(options).ApplyChanges(*changes);
  if (!revision.ok()) return Fail(revision.status(), json);
  if (json) {
    std::printf("{\"revision\": %lld, \"changes\": %zu}\n", static_cast<long long>(*revision),
                changes->size());
  } else {
    std::printf("applied %zu changes from %s: revision %lld\n", changes->size(),
                args.positional[0].c_str(), static_cast<long long>(*revision));
  }
  return kAllow;
}

int Settings(const pdp::ClientOptions& options, const Args& args, bool json) {
  std::string error;
  if (!CheckFlags(args, {"actor"}, error)) return Usage(error);
  if (args.positional.size() != 3 || args.positional[0] != "set-iam-access") {
    return Usage("settings set-iam-access ACCOUNT on|off --actor ARN");
  }
  const std::string& value = args.positional[2];
  if (value != "on" && value != "off") return Usage("set-iam-access takes on or off");
  if (!args.Has("actor")) {
    return Usage("--actor ARN is required: only the account's root user may change this");
  }
  absl::StatusOr<pdp::v1::Account> account = pdp::AdminClient(options).SetIamAccessToBilling(
      args.positional[1], value == "on", args.Get("actor"));
  if (!account.ok()) return Fail(account.status(), json);
  if (json) {
    std::printf("%s\n", ToJson(*account).c_str());
  } else {
    std::printf("account %s: iam_access_to_billing is %s (etag %s)\n", account->id().c_str(),
                account->settings().iam_access_to_billing() ? "on" : "off",
                account->etag().c_str());
  }
  return kAllow;
}

int Validate(const pdp::ClientOptions& options, const Args& args, bool json) {
  std::string error;
  if (!CheckFlags(args, {"inline"}, error)) return Usage(error);
  if (args.positional.size() != 1) return Usage("give exactly one policy FILE");
  std::ifstream in(args.positional[0], std::ios::binary);
  if (!in) return Usage(absl::StrCat("cannot read ", args.positional[0]));
  std::stringstream ss;
  ss << in.rdbuf();
  pdp::v1::ValidatePolicyRequest request;
  request.set_document(ss.str());
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

std::string ReadToken(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string t = ss.str();
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  pdp::ClientOptions options;
  if (const char* env = std::getenv("PDP_SERVER")) options.target = env;
  if (const char* env = std::getenv("PDP_ADMIN_TOKEN")) options.admin_token = env;
  options.timeout = std::chrono::milliseconds(5000);
  bool json = false;
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv, 1, args, error)) return Usage(error);
  // Global flags may stand before or after the command.
  for (auto it = args.flags.begin(); it != args.flags.end();) {
    const auto& [name, v] = *it;
    if (name == "help") {
      std::fputs(kUsageText, stdout);
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
      options.admin_token = ReadToken(v);
    } else {
      ++it;
      continue;
    }
    it = args.flags.erase(it);
  }
  if (args.positional.empty()) return Usage("no command");
  std::string command = args.positional.front();
  args.positional.erase(args.positional.begin());
  if (command == "help") {
    std::fputs(kUsageText, stdout);
    return kAllow;
  }
  if (command == "authorize") return Authorize(options, args, json);
  if (command == "explain") return Explain(options, args, json);
  if (command == "pages") return Pages(options, args, json);
  if (command == "apply") return Apply(options, args, json);
  if (command == "settings") return Settings(options, args, json);
  if (command == "validate") return Validate(options, args, json);
  return Usage(absl::StrCat("unknown command \"", command, "\""));
}
