// pdp.v1.AdminService: the control plane. Every write becomes a batch of
// changes applied through WorldState (atomic, durable before the reply);
// reads wait for their min_revision, then answer from the current snapshot.
// Every answer carries the revision it reflects in the "pdp-revision"
// trailer. Runs on gRPC's synchronous thread pool: writes wait for the
// single writer and the store, Watch streams for as long as its client.
// Since each of those holds a thread, reads waiting for a min_revision and
// Watch streams are capped (AdminCallLimits; beyond: RESOURCE_EXHAUSTED,
// reasons TOO_MANY_WAITING_CALLS and TOO_MANY_WATCHES), and both notice
// within kCancelCheckInterval (100 ms) that their client went away.
#ifndef PDP_SERVER_GRPC_ADMIN_SERVICE_H_
#define PDP_SERVER_GRPC_ADMIN_SERVICE_H_

#include "base/arn.h"
#include "engine/policy/known_actions.h"
#include "pdp/v1/admin.grpc.pb.h"
#include "server/app/concurrency_limit.h"
#include "server/app/world_state.h"
#include "server/grpc/authenticator.h"
#include "server/grpc/grpc_errors.h"

namespace pdp {

// Most changes in one ApplyChanges call.
inline constexpr int kMaxChangesPerRequest = 100000;

// Caps on the admin calls that hold a thread while they wait.
struct AdminCallLimits {
  int max_waits = 64;    // reads waiting for a min_revision not yet reached
  int max_watches = 64;  // open Watch streams
};

// Per-kind glue for users, groups and roles (defined in the .cc).
template <typename Proto>
struct EntityTraits;

class AdminServiceImpl final : public pdp::v1::AdminService::Service {
 public:
  // `auth` must outlive this object.
  AdminServiceImpl(WorldState* state, const Authenticator* auth, WorldLimits limits = {},
                   std::shared_ptr<const KnownActions> known_actions = nullptr,
                   AdminCallLimits call_limits = {})
      : state_(state),
        auth_(auth),
        limits_(limits),
        known_actions_(std::move(known_actions)),
        waits_(call_limits.max_waits, "admin reads waiting for a min_revision", "--max-admin-waits",
               "TOO_MANY_WAITING_CALLS"),
        watches_(call_limits.max_watches, "AdminService.Watch streams open", "--max-watches",
                 "TOO_MANY_WATCHES") {}

  using Ctx = grpc::ServerContext;
  grpc::Status CreateAccount(Ctx*, const pdp::v1::CreateAccountRequest*,
                             pdp::v1::Account*) override;
  grpc::Status GetAccount(Ctx*, const pdp::v1::GetRequest*, pdp::v1::Account*) override;
  grpc::Status ListAccounts(Ctx*, const pdp::v1::ListRequest*,
                            pdp::v1::ListAccountsResponse*) override;
  grpc::Status UpdateAccount(Ctx*, const pdp::v1::UpdateAccountRequest*,
                             pdp::v1::Account*) override;
  grpc::Status DeleteAccount(Ctx*, const pdp::v1::DeleteAccountRequest*,
                             pdp::v1::WriteResponse*) override;
  grpc::Status UpdateAccountSettings(Ctx*, const pdp::v1::UpdateAccountSettingsRequest*,
                                     pdp::v1::Account*) override;

  grpc::Status CreateUser(Ctx*, const pdp::v1::PutUserRequest*, pdp::v1::User*) override;
  grpc::Status GetUser(Ctx*, const pdp::v1::GetRequest*, pdp::v1::User*) override;
  grpc::Status ListUsers(Ctx*, const pdp::v1::ListRequest*, pdp::v1::ListUsersResponse*) override;
  grpc::Status UpdateUser(Ctx*, const pdp::v1::PutUserRequest*, pdp::v1::User*) override;
  grpc::Status DeleteUser(Ctx*, const pdp::v1::DeleteEntityRequest*,
                          pdp::v1::WriteResponse*) override;

  grpc::Status CreateGroup(Ctx*, const pdp::v1::PutGroupRequest*, pdp::v1::Group*) override;
  grpc::Status GetGroup(Ctx*, const pdp::v1::GetRequest*, pdp::v1::Group*) override;
  grpc::Status ListGroups(Ctx*, const pdp::v1::ListRequest*, pdp::v1::ListGroupsResponse*) override;
  grpc::Status UpdateGroup(Ctx*, const pdp::v1::PutGroupRequest*, pdp::v1::Group*) override;
  grpc::Status DeleteGroup(Ctx*, const pdp::v1::DeleteEntityRequest*,
                           pdp::v1::WriteResponse*) override;

  grpc::Status CreateRole(Ctx*, const pdp::v1::PutRoleRequest*, pdp::v1::Role*) override;
  grpc::Status GetRole(Ctx*, const pdp::v1::GetRequest*, pdp::v1::Role*) override;
  grpc::Status ListRoles(Ctx*, const pdp::v1::ListRequest*, pdp::v1::ListRolesResponse*) override;
  grpc::Status UpdateRole(Ctx*, const pdp::v1::PutRoleRequest*, pdp::v1::Role*) override;
  grpc::Status DeleteRole(Ctx*, const pdp::v1::DeleteEntityRequest*,
                          pdp::v1::WriteResponse*) override;

  grpc::Status PutRoleSession(Ctx*, const pdp::v1::PutRoleSessionRequest*,
                              pdp::v1::RoleSession*) override;
  grpc::Status DeleteRoleSession(Ctx*, const pdp::v1::DeleteRoleSessionRequest*,
                                 pdp::v1::WriteResponse*) override;
  grpc::Status GetRoleSession(Ctx*, const pdp::v1::GetRequest*, pdp::v1::RoleSession*) override;
  grpc::Status ListRoleSessions(Ctx*, const pdp::v1::ListRequest*,
                                pdp::v1::ListRoleSessionsResponse*) override;

  grpc::Status CreatePolicy(Ctx*, const pdp::v1::CreatePolicyRequest*,
                            pdp::v1::ManagedPolicy*) override;
  grpc::Status GetPolicy(Ctx*, const pdp::v1::GetRequest*, pdp::v1::ManagedPolicy*) override;
  grpc::Status ListPolicies(Ctx*, const pdp::v1::ListRequest*,
                            pdp::v1::ListPoliciesResponse*) override;
  grpc::Status UpdatePolicy(Ctx*, const pdp::v1::UpdatePolicyRequest*,
                            pdp::v1::ManagedPolicy*) override;
  grpc::Status DeletePolicy(Ctx*, const pdp::v1::DeletePolicyRequest*,
                            pdp::v1::WriteResponse*) override;
  grpc::Status CreatePolicyVersion(Ctx*, const pdp::v1::CreatePolicyVersionRequest*,
                                   pdp::v1::ManagedPolicy*) override;
  grpc::Status GetPolicyVersion(Ctx*, const pdp::v1::GetPolicyVersionRequest*,
                                pdp::v1::PolicyVersion*) override;
  grpc::Status ListPolicyVersions(Ctx*, const pdp::v1::GetRequest*,
                                  pdp::v1::ListPolicyVersionsResponse*) override;
  grpc::Status SetDefaultPolicyVersion(Ctx*, const pdp::v1::SetDefaultPolicyVersionRequest*,
                                       pdp::v1::ManagedPolicy*) override;
  grpc::Status DeletePolicyVersion(Ctx*, const pdp::v1::DeletePolicyVersionRequest*,
                                   pdp::v1::ManagedPolicy*) override;

  grpc::Status PutInlinePolicy(Ctx*, const pdp::v1::PutInlinePolicyRequest*,
                               pdp::v1::WriteResponse*) override;
  grpc::Status GetInlinePolicy(Ctx*, const pdp::v1::GetInlinePolicyRequest*,
                               pdp::v1::InlinePolicy*) override;
  grpc::Status ListInlinePolicies(Ctx*, const pdp::v1::GetRequest*,
                                  pdp::v1::ListInlinePoliciesResponse*) override;
  grpc::Status DeleteInlinePolicy(Ctx*, const pdp::v1::DeleteInlinePolicyRequest*,
                                  pdp::v1::WriteResponse*) override;

  grpc::Status AttachPolicy(Ctx*, const pdp::v1::AttachPolicyRequest*,
                            pdp::v1::WriteResponse*) override;
  grpc::Status DetachPolicy(Ctx*, const pdp::v1::DetachPolicyRequest*,
                            pdp::v1::WriteResponse*) override;
  grpc::Status AddUserToGroup(Ctx*, const pdp::v1::AddUserToGroupRequest*,
                              pdp::v1::WriteResponse*) override;
  grpc::Status RemoveUserFromGroup(Ctx*, const pdp::v1::RemoveUserFromGroupRequest*,
                                   pdp::v1::WriteResponse*) override;

  grpc::Status ValidatePolicy(Ctx*, const pdp::v1::ValidatePolicyRequest*,
                              pdp::v1::ValidatePolicyResponse*) override;
  grpc::Status GetOrganization(Ctx*, const pdp::v1::GetRequest*, pdp::v1::Organization*) override;
  grpc::Status ListOrganizations(Ctx*, const pdp::v1::ListRequest*,
                                 pdp::v1::ListOrganizationsResponse*) override;
  grpc::Status ApplyChanges(Ctx*, const pdp::v1::ApplyChangesRequest*,
                            pdp::v1::ApplyChangesResponse*) override;
  grpc::Status Watch(Ctx*, const pdp::v1::WatchRequest*,
                     grpc::ServerWriter<pdp::v1::WatchResponse>*) override;
  grpc::Status ListAuditEvents(Ctx*, const pdp::v1::ListAuditEventsRequest*,
                               pdp::v1::ListAuditEventsResponse*) override;

  // Watch streams open now (for /metrics). Thread-safe.
  int open_watches() const { return watches_.in_use(); }

 private:
  // Identifies the caller, applies one change within its scope, and
  // returns the new snapshot (its revision in the trailer). `handler` names
  // the RPC in the audit log: the calling handler's function name, which
  // the helpers below take as a defaulted __builtin_FUNCTION() (GCC and
  // clang give the unqualified name, e.g. "CreateUser").
  absl::StatusOr<SnapshotPtr> WriteOne(Ctx* ctx, pdp::v1::Change change, const char* handler);

  // Who the call's caller is, as the batch it writes records it; its
  // `authorize` checks the caller's scope (indexed: ApplyChanges' field
  // paths). UNAUTHENTICATED when its credentials do not identify it.
  absl::StatusOr<BatchOrigin> OriginOf(const Ctx& ctx, std::string method, bool indexed) const;

  // Waits (within the call's deadline) for `min_revision`, and returns the
  // snapshot to answer from (its revision in the trailer). Who may read was
  // decided before the handler ran (CallerAuthProcessor).
  absl::StatusOr<SnapshotPtr> Read(Ctx* ctx, int64_t min_revision);

  // Wraps `request` as one change (Change's field `mutable_field`), applies
  // it, and lets `reply` fill the response from the new snapshot.
  template <typename Request, typename Reply>
  grpc::Status Write(Ctx* ctx, Request* (pdp::v1::Change::*mutable_field)(), const Request& request,
                     Reply reply, const char* handler = __builtin_FUNCTION()) {
    pdp::v1::Change change;
    *(change.*mutable_field)() = request;
    absl::StatusOr<SnapshotPtr> s = WriteOne(ctx, std::move(change), handler);
    if (!s.ok()) return ToGrpcStatus(s.status());
    reply(**s);
    return grpc::Status::OK;
  }
  template <typename Proto>
  grpc::Status PutEntity(Ctx* ctx, const typename EntityTraits<Proto>::PutRequest& req,
                         bool replace, Proto* resp, const char* handler = __builtin_FUNCTION());
  template <typename Proto>
  grpc::Status GetEntity(Ctx* ctx, const pdp::v1::GetRequest& req, Proto* resp);
  template <typename Proto>
  grpc::Status ListEntities(Ctx* ctx, const pdp::v1::ListRequest& req,
                            typename EntityTraits<Proto>::ListResponse* resp);
  grpc::Status DeleteOfKind(Ctx* ctx, const pdp::v1::DeleteEntityRequest& req, IamArnKind kind,
                            pdp::v1::WriteResponse* resp,
                            const char* handler = __builtin_FUNCTION());

  WorldState* state_;
  const Authenticator* auth_;
  WorldLimits limits_;
  std::shared_ptr<const KnownActions> known_actions_;  // for ValidatePolicy warnings
  ConcurrencyLimit waits_;
  ConcurrencyLimit watches_;
};

}  // namespace pdp

#endif  // PDP_SERVER_GRPC_ADMIN_SERVICE_H_
