#include "server/app/question_executor.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "server/app/thread_priority.h"

namespace pdp {

QuestionExecutor::QuestionExecutor(int threads, size_t max_queued, int nice)
    : max_queued_(std::max<size_t>(max_queued, 1)) {
  for (int i = 0; i < std::max(threads, 1); ++i) threads_.emplace_back([this, nice] { Run(nice); });
}

QuestionExecutor::~QuestionExecutor() { Stop(); }

absl::Status QuestionExecutor::Submit(Task task) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the server is shutting down");
  if (queue_.size() >= max_queued_) {
    return WithReason(absl::ResourceExhaustedError(absl::StrCat(
                          queue_.size(),
                          " questions (WhoCan, WhatIf) are already waiting to be answered (at "
                          "most ",
                          max_queued_, ", --question-queue); retry later")),
                      "TOO_MANY_QUESTIONS");
  }
  queue_.push_back(std::move(task));
  return absl::OkStatus();
}

void QuestionExecutor::Run(int nice) {
  LowerThisThreadPriority(nice, "question");
  while (true) {
    Task task;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopping, and nothing left
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task(true);
  }
}

void QuestionExecutor::Stop() {
  std::deque<Task> dropped;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    dropped.swap(queue_);
  }
  for (Task& task : dropped) task(false);
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace pdp
