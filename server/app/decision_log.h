// The decision log (as OPA's): a sampled record of Authorize and
// BatchAuthorize decisions, one JSON object per line, to a file or stdout:
//
//   {"time":"2026-12-05T04:40:01.123456Z","principal":"arn:aws:iam::1…:user/dave",
//    "account_id":"","page":"billing_bills","access":"VIEW","effect":"ALLOW",
//    "reason":"ALLOWED_BY_POLICY","revision":7,"latency_us":3}
//
// (`action` and `resource` instead of `page` and `access` for action
// requests; `error` instead of effect and reason for a request that failed).
//
// Never on the decision's critical path for long: Record() copies a few
// strings into a bounded queue and returns; a writer thread formats and
// writes. When the queue is full the entry is dropped and counted (said at
// shutdown): a slow disk never slows decisions. Request context values are
// never logged (they may carry anything a caller sends).
//
// Thread-safe.
#ifndef PDP_SERVER_APP_DECISION_LOG_H_
#define PDP_SERVER_APP_DECISION_LOG_H_

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pdp/v1/decision.pb.h"

namespace pdp {

class DecisionLog {
 public:
  struct Options {
    std::string path;          // a file (appended to), or "-" for stdout
    double sample_rate = 1.0;  // the share of decisions logged, in (0, 1]
    size_t max_queued = 100000;
  };

  // Opens the file and starts the writer. INVALID_ARGUMENT for a sample
  // rate outside (0, 1]; the file's error when it cannot be opened.
  static absl::StatusOr<std::unique_ptr<DecisionLog>> Open(const Options& options);
  ~DecisionLog();  // Stop()

  // Whether to log the next decision (drawn per call, thread-local).
  bool Sampled() const;

  // Queues one decision (or the request's error) made in `latency`.
  void Record(const pdp::v1::AuthorizeRequest& request,
              const absl::StatusOr<pdp::v1::Decision>& decision, absl::Duration latency);

  // Writes what is queued, stops the writer and closes the file.
  void Stop();

  uint64_t written() const { return written_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  struct Entry;
  DecisionLog(const Options& options, FILE* out);
  void Run();
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  FILE* out_;
  mutable absl::Mutex mu_;
  std::deque<std::unique_ptr<Entry>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> dropped_{0};
  std::thread writer_;
};

}  // namespace pdp

#endif  // PDP_SERVER_APP_DECISION_LOG_H_
