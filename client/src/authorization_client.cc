#include "billing_pdp/authorization_client.h"

#include <algorithm>

#include "bearer_token.h"  // private to the library
#include "billing_pdp/status.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/channel_arguments.h"

namespace pdp {
namespace {

void FillContext(const RequestContextValues& values, pdp::v1::RequestContext* out) {
  for (const auto& [key, list] : values) {
    auto& v = (*out->mutable_keys())[key];
    for (const std::string& s : list) v.add_values(s);
  }
}

}  // namespace

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
  return grpc::CreateCustomChannel(options.target, *credentials, args);
}

std::shared_ptr<grpc::Channel> MakeChannel(const ClientOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = NewChannel(options);
  return channel.ok() ? *std::move(channel) : nullptr;
}

AuthorizationClient::AuthorizationClient(const ClientOptions& options) : options_(options) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = NewChannel(options);
  if (channel.ok()) {
    stub_ = pdp::v1::AuthorizationService::NewStub(*std::move(channel));
  } else {
    status_ = channel.status();
  }
}

AuthorizationClient::AuthorizationClient(std::shared_ptr<grpc::Channel> channel,
                                         const ClientOptions& options)
    : stub_(pdp::v1::AuthorizationService::NewStub(std::move(channel))), options_(options) {}

absl::Status AuthorizationClient::Prepare(grpc::ClientContext& ctx, const CallOptions& call) const {
  if (!status_.ok()) return status_;
  PrepareCall(ctx, options_, call);
  return absl::OkStatus();
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
  grpc::Status s = stub_->Authorize(&ctx, ToRequest(query), &response);
  if (!s.ok()) return FromGrpcStatus(s);
  return FromProto(response.decision());
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
  pdp::v1::BatchAuthorizeRequest request;
  for (const Query& q : queries) *request.add_requests() = ToRequest(q);
  grpc::ClientContext ctx;
  if (absl::Status p = Prepare(ctx, call); !p.ok()) return p;
  pdp::v1::BatchAuthorizeResponse response;
  grpc::Status s = stub_->BatchAuthorize(&ctx, request, &response);
  if (!s.ok()) return FromGrpcStatus(s);
  if (response.results_size() != static_cast<int>(queries.size())) {
    return absl::InternalError("BatchAuthorize returned a different number of results");
  }
  std::vector<absl::StatusOr<Decision>> out;
  out.reserve(queries.size());
  for (const auto& r : response.results()) {
    if (r.has_decision()) {
      out.emplace_back(FromProto(r.decision()));
    } else {
      absl::Status err = FromRpcStatus(r.error());
      out.emplace_back(err.ok() ? absl::InternalError("empty batch result") : err);
    }
  }
  return out;
}

absl::StatusOr<pdp::v1::ExplainResponse> AuthorizationClient::Explain(
    const Query& query, const CallOptions& call) const {
  grpc::ClientContext ctx;
  if (absl::Status p = Prepare(ctx, call); !p.ok()) return p;
  pdp::v1::ExplainResponse response;
  grpc::Status s = stub_->Explain(&ctx, ToRequest(query), &response);
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
  request.set_min_revision(min_revision);
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
  if (absl::Status p = Prepare(ctx, call); !p.ok()) return p;
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
  pdp::v1::WhoCanResponse response;
  grpc::Status s = stub_->WhoCan(&ctx, ToRequest(query), &response);
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
  grpc::Status s = stub_->WhatIf(&ctx, request, &response);
  if (!s.ok()) return FromGrpcStatus(s);
  return response;
}

}  // namespace pdp
