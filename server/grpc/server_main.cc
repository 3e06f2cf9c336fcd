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
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "base/version.h"
#include "engine/model/page_catalog.h"
#include "engine/model/snapshot.h"
#include "engine/policy/known_actions.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "server/app/batch_origin.h"
#include "server/app/caller_registry.h"
#include "server/app/change_follower.h"
#include "server/app/checkpointer.h"
#include "server/app/data_dir.h"
#include "server/app/decision_log.h"
#include "server/app/world_state.h"
#include "server/grpc/admin_service.h"
#include "server/grpc/authenticator.h"
#include "server/grpc/authorization_service.h"
#include "server/grpc/caller_auth_processor.h"
#include "server/grpc/health_service.h"
#include "server/grpc/listen_address.h"
#include "server/grpc/reflection/reflection_service.h"
#include "server/grpc/server_flags.h"
#include "server/log/grpc_log.h"
#include "server/log/logger.h"
#include "server/log/refused_calls.h"
#include "server/metrics/metered_store.h"
#include "server/metrics/metrics_listen.h"
#include "server/metrics/metrics_server.h"
#include "server/metrics/rpc_interceptor.h"
#include "server/store/open_store.h"
#include "world/world_file.h"

#ifndef PDP_DEFAULT_DATA_DIR
#define PDP_DEFAULT_DATA_DIR "data"
#endif
#ifndef PDP_INSTALLED_DATA_DIR
#define PDP_INSTALLED_DATA_DIR "../share/billing_pdp"
#endif

namespace {

// A start-up failure: one "fatal" line, exit status 2.
[[noreturn]] void Die(const std::string& message) {
  pdp::log::Error("fatal", message);
  std::exit(2);
}

// A command-line mistake, said before the log is configured: plain text,
// as any command-line tool says it.
[[noreturn]] void UsageError(absl::string_view message) {
  std::fprintf(stderr, "billing-pdp-server: %s\n", std::string(message).c_str());
  std::exit(2);
}

const char* SignalName(int sig) {
  switch (sig) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default:
      return "signal";
  }
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
  namespace log = pdp::log;
  for (const std::string& skipped : r.skipped_checkpoints) {
    log::Warning("checkpoint_skipped",
                 absl::StrCat("checkpoint at ", skipped, " is unusable; skipped"));
  }
  log::Info(
      "recovered",
      absl::StrFormat("state recovered in %.3f s: checkpoint at revision %d, %d batches "
                      "replayed after it, %d migrated from the legacy format",
                      absl::ToDoubleSeconds(took), r.checkpoint_revision, r.replayed_batches,
                      r.migrated_batches),
      {log::Field("duration_ms", absl::ToInt64Milliseconds(took)),
       log::Field("checkpoint_revision", r.checkpoint_revision),
       log::Field("replayed", r.replayed_batches), log::Field("migrated", r.migrated_batches)});
  if (r.failed_closed_policies > 0) {
    log::Warning(
        "policies_failed_closed",
        absl::StrCat(r.failed_closed_policies,
                     " stored policy documents no longer compile and now deny "
                     "everything to the principals they reach (last: ",
                     r.last_failed_policy, ")"),
        {log::Field("count", r.failed_closed_policies), log::Field("last", r.last_failed_policy)});
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
  if (!flags.ok()) UsageError(flags.status().message());
  // Checked by ParseServerFlags.
  pdp::log::ServerLog().Configure(*pdp::log::ParseFormat(flags->log_format),
                                  *pdp::log::ParseLevel(flags->log_level));
  pdp::RouteGrpcLogToServerLog();
  const absl::Time started = absl::Now();
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
    pdp::log::Warning("store_created",
                      absl::StrCat("store ", pdp::StoreSpecForLog(flags->store),
                                   " did not exist; created a new, empty store"),
                      {pdp::log::Field("store", pdp::StoreSpecForLog(flags->store))});
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
    pdp::log::Info("world_skipped",
                   absl::StrCat("the store holds revision ", state.Current()->revision(),
                                "; --world ", flags->world, " not applied"),
                   {pdp::log::Field("world", flags->world)});
  } else if (!flags->world.empty()) {
    pdp::log::Info("world_loading",
                   absl::StrCat("the store is empty; loading --world ", flags->world, " into it"),
                   {pdp::log::Field("world", flags->world)});
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

  // Our own health service (server/grpc/health_service.h says why not gRPC's).
  grpc::EnableDefaultHealthCheckService(false);
  pdp::HealthService health(flags->max_watches);
  // Our own reflection, v1 and v1alpha (server/grpc/reflection/ says why).
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
  // Refused calls of AdminService, health and reflection are logged here;
  // AuthorizationService's, by its own calls (no interceptor on its path).
  // With metrics on, the same services' calls are counted by another.
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(pdp::RefusedCallLoggingInterceptor());
  if (metrics != nullptr) {
    interceptors.push_back(std::make_unique<pdp::RpcMetricsInterceptorFactory>(
        metrics.get(), absl::StrCat("/", pdp::v1::AuthorizationService::service_full_name(), "/")));
  }
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
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
       .metrics = metrics.get(),
       .max_matrix_streams = flags->max_matrix_streams});
  builder.RegisterService(&authorization);
  builder.RegisterService(&admin);
  builder.RegisterService(&health);
  std::unique_ptr<pdp::MetricsServer> metrics_server;
  if (metrics != nullptr) {
    // AuthorizationService counts its own calls; the interceptor (above)
    // the rest.
    auto started = pdp::MetricsServer::Start(
        metrics_bind, {.metrics = metrics.get(), .state = &state, .open_watches = [&admin] {
                         return admin.open_watches();
                       }});
    if (!started.ok()) Die(std::string(started.status().message()));
    metrics_server = *std::move(started);
    const std::string metrics_host = metrics_bind.substr(0, metrics_bind.rfind(':'));
    const std::string address = absl::StrCat(metrics_host, ":", metrics_server->port());
    pdp::log::Info("metrics_listening", absl::StrCat("metrics on http://", address, "/metrics"),
                   {pdp::log::Field("address", address)});
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
    pdp::log::Warning("no_callers",
                      "no callers configured (--callers-file, --admin-token-file): every caller "
                      "is an admin. For development on this machine only.");
  } else if (require_auth) {
    pdp::log::Info("require_auth",
                   "every method but health and reflection needs a known caller "
                   "(--require-auth)");
  }
  // The start-up line: its message keeps the form scripts and tests match
  // ("listening on HOST:PORT"), in either log format. Never a token, a key
  // or a file's contents: only what is configured, and how many callers.
  const std::string address = absl::StrCat(listen.substr(0, listen.rfind(':')), ":", port);
  const std::string store_spec = pdp::StoreSpecForLog(flags->store);
  const char* tls = tls_cert.empty() ? "off" : flags->tls_client_ca.empty() ? "on" : "mutual";
  const char* auth_mode = !authenticator.enabled() ? "none" : require_auth ? "required" : "callers";
  pdp::log::ServerLog().LogAlways(
      pdp::log::Level::kInfo, "listening",
      absl::StrCat("billing-pdp-server listening on ", address, " (revision ",
                   state.Current()->revision(), ", ", (*catalog)->pages().size(), " pages, store ",
                   store_spec,
                   tls_cert.empty()               ? ""
                   : flags->tls_client_ca.empty() ? ", TLS"
                                                  : ", TLS with client certificates",
                   authenticator.enabled() ? absl::StrCat(", ", caller_count, " callers") : "",
                   ", version ", pdp::VersionString(), ")"),
      {pdp::log::Field("address", address), pdp::log::Field("version", pdp::VersionString()),
       pdp::log::Field("revision", state.Current()->revision()),
       pdp::log::Field("pages", (*catalog)->pages().size()), pdp::log::Field("store", store_spec),
       pdp::log::Field("tls", tls), pdp::log::Field("auth", auth_mode),
       pdp::log::Field("callers", caller_count)});

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
    pdp::log::ServerLog().Flush();  // lines a flood left out, said once a second
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
      pdp::log::ServerLog().Log(serving ? pdp::log::Level::kInfo : pdp::log::Level::kError,
                                "admin_health", absl::StrCat("AdminService ", what),
                                {pdp::log::Field("serving", serving)});
    }
  }
  const char* reason = SignalName(g_signal.load());
  const absl::Time stopping = absl::Now();
  pdp::log::Info("stopping", absl::StrCat(reason, ": shutting down"),
                 {pdp::log::Field("reason", reason)});
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
      pdp::log::Warning("decision_log_dropped",
                        absl::StrCat("the decision log dropped ", decision_log->dropped(),
                                     " entries (its writer fell behind)"),
                        {pdp::log::Field("count", decision_log->dropped())});
    }
  }
  pdp::log::ServerLog().Flush();
  const absl::Time stopped = absl::Now();
  pdp::log::ServerLog().LogAlways(
      pdp::log::Level::kInfo, "shutdown",
      absl::StrCat("stopped (", reason, ") in ", absl::ToInt64Milliseconds(stopped - stopping),
                   " ms"),
      {pdp::log::Field("reason", reason),
       pdp::log::Field("duration_ms", absl::ToInt64Milliseconds(stopped - stopping)),
       pdp::log::Field("uptime_s", absl::ToInt64Seconds(stopped - started))});
  return 0;
}
