// billing-pdp-server: loads the page catalogue, the AWS managed policies and
// optionally a world file, then serves AuthorizationService and
// AdminService (plus gRPC health and reflection) until SIGINT or SIGTERM.
#include <semaphore.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/base/version.h"
#include "common/engine/page_catalog.h"
#include "common/engine/snapshot.h"
#include "common/policy/known_actions.h"
#include "common/world/world_file.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "server/admin_service.h"
#include "server/authenticator.h"
#include "server/authorization_service.h"
#include "server/batch_origin.h"
#include "server/caller_auth_processor.h"
#include "server/caller_registry.h"
#include "server/change_follower.h"
#include "server/checkpointer.h"
#include "server/data_dir.h"
#include "server/decision_log.h"
#include "server/health_service.h"
#include "server/listen_address.h"
#include "server/metrics/metered_store.h"
#include "server/metrics/metrics_listen.h"
#include "server/metrics/metrics_server.h"
#include "server/metrics/rpc_interceptor.h"
#include "server/reflection/reflection_service.h"
#include "server/server_flags.h"
#include "server/store/open_store.h"
#include "server/world_state.h"

#ifndef PDP_DEFAULT_DATA_DIR
#define PDP_DEFAULT_DATA_DIR "data"
#endif
#ifndef PDP_INSTALLED_DATA_DIR
#define PDP_INSTALLED_DATA_DIR "../share/billing_pdp"
#endif

namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "billing-pdp-server: %s\n", message.c_str());
  std::exit(2);
}

std::string ReadFileOrDie(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die(absl::StrCat("cannot read ", what, " ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// SIGINT/SIGTERM: the handler only posts a semaphore (async-signal-safe),
// whichever thread it runs on; main waits for it and shuts down cleanly.
sem_t g_stop;
std::atomic<int> g_signal{0};

void OnStopSignal(int sig) {
  g_signal.store(sig);
  sem_post(&g_stop);
}

void InstallStopHandlers() {
  sem_init(&g_stop, 0, 0);
  struct sigaction action = {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

std::string TrimToken(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Says at start-up where the state came from and anything that needs an
// operator's eye (a damaged checkpoint passed over, stored policies that no
// longer compile and now deny everything).
void ReportRecovery(const pdp::WorldState::RecoveryReport& r, absl::Duration took) {
  for (const std::string& skipped : r.skipped_checkpoints) {
    std::fprintf(stderr, "billing-pdp-server: WARNING: checkpoint at %s is unusable; skipped\n",
                 skipped.c_str());
  }
  std::fprintf(stderr,
               "billing-pdp-server: state recovered in %.3f s: checkpoint at revision %lld, "
               "%lld batches replayed after it, %lld migrated from the legacy format\n",
               absl::ToDoubleSeconds(took), static_cast<long long>(r.checkpoint_revision),
               static_cast<long long>(r.replayed_batches),
               static_cast<long long>(r.migrated_batches));
  if (r.failed_closed_policies > 0) {
    std::fprintf(stderr,
                 "billing-pdp-server: WARNING: %zu stored policy documents no longer compile and "
                 "now deny everything to the principals they reach (last: %s)\n",
                 r.failed_closed_policies, r.last_failed_policy.c_str());
  }
}

// The credentials the server listens with: TLS when configured (verifying
// client certificates against --tls-client-ca when given); without TLS,
// local credentials when callers are configured (plaintext on the wire, but
// they let CallerAuthProcessor run, and accept only loopback and unix-socket
// peers); plain insecure credentials in development. With callers, every
// call of every service passes through CallerAuthProcessor first.
std::shared_ptr<grpc::ServerCredentials> ServerCredentials(const pdp::ServerFlags& flags,
                                                           const pdp::Authenticator& auth,
                                                           pdp::ServerMetrics* metrics) {
  std::shared_ptr<grpc::ServerCredentials> creds;
  if (!flags.tls_cert.empty()) {
    grpc::SslServerCredentialsOptions ssl(flags.tls_client_ca.empty()
                                              ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                              // Token callers need no certificate; one that is
                                              // presented must verify.
                                              : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
    ssl.pem_key_cert_pairs.push_back({ReadFileOrDie(flags.tls_key, "TLS key"),
                                      ReadFileOrDie(flags.tls_cert, "TLS certificate")});
    if (!flags.tls_client_ca.empty()) {
      ssl.pem_root_certs = ReadFileOrDie(flags.tls_client_ca, "client CA certificates");
    }
    creds = grpc::SslServerCredentials(ssl);
  } else if (auth.enabled()) {
    creds = grpc::experimental::LocalServerCredentials(
        absl::StartsWith(flags.listen, "unix") ? UDS : LOCAL_TCP);
  } else {
    return grpc::InsecureServerCredentials();
  }
  if (auth.enabled())
    creds->SetAuthMetadataProcessor(std::make_shared<pdp::CallerAuthProcessor>(&auth, metrics));
  return creds;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil is built with deadlock detection on, which costs every
  // mutex operation in gRPC a few percent; the server has one writer mutex.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  InstallStopHandlers();
  // Installed: the data next to the binary; in the build tree: the source's.
  const std::string data_dir = pdp::DefaultDataDir(PDP_INSTALLED_DATA_DIR, PDP_DEFAULT_DATA_DIR);
  absl::StatusOr<pdp::ServerFlags> flags = pdp::ParseServerFlags(argc, argv, data_dir);
  if (!flags.ok()) Die(std::string(flags.status().message()));
  if (flags->help) {
    std::fputs(pdp::ServerFlagsHelp(data_dir).c_str(), stdout);
    return 0;
  }
  if (flags->version) {
    std::printf("billing-pdp-server %s\n", pdp::VersionString().c_str());
    return 0;
  }
  const std::string listen = flags->listen;
  const std::string tls_cert = flags->tls_cert, tls_key = flags->tls_key;
  if (tls_cert.empty() != tls_key.empty()) Die("--tls-cert and --tls-key go together");
  pdp::CallerRegistry callers;
  if (!flags->callers_file.empty()) {
    absl::StatusOr<pdp::CallerRegistry> parsed = pdp::CallerRegistry::Parse(
        ReadFileOrDie(flags->callers_file, "callers file"), flags->callers_file);
    if (!parsed.ok()) Die(std::string(parsed.status().message()));
    callers = *std::move(parsed);
  }
  if (!flags->admin_token_file.empty()) {
    absl::Status added =
        callers.AddAdminToken(TrimToken(ReadFileOrDie(flags->admin_token_file, "admin token")));
    if (!added.ok()) Die(absl::StrCat(flags->admin_token_file, ": ", added.message()));
  }
  const bool require_auth = flags->require_auth == "true";
  if (require_auth && callers.empty()) {
    Die("--require-auth needs callers to admit (--callers-file or --admin-token-file)");
  }
  if (callers.empty() || tls_cert.empty()) {
    // Without both, credentials would cross the network in the clear, or
    // state-changing calls would be open to whoever reaches the address.
    absl::Status local = pdp::CheckLocalOnlyListenAddress(listen);
    if (!local.ok()) {
      Die(absl::StrCat(
          "refusing to serve on ", listen,
          " without TLS and callers (--tls-cert, --tls-key, --callers-file): ", local.message()));
    }
  }
  // --metrics-listen (README "Metrics"): its address checked before
  // anything starts; counting on from here, served once the state is up.
  std::string metrics_bind;
  std::unique_ptr<pdp::ServerMetrics> metrics;
  if (!flags->metrics_listen.empty()) {
    absl::StatusOr<std::string> bind =
        pdp::CheckMetricsListenAddress(flags->metrics_listen, !tls_cert.empty());
    if (!bind.ok()) Die(std::string(bind.status().message()));
    metrics_bind = *std::move(bind);
    metrics = std::make_unique<pdp::ServerMetrics>(std::vector<std::string>{
        pdp::v1::AuthorizationService::service_full_name(),
        pdp::v1::AdminService::service_full_name(), "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection"});
  }
  const size_t caller_count = callers.size();
  pdp::Authenticator authenticator(std::move(callers), require_auth);
  auto opened = pdp::OpenStore(flags->store);
  if (!opened.ok()) Die(std::string(opened.status().message()));
  std::unique_ptr<pdp::Store> store = std::move(*opened);
  if (metrics != nullptr)
    store = std::make_unique<pdp::MeteredStore>(std::move(store), metrics.get());
  if (store->CreatedOnOpen()) {
    // Said loudly: a new file where one was expected (deleted, moved, a
    // typo in the path) would otherwise start over silently.
    std::fprintf(stderr,
                 "billing-pdp-server: WARNING: store %s did not exist; created a new, empty "
                 "store\n",
                 pdp::StoreSpecForLog(flags->store).c_str());
  }

  auto catalog = pdp::PageCatalog::FromFile(flags->page_catalog);
  if (!catalog.ok()) Die(std::string(catalog.status().message()));
  auto aws = pdp::LoadAwsManagedPoliciesFile(flags->aws_managed_policies);
  if (!aws.ok()) Die(std::string(aws.status().message()));

  pdp::WorldState state(pdp::Snapshot::Initial(*catalog, *aws), store.get(), flags->limits);
  const absl::Time recover_start = absl::Now();
  absl::Status recovered = state.Recover();
  if (!recovered.ok()) Die(absl::StrCat("cannot recover state: ", recovered.message()));
  ReportRecovery(state.last_recovery(), absl::Now() - recover_start);
  if (!flags->world.empty() && state.Current()->revision() > 0) {
    std::fprintf(stderr,
                 "billing-pdp-server: the store holds revision %lld; --world %s not applied\n",
                 static_cast<long long>(state.Current()->revision()), flags->world.c_str());
  } else if (!flags->world.empty()) {
    std::fprintf(stderr, "billing-pdp-server: the store is empty; loading --world %s into it\n",
                 flags->world.c_str());
    std::vector<std::string> item_paths;
    auto changes = pdp::ReadWorldFile(flags->world, &item_paths);
    if (!changes.ok()) Die(std::string(changes.status().message()));
    pdp::BatchOrigin origin;
    origin.caller = "billing-pdp-server --world";
    origin.method = absl::StrCat("--world ", flags->world);
    auto applied = state.Apply(
        *changes,
        [&](size_t i, const pdp::v1::Change&) { return absl::StrCat(item_paths[i], ": "); },
        origin);
    if (!applied.ok()) {
      Die(absl::StrCat(flags->world, ": ", applied.status().message()));
    }
  }

  auto known_actions = pdp::KnownActions::FromFile(flags->service_actions);
  if (!known_actions.ok()) Die(std::string(known_actions.status().message()));
  pdp::AdminServiceImpl admin(
      &state, &authenticator, flags->limits, *known_actions,
      {.max_waits = flags->max_admin_waits, .max_watches = flags->max_watches});
  state.set_max_parked_calls(static_cast<size_t>(flags->max_waiting_calls));

  // Our own health service (server/health_service.h says why not gRPC's).
  grpc::EnableDefaultHealthCheckService(false);
  pdp::HealthService health(flags->max_watches);
  // Our own reflection, v1 and v1alpha (server/reflection/ says why).
  pdp::ReflectionServices reflection(
      {pdp::v1::AuthorizationService::service_full_name(),
       pdp::v1::AdminService::service_full_name(), grpc::health::v1::Health::service_full_name()},
      {.max_streams = flags->max_watches});
  grpc::ServerBuilder builder;
  std::shared_ptr<grpc::ServerCredentials> creds =
      ServerCredentials(*flags, authenticator, metrics.get());
  int port = 0;
  // No SO_REUSEPORT (gRPC sets it by default): a second server on this
  // port would silently take a share of the calls; it must fail to bind.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(listen, creds, &port);
  builder.SetMaxReceiveMessageSize(flags->max_request_bytes);
  // A backstop for the synchronous pool (AdminService, Health), whose calls
  // each hold a thread: past it gRPC refuses calls, never starts threads.
  grpc::ResourceQuota thread_quota("billing-pdp-threads");
  builder.SetResourceQuota(thread_quota.SetMaxThreads(flags->MaxThreads()));
  std::unique_ptr<pdp::DecisionLog> decision_log;
  if (!flags->decision_log.empty()) {
    auto opened_log = pdp::DecisionLog::Open(
        {.path = flags->decision_log, .sample_rate = flags->decision_log_sample});
    if (!opened_log.ok()) Die(std::string(opened_log.status().message()));
    decision_log = *std::move(opened_log);
  }
  pdp::AuthorizationServiceImpl authorization(
      &state, builder,
      {.queues = flags->queues,
       .limits = flags->limits,
       .auth = &authenticator,
       .decision_log = decision_log.get(),
       .question_threads = flags->question_threads,
       .question_queue = static_cast<size_t>(flags->question_queue),
       .metrics = metrics.get()});
  builder.RegisterService(&authorization);
  builder.RegisterService(&admin);
  builder.RegisterService(&health);
  std::unique_ptr<pdp::MetricsServer> metrics_server;
  if (metrics != nullptr) {
    // AuthorizationService counts its own calls; the interceptor the rest.
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> counting;
    counting.push_back(std::make_unique<pdp::RpcMetricsInterceptorFactory>(
        metrics.get(), absl::StrCat("/", pdp::v1::AuthorizationService::service_full_name(), "/")));
    builder.experimental().SetInterceptorCreators(std::move(counting));
    auto started = pdp::MetricsServer::Start(
        metrics_bind, {.metrics = metrics.get(), .state = &state, .open_watches = [&admin] {
                         return admin.open_watches();
                       }});
    if (!started.ok()) Die(std::string(started.status().message()));
    metrics_server = *std::move(started);
    const std::string metrics_host = metrics_bind.substr(0, metrics_bind.rfind(':'));
    std::fprintf(stderr, "billing-pdp-server: metrics on http://%s:%d/metrics\n",
                 metrics_host.c_str(), metrics_server->port());
  }
  reflection.RegisterWith(&builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    Die(absl::StrCat("cannot listen on ", listen,
                     ": the address is in use (another server on this port?) or not available"));
  }
  authorization.Start();
  // A name is known to the health service once it has a status (NOT_FOUND
  // before): name both services, so a check of either answers from the
  // start, not only after AdminService's first outage.
  health.SetServing("", true);
  health.SetServing(pdp::v1::AuthorizationService::service_full_name(), true);
  health.SetServing(pdp::v1::AdminService::service_full_name(), true);
  // Replicas of a shared store follow the other writers' commits.
  std::unique_ptr<pdp::ChangeFollower> follower;
  if (store->IsShared()) {
    follower = std::make_unique<pdp::ChangeFollower>(&state, store.get());
    follower->Start();
  }
  pdp::CheckpointOptions checkpoint_options;
  checkpoint_options.every_revisions = flags->checkpoint_every;
  checkpoint_options.min_interval = absl::Seconds(flags->checkpoint_min_interval_seconds);
  checkpoint_options.keep = flags->checkpoints_kept;
  checkpoint_options.compact = flags->compact_log == "true";
  pdp::Checkpointer checkpointer(&state, store.get(), checkpoint_options);
  checkpointer.Start();

  // Said before the "listening on" line, which scripts and tests wait for.
  if (!authenticator.enabled()) {
    std::fprintf(stderr,
                 "billing-pdp-server: WARNING: no callers configured (--callers-file, "
                 "--admin-token-file): every caller is an admin. For development on this machine "
                 "only.\n");
  } else if (require_auth) {
    std::fprintf(stderr,
                 "billing-pdp-server: every method but health and reflection needs a "
                 "known caller (--require-auth)\n");
  }
  std::string host = listen.substr(0, listen.rfind(':'));
  std::fprintf(stderr,
               "billing-pdp-server listening on %s:%d (revision %lld, %zu pages, store %s%s%s, "
               "version %s)\n",
               host.c_str(), port, static_cast<long long>(state.Current()->revision()),
               (*catalog)->pages().size(), pdp::StoreSpecForLog(flags->store).c_str(),
               tls_cert.empty()               ? ""
               : flags->tls_client_ca.empty() ? ", TLS"
                                              : ", TLS with client certificates",
               authenticator.enabled() ? absl::StrCat(", ", caller_count, " callers").c_str() : "",
               pdp::VersionString().c_str());
  std::fflush(stderr);

  // Health: reads are served from the last snapshot whatever happens to
  // the store, so "" and AuthorizationService stay SERVING; AdminService
  // (writes) is NOT_SERVING while a shared store is out of reach, or once
  // the store cannot make writes durable (a SQLite file deleted or replaced
  // under the server), each change said in the log.
  bool admin_serving = true;
  while (true) {
    timespec tick;
    clock_gettime(CLOCK_REALTIME, &tick);
    tick.tv_sec += 1;
    if (sem_timedwait(&g_stop, &tick) == 0) break;
    const absl::Status store_health = store->Health();
    const bool reachable = state.Staleness() == absl::ZeroDuration();
    const bool serving = reachable && store_health.ok();
    if (serving != admin_serving) {
      admin_serving = serving;
      health.SetServing(pdp::v1::AdminService::service_full_name(), serving);
      const std::string what =
          serving ? "SERVING again"
                  : absl::StrCat("NOT_SERVING: ", store_health.ok() ? "the store is out of reach"
                                                                    : store_health.message());
      std::fprintf(stderr, "billing-pdp-server: AdminService %s\n", what.c_str());
      std::fflush(stderr);
    }
  }
  std::fprintf(stderr, "billing-pdp-server: signal %d, shutting down\n", g_signal.load());
  health.Shutdown();
  metrics_server.reset();
  reflection.Shutdown();
  // Readers waiting for a revision (min_revision, Watch) give up now rather
  // than hold the shutdown for their deadlines.
  state.StopWaiting();
  // In-flight calls get a moment to finish; then gRPC cancels them (an idle
  // client connection would otherwise hold the shutdown for the whole
  // deadline).
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(1500));
  authorization.Stop();
  if (follower) follower->Stop();
  checkpointer.Stop();
  if (decision_log != nullptr) {
    decision_log->Stop();
    if (decision_log->dropped() > 0) {
      std::fprintf(stderr,
                   "billing-pdp-server: the decision log dropped %llu entries (its writer fell "
                   "behind)\n",
                   static_cast<unsigned long long>(decision_log->dropped()));
    }
  }
  return 0;
}
