// The decision corpus (tests/corpus/*.json, format in docs/data-formats.md):
// worlds, requests and the decisions they must get.
#ifndef PDP_TESTS_CORPUS_RUNNER_CORPUS_H_
#define PDP_TESTS_CORPUS_RUNNER_CORPUS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pdp/v1/decision.pb.h"

namespace pdp::testing {

struct CorpusCase {
  std::string name;
  // The request as proto. A corpus request that no proto can express (both
  // page and action) is a caller error the client side already refuses:
  // request_error holds that error and `request` is unused.
  pdp::v1::AuthorizeRequest request;
  absl::Status request_error;
  // Expected: either an error code name ("INVALID_ARGUMENT") or effect+reason.
  std::string expect_error;
  pdp::v1::Effect expect_effect = pdp::v1::EFFECT_UNSPECIFIED;
  pdp::v1::Reason expect_reason = pdp::v1::REASON_UNSPECIFIED;
};

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
