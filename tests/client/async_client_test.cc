// The client library's async calls (AuthorizeAsync, BatchAuthorizeAsync,
// IsAllowedAsync) and per-call min_revision, against a real server process:
// correct answers under many concurrent calls, exactly one callback per call
// whatever the outcome, fail-closed IsAllowedAsync, and what destroying the
// client with calls in flight does (cancels them, waits for the callbacks).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "billing_pdp/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

using Clock = std::chrono::steady_clock;
using ::testing::AnyOf;

constexpr char kDave[] = "arn:aws:iam::111111111111:user/dave";    // may view the bills
constexpr char kCarol[] = "arn:aws:iam::111111111111:user/carol";  // may not
constexpr int64_t kNeverReached = 1000000;

// Counts callbacks; Wait() until `expected` have run (false after 30 s).
class Countdown {
 public:
  explicit Countdown(int expected) : left_(expected) {}
  void Done() {
    std::lock_guard<std::mutex> lock(mu_);
    --left_;
    cv_.notify_all();
  }
  bool Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [this] { return left_ <= 0; });
  }
  int left() {
    std::lock_guard<std::mutex> lock(mu_);
    return left_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int left_;
};

class AsyncClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(
        std::vector<std::string>{"--world", SourcePath("data/demo-world.yaml")});
    ASSERT_TRUE(server_->ok()) << server_->log();
    options_.target = server_->address();
    options_.timeout = std::chrono::seconds(10);
  }

  std::unique_ptr<ServerProcess> server_;
  ClientOptions options_;
};

PageQuery Bills(const char* principal) {
  return PageQuery{.principal = principal, .page_id = "billing_bills"};
}

TEST_F(AsyncClientTest, ManyConcurrentCallsAllCompleteWithTheRightAnswers) {
  AuthorizationClient client(options_);
  constexpr int kCalls = 400;
  constexpr int kBatches = 40;
  std::vector<std::atomic<int>> runs(kCalls + kBatches);
  std::vector<absl::StatusOr<Decision>> answers(kCalls, absl::UnknownError("no answer"));
  std::vector<absl::StatusOr<std::vector<absl::StatusOr<Decision>>>> batches(
      kBatches, absl::UnknownError("no answer"));
  Countdown countdown(kCalls + kBatches);
  // Started from several threads at once, as a service's handlers would.
  std::vector<std::thread> starters;
  for (int t = 0; t < 4; ++t) {
    starters.emplace_back([&, t] {
      for (int i = t; i < kCalls; i += 4) {
        client.AuthorizeAsync(Bills(i % 2 == 0 ? kDave : kCarol), {},
                              [&, i](absl::StatusOr<Decision> d) {
                                answers[i] = std::move(d);
                                ++runs[i];
                                countdown.Done();
                              });
      }
      for (int b = t; b < kBatches; b += 4) {
        client.BatchAuthorizeAsync(
            {Bills(kCarol), Bills(kDave), PageQuery{.principal = kDave, .page_id = "nope"}}, {},
            [&, b](absl::StatusOr<std::vector<absl::StatusOr<Decision>>> r) {
              batches[b] = std::move(r);
              ++runs[kCalls + b];
              countdown.Done();
            });
      }
    });
  }
  for (auto& t : starters) t.join();
  ASSERT_TRUE(countdown.Wait()) << countdown.left() << " callbacks never ran";
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(answers[i].ok()) << i << ": " << answers[i].status();
    EXPECT_EQ(answers[i]->allowed, i % 2 == 0) << i;
    EXPECT_GE(answers[i]->revision, 1);
  }
  for (int b = 0; b < kBatches; ++b) {
    ASSERT_TRUE(batches[b].ok()) << batches[b].status();
    ASSERT_EQ(batches[b]->size(), 3u);
    ASSERT_TRUE((*batches[b])[0].ok());
    EXPECT_FALSE((*batches[b])[0]->allowed);
    ASSERT_TRUE((*batches[b])[1].ok());
    EXPECT_TRUE((*batches[b])[1]->allowed);
    EXPECT_EQ((*batches[b])[2].status().code(), absl::StatusCode::kInvalidArgument);
  }
  for (const auto& r : runs) EXPECT_EQ(r.load(), 1);
}

// A listening socket that never accepts: the connection never becomes
// ready, so a call can only end by its deadline.
class SilentPort {
 public:
  SilentPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd_, 1);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentPort() { close(fd_); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(AsyncClientDeadlineTest, TheCallbackRunsExactlyOnceWhenTheDeadlinePasses) {
  SilentPort silent;
  std::atomic<int> runs{0};
  absl::Status status;
  Countdown countdown(1);
  const Clock::time_point start = Clock::now();
  {
    AuthorizationClient client(ClientOptions{.target = silent.address()});
    client.AuthorizeAsync(Bills(kDave), CallOptions{.timeout = std::chrono::milliseconds(300)},
                          [&](absl::StatusOr<Decision> d) {
                            status = d.status();
                            ++runs;
                            countdown.Done();
                          });
    ASSERT_TRUE(countdown.Wait());
  }  // the client is gone: nothing of that call can run any more
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(250));
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_EQ(runs.load(), 1);
}

TEST_F(AsyncClientTest, AMinRevisionNotReachedInTimeSaysSoAndIsNotRetried) {
  AuthorizationClient client(options_);
  const CallOptions short_wait{.timeout = std::chrono::milliseconds(300),
                               .min_revision = kNeverReached};
  // Sync: the server says REVISION_NOT_REACHED just before the deadline,
  // and marks it not to be retried (a retry would end in a bare
  // DEADLINE_EXCEEDED): the caller learns how far the server is.
  const Clock::time_point start = Clock::now();
  absl::StatusOr<Decision> sync = client.Authorize(Bills(kDave), short_wait);
  EXPECT_EQ(sync.status().code(), absl::StatusCode::kUnavailable) << sync.status();
  EXPECT_THAT(std::string(sync.status().message()), ::testing::HasSubstr("not reached"));
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(250));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5)) << "the client's 10 s deadline was used";

  std::atomic<int> runs{0};
  absl::Status async_status;
  Countdown countdown(1);
  client.AuthorizeAsync(Bills(kDave), short_wait, [&](absl::StatusOr<Decision> d) {
    async_status = d.status();
    ++runs;
    countdown.Done();
  });
  ASSERT_TRUE(countdown.Wait());
  EXPECT_EQ(async_status.code(), absl::StatusCode::kUnavailable) << async_status;

  // The call's min_revision and the query's: the larger wins either way.
  PageQuery waits = Bills(kDave);
  waits.min_revision = kNeverReached;
  EXPECT_EQ(client.Authorize(waits, {.timeout = std::chrono::milliseconds(300), .min_revision = 1})
                .status()
                .code(),
            absl::StatusCode::kUnavailable);
  // A reached revision answers at once.
  absl::StatusOr<Decision> now = client.Authorize(Bills(kDave), {.min_revision = 1});
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_TRUE(now->allowed);
  // Other reads honour it too.
  EXPECT_EQ(client.ListAccessiblePages(kDave, "", false, 0, short_wait).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(client.BatchAuthorize({Bills(kDave)}, short_wait).status().code(),
            absl::StatusCode::kUnavailable);
  AdminClient admin(options_);
  pdp::v1::GetRequest get;
  get.set_name("111111111111");
  EXPECT_EQ(admin.Call(&AdminClient::Stub::GetAccount, get, nullptr, short_wait).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_TRUE(admin.Call(&AdminClient::Stub::GetAccount, get, nullptr, {.min_revision = 1}).ok());
  EXPECT_EQ(runs.load(), 1);
}

TEST_F(AsyncClientTest, AnInvalidMinRevisionIsRefusedBeforeAnythingIsSent) {
  AuthorizationClient client(options_);
  EXPECT_EQ(client.Authorize(Bills(kDave), {.min_revision = -1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A negative one in the query is not hidden by the call's: the server
  // refuses it.
  PageQuery negative = Bills(kDave);
  negative.min_revision = -1;
  absl::Status hidden = client.Authorize(negative, {.min_revision = 1}).status();
  EXPECT_EQ(hidden.code(), absl::StatusCode::kInvalidArgument) << hidden;
  EXPECT_THAT(ServerErrorFields(hidden), ::testing::Contains("min_revision"));
  // A method that cannot wait for a revision does not ignore one.
  absl::Status pages = client.ListPages({.min_revision = 1}).status();
  EXPECT_EQ(pages.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(pages.message()), ::testing::HasSubstr("min_revision"));
  EXPECT_TRUE(client.ListPages().ok());
  AdminClient admin(options_);
  pdp::v1::UpdateAccountSettingsRequest write;
  write.set_account_id("111111111111");
  EXPECT_EQ(
      admin.Call(&AdminClient::Stub::UpdateAccountSettings, write, nullptr, {.min_revision = 1})
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  // Async: refused on the calling thread, before the method returns.
  bool ran = false;
  absl::Status why;
  client.IsAllowedAsync(Bills(kDave), {.min_revision = -1}, [&](bool allowed, absl::Status w) {
    ran = true;
    EXPECT_FALSE(allowed);
    why = w;
  });
  EXPECT_TRUE(ran);
  EXPECT_EQ(why.code(), absl::StatusCode::kInvalidArgument);
}

// IsAllowedAsync: true only for an ALLOW; a DENY is (false, OK); any error
// is (false, the error).
TEST_F(AsyncClientTest, IsAllowedAsyncFailsClosed) {
  struct Outcome {
    bool allowed = true;
    absl::Status why = absl::UnknownError("no answer");
  };
  auto ask = [](const AuthorizationClient& client, const Query& q, const CallOptions& call) {
    auto out = std::make_shared<Outcome>();
    auto countdown = std::make_shared<Countdown>(1);
    client.IsAllowedAsync(q, call, [out, countdown](bool allowed, absl::Status why) {
      out->allowed = allowed;
      out->why = std::move(why);
      countdown->Done();
    });
    EXPECT_TRUE(countdown->Wait());
    return *out;
  };
  AuthorizationClient client(options_);
  Outcome allow = ask(client, Bills(kDave), {});
  EXPECT_TRUE(allow.allowed);
  EXPECT_TRUE(allow.why.ok()) << allow.why;
  Outcome deny = ask(client, Bills(kCarol), {});
  EXPECT_FALSE(deny.allowed);
  EXPECT_TRUE(deny.why.ok()) << "a DENY is not an error: " << deny.why;
  Outcome bad = ask(client, PageQuery{.principal = kDave, .page_id = "no_such_page"}, {});
  EXPECT_FALSE(bad.allowed);
  EXPECT_EQ(bad.why.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ServerErrorFields(bad.why), std::vector<std::string>{"page.page_id"});
  // dave's ALLOW, asked of a revision never reached: an error, so false.
  Outcome late = ask(client, Bills(kDave),
                     {.timeout = std::chrono::milliseconds(200), .min_revision = kNeverReached});
  EXPECT_FALSE(late.allowed);
  EXPECT_EQ(late.why.code(), absl::StatusCode::kUnavailable) << late.why;
  // No server at all.
  server_.reset();
  Outcome gone = ask(client, Bills(kDave), {});
  EXPECT_FALSE(gone.allowed);
  EXPECT_THAT(gone.why.code(),
              AnyOf(absl::StatusCode::kUnavailable, absl::StatusCode::kDeadlineExceeded));
  // No channel (an unreadable CA file): the error, on this thread.
  ClientOptions broken = options_;
  broken.tls = TlsOptions{.ca_file = "/nonexistent/ca.crt"};
  AuthorizationClient no_channel(broken);
  ASSERT_FALSE(no_channel.status().ok());
  bool ran = false;
  no_channel.IsAllowedAsync(Bills(kDave), {}, [&](bool allowed, absl::Status why) {
    ran = true;
    EXPECT_FALSE(allowed);
    EXPECT_EQ(why.code(), absl::StatusCode::kInvalidArgument);
  });
  EXPECT_TRUE(ran);
}

// Destroying the client cancels its calls in flight and returns only once
// every callback has run, each exactly once, with CANCELLED.
TEST_F(AsyncClientTest, DestroyingTheClientCancelsItsCallsAndWaitsForTheirCallbacks) {
  constexpr int kCalls = 50;
  std::vector<std::atomic<int>> runs(kCalls);
  std::vector<absl::Status> statuses(kCalls);
  std::atomic<int> late_calls_cancelled{0};
  auto client = std::make_unique<AuthorizationClient>(options_);
  // Parked on the server (a revision it never reaches) for up to 20 s.
  const CallOptions parked{.timeout = std::chrono::seconds(20), .min_revision = kNeverReached};
  for (int i = 0; i < kCalls; ++i) {
    AuthorizationClient* self = client.get();
    client->AuthorizeAsync(Bills(kDave), parked, [&, i, self](absl::StatusOr<Decision> d) {
      statuses[i] = d.status();
      // A call started from a callback while the client goes away is
      // refused at once (on this thread), not left pending.
      if (i == 0) {
        self->AuthorizeAsync(Bills(kDave), {}, [&](absl::StatusOr<Decision> late) {
          if (late.status().code() == absl::StatusCode::kCancelled) ++late_calls_cancelled;
        });
      }
      ++runs[i];
    });
  }
  // Let the calls reach the server.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const Clock::time_point start = Clock::now();
  client.reset();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5)) << "did not wait out the 20 s";
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(runs[i].load(), 1) << i;  // already, when the destructor returned
    EXPECT_EQ(statuses[i].code(), absl::StatusCode::kCancelled) << i << ": " << statuses[i];
  }
  EXPECT_EQ(late_calls_cancelled.load(), 1);
  // The server is unharmed.
  AuthorizationClient again(options_);
  EXPECT_TRUE(again.IsAllowed(Bills(kDave)));
}

// Answers already in when the client goes away are delivered as answers.
TEST_F(AsyncClientTest, DestroyingTheClientRightAfterStartingCallsRunsEveryCallbackOnce) {
  constexpr int kCalls = 100;
  std::vector<std::atomic<int>> runs(kCalls);
  std::atomic<int> answered{0}, cancelled{0}, other{0};
  {
    AuthorizationClient client(options_);
    for (int i = 0; i < kCalls; ++i) {
      client.AuthorizeAsync(Bills(kDave), {}, [&, i](absl::StatusOr<Decision> d) {
        if (d.ok() && d->allowed) {
          ++answered;
        } else if (d.status().code() == absl::StatusCode::kCancelled) {
          ++cancelled;
        } else {
          ++other;
        }
        ++runs[i];
      });
    }
  }
  for (int i = 0; i < kCalls; ++i) EXPECT_EQ(runs[i].load(), 1) << i;
  EXPECT_EQ(answered.load() + cancelled.load(), kCalls);
  EXPECT_EQ(other.load(), 0);
}

}  // namespace
}  // namespace pdp::testing
