// Typed client for pdp.v1.AuthorizationService.
//
//   pdp::AuthorizationClient client(pdp::ClientOptions{});
//   if (client.IsAllowed(pdp::PageQuery{.principal = arn, .page_id = "billing_bills"})) ...
//
// Every call has a deadline (ClientOptions::timeout). Thread-safe: one
// client may be shared by many threads.
#ifndef BILLING_PDP_AUTHORIZATION_CLIENT_H_
#define BILLING_PDP_AUTHORIZATION_CLIENT_H_

#include <cstdint>
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
};

// May `principal` perform an IAM action (an SDK call) on a resource?
struct ActionQuery {
  std::string principal;
  std::string action;
  std::string resource;  // empty: "*"
  std::string account_id;
  RequestContextValues context;
};

using Query = std::variant<PageQuery, ActionQuery>;

struct Decision {
  bool allowed = false;
  pdp::v1::Reason reason = pdp::v1::REASON_UNSPECIFIED;
  int64_t revision = 0;
  std::vector<std::string> available_features;

  // "ROOT_USER", "IAM_ACCESS_NOT_ACTIVATED", ...
  std::string reason_name() const { return pdp::v1::Reason_Name(reason); }
};

class AuthorizationClient {
 public:
  explicit AuthorizationClient(const ClientOptions& options);
  AuthorizationClient(std::shared_ptr<grpc::Channel> channel, const ClientOptions& options);

  // A DENY is a Decision with allowed == false; errors are for bad requests
  // (INVALID_ARGUMENT with field paths, see status.h) and transport failures.
  absl::StatusOr<Decision> Authorize(const Query& query) const;

  // Fails closed: true only for an ALLOW; any error is false.
  bool IsAllowed(const Query& query) const;

  // Many queries on one snapshot; one result per query, in order.
  absl::StatusOr<std::vector<absl::StatusOr<Decision>>> BatchAuthorize(
      const std::vector<Query>& queries) const;

  // The decision with every gate and statement behind it.
  absl::StatusOr<pdp::v1::ExplainResponse> Explain(const Query& query) const;

  // Pages the principal can VIEW or MODIFY (all pages with include_denied).
  absl::StatusOr<pdp::v1::ListAccessiblePagesResponse> ListAccessiblePages(
      const std::string& principal, const std::string& account_id = "",
      bool include_denied = false) const;

  absl::StatusOr<pdp::v1::ListPagesResponse> ListPages() const;

  // The request message a query becomes (exposed for tools and tests).
  static pdp::v1::AuthorizeRequest ToRequest(const Query& query);
  static Decision FromProto(const pdp::v1::Decision& d);

 private:
  void Prepare(grpc::ClientContext& ctx) const;

  std::unique_ptr<pdp::v1::AuthorizationService::Stub> stub_;
  ClientOptions options_;
};

// A channel to options.target with options.credentials (plaintext if null).
std::shared_ptr<grpc::Channel> MakeChannel(const ClientOptions& options);

}  // namespace pdp

#endif  // BILLING_PDP_AUTHORIZATION_CLIENT_H_
