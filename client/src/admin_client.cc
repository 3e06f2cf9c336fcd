#include "billing_pdp/admin_client.h"

#include "bearer_token.h"  // private to the library
#include "billing_pdp/authorization_client.h"

namespace pdp {

AdminClient::AdminClient(const ClientOptions& options) : options_(options) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = NewChannel(options);
  if (channel.ok()) {
    stub_ = pdp::v1::AdminService::NewStub(*std::move(channel));
  } else {
    status_ = channel.status();
  }
}

AdminClient::AdminClient(std::shared_ptr<grpc::Channel> channel, const ClientOptions& options)
    : stub_(pdp::v1::AdminService::NewStub(std::move(channel))), options_(options) {}

void AdminClient::Prepare(grpc::ClientContext& ctx, const CallOptions& call) const {
  SetDeadlineAndToken(ctx, options_, call);
}

absl::Status AdminClient::Begin(grpc::ClientContext& ctx, const CallOptions& call,
                                bool takes_min_revision) const {
  if (!status_.ok()) return status_;
  return PrepareCall(ctx, options_, call, takes_min_revision);
}

absl::StatusOr<pdp::v1::ApplyChangesResponse> AdminClient::ApplyChanges(
    const std::vector<pdp::v1::Change>& changes, const std::string& request_id,
    const CallOptions& call) const {
  pdp::v1::ApplyChangesRequest request;
  request.mutable_changes()->Reserve(static_cast<int>(changes.size()));
  for (const auto& c : changes) *request.add_changes() = c;
  request.set_request_id(request_id);
  return ApplyChanges(request, call);
}

absl::StatusOr<pdp::v1::ApplyChangesResponse> AdminClient::ApplyChanges(
    const pdp::v1::ApplyChangesRequest& request, const CallOptions& call) const {
  return Call(&Stub::ApplyChanges, request, nullptr, call);
}

std::unique_ptr<ChangeWatch> AdminClient::Watch(int64_t from_revision) const {
  if (!status_.ok()) return std::make_unique<ChangeWatch>(status_, from_revision);
  return std::make_unique<ChangeWatch>(*stub_, options_.BearerToken(), from_revision);
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

absl::StatusOr<pdp::v1::Account> AdminClient::GetAccount(const std::string& account_id,
                                                         int64_t min_revision) const {
  pdp::v1::GetRequest request;
  request.set_name(account_id);
  request.set_min_revision(min_revision);
  return Call(&Stub::GetAccount, request);
}

}  // namespace pdp
