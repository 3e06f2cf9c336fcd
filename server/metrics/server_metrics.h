// What billing-pdp-server counts while it serves, for /metrics (README
// "Metrics"): calls by method and gRPC status code with their latency,
// decisions by effect and reason, store commits. Every label comes from a
// fixed set (the services' own method names, the 17 status codes, the
// Effect and Reason enums), never from a request: a path that names no
// method of the given services is method "unknown".
//
// Thread-safe; the Record* calls are lock-free (ShardedCounters) and never
// allocate, so they may run on the Authorize path.
#ifndef PDP_SERVER_METRICS_SERVER_METRICS_H_
#define PDP_SERVER_METRICS_SERVER_METRICS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "pdp/v1/decision.pb.h"
#include "prometheus/metric_family.h"
#include "server/metrics/sharded_counters.h"

namespace pdp {

class ServerMetrics {
 public:
  // `services`: full names ("pdp.v1.AdminService") of the services whose
  // methods are labelled, looked up in the generated descriptor pool (a
  // name not linked into the binary contributes nothing).
  explicit ServerMetrics(const std::vector<std::string>& services);

  // The id of "/package.Service/Method" (gRPC's :path), or kUnknownMethod.
  // A hash lookup: call it once per method where that matters.
  int MethodId(absl::string_view path) const;
  static constexpr int kUnknownMethod = 0;

  // A call that reached its handler ended with `code` (a grpc::StatusCode;
  // out of range counts as UNKNOWN) after `ns` nanoseconds.
  void RecordRpc(int method, int code, int64_t ns) {
    rpcs_.Add(RpcIndex(method, code));
    latency_.Observe(static_cast<size_t>(method), ns);
  }
  // A call refused before any handler ran (authentication, method access):
  // counted with its code, not timed.
  void RecordRefusedRpc(int method, int code) { rpcs_.Add(RpcIndex(method, code)); }

  enum class DecisionSource { kAuthorize = 0, kBatchAuthorize = 1 };
  void RecordDecision(DecisionSource source, const pdp::v1::Decision& decision) {
    const size_t effect = static_cast<size_t>(decision.effect()) < kEffects
                              ? static_cast<size_t>(decision.effect())
                              : 0;
    const size_t reason = static_cast<size_t>(decision.reason()) < kReasons
                              ? static_cast<size_t>(decision.reason())
                              : 0;
    decisions_.Add((static_cast<size_t>(source) * kEffects + effect) * kReasons + reason);
  }

  // One Store::Commit took `ns` nanoseconds; `ok`: it made the batch durable.
  void RecordCommit(int64_t ns, bool ok) {
    commit_latency_.Observe(0, ns);
    if (!ok) commit_failures_.Add(0);
  }

  // Appends the families counted here (series never counted are left out).
  void Collect(std::vector<prometheus::MetricFamily>* out) const;

  // The labels of a method id: {service, method}.
  const std::pair<std::string, std::string>& MethodLabels(int method) const {
    return methods_[static_cast<size_t>(method)];
  }

 private:
  static constexpr size_t kCodes = 17;  // grpc::StatusCode 0..16
  static constexpr size_t kEffects = 3;
  static constexpr size_t kReasons = 17;
  size_t RpcIndex(int method, int code) const {
    const size_t c = code >= 0 && static_cast<size_t>(code) < kCodes ? code : 2;  // UNKNOWN
    return static_cast<size_t>(method) * kCodes + c;
  }

  std::vector<std::pair<std::string, std::string>> methods_;  // [0]: unknown
  absl::flat_hash_map<std::string, int> ids_;                 // "/svc/Method" -> id
  ShardedCounters rpcs_;                                      // method x code
  ShardedHistograms latency_;                                 // per method
  ShardedCounters decisions_;                                 // source x effect x reason
  ShardedHistograms commit_latency_;
  ShardedCounters commit_failures_;
};

// The latency buckets (upper bounds, nanoseconds): 50 us to 10 s.
std::vector<int64_t> LatencyBucketsNs();

}  // namespace pdp

#endif  // PDP_SERVER_METRICS_SERVER_METRICS_H_
