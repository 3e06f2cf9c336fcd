// pdpctl: the command-line face of billing-pdp. This file only builds the
// command tree (CLI11; each command family registers itself from its own
// file, cli.h), resolves the global flags and runs the chosen command.
// `pdpctl --help` and `pdpctl COMMAND --help` describe every command; the
// README's "pdpctl" section has the exit codes and examples.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "base/version.h"
#include "billing_pdp/client_options.h"
#include "client/pdpctl/cli.h"
#include "client/pdpctl/org_commands.h"

namespace {

constexpr char kFooter[] =
    R"(The server defaults to $PDP_SERVER or 127.0.0.1:50051; the token (sent with every call) to
$PDP_TOKEN (or $PDP_ADMIN_TOKEN). TLS: --tls-ca (the CA that signed the server's certificate;
default the system's), --tls-cert and --tls-key (a client certificate, for mutual TLS),
--tls-server-name (the name the server's certificate carries, if not the --server host); or
$PDP_TLS_CA, $PDP_TLS_CERT, $PDP_TLS_KEY. Any of them turns TLS on. Global flags may also
follow the command. `pdpctl COMMAND --help` describes a command.
exit status: 0 ok (authorize: ALLOW), 1 authorize: DENY (test: a case failed), 2 usage error or bad input
(including the server's INVALID_ARGUMENT), 3 could not reach the server (UNAVAILABLE,
DEADLINE_EXCEEDED), 4 the server refused (any other error))";

struct GlobalFlags {
  std::string server, output = "text", token_file, tls_ca, tls_cert, tls_key, tls_server_name;
  int timeout_ms = 5000;
};

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

std::string ReadToken(const std::string& path) {
  absl::StatusOr<std::string> text = pdpctl::ReadFile(path);
  std::string t = text.ok() ? *text : "";
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  return t;
}

// The subcommand the parse went deepest into (the app itself if none).
const CLI::App* Selected(const CLI::App& app) {
  const CLI::App* at = &app;
  while (!at->get_subcommands().empty()) at = at->get_subcommands().front();
  return at;
}

// "pdpctl org create": the words that lead to `cmd`.
std::string FullName(const CLI::App* cmd) {
  std::string name = cmd->get_name();
  for (const CLI::App* p = cmd->get_parent(); p != nullptr; p = p->get_parent()) {
    name = absl::StrCat(p->get_name(), " ", name);
  }
  return name;
}

// A usage error: what is wrong and the command's one-line usage; exit 2.
int UsageFailure(const CLI::App& app, const std::string& problem) {
  const CLI::App* cmd = Selected(app);
  const std::string name = FullName(cmd);
  std::fprintf(stderr, "pdpctl: %s\n%sRun '%s --help' for more.\n", problem.c_str(),
               CLI::Formatter().make_usage(cmd, name).c_str(), name.c_str());
  return pdpctl::kUsage;
}

// Every command's help ends with where the global flags are described.
void SetFooters(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    sub->footer(
        "Global flags (--server, --output text|json, --timeout, --token-file, --tls-*) and exit "
        "codes: pdpctl --help");
    SetFooters(*sub);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("pdpctl: ask and administer billing-pdp", "pdpctl");
  app.fallthrough();  // global flags also after the command (every subcommand inherits)
  app.require_subcommand(1);
  app.footer(kFooter);
  app.set_version_flag("--version", absl::StrCat("pdpctl ", pdp::VersionString()),
                       "print the version and exit");

  GlobalFlags g;
  g.server = Env("PDP_SERVER");
  const std::string global = "Global flags";
  app.add_option("--server", g.server, "HOST:PORT (default $PDP_SERVER or 127.0.0.1:50051)")
      ->group(global);
  app.add_option("--output", g.output, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->group(global);
  app.add_option("--timeout", g.timeout_ms, "deadline of each call in milliseconds (default 5000)")
      ->check(CLI::PositiveNumber)
      ->group(global);
  app.add_option("--token-file", g.token_file, "the bearer token (default $PDP_TOKEN)")
      ->group(global);
  app.add_option("--tls-ca", g.tls_ca, "CA certificate (PEM) of the server's; turns TLS on")
      ->group(global);
  app.add_option("--tls-cert", g.tls_cert, "client certificate (PEM), for mutual TLS")
      ->group(global);
  app.add_option("--tls-key", g.tls_key, "client key (PEM), for mutual TLS")->group(global);
  app.add_option("--tls-server-name", g.tls_server_name,
                 "the name the server's certificate carries (default the --server host)")
      ->group(global);

  pdpctl::Context ctx;
  pdpctl::AddQueryCommands(app, ctx);
  pdpctl::AddMatrixCommand(app, ctx);
  pdpctl::AddWriteCommands(app, ctx);
  pdpctl::AddAuditCommand(app, ctx);
  pdpctl::AddOrgCommands(app, ctx);
  pdpctl::AddReadCommands(app, ctx);
  pdpctl::AddExportCommand(app, ctx);
  pdpctl::AddImportCommand(app, ctx);
  pdpctl::AddTestCommand(app, ctx);
  pdpctl::AddCompletionCommand(app, ctx);
  SetFooters(app);
  app.add_subcommand("help", "print this help")->callback([&ctx, &app] {
    ctx.run = [&app] {
      std::fputs(app.help().c_str(), stdout);
      return static_cast<int>(pdpctl::kOk);
    };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);  // the selected command's help, on stdout, exit 0
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return UsageFailure(app, e.what());
  }

  // ---- the global flags -----------------------------------------------------------
  pdp::ClientOptions& options = ctx.options;
  if (!g.server.empty()) options.target = g.server;
  options.token = Env("PDP_ADMIN_TOKEN");
  if (std::string t = Env("PDP_TOKEN"); !t.empty()) options.token = t;
  if (!g.token_file.empty()) {
    if (!std::ifstream(g.token_file)) return UsageFailure(app, "cannot read " + g.token_file);
    options.token = ReadToken(g.token_file);
    if (options.token.empty()) return UsageFailure(app, "no token in " + g.token_file);
  }
  options.timeout = std::chrono::milliseconds(g.timeout_ms);
  ctx.json = g.output == "json";
  pdp::TlsOptions tls;
  for (auto [flag, var, field] : {std::tuple{&g.tls_ca, "PDP_TLS_CA", &tls.ca_file},
                                  std::tuple{&g.tls_cert, "PDP_TLS_CERT", &tls.cert_file},
                                  std::tuple{&g.tls_key, "PDP_TLS_KEY", &tls.key_file}}) {
    *field = flag->empty() ? Env(var) : *flag;
    ctx.tls = ctx.tls || !field->empty();
  }
  tls.server_name = g.tls_server_name;
  ctx.tls = ctx.tls || !tls.server_name.empty();
  if (ctx.tls) options.tls = tls;
  // Bad TLS files are a usage error, before any command runs.
  if (absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
          pdp::MakeChannelCredentials(options);
      !credentials.ok()) {
    return pdpctl::Fail(ctx, credentials.status());
  }

  if (!ctx.run) return UsageFailure(app, "no command");
  try {
    return ctx.run();
  } catch (const pdpctl::UsageError& e) {
    return UsageFailure(app, e.what());
  }
}
