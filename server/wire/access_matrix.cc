#include "server/wire/access_matrix.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "base/strings.h"
#include "engine/decide/principal_context.h"
#include "engine/model/organization_state.h"
#include "server/wire/questions.h"
#include "server/wire/record_protos.h"

namespace pdp {
namespace {

using pdp::v1::AccessMatrixCell;
using pdp::v1::AccessMatrixRequest;
using pdp::v1::AccessMatrixResponse;
using pdp::v1::Decision;
using pdp::v1::Reason;

// The columns: request.page_ids resolved in order, or the whole catalogue.
absl::StatusOr<std::vector<const CatalogPage*>> Columns(const PageCatalog& catalog,
                                                        const AccessMatrixRequest& request) {
  std::vector<const CatalogPage*> out;
  if (request.page_ids().empty()) {
    for (const CatalogPage& page : catalog.pages()) out.push_back(&page);
    return out;
  }
  if (static_cast<size_t>(request.page_ids_size()) > catalog.pages().size()) {
    return FieldError("page_ids", absl::StrCat("at most ", catalog.pages().size(),
                                               " (the catalogue's pages, each once)"));
  }
  absl::flat_hash_map<const CatalogPage*, int> seen;  // page -> its first index
  for (int i = 0; i < request.page_ids_size(); ++i) {
    const std::string& id = request.page_ids(i);
    const std::string field = absl::StrCat("page_ids[", i, "]");
    if (id.empty()) return FieldError(field, "is empty");
    const CatalogPage* page = catalog.Find(id);
    if (page == nullptr) {
      return FieldError(
          field, absl::StrCat("unknown page ", QuoteInput(id), " (ListPages shows the catalogue)"));
    }
    auto [it, inserted] = seen.emplace(page, i);
    if (!inserted) {
      return FieldError(field, absl::StrCat("repeats page_ids[", it->second, "] (", QuoteInput(id),
                                            "); name each page once"));
    }
    out.push_back(page);
  }
  return out;
}

// The accounts of the request's scope, in id order; NOT_FOUND for an
// account or organization the snapshot does not hold.
absl::StatusOr<std::vector<const AccountState*>> Accounts(const Snapshot& snapshot,
                                                          const AccessMatrixRequest& request) {
  std::vector<const AccountState*> out;
  if (request.scope_case() == AccessMatrixRequest::kAccountId) {
    const AccountState* account = snapshot.FindAccount(request.account_id());
    if (account == nullptr) {
      return FieldError("account_id",
                        absl::StrCat("account ", request.account_id(), " does not exist"),
                        absl::StatusCode::kNotFound);
    }
    out.push_back(account);
    return out;
  }
  const OrganizationState* org = snapshot.FindOrganization(request.organization_id());
  if (org == nullptr) {
    return FieldError("organization_id",
                      absl::StrCat("organization ", request.organization_id(), " does not exist"),
                      absl::StatusCode::kNotFound);
  }
  for (const auto& [account_id, member] : org->members) {  // by account id
    const AccountState* account = snapshot.FindAccount(account_id);
    if (account == nullptr) {
      // A member is always an account of the snapshot; leaving it out would
      // hide its principals, so say so instead.
      return absl::InternalError(absl::StrCat("organization ", org->id, " lists account ",
                                              account_id, ", which the state does not hold"));
    }
    out.push_back(account);
  }
  return out;
}

absl::Status CheckScope(const AccessMatrixRequest& request) {
  switch (request.scope_case()) {
    case AccessMatrixRequest::kAccountId:
      if (!IsAccountId(request.account_id())) {
        return FieldError("account_id", "must be exactly 12 digits");
      }
      return absl::OkStatus();
    case AccessMatrixRequest::kOrganizationId:
      if (!IsOrganizationId(request.organization_id())) {
        return FieldError("organization_id",
                          "must be an organization id (o- and 10 to 32 "
                          "lower-case letters or digits)");
      }
      return absl::OkStatus();
    case AccessMatrixRequest::SCOPE_NOT_SET:
      break;
  }
  return FieldError("scope",
                    "set account_id (one account) or organization_id (every account "
                    "of the organization)");
}

bool NeedsStatement(Reason r) {
  return r == pdp::v1::EXPLICIT_DENY || r == pdp::v1::SCP_DENY || r == pdp::v1::ALLOWED_BY_POLICY;
}

// The statement behind `reason` in an explanation of a decision with that
// reason; empty when none is recorded.
std::string DecidingStatement(const pdp::v1::Explanation& ex, Reason reason) {
  const pdp::v1::Effect effect =
      reason == pdp::v1::ALLOWED_BY_POLICY ? pdp::v1::ALLOW : pdp::v1::DENY;
  for (const pdp::v1::ActionTrace& action : ex.actions()) {
    for (const pdp::v1::StatementTrace& st : action.statements()) {
      if (!st.matched() || st.effect() != effect) continue;
      const bool scp = st.policy_type() == "scp";
      const bool wanted = reason == pdp::v1::SCP_DENY        ? scp
                          : reason == pdp::v1::EXPLICIT_DENY ? !scp
                                                             : st.policy_type() == "identity";
      if (!wanted) continue;
      return absl::StrCat(st.policy(), "#", st.sid().empty() ? absl::StrCat(st.index()) : st.sid());
    }
  }
  return "";
}

// Decides and fills the rows of one account's principals.
class MatrixWriter {
 public:
  MatrixWriter(const Snapshot& snapshot, const AccessMatrixRequest& request,
               const std::vector<const CatalogPage*>& columns, const AccessMatrixSink& sink,
               const AccessMatrixOptions& options)
      : snapshot_(snapshot), columns_(columns), sink_(sink), options_(options) {
    *explain_.mutable_context() = request.context();
    context_ = &explain_.context();
    message_.set_revision(snapshot.revision());
    message_.mutable_pages()->Reserve(static_cast<int>(columns.size()));
    for (const CatalogPage* page : columns) *message_.add_pages() = PageToProto(*page);
  }

  absl::Status Account(const AccountState& account) {
    for (const AccountPrincipal& p : PrincipalsOf(account)) {
      if (options_.stop && options_.stop()) return absl::CancelledError("the matrix was stopped");
      absl::StatusOr<std::vector<PageDecision>> decided =
          DecidePages(snapshot_, p.arn, account.id, *context_, columns_, options_.decide);
      if (!decided.ok()) {
        // Stored principals always parse and the context was validated:
        // an error here is our own bug.
        return absl::InternalError(absl::StrCat("deciding for stored principal ", p.arn, ": ",
                                                decided.status().message()));
      }
      pdp::v1::AccessMatrixRow* row = message_.add_rows();
      row->set_account_id(account.id);
      row->set_principal(p.arn);
      row->set_kind(p.kind);
      row->mutable_cells()->Reserve(static_cast<int>(decided->size()));
      statements_.clear();
      for (const PageDecision& pd : *decided) Cell(account, p.arn, pd, *row->add_cells());
      bytes_ += row->ByteSizeLong();
      if (bytes_ >= options_.message_bytes || message_.rows_size() >= options_.message_rows) {
        if (!Send()) return absl::CancelledError("the receiver stopped the matrix");
      }
    }
    return absl::OkStatus();
  }

  // Sends what is left (the first message always goes, rows or not).
  absl::Status Flush() {
    if ((message_.rows_size() > 0 || !sent_any_) && !Send()) {
      return absl::CancelledError("the receiver stopped the matrix");
    }
    return absl::OkStatus();
  }

 private:
  bool Send() {
    const bool more = sink_(message_);
    sent_any_ = true;
    message_.clear_pages();
    message_.clear_rows();
    bytes_ = 0;
    return more;
  }

  void Cell(const AccountState& account, const std::string& principal, const PageDecision& pd,
            AccessMatrixCell& cell) {
    const bool modify = pd.modify.effect() == pdp::v1::ALLOW;
    const bool view = pd.view.effect() == pdp::v1::ALLOW;
    const Decision& deciding = modify || view ? pd.modify : pd.view;
    const pdp::v1::Access deciding_access = modify || view ? pdp::v1::MODIFY : pdp::v1::VIEW;
    cell.set_access(modify ? pdp::v1::MODIFY : view ? pdp::v1::VIEW : pdp::v1::ACCESS_UNSPECIFIED);
    cell.set_reason(deciding.reason());
    if (modify || view) cell.set_view_reason(pd.view.reason());
    if (NeedsStatement(deciding.reason())) {
      cell.set_statement(
          Statement(account, principal, *pd.page, deciding_access, deciding.reason()));
    }
  }

  // The statement behind `reason` for the principal on `page`, from Decide's
  // explanation. It depends only on the required actions (the gates before
  // the policies passed, or the reason would be theirs), so pages requiring
  // the same actions share one explanation per principal. An allow is
  // cheaper still: the first statement that allowed is in the trace of the
  // first required action (every action is allowed), so Explain is asked
  // about that action alone, once per principal and first action; should
  // that answer differ (a gate that applies to the action and not to the
  // page), the page itself is explained.
  std::string Statement(const AccountState& account, const std::string& principal,
                        const CatalogPage& page, pdp::v1::Access access, Reason reason) {
    const ActionRequirements& required = page.For(account.settings.console_action_set);
    const std::vector<CatalogAction>& actions =
        access == pdp::v1::MODIFY ? required.modify : required.view;
    if (actions.empty()) return "";
    explain_.set_principal(principal);
    explain_.set_account_id(account.id);
    if (reason == pdp::v1::ALLOWED_BY_POLICY) {
      std::string key = absl::StrCat("allow\n", actions[0].lower);
      if (auto it = statements_.find(key); it != statements_.end()) return it->second;
      pdp::v1::ActionTarget* action = explain_.mutable_action();
      action->set_action(actions[0].display);
      action->clear_resource();
      std::string statement = Explained(reason);
      if (!statement.empty()) {
        statements_.emplace(std::move(key), statement);
        return statement;
      }
    }
    std::string key = absl::StrCat(static_cast<int>(reason));
    for (const CatalogAction& a : actions) absl::StrAppend(&key, "\n", a.lower);
    if (auto it = statements_.find(key); it != statements_.end()) return it->second;
    explain_.mutable_page()->set_page_id(page.id);
    explain_.mutable_page()->set_access(access);
    std::string statement = Explained(reason);
    statements_.emplace(std::move(key), statement);
    return statement;
  }

  // Explains explain_ as it is aimed now. A decision with another reason
  // than the cell's names no statement rather than a wrong one.
  std::string Explained(Reason reason) {
    pdp::v1::Explanation ex;
    absl::StatusOr<Decision> d = Decide(snapshot_, explain_, &ex, options_.decide);
    return d.ok() && d->reason() == reason ? DecidingStatement(ex, reason) : std::string();
  }

  const Snapshot& snapshot_;
  const std::vector<const CatalogPage*>& columns_;
  const AccessMatrixSink& sink_;
  const AccessMatrixOptions& options_;
  // Explain's request, re-aimed at each cell explained; holds the context.
  pdp::v1::AuthorizeRequest explain_;
  const pdp::v1::RequestContext* context_;
  // The current principal's statements by reason and required actions.
  absl::flat_hash_map<std::string, std::string> statements_;
  AccessMatrixResponse message_;
  size_t bytes_ = 0;
  bool sent_any_ = false;
};

}  // namespace

absl::Status AccessMatrix(const Snapshot& snapshot, const AccessMatrixRequest& request,
                          const AccessMatrixSink& sink, const AccessMatrixOptions& options) {
  // The request's own errors first, then what the state lacks (as WhoCan).
  if (absl::Status s = CheckScope(request); !s.ok()) return s;
  absl::StatusOr<std::vector<const CatalogPage*>> columns = Columns(snapshot.catalog(), request);
  if (!columns.ok()) return columns.status();
  if (absl::Status s = ValidateCallerContext(ProtoCallerContext(request.context())); !s.ok()) {
    return s;
  }
  absl::StatusOr<std::vector<const AccountState*>> accounts = Accounts(snapshot, request);
  if (!accounts.ok()) return accounts.status();

  MatrixWriter writer(snapshot, request, *columns, sink, options);
  for (const AccountState* account : *accounts) {
    if (absl::Status s = writer.Account(*account); !s.ok()) return s;
  }
  return writer.Flush();
}

}  // namespace pdp
