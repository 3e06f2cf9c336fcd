// --metrics-listen: serves GET /metrics (Prometheus text format) from an
// embedded HTTP server (prometheus-cpp's, on its own two threads). A scrape
// sums ServerMetrics' counters and reads the state's gauges (revision,
// staleness, world size, open Watch streams) as they are at that moment;
// nothing is computed for metrics on the request path.
#ifndef PDP_SERVER_METRICS_METRICS_SERVER_H_
#define PDP_SERVER_METRICS_METRICS_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/app/world_state.h"
#include "server/metrics/server_metrics.h"

namespace prometheus {
class Exposer;
class Collectable;
}  // namespace prometheus

namespace pdp {

struct MetricsSources {
  const ServerMetrics* metrics = nullptr;
  const WorldState* state = nullptr;
  std::function<int()> open_watches;  // AdminService.Watch streams now open
};

class MetricsServer {
 public:
  // Listens on `bind_address` (CheckMetricsListenAddress's result) and
  // serves `sources`, which must outlive the returned object.
  // UNAVAILABLE when the address cannot be bound (in use, not this
  // machine's).
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& bind_address,
                                                              MetricsSources sources);
  // Stops serving (an in-flight scrape finishes first).
  ~MetricsServer();

  int port() const { return port_; }

 private:
  MetricsServer() = default;
  std::shared_ptr<prometheus::Collectable> collector_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

// The state's gauges as /metrics shows them (exposed for tests).
std::vector<prometheus::MetricFamily> CollectStateGauges(const WorldState& state, int open_watches);

}  // namespace pdp

#endif  // PDP_SERVER_METRICS_METRICS_SERVER_H_
