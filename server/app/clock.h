// Where the server's waits get the time: Now(), and blocking until a moment.
//
// Code that waits for deadlines (RevisionGate, WorldState) takes a Clock so
// that tests can run it on a FakeClock (tests/support/fake_clock.h) and move
// time forward instead of sleeping. Production passes RealClock(), whose
// calls are absl::Now() and absl::CondVar::WaitWithDeadline: one virtual
// call each, nothing else. The policy engine stays clock-free (it is given
// its instant in DecideOptions), so this lives in the server.
//
// Deadlines are moments on the clock that is asked: a component on a
// FakeClock must be given deadlines from that clock's Now().
//
// Ownership: a Clock must outlive every object it is given to.
// Thread-safety: every member of every Clock may be called from any thread.
#ifndef PDP_SERVER_APP_CLOCK_H_
#define PDP_SERVER_APP_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace pdp {

class Clock {
 public:
  virtual ~Clock() = default;

  virtual absl::Time Now() const = 0;

  // Blocks on `cv`, releasing `mu` (held by the caller) while it waits, until
  // `cv` is signalled or this clock reaches `deadline`; returns with `mu`
  // held again. May also return early (spuriously, or having released `mu`
  // for a moment), so callers wait in a loop that re-checks their condition
  // and Now(). Returns at once when Now() >= deadline. Everything that
  // signals `cv` must do so holding `mu` (as RevisionGate does), or a clock
  // other than the real one could miss the wake-up.
  virtual void WaitWithDeadline(absl::Mutex* mu, absl::CondVar* cv, absl::Time deadline) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) = 0;
};

// The system's clock, process-wide: absl::Now(), and waits with real
// deadlines. Never destroyed, so threads still running at exit may use it.
const Clock& RealClock();

}  // namespace pdp

#endif  // PDP_SERVER_APP_CLOCK_H_
