#include "server/app/clock.h"

#include "absl/time/clock.h"

namespace pdp {
namespace {

class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }

  void WaitWithDeadline(absl::Mutex* mu, absl::CondVar* cv, absl::Time deadline) const override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    cv->WaitWithDeadline(mu, deadline);
  }
};

}  // namespace

const Clock& RealClock() {
  // Leaked on purpose: waits on other threads may outlive static destruction.
  static const Clock* const clock = new SystemClock();
  return *clock;
}

}  // namespace pdp
