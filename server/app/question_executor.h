// Where the heavy AuthorizationService questions (WhoCan, WhatIf) run: a
// few threads of their own, at a lower CPU priority than the completion
// queues that serve Authorize, so a question about a large account slows
// other questions, never Authorize. The queue of questions waiting for a
// thread is bounded: a full queue refuses at once rather than letting
// callers pile up.
//
// Thread-safe. Tasks must not block for long and must not Submit() again.
#ifndef PDP_SERVER_APP_QUESTION_EXECUTOR_H_
#define PDP_SERVER_APP_QUESTION_EXECUTOR_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace pdp {

// The questions' threads' nice value (0 is normal; 19 the lowest
// priority): enough that the scheduler gives Authorize's threads about ten
// times their share of a contended core.
inline constexpr int kQuestionThreadNice = 10;

class QuestionExecutor {
 public:
  // Called once: run(true) on a question thread to do the work, or
  // run(false) from Stop() for a task that will not be run (answer it
  // UNAVAILABLE; the server is shutting down).
  using Task = std::function<void(bool run)>;

  // `threads` (at least 1) threads at `nice`; at most `max_queued` tasks
  // waiting for one (at least 1).
  QuestionExecutor(int threads, size_t max_queued, int nice = kQuestionThreadNice);
  ~QuestionExecutor();  // Stop()
  QuestionExecutor(const QuestionExecutor&) = delete;
  QuestionExecutor& operator=(const QuestionExecutor&) = delete;

  // Queues `task`. RESOURCE_EXHAUSTED, reason TOO_MANY_QUESTIONS, when
  // max_queued tasks are already waiting; UNAVAILABLE after Stop(). On an
  // error the task is dropped without being called.
  absl::Status Submit(Task task);

  // Refuses new tasks, calls run(false) on every queued one, and joins the
  // threads once the running tasks are done.
  void Stop();

 private:
  void Run(int nice);

  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<Task> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace pdp

#endif  // PDP_SERVER_APP_QUESTION_EXECUTOR_H_
