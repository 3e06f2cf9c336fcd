// Caps how many lines of one kind the log takes a second, so that a flood
// (a client hammering the server with calls it refuses) cannot fill the
// disk or drown the other lines: per key, at most `per_second` lines in each
// one-second window; the rest are counted, and the count is reported once
// the window is over (Take's `suppressed`, or Expired()).
//
// Keys are fixed by the code (a handful), never taken from a request.
// Thread-safe.
#ifndef PDP_SERVER_LOG_RATE_LIMITER_H_
#define PDP_SERVER_LOG_RATE_LIMITER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace pdp::log {

class RateLimiter {
 public:
  using Clock = std::function<absl::Time()>;
  explicit RateLimiter(int per_second, Clock clock = absl::Now)
      : per_second_(per_second), clock_(std::move(clock)) {}

  // Whether a line of `key` may be written now. `*suppressed` is set to the
  // number of lines of `key` left out in windows that have ended and not
  // yet been reported (0 usually): the caller says so before its line.
  bool Take(const std::string& key, int64_t* suppressed);

  // The keys whose window has ended with lines left out, and how many;
  // each is reported once. For a periodic flush, so a flood that stops is
  // still reported.
  std::vector<std::pair<std::string, int64_t>> Expired();

 private:
  struct Window {
    absl::Time start;
    int taken = 0;
    int64_t suppressed = 0;
  };

  const int per_second_;
  const Clock clock_;
  absl::Mutex mu_;
  std::map<std::string, Window> windows_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pdp::log

#endif  // PDP_SERVER_LOG_RATE_LIMITER_H_
