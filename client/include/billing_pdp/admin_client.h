// Client for pdp.v1.AdminService (the control plane). Sends the bearer token
// (ClientOptions::token, or the deprecated admin_token) and a deadline with
// every call. Thread-safe.
//
//   pdp::AdminClient admin(options);
//   auto account = admin.SetIamAccessToBilling("111111111111", true,
//                                              "arn:aws:iam::111111111111:root");
//   auto user = admin.Call(&pdp::v1::AdminService::Stub::GetUser, get_request);
//   auto applied = admin.ApplyChanges(changes, "7f3c...");  // safe to retry
//   auto watch = admin.Watch(applied->revision() + 1);       // what comes next
#ifndef BILLING_PDP_ADMIN_CLIENT_H_
#define BILLING_PDP_ADMIN_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "billing_pdp/change_watch.h"
#include "billing_pdp/client_options.h"
#include "billing_pdp/revision.h"
#include "billing_pdp/status.h"
#include "pdp/v1/admin.grpc.pb.h"

namespace pdp {

class AdminClient {
 public:
  using Stub = pdp::v1::AdminService::Stub;

  // Connects as the options say (NewChannel). When the channel cannot be
  // made (a TLS file unreadable or invalid: INVALID_ARGUMENT), status(),
  // every call and every Watch return that error; nothing is sent.
  explicit AdminClient(const ClientOptions& options);
  // On `channel` (the options' target and credentials are then unused).
  AdminClient(std::shared_ptr<grpc::Channel> channel, const ClientOptions& options);

  // OK, or why the client has no channel.
  const absl::Status& status() const { return status_; }

  // Any unary AdminService method, e.g. Call(&Stub::CreateUser, request).
  // Reads take request.min_revision (wait until the server has reached it),
  // or call.min_revision (the larger wins); call.min_revision on a method
  // whose request has none (a write) is INVALID_ARGUMENT, nothing sent.
  // With `revision`, receives the revision the answer reflects (the
  // "pdp-revision" trailer; 0 if none).
  template <typename Request, typename Response>
  absl::StatusOr<Response> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                             Response*),
                                const Request& request, int64_t* revision = nullptr,
                                const CallOptions& call = {}) const {
    constexpr bool kTakesMinRevision = requires(Request & r) { r.set_min_revision(int64_t{0}); };
    grpc::ClientContext ctx;
    if (absl::Status p = Begin(ctx, call, kTakesMinRevision); !p.ok()) return p;
    const Request* sent = &request;
    Request raised;  // request with call.min_revision, when that is larger
    if constexpr (kTakesMinRevision) {
      if (request.min_revision() >= 0 && call.min_revision > request.min_revision()) {
        raised = request;
        raised.set_min_revision(call.min_revision);
        sent = &raised;
      }
    }
    Response response;
    grpc::Status s = (stub_.get()->*method)(&ctx, *sent, &response);
    if (revision != nullptr) *revision = ResponseRevision(ctx).value_or(0);
    if (!s.ok()) return FromGrpcStatus(s);
    return response;
  }

  // All changes or none, as one new revision: the response has the revision
  // and one result (name, etag, unchanged) per change, in order. Changes
  // that change nothing are marked unchanged and not committed; when all
  // are, no revision is made and the response names the current one (so
  // re-applying desired state is free). With a request_id
  // (1 to 128 printable ASCII characters, e.g. a UUID), retrying after a
  // timeout is safe: a request the server already committed is not applied
  // again, its first response comes back with replayed = true. Reusing an
  // id for other changes is INVALID_ARGUMENT, reason REQUEST_ID_REUSED. On
  // failure the error names the failing changes ("changes[3].put_user.
  // user.arn", ...; ServerErrorFields): all of them, or the first that fit
  // the server's error size bound, the message saying how many more failed.
  // UNAVAILABLE with reason COMMIT_OUTCOME_UNKNOWN means the write may have
  // been applied: retry with the same request id. A large batch may need a
  // longer deadline than the default second (CallOptions::timeout).
  absl::StatusOr<pdp::v1::ApplyChangesResponse> ApplyChanges(
      const std::vector<pdp::v1::Change>& changes, const std::string& request_id = "",
      const CallOptions& call = {}) const;
  absl::StatusOr<pdp::v1::ApplyChangesResponse> ApplyChanges(
      const pdp::v1::ApplyChangesRequest& request, const CallOptions& call = {}) const;

  // Streams the committed batches from `from_revision` (0: only those
  // committed from now on); see change_watch.h. Never fails here: errors
  // end the stream and come from ChangeWatch::Finish().
  std::unique_ptr<ChangeWatch> Watch(int64_t from_revision) const;

  // Turns "Activate IAM Access" on or off. Only the account's root user may
  // (`actor`); anyone else gets PERMISSION_DENIED, reason ROOT_USER_REQUIRED.
  absl::StatusOr<pdp::v1::Account> SetIamAccessToBilling(const std::string& account_id, bool on,
                                                         const std::string& actor) const;

  absl::StatusOr<pdp::v1::Account> GetAccount(const std::string& account_id,
                                              int64_t min_revision = 0) const;

  // Sets the deadline (the call's, else the client's) and token on a
  // context (for direct stub use; call.min_revision is not applied there:
  // set it in the request).
  void Prepare(grpc::ClientContext& ctx, const CallOptions& call = {}) const;
  // The stub, for direct use; only when status() is OK.
  Stub& stub() const { return *stub_; }

 private:
  // status_, or PrepareCall's error (call.min_revision), or OK with the
  // deadline and token set on `ctx`.
  absl::Status Begin(grpc::ClientContext& ctx, const CallOptions& call,
                     bool takes_min_revision) const;

  std::unique_ptr<Stub> stub_;  // null unless status_ is OK
  ClientOptions options_;
  absl::Status status_;
};

}  // namespace pdp

#endif  // BILLING_PDP_ADMIN_CLIENT_H_
