#include "server/authorization_handlers.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "common/base/version.h"
#include "common/engine/decide.h"
#include "common/engine/questions.h"
#include "server/grpc_errors.h"

namespace pdp {
namespace {

// aws:CurrentTime / aws:EpochTime default to when the request arrived.
DecideOptions Now() { return DecideOptions{absl::Now()}; }

}  // namespace

int64_t MinRevision(const pdp::v1::AuthorizeRequest& request) { return request.min_revision(); }

int64_t MinRevision(const pdp::v1::BatchAuthorizeRequest& request) {
  int64_t revision = request.min_revision();
  for (const auto& r : request.requests()) revision = std::max(revision, r.min_revision());
  return revision;
}

absl::Status HandleAuthorize(const WorldState& state, const pdp::v1::AuthorizeRequest& request,
                             absl::Time deadline, pdp::v1::AuthorizeResponse* response) {
  absl::Status reached = state.WaitForRevision(request.min_revision(), deadline);
  if (!reached.ok()) return reached;
  SnapshotPtr snapshot = state.Current();
  absl::StatusOr<pdp::v1::Decision> d = Decide(*snapshot, request, nullptr, Now());
  if (!d.ok()) return d.status();
  *response->mutable_decision() = std::move(*d);
  return absl::OkStatus();
}

absl::Status HandleBatchAuthorize(const WorldState& state,
                                  const pdp::v1::BatchAuthorizeRequest& request,
                                  absl::Time deadline, pdp::v1::BatchAuthorizeResponse* response) {
  if (request.requests_size() > kMaxBatchRequests) {
    return FieldError("requests",
                      absl::StrCat("at most ", kMaxBatchRequests, " requests per call"));
  }
  // One snapshot answers every request, so the batch waits once, for the
  // largest min_revision; a negative one anywhere is the caller's bug.
  for (int i = 0; i < request.requests_size(); ++i) {
    if (request.requests(i).min_revision() < 0) {
      return FieldError(absl::StrCat("requests[", i, "].min_revision"), "must not be negative");
    }
  }
  absl::Status reached = state.WaitForRevision(MinRevision(request), deadline);
  if (!reached.ok()) return reached;
  SnapshotPtr snapshot = state.Current();
  const DecideOptions options = Now();  // one instant for the whole batch
  response->set_revision(snapshot->revision());
  response->mutable_results()->Reserve(request.requests_size());
  for (int i = 0; i < request.requests_size(); ++i) {
    // Past the deadline nobody reads the answer: stop rather than hold the
    // queue thread for the rest of the batch.
    if (absl::Now() >= deadline) {
      response->Clear();
      return absl::DeadlineExceededError(absl::StrCat(
          "the call's deadline passed after ", i, " of ", request.requests_size(), " requests"));
    }
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
                           absl::Time deadline, pdp::v1::ExplainResponse* response) {
  absl::Status reached = state.WaitForRevision(request.min_revision(), deadline);
  if (!reached.ok()) return reached;
  SnapshotPtr snapshot = state.Current();
  absl::StatusOr<pdp::v1::Decision> d =
      Decide(*snapshot, request, response->mutable_explanation(), Now());
  if (!d.ok()) return d.status();
  *response->mutable_decision() = std::move(*d);
  return absl::OkStatus();
}

absl::Status HandleListAccessiblePages(const WorldState& state,
                                       const pdp::v1::ListAccessiblePagesRequest& request,
                                       absl::Time deadline,
                                       pdp::v1::ListAccessiblePagesResponse* response) {
  absl::Status reached = state.WaitForRevision(request.min_revision(), deadline);
  if (!reached.ok()) return reached;
  SnapshotPtr snapshot = state.Current();
  absl::StatusOr<pdp::v1::ListAccessiblePagesResponse> pages =
      AccessiblePages(*snapshot, request, Now());
  if (!pages.ok()) return pages.status();
  *response = std::move(*pages);
  return absl::OkStatus();
}

absl::Status HandleListPages(const WorldState& state, pdp::v1::ListPagesResponse* response) {
  SnapshotPtr snapshot = state.Current();
  response->set_catalog_version(snapshot->catalog().version());
  response->set_server_version(VersionString());
  for (const CatalogPage& page : snapshot->catalog().pages()) *response->add_pages() = page.proto;
  return absl::OkStatus();
}

}  // namespace pdp
