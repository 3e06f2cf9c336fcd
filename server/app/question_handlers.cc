#include "server/app/question_handlers.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "base/strings.h"
#include "server/wire/change_from_wire.h"
#include "server/wire/change_wire.h"
#include "server/wire/questions.h"
#include "server/wire/wire_decide.h"

namespace pdp {
namespace {

using pdp::v1::Decision;

// The proposed state is never committed, so its answers name no revision
// (its snapshot's number, base + 1, may later be a different committed state).
void MarkUncommitted(Decision& d) { d.set_revision(0); }

void MarkUncommitted(pdp::v1::ListAccessiblePagesResponse& r) {
  r.set_revision(0);
  for (pdp::v1::PageAccess& p : *r.mutable_pages()) {
    MarkUncommitted(*p.mutable_view());
    MarkUncommitted(*p.mutable_modify());
  }
}

void MarkUncommitted(pdp::v1::WhoCanResponse& r) {
  r.set_revision(0);
  for (pdp::v1::PrincipalDecision& p : *r.mutable_principals()) {
    MarkUncommitted(*p.mutable_decision());
  }
}

// Request-level checks that need no state: sizes and account ids.
absl::Status CheckWhatIfRequest(const pdp::v1::WhatIfRequest& request) {
  if (request.changes_size() > kMaxWhatIfChanges) {
    return FieldError("changes", absl::StrCat("at most ", kMaxWhatIfChanges, " changes per call"));
  }
  // The list that takes the total past the limit is the one named.
  const std::pair<const char*, int> lists[] = {
      {"authorize", request.authorize_size()},
      {"list_accessible_pages", request.list_accessible_pages_size()},
      {"who_can", request.who_can_size()}};
  int total = 0;
  for (const auto& [field, size] : lists) {
    total += size;
    if (total > kMaxWhatIfQuestions) {
      return FieldError(field, absl::StrCat("at most ", kMaxWhatIfQuestions,
                                            " questions (authorize, list_accessible_pages and "
                                            "who_can together) per call"));
    }
  }
  for (int i = 0; i < request.diff_account_ids_size(); ++i) {
    if (!IsAccountId(request.diff_account_ids(i))) {
      return FieldError(absl::StrCat("diff_account_ids[", i, "]"), "must be exactly 12 digits");
    }
  }
  return absl::OkStatus();
}

// The largest min_revision of the request and its questions (as
// BatchAuthorize does). WaitForRevision refuses a negative request-level one.
template <typename Question>
absl::Status MaxMinRevision(const google::protobuf::RepeatedPtrField<Question>& questions,
                            absl::string_view field, int64_t* max) {
  for (int i = 0; i < questions.size(); ++i) {
    if (questions[i].min_revision() < 0) {
      return FieldError(absl::StrCat(field, "[", i, "].min_revision"), "must not be negative");
    }
    *max = std::max(*max, questions[i].min_revision());
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> MinRevision(const pdp::v1::WhatIfRequest& request) {
  if (request.min_revision() < 0) return FieldError("min_revision", "must not be negative");
  int64_t r = request.min_revision();
  for (absl::Status s :
       {MaxMinRevision(request.authorize(), "authorize", &r),
        MaxMinRevision(request.list_accessible_pages(), "list_accessible_pages", &r),
        MaxMinRevision(request.who_can(), "who_can", &r)}) {
    if (!s.ok()) return s;
  }
  return r;
}

// WhoCan on one side of a WhatIf: an account that does not exist there (it
// is created or deleted by the changes) has no principals.
absl::StatusOr<pdp::v1::WhoCanResponse> WhoCanOnSide(const Snapshot& snapshot,
                                                     const pdp::v1::WhoCanRequest& request,
                                                     const DecideOptions& options,
                                                     bool* not_found) {
  absl::StatusOr<pdp::v1::WhoCanResponse> r = WhoCan(snapshot, request, options);
  *not_found = r.status().code() == absl::StatusCode::kNotFound;
  if (!*not_found) return r;
  pdp::v1::WhoCanResponse empty;
  empty.set_revision(snapshot.revision());
  return empty;
}

absl::Status AnswerQuestions(const Snapshot& base, const Snapshot& proposed,
                             const pdp::v1::WhatIfRequest& request, const DecideOptions& options,
                             pdp::v1::WhatIfResponse* response) {
  for (int i = 0; i < request.authorize_size(); ++i) {
    const auto prefix = absl::StrCat("authorize[", i, "].");
    absl::StatusOr<Decision> before = Decide(base, request.authorize(i), nullptr, options);
    if (!before.ok()) return PrefixFieldPaths(prefix, before.status());
    absl::StatusOr<Decision> after = Decide(proposed, request.authorize(i), nullptr, options);
    if (!after.ok()) return PrefixFieldPaths(prefix, after.status());
    pdp::v1::WhatIfAuthorizeResult* result = response->add_authorize();
    *result->mutable_before() = std::move(*before);
    *result->mutable_after() = std::move(*after);
    MarkUncommitted(*result->mutable_after());
  }
  for (int i = 0; i < request.list_accessible_pages_size(); ++i) {
    const auto prefix = absl::StrCat("list_accessible_pages[", i, "].");
    const auto& question = request.list_accessible_pages(i);
    absl::StatusOr<pdp::v1::ListAccessiblePagesResponse> before =
        AccessiblePages(base, question, options);
    if (!before.ok()) return PrefixFieldPaths(prefix, before.status());
    absl::StatusOr<pdp::v1::ListAccessiblePagesResponse> after =
        AccessiblePages(proposed, question, options);
    if (!after.ok()) return PrefixFieldPaths(prefix, after.status());
    pdp::v1::WhatIfPagesResult* result = response->add_list_accessible_pages();
    *result->mutable_before() = std::move(*before);
    *result->mutable_after() = std::move(*after);
    MarkUncommitted(*result->mutable_after());
  }
  for (int i = 0; i < request.who_can_size(); ++i) {
    const auto prefix = absl::StrCat("who_can[", i, "].");
    const auto& question = request.who_can(i);
    bool before_missing = false, after_missing = false;
    absl::StatusOr<pdp::v1::WhoCanResponse> before =
        WhoCanOnSide(base, question, options, &before_missing);
    if (!before.ok()) return PrefixFieldPaths(prefix, before.status());
    absl::StatusOr<pdp::v1::WhoCanResponse> after =
        WhoCanOnSide(proposed, question, options, &after_missing);
    if (!after.ok()) return PrefixFieldPaths(prefix, after.status());
    if (before_missing && after_missing) {
      return FieldError(absl::StrCat(prefix, "account_id"),
                        absl::StrCat("account ", question.account_id(),
                                     " exists neither now nor with the changes"),
                        absl::StatusCode::kNotFound);
    }
    pdp::v1::WhatIfWhoCanResult* result = response->add_who_can();
    *result->mutable_before() = std::move(*before);
    *result->mutable_after() = std::move(*after);
    MarkUncommitted(*result->mutable_after());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int64_t> CheckWhatIf(const pdp::v1::WhatIfRequest& request) {
  absl::Status checked = CheckWhatIfRequest(request);
  if (!checked.ok()) return checked;
  return MinRevision(request);
}

absl::Status HandleWhoCan(const WorldState& state, const pdp::v1::WhoCanRequest& request,
                          absl::Time deadline, pdp::v1::WhoCanResponse* response) {
  absl::Status waited = state.WaitForRevision(request.min_revision(), deadline);
  if (!waited.ok()) return waited;
  SnapshotPtr snapshot = state.Current();
  // aws:CurrentTime / aws:EpochTime default to when the request arrived.
  absl::StatusOr<pdp::v1::WhoCanResponse> r = WhoCan(*snapshot, request, {absl::Now()});
  if (!r.ok()) return r.status();
  *response = std::move(*r);
  return absl::OkStatus();
}

absl::Status HandleWhatIf(const WorldState& state, const WorldLimits& limits,
                          const pdp::v1::WhatIfRequest& request, absl::Time deadline,
                          pdp::v1::WhatIfResponse* response) {
  absl::StatusOr<int64_t> min_revision = CheckWhatIf(request);
  if (!min_revision.ok()) return min_revision.status();
  absl::Status waited = state.WaitForRevision(*min_revision, deadline);
  if (!waited.ok()) return waited;

  // One base for everything; the builder copies what it changes, so the
  // published snapshot is never touched.
  const SnapshotPtr base = state.Current();
  response->set_base_revision(base->revision());
  SnapshotBuilder builder(base, limits);
  // Filled by Apply and Finish (etags), then answered.
  std::vector<ChangeResult> results(request.changes_size());
  for (int i = 0; i < request.changes_size(); ++i) {
    const pdp::v1::Change& change = request.changes(i);
    const std::string prefix = WorldState::ErrorPrefix(builder, i, change);
    absl::Status s = ApplyWireChange(builder, change, &results[i]);
    if (!s.ok()) return PrefixFieldPaths(prefix, s);
  }
  const std::vector<std::string> affected(builder.affected_accounts().begin(),
                                          builder.affected_accounts().end());
  const SnapshotPtr proposed = builder.Finish();
  response->mutable_change_results()->Reserve(request.changes_size());
  for (const ChangeResult& r : results) *response->add_change_results() = ChangeResultToProto(r);

  const DecideOptions options{absl::Now()};  // one instant for both sides
  absl::Status answered = AnswerQuestions(*base, *proposed, request, options, response);
  if (!answered.ok()) return answered;

  const std::vector<std::string> accounts =
      request.diff_account_ids().empty()
          ? affected
          : std::vector<std::string>(request.diff_account_ids().begin(),
                                     request.diff_account_ids().end());
  bool truncated = false;
  absl::StatusOr<std::vector<pdp::v1::AccessDifference>> differences =
      AccessDifferences(*base, *proposed, accounts, kMaxWhatIfDifferences, &truncated, options);
  if (!differences.ok()) return differences.status();
  response->mutable_differences()->Reserve(static_cast<int>(differences->size()));
  for (pdp::v1::AccessDifference& d : *differences) {
    MarkUncommitted(*d.mutable_after());
    *response->add_differences() = std::move(d);
  }
  response->set_differences_truncated(truncated);
  return absl::OkStatus();
}

}  // namespace pdp
