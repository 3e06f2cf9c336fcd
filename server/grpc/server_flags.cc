#include "server/grpc/server_flags.h"

#include <cstdlib>
#include <functional>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/log/log_line.h"

namespace pdp {
namespace {

struct FlagSpec {
  const char* name;
  const char* value_name;
  const char* help;
  std::function<std::string*(ServerFlags&)> field;  // string flags
  // Integer flags: the field and its range.
  std::function<int*(ServerFlags&)> int_field = nullptr;
  int min = 0, max = 0;
};

std::vector<FlagSpec> Specs() {
  return {
      {"listen", "HOST:PORT",
       "Address to serve on (default 127.0.0.1:50051; port 0 picks a free one). Anything but "
       "localhost, a loopback IP literal or unix:PATH needs --tls-cert, --tls-key and "
       "--admin-token-file.",
       [](ServerFlags& f) { return &f.listen; }},
      {"world", "FILE",
       "World file (JSON or YAML, docs/data-formats.md) applied at start-up as one batch when "
       "the store is empty (a durable store that has state keeps it; use pdpctl apply).",
       [](ServerFlags& f) { return &f.world; }},
      {"page-catalog", "FILE", "Page catalogue JSON: which IAM actions each page needs.",
       [](ServerFlags& f) { return &f.page_catalog; }},
      {"aws-managed-policies", "FILE", "AWS managed policy documents (JSON).",
       [](ServerFlags& f) { return &f.aws_managed_policies; }},
      {"service-actions", "FILE",
       "Every AWS service prefix and its actions (JSON), for ValidatePolicy's UNKNOWN_SERVICE / "
       "UNKNOWN_ACTION warnings.",
       [](ServerFlags& f) { return &f.service_actions; }},
      {"store", "KIND",
       "Where state is kept: memory (default; lost on exit), sqlite:PATH (one file, every "
       "acknowledged write durable; the state is reloaded on start), or postgres:CONNINFO (a "
       "libpq conninfo string or postgresql:// URI; many replicas share one database and follow "
       "each other's writes).",
       [](ServerFlags& f) { return &f.store; }},
      {"callers-file", "FILE",
       "YAML file naming the callers (bearer-token hashes and client-certificate identities), "
       "their roles (reader, controller, admin) and controllers' scopes (README \"Callers and "
       "roles\"). Without callers every caller is an admin, which is only allowed on loopback.",
       [](ServerFlags& f) { return &f.callers_file; }},
      {"admin-token-file", "FILE",
       "File holding one admin's bearer token (at least 16 characters), sent as "
       "\"authorization: Bearer <token>\": a caller named admin, with or without "
       "--callers-file.",
       [](ServerFlags& f) { return &f.admin_token_file; }},
      {"require-auth", "true|false",
       "true: Authorize, BatchAuthorize and ListPages need a known caller too (default false: "
       "anyone may ask for a decision; the questions that reveal the world always need a "
       "reader).",
       [](ServerFlags& f) { return &f.require_auth; }},
      {"tls-cert", "FILE", "PEM certificate chain; with --tls-key, serve TLS.",
       [](ServerFlags& f) { return &f.tls_cert; }},
      {"tls-key", "FILE", "PEM private key of --tls-cert.",
       [](ServerFlags& f) { return &f.tls_key; }},
      {"tls-client-ca", "FILE",
       "PEM CA certificates client certificates are verified against (mTLS): a client that "
       "presents one must present a valid one; it is the caller whose tls_identity is one of "
       "its subject alternative names or its common name.",
       [](ServerFlags& f) { return &f.tls_client_ca; }},
      {"max-request-bytes", "N", "Largest request message accepted (default 67108864, 64 MiB).",
       nullptr},
      {"queues", "N",
       "Completion queues, one thread each, serving AuthorizationService (default 1: on 2 "
       "cores one queue leaves the other core to the kernel and the clients).",
       nullptr, [](ServerFlags& f) { return &f.queues; }, 1, 64},
      {"question-threads", "N",
       "Threads answering WhoCan and WhatIf, at a lower CPU priority than Authorize "
       "(default 1).",
       nullptr, [](ServerFlags& f) { return &f.question_threads; }, 1, 64},
      {"question-queue", "N",
       "WhoCan and WhatIf calls that may wait for a question thread; more are refused with "
       "RESOURCE_EXHAUSTED, reason TOO_MANY_QUESTIONS (default 64).",
       nullptr, [](ServerFlags& f) { return &f.question_queue; }, 1, 100000},
      {"max-waiting-calls", "N",
       "AuthorizationService calls that may wait for their min_revision at once (they hold "
       "no thread); more are refused with RESOURCE_EXHAUSTED, reason TOO_MANY_WAITING_CALLS "
       "(default 1000).",
       nullptr, [](ServerFlags& f) { return &f.max_waiting_calls; }, 1, 1000000},
      {"max-admin-waits", "N",
       "AdminService reads that may wait for their min_revision at once (each holds a "
       "thread); more are refused with RESOURCE_EXHAUSTED, reason TOO_MANY_WAITING_CALLS "
       "(default 64).",
       nullptr, [](ServerFlags& f) { return &f.max_admin_waits; }, 1, 10000},
      {"max-watches", "N",
       "Open AdminService.Watch streams, and separately open Health.Watch streams and "
       "reflection streams (each holds a thread); more are refused with RESOURCE_EXHAUSTED, "
       "reason TOO_MANY_WATCHES (reflection: TOO_MANY_REFLECTION_STREAMS) (default 64).",
       nullptr, [](ServerFlags& f) { return &f.max_watches; }, 1, 10000},
      {"max-matrix-streams", "N",
       "AuthorizationService.AccessMatrix calls at once (each holds two threads while it "
       "streams, at the question threads' lower CPU priority); more are refused with "
       "RESOURCE_EXHAUSTED, reason TOO_MANY_MATRIX_STREAMS (default 4).",
       nullptr, [](ServerFlags& f) { return &f.max_matrix_streams; }, 1, 1000},
      {"max-threads", "N",
       "Most threads gRPC may start for AdminService, Health and AccessMatrix, a backstop "
       "behind the caps above; a call past it is refused with RESOURCE_EXHAUSTED (default: "
       "--max-admin-waits + 3 x --max-watches + --max-matrix-streams + 64).",
       nullptr, [](ServerFlags& f) { return &f.max_threads; }, 16, 100000},
      {"checkpoint-every", "N",
       "Writes a checkpoint of the whole state to the store in the background once the state "
       "is N revisions past the newest one; start-up loads the newest and replays only the "
       "batches after it. 0: never (default 1000).",
       nullptr, [](ServerFlags& f) { return &f.checkpoint_every; }, 0, 1000000000},
      {"checkpoint-min-interval", "SECONDS", "Writes checkpoints at most this often (default 60).",
       nullptr, [](ServerFlags& f) { return &f.checkpoint_min_interval_seconds; }, 0, 86400},
      {"checkpoints-kept", "N",
       "Complete checkpoints kept in the store; older ones are deleted (default 2).", nullptr,
       [](ServerFlags& f) { return &f.checkpoints_kept; }, 1, 100},
      {"decision-log", "FILE|-",
       "Logs Authorize and BatchAuthorize decisions, one JSON object per line (principal, target, "
       "effect, reason, revision, latency; never the request context), appended to FILE or "
       "written to stdout (-). Off by default.",
       [](ServerFlags& f) { return &f.decision_log; }},
      {"decision-log-sample", "RATE",
       "The share of decisions the decision log keeps, in (0, 1] (default 1: every one).",
       [](ServerFlags& f) { return &f.decision_log_sample_text; }},
      {"log-format", "text|json",
       "The form of the server's log on stderr: text (key=value pairs, default) or json (one "
       "JSON object per line).",
       [](ServerFlags& f) { return &f.log_format; }},
      {"log-level", "LEVEL",
       "The least level the log writes: debug, info (default), warning or error.",
       [](ServerFlags& f) { return &f.log_level; }},
      {"compact-log", "true|false",
       "After each checkpoint, once --checkpoints-kept complete checkpoints exist, deletes the "
       "batches the oldest kept one covers (default false: the whole history is kept). Watch from "
       "a deleted revision is OUT_OF_RANGE, and "
       "request ids of deleted batches are forgotten.",
       [](ServerFlags& f) { return &f.compact_log; }},
      {"metrics-listen", "HOST:PORT",
       "Serves Prometheus metrics over plain HTTP at http://HOST:PORT/metrics (off by "
       "default). HOST is an IPv4 literal (127.0.0.1); port 0 picks a free one. Anything "
       "but a loopback address needs --tls-cert and --tls-key.",
       [](ServerFlags& f) { return &f.metrics_listen; }},
      {"quota", "NAME=N",
       "Overrides an IAM or Organizations quota (repeatable). Names and AWS's defaults: "
       "groups_per_user=10, "
       "attached_policies=10, policy_versions=5, managed_policy_chars=6144, "
       "inline_chars_user=2048, inline_chars_group=5120, inline_chars_role=10240, tags=50, "
       "scp_bytes=5120, scps_per_target=5; and aws_managed_policy_chars=131072 (an AWS "
       "managed policy put by an admin; AWS's own are larger than a customer's may be).",
       nullptr},
  };
}

}  // namespace

std::string ServerFlagsHelp(const std::string& data_dir) {
  std::string out =
      "billing-pdp-server: decides whether AWS principals may open Billing and Cost Management\n"
      "console pages, and answers the admin API that manages accounts, principals and policies.\n"
      "\nusage: billing-pdp-server [flags]\n\nflags:\n";
  for (const FlagSpec& s : Specs()) {
    absl::StrAppend(&out, "  --", s.name, " ", s.value_name, "\n      ", s.help, "\n");
  }
  absl::StrAppend(&out, "  --help\n      This text.\n  --version\n      The build's version.\n",
                  "\nDefault data directory: ", data_dir,
                  "\nThe server stops cleanly on SIGINT or SIGTERM.\n");
  return out;
}

absl::StatusOr<ServerFlags> ParseServerFlags(int argc, char** argv, const std::string& data_dir) {
  ServerFlags flags;
  flags.page_catalog = data_dir + "/page-catalog.json";
  flags.aws_managed_policies = data_dir + "/aws-managed-policies.json";
  flags.service_actions = data_dir + "/aws-service-actions.json";
  std::vector<FlagSpec> specs = Specs();
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
      continue;
    }
    if (arg == "--version") {
      flags.version = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument \"", arg, "\""));
    }
    std::string name = arg.substr(2), value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& s : specs) {
      if (name == s.name) spec = &s;
    }
    if (spec == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name, " (see --help)"));
    }
    if (!has_value) {
      if (i + 1 >= argc)
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      value = argv[++i];
    }
    if (spec->field) {
      *spec->field(flags) = value;
    } else if (spec->int_field) {
      int* field = spec->int_field(flags);
      if (!absl::SimpleAtoi(value, field) || *field < spec->min || *field > spec->max) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " must be ", spec->min, " to ", spec->max));
      }
    } else if (name == "quota") {
      size_t eq = value.find('=');
      size_t n = 0;
      if (eq == std::string::npos || !absl::SimpleAtoi(value.substr(eq + 1), &n)) {
        return absl::InvalidArgumentError("--quota takes NAME=N");
      }
      absl::Status s = SetWorldLimit(flags.limits, value.substr(0, eq), n);
      if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat("--quota: ", s.message()));
    } else if (!absl::SimpleAtoi(value, &flags.max_request_bytes) ||
               flags.max_request_bytes < 1024) {
      return absl::InvalidArgumentError("--max-request-bytes must be a number >= 1024");
    }
  }
  if (flags.compact_log != "true" && flags.compact_log != "false") {
    return absl::InvalidArgumentError("--compact-log must be true or false");
  }
  if (!absl::SimpleAtod(flags.decision_log_sample_text, &flags.decision_log_sample) ||
      !(flags.decision_log_sample > 0.0 && flags.decision_log_sample <= 1.0)) {
    return absl::InvalidArgumentError(
        "--decision-log-sample must be a number in (0, 1], e.g. 0.01 for one decision in 100");
  }
  if (flags.require_auth != "true" && flags.require_auth != "false") {
    return absl::InvalidArgumentError("--require-auth must be true or false");
  }
  if (absl::Status format = log::ParseFormat(flags.log_format).status(); !format.ok()) {
    return format;
  }
  if (absl::Status level = log::ParseLevel(flags.log_level).status(); !level.ok()) return level;
  if (!flags.tls_client_ca.empty() && flags.tls_cert.empty()) {
    return absl::InvalidArgumentError(
        "--tls-client-ca needs --tls-cert and --tls-key (mTLS is TLS)");
  }
  return flags;
}

}  // namespace pdp
