// Client for pdp.v1.AdminService (the control plane). Sends the admin token
// (ClientOptions::admin_token) and a deadline with every call. Thread-safe.
//
//   pdp::AdminClient admin(options);
//   auto account = admin.SetIamAccessToBilling("111111111111", true,
//                                              "arn:aws:iam::111111111111:root");
//   auto user = admin.Call(&pdp::v1::AdminService::Stub::GetUser, get_request);
#ifndef BILLING_PDP_ADMIN_CLIENT_H_
#define BILLING_PDP_ADMIN_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "billing_pdp/client_options.h"
#include "billing_pdp/status.h"
#include "pdp/v1/admin.grpc.pb.h"

namespace pdp {

class AdminClient {
 public:
  using Stub = pdp::v1::AdminService::Stub;

  explicit AdminClient(const ClientOptions& options);
  AdminClient(std::shared_ptr<grpc::Channel> channel, const ClientOptions& options);

  // Any AdminService method, e.g. Call(&Stub::CreateUser, request).
  template <typename Request, typename Response>
  absl::StatusOr<Response> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                             Response*),
                                const Request& request) const {
    grpc::ClientContext ctx;
    Prepare(ctx);
    Response response;
    grpc::Status s = (stub_.get()->*method)(&ctx, request, &response);
    if (!s.ok()) return FromGrpcStatus(s);
    return response;
  }

  // All changes or none, as one new revision; returns the revision.
  absl::StatusOr<int64_t> ApplyChanges(const std::vector<pdp::v1::Change>& changes) const;

  // Turns "Activate IAM Access" on or off. Only the account's root user may
  // (`actor`); anyone else gets PERMISSION_DENIED, reason ROOT_USER_REQUIRED.
  absl::StatusOr<pdp::v1::Account> SetIamAccessToBilling(const std::string& account_id, bool on,
                                                         const std::string& actor) const;

  absl::StatusOr<pdp::v1::Account> GetAccount(const std::string& account_id) const;

  // Sets the deadline and credentials on a context (for direct stub use).
  void Prepare(grpc::ClientContext& ctx) const;
  Stub& stub() const { return *stub_; }

 private:
  std::unique_ptr<Stub> stub_;
  ClientOptions options_;
};

}  // namespace pdp

#endif  // BILLING_PDP_ADMIN_CLIENT_H_
