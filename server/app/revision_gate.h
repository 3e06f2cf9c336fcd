// Lets readers wait for the writer: the revision the server has published,
// and waits for it to reach a number (min_revision, Watch).
//
// Publish() is the writer's only cost: an atomic store plus a signal. A
// waiter whose revision is already reached never takes a lock. Waits are
// bounded: by their deadline, by kMaxRevisionWait, and by Close() (server
// shutdown), after which every wait that is not already satisfied fails at
// once.
//
// WaitAsync is for callers that must not block their thread (the completion
// queues serving AuthorizationService): the call is parked, holding no
// thread, and resumed by the gate's own thread, started on first use. The
// number parked at once is capped (set_max_parked), and a parked wait whose
// client went away is removed at once (CancelWait), so neither many callers
// nor cancelled ones can pile up.
//
// Time comes from the Clock given at construction (RealClock() by default):
// deadlines are moments on that clock, kMaxRevisionWait is counted from its
// Now(), and every blocking wait goes through it, so a test on a FakeClock
// ends waits by advancing it. The clock must outlive the gate. A wait that
// is satisfied at once (the common case: min_revision already reached) never
// looks at the clock.
#ifndef PDP_SERVER_APP_REVISION_GATE_H_
#define PDP_SERVER_APP_REVISION_GATE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/app/clock.h"

namespace pdp {

// The longest any read waits for a revision, whatever its deadline.
inline constexpr absl::Duration kMaxRevisionWait = absl::Seconds(30);
// How often a blocking wait that can be cancelled looks at its client.
inline constexpr absl::Duration kCancelCheckInterval = absl::Milliseconds(100);
// Default cap on the waits parked at once (WaitAsync).
inline constexpr size_t kDefaultMaxParked = 1000;

class RevisionGate {
 public:
  // Names a parked wait; 0 names none.
  using Ticket = uint64_t;

  // `clock` must outlive the gate.
  explicit RevisionGate(int64_t revision = 0, const Clock& clock = RealClock())
      : clock_(clock), revision_(revision) {}
  // Closes the gate (resuming parked calls) and joins its thread.
  ~RevisionGate();
  RevisionGate(const RevisionGate&) = delete;
  RevisionGate& operator=(const RevisionGate&) = delete;

  int64_t revision() const { return revision_.load(std::memory_order_acquire); }
  bool closed() const { return closed_.load(std::memory_order_acquire); }

  // Sets the published revision (never lower) and wakes the waiters.
  void Publish(int64_t revision);

  // OK once revision() >= `revision` (at once for revision <= 0). Else, at
  // `deadline` (or kMaxRevisionWait from the clock's now, if sooner; both on
  // the gate's clock) or on Close():
  // UNAVAILABLE, reason REVISION_NOT_REACHED, "revision N not reached; this
  // server is at M". With `cancelled`, it is asked every
  // kCancelCheckInterval (on the clock) while waiting; once it says true the
  // wait ends with CANCELLED (so a caller that left frees its thread within
  // that).
  absl::Status Wait(int64_t revision, absl::Time deadline,
                    const std::function<bool()>& cancelled = nullptr) const;

  // As Wait, without blocking: `done` runs exactly once with Wait's result,
  // on this thread when the outcome is known now, else on the gate's thread
  // (so it must be quick and must not wait on the gate), or on the thread
  // that calls CancelWait. When max_parked() waits are already parked,
  // `done` runs at once with RESOURCE_EXHAUSTED, reason
  // TOO_MANY_WAITING_CALLS. Returns the parked wait's ticket, or 0 when
  // `done` has already run.
  Ticket WaitAsync(int64_t revision, absl::Time deadline, std::function<void(absl::Status)> done);

  // The caller of a parked wait went away: if `ticket` is still parked it is
  // removed and its `done` runs now, on this thread, with CANCELLED. Does
  // nothing when it has already run (or is running), or for ticket 0.
  void CancelWait(Ticket ticket);

  // The most waits parked at once (default kDefaultMaxParked; at least 1).
  void set_max_parked(size_t max) { max_parked_.store(max < 1 ? 1 : max); }
  size_t max_parked() const { return max_parked_.load(); }
  size_t parked() const;

  // Server shutdown: every wait not yet satisfied fails now, and every later
  // one fails at once. Returns after every parked callback has run.
  void Close();

 private:
  struct Parked {
    int64_t revision;
    absl::Time deadline;
    std::function<void(absl::Status)> done;
  };

  absl::Time Bound(absl::Time deadline) const;
  absl::Status NotReached(int64_t revision) const;
  void RunParked();  // the gate's thread

  const Clock& clock_;
  std::atomic<int64_t> revision_;
  std::atomic<bool> closed_{false};
  std::atomic<size_t> max_parked_{kDefaultMaxParked};
  mutable absl::Mutex mu_;
  mutable absl::CondVar changed_;  // a publish, a park, a callback done, or Close
  // In ticket order, so the oldest is resumed first.
  absl::btree_map<Ticket, Parked> parked_ ABSL_GUARDED_BY(mu_);
  Ticket next_ticket_ ABSL_GUARDED_BY(mu_) = 1;
  int running_ ABSL_GUARDED_BY(mu_) = 0;  // callbacks taken off parked_, not yet returned
  std::thread thread_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pdp

#endif  // PDP_SERVER_APP_REVISION_GATE_H_
