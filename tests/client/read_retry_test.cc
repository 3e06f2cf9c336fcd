// The client's default retry policy (kReadRetryServiceConfig), against an
// in-process stand-in server that fails on purpose and counts attempts: a
// read that meets UNAVAILABLE is tried up to 3 times, a write once, and
// other errors are not retried.
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace pdp {
namespace {

// Authorize fails with `code` for the first `failures` attempts, then
// allows; ApplyChanges always fails with UNAVAILABLE.
class FlakyAuthorization final : public pdp::v1::AuthorizationService::Service {
 public:
  FlakyAuthorization(grpc::StatusCode code, int failures) : code_(code), failures_(failures) {}
  grpc::Status Authorize(grpc::ServerContext*, const pdp::v1::AuthorizeRequest*,
                         pdp::v1::AuthorizeResponse* response) override {
    if (attempts_++ < failures_) return grpc::Status(code_, "not now");
    response->mutable_decision()->set_effect(pdp::v1::ALLOW);
    return grpc::Status::OK;
  }
  int attempts() const { return attempts_.load(); }

 private:
  const grpc::StatusCode code_;
  const int failures_;
  std::atomic<int> attempts_{0};
};

class UnavailableAdmin final : public pdp::v1::AdminService::Service {
 public:
  grpc::Status ApplyChanges(grpc::ServerContext*, const pdp::v1::ApplyChangesRequest*,
                            pdp::v1::ApplyChangesResponse*) override {
    ++writes_;
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "not now");
  }
  grpc::Status GetAccount(grpc::ServerContext*, const pdp::v1::GetRequest*,
                          pdp::v1::Account*) override {
    ++reads_;
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "not now");
  }
  int writes() const { return writes_.load(); }
  int reads() const { return reads_.load(); }

 private:
  std::atomic<int> writes_{0};
  std::atomic<int> reads_{0};
};

class ReadRetryTest : public ::testing::Test {
 protected:
  void Start(grpc::Service* authorization) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(authorization);
    builder.RegisterService(&admin_);
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_ != nullptr);
    options_.target = "127.0.0.1:" + std::to_string(port);
    options_.timeout = std::chrono::seconds(10);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  UnavailableAdmin admin_;
  std::unique_ptr<grpc::Server> server_;
  ClientOptions options_;
};

PageQuery Bills() { return PageQuery{.principal = "arn:aws:iam::1:user/a", .page_id = "p"}; }

TEST_F(ReadRetryTest, AReadIsRetriedOnUnavailable) {
  FlakyAuthorization flaky(grpc::StatusCode::UNAVAILABLE, 2);
  Start(&flaky);
  AuthorizationClient client(options_);
  absl::StatusOr<Decision> d = client.Authorize(Bills());
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->allowed);
  EXPECT_EQ(flaky.attempts(), 3);
}

TEST_F(ReadRetryTest, AtMostThreeAttempts) {
  FlakyAuthorization flaky(grpc::StatusCode::UNAVAILABLE, 100);
  Start(&flaky);
  AuthorizationClient client(options_);
  EXPECT_EQ(client.Authorize(Bills()).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(flaky.attempts(), 3);
  // Async calls too.
  std::promise<absl::Status> done;
  client.AuthorizeAsync(Bills(), {},
                        [&done](absl::StatusOr<Decision> d) { done.set_value(d.status()); });
  EXPECT_EQ(done.get_future().get().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(flaky.attempts(), 6);
}

TEST_F(ReadRetryTest, OtherErrorsAreNotRetried) {
  FlakyAuthorization flaky(grpc::StatusCode::INTERNAL, 1);
  Start(&flaky);
  AuthorizationClient client(options_);
  EXPECT_EQ(client.Authorize(Bills()).status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(flaky.attempts(), 1);
}

TEST_F(ReadRetryTest, WritesAreNeverRetriedAdminReadsAre) {
  FlakyAuthorization flaky(grpc::StatusCode::UNAVAILABLE, 0);
  Start(&flaky);
  AdminClient admin(options_);
  EXPECT_EQ(admin.ApplyChanges({}, "id-1").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(admin_.writes(), 1);
  EXPECT_EQ(admin.GetAccount("111111111111").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(admin_.reads(), 3);
}

}  // namespace
}  // namespace pdp
