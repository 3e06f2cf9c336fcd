// Command-line flags of billing-pdp-server (--help lists them all).
// Flags are --name VALUE or --name=VALUE, names with hyphens.
#ifndef PDP_SERVER_GRPC_SERVER_FLAGS_H_
#define PDP_SERVER_GRPC_SERVER_FLAGS_H_

#include <string>

#include "absl/status/statusor.h"
#include "engine/write/snapshot_builder.h"

namespace pdp {

struct ServerFlags {
  std::string listen = "127.0.0.1:50051";
  std::string world;
  std::string page_catalog;
  std::string aws_managed_policies;
  std::string service_actions;
  std::string store = "memory";
  std::string callers_file;
  std::string admin_token_file;
  std::string require_auth = "false";  // "true" or "false"
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  // Large enough for an ApplyChanges of 100,000 changes (its limit).
  int max_request_bytes = 64 << 20;
  int queues = 1;  // completion queues (threads) serving AuthorizationService
  // Bounded cost under many callers (README "Limits").
  int question_threads = 1;      // threads answering WhoCan and WhatIf
  int question_queue = 64;       // questions waiting for one of them
  int max_waiting_calls = 1000;  // AuthorizationService calls parked on min_revision
  int max_admin_waits = 64;      // AdminService reads blocked on min_revision
  int max_watches = 64;          // open Watch streams (AdminService; Health separately)
  int max_matrix_streams = 4;    // AccessMatrix calls at once (each holds two threads)
  int max_threads = 0;           // gRPC's thread quota; 0: MaxThreads()'s default
  WorldLimits limits;            // --quota NAME=N
  // Checkpoints (README "Durable state"): every N revisions (0: never),
  // at most once per interval, keeping this many, compacting the log or not.
  int checkpoint_every = 1000;
  int checkpoint_min_interval_seconds = 60;
  int checkpoints_kept = 2;
  std::string compact_log = "false";  // "true" or "false"
  // The decision log (README "Decision log"): a file or "-", and the share
  // of decisions logged.
  std::string decision_log;
  std::string decision_log_sample_text = "1";
  double decision_log_sample = 1.0;  // parsed from the text, in (0, 1]
  // --metrics-listen (README "Metrics"): "" serves no metrics.
  std::string metrics_listen;
  // The server's own log on stderr (README "Logs"): "text" or "json", and
  // the least level written ("debug", "info", "warning", "error").
  std::string log_format = "text";
  std::string log_level = "info";
  bool help = false;
  bool version = false;  // --version: print the build's version and exit

  // The thread quota given to gRPC (its synchronous pool serving AccessMatrix,
  // AdminService and Health): --max-threads, or by default enough for every
  // capped wait and stream plus 64 for everything else, so the caps refuse
  // first and the quota is only a backstop.
  int MaxThreads() const {
    // max_watches counts three times: AdminService.Watch, Health.Watch and
    // reflection streams are each capped at it.
    // An AccessMatrix stream holds one of gRPC's threads (and one of its own).
    return max_threads > 0 ? max_threads
                           : max_admin_waits + 3 * max_watches + max_matrix_streams + 64;
  }
};

// Parses argv. `data_dir` supplies the defaults of --page-catalog and
// --aws-managed-policies. INVALID_ARGUMENT names the offending flag.
absl::StatusOr<ServerFlags> ParseServerFlags(int argc, char** argv, const std::string& data_dir);

// The --help text, every flag with its default.
std::string ServerFlagsHelp(const std::string& data_dir);

}  // namespace pdp

#endif  // PDP_SERVER_GRPC_SERVER_FLAGS_H_
