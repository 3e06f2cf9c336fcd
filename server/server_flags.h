// Command-line flags of billing-pdp-server (--help lists them all).
// Flags are --name VALUE or --name=VALUE, names with hyphens.
#ifndef PDP_SERVER_SERVER_FLAGS_H_
#define PDP_SERVER_SERVER_FLAGS_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/engine/snapshot_builder.h"

namespace pdp {

struct ServerFlags {
  std::string listen = "127.0.0.1:50051";
  std::string world;
  std::string page_catalog;
  std::string aws_managed_policies;
  std::string service_actions;
  std::string store = "memory";
  std::string admin_token_file;
  std::string tls_cert;
  std::string tls_key;
  // Large enough for an ApplyChanges of 100,000 changes (its limit).
  int max_request_bytes = 64 << 20;
  int queues = 1;      // completion queues (threads) for Authorize and BatchAuthorize
  WorldLimits limits;  // --quota NAME=N
  bool help = false;
};

// Parses argv. `data_dir` supplies the defaults of --page-catalog and
// --aws-managed-policies. INVALID_ARGUMENT names the offending flag.
absl::StatusOr<ServerFlags> ParseServerFlags(int argc, char** argv, const std::string& data_dir);

// The --help text, every flag with its default.
std::string ServerFlagsHelp(const std::string& data_dir);

}  // namespace pdp

#endif  // PDP_SERVER_SERVER_FLAGS_H_
