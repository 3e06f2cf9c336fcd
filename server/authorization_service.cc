#include "server/authorization_service.h"

#include "server/authorization_handlers.h"
#include "server/grpc_errors.h"

namespace pdp {
namespace {

// Calls waiting to be accepted per queue and method: enough that a burst of
// clients never waits for the queue thread to post the next one.
constexpr int kPendingCallsPerMethod = 64;

// A call in flight on a completion queue: accepted, answered, finished.
class CallBase {
 public:
  virtual ~CallBase() = default;
  // Advances on a completion; false when the call is over (delete it).
  virtual bool Proceed(bool ok) = 0;
};

template <typename Request, typename Response>
class UnaryCall final : public CallBase {
 public:
  using RequestFn = void (AuthorizationServiceBase::*)(grpc::ServerContext*, Request*,
                                                       grpc::ServerAsyncResponseWriter<Response>*,
                                                       grpc::CompletionQueue*,
                                                       grpc::ServerCompletionQueue*, void*);
  using HandleFn = absl::Status (*)(const WorldState&, const Request&, Response*);

  UnaryCall(AuthorizationServiceBase* service, RequestFn request_fn, HandleFn handle,
            const WorldState* state, grpc::ServerCompletionQueue* cq)
      : service_(service),
        request_fn_(request_fn),
        handle_(handle),
        state_(state),
        cq_(cq),
        responder_(&ctx_) {
    (service_->*request_fn_)(&ctx_, &request_, &responder_, cq_, cq_, this);
  }

  bool Proceed(bool ok) override {
    if (finishing_ || !ok) return false;  // finished, or the server is shutting down
    new UnaryCall(service_, request_fn_, handle_, state_, cq_);  // accept the next one
    absl::Status status = handle_(*state_, request_, &response_);
    finishing_ = true;
    if (status.ok()) {
      responder_.Finish(response_, grpc::Status::OK, this);
    } else {
      responder_.FinishWithError(ToGrpcStatus(status), this);
    }
    return true;
  }

 private:
  AuthorizationServiceBase* service_;
  RequestFn request_fn_;
  HandleFn handle_;
  const WorldState* state_;
  grpc::ServerCompletionQueue* cq_;
  grpc::ServerContext ctx_;
  Request request_;
  Response response_;
  grpc::ServerAsyncResponseWriter<Response> responder_;
  bool finishing_ = false;
};

using AuthorizeCall = UnaryCall<pdp::v1::AuthorizeRequest, pdp::v1::AuthorizeResponse>;
using BatchCall = UnaryCall<pdp::v1::BatchAuthorizeRequest, pdp::v1::BatchAuthorizeResponse>;

}  // namespace

grpc::Status AuthorizationSyncMethods::Explain(grpc::ServerContext*,
                                               const pdp::v1::AuthorizeRequest* request,
                                               pdp::v1::ExplainResponse* response) {
  return ToGrpcStatus(HandleExplain(*state_, *request, response));
}

grpc::Status AuthorizationSyncMethods::ListAccessiblePages(
    grpc::ServerContext*, const pdp::v1::ListAccessiblePagesRequest* request,
    pdp::v1::ListAccessiblePagesResponse* response) {
  return ToGrpcStatus(HandleListAccessiblePages(*state_, *request, response));
}

grpc::Status AuthorizationSyncMethods::ListPages(grpc::ServerContext*,
                                                 const pdp::v1::ListPagesRequest*,
                                                 pdp::v1::ListPagesResponse* response) {
  return ToGrpcStatus(HandleListPages(*state_, response));
}

AuthorizationServiceImpl::AuthorizationServiceImpl(const WorldState* state,
                                                   grpc::ServerBuilder& builder, int queues) {
  state_ = state;
  for (int i = 0; i < queues; ++i) queues_.push_back(builder.AddCompletionQueue());
}

AuthorizationServiceImpl::~AuthorizationServiceImpl() { Stop(); }

void AuthorizationServiceImpl::Start() {
  for (auto& cq : queues_) {
    for (int i = 0; i < kPendingCallsPerMethod; ++i) {
      new AuthorizeCall(this, &AuthorizationServiceBase::RequestAuthorize, &HandleAuthorize, state_,
                        cq.get());
      new BatchCall(this, &AuthorizationServiceBase::RequestBatchAuthorize, &HandleBatchAuthorize,
                    state_, cq.get());
    }
    threads_.emplace_back([this, q = cq.get()] { Drain(q); });
  }
}

void AuthorizationServiceImpl::Drain(grpc::ServerCompletionQueue* cq) {
  void* tag;
  bool ok;
  while (cq->Next(&tag, &ok)) {
    auto* call = static_cast<CallBase*>(tag);
    if (!call->Proceed(ok)) delete call;
  }
}

void AuthorizationServiceImpl::Stop() {
  if (threads_.empty()) return;
  for (auto& cq : queues_) cq->Shutdown();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace pdp
