// The client library's per-call options, IsAllowed's reason for failing
// closed, and bounded reconnection, against real server processes.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "billing_pdp/status.h"
#include "gtest/gtest.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kDave[] = "arn:aws:iam::111111111111:user/dave";    // may view the bills
constexpr char kCarol[] = "arn:aws:iam::111111111111:user/carol";  // may not

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST(ClientOptionsTest, ACallsOwnTimeoutOverridesTheClients) {
  ServerProcess server({"--world", SourcePath("data/demo-world.yaml")});
  ASSERT_TRUE(server.ok()) << server.log();
  ClientOptions options;
  options.target = server.address();
  options.timeout = std::chrono::seconds(20);
  AuthorizationClient client(options);
  // A revision the server never reaches: the call waits until its deadline.
  PageQuery never{.principal = kDave, .page_id = "billing_bills", .min_revision = 1000000};
  const Clock::time_point start = Clock::now();
  absl::StatusOr<Decision> d =
      client.Authorize(never, CallOptions{.timeout = std::chrono::milliseconds(300)});
  const auto took = Clock::now() - start;
  EXPECT_FALSE(d.ok());
  EXPECT_TRUE(d.status().code() == absl::StatusCode::kUnavailable ||
              d.status().code() == absl::StatusCode::kDeadlineExceeded)
      << d.status();
  EXPECT_LT(took, std::chrono::seconds(5)) << "the client's 20 s deadline was used";
  // AdminClient too.
  AdminClient admin(options);
  const Clock::time_point admin_start = Clock::now();
  auto account = admin.Call(
      &pdp::v1::AdminService::Stub::GetAccount,
      [] {
        pdp::v1::GetRequest r;
        r.set_name("111111111111");
        r.set_min_revision(1000000);
        return r;
      }(),
      nullptr, CallOptions{.timeout = std::chrono::milliseconds(300)});
  EXPECT_FALSE(account.ok());
  EXPECT_LT(Clock::now() - admin_start, std::chrono::seconds(5));
}

TEST(ClientOptionsTest, IsAllowedSaysWhyItFailedClosed) {
  ServerProcess server({"--world", SourcePath("data/demo-world.yaml")});
  ASSERT_TRUE(server.ok()) << server.log();
  ClientOptions options;
  options.target = server.address();
  AuthorizationClient client(options);
  absl::Status why = absl::UnknownError("untouched");
  EXPECT_TRUE(client.IsAllowed(PageQuery{.principal = kDave, .page_id = "billing_bills"}, &why));
  EXPECT_EQ(why.code(), absl::StatusCode::kUnknown);  // left as it was
  EXPECT_FALSE(client.IsAllowed(PageQuery{.principal = kCarol, .page_id = "billing_bills"}, &why));
  EXPECT_TRUE(why.ok()) << why;  // a DENY, not an error
  EXPECT_FALSE(client.IsAllowed(PageQuery{.principal = kDave, .page_id = "no_such_page"}, &why));
  EXPECT_EQ(why.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ServerErrorFields(why), std::vector<std::string>{"page.page_id"});
}

// After the server comes back, the same client's calls succeed again;
// meanwhile they fail fast with UNAVAILABLE.
TEST(ClientOptionsTest, ReconnectsSoonAfterTheServerIsBack) {
  const std::string address = "127.0.0.1:" + std::to_string(FreePort());
  const std::vector<std::string> args = {"--world", SourcePath("data/demo-world.yaml"), "--listen",
                                         address};
  auto first = std::make_unique<ServerProcess>(args);
  ASSERT_TRUE(first->ok()) << first->log();
  ClientOptions options;
  options.target = address;
  options.max_reconnect_backoff = std::chrono::milliseconds(500);
  AuthorizationClient client(options);
  PageQuery query{.principal = kDave, .page_id = "billing_bills"};
  ASSERT_TRUE(client.Authorize(query).ok());
  first.reset();  // stopped
  // Down for a while, with calls failing fast meanwhile.
  for (int i = 0; i < 12; ++i) {
    const Clock::time_point start = Clock::now();
    EXPECT_EQ(client.Authorize(query).status().code(), absl::StatusCode::kUnavailable);
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ServerProcess second(args);
  ASSERT_TRUE(second.ok()) << second.log();
  const Clock::time_point back = Clock::now();
  while (!client.Authorize(query).ok() && Clock::now() - back < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Not a tight bound: on this machine a connection attempt to a closed
  // loopback port is not refused but times out, so how soon the first
  // attempt after the server's return succeeds depends on TCP's SYN
  // retransmission (about 2.4 s here, whatever the backoff settings).
  EXPECT_TRUE(client.Authorize(query).ok());
  EXPECT_LT(Clock::now() - back, std::chrono::seconds(10));
}

}  // namespace
}  // namespace pdp::testing
