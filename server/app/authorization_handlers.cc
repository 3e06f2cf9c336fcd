#include "server/app/authorization_handlers.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "base/version.h"
#include "engine/decide/principal_context.h"
#include "server/app/rpc_status.h"
#include "server/wire/questions.h"
#include "server/wire/record_protos.h"
#include "server/wire/wire_decide.h"

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
  return AnswerAuthorize(state, request, response);
}

absl::Status AnswerAuthorize(const WorldState& state, const pdp::v1::AuthorizeRequest& request,
                             pdp::v1::AuthorizeResponse* response) {
  SnapshotPtr snapshot = state.Current();
  ResolvedPrincipal principal;
  Target target;
  absl::Status prepared = PrepareRequest(*snapshot, request, principal, target);
  if (!prepared.ok()) return prepared;
  const Verdict verdict =
      Decide(*snapshot, principal, target, ProtoCallerContext(request.context()), Now());
  ToWire(verdict, target.page, *response->mutable_decision());
  return absl::OkStatus();
}

namespace {

// What a batch may not ask whatever the state: too many requests, or a
// negative min_revision anywhere (the caller's bug).
absl::Status CheckBatch(const pdp::v1::BatchAuthorizeRequest& request) {
  if (request.requests_size() > kMaxBatchRequests) {
    return FieldError("requests",
                      absl::StrCat("at most ", kMaxBatchRequests, " requests per call"));
  }
  for (int i = 0; i < request.requests_size(); ++i) {
    if (request.requests(i).min_revision() < 0) {
      return FieldError(absl::StrCat("requests[", i, "].min_revision"), "must not be negative");
    }
  }
  return absl::OkStatus();
}

// The batch once its revision is reached and CheckBatch has passed.
absl::Status AnswerCheckedBatch(const WorldState& state,
                                const pdp::v1::BatchAuthorizeRequest& request, absl::Time deadline,
                                pdp::v1::BatchAuthorizeResponse* response);

}  // namespace

absl::Status HandleBatchAuthorize(const WorldState& state,
                                  const pdp::v1::BatchAuthorizeRequest& request,
                                  absl::Time deadline, pdp::v1::BatchAuthorizeResponse* response) {
  absl::Status checked = CheckBatch(request);
  if (!checked.ok()) return checked;
  // One snapshot answers every request, so the batch waits once, for the
  // largest min_revision.
  absl::Status reached = state.WaitForRevision(MinRevision(request), deadline);
  if (!reached.ok()) return reached;
  return AnswerCheckedBatch(state, request, deadline, response);
}

absl::Status AnswerBatchAuthorize(const WorldState& state,
                                  const pdp::v1::BatchAuthorizeRequest& request,
                                  absl::Time deadline, pdp::v1::BatchAuthorizeResponse* response) {
  absl::Status checked = CheckBatch(request);
  if (!checked.ok()) return checked;
  return AnswerCheckedBatch(state, request, deadline, response);
}

namespace {

absl::Status AnswerCheckedBatch(const WorldState& state,
                                const pdp::v1::BatchAuthorizeRequest& request, absl::Time deadline,
                                pdp::v1::BatchAuthorizeResponse* response) {
  SnapshotPtr snapshot = state.Current();
  const DecideOptions options = Now();  // one instant for the whole batch
  response->set_revision(snapshot->revision());
  response->mutable_results()->Reserve(request.requests_size());
  // A batch usually asks about one principal: it is resolved again only
  // when a request names another principal or account than the one before.
  std::optional<ResolvedPrincipal> principal;
  absl::Status resolved;
  const pdp::v1::AuthorizeRequest* resolved_for = nullptr;
  for (int i = 0; i < request.requests_size(); ++i) {
    // Past the deadline nobody reads the answer: stop rather than hold the
    // queue thread for the rest of the batch. (No deadline: no clock read.)
    if (deadline != absl::InfiniteFuture() && absl::Now() >= deadline) {
      response->Clear();
      return absl::DeadlineExceededError(absl::StrCat(
          "the call's deadline passed after ", i, " of ", request.requests_size(), " requests"));
    }
    const pdp::v1::AuthorizeRequest& item = request.requests(i);
    pdp::v1::BatchAuthorizeResult* result = response->add_results();
    if (resolved_for == nullptr || item.principal() != resolved_for->principal() ||
        item.account_id() != resolved_for->account_id()) {
      principal.emplace();
      resolved = ResolvePrincipal(*snapshot, item.principal(), item.account_id(), *principal);
      resolved_for = &item;
    }
    Target target;
    absl::Status status = resolved;
    if (status.ok()) status = TargetOf(snapshot->catalog(), item, target);
    const ProtoCallerContext context(item.context());
    if (status.ok()) status = ValidateCallerContext(context);
    if (status.ok()) {
      const Verdict verdict = Decide(*snapshot, *principal, target, context, options);
      ToWire(verdict, target.page, *result->mutable_decision());
    } else {
      *result->mutable_error() =
          ToRpcStatus(PrefixFieldPaths(absl::StrCat("requests[", i, "]."), status));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status HandleExplain(const WorldState& state, const pdp::v1::AuthorizeRequest& request,
                           absl::Time deadline, pdp::v1::ExplainResponse* response) {
  absl::Status reached = state.WaitForRevision(request.min_revision(), deadline);
  if (!reached.ok()) return reached;
  return AnswerExplain(state, request, response);
}

absl::Status AnswerExplain(const WorldState& state, const pdp::v1::AuthorizeRequest& request,
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
                                       absl::Time deadline,
                                       pdp::v1::ListAccessiblePagesResponse* response) {
  absl::Status reached = state.WaitForRevision(request.min_revision(), deadline);
  if (!reached.ok()) return reached;
  return AnswerListAccessiblePages(state, request, response);
}

absl::Status AnswerListAccessiblePages(const WorldState& state,
                                       const pdp::v1::ListAccessiblePagesRequest& request,
                                       pdp::v1::ListAccessiblePagesResponse* response) {
  SnapshotPtr snapshot = state.Current();
  return FillAccessiblePages(*snapshot, request, Now(), response);
}

absl::Status HandleListPages(const WorldState& state, pdp::v1::ListPagesResponse* response) {
  SnapshotPtr snapshot = state.Current();
  response->set_catalog_version(snapshot->catalog().version());
  response->set_server_version(VersionString());
  for (const CatalogPage& page : snapshot->catalog().pages())
    *response->add_pages() = PageToProto(page);
  return absl::OkStatus();
}

}  // namespace pdp
