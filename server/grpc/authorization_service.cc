#include "server/grpc/authorization_service.h"

#include <chrono>
#include <memory>
#include <system_error>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/errors.h"
#include "server/app/access_matrix_handler.h"
#include "server/app/authorization_handlers.h"
#include "server/app/question_handlers.h"
#include "server/app/simulated_time.h"
#include "server/app/thread_priority.h"
#include "server/grpc/call_context.h"
#include "server/grpc/grpc_errors.h"
#include "server/grpc/message_pool.h"
#include "server/grpc/tsan_handoff.h"
#include "server/log/refused_calls.h"

namespace pdp {

struct AuthorizationServiceImpl::Services {
  AuthorizationServiceBase* service;
  const WorldState* state;
  AuthorizationOptions options;
  QuestionExecutor* executor;
};

namespace {

using Services = AuthorizationServiceImpl::Services;

// Calls waiting to be accepted per queue and method: enough that a burst of
// clients never waits for the queue thread to post the next one.
constexpr int kPendingHotCalls = 64;   // Authorize, BatchAuthorize
constexpr int kPendingOtherCalls = 8;  // the rest

// A call in flight on a completion queue. Two kinds of completions come
// back for it: its own (accepted, then finished) and the server context's
// done notice (the call is over: finished, cancelled by the client, or past
// its deadline).
class CallBase {
 public:
  struct Tag {
    CallBase* call;
    bool done_notice;
  };
  virtual ~CallBase() = default;
  // Handles a completion on the call's queue; false when the call is over
  // (delete it).
  virtual bool OnEvent(bool done_notice, bool ok) = 0;
};

// How one method is served.
template <typename Request, typename Response>
struct Method {
  using RequestFn = void (AuthorizationServiceBase::*)(grpc::ServerContext*, Request*,
                                                       grpc::ServerAsyncResponseWriter<Response>*,
                                                       grpc::CompletionQueue*,
                                                       grpc::ServerCompletionQueue*, void*);
  RequestFn request;
  // Checks before the call may wait (simulated time); null for none.
  absl::Status (*admit)(const Services&, const grpc::ServerContext&, const Request&);
  // The revision the call waits for, or the request's error.
  absl::StatusOr<int64_t> (*min_revision)(const Request&);
  // Answers once the revision is reached (the call has waited for it: the
  // handlers' "reached" entry points). `deadline`: a little before the
  // call's (see WaitDeadline).
  absl::Status (*handle)(const Services&, const Request&, absl::Time deadline, Response*);
  // The revision the response reflects (its "pdp-revision" trailer).
  int64_t (*revision)(const Services&, const Response&);
  bool heavy;        // answered on the QuestionExecutor
  const char* name;  // the method's name in the service (metrics, the log)
};

// One unary call, from being accepted to being deleted.
//
// Threads: OnEvent runs on the call's queue thread only. The answer (Resume,
// Answer, Finish) runs on the queue thread, the revision gate's thread, or
// the question executor's, exactly once per accepted call (the gate and the
// executor call back exactly once). After Finish the object may be deleted
// by the queue thread at any moment, so nothing touches it afterwards. It
// is deleted once both its finish completion and its done notice have come
// back (both always do for an accepted call; neither for one never
// accepted).
template <typename Request, typename Response>
class UnaryCall final : public CallBase {
 public:
  using MethodT = Method<Request, Response>;

  // `metric_id`: the method's ServerMetrics id (when metrics are on).
  UnaryCall(const Services* services, const MethodT* method, grpc::ServerCompletionQueue* cq,
            int metric_id)
      : services_(services), method_(method), cq_(cq), metric_id_(metric_id), responder_(&ctx_) {
    ctx_.AsyncNotifyWhenDone(&done_tag_);  // must precede the request
    (services_->service->*method_->request)(&ctx_, request_.message.get(), &responder_, cq_, cq_,
                                            &call_tag_);
  }

  // gRPC holds neither message once both completions are back (or the
  // call was never accepted): they can serve the next call.
  // A response is kept only if it was sent: its size was computed then
  // (GetCachedSize), and one filled for a call that failed is dropped.
  ~UnaryCall() override {
    const size_t request_bytes = request_.message->ByteSizeLong();
    MessagePool<Request>::Give(std::move(request_), request_bytes);
    if (response_sent_) {
      const size_t response_bytes = static_cast<size_t>(response_.message->GetCachedSize());
      MessagePool<Response>::Give(std::move(response_), response_bytes);
    }
  }

  bool OnEvent(bool done_notice, bool ok) override {
    if (done_notice) {
      done_seen_ = true;
      // Finished, cancelled or past its deadline. A call still parked is
      // taken off the gate now (its Resume runs here, with CANCELLED, and
      // finishes it), so it holds its place for no longer than this.
      if (!finish_seen_) services_->state->CancelWhenRevision(ticket_);
      return !finish_seen_;
    }
    if (!accepted_) {
      if (!ok) return false;  // shutting down: never accepted, no done notice comes
      accepted_ = true;
      if (services_->options.metrics != nullptr) start_ = std::chrono::steady_clock::now();
      new UnaryCall(services_, method_, cq_, metric_id_);  // accept the next one
      Start();
      return true;
    }
    finish_seen_ = true;
    return !done_seen_;
  }

 private:
  void Start() {
    if (method_->admit != nullptr) {
      absl::Status admitted = method_->admit(*services_, ctx_, *request_.message);
      if (!admitted.ok()) return Finish(std::move(admitted));
    }
    absl::StatusOr<int64_t> min_revision = method_->min_revision(*request_.message);
    if (!min_revision.ok()) return Finish(min_revision.status());
    deadline_ = WaitDeadline(ctx_);
    // Reached (the common case): answered now, here, by the deadline just
    // read. (A negative revision goes to WhenRevision, which refuses it.)
    if (*min_revision >= 0 && *min_revision <= services_->state->revision()) {
      return Resume(absl::OkStatus());
    }
    // Not yet: the call is parked, holding no thread, and resumed from the
    // gate's thread (Finish may be called from any thread; the completion
    // comes back to this queue). The ticket is written after Resume may
    // already have run: only this thread reads it, and a ticket that has run
    // is ignored by CancelWhenRevision. `waited_` is written before the
    // gate can hand the call to its thread (under the gate's lock).
    waited_ = true;
    ticket_ = services_->state->WhenRevision(*min_revision, deadline_,
                                             [this](absl::Status s) { Resume(std::move(s)); });
  }

  // The wait is over: `reached` is OK, or why not (not reached in time,
  // too many waiting, cancelled, shutting down).
  void Resume(absl::Status reached) {
    if (!reached.ok()) return Finish(std::move(reached));
    // A call that waited has its deadline's margin computed again, as of now.
    if (!method_->heavy) return Answer(waited_ ? WaitDeadline(ctx_) : deadline_);
    absl::Status queued = services_->executor->Submit([this](bool run) {
      if (!run) return Finish(absl::UnavailableError("the server is shutting down"));
      // Nobody is waiting for a question that was cancelled or has run out
      // of time while queued: do not compute it.
      if (ctx_.IsCancelled()) return Finish(absl::CancelledError("the client went away"));
      if (absl::Now() >= WaitDeadline(ctx_)) {
        return Finish(absl::DeadlineExceededError(
            "the call's deadline passed while it waited for a question thread"));
      }
      Answer(WaitDeadline(ctx_));
    });
    if (!queued.ok()) Finish(std::move(queued));
  }

  void Answer(absl::Time deadline) {
    Finish(method_->handle(*services_, *request_.message, deadline, response_.message.get()));
  }

  // Any thread (see Start). The queue thread reads what Finish hands to
  // gRPC only after gRPC's own, TSan-invisible, hand-off: WritesHandedToGrpc.
  void Finish(absl::Status status) {
    if (ServerMetrics* metrics = services_->options.metrics; metrics != nullptr) {
      // Before the call is handed back: after that it may be deleted.
      const auto took = std::chrono::steady_clock::now() - start_;
      metrics->RecordRpc(metric_id_, static_cast<int>(status.code()),
                         std::chrono::duration_cast<std::chrono::nanoseconds>(took).count());
    }
    if (status.ok()) {
      SetRevisionTrailer(ctx_, method_->revision(*services_, *response_.message),
                         services_->state->Staleness());
      response_sent_ = true;  // before the hand-off: the deleting thread reads it
      WritesHandedToGrpc handed;
      responder_.Finish(*response_.message, grpc::Status::OK, &call_tag_);
    } else {
      MarkNotRetryable(ctx_, status);
      LogRefusedCall(
          absl::StrCat("/", pdp::v1::AuthorizationService::service_full_name(), "/", method_->name),
          status, ctx_.peer());
      const grpc::Status error = ToGrpcStatus(status);
      WritesHandedToGrpc handed;
      responder_.FinishWithError(error, &call_tag_);
    }
  }

  const Services* services_;
  const MethodT* method_;
  grpc::ServerCompletionQueue* cq_;
  const int metric_id_;
  // When the call was accepted (metrics only); read by Finish, which runs
  // after Start on whichever thread (the gate and executor hand-offs order it).
  std::chrono::steady_clock::time_point start_;
  // The wait's deadline, read once when the call starts.
  absl::Time deadline_ = absl::InfiniteFuture();
  // Set by Start before the call is parked (then its deadline is read again).
  bool waited_ = false;
  // Set by Finish when the response is handed to gRPC (serialized, its
  // size cached).
  bool response_sent_ = false;
  grpc::ServerContext ctx_;
  // From this thread's MessagePool, not on a per-call protobuf arena: under
  // TSan, protobuf 3.21's map fields have two more members than in Debian's
  // uninstrumented libprotobuf, whose arena cleanup then crashes
  // (bench/README.md, "the per-call arena"). Declared before responder_,
  // so they outlive it.
  PooledMessage<Request> request_ = MessagePool<Request>::Take();
  PooledMessage<Response> response_ = MessagePool<Response>::Take();
  grpc::ServerAsyncResponseWriter<Response> responder_;
  Tag call_tag_{this, false};
  Tag done_tag_{this, true};
  // Queue thread only.
  bool accepted_ = false;
  bool finish_seen_ = false;
  bool done_seen_ = false;
  RevisionGate::Ticket ticket_ = 0;
};

template <typename Request>
absl::StatusOr<int64_t> OwnMinRevision(const Request& r) {
  return r.min_revision();
}

// Decisions take aws:CurrentTime and aws:EpochTime from the request only
// for callers allowed to simulate another moment: otherwise a caller could
// turn an expired time-bound grant back into an ALLOW.
// `item`: the index of the batch request `context` belongs to; -1 for none.
absl::Status AdmitTime(const Services& s, const grpc::ServerContext& ctx,
                       const pdp::v1::RequestContext& context, int item = -1) {
  std::string key;
  if (!SimulatesTime(context, &key)) return absl::OkStatus();
  if (s.options.auth == nullptr) return absl::OkStatus();
  const std::string field = item < 0 ? "" : absl::StrCat("requests[", item, "].");
  absl::StatusOr<Caller> caller = s.options.auth->Identify(ctx);
  if (!caller.ok()) return caller.status();
  if (caller->may_simulate_time || caller->role == Role::kAdmin) return absl::OkStatus();
  return WithReason(
      FieldError(absl::StrCat(field, "context.keys[", ShortInput(key), "]"),
                 absl::StrCat("caller ", QuoteInput(caller->name),
                              " may not set the time of a decision (simulate_time in the callers "
                              "file); leave it out to decide at the current time, or ask WhatIf "
                              "or Explain"),
                 absl::StatusCode::kPermissionDenied),
      "TIME_SIMULATION_NOT_ALLOWED");
}

absl::Status AdmitAuthorize(const Services& s, const grpc::ServerContext& ctx,
                            const pdp::v1::AuthorizeRequest& r) {
  return AdmitTime(s, ctx, r.context());
}

absl::Status AdmitBatch(const Services& s, const grpc::ServerContext& ctx,
                        const pdp::v1::BatchAuthorizeRequest& r) {
  for (int i = 0; i < r.requests_size(); ++i) {
    absl::Status admitted = AdmitTime(s, ctx, r.requests(i).context(), i);
    if (!admitted.ok()) return admitted;
  }
  return absl::OkStatus();
}

absl::Status AdmitListAccessiblePages(const Services& s, const grpc::ServerContext& ctx,
                                      const pdp::v1::ListAccessiblePagesRequest& r) {
  return AdmitTime(s, ctx, r.context());
}

constexpr Method<pdp::v1::AuthorizeRequest, pdp::v1::AuthorizeResponse> kAuthorize{
    &AuthorizationServiceBase::RequestAuthorize,
    &AdmitAuthorize,
    &OwnMinRevision<pdp::v1::AuthorizeRequest>,
    [](const Services& s, const pdp::v1::AuthorizeRequest& r, absl::Time,
       pdp::v1::AuthorizeResponse* out) {
      DecisionLog* log = s.options.decision_log;
      const bool logged = log != nullptr && log->Sampled();
      const absl::Time start = logged ? absl::Now() : absl::InfinitePast();
      absl::Status handled = AnswerAuthorize(*s.state, r, out);
      if (handled.ok() && s.options.metrics != nullptr) {
        s.options.metrics->RecordDecision(ServerMetrics::DecisionSource::kAuthorize,
                                          out->decision());
      }
      if (!logged) return handled;
      log->Record(r,
                  handled.ok() ? absl::StatusOr<pdp::v1::Decision>(out->decision())
                               : absl::StatusOr<pdp::v1::Decision>(handled),
                  absl::Now() - start);
      return handled;
    },
    [](const Services&, const pdp::v1::AuthorizeResponse& r) { return r.decision().revision(); },
    false,
    "Authorize"};

constexpr Method<pdp::v1::BatchAuthorizeRequest, pdp::v1::BatchAuthorizeResponse> kBatch{
    &AuthorizationServiceBase::RequestBatchAuthorize,
    &AdmitBatch,
    [](const pdp::v1::BatchAuthorizeRequest& r) -> absl::StatusOr<int64_t> {
      return MinRevision(r);
    },
    [](const Services& s, const pdp::v1::BatchAuthorizeRequest& r, absl::Time deadline,
       pdp::v1::BatchAuthorizeResponse* out) {
      DecisionLog* log = s.options.decision_log;
      const absl::Time start = absl::Now();
      absl::Status handled = AnswerBatchAuthorize(*s.state, r, deadline, out);
      if (handled.ok() && s.options.metrics != nullptr) {
        for (const pdp::v1::BatchAuthorizeResult& result : out->results()) {
          if (!result.has_decision()) continue;
          s.options.metrics->RecordDecision(ServerMetrics::DecisionSource::kBatchAuthorize,
                                            result.decision());
        }
      }
      if (log == nullptr || !handled.ok()) return handled;
      // Each decision sampled on its own; the latency is the whole batch's.
      const absl::Duration took = absl::Now() - start;
      for (int i = 0; i < out->results_size() && i < r.requests_size(); ++i) {
        if (!log->Sampled()) continue;
        const pdp::v1::BatchAuthorizeResult& result = out->results(i);
        if (result.has_decision()) {
          log->Record(r.requests(i), result.decision(), took);
          continue;
        }
        absl::Status error(static_cast<absl::StatusCode>(result.error().code()),
                           result.error().message());
        log->Record(r.requests(i), error.ok() ? absl::InternalError("no decision") : error, took);
      }
      return handled;
    },
    [](const Services&, const pdp::v1::BatchAuthorizeResponse& r) { return r.revision(); },
    false,
    "BatchAuthorize"};

constexpr Method<pdp::v1::AuthorizeRequest, pdp::v1::ExplainResponse> kExplain{
    &AuthorizationServiceBase::RequestExplain,
    nullptr,
    &OwnMinRevision<pdp::v1::AuthorizeRequest>,
    [](const Services& s, const pdp::v1::AuthorizeRequest& r, absl::Time,
       pdp::v1::ExplainResponse* out) { return AnswerExplain(*s.state, r, out); },
    [](const Services&, const pdp::v1::ExplainResponse& r) { return r.decision().revision(); },
    false,
    "Explain"};

constexpr Method<pdp::v1::ListAccessiblePagesRequest, pdp::v1::ListAccessiblePagesResponse>
    kListAccessiblePages{
        &AuthorizationServiceBase::RequestListAccessiblePages,
        &AdmitListAccessiblePages,
        &OwnMinRevision<pdp::v1::ListAccessiblePagesRequest>,
        [](const Services& s, const pdp::v1::ListAccessiblePagesRequest& r, absl::Time,
           pdp::v1::ListAccessiblePagesResponse* out) {
          return AnswerListAccessiblePages(*s.state, r, out);
        },
        [](const Services&, const pdp::v1::ListAccessiblePagesResponse& r) { return r.revision(); },
        false,
        "ListAccessiblePages"};

constexpr Method<pdp::v1::ListPagesRequest, pdp::v1::ListPagesResponse> kListPages{
    &AuthorizationServiceBase::RequestListPages, nullptr,
    [](const pdp::v1::ListPagesRequest&) -> absl::StatusOr<int64_t> { return 0; },
    [](const Services& s, const pdp::v1::ListPagesRequest&, absl::Time,
       pdp::v1::ListPagesResponse* out) { return HandleListPages(*s.state, out); },
    // The catalogue is fixed at start-up; the trailer still says how far
    // the state was, as every response's does.
    [](const Services& s, const pdp::v1::ListPagesResponse&) { return s.state->revision(); }, false,
    "ListPages"};

constexpr Method<pdp::v1::WhoCanRequest, pdp::v1::WhoCanResponse> kWhoCan{
    &AuthorizationServiceBase::RequestWhoCan,
    nullptr,
    &OwnMinRevision<pdp::v1::WhoCanRequest>,
    [](const Services& s, const pdp::v1::WhoCanRequest& r, absl::Time deadline,
       pdp::v1::WhoCanResponse* out) { return HandleWhoCan(*s.state, r, deadline, out); },
    [](const Services&, const pdp::v1::WhoCanResponse& r) { return r.revision(); },
    true,
    "WhoCan"};

constexpr Method<pdp::v1::WhatIfRequest, pdp::v1::WhatIfResponse> kWhatIf{
    &AuthorizationServiceBase::RequestWhatIf,
    nullptr,
    &CheckWhatIf,
    [](const Services& s, const pdp::v1::WhatIfRequest& r, absl::Time deadline,
       pdp::v1::WhatIfResponse* out) {
      return HandleWhatIf(*s.state, s.options.limits, r, deadline, out);
    },
    [](const Services&, const pdp::v1::WhatIfResponse& r) { return r.base_revision(); },
    true,
    "WhatIf"};

std::string MethodPath(absl::string_view method) {
  return absl::StrCat("/", pdp::v1::AuthorizationService::service_full_name(), "/", method);
}

template <typename Request, typename Response>
void Post(const Services* services, const Method<Request, Response>& method, int count,
          grpc::ServerCompletionQueue* cq) {
  const int metric_id =
      services->options.metrics == nullptr
          ? 0
          : services->options.metrics->MethodId(absl::StrCat(
                "/", pdp::v1::AuthorizationService::service_full_name(), "/", method.name));
  for (int i = 0; i < count; ++i) {
    new UnaryCall<Request, Response>(services, &method, cq, metric_id);
  }
}

}  // namespace

AuthorizationServiceImpl::AuthorizationServiceImpl(const WorldState* state,
                                                   grpc::ServerBuilder& builder,
                                                   AuthorizationOptions options)
    : matrix_streams_(options.max_matrix_streams, "AccessMatrix streams open",
                      "--max-matrix-streams", "TOO_MANY_MATRIX_STREAMS"),
      executor_(
          std::make_unique<QuestionExecutor>(options.question_threads, options.question_queue)) {
  services_ = std::make_unique<Services>(Services{this, state, options, executor_.get()});
  if (options.metrics != nullptr) {
    matrix_metric_id_ = options.metrics->MethodId(MethodPath("AccessMatrix"));
  }
  for (int i = 0; i < options.queues; ++i) queues_.push_back(builder.AddCompletionQueue());
}

AuthorizationServiceImpl::~AuthorizationServiceImpl() { Stop(); }

void AuthorizationServiceImpl::Start() {
  for (auto& queue : queues_) {
    grpc::ServerCompletionQueue* cq = queue.get();
    const Services* s = services_.get();
    Post(s, kAuthorize, kPendingHotCalls, cq);
    Post(s, kBatch, kPendingHotCalls, cq);
    Post(s, kExplain, kPendingOtherCalls, cq);
    Post(s, kListAccessiblePages, kPendingOtherCalls, cq);
    Post(s, kListPages, kPendingOtherCalls, cq);
    Post(s, kWhoCan, kPendingOtherCalls, cq);
    Post(s, kWhatIf, kPendingOtherCalls, cq);
    threads_.emplace_back([this, cq] { Drain(cq); });
  }
}

grpc::Status AuthorizationServiceImpl::AccessMatrix(
    grpc::ServerContext* ctx, const pdp::v1::AccessMatrixRequest* request,
    grpc::ServerWriter<pdp::v1::AccessMatrixResponse>* writer) {
  const auto start = std::chrono::steady_clock::now();
  const Services& s = *services_;
  int64_t revision = 0;
  absl::Status status = AdmitTime(s, *ctx, request->context());
  ConcurrencyLimit::Slot slot;
  if (status.ok()) slot = matrix_streams_.TryAcquire(&status);
  if (slot) {
    // The work runs on a thread of its own at the question threads' lower
    // priority: lowering the pool thread's would outlast this call, and
    // raising it back needs a privilege. The pool thread only waits; the
    // join orders everything the worker did (Write included) before the
    // return.
    try {
      std::thread worker([&] {
        LowerThisThreadPriority(kQuestionThreadNice, "AccessMatrix");
        status = HandleAccessMatrix(
            *s.state, *request, WaitDeadline(*ctx), [ctx] { return ctx->IsCancelled(); },
            [writer](const pdp::v1::AccessMatrixResponse& message) {
              return writer->Write(message);
            },
            &revision);
      });
      worker.join();
    } catch (const std::system_error& e) {  // no thread could be started
      status =
          WithReason(absl::ResourceExhaustedError(absl::StrCat(
                         "cannot start a thread for the matrix (", e.what(), "); retry later")),
                     "TOO_MANY_MATRIX_STREAMS");
    }
  }
  if (ServerMetrics* metrics = s.options.metrics; metrics != nullptr) {
    const auto took = std::chrono::steady_clock::now() - start;
    metrics->RecordRpc(matrix_metric_id_, static_cast<int>(status.code()),
                       std::chrono::duration_cast<std::chrono::nanoseconds>(took).count());
  }
  if (status.ok()) {
    SetRevisionTrailer(*ctx, revision, s.state->Staleness());
    return grpc::Status::OK;
  }
  MarkNotRetryable(*ctx, status);
  LogRefusedCall(MethodPath("AccessMatrix"), status, ctx->peer());
  return ToGrpcStatus(status);
}

void AuthorizationServiceImpl::Drain(grpc::ServerCompletionQueue* cq) {
  void* tag;
  bool ok;
  while (cq->Next(&tag, &ok)) {
    auto* t = static_cast<CallBase::Tag*>(tag);
    if (!t->call->OnEvent(t->done_notice, ok)) delete t->call;
  }
}

void AuthorizationServiceImpl::Stop() {
  if (threads_.empty()) return;
  // Questions still queued are answered while the queues can still take
  // their completions.
  executor_->Stop();
  for (auto& cq : queues_) cq->Shutdown();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace pdp
