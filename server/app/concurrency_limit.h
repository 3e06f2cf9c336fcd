// A cap on how many calls of one kind hold a server thread at once (admin
// reads waiting for a min_revision, Watch streams): a caller past it is
// refused at once with RESOURCE_EXHAUSTED instead of taking one more thread.
// Thread-safe; costs one atomic operation per acquire and release.
#ifndef PDP_SERVER_APP_CONCURRENCY_LIMIT_H_
#define PDP_SERVER_APP_CONCURRENCY_LIMIT_H_

#include <atomic>
#include <string>

#include "absl/status/status.h"

namespace pdp {

class ConcurrencyLimit {
 public:
  // At most `max` (at least 1) at once. `what` names the calls and `flag`
  // the flag that sets the cap in the error message; `reason` is the
  // error's ErrorInfo reason (UPPER_SNAKE_CASE).
  ConcurrencyLimit(int max, std::string what, std::string flag, std::string reason);

  // Holds one place until destroyed (movable). Empty when refused.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& o) noexcept : limit_(o.limit_) { o.limit_ = nullptr; }
    Slot& operator=(Slot&& o) noexcept;
    ~Slot() { Release(); }
    explicit operator bool() const { return limit_ != nullptr; }

   private:
    friend class ConcurrencyLimit;
    explicit Slot(ConcurrencyLimit* limit) : limit_(limit) {}
    void Release();
    ConcurrencyLimit* limit_ = nullptr;
  };

  // A place, or an empty Slot and `*error` set to RESOURCE_EXHAUSTED (with
  // the reason) when `max` are already taken.
  Slot TryAcquire(absl::Status* error);

  int in_use() const { return in_use_.load(); }
  int max() const { return max_; }

 private:
  const int max_;
  const std::string what_, flag_, reason_;
  std::atomic<int> in_use_{0};
};

}  // namespace pdp

#endif  // PDP_SERVER_APP_CONCURRENCY_LIMIT_H_
