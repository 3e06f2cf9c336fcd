#include "server/log/rate_limiter.h"

namespace pdp::log {

bool RateLimiter::Take(const std::string& key, int64_t* suppressed) {
  *suppressed = 0;
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = windows_.try_emplace(key);
  Window& w = it->second;
  if (inserted || now - w.start >= absl::Seconds(1) || now < w.start) {
    *suppressed = w.suppressed;
    w = Window{now, 0, 0};
  }
  if (w.taken < per_second_) {
    ++w.taken;
    return true;
  }
  ++w.suppressed;
  return false;
}

std::vector<std::pair<std::string, int64_t>> RateLimiter::Expired() {
  std::vector<std::pair<std::string, int64_t>> out;
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  for (auto& [key, w] : windows_) {
    if (w.suppressed > 0 && (now - w.start >= absl::Seconds(1) || now < w.start)) {
      out.emplace_back(key, w.suppressed);
      // A fresh, empty window: the next line is let through.
      w = Window{now, 0, 0};
    }
  }
  return out;
}

}  // namespace pdp::log
