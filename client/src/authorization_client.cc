#include "billing_pdp/authorization_client.h"

#include <algorithm>
#include <utility>

#include "bearer_token.h"  // private to the library
#include "billing_pdp/status.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/channel_arguments.h"
#include "pending_calls.h"  // private to the library

namespace pdp {
namespace {

void FillContext(const RequestContextValues& values, pdp::v1::RequestContext* out) {
  for (const auto& [key, list] : values) {
    auto& v = (*out->mutable_keys())[key];
    for (const std::string& s : list) v.add_values(s);
  }
}

// The request a query becomes, with the call's min_revision when larger.
pdp::v1::AuthorizeRequest RequestFor(const Query& query, const CallOptions& call) {
  pdp::v1::AuthorizeRequest r = AuthorizationClient::ToRequest(query);
  r.set_min_revision(MinRevision(r.min_revision(), call));
  return r;
}

pdp::v1::BatchAuthorizeRequest BatchRequestFor(const std::vector<Query>& queries,
                                               const CallOptions& call) {
  pdp::v1::BatchAuthorizeRequest request;
  request.mutable_requests()->Reserve(static_cast<int>(queries.size()));
  for (const Query& q : queries) *request.add_requests() = AuthorizationClient::ToRequest(q);
  // The server waits for the largest of this and the requests' own.
  request.set_min_revision(call.min_revision);
  return request;
}

absl::StatusOr<std::vector<absl::StatusOr<Decision>>> BatchResultsFrom(
    const pdp::v1::BatchAuthorizeResponse& response, size_t queries) {
  if (response.results_size() != static_cast<int>(queries)) {
    return absl::InternalError("BatchAuthorize returned a different number of results");
  }
  std::vector<absl::StatusOr<Decision>> out;
  out.reserve(queries);
  for (const auto& r : response.results()) {
    if (r.has_decision()) {
      out.emplace_back(AuthorizationClient::FromProto(r.decision()));
    } else {
      absl::Status err = FromRpcStatus(r.error());
      out.emplace_back(err.ok() ? absl::InternalError("empty batch result") : err);
    }
  }
  return out;
}

// One async call's state: alive until its gRPC callback has finished.
template <typename Request, typename Response>
struct AsyncCall {
  grpc::ClientContext ctx;
  Request request;
  Response response;
};

// Starts one async call: `prepare` readies the context (an error ends the
// call here, nothing sent), `start(ctx, request, response, on_done)` hands
// it to the stub's callback API, and `finish(status, response)` gets the
// outcome exactly once (response null unless the status is OK), before the
// call leaves `pending`.
template <typename Request, typename Response, typename Prepare, typename Start, typename Finish>
void StartAsync(PendingCalls* pending, Request request, Prepare prepare, Start start,
                Finish finish) {
  auto call = std::make_shared<AsyncCall<Request, Response>>();
  call->request = std::move(request);
  if (absl::Status p = prepare(call->ctx); !p.ok()) {
    finish(p, nullptr);
    return;
  }
  if (!pending->Add(std::shared_ptr<grpc::ClientContext>(call, &call->ctx))) {
    finish(absl::CancelledError("the client is being destroyed"), nullptr);
    return;
  }
  using FinishFn = std::function<void(const absl::Status&, Response*)>;
  start(&call->ctx, &call->request, &call->response,
        [call, pending, finish = FinishFn(std::move(finish))](grpc::Status s) mutable {
          // The caller's callback (and what it captured) is gone before
          // the call leaves `pending`: the client's destructor may return
          // right after.
          FinishFn done = std::move(finish);
          if (s.ok()) {
            done(absl::OkStatus(), &call->response);
          } else {
            done(FromGrpcStatus(s), nullptr);
          }
          done = nullptr;
          // This callback's reference goes first, so that Remove drops the
          // last one (the call is gone before the client's destructor can
          // return).
          const grpc::ClientContext* key = &call->ctx;
          call.reset();
          pending->Remove(key);
        });
}

}  // namespace

const char kReadRetryServiceConfig[] = R"json({
  "methodConfig": [{
    "name": [
      {"service": "pdp.v1.AuthorizationService"},
      {"service": "pdp.v1.AdminService", "method": "GetAccount"},
      {"service": "pdp.v1.AdminService", "method": "ListAccounts"},
      {"service": "pdp.v1.AdminService", "method": "GetUser"},
      {"service": "pdp.v1.AdminService", "method": "ListUsers"},
      {"service": "pdp.v1.AdminService", "method": "GetGroup"},
      {"service": "pdp.v1.AdminService", "method": "ListGroups"},
      {"service": "pdp.v1.AdminService", "method": "GetRole"},
      {"service": "pdp.v1.AdminService", "method": "ListRoles"},
      {"service": "pdp.v1.AdminService", "method": "GetRoleSession"},
      {"service": "pdp.v1.AdminService", "method": "ListRoleSessions"},
      {"service": "pdp.v1.AdminService", "method": "GetPolicy"},
      {"service": "pdp.v1.AdminService", "method": "ListPolicies"},
      {"service": "pdp.v1.AdminService", "method": "GetPolicyVersion"},
      {"service": "pdp.v1.AdminService", "method": "ListPolicyVersions"},
      {"service": "pdp.v1.AdminService", "method": "GetInlinePolicy"},
      {"service": "pdp.v1.AdminService", "method": "ListInlinePolicies"},
      {"service": "pdp.v1.AdminService", "method": "ValidatePolicy"},
      {"service": "pdp.v1.AdminService", "method": "GetOrganization"},
      {"service": "pdp.v1.AdminService", "method": "ListOrganizations"},
      {"service": "pdp.v1.AdminService", "method": "ListAuditEvents"}
    ],
    "retryPolicy": {
      "maxAttempts": 3,
      "initialBackoff": "0.1s",
      "maxBackoff": "0.2s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
})json";

absl::StatusOr<std::shared_ptr<grpc::Channel>> NewChannel(const ClientOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeChannelCredentials(options);
  if (!credentials.ok()) return credentials.status();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  // Bounded reconnect (ClientOptions::max_reconnect_backoff).
  const int max_backoff_ms =
      static_cast<int>(std::max<int64_t>(1, options.max_reconnect_backoff.count()));
  const int first_backoff_ms = std::min(100, max_backoff_ms);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, first_backoff_ms);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, first_backoff_ms);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, max_backoff_ms);
  if (options.tls.has_value() && !options.tls->server_name.empty()) {
    args.SetSslTargetNameOverride(options.tls->server_name);
  }
  // Reads retried on UNAVAILABLE (kReadRetryServiceConfig); a service config
  // from name resolution (DNS TXT) is not used in its place.
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
  args.SetServiceConfigJSON(kReadRetryServiceConfig);
  args.SetInt(GRPC_ARG_SERVICE_CONFIG_DISABLE_RESOLUTION, 1);
  return grpc::CreateCustomChannel(options.target, *credentials, args);
}

std::shared_ptr<grpc::Channel> MakeChannel(const ClientOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = NewChannel(options);
  return channel.ok() ? *std::move(channel) : nullptr;
}

AuthorizationClient::AuthorizationClient(const ClientOptions& options)
    : pending_(std::make_unique<PendingCalls>()), options_(options) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = NewChannel(options);
  if (channel.ok()) {
    stub_ = pdp::v1::AuthorizationService::NewStub(*std::move(channel));
  } else {
    status_ = channel.status();
  }
}

AuthorizationClient::AuthorizationClient(std::shared_ptr<grpc::Channel> channel,
                                         const ClientOptions& options)
    : pending_(std::make_unique<PendingCalls>()),
      stub_(pdp::v1::AuthorizationService::NewStub(std::move(channel))),
      options_(options) {}

AuthorizationClient::~AuthorizationClient() {
  // Before the stub and channel go: the calls' callbacks may still run.
  if (pending_) pending_->CancelAllAndWait();
}

AuthorizationClient::AuthorizationClient(AuthorizationClient&&) noexcept = default;
AuthorizationClient& AuthorizationClient::operator=(AuthorizationClient&&) noexcept = default;

absl::Status AuthorizationClient::Prepare(grpc::ClientContext& ctx, const CallOptions& call,
                                          bool takes_min_revision) const {
  if (!status_.ok()) return status_;
  return PrepareCall(ctx, options_, call, takes_min_revision);
}

pdp::v1::AuthorizeRequest AuthorizationClient::ToRequest(const Query& query) {
  pdp::v1::AuthorizeRequest r;
  if (const auto* p = std::get_if<PageQuery>(&query)) {
    r.set_principal(p->principal);
    r.set_account_id(p->account_id);
    r.mutable_page()->set_page_id(p->page_id);
    r.mutable_page()->set_access(p->access);
    FillContext(p->context, r.mutable_context());
    r.set_min_revision(p->min_revision);
  } else {
    const auto& a = std::get<ActionQuery>(query);
    r.set_principal(a.principal);
    r.set_account_id(a.account_id);
    r.mutable_action()->set_action(a.action);
    r.mutable_action()->set_resource(a.resource);
    FillContext(a.context, r.mutable_context());
    r.set_min_revision(a.min_revision);
  }
  return r;
}

Decision AuthorizationClient::FromProto(const pdp::v1::Decision& d) {
  Decision out;
  out.allowed = d.effect() == pdp::v1::ALLOW;
  out.reason = d.reason();
  out.revision = d.revision();
  out.available_features.assign(d.available_features().begin(), d.available_features().end());
  return out;
}

absl::StatusOr<Decision> AuthorizationClient::Authorize(const Query& query,
                                                        const CallOptions& call) const {
  grpc::ClientContext ctx;
  if (absl::Status p = Prepare(ctx, call); !p.ok()) return p;
  pdp::v1::AuthorizeResponse response;
  grpc::Status s = stub_->Authorize(&ctx, RequestFor(query, call), &response);
  if (!s.ok()) return FromGrpcStatus(s);
  return FromProto(response.decision());
}

void AuthorizationClient::AuthorizeAsync(const Query& query, const CallOptions& call,
                                         DecisionCallback done) const {
  using Request = pdp::v1::AuthorizeRequest;
  using Response = pdp::v1::AuthorizeResponse;
  StartAsync<Request, Response>(
      pending_.get(), RequestFor(query, call),
      [&](grpc::ClientContext& ctx) { return Prepare(ctx, call); },
      [&](grpc::ClientContext* ctx, const Request* request, Response* response,
          std::function<void(grpc::Status)> on_done) {
        stub_->async()->Authorize(ctx, request, response, std::move(on_done));
      },
      [done = std::move(done)](const absl::Status& s, Response* response) {
        if (!s.ok()) return done(s);
        done(FromProto(response->decision()));
      });
}

void AuthorizationClient::IsAllowedAsync(const Query& query, const CallOptions& call,
                                         AllowedCallback done) const {
  AuthorizeAsync(query, call, [done = std::move(done)](absl::StatusOr<Decision> d) {
    // Fails closed: only an ALLOW is true.
    if (d.ok()) return done(d->allowed, absl::OkStatus());
    done(false, d.status());
  });
}

void AuthorizationClient::BatchAuthorizeAsync(const std::vector<Query>& queries,
                                              const CallOptions& call, BatchCallback done) const {
  using Request = pdp::v1::BatchAuthorizeRequest;
  using Response = pdp::v1::BatchAuthorizeResponse;
  StartAsync<Request, Response>(
      pending_.get(), BatchRequestFor(queries, call),
      [&](grpc::ClientContext& ctx) { return Prepare(ctx, call); },
      [&](grpc::ClientContext* ctx, const Request* request, Response* response,
          std::function<void(grpc::Status)> on_done) {
        stub_->async()->BatchAuthorize(ctx, request, response, std::move(on_done));
      },
      [done = std::move(done), n = queries.size()](const absl::Status& s, Response* response) {
        if (!s.ok()) return done(s);
        done(BatchResultsFrom(*response, n));
      });
}

bool AuthorizationClient::IsAllowed(const Query& query, const CallOptions& call) const {
  return IsAllowed(query, nullptr, call);
}

bool AuthorizationClient::IsAllowed(const Query& query, absl::Status* why,
                                    const CallOptions& call) const {
  absl::StatusOr<Decision> d = Authorize(query, call);
  if (d.ok() && d->allowed) return true;
  if (why != nullptr) *why = d.ok() ? absl::OkStatus() : d.status();
  return false;
}

absl::StatusOr<std::vector<absl::StatusOr<Decision>>> AuthorizationClient::BatchAuthorize(
    const std::vector<Query>& queries, const CallOptions& call) const {
  grpc::ClientContext ctx;
  if (absl::Status p = Prepare(ctx, call); !p.ok()) return p;
  pdp::v1::BatchAuthorizeResponse response;
  grpc::Status s = stub_->BatchAuthorize(&ctx, BatchRequestFor(queries, call), &response);
  if (!s.ok()) return FromGrpcStatus(s);
  return BatchResultsFrom(response, queries.size());
}

absl::StatusOr<pdp::v1::ExplainResponse> AuthorizationClient::Explain(
    const Query& query, const CallOptions& call) const {
  grpc::ClientContext ctx;
  if (absl::Status p = Prepare(ctx, call); !p.ok()) return p;
  pdp::v1::ExplainResponse response;
  grpc::Status s = stub_->Explain(&ctx, RequestFor(query, call), &response);
  if (!s.ok()) return FromGrpcStatus(s);
  return response;
}

absl::StatusOr<pdp::v1::ListAccessiblePagesResponse> AuthorizationClient::ListAccessiblePages(
    const std::string& principal, const std::string& account_id, bool include_denied,
    int64_t min_revision, const CallOptions& call) const {
  pdp::v1::ListAccessiblePagesRequest request;
  request.set_principal(principal);
  request.set_account_id(account_id);
  request.set_include_denied(include_denied);
  request.set_min_revision(MinRevision(min_revision, call));
  grpc::ClientContext ctx;
  if (absl::Status p = Prepare(ctx, call); !p.ok()) return p;
  pdp::v1::ListAccessiblePagesResponse response;
  grpc::Status s = stub_->ListAccessiblePages(&ctx, request, &response);
  if (!s.ok()) return FromGrpcStatus(s);
  return response;
}

absl::StatusOr<pdp::v1::ListPagesResponse> AuthorizationClient::ListPages(
    const CallOptions& call) const {
  grpc::ClientContext ctx;
  if (absl::Status p = Prepare(ctx, call, /*takes_min_revision=*/false); !p.ok()) return p;
  pdp::v1::ListPagesResponse response;
  grpc::Status s = stub_->ListPages(&ctx, pdp::v1::ListPagesRequest(), &response);
  if (!s.ok()) return FromGrpcStatus(s);
  return response;
}

pdp::v1::WhoCanRequest AuthorizationClient::ToRequest(const WhoCanQuery& query) {
  pdp::v1::WhoCanRequest r;
  r.set_account_id(query.account_id);
  if (!query.page_id.empty()) {
    r.mutable_page()->set_page_id(query.page_id);
    r.mutable_page()->set_access(query.access);
  } else if (!query.action.empty()) {
    r.mutable_action()->set_action(query.action);
    r.mutable_action()->set_resource(query.resource);
  }
  FillContext(query.context, r.mutable_context());
  r.set_include_denied(query.include_denied);
  r.set_page_size(query.page_size);
  r.set_page_token(query.page_token);
  r.set_min_revision(query.min_revision);
  return r;
}

pdp::v1::WhatIfRequest AuthorizationClient::ToRequest(const WhatIfQuery& query) {
  pdp::v1::WhatIfRequest r;
  r.mutable_changes()->Reserve(static_cast<int>(query.changes.size()));
  for (const pdp::v1::Change& c : query.changes) *r.add_changes() = c;
  for (const Query& q : query.authorize) *r.add_authorize() = ToRequest(q);
  for (const std::string& p : query.list_accessible_pages) {
    r.add_list_accessible_pages()->set_principal(p);
  }
  for (const WhoCanQuery& q : query.who_can) *r.add_who_can() = ToRequest(q);
  for (const std::string& a : query.diff_account_ids) r.add_diff_account_ids(a);
  return r;
}

absl::StatusOr<pdp::v1::WhoCanResponse> AuthorizationClient::WhoCan(const WhoCanQuery& query,
                                                                    const CallOptions& call) const {
  if (!query.page_id.empty() && !query.action.empty()) {
    return absl::InvalidArgumentError("WhoCanQuery: set page_id or action, not both");
  }
  grpc::ClientContext ctx;
  if (absl::Status p = Prepare(ctx, call); !p.ok()) return p;
  pdp::v1::WhoCanRequest request = ToRequest(query);
  request.set_min_revision(MinRevision(request.min_revision(), call));
  pdp::v1::WhoCanResponse response;
  grpc::Status s = stub_->WhoCan(&ctx, request, &response);
  if (!s.ok()) return FromGrpcStatus(s);
  return response;
}

absl::StatusOr<pdp::v1::WhatIfResponse> AuthorizationClient::WhatIf(const WhatIfQuery& query,
                                                                    const CallOptions& call) const {
  for (const WhoCanQuery& q : query.who_can) {
    if (!q.page_id.empty() && !q.action.empty()) {
      return absl::InvalidArgumentError("WhoCanQuery: set page_id or action, not both");
    }
  }
  return WhatIf(ToRequest(query), call);
}

absl::StatusOr<pdp::v1::WhatIfResponse> AuthorizationClient::WhatIf(
    const pdp::v1::WhatIfRequest& request, const CallOptions& call) const {
  grpc::ClientContext ctx;
  if (absl::Status p = Prepare(ctx, call); !p.ok()) return p;
  pdp::v1::WhatIfResponse response;
  grpc::Status s;
  if (request.min_revision() >= 0 && call.min_revision > request.min_revision()) {
    pdp::v1::WhatIfRequest raised = request;
    raised.set_min_revision(call.min_revision);
    s = stub_->WhatIf(&ctx, raised, &response);
  } else {
    s = stub_->WhatIf(&ctx, request, &response);
  }
  if (!s.ok()) return FromGrpcStatus(s);
  return response;
}

pdp::v1::AccessMatrixRequest AuthorizationClient::ToRequest(const AccessMatrixQuery& query) {
  pdp::v1::AccessMatrixRequest r;
  if (!query.account_id.empty()) r.set_account_id(query.account_id);
  if (!query.organization_id.empty()) r.set_organization_id(query.organization_id);
  for (const std::string& page : query.page_ids) r.add_page_ids(page);
  FillContext(query.context, r.mutable_context());
  r.set_min_revision(query.min_revision);
  return r;
}

absl::Status AuthorizationClient::AccessMatrix(
    const AccessMatrixQuery& query,
    const std::function<bool(const pdp::v1::AccessMatrixResponse&)>& on_message,
    const CallOptions& call) const {
  if (query.account_id.empty() == query.organization_id.empty()) {
    return absl::InvalidArgumentError(
        "AccessMatrixQuery: set exactly one of account_id and organization_id");
  }
  grpc::ClientContext ctx;
  if (absl::Status p = Prepare(ctx, call); !p.ok()) return p;
  pdp::v1::AccessMatrixRequest request = ToRequest(query);
  request.set_min_revision(MinRevision(request.min_revision(), call));
  std::unique_ptr<grpc::ClientReader<pdp::v1::AccessMatrixResponse>> reader =
      stub_->AccessMatrix(&ctx, request);
  pdp::v1::AccessMatrixResponse message;
  bool stopped = false;
  while (reader->Read(&message)) {
    if (!on_message(message)) {
      stopped = true;
      ctx.TryCancel();
      break;
    }
  }
  // After TryCancel, Read drains (returns false) before Finish.
  if (stopped) {
    while (reader->Read(&message)) {
    }
  }
  grpc::Status s = reader->Finish();
  if (stopped) return absl::CancelledError("AccessMatrix: stopped by on_message");
  if (!s.ok()) return FromGrpcStatus(s);
  return absl::OkStatus();
}

}  // namespace pdp
