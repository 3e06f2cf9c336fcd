// The errors of a failed batch. ApplyChanges reports every change that fails
// (up to a bound), not only the first, so that a controller fixes a change
// set in one round trip instead of one error per call.
#ifndef PDP_SERVER_APP_BATCH_ERRORS_H_
#define PDP_SERVER_APP_BATCH_ERRORS_H_

#include <cstddef>
#include <vector>

#include "absl/status/status.h"

namespace pdp {

// Most errors reported for one batch.
inline constexpr size_t kMaxBatchErrors = 100;

class BatchErrors {
 public:
  explicit BatchErrors(size_t max = kMaxBatchErrors) : max_(max) {}

  // Adds a (non-OK) error, unless full() already.
  void Add(absl::Status error);
  bool empty() const { return errors_.empty(); }
  bool full() const { return errors_.size() >= max_; }

  // OK when empty. Otherwise the first error's code and ErrorInfo reason; a
  // message made of the first few errors' messages; and a BadRequest with
  // the field violations of every error, in the order they were added.
  absl::Status ToStatus() const;

 private:
  size_t max_;
  std::vector<absl::Status> errors_;
};

}  // namespace pdp

#endif  // PDP_SERVER_APP_BATCH_ERRORS_H_
