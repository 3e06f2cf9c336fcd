// The lock-free counters and histograms behind /metrics, ServerMetrics'
// labels, and which --metrics-listen addresses are accepted.
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/metrics/metered_store.h"
#include "server/metrics/metrics_listen.h"
#include "server/metrics/server_metrics.h"
#include "server/metrics/sharded_counters.h"

namespace pdp {
namespace {

using ::testing::HasSubstr;

TEST(ShardedCountersTest, SumsEveryThreadsAddsExactly) {
  ShardedCounters counters(10);  // two cache lines per shard: indexes past the first
  constexpr int kThreads = 24;   // more threads than shards: some share one
  constexpr int kAdds = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&counters, t] {
      for (int i = 0; i < kAdds; ++i) {
        counters.Add(9);
        counters.Add(static_cast<size_t>(t % 3), 2);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(counters.Sum(9), uint64_t{kThreads} * kAdds);
  EXPECT_EQ(counters.Sum(0), uint64_t{8} * kAdds * 2);
  EXPECT_EQ(counters.Sum(1), uint64_t{8} * kAdds * 2);
  EXPECT_EQ(counters.Sum(2), uint64_t{8} * kAdds * 2);
  for (size_t i = 3; i < 9; ++i) EXPECT_EQ(counters.Sum(i), 0u) << i;
}

TEST(ShardedCountersTest, ReadsWhileOthersAddNeverGoBackwards) {
  ShardedCounters counters(1);
  std::atomic<bool> stop{false};
  std::thread adder([&] {
    while (!stop.load()) counters.Add(0);
  });
  uint64_t last = 0;
  for (int i = 0; i < 10000; ++i) {
    const uint64_t now = counters.Sum(0);
    ASSERT_GE(now, last);
    last = now;
  }
  stop = true;
  adder.join();
}

TEST(ShardedHistogramsTest, BucketsAreUpperBoundsInclusive) {
  ShardedHistograms h(2, {100, 1000});
  h.Observe(0, 100);   // on the bound: its bucket
  h.Observe(0, 101);   // just over: the next
  h.Observe(0, 1000);  // second bucket
  h.Observe(0, 5000);  // +Inf
  h.Observe(0, -7);    // counted as 0
  ShardedHistograms::Totals t = h.Read(0);
  EXPECT_THAT(t.buckets, ::testing::ElementsAre(2, 2, 1));
  EXPECT_EQ(t.count, 5u);
  EXPECT_EQ(t.sum_ns, 100u + 101 + 1000 + 5000);
  ShardedHistograms::Totals other = h.Read(1);  // series are apart
  EXPECT_EQ(other.count, 0u);
  EXPECT_EQ(other.sum_ns, 0u);
}

TEST(ShardedHistogramsTest, ConcurrentObservationsAllCounted) {
  ShardedHistograms h(1, LatencyBucketsNs());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&h] {
      for (int i = 0; i < 10000; ++i) h.Observe(0, 1'000'000);  // 1 ms
    });
  }
  for (std::thread& t : threads) t.join();
  ShardedHistograms::Totals t = h.Read(0);
  EXPECT_EQ(t.count, 80000u);
  EXPECT_EQ(t.sum_ns, uint64_t{80000} * 1'000'000);
  EXPECT_EQ(t.buckets[4], 80000u);  // the 1 ms bucket, bound inclusive
}

const prometheus::MetricFamily* Find(const std::vector<prometheus::MetricFamily>& families,
                                     const std::string& name) {
  for (const prometheus::MetricFamily& f : families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

TEST(ServerMetricsTest, MethodsComeFromTheServicesOnlyAndLabelsAreFixed) {
  ServerMetrics metrics({"pdp.v1.AuthorizationService", "no.such.Service"});
  const int authorize = metrics.MethodId("/pdp.v1.AuthorizationService/Authorize");
  ASSERT_NE(authorize, ServerMetrics::kUnknownMethod);
  EXPECT_EQ(metrics.MethodLabels(authorize).second, "Authorize");
  EXPECT_EQ(metrics.MethodId("/pdp.v1.AuthorizationService/NoSuchMethod"),
            ServerMetrics::kUnknownMethod);
  EXPECT_EQ(metrics.MethodId("/pdp.v1.AdminService/CreateUser"), ServerMetrics::kUnknownMethod);
  EXPECT_EQ(metrics.MethodId("arn:aws:iam::111111111111:user/x"), ServerMetrics::kUnknownMethod);

  metrics.RecordRpc(authorize, 0, 2'000'000);
  metrics.RecordRpc(authorize, 99, 1);  // out of range: UNKNOWN
  metrics.RecordRefusedRpc(ServerMetrics::kUnknownMethod, 16);
  pdp::v1::Decision d;
  d.set_effect(pdp::v1::DENY);
  d.set_reason(pdp::v1::EXPLICIT_DENY);
  metrics.RecordDecision(ServerMetrics::DecisionSource::kBatchAuthorize, d);
  metrics.RecordCommit(3'000'000, false);

  std::vector<prometheus::MetricFamily> families;
  metrics.Collect(&families);
  const prometheus::MetricFamily* rpcs = Find(families, "billing_pdp_rpcs_total");
  ASSERT_NE(rpcs, nullptr);
  std::map<std::string, double> by_labels;
  for (const prometheus::ClientMetric& m : rpcs->metric) {
    std::string key;
    for (const auto& l : m.label) key += l.name + "=" + l.value + ",";
    by_labels[key] = m.counter.value;
  }
  EXPECT_THAT(
      by_labels,
      ::testing::UnorderedElementsAre(
          ::testing::Pair("code=OK,method=Authorize,service=pdp.v1.AuthorizationService,", 1),
          ::testing::Pair("code=UNKNOWN,method=Authorize,service=pdp.v1.AuthorizationService,", 1),
          ::testing::Pair("code=UNAUTHENTICATED,method=unknown,service=unknown,", 1)));
  const prometheus::MetricFamily* latency = Find(families, "billing_pdp_rpc_duration_seconds");
  ASSERT_NE(latency, nullptr);
  ASSERT_EQ(latency->metric.size(), 1u);  // refused calls are not timed
  EXPECT_EQ(latency->metric[0].histogram.sample_count, 2u);
  EXPECT_DOUBLE_EQ(latency->metric[0].histogram.sample_sum, 0.002000001);
  const prometheus::MetricFamily* decisions = Find(families, "billing_pdp_decisions_total");
  ASSERT_NE(decisions, nullptr);
  ASSERT_EQ(decisions->metric.size(), 1u);
  EXPECT_THAT(decisions->metric[0].label,
              ::testing::ElementsAre(prometheus::ClientMetric::Label{"effect", "DENY"},
                                     prometheus::ClientMetric::Label{"method", "BatchAuthorize"},
                                     prometheus::ClientMetric::Label{"reason", "EXPLICIT_DENY"}));
  const prometheus::MetricFamily* failures =
      Find(families, "billing_pdp_store_commit_failures_total");
  ASSERT_NE(failures, nullptr);
  EXPECT_EQ(failures->metric[0].counter.value, 1);
  const prometheus::MetricFamily* commits =
      Find(families, "billing_pdp_store_commit_duration_seconds");
  ASSERT_NE(commits, nullptr);
  EXPECT_EQ(commits->metric[0].histogram.sample_count, 1u);
  EXPECT_EQ(commits->metric[0].histogram.bucket.back().cumulative_count, 1u);
}

// Commits alternate: OK, then UNAVAILABLE.
class FlakyStore final : public Store {
 public:
  absl::Status Commit(const StoredBatch&) override {
    return (commits_++ % 2 == 0) ? absl::OkStatus() : absl::UnavailableError("down");
  }
  absl::Status ReadFrom(int64_t, int64_t, const ReadFn&, bool) override { return absl::OkStatus(); }
  bool IsShared() const override { return true; }

 private:
  int commits_ = 0;
};

TEST(MeteredStoreTest, TimesEveryCommitCountsFailuresAndPassesTheRestThrough) {
  ServerMetrics metrics({});
  MeteredStore store(std::make_unique<FlakyStore>(), &metrics);
  StoredBatch batch;
  EXPECT_TRUE(store.Commit(batch).ok());
  EXPECT_EQ(store.Commit(batch).code(), absl::StatusCode::kUnavailable);  // unchanged
  EXPECT_TRUE(store.IsShared());                                          // passed through
  std::vector<prometheus::MetricFamily> families;
  metrics.Collect(&families);
  const prometheus::MetricFamily* commits =
      Find(families, "billing_pdp_store_commit_duration_seconds");
  ASSERT_NE(commits, nullptr);
  EXPECT_EQ(commits->metric[0].histogram.sample_count, 2u);
  const prometheus::MetricFamily* failures =
      Find(families, "billing_pdp_store_commit_failures_total");
  ASSERT_NE(failures, nullptr);
  EXPECT_EQ(failures->metric[0].counter.value, 1);
}

TEST(MetricsListenTest, LoopbackLiteralsAreAcceptedWithoutTls) {
  for (const char* address : {"127.0.0.1:9464", "127.3.4.5:0"}) {
    absl::StatusOr<std::string> bind = CheckMetricsListenAddress(address, false);
    ASSERT_TRUE(bind.ok()) << address << ": " << bind.status();
    EXPECT_EQ(*bind, address);
  }
}

TEST(MetricsListenTest, OtherAddressesNeedTls) {
  for (const char* address : {"0.0.0.0:9464", "10.0.0.1:9464", "192.168.1.1:0"}) {
    absl::StatusOr<std::string> refused = CheckMetricsListenAddress(address, false);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << address;
    EXPECT_THAT(refused.status().message(), HasSubstr("without TLS")) << address;
    EXPECT_TRUE(CheckMetricsListenAddress(address, true).ok()) << address;
  }
}

TEST(MetricsListenTest, AnythingButAnIpLiteralAndPortIsInvalid) {
  for (const char* address :
       {"localhost:9464", "metrics.example.com:9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:x",
        "127.0.0.1:65536", "127.0.0.1:123456", "[::1]:9464", "[::]:9464", "[::1]", "[nope]:9464",
        "unix:/tmp/m.sock", "", ":9464", "::1:9464"}) {
    for (bool tls : {false, true}) {
      EXPECT_EQ(CheckMetricsListenAddress(address, tls).status().code(),
                absl::StatusCode::kInvalidArgument)
          << address << " tls=" << tls;
    }
  }
}

}  // namespace
}  // namespace pdp
