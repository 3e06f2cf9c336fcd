#include "server/metrics/metrics_server.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"

namespace pdp {
namespace {

prometheus::MetricFamily Gauge(const char* name, const char* help, double value) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = prometheus::MetricType::Gauge;
  prometheus::ClientMetric m;
  m.gauge.value = value;
  f.metric.push_back(std::move(m));
  return f;
}

class Collector final : public prometheus::Collectable {
 public:
  explicit Collector(MetricsSources sources) : sources_(std::move(sources)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out;
    sources_.metrics->Collect(&out);
    std::vector<prometheus::MetricFamily> gauges =
        CollectStateGauges(*sources_.state, sources_.open_watches ? sources_.open_watches() : 0);
    for (prometheus::MetricFamily& f : gauges) out.push_back(std::move(f));
    return out;
  }

 private:
  const MetricsSources sources_;
};

}  // namespace

std::vector<prometheus::MetricFamily> CollectStateGauges(const WorldState& state,
                                                         int open_watches) {
  std::vector<prometheus::MetricFamily> out;
  // One snapshot for every count, so they agree with each other and with
  // the revision shown.
  SnapshotPtr snapshot = state.Current();
  out.push_back(Gauge("billing_pdp_revision",
                      "The state revision this server answers from (published).",
                      static_cast<double>(snapshot->revision())));
  out.push_back(Gauge("billing_pdp_staleness_seconds",
                      "PostgreSQL replicas: how long the shared store has been out of reach, so "
                      "answers may be that stale (0 while in contact, and always for SQLite and "
                      "memory).",
                      absl::ToDoubleSeconds(state.Staleness())));
  out.push_back(Gauge("billing_pdp_watch_streams", "AdminService.Watch streams open now.",
                      static_cast<double>(open_watches)));
  // O(accounts) per scrape: each account keeps its own counts.
  size_t users_and_roles = 0, roles = 0, entities = 0, sessions = 0, policies = 0;
  for (const auto& [id, account] : snapshot->accounts()) {
    users_and_roles += account->views.size();
    entities += account->entities.size();
    sessions += account->sessions.size();
    policies += account->policies.size();
    for (const auto& [key, view] : account->views) {
      if (view->entity->kind == IamArnKind::kRole) ++roles;
    }
  }
  prometheus::MetricFamily world;
  world.name = "billing_pdp_world_objects";
  world.help =
      "What the state holds, by kind: account, user, group, role, role_session, "
      "managed_policy (customer managed), organization.";
  world.type = prometheus::MetricType::Gauge;
  const std::pair<const char*, size_t> kinds[] = {
      {"account", snapshot->accounts().size()},
      {"user", users_and_roles - roles},
      {"group", entities - users_and_roles},
      {"role", roles},
      {"role_session", sessions},
      {"managed_policy", policies},
      {"organization", snapshot->organizations().size()},
  };
  for (const auto& [kind, count] : kinds) {
    prometheus::ClientMetric m;
    m.label = {{"kind", kind}};
    m.gauge.value = static_cast<double>(count);
    world.metric.push_back(std::move(m));
  }
  out.push_back(std::move(world));
  return out;
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& bind_address,
                                                                    MetricsSources sources) {
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->collector_ = std::make_shared<Collector>(std::move(sources));
  try {
    // Two threads: a scrape never waits behind another one's slow client.
    server->exposer_ = std::make_unique<prometheus::Exposer>(bind_address, 2);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", bind_address, ": ",
                                               e.what(),
                                               " (the address is in use or not "
                                               "this machine's)"));
  }
  server->exposer_->RegisterCollectable(server->collector_);
  const std::vector<int> ports = server->exposer_->GetListeningPorts();
  server->port_ = ports.empty() ? 0 : ports.front();
  return server;
}

MetricsServer::~MetricsServer() {
  // The HTTP threads stop before the sources they read can go away.
  exposer_.reset();
}

}  // namespace pdp
