// QuestionExecutor: where WhoCan and WhatIf run. Its queue is bounded, its
// threads run at a lower priority, and Stop() answers what it never ran.
#include "server/app/question_executor.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <thread>

#include "absl/synchronization/notification.h"
#include "base/errors.h"
#include "gtest/gtest.h"

namespace pdp {
namespace {

TEST(QuestionExecutorTest, RunsTasksOnLowerPriorityThreads) {
  QuestionExecutor executor(1, 4);
  absl::Notification ran;
  int nice = -100;
  bool run_arg = false;
  ASSERT_TRUE(executor
                  .Submit([&](bool run) {
                    errno = 0;
                    nice = getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
                    run_arg = run;
                    ran.Notify();
                  })
                  .ok());
  ASSERT_TRUE(ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(run_arg);
  // An absolute nice value; a process already nicer than that keeps its own.
  const int own = getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
  EXPECT_EQ(nice, std::max(own, kQuestionThreadNice));
}

TEST(QuestionExecutorTest, AFullQueueRefusesAndStopAnswersWhatNeverRan) {
  QuestionExecutor executor(1, 2);
  absl::Notification started, release;
  ASSERT_TRUE(executor
                  .Submit([&](bool) {
                    started.Notify();
                    release.WaitForNotification();
                  })
                  .ok());
  ASSERT_TRUE(started.WaitForNotificationWithTimeout(absl::Seconds(10)));  // the thread is busy
  std::atomic<int> ran{0}, dropped{0};
  auto count = [&](bool run) { ++(run ? ran : dropped); };
  EXPECT_TRUE(executor.Submit(count).ok());
  EXPECT_TRUE(executor.Submit(count).ok());
  absl::Status full = executor.Submit(count);
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted) << full;
  EXPECT_EQ(ErrorReason(full), "TOO_MANY_QUESTIONS");

  // Stop() answers the two queued tasks with run == false, then waits for
  // the running one.
  std::thread stopper([&] { executor.Stop(); });
  while (dropped.load() < 2) absl::SleepFor(absl::Milliseconds(5));
  release.Notify();
  stopper.join();
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(dropped.load(), 2);
  EXPECT_EQ(executor.Submit(count).code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace pdp
