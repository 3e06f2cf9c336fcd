// Where committed write batches live. The server keeps the current state in
// memory (snapshots); a Store makes each batch durable before it is
// acknowledged and gives every batch back, in revision order, at start-up.
#ifndef PDP_SERVER_STORE_STORE_H_
#define PDP_SERVER_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "pdp/v1/changes.pb.h"

namespace pdp {

class Store {
 public:
  using Batch = std::vector<pdp::v1::Change>;
  using ReplayFn = std::function<absl::Status(int64_t revision, const Batch& changes)>;

  virtual ~Store() = default;

  // Makes `changes` durable as `revision`. Called by the single writer in
  // increasing revision order; an error means nothing was stored.
  virtual absl::Status Commit(int64_t revision, const Batch& changes) = 0;

  // Calls `fn` for every committed batch in revision order; stops at the
  // first error and returns it.
  virtual absl::Status Replay(const ReplayFn& fn) = 0;
};

}  // namespace pdp

#endif  // PDP_SERVER_STORE_STORE_H_
