// What every pdpctl command shares: the global flags' result (Context), the
// exit codes, the one JSON printer and the one way an error is reported.
// Single-threaded: pdpctl runs one command and exits.
#ifndef PDP_CLIENT_PDPCTL_CLI_H_
#define PDP_CLIENT_PDPCTL_CLI_H_

#include <functional>
#include <stdexcept>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "billing_pdp/client_options.h"
#include "google/protobuf/message.h"

namespace pdpctl {

// Exit codes (README "pdpctl": exit codes). Distinct so scripts can tell
// "not allowed" from "pdpctl could not ask".
enum ExitCode : int {
  kOk = 0,           // done; authorize: ALLOW
  kDeny = 1,         // authorize answered DENY (and validate found an error)
  kUsage = 2,        // bad command line or bad input (ours or the server's INVALID_ARGUMENT)
  kUnreachable = 3,  // no answer: UNAVAILABLE, or DEADLINE_EXCEEDED
  kRefused = 4,      // the server answered with any other error
};

// The global flags, resolved before a command runs.
struct Context {
  pdp::ClientOptions options;
  bool json = false;
  bool tls = false;
  // The command the parse selected; set by its callback, run after parsing
  // so that global flags given after the command are in force.
  std::function<int()> run;
};

// A command line that parsed but does not make sense (e.g. neither --page
// nor --action): main prints the message and the command's usage, exit 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Every JSON pdpctl prints, with the same rules: proto3 JSON
// (MessageToJsonString), proto field names, int64 as strings, every field
// printed including empty lists and false/0 (one shape per message).
// `one_line`: for JSON lines (watch); otherwise indented.
std::string ToJson(const google::protobuf::Message& message, bool one_line = false);
void PrintJson(const google::protobuf::Message& message);

// JSON string literal of `s`.
std::string Quote(const std::string& s);

// Reports `status` (text on stderr, or {"error": {...}} on stdout in JSON
// mode, with the server's ErrorInfo reason and BadRequest fields) and
// returns its exit code (ExitCodeFor).
int Fail(const Context& ctx, const absl::Status& status);
int ExitCodeFor(const absl::Status& status);

// Registration of each command family on the CLI11 app (one file each).
void AddQueryCommands(CLI::App& app, Context& ctx);      // authorize explain pages who-can what-if
void AddMatrixCommand(CLI::App& app, Context& ctx);      // matrix
void AddWriteCommands(CLI::App& app, Context& ctx);      // apply watch settings validate
void AddAuditCommand(CLI::App& app, Context& ctx);       // audit
void AddOrgCommands(CLI::App& app, Context& ctx);        // org scp
void AddReadCommands(CLI::App& app, Context& ctx);       // get list
void AddExportCommand(CLI::App& app, Context& ctx);      // export
void AddImportCommand(CLI::App& app, Context& ctx);      // import aws-iam, aws-organizations
void AddTestCommand(CLI::App& app, Context& ctx);        // test
void AddCompletionCommand(CLI::App& app, Context& ctx);  // completion

// The bash completion script for `app`'s command tree (completion.cc).
std::string BashCompletion(const CLI::App& app);

}  // namespace pdpctl

#endif  // PDP_CLIENT_PDPCTL_CLI_H_
