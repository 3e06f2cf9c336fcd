// The decision corpus (tests/corpus/*.json, format in docs/data-formats.md):
// worlds, requests and the decisions they must get. Parsed by the one
// decision-test parser (world/decision_tests.h) that `pdpctl test`
// uses too; this only gathers a directory and puts inline worlds on disk.
#ifndef PDP_TESTS_CORPUS_RUNNER_CORPUS_H_
#define PDP_TESTS_CORPUS_RUNNER_CORPUS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "world/decision_tests.h"

namespace pdp::testing {

using CorpusCase = pdp::DecisionTestCase;

struct CorpusFile {
  std::string path;
  std::string world_path;  // a world file on disk (inline worlds are written to a temp file)
  std::vector<CorpusCase> cases;
};

// Loads every *.json under `dir`, sorted by name. Inline worlds are written
// under `scratch_dir`.
absl::StatusOr<std::vector<CorpusFile>> LoadCorpus(const std::string& dir,
                                                   const std::string& scratch_dir);

}  // namespace pdp::testing

#endif  // PDP_TESTS_CORPUS_RUNNER_CORPUS_H_
