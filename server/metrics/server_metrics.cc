#include "server/metrics/server_metrics.h"

#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"

namespace pdp {
namespace {

constexpr const char* kCodeNames[] = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};
constexpr const char* kSourceNames[] = {"Authorize", "BatchAuthorize"};

std::vector<std::pair<std::string, std::string>> MethodsOf(
    const std::vector<std::string>& services) {
  std::vector<std::pair<std::string, std::string>> methods = {{"unknown", "unknown"}};
  for (const std::string& name : services) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      methods.emplace_back(service->full_name(), service->method(i)->name());
    }
  }
  return methods;
}

prometheus::ClientMetric::Histogram ToHistogram(const ShardedHistograms::Totals& t,
                                                const std::vector<int64_t>& bounds) {
  prometheus::ClientMetric::Histogram h;
  h.sample_count = t.count;
  h.sample_sum = static_cast<double>(t.sum_ns) / 1e9;
  uint64_t cumulative = 0;
  for (size_t b = 0; b < t.buckets.size(); ++b) {
    cumulative += t.buckets[b];
    prometheus::ClientMetric::Bucket bucket;
    bucket.cumulative_count = cumulative;
    bucket.upper_bound = b < bounds.size() ? static_cast<double>(bounds[b]) / 1e9
                                           : std::numeric_limits<double>::infinity();
    h.bucket.push_back(bucket);
  }
  return h;
}

prometheus::MetricFamily Family(const char* name, const char* help, prometheus::MetricType type) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

}  // namespace

std::vector<int64_t> LatencyBucketsNs() {
  return {50'000,      100'000,       250'000,       500'000,       1'000'000,     2'500'000,
          5'000'000,   10'000'000,    25'000'000,    50'000'000,    100'000'000,   250'000'000,
          500'000'000, 1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};
}

ServerMetrics::ServerMetrics(const std::vector<std::string>& services)
    : methods_(MethodsOf(services)),
      rpcs_(methods_.size() * kCodes),
      latency_(methods_.size(), LatencyBucketsNs()),
      decisions_(2 * kEffects * kReasons),
      commit_latency_(1, LatencyBucketsNs()),
      commit_failures_(1) {
  for (size_t i = 1; i < methods_.size(); ++i) {
    ids_[absl::StrCat("/", methods_[i].first, "/", methods_[i].second)] = static_cast<int>(i);
  }
}

int ServerMetrics::MethodId(absl::string_view path) const {
  auto it = ids_.find(path);
  return it == ids_.end() ? kUnknownMethod : it->second;
}

void ServerMetrics::Collect(std::vector<prometheus::MetricFamily>* out) const {
  prometheus::MetricFamily rpcs =
      Family("billing_pdp_rpcs_total",
             "gRPC calls ended, by service, method and status code (calls refused before a "
             "handler ran included).",
             prometheus::MetricType::Counter);
  prometheus::MetricFamily latency =
      Family("billing_pdp_rpc_duration_seconds",
             "Time from a call's arrival at its handler to its status, by service and method "
             "(Watch: the stream's life).",
             prometheus::MetricType::Histogram);
  for (size_t m = 0; m < methods_.size(); ++m) {
    for (size_t c = 0; c < kCodes; ++c) {
      const uint64_t n = rpcs_.Sum(m * kCodes + c);
      if (n == 0) continue;
      prometheus::ClientMetric metric;
      metric.label = {
          {"code", kCodeNames[c]}, {"method", methods_[m].second}, {"service", methods_[m].first}};
      metric.counter.value = static_cast<double>(n);
      rpcs.metric.push_back(std::move(metric));
    }
    const ShardedHistograms::Totals t = latency_.Read(m);
    if (t.count == 0) continue;
    prometheus::ClientMetric metric;
    metric.label = {{"method", methods_[m].second}, {"service", methods_[m].first}};
    metric.histogram = ToHistogram(t, latency_.upper_bounds_ns());
    latency.metric.push_back(std::move(metric));
  }
  out->push_back(std::move(rpcs));
  out->push_back(std::move(latency));

  prometheus::MetricFamily decisions =
      Family("billing_pdp_decisions_total",
             "Decisions made by Authorize and BatchAuthorize (each request of a batch), by "
             "method, effect and reason.",
             prometheus::MetricType::Counter);
  for (size_t s = 0; s < 2; ++s) {
    for (size_t e = 0; e < kEffects; ++e) {
      for (size_t r = 0; r < kReasons; ++r) {
        const uint64_t n = decisions_.Sum((s * kEffects + e) * kReasons + r);
        if (n == 0) continue;
        prometheus::ClientMetric metric;
        metric.label = {{"effect", pdp::v1::Effect_Name(static_cast<int>(e))},
                        {"method", kSourceNames[s]},
                        {"reason", pdp::v1::Reason_Name(static_cast<int>(r))}};
        metric.counter.value = static_cast<double>(n);
        decisions.metric.push_back(std::move(metric));
      }
    }
  }
  out->push_back(std::move(decisions));

  prometheus::MetricFamily commits =
      Family("billing_pdp_store_commit_duration_seconds",
             "Time the store took to make one batch durable (failed commits included).",
             prometheus::MetricType::Histogram);
  prometheus::ClientMetric commit;
  commit.histogram = ToHistogram(commit_latency_.Read(0), commit_latency_.upper_bounds_ns());
  commits.metric.push_back(std::move(commit));
  out->push_back(std::move(commits));
  prometheus::MetricFamily failures =
      Family("billing_pdp_store_commit_failures_total",
             "Store commits that returned an error (nothing stored, or the outcome unknown).",
             prometheus::MetricType::Counter);
  prometheus::ClientMetric failed;
  failed.counter.value = static_cast<double>(commit_failures_.Sum(0));
  failures.metric.push_back(std::move(failed));
  out->push_back(std::move(failures));
}

}  // namespace pdp
