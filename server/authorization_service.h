// pdp.v1.AuthorizationService: the read-only hot path. Every call takes the
// current snapshot once and answers from it alone; handlers run inline on
// gRPC's callback threads and never block.
#ifndef PDP_SERVER_AUTHORIZATION_SERVICE_H_
#define PDP_SERVER_AUTHORIZATION_SERVICE_H_

#include "pdp/v1/authorization.grpc.pb.h"
#include "server/world_state.h"

namespace pdp {

// Most requests in one BatchAuthorize call.
inline constexpr int kMaxBatchRequests = 1000;

class AuthorizationServiceImpl final : public pdp::v1::AuthorizationService::CallbackService {
 public:
  explicit AuthorizationServiceImpl(const WorldState* state) : state_(state) {}

  grpc::ServerUnaryReactor* Authorize(grpc::CallbackServerContext* ctx,
                                      const pdp::v1::AuthorizeRequest* request,
                                      pdp::v1::AuthorizeResponse* response) override;
  grpc::ServerUnaryReactor* BatchAuthorize(grpc::CallbackServerContext* ctx,
                                           const pdp::v1::BatchAuthorizeRequest* request,
                                           pdp::v1::BatchAuthorizeResponse* response) override;
  grpc::ServerUnaryReactor* Explain(grpc::CallbackServerContext* ctx,
                                    const pdp::v1::AuthorizeRequest* request,
                                    pdp::v1::ExplainResponse* response) override;
  grpc::ServerUnaryReactor* ListAccessiblePages(
      grpc::CallbackServerContext* ctx, const pdp::v1::ListAccessiblePagesRequest* request,
      pdp::v1::ListAccessiblePagesResponse* response) override;
  grpc::ServerUnaryReactor* ListPages(grpc::CallbackServerContext* ctx,
                                      const pdp::v1::ListPagesRequest* request,
                                      pdp::v1::ListPagesResponse* response) override;

 private:
  const WorldState* state_;
};

}  // namespace pdp

#endif  // PDP_SERVER_AUTHORIZATION_SERVICE_H_
