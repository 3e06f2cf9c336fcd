#include "client/pdpctl/test_report.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/pdpctl/markup_escape.h"
#include "world/decision_tests.h"

namespace pdpctl {
namespace {

// Statements worth showing: those that applied, and those a condition or a
// resource kept out (the ones a reader asks about).
bool Shown(const pdp::v1::StatementTrace& s) {
  return s.matched() || s.conditions_size() > 0 ||
         absl::StartsWith(s.note(), "Resource does not match") ||
         absl::StartsWith(s.note(), "NotResource lists");
}

}  // namespace

std::string ExplanationText(const pdp::v1::Explanation& ex, const std::string& indent) {
  std::string out;
  if (ex.required_actions_size() > 0) {
    absl::StrAppend(&out, indent, "required actions: ", absl::StrJoin(ex.required_actions(), ", "),
                    "\n");
  }
  for (const pdp::v1::GateTrace& g : ex.gates()) {
    absl::StrAppend(&out, indent,
                    absl::StrFormat("gate %-17s %-8s %s", g.gate(),
                                    pdp::v1::GateTrace::Outcome_Name(g.outcome()), g.detail()),
                    "\n");
  }
  for (const pdp::v1::ActionTrace& a : ex.actions()) {
    // An action is traced once per gate that evaluated it (SCPs, then the
    // principal's own policies): say which.
    std::vector<std::string> types;
    for (const pdp::v1::StatementTrace& s : a.statements()) {
      if (std::find(types.begin(), types.end(), s.policy_type()) == types.end()) {
        types.push_back(s.policy_type());
      }
    }
    absl::StrAppend(&out, indent, a.action(), " on ", a.resource(),
                    types.empty() ? "" : absl::StrCat(" (", absl::StrJoin(types, ", "), ")"), ": ",
                    pdp::v1::Effect_Name(a.effect()), "\n");
    size_t hidden = 0;
    for (const pdp::v1::StatementTrace& s : a.statements()) {
      if (!Shown(s)) {
        ++hidden;
        continue;
      }
      absl::StrAppend(&out, indent, "  ", s.matched() ? "applies " : "no      ",
                      pdp::StatementName(s), " (", s.policy_type(), ", ",
                      pdp::v1::Effect_Name(s.effect()), ")");
      if (!s.via().empty() && s.via() != s.policy()) absl::StrAppend(&out, " via ", s.via());
      absl::StrAppend(&out, ": ", s.note(), "\n");
      for (const pdp::v1::ConditionClauseTrace& c : s.conditions()) {
        absl::StrAppend(&out, indent, "      ", c.operator_(), " ", c.key(), ": ", c.outcome(),
                        c.key_missing() ? " (key missing from the request)" : "",
                        c.note().empty() ? "" : absl::StrCat(" - ", c.note()), "\n");
      }
    }
    if (hidden > 0) {
      absl::StrAppend(&out, indent, "  (", hidden, " statement", hidden == 1 ? "" : "s",
                      " whose Action does not match not shown)\n");
    }
  }
  if (ex.missing_context_keys_size() > 0) {
    absl::StrAppend(&out, indent, "context keys read but missing from the request: ",
                    absl::StrJoin(ex.missing_context_keys(), ", "), "\n");
  }
  return out;
}

std::string JUnitXml(const std::vector<FileReport>& files) {
  size_t tests = 0, failures = 0, errors = 0;
  double seconds = 0;
  std::string suites;
  for (const FileReport& f : files) {
    size_t file_failures = 0, file_errors = 0;
    double file_seconds = 0;
    std::string cases;
    const std::string classname = std::filesystem::path(f.path).stem().string();
    for (const CaseReport& c : f.cases) {
      file_failures += c.outcome == CaseReport::kFailed;
      file_errors += c.outcome == CaseReport::kError;
      file_seconds += c.seconds;
      absl::StrAppend(&cases, "    <testcase name=\"", EscapeMarkup(c.name), "\" classname=\"",
                      EscapeMarkup(classname), "\" time=\"", absl::StrFormat("%.3f", c.seconds),
                      "\"");
      if (c.outcome == CaseReport::kPassed) {
        absl::StrAppend(&cases, "/>\n");
        continue;
      }
      const char* element = c.outcome == CaseReport::kFailed ? "failure" : "error";
      absl::StrAppend(&cases, ">\n      <", element, " message=\"", EscapeMarkup(c.message),
                      "\" type=\"", c.outcome == CaseReport::kFailed ? "decision" : "call", "\">",
                      EscapeMarkup(c.details), "</", element, ">\n    </testcase>\n");
    }
    tests += f.cases.size();
    failures += file_failures;
    errors += file_errors;
    seconds += file_seconds;
    absl::StrAppend(&suites, "  <testsuite name=\"", EscapeMarkup(f.path), "\" tests=\"",
                    f.cases.size(), "\" failures=\"", file_failures, "\" errors=\"", file_errors,
                    "\" skipped=\"0\" time=\"", absl::StrFormat("%.3f", file_seconds), "\">\n",
                    cases, "  </testsuite>\n");
  }
  return absl::StrCat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
                      "<testsuites name=\"pdpctl test\" tests=\"", tests, "\" failures=\"",
                      failures, "\" errors=\"", errors, "\" time=\"",
                      absl::StrFormat("%.3f", seconds), "\">\n", suites, "</testsuites>\n");
}

}  // namespace pdpctl
