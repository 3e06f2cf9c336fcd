#include "billing_pdp/admin_client.h"

#include "billing_pdp/authorization_client.h"

namespace pdp {

AdminClient::AdminClient(const ClientOptions& options)
    : AdminClient(MakeChannel(options), options) {}

AdminClient::AdminClient(std::shared_ptr<grpc::Channel> channel, const ClientOptions& options)
    : stub_(pdp::v1::AdminService::NewStub(std::move(channel))), options_(options) {}

void AdminClient::Prepare(grpc::ClientContext& ctx) const {
  ctx.set_deadline(std::chrono::system_clock::now() + options_.timeout);
  if (!options_.admin_token.empty()) {
    ctx.AddMetadata("authorization", "Bearer " + options_.admin_token);
  }
}

absl::StatusOr<int64_t> AdminClient::ApplyChanges(
    const std::vector<pdp::v1::Change>& changes) const {
  pdp::v1::ApplyChangesRequest request;
  for (const auto& c : changes) *request.add_changes() = c;
  absl::StatusOr<pdp::v1::ApplyChangesResponse> r = Call(&Stub::ApplyChanges, request);
  if (!r.ok()) return r.status();
  return r->revision();
}

absl::StatusOr<pdp::v1::Account> AdminClient::SetIamAccessToBilling(
    const std::string& account_id, bool on, const std::string& actor) const {
  pdp::v1::UpdateAccountSettingsRequest request;
  request.set_account_id(account_id);
  request.mutable_settings()->set_iam_access_to_billing(on);
  request.add_update_mask("iam_access_to_billing");
  request.set_actor(actor);
  return Call(&Stub::UpdateAccountSettings, request);
}

absl::StatusOr<pdp::v1::Account> AdminClient::GetAccount(const std::string& account_id) const {
  pdp::v1::GetRequest request;
  request.set_name(account_id);
  return Call(&Stub::GetAccount, request);
}

}  // namespace pdp
