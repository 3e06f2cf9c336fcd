#include "server/authorization_handlers.h"

#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "common/engine/decide.h"
#include "server/grpc_errors.h"

namespace pdp {
namespace {

// aws:CurrentTime / aws:EpochTime default to when the request arrived.
DecideOptions Now() { return DecideOptions{absl::Now()}; }

}  // namespace

absl::Status HandleAuthorize(const WorldState& state, const pdp::v1::AuthorizeRequest& request,
                             pdp::v1::AuthorizeResponse* response) {
  SnapshotPtr snapshot = state.Current();
  absl::StatusOr<pdp::v1::Decision> d = Decide(*snapshot, request, nullptr, Now());
  if (!d.ok()) return d.status();
  *response->mutable_decision() = std::move(*d);
  return absl::OkStatus();
}

absl::Status HandleBatchAuthorize(const WorldState& state,
                                  const pdp::v1::BatchAuthorizeRequest& request,
                                  pdp::v1::BatchAuthorizeResponse* response) {
  if (request.requests_size() > kMaxBatchRequests) {
    return FieldError("requests",
                      absl::StrCat("at most ", kMaxBatchRequests, " requests per call"));
  }
  SnapshotPtr snapshot = state.Current();
  const DecideOptions options = Now();  // one instant for the whole batch
  response->set_revision(snapshot->revision());
  response->mutable_results()->Reserve(request.requests_size());
  for (int i = 0; i < request.requests_size(); ++i) {
    pdp::v1::BatchAuthorizeResult* result = response->add_results();
    absl::StatusOr<pdp::v1::Decision> d = Decide(*snapshot, request.requests(i), nullptr, options);
    if (d.ok()) {
      *result->mutable_decision() = std::move(*d);
    } else {
      *result->mutable_error() =
          ToRpcStatus(PrefixFieldPaths(absl::StrCat("requests[", i, "]."), d.status()));
    }
  }
  return absl::OkStatus();
}

absl::Status HandleExplain(const WorldState& state, const pdp::v1::AuthorizeRequest& request,
                           pdp::v1::ExplainResponse* response) {
  SnapshotPtr snapshot = state.Current();
  absl::StatusOr<pdp::v1::Decision> d =
      Decide(*snapshot, request, response->mutable_explanation(), Now());
  if (!d.ok()) return d.status();
  *response->mutable_decision() = std::move(*d);
  return absl::OkStatus();
}

absl::Status HandleListAccessiblePages(const WorldState& state,
                                       const pdp::v1::ListAccessiblePagesRequest& request,
                                       pdp::v1::ListAccessiblePagesResponse* response) {
  SnapshotPtr snapshot = state.Current();
  absl::StatusOr<std::vector<PageDecision>> pages = DecideAllPages(
      *snapshot, request.principal(), request.account_id(), request.context(), Now());
  if (!pages.ok()) return pages.status();
  response->set_revision(snapshot->revision());
  for (PageDecision& pd : *pages) {
    if (!request.include_denied() && pd.view.effect() != pdp::v1::ALLOW &&
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
  return absl::OkStatus();
}

absl::Status HandleListPages(const WorldState& state, pdp::v1::ListPagesResponse* response) {
  SnapshotPtr snapshot = state.Current();
  response->set_catalog_version(snapshot->catalog().version());
  for (const CatalogPage& page : snapshot->catalog().pages()) *response->add_pages() = page.proto;
  return absl::OkStatus();
}

}  // namespace pdp
