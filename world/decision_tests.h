// Decision-test files (docs/data-formats.md "Decision corpus"): a world and
// requests with the decisions they must get. One parser for the project's
// own corpus (tests/corpus/, both corpus runners) and for users' files
// (`pdpctl test`). Parsing only: running a case against the engine or a
// server is the caller's (no gRPC here). Thread-compatible, no state.
#ifndef PDP_WORLD_DECISION_TESTS_H_
#define PDP_WORLD_DECISION_TESTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pdp/v1/decision.pb.h"

namespace pdp {

struct DecisionTestCase {
  std::string name;
  std::string json_path;  // where it is in its file: "cases[3]"
  // The request as proto. A request no proto can express (both page and
  // action) is a caller error the client side already refuses:
  // request_error holds that error and `request` is unused.
  pdp::v1::AuthorizeRequest request;
  absl::Status request_error;
  // Expected: either an error code name ("INVALID_ARGUMENT") or
  // effect + reason, optionally with the deciding statement.
  std::string expect_error;
  pdp::v1::Effect expect_effect = pdp::v1::EFFECT_UNSPECIFIED;
  pdp::v1::Reason expect_reason = pdp::v1::REASON_UNSPECIFIED;
  // "<policy>#<sid>" (StatementName), empty when not checked.
  std::string expect_statement;
};

struct DecisionTestFile {
  std::string path;
  std::string description;
  // At most one of these: "world_file" resolved against the file's own
  // directory, or the inline "world" as JSON text (WorldToChanges reads it).
  std::string world_file;
  std::string world_json;
  std::vector<DecisionTestCase> cases;

  bool has_world() const { return !world_file.empty() || !world_json.empty(); }
};

// Parses a decision-test file's text; `path` names it in errors and
// resolves "world_file". INVALID_ARGUMENT whose message is
// "PATH: JSON-PATH: problem" ("t.json: cases[2].expect.reason: unknown
// reason \"NOPE\"") for bad JSON, unknown or missing fields and values of the
// wrong type. Case requests are not checked beyond their shape: what a
// server would refuse is the case's to expect.
absl::StatusOr<DecisionTestFile> ParseDecisionTests(absl::string_view text,
                                                    const std::string& path);

// The largest decision-test file read: the project's whole corpus is well
// under 1 MiB; a file past this is refused before it is read.
inline constexpr std::uintmax_t kMaxDecisionTestFileBytes = 64u << 20;

// Reads and parses the file at `path` (INVALID_ARGUMENT, naming the path, if
// unreadable or larger than `max_bytes`).
absl::StatusOr<DecisionTestFile> ReadDecisionTestFile(
    const std::string& path, std::uintmax_t max_bytes = kMaxDecisionTestFileBytes);

// How a statement is named in "statement" and in reports: "<policy>#<sid>"
// with the policy as Explain names it (a managed policy's ARN,
// "<entity ARN>#inline/<name>", an SCP's id), or "<policy>#<index>" (its
// position in the Statement array, from 0) for a statement without a Sid.
std::string StatementName(const pdp::v1::StatementTrace& statement);

// Whether `explanation` holds a statement named `name` that applied
// (matched) with `effect`: the statement behind a decision of that effect.
bool HasDecidingStatement(const pdp::v1::Explanation& explanation, pdp::v1::Effect effect,
                          absl::string_view name);

}  // namespace pdp

#endif  // PDP_WORLD_DECISION_TESTS_H_
