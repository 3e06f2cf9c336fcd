// Typed client for pdp.v1.AuthorizationService.
//
//   pdp::AuthorizationClient client(pdp::ClientOptions{});
//   if (client.IsAllowed(pdp::PageQuery{.principal = arn, .page_id = "billing_bills"})) ...
//
// Every call has a deadline (its own CallOptions::timeout, the last argument
// of every method, else ClientOptions::timeout), a min_revision (the query's
// or CallOptions::min_revision, the larger) and, when set, the bearer token
// (ClientOptions::token). After the server went away, reconnection attempts
// are at most ClientOptions::max_reconnect_backoff apart; meanwhile calls
// fail fast with UNAVAILABLE (each retried twice on channels NewChannel
// makes: every AuthorizationService method is a read). Thread-safe: one
// client may be shared by many threads, sync and async calls alike.
//
// Async calls (AuthorizeAsync, BatchAuthorizeAsync, IsAllowedAsync) hold no
// thread of the caller: they return at once and deliver the outcome to a
// callback, over gRPC's callback API. A service running its own completion
// queue or executor posts from the callback to it. Their contract:
//   - The callback runs exactly once per call, whatever the outcome: the
//     answer, a server error, DEADLINE_EXCEEDED, UNAVAILABLE, or CANCELLED
//     when the client is destroyed first.
//   - It runs on a gRPC thread, or on the calling thread before the Async
//     method returns: always when the call fails before anything is sent
//     (no channel, an invalid CallOptions), and when gRPC fails the call at
//     once. So never call an Async method while holding a lock that the
//     callback takes. Keep callbacks short (they occupy a gRPC thread that
//     delivers other calls' answers) and let them not throw.
//   - Lifetime: the query and options are copied before the method returns.
//     Destroying (or assigning to) the client cancels its pending calls and
//     waits until every callback has returned; those callbacks see CANCELLED
//     unless the answer was already in. So whatever a callback uses must
//     outlive the client, and a callback must not destroy its own client
//     (that waits on itself). An Async call started while the client is
//     being destroyed (from a callback) gets CANCELLED at once.
#ifndef BILLING_PDP_AUTHORIZATION_CLIENT_H_
#define BILLING_PDP_AUTHORIZATION_CLIENT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "billing_pdp/client_options.h"
#include "pdp/v1/authorization.grpc.pb.h"

namespace pdp {

// Condition keys and their values (aws:SourceIp, aws:MultiFactorAuthPresent, ...).
using RequestContextValues = std::map<std::string, std::vector<std::string>>;

// May `principal` VIEW or MODIFY a console page?
struct PageQuery {
  std::string principal;
  std::string page_id;
  pdp::v1::Access access = pdp::v1::VIEW;
  std::string account_id;  // empty: the principal's own account
  RequestContextValues context;
  // Wait (within the call's timeout) until the server has reached this
  // revision, e.g. one a write returned: read your own writes.
  int64_t min_revision = 0;
};

// May `principal` perform an IAM action (an SDK call) on a resource?
struct ActionQuery {
  std::string principal;
  std::string action;
  std::string resource;  // empty: "*"
  std::string account_id;
  RequestContextValues context;
  int64_t min_revision = 0;  // as PageQuery::min_revision
};

using Query = std::variant<PageQuery, ActionQuery>;

// Who in `account_id` can use a page (page_id, access) or perform an action
// (action, resource)? Set one of page_id and action.
struct WhoCanQuery {
  std::string account_id;
  std::string page_id;
  pdp::v1::Access access = pdp::v1::VIEW;
  std::string action;
  std::string resource;  // empty: "*"
  RequestContextValues context;
  bool include_denied = false;  // also list who is denied, and why
  // One page per call: 0 means the server's default (1,000), at most 10,000.
  int32_t page_size = 0;
  // The previous response's next_page_token (same query otherwise); empty
  // for the first page.
  std::string page_token;
  int64_t min_revision = 0;
};

// Questions asked of the current state with `changes` applied (never
// committed), next to their answers without them.
struct WhatIfQuery {
  std::vector<pdp::v1::Change> changes;  // as in AdminClient::ApplyChanges
  std::vector<Query> authorize;
  std::vector<std::string> list_accessible_pages;  // principals (their own account)
  std::vector<WhoCanQuery> who_can;
  // Accounts whose page access is compared; empty: every account the changes touch.
  std::vector<std::string> diff_account_ids;
};

// Principals x pages (AccessMatrix): one account's principals, or every
// account's of an organization. Set exactly one of account_id and
// organization_id.
struct AccessMatrixQuery {
  std::string account_id;
  std::string organization_id;
  // The columns, in this order, each page once; empty: the whole catalogue.
  std::vector<std::string> page_ids;
  RequestContextValues context;  // for every cell, as in Authorize
  int64_t min_revision = 0;      // as PageQuery::min_revision
};

struct Decision {
  bool allowed = false;
  pdp::v1::Reason reason = pdp::v1::REASON_UNSPECIFIED;
  int64_t revision = 0;
  std::vector<std::string> available_features;

  // "ROOT_USER", "IAM_ACCESS_NOT_ACTIVATED", ...
  std::string reason_name() const { return pdp::v1::Reason_Name(reason); }
};

class PendingCalls;  // the async calls in flight (private to the library)

class AuthorizationClient {
 public:
  using DecisionCallback = std::function<void(absl::StatusOr<Decision>)>;
  using BatchCallback = std::function<void(absl::StatusOr<std::vector<absl::StatusOr<Decision>>>)>;
  // allowed: true only for an ALLOW. why: OK for an ALLOW or a DENY, the
  // error otherwise (as IsAllowed's `why`).
  using AllowedCallback = std::function<void(bool allowed, absl::Status why)>;

  // Connects as the options say (NewChannel). When the channel cannot be
  // made (a TLS file unreadable or invalid: INVALID_ARGUMENT), status() and
  // every call return that error; nothing is sent.
  explicit AuthorizationClient(const ClientOptions& options);
  // On `channel` (the options' target and credentials are then unused).
  AuthorizationClient(std::shared_ptr<grpc::Channel> channel, const ClientOptions& options);
  // Cancels the pending async calls and waits for their callbacks (above).
  ~AuthorizationClient();
  // A moved-from client may only be destroyed or assigned to; the async
  // calls in flight keep running and are the new owner's to wait for.
  AuthorizationClient(AuthorizationClient&&) noexcept;
  AuthorizationClient& operator=(AuthorizationClient&&) noexcept;

  // OK, or why the client has no channel.
  const absl::Status& status() const { return status_; }

  // A DENY is a Decision with allowed == false; errors are for bad requests
  // (INVALID_ARGUMENT with field paths, see status.h) and transport failures.
  absl::StatusOr<Decision> Authorize(const Query& query, const CallOptions& call = {}) const;

  // Fails closed: true only for an ALLOW; any error (a min_revision not
  // reached in time included) is false. With `why`, says why it is false:
  // OK for a DENY, the error otherwise (unchanged when true).
  bool IsAllowed(const Query& query, const CallOptions& call = {}) const;
  bool IsAllowed(const Query& query, absl::Status* why, const CallOptions& call = {}) const;

  // Many queries on one snapshot (at the largest of their min_revisions);
  // one result per query, in order.
  absl::StatusOr<std::vector<absl::StatusOr<Decision>>> BatchAuthorize(
      const std::vector<Query>& queries, const CallOptions& call = {}) const;

  // Authorize, IsAllowed and BatchAuthorize without blocking: `done` gets
  // what the sync method would return (see the async contract at the top).
  void AuthorizeAsync(const Query& query, const CallOptions& call, DecisionCallback done) const;
  void IsAllowedAsync(const Query& query, const CallOptions& call, AllowedCallback done) const;
  void BatchAuthorizeAsync(const std::vector<Query>& queries, const CallOptions& call,
                           BatchCallback done) const;

  // The decision with every gate and statement behind it.
  absl::StatusOr<pdp::v1::ExplainResponse> Explain(const Query& query,
                                                   const CallOptions& call = {}) const;

  // Pages the principal can VIEW or MODIFY (all pages with include_denied),
  // once the server has reached min_revision (or call.min_revision).
  absl::StatusOr<pdp::v1::ListAccessiblePagesResponse> ListAccessiblePages(
      const std::string& principal, const std::string& account_id = "", bool include_denied = false,
      int64_t min_revision = 0, const CallOptions& call = {}) const;

  // The page catalogue (fixed when the server starts: call.min_revision is
  // INVALID_ARGUMENT here).
  absl::StatusOr<pdp::v1::ListPagesResponse> ListPages(const CallOptions& call = {}) const;

  // Every principal of the account allowed (with include_denied: every
  // principal) and the reason: the root user first, then by ARN.
  // INVALID_ARGUMENT locally when both page_id and action are set.
  // One page of the answer (query.page_size, query.page_token); pass
  // next_page_token back as page_token until it is empty. A page may hold
  // fewer than page_size principals (even none) and still have a next one:
  // the server decides for at most 10,000 principals per call.
  absl::StatusOr<pdp::v1::WhoCanResponse> WhoCan(const WhoCanQuery& query,
                                                 const CallOptions& call = {}) const;

  // The changes' effect without applying them: change results, each
  // question's answer before and after (after: revision 0), and the page
  // access that would change. Errors name the change or question
  // ("changes[3].put_user.user.arn", "authorize[0].principal"). A large
  // change set can take longer than the default 1 s timeout: give the call
  // its own (CallOptions{.timeout = ...}).
  absl::StatusOr<pdp::v1::WhatIfResponse> WhatIf(const WhatIfQuery& query,
                                                 const CallOptions& call = {}) const;
  absl::StatusOr<pdp::v1::WhatIfResponse> WhatIf(const pdp::v1::WhatIfRequest& request,
                                                 const CallOptions& call = {}) const;

  // The access matrix, streamed: on_message gets each message in order (the
  // first carries the columns, every one the same revision, the rows come
  // in account id order, in each the root user, then by ARN); return false
  // to stop (the call is cancelled and AccessMatrix returns CANCELLED).
  // OK once the last message was delivered; the server's error otherwise
  // (INVALID_ARGUMENT "page_ids[2]", NOT_FOUND "account_id", ...), after
  // whatever messages came before it. INVALID_ARGUMENT locally, nothing
  // sent, when both or neither of account_id and organization_id are set.
  // A large organization takes longer than the default 1 s timeout: give
  // the call its own (CallOptions{.timeout = ...}); the timeout covers the
  // whole stream, on_message's time included.
  absl::Status AccessMatrix(
      const AccessMatrixQuery& query,
      const std::function<bool(const pdp::v1::AccessMatrixResponse&)>& on_message,
      const CallOptions& call = {}) const;

  // The request message a query becomes (exposed for tools and tests).
  static pdp::v1::AuthorizeRequest ToRequest(const Query& query);
  static Decision FromProto(const pdp::v1::Decision& d);
  static pdp::v1::WhoCanRequest ToRequest(const WhoCanQuery& query);
  static pdp::v1::WhatIfRequest ToRequest(const WhatIfQuery& query);
  static pdp::v1::AccessMatrixRequest ToRequest(const AccessMatrixQuery& query);

 private:
  // Deadline (the call's, else the client's) and token on `ctx` (PrepareCall);
  // status_ when there is no channel.
  absl::Status Prepare(grpc::ClientContext& ctx, const CallOptions& call,
                       bool takes_min_revision = true) const;

  // First, so that assigning to a client drains its calls before its stub
  // goes (members are assigned in declaration order).
  std::unique_ptr<PendingCalls> pending_;
  std::unique_ptr<pdp::v1::AuthorizationService::Stub> stub_;  // null unless status_ is OK
  ClientOptions options_;
  absl::Status status_;
};

// The default service config of channels NewChannel makes: reads
// (every AuthorizationService method; AdminService's Get*, List* and
// ValidatePolicy) that fail with UNAVAILABLE are retried by gRPC, at most 3
// attempts, 0.1 s then 0.2 s apart (+-20%), within the call's deadline.
// Writes and Watch are never retried here. A REVISION_NOT_REACHED answer is
// UNAVAILABLE too, but the server marks it not to be retried (it comes just
// before the deadline), so the caller gets it, message and all.
extern const char kReadRetryServiceConfig[];

// A channel to options.target with the credentials MakeChannelCredentials
// makes of the options (TLS, with tls->server_name as the name the server's
// certificate must carry) and kReadRetryServiceConfig; its errors
// (INVALID_ARGUMENT) otherwise.
absl::StatusOr<std::shared_ptr<grpc::Channel>> NewChannel(const ClientOptions& options);
// The same, null instead of an error.
std::shared_ptr<grpc::Channel> MakeChannel(const ClientOptions& options);

}  // namespace pdp

#endif  // BILLING_PDP_AUTHORIZATION_CLIENT_H_
