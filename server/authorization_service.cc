#include "server/authorization_service.h"

#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "common/engine/decide.h"
#include "server/grpc_errors.h"

namespace pdp {
namespace {

// aws:CurrentTime / aws:EpochTime default to when the request arrived.
DecideOptions Now() { return DecideOptions{absl::Now()}; }

grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* ctx, const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* AuthorizationServiceImpl::Authorize(
    grpc::CallbackServerContext* ctx, const pdp::v1::AuthorizeRequest* request,
    pdp::v1::AuthorizeResponse* response) {
  SnapshotPtr snapshot = state_->Current();
  absl::StatusOr<pdp::v1::Decision> d = Decide(*snapshot, *request, nullptr, Now());
  if (d.ok()) *response->mutable_decision() = std::move(*d);
  return Done(ctx, d.status());
}

grpc::ServerUnaryReactor* AuthorizationServiceImpl::BatchAuthorize(
    grpc::CallbackServerContext* ctx, const pdp::v1::BatchAuthorizeRequest* request,
    pdp::v1::BatchAuthorizeResponse* response) {
  if (request->requests_size() > kMaxBatchRequests) {
    return Done(ctx, FieldError("requests",
                                absl::StrCat("at most ", kMaxBatchRequests, " requests per call")));
  }
  SnapshotPtr snapshot = state_->Current();
  const DecideOptions options = Now();  // one instant for the whole batch
  response->set_revision(snapshot->revision());
  response->mutable_results()->Reserve(request->requests_size());
  for (int i = 0; i < request->requests_size(); ++i) {
    pdp::v1::BatchAuthorizeResult* result = response->add_results();
    absl::StatusOr<pdp::v1::Decision> d = Decide(*snapshot, request->requests(i), nullptr, options);
    if (d.ok()) {
      *result->mutable_decision() = std::move(*d);
    } else {
      *result->mutable_error() =
          ToRpcStatus(PrefixFieldPaths(absl::StrCat("requests[", i, "]."), d.status()));
    }
  }
  return Done(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* AuthorizationServiceImpl::Explain(
    grpc::CallbackServerContext* ctx, const pdp::v1::AuthorizeRequest* request,
    pdp::v1::ExplainResponse* response) {
  SnapshotPtr snapshot = state_->Current();
  absl::StatusOr<pdp::v1::Decision> d =
      Decide(*snapshot, *request, response->mutable_explanation(), Now());
  if (d.ok()) *response->mutable_decision() = std::move(*d);
  return Done(ctx, d.status());
}

grpc::ServerUnaryReactor* AuthorizationServiceImpl::ListAccessiblePages(
    grpc::CallbackServerContext* ctx, const pdp::v1::ListAccessiblePagesRequest* request,
    pdp::v1::ListAccessiblePagesResponse* response) {
  SnapshotPtr snapshot = state_->Current();
  absl::StatusOr<std::vector<PageDecision>> pages = DecideAllPages(
      *snapshot, request->principal(), request->account_id(), request->context(), Now());
  if (!pages.ok()) return Done(ctx, pages.status());
  response->set_revision(snapshot->revision());
  for (PageDecision& pd : *pages) {
    if (!request->include_denied() && pd.view.effect() != pdp::v1::ALLOW &&
        pd.modify.effect() != pdp::v1::ALLOW) {
      continue;
    }
    pdp::v1::PageAccess* access = response->add_pages();
    access->set_page_id(pd.page->proto.id());
    access->set_title(pd.page->proto.title());
    access->set_console(pd.page->proto.console());
    *access->mutable_view() = std::move(pd.view);
    *access->mutable_modify() = std::move(pd.modify);
  }
  return Done(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* AuthorizationServiceImpl::ListPages(
    grpc::CallbackServerContext* ctx, const pdp::v1::ListPagesRequest* request,
    pdp::v1::ListPagesResponse* response) {
  SnapshotPtr snapshot = state_->Current();
  response->set_catalog_version(snapshot->catalog().version());
  for (const CatalogPage& page : snapshot->catalog().pages()) *response->add_pages() = page.proto;
  return Done(ctx, absl::OkStatus());
}

}  // namespace pdp
