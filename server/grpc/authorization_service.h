// pdp.v1.AuthorizationService, every method served from completion queues,
// each drained by its own thread: the cheapest way a unary call can be
// served in gRPC C++ (the same shape as the no-op ceiling server), and the
// only one in which a call can wait without holding a thread.
//
// A call whose min_revision the server has not reached is parked
// (WorldState::WhenRevision), holding no thread; at most
// WorldState::max_parked_calls() at once (beyond: RESOURCE_EXHAUSTED,
// reason TOO_MANY_WAITING_CALLS). A parked call whose client cancels, or
// whose deadline passes, is freed at once (the server context's done
// notice).
//
// Authorize, BatchAuthorize, Explain, ListAccessiblePages and ListPages are
// answered on the queue's thread (or on the revision gate's thread when
// they were parked): each is a handful of decisions. WhoCan and WhatIf
// decide for many principals and run on a QuestionExecutor instead, at a
// lower CPU priority, behind a bounded queue (beyond: RESOURCE_EXHAUSTED,
// reason TOO_MANY_QUESTIONS), so they never hold up a queue serving
// Authorize.
//
// AccessMatrix is the one streamed method, and the one served by gRPC's
// synchronous pool rather than the completion queues: a stream that runs
// for seconds and waits for its client's flow control fits a thread of its
// own, not a queue thread or a question thread. The pool's thread hands the
// work to a thread started for the call at the question threads' lower CPU
// priority, and waits for it. At most AuthorizationOptions::
// max_matrix_streams run at once (--max-matrix-streams; beyond:
// RESOURCE_EXHAUSTED, reason TOO_MANY_MATRIX_STREAMS), each holding two
// threads; a stream whose client cancels or whose deadline passes stops
// before its next principal, and frees its place.
//
// Who may call which method is decided before a call reaches
// this service (CallerAuthProcessor); Authorize, BatchAuthorize,
// ListAccessiblePages and AccessMatrix also refuse a simulated aws:CurrentTime or
// aws:EpochTime from a caller not allowed to simulate (PERMISSION_DENIED,
// reason TIME_SIMULATION_NOT_ALLOWED) before they wait.
#ifndef PDP_SERVER_GRPC_AUTHORIZATION_SERVICE_H_
#define PDP_SERVER_GRPC_AUTHORIZATION_SERVICE_H_

#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "pdp/v1/authorization.grpc.pb.h"
#include "server/app/concurrency_limit.h"
#include "server/app/decision_log.h"
#include "server/app/question_executor.h"
#include "server/app/world_state.h"
#include "server/grpc/authenticator.h"
#include "server/metrics/server_metrics.h"

namespace pdp {

struct AuthorizationOptions {
  int queues = 1;  // completion queues, one thread each
  // The quotas the server's writes use (WhatIf applies its changes with them).
  WorldLimits limits;
  // Who the caller is, for simulated time; null or not enabled: everyone
  // may simulate (development).
  const Authenticator* auth = nullptr;
  // When given, Authorize and BatchAuthorize decisions are logged to it
  // (sampled); must outlive the service.
  DecisionLog* decision_log = nullptr;
  int question_threads = 1;    // QuestionExecutor threads for WhoCan and WhatIf
  size_t question_queue = 64;  // questions waiting for one of them
  // When given, every call is counted and timed, and Authorize's and
  // BatchAuthorize's decisions counted, in it; must outlive the service.
  ServerMetrics* metrics = nullptr;
  int max_matrix_streams = 4;  // AccessMatrix calls at once
};

// Every method served from completion queues but AccessMatrix, which is
// synchronous (see above).
using AuthorizationServiceBase = pdp::v1::AuthorizationService::WithAsyncMethod_Authorize<
    pdp::v1::AuthorizationService::WithAsyncMethod_BatchAuthorize<
        pdp::v1::AuthorizationService::WithAsyncMethod_Explain<
            pdp::v1::AuthorizationService::WithAsyncMethod_ListAccessiblePages<
                pdp::v1::AuthorizationService::WithAsyncMethod_ListPages<
                    pdp::v1::AuthorizationService::WithAsyncMethod_WhoCan<
                        pdp::v1::AuthorizationService::WithAsyncMethod_WhatIf<
                            pdp::v1::AuthorizationService::Service>>>>>>>;

// Register with a ServerBuilder, then call Start() after BuildAndStart().
// Shutdown order: WorldState::StopWaiting() (answers the parked calls),
// Server::Shutdown(), then Stop() (answers the questions still queued,
// then shuts the queues down and joins their threads).
class AuthorizationServiceImpl final : public AuthorizationServiceBase {
 public:
  AuthorizationServiceImpl(const WorldState* state, grpc::ServerBuilder& builder,
                           AuthorizationOptions options = {});
  ~AuthorizationServiceImpl() override;

  void Start();
  void Stop();

  // The synchronous, streamed method (see above). Thread-safe.
  grpc::Status AccessMatrix(grpc::ServerContext* ctx, const pdp::v1::AccessMatrixRequest* request,
                            grpc::ServerWriter<pdp::v1::AccessMatrixResponse>* writer) override;
  // AccessMatrix streams open now.
  int open_matrix_streams() const { return matrix_streams_.in_use(); }

  // What the calls need; outlives them (defined in the .cc).
  struct Services;

 private:
  void Drain(grpc::ServerCompletionQueue* cq);

  std::unique_ptr<Services> services_;
  ConcurrencyLimit matrix_streams_;
  int matrix_metric_id_ = 0;
  std::unique_ptr<QuestionExecutor> executor_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::vector<std::thread> threads_;
};

}  // namespace pdp

#endif  // PDP_SERVER_GRPC_AUTHORIZATION_SERVICE_H_
