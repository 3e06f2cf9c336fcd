#include "server/authorization_service.h"

#include "absl/time/time.h"
#include "server/authorization_handlers.h"
#include "server/call_context.h"
#include "server/grpc_errors.h"
#include "server/question_handlers.h"

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

// The revision a response reflects (its "pdp-revision" trailer).
int64_t ResponseRevision(const pdp::v1::AuthorizeResponse& r) { return r.decision().revision(); }
int64_t ResponseRevision(const pdp::v1::BatchAuthorizeResponse& r) { return r.revision(); }

template <typename Request, typename Response>
class UnaryCall final : public CallBase {
 public:
  using RequestFn = void (AuthorizationServiceBase::*)(grpc::ServerContext*, Request*,
                                                       grpc::ServerAsyncResponseWriter<Response>*,
                                                       grpc::CompletionQueue*,
                                                       grpc::ServerCompletionQueue*, void*);
  using HandleFn = absl::Status (*)(const WorldState&, const Request&, absl::Time, Response*);

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
    const int64_t min_revision = MinRevision(request_);
    if (min_revision > state_->revision()) {
      // Not there yet. Blocking would stall every call on this queue, so the
      // call is parked and answered from the waiting thread (Finish may be
      // called from any thread; the completion comes back to this queue).
      state_->WhenRevision(min_revision, WaitDeadline(ctx_),
                           [this](absl::Status reached) { Answer(std::move(reached)); });
    } else {
      Answer(absl::OkStatus());
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

  // Answers once min_revision is reached (`reached` OK), or with the
  // reason it was not.
  void Answer(absl::Status reached) {
    // Already reached: the handler does not wait, whatever the deadline.
    absl::Status status =
        reached.ok() ? handle_(*state_, request_, absl::InfinitePast(), &response_) : reached;
    finishing_ = true;
    if (status.ok()) {
      SetRevisionTrailer(ctx_, ResponseRevision(response_), state_->Staleness());
      responder_.Finish(response_, grpc::Status::OK, this);
    } else {
      responder_.FinishWithError(ToGrpcStatus(status), this);
    }
  }
};

using AuthorizeCall = UnaryCall<pdp::v1::AuthorizeRequest, pdp::v1::AuthorizeResponse>;
using BatchCall = UnaryCall<pdp::v1::BatchAuthorizeRequest, pdp::v1::BatchAuthorizeResponse>;

}  // namespace

grpc::Status AuthorizationSyncMethods::Explain(grpc::ServerContext* ctx,
                                               const pdp::v1::AuthorizeRequest* request,
                                               pdp::v1::ExplainResponse* response) {
  absl::Status s = HandleExplain(*state_, *request, WaitDeadline(*ctx), response);
  if (s.ok()) SetRevisionTrailer(*ctx, response->decision().revision(), state_->Staleness());
  return ToGrpcStatus(s);
}

grpc::Status AuthorizationSyncMethods::ListAccessiblePages(
    grpc::ServerContext* ctx, const pdp::v1::ListAccessiblePagesRequest* request,
    pdp::v1::ListAccessiblePagesResponse* response) {
  absl::Status s = HandleListAccessiblePages(*state_, *request, WaitDeadline(*ctx), response);
  if (s.ok()) SetRevisionTrailer(*ctx, response->revision(), state_->Staleness());
  return ToGrpcStatus(s);
}

grpc::Status AuthorizationSyncMethods::ListPages(grpc::ServerContext* ctx,
                                                 const pdp::v1::ListPagesRequest*,
                                                 pdp::v1::ListPagesResponse* response) {
  // The catalogue is fixed at start-up; the trailer still says how far the
  // state was, as every response's does.
  SetRevisionTrailer(*ctx, state_->revision(), state_->Staleness());
  return ToGrpcStatus(HandleListPages(*state_, response));
}

grpc::Status AuthorizationSyncMethods::WhoCan(grpc::ServerContext* context,
                                              const pdp::v1::WhoCanRequest* request,
                                              pdp::v1::WhoCanResponse* response) {
  absl::Status s = HandleWhoCan(*state_, *request, WaitDeadline(*context), response);
  if (s.ok()) SetRevisionTrailer(*context, response->revision(), state_->Staleness());
  return ToGrpcStatus(s);
}

grpc::Status AuthorizationSyncMethods::WhatIf(grpc::ServerContext* context,
                                              const pdp::v1::WhatIfRequest* request,
                                              pdp::v1::WhatIfResponse* response) {
  if (what_if_auth_ != nullptr) {
    absl::Status auth = what_if_auth_->Check(*context);
    if (!auth.ok()) return ToGrpcStatus(auth);
  }
  absl::Status s = HandleWhatIf(*state_, limits_, *request, WaitDeadline(*context), response);
  if (s.ok()) SetRevisionTrailer(*context, response->base_revision(), state_->Staleness());
  return ToGrpcStatus(s);
}

AuthorizationServiceImpl::AuthorizationServiceImpl(const WorldState* state,
                                                   grpc::ServerBuilder& builder, int queues,
                                                   WorldLimits limits,
                                                   const AdminAuth* what_if_auth) {
  state_ = state;
  limits_ = limits;
  what_if_auth_ = what_if_auth;
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
