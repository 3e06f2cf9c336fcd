// pdp.v1.AuthorizationService. The hot methods (Authorize, BatchAuthorize)
// are served from completion queues, each drained by its own thread that
// decides inline, the cheapest way a unary call can be served in gRPC C++
// (the same shape as the no-op ceiling server). The rest (Explain,
// ListAccessiblePages, ListPages, WhoCan, WhatIf) run on gRPC's synchronous
// thread pool: the questions about many principals are too heavy to hold up
// a completion queue.
#ifndef PDP_SERVER_AUTHORIZATION_SERVICE_H_
#define PDP_SERVER_AUTHORIZATION_SERVICE_H_

#include <memory>
#include <thread>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "pdp/v1/authorization.grpc.pb.h"
#include "server/admin_auth.h"
#include "server/world_state.h"

namespace pdp {

// The synchronous methods.
class AuthorizationSyncMethods : public pdp::v1::AuthorizationService::Service {
 public:
  grpc::Status Explain(grpc::ServerContext*, const pdp::v1::AuthorizeRequest*,
                       pdp::v1::ExplainResponse*) override;
  grpc::Status ListAccessiblePages(grpc::ServerContext*, const pdp::v1::ListAccessiblePagesRequest*,
                                   pdp::v1::ListAccessiblePagesResponse*) override;
  grpc::Status ListPages(grpc::ServerContext*, const pdp::v1::ListPagesRequest*,
                         pdp::v1::ListPagesResponse*) override;
  grpc::Status WhoCan(grpc::ServerContext*, const pdp::v1::WhoCanRequest*,
                      pdp::v1::WhoCanResponse*) override;
  grpc::Status WhatIf(grpc::ServerContext*, const pdp::v1::WhatIfRequest*,
                      pdp::v1::WhatIfResponse*) override;

 protected:
  // Set by AuthorizationServiceImpl (gRPC's method wrappers need a default
  // constructor).
  const WorldState* state_ = nullptr;
  // The server's quotas, for the snapshots WhatIf proposes.
  WorldLimits limits_;
  // WhatIf takes the admin token when one is configured: its change results
  // and errors reveal what the control plane's token-protected reads would
  // (which objects exist, their etags).
  const AdminAuth* what_if_auth_ = nullptr;
};

using AuthorizationServiceBase = pdp::v1::AuthorizationService::WithAsyncMethod_Authorize<
    pdp::v1::AuthorizationService::WithAsyncMethod_BatchAuthorize<AuthorizationSyncMethods>>;

// Register with a ServerBuilder, then call Start() after BuildAndStart() and
// Stop() after Server::Shutdown(). A queued call whose min_revision the
// server has not reached is parked (WorldState::WhenRevision), never blocking
// its queue's thread; WorldState::StopWaiting() before Server::Shutdown()
// answers the parked ones, so that none is left when the queues close.
class AuthorizationServiceImpl final : public AuthorizationServiceBase {
 public:
  // `queues` completion queues, one thread each. `limits`: the quotas the
  // server's writes use (WhatIf applies its changes with them).
  // `what_if_auth`, when given, guards WhatIf like the admin service.
  AuthorizationServiceImpl(const WorldState* state, grpc::ServerBuilder& builder, int queues,
                           WorldLimits limits = {}, const AdminAuth* what_if_auth = nullptr);
  ~AuthorizationServiceImpl() override;

  void Start();
  void Stop();  // shuts the queues down and joins their threads

 private:
  void Drain(grpc::ServerCompletionQueue* cq);

  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::vector<std::thread> threads_;
};

}  // namespace pdp

#endif  // PDP_SERVER_AUTHORIZATION_SERVICE_H_
