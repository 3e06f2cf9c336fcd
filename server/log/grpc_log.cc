#include "server/log/grpc_log.h"

#include "absl/strings/string_view.h"
#include "grpc/support/log.h"
#include "server/log/logger.h"

namespace pdp {
namespace {

void ToServerLog(gpr_log_func_args* args) {
  log::Level level = log::Level::kError;
  if (args->severity == GPR_LOG_SEVERITY_DEBUG) level = log::Level::kDebug;
  if (args->severity == GPR_LOG_SEVERITY_INFO) level = log::Level::kInfo;
  absl::string_view file = args->file == nullptr ? "" : args->file;
  if (size_t slash = file.rfind('/'); slash != absl::string_view::npos) {
    file.remove_prefix(slash + 1);
  }
  log::ServerLog().LogLimited("grpc", level, "grpc", args->message == nullptr ? "" : args->message,
                              {log::Field("file", file), log::Field("line", args->line)});
}

}  // namespace

void RouteGrpcLogToServerLog() { gpr_set_log_function(&ToServerLog); }

}  // namespace pdp
