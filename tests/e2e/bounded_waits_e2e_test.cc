// What many callers can cost a real server: calls waiting for a
// min_revision and Watch streams. AuthorizationService calls wait without a
// thread, at most --max-waiting-calls at once, and a cancelled one frees its
// place at once; AdminService reads waiting for a revision and Watch
// streams (admin and health) each hold a thread, so they are capped and
// notice a client that left. Thread counts are read from
// /proc/<pid>/status.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "billing_pdp/status.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "pdp/v1/admin.grpc.pb.h"
#include "pdp/v1/authorization.grpc.pb.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

constexpr int64_t kFarRevision = int64_t{1} << 40;
constexpr char kAccount[] = "111111111111";

// The server's thread count ("Threads:" in /proc/<pid>/status).
int ThreadsOf(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

std::chrono::system_clock::time_point In(absl::Duration d) {
  return std::chrono::system_clock::now() + absl::ToChronoMilliseconds(d);
}

// Separate connections, so that many streams are not all behind one.
std::vector<std::shared_ptr<grpc::Channel>> Channels(const std::string& target, int n) {
  std::vector<std::shared_ptr<grpc::Channel>> out;
  for (int i = 0; i < n; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    out.push_back(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  }
  return out;
}

pdp::v1::WhoCanRequest FarWhoCan() {
  pdp::v1::WhoCanRequest r;
  r.set_account_id(kAccount);
  r.mutable_page()->set_page_id("billing_bills");
  r.mutable_page()->set_access(pdp::v1::VIEW);
  r.set_min_revision(kFarRevision);
  return r;
}

// Many unary calls in flight at once, on one completion queue.
template <typename Response>
class InFlight {
 public:
  ~InFlight() {
    CancelAll();
    Collect(static_cast<int>(calls_.size()) - Ended(), absl::Seconds(30));
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
    }
  }

  // `start` begins the call on (context, queue) and returns its reader.
  template <typename StartFn>
  void Start(absl::Duration deadline, StartFn start) {
    auto call = std::make_unique<Call>();
    call->ctx.set_deadline(In(deadline));
    call->rpc = start(&call->ctx, &cq_);
    call->rpc->Finish(&call->response, &call->status, call.get());
    calls_.push_back(std::move(call));
  }

  // Waits up to `timeout` for `n` more calls to end; returns how many did.
  int Collect(int n, absl::Duration timeout) {
    const auto until = In(timeout);
    int got = 0;
    while (got < n) {
      void* tag;
      bool ok;
      if (cq_.AsyncNext(&tag, &ok, until) != grpc::CompletionQueue::GOT_EVENT) break;
      static_cast<Call*>(tag)->done = true;
      ++got;
    }
    return got;
  }

  void CancelAll() {
    for (auto& c : calls_) {
      if (!c->done) c->ctx.TryCancel();
    }
  }

  // Of the calls that ended: how many with `code` (and `reason`, if given).
  int Count(grpc::StatusCode code, const std::string& reason = "") const {
    int n = 0;
    for (const auto& c : calls_) {
      if (c->done && c->status.error_code() == code &&
          (reason.empty() || ServerErrorReason(FromGrpcStatus(c->status)) == reason)) {
        ++n;
      }
    }
    return n;
  }
  // Every call's status (for failure messages).
  std::string Statuses() const {
    std::string out;
    for (const auto& c : calls_) {
      out += c->done
                 ? std::to_string(c->status.error_code()) + " " + c->status.error_message() + "; "
                 : "pending; ";
    }
    return out;
  }
  int Ended() const {
    int n = 0;
    for (const auto& c : calls_) n += c->done ? 1 : 0;
    return n;
  }
  // Call i (in the order started): its response and its server's trailers.
  const Response& response(size_t i) const { return calls_[i]->response; }
  std::string Trailer(size_t i, const std::string& key) const {
    const auto& trailers = calls_[i]->ctx.GetServerTrailingMetadata();
    auto it = trailers.find(key);
    return it == trailers.end() ? "" : std::string(it->second.data(), it->second.size());
  }

 private:
  struct Call {
    grpc::ClientContext ctx;
    Response response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> rpc;
    bool done = false;
  };
  grpc::CompletionQueue cq_;
  std::vector<std::unique_ptr<Call>> calls_;
};

using WhoCans = InFlight<pdp::v1::WhoCanResponse>;

// Starts `n` WhoCan calls waiting for a revision the server will not reach.
void StartFarWhoCans(WhoCans& calls, const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                     int n, absl::Duration deadline) {
  std::vector<std::unique_ptr<pdp::v1::AuthorizationService::Stub>> stubs;
  for (const auto& ch : channels) stubs.push_back(pdp::v1::AuthorizationService::NewStub(ch));
  const pdp::v1::WhoCanRequest request = FarWhoCan();
  for (int i = 0; i < n; ++i) {
    auto* stub = stubs[i % stubs.size()].get();
    calls.Start(deadline, [&](grpc::ClientContext* ctx, grpc::CompletionQueue* cq) {
      return stub->AsyncWhoCan(ctx, request, cq);
    });
  }
}

TEST(BoundedWaitsTest, ParkedCallsHoldNoThreadAreCappedAndCancelledOnesFreeTheirPlace) {
  ServerProcess server({"--world", SourcePath("data/demo-world.yaml")});  // default cap: 1000
  ASSERT_TRUE(server.ok()) << server.log();
  const auto channels = Channels(server.address(), 4);
  {  // one answered call first, so the baseline has every thread serving needs
    WhoCans warm;
    auto stub = pdp::v1::AuthorizationService::NewStub(channels[0]);
    pdp::v1::WhoCanRequest request = FarWhoCan();
    request.set_min_revision(0);
    warm.Start(absl::Seconds(10), [&](grpc::ClientContext* ctx, grpc::CompletionQueue* cq) {
      return stub->AsyncWhoCan(ctx, request, cq);
    });
    ASSERT_EQ(warm.Collect(1, absl::Seconds(10)), 1);
    ASSERT_EQ(warm.Count(grpc::StatusCode::OK), 1);
  }
  const int baseline = ThreadsOf(server.pid());
  ASSERT_GT(baseline, 0);

  WhoCans first;
  StartFarWhoCans(first, channels, 2000, absl::Seconds(60));
  // Past the cap the calls are refused at once; the first thousand wait.
  EXPECT_EQ(first.Collect(1000, absl::Seconds(30)), 1000);
  EXPECT_EQ(first.Count(grpc::StatusCode::RESOURCE_EXHAUSTED, "TOO_MANY_WAITING_CALLS"), 1000);
  EXPECT_EQ(first.Collect(1, absl::Milliseconds(300)), 0) << "a parked call was answered";
  const int while_parked = ThreadsOf(server.pid());
  std::printf("server threads: %d before, %d with 1000 calls parked\n", baseline, while_parked);
  EXPECT_LE(while_parked, baseline + 8)
      << "1000 parked calls, " << while_parked << " threads (baseline " << baseline << ")";

  first.CancelAll();
  EXPECT_EQ(first.Collect(1000, absl::Seconds(30)), 1000);
  EXPECT_EQ(first.Count(grpc::StatusCode::CANCELLED), 1000);

  // The cancelled calls' places are free long before their deadline (a
  // minute away): a thousand new calls all wait again. The server learns of
  // the cancellations asynchronously, so a batch may still meet a few;
  // it is retried briefly.
  const absl::Time cancelled_at = absl::Now();
  int refused = -1, attempts = 0;
  while (refused != 0 && attempts < 5) {
    ++attempts;
    WhoCans again;
    StartFarWhoCans(again, channels, 1000, absl::Seconds(2));
    // Refusals would come back at once; the thread count is read while the
    // others wait.
    again.Collect(1000, absl::Milliseconds(500));
    const int threads = ThreadsOf(server.pid());
    EXPECT_LE(threads, baseline + 8) << "parked again: " << threads << " threads";
    again.Collect(1000 - again.Ended(), absl::Seconds(30));
    ASSERT_EQ(again.Ended(), 1000);
    refused = again.Count(grpc::StatusCode::RESOURCE_EXHAUSTED);
    // The others waited until their deadline: the server's answer, or the
    // client's own when the answer came a little late.
    EXPECT_EQ(again.Count(grpc::StatusCode::UNAVAILABLE, "REVISION_NOT_REACHED") +
                  again.Count(grpc::StatusCode::DEADLINE_EXCEEDED) + refused,
              1000);
  }
  EXPECT_EQ(refused, 0) << "after " << attempts << " attempts";
  EXPECT_LT(absl::Now() - cancelled_at, absl::Seconds(30));
}

TEST(BoundedWaitsTest, AParkedWhoCanIsAnsweredWhenAWriteReachesItsRevision) {
  ServerProcess server({"--world", SourcePath("data/demo-world.yaml")});
  ASSERT_TRUE(server.ok()) << server.log();
  ClientOptions options;
  options.target = server.address();
  options.timeout = std::chrono::milliseconds(10000);
  const AuthorizationClient authz(options);
  auto before = authz.ListAccessiblePages("arn:aws:iam::111111111111:user/admin");
  ASSERT_TRUE(before.ok()) << before.status();

  WhoCans calls;
  auto stub = pdp::v1::AuthorizationService::NewStub(MakeChannel(options));
  pdp::v1::WhoCanRequest request = FarWhoCan();
  request.set_min_revision(before->revision() + 1);
  calls.Start(absl::Seconds(20), [&](grpc::ClientContext* ctx, grpc::CompletionQueue* cq) {
    return stub->AsyncWhoCan(ctx, request, cq);
  });
  EXPECT_EQ(calls.Collect(1, absl::Milliseconds(300)), 0) << "answered before the write";

  pdp::v1::ApplyChangesRequest write;
  auto* account = write.add_changes()->mutable_create_account()->mutable_account();
  account->set_id("555555555555");
  account->set_name("new");
  auto written = AdminClient(options).ApplyChanges(write);
  ASSERT_TRUE(written.ok()) << written.status();
  ASSERT_EQ(written->revision(), before->revision() + 1);

  ASSERT_EQ(calls.Collect(1, absl::Seconds(10)), 1);
  EXPECT_EQ(calls.Count(grpc::StatusCode::OK), 1) << calls.Statuses();
}

// Authorize and BatchAuthorize are answered at once when their min_revision
// is reached (the server's common case, answered without parking) and never
// from an older state; parked, only once a write reaches it, from that
// revision. A negative min_revision is refused either way.
TEST(BoundedWaitsTest, DecisionsAreAnsweredFromTheRevisionTheyAskFor) {
  ServerProcess server({"--world", SourcePath("data/demo-world.yaml")});
  ASSERT_TRUE(server.ok()) << server.log();
  ClientOptions options;
  options.target = server.address();
  options.timeout = std::chrono::milliseconds(10000);
  const std::string dave = "arn:aws:iam::111111111111:user/dave";
  auto before = AuthorizationClient(options).ListAccessiblePages(dave);
  ASSERT_TRUE(before.ok()) << before.status();
  const int64_t at = before->revision();
  auto stub = pdp::v1::AuthorizationService::NewStub(MakeChannel(options));

  pdp::v1::AuthorizeRequest ask;
  ask.set_principal(dave);
  ask.mutable_page()->set_page_id("billing_bills");
  ask.mutable_page()->set_access(pdp::v1::VIEW);
  for (int64_t min_revision : {int64_t{0}, at}) {
    ask.set_min_revision(min_revision);
    grpc::ClientContext ctx;
    ctx.set_deadline(In(absl::Seconds(10)));
    pdp::v1::AuthorizeResponse got;
    const grpc::Status s = stub->Authorize(&ctx, ask, &got);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(got.decision().effect(), pdp::v1::ALLOW);
    EXPECT_EQ(got.decision().revision(), at);
    auto trailer = ctx.GetServerTrailingMetadata().find("pdp-revision");
    ASSERT_NE(trailer, ctx.GetServerTrailingMetadata().end());
    EXPECT_EQ(std::string(trailer->second.data(), trailer->second.size()), std::to_string(at));
  }
  {
    ask.set_min_revision(-1);
    grpc::ClientContext ctx;
    pdp::v1::AuthorizeResponse got;
    const grpc::Status s = stub->Authorize(&ctx, ask, &got);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
    EXPECT_THAT(s.error_message(), ::testing::HasSubstr("min_revision"));
  }
  pdp::v1::BatchAuthorizeRequest batch;
  ask.set_min_revision(0);
  *batch.add_requests() = ask;
  ask.set_min_revision(-1);
  *batch.add_requests() = ask;
  {
    grpc::ClientContext ctx;
    pdp::v1::BatchAuthorizeResponse got;
    const grpc::Status s = stub->BatchAuthorize(&ctx, batch, &got);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
    EXPECT_THAT(s.error_message(), ::testing::HasSubstr("requests[1].min_revision"));
  }

  // One revision ahead: parked until the write.
  InFlight<pdp::v1::AuthorizeResponse> authorize;
  InFlight<pdp::v1::BatchAuthorizeResponse> batched;
  ask.set_min_revision(at + 1);
  authorize.Start(absl::Seconds(20), [&](grpc::ClientContext* ctx, grpc::CompletionQueue* cq) {
    return stub->AsyncAuthorize(ctx, ask, cq);
  });
  batch.mutable_requests(1)->set_min_revision(at + 1);
  batched.Start(absl::Seconds(20), [&](grpc::ClientContext* ctx, grpc::CompletionQueue* cq) {
    return stub->AsyncBatchAuthorize(ctx, batch, cq);
  });
  EXPECT_EQ(authorize.Collect(1, absl::Milliseconds(300)), 0) << "answered before the write";
  EXPECT_EQ(batched.Collect(1, absl::Milliseconds(1)), 0) << "answered before the write";

  pdp::v1::ApplyChangesRequest write;
  auto* account = write.add_changes()->mutable_create_account()->mutable_account();
  account->set_id("555555555555");
  account->set_name("new");
  auto written = AdminClient(options).ApplyChanges(write);
  ASSERT_TRUE(written.ok()) << written.status();
  ASSERT_EQ(written->revision(), at + 1);

  ASSERT_EQ(authorize.Collect(1, absl::Seconds(10)), 1);
  ASSERT_EQ(authorize.Count(grpc::StatusCode::OK), 1) << authorize.Statuses();
  EXPECT_EQ(authorize.response(0).decision().effect(), pdp::v1::ALLOW);
  EXPECT_EQ(authorize.response(0).decision().revision(), at + 1);
  EXPECT_EQ(authorize.Trailer(0, "pdp-revision"), std::to_string(at + 1));
  ASSERT_EQ(batched.Collect(1, absl::Seconds(10)), 1);
  ASSERT_EQ(batched.Count(grpc::StatusCode::OK), 1) << batched.Statuses();
  const pdp::v1::BatchAuthorizeResponse& answers = batched.response(0);
  EXPECT_EQ(answers.revision(), at + 1);
  ASSERT_EQ(answers.results_size(), 2);
  for (const pdp::v1::BatchAuthorizeResult& r : answers.results()) {
    EXPECT_EQ(r.decision().effect(), pdp::v1::ALLOW);
    EXPECT_EQ(r.decision().revision(), at + 1);
  }
  EXPECT_EQ(batched.Trailer(0, "pdp-revision"), std::to_string(at + 1));
}

// An established Watch stream: the server's initial metadata names its
// revision. Otherwise the stream has ended, and `status` says why.
template <typename Stub, typename Request, typename Response>
struct Stream {
  Stream(Stub* stub, const Request& request) {
    reader = stub->Watch(&ctx, request);
    reader->WaitForInitialMetadata();
  }
  void End() {
    if (ended) return;
    ctx.TryCancel();
    status = reader->Finish();
    ended = true;
  }
  ~Stream() { End(); }

  grpc::ClientContext ctx;
  std::unique_ptr<grpc::ClientReader<Response>> reader;
  grpc::Status status;
  bool ended = false;
};

using AdminWatch =
    Stream<pdp::v1::AdminService::Stub, pdp::v1::WatchRequest, pdp::v1::WatchResponse>;
using HealthWatch = Stream<grpc::health::v1::Health::Stub, grpc::health::v1::HealthCheckRequest,
                           grpc::health::v1::HealthCheckResponse>;

// True when the admin Watch was established; else ends it (see status).
bool Established(AdminWatch& w) {
  if (w.ctx.GetServerInitialMetadata().count("pdp-revision") > 0) return true;
  w.status = w.reader->Finish();
  w.ended = true;
  return false;
}

// True when the health Watch sent its first status; else ends it.
bool Established(HealthWatch& w) {
  grpc::health::v1::HealthCheckResponse first;
  if (w.reader->Read(&first)) return true;
  w.status = w.reader->Finish();
  w.ended = true;
  return false;
}

// Opens up to `cap` + 1 streams with `open`: the first `cap` must be
// established (retrying each for up to `retry_for`, while places are being
// freed), the next refused with RESOURCE_EXHAUSTED, reason TOO_MANY_WATCHES.
template <typename W, typename OpenFn>
void FillToTheCap(int cap, absl::Duration retry_for, OpenFn open,
                  std::vector<std::unique_ptr<W>>* streams) {
  for (int i = 0; i < cap; ++i) {
    const absl::Time until = absl::Now() + retry_for;
    std::unique_ptr<W> w = open();
    while (!Established(*w) && absl::Now() < until) {
      EXPECT_EQ(w->status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
      absl::SleepFor(absl::Milliseconds(20));
      w = open();
    }
    ASSERT_FALSE(w->ended) << "stream " << i << ": " << w->status.error_message();
    streams->push_back(std::move(w));
  }
  std::unique_ptr<W> extra = open();
  ASSERT_FALSE(Established(*extra)) << "stream " << cap + 1 << " was accepted";
  EXPECT_EQ(extra->status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(ServerErrorReason(FromGrpcStatus(extra->status)), "TOO_MANY_WATCHES");
}

TEST(BoundedWaitsTest, WatchStreamsAreCappedAndFreedWhenTheirClientsLeave) {
  constexpr int kCap = 64;  // --max-watches' default
  ServerProcess server({"--world", SourcePath("data/demo-world.yaml")});
  ASSERT_TRUE(server.ok()) << server.log();
  const auto channel = Channels(server.address(), 1)[0];
  auto admin = pdp::v1::AdminService::NewStub(channel);
  auto health = grpc::health::v1::Health::NewStub(channel);
  const int baseline = ThreadsOf(server.pid());

  auto open_admin = [&] {
    return std::make_unique<AdminWatch>(admin.get(), pdp::v1::WatchRequest());
  };
  auto open_health = [&] {
    return std::make_unique<HealthWatch>(health.get(), grpc::health::v1::HealthCheckRequest());
  };
  std::vector<std::unique_ptr<AdminWatch>> admin_streams;
  std::vector<std::unique_ptr<HealthWatch>> health_streams;
  FillToTheCap<AdminWatch>(kCap, absl::ZeroDuration(), open_admin, &admin_streams);
  // Health streams have a cap of their own: anyone may open them, and they
  // must not crowd out the admin ones.
  FillToTheCap<HealthWatch>(kCap, absl::ZeroDuration(), open_health, &health_streams);
  const int threads = ThreadsOf(server.pid());
  std::printf("server threads: %d before, %d with %d Watch streams open\n", baseline, threads,
              2 * kCap);
  EXPECT_LE(threads, baseline + 2 * kCap + 8)
      << threads << " threads for " << 2 * kCap << " streams (baseline " << baseline << ")";

  // The clients leave; the server notices within a moment and takes new
  // streams up to the cap again.
  for (auto& w : admin_streams) w->End();
  for (auto& w : health_streams) w->End();
  for (auto& w : admin_streams) EXPECT_EQ(w->status.error_code(), grpc::StatusCode::CANCELLED);
  admin_streams.clear();
  health_streams.clear();
  const absl::Time left_at = absl::Now();
  FillToTheCap<AdminWatch>(kCap, absl::Seconds(2), open_admin, &admin_streams);
  FillToTheCap<HealthWatch>(kCap, absl::Seconds(2), open_health, &health_streams);
  EXPECT_LT(absl::Now() - left_at, absl::Seconds(5));
}

// The attack as it was reported: thousands of Watch streams opened at once
// (3,000 took 4,013 threads). The cap refuses all but 64, and the thread
// quota bounds the threads that answering the refusals takes.
TEST(BoundedWaitsTest, ThousandsOfWatchStreamsAtOnceTakeABoundedNumberOfThreads) {
  constexpr int kStreams = 3000;
  ServerProcess server({"--world", SourcePath("data/demo-world.yaml")});
  ASSERT_TRUE(server.ok()) << server.log();
  const auto channels = Channels(server.address(), 4);
  std::vector<std::unique_ptr<pdp::v1::AdminService::Stub>> stubs;
  for (const auto& ch : channels) stubs.push_back(pdp::v1::AdminService::NewStub(ch));
  const int baseline = ThreadsOf(server.pid());

  struct Watch {
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientAsyncReader<pdp::v1::WatchResponse>> reader;
    grpc::Status status;
    bool started = false, finished = false;
  };
  grpc::CompletionQueue cq;
  std::vector<std::unique_ptr<Watch>> watches;
  // Tags: the Watch's address for its start, plus one for its end.
  auto tag = [](Watch* w, bool end) {
    return reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(w) | (end ? 1 : 0));
  };
  for (int i = 0; i < kStreams; ++i) {
    auto w = std::make_unique<Watch>();
    w->ctx.set_deadline(In(absl::Seconds(60)));
    w->reader = stubs[i % stubs.size()]->AsyncWatch(&w->ctx, pdp::v1::WatchRequest(), &cq,
                                                    tag(w.get(), false));
    w->reader->Finish(&w->status, tag(w.get(), true));
    watches.push_back(std::move(w));
  }
  // Every stream past the cap ends; the thread count is sampled meanwhile.
  int peak = 0, ended = 0;
  const absl::Time until = absl::Now() + absl::Seconds(60);
  while (ended < kStreams - 64 && absl::Now() < until) {
    void* t;
    bool ok;
    if (cq.AsyncNext(&t, &ok, In(absl::Milliseconds(20))) == grpc::CompletionQueue::GOT_EVENT) {
      Watch* w = reinterpret_cast<Watch*>(reinterpret_cast<uintptr_t>(t) & ~uintptr_t{1});
      if (reinterpret_cast<uintptr_t>(t) & 1) {
        w->finished = true;
        ++ended;
      } else {
        w->started = true;
      }
    }
    peak = std::max(peak, ThreadsOf(server.pid()));
  }
  int refused = 0;
  for (const auto& w : watches) {
    refused += w->finished && w->status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
  }
  std::printf("server threads: %d before, at most %d while %d Watch streams were opened\n",
              baseline, peak, kStreams);
  EXPECT_EQ(refused, kStreams - 64);
  // 64 streams hold a thread each; answering the refusals may take more,
  // up to the thread quota (--max-threads, 64 + 3 x 64 + 64 by default:
  // admin waits, then Admin Watch, Health.Watch and reflection streams).
  EXPECT_LE(peak, baseline + 320 + 8);

  for (auto& w : watches) {
    if (!w->finished) w->ctx.TryCancel();
  }
  while (ended < kStreams) {
    void* t;
    bool ok;
    if (cq.AsyncNext(&t, &ok, In(absl::Seconds(30))) != grpc::CompletionQueue::GOT_EVENT) break;
    if (reinterpret_cast<uintptr_t>(t) & 1) ++ended;
  }
  EXPECT_EQ(ended, kStreams);
  cq.Shutdown();
  void* t;
  bool ok;
  while (cq.Next(&t, &ok)) {
  }
}

TEST(BoundedWaitsTest, AdminReadsWaitingForARevisionAreCappedAndFreedWhenTheirClientsLeave) {
  ServerProcess server({"--world", SourcePath("data/demo-world.yaml"), "--max-admin-waits", "2"});
  ASSERT_TRUE(server.ok()) << server.log();
  auto stub = pdp::v1::AdminService::NewStub(Channels(server.address(), 1)[0]);
  pdp::v1::GetRequest get;
  get.set_name(kAccount);
  get.set_min_revision(kFarRevision);
  auto start = [&](InFlight<pdp::v1::Account>& calls, absl::Duration deadline) {
    calls.Start(deadline, [&](grpc::ClientContext* ctx, grpc::CompletionQueue* cq) {
      return stub->AsyncGetAccount(ctx, get, cq);
    });
  };
  // One read probing the cap: refused at once, or waits until its deadline.
  auto probe_refused = [&] {
    InFlight<pdp::v1::Account> probe;
    start(probe, absl::Milliseconds(500));
    EXPECT_EQ(probe.Collect(1, absl::Seconds(10)), 1);
    return probe.Count(grpc::StatusCode::RESOURCE_EXHAUSTED, "TOO_MANY_WAITING_CALLS") == 1;
  };

  InFlight<pdp::v1::Account> waiting;
  start(waiting, absl::Seconds(60));
  start(waiting, absl::Seconds(60));
  // Polling their queue is what sends them (gRPC's client makes progress
  // only while some thread polls); they must still be waiting after it.
  ASSERT_EQ(waiting.Collect(2, absl::Milliseconds(300)), 0) << waiting.Statuses();
  EXPECT_TRUE(probe_refused());

  waiting.CancelAll();
  ASSERT_EQ(waiting.Collect(2, absl::Seconds(10)), 2);
  const absl::Time left_at = absl::Now();
  // Their places free up within about 100 ms, not at their deadline.
  bool accepted = false;
  absl::Time accepted_at;
  while (!accepted && absl::Now() - left_at < absl::Seconds(5)) {
    const absl::Time sent = absl::Now();
    accepted = !probe_refused();
    if (accepted) accepted_at = sent;
  }
  ASSERT_TRUE(accepted);
  EXPECT_LT(accepted_at - left_at, absl::Seconds(1));
}

}  // namespace
}  // namespace pdp::testing
