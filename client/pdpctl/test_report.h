// What `pdpctl test` prints: a decision's Explain trace as readable text,
// and the run as JUnit XML for CI. Pure formatting, no I/O.
#ifndef PDP_CLIENT_PDPCTL_TEST_REPORT_H_
#define PDP_CLIENT_PDPCTL_TEST_REPORT_H_

#include <string>
#include <vector>

#include "pdp/v1/decision.pb.h"

namespace pdpctl {

// The trace, one item a line, each line starting with `indent`: required
// actions, every gate with its outcome and detail, each action's effect
// with the statements that applied and those whose condition or resource
// kept them out (policy#sid, type, effect, why; each condition clause with
// its outcome and whether its key was missing), and the missing context
// keys. Statements whose Action does not match are left out (noise).
std::string ExplanationText(const pdp::v1::Explanation& explanation, const std::string& indent);

struct CaseReport {
  enum Outcome { kPassed, kFailed, kError };
  std::string name;
  Outcome outcome = kPassed;
  std::string message;  // one line: expected vs got, or the error
  std::string details;  // multi-line: the trace (failures) or nothing
  double seconds = 0;
};

struct FileReport {
  std::string path;
  std::vector<CaseReport> cases;
};

// JUnit XML: <testsuites> with one <testsuite> per file (name = its path)
// and one <testcase> per case (classname = the file's name without
// directory and extension), a failed case with <failure message=...> and
// its details as text, an errored one with <error>. Every attribute and
// text escaped; characters XML 1.0 cannot carry become U+FFFD.
std::string JUnitXml(const std::vector<FileReport>& files);

}  // namespace pdpctl

#endif  // PDP_CLIENT_PDPCTL_TEST_REPORT_H_
