#include "server/grpc/admin_service.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/arn.h"
#include "base/errors.h"
#include "base/strings.h"
#include "engine/policy/policy_compiler.h"
#include "server/app/audit_handler.h"
#include "server/app/pagination.h"
#include "server/app/watch_handler.h"
#include "server/app/write_scope.h"
#include "server/grpc/call_context.h"
#include "server/grpc/grpc_errors.h"
#include "server/wire/record_protos.h"

namespace pdp {
namespace {

using pdp::v1::Change;

// "/pdp.v1.AdminService/CreateUser" from the handler's function name
// (__builtin_FUNCTION() at the call site: "CreateUser"), for the audit log.
std::string AdminMethodPath(const char* handler) {
  return absl::StrCat("/pdp.v1.AdminService/", handler);
}

struct EntityLookup {
  const AccountState* account;
  const EntityRecord* entity;
};

absl::StatusOr<const AccountState*> LookupAccount(const Snapshot& s, absl::string_view field,
                                                  const std::string& id) {
  if (!IsAccountId(id)) return FieldError(field, "must be exactly 12 digits");
  const AccountState* a = s.FindAccount(id);
  if (a == nullptr) {
    return FieldError(field, absl::StrCat("account ", id, " does not exist"),
                      absl::StatusCode::kNotFound);
  }
  return a;
}

absl::StatusOr<EntityLookup> LookupEntity(const Snapshot& s, absl::string_view field,
                                          const std::string& arn_text, IamArnKind kind) {
  absl::StatusOr<IamArn> arn = ParseIamArnOfKind(arn_text, kind);
  if (!arn.ok()) return AtField(field, arn.status());
  absl::StatusOr<const AccountState*> account = LookupAccount(s, field, arn->account);
  if (!account.ok()) return account.status();
  const EntityRecord* e = (*account)->FindEntity(kind, arn->name);
  if (e == nullptr || e->arn != arn_text) {
    return FieldError(field, absl::StrCat(ShortInput(arn_text), " does not exist"),
                      absl::StatusCode::kNotFound);
  }
  return EntityLookup{*account, e};
}

// Any user, group or role.
absl::StatusOr<EntityLookup> LookupAnyEntity(const Snapshot& s, absl::string_view field,
                                             const std::string& arn_text) {
  absl::StatusOr<IamArn> arn = ParseIamArn(arn_text);
  if (!arn.ok()) return AtField(field, arn.status());
  if (arn->kind != IamArnKind::kUser && arn->kind != IamArnKind::kGroup &&
      arn->kind != IamArnKind::kRole) {
    return FieldError(field, "must be a user, group or role ARN");
  }
  return LookupEntity(s, field, arn_text, arn->kind);
}

absl::StatusOr<const ManagedPolicyRecord*> LookupPolicy(const Snapshot& s, absl::string_view field,
                                                        const std::string& arn_text) {
  absl::StatusOr<IamArn> arn = ParseIamArnOfKind(arn_text, IamArnKind::kPolicy);
  if (!arn.ok()) return AtField(field, arn.status());
  const ManagedPolicyRecord* p = s.FindPolicy(arn_text);
  if (p == nullptr) {
    return FieldError(field, absl::StrCat(ShortInput(arn_text), " does not exist"),
                      absl::StatusCode::kNotFound);
  }
  return p;
}

}  // namespace

absl::StatusOr<BatchOrigin> AdminServiceImpl::OriginOf(const Ctx& ctx, std::string method,
                                                       bool indexed) const {
  absl::StatusOr<Caller> caller = auth_->Identify(ctx);
  if (!caller.ok()) return caller.status();
  BatchOrigin origin;
  origin.caller = caller->name;
  origin.role = std::string(RoleName(caller->role));
  origin.credential = caller->credential;
  origin.peer = ctx.peer();
  origin.method = std::move(method);
  origin.authorize = [caller = *std::move(caller), indexed](const Snapshot& base,
                                                            const std::vector<Change>& changes) {
    return CheckWriteScope(caller, base, changes, indexed);
  };
  return origin;
}

absl::StatusOr<SnapshotPtr> AdminServiceImpl::WriteOne(Ctx* ctx, Change change,
                                                       const char* handler) {
  absl::StatusOr<BatchOrigin> origin = OriginOf(*ctx, AdminMethodPath(handler), /*indexed=*/false);
  if (!origin.ok()) return origin.status();
  absl::StatusOr<SnapshotPtr> s = state_->Apply({std::move(change)}, nullptr, *origin);
  if (s.ok()) SetRevisionTrailer(*ctx, (*s)->revision(), state_->Staleness());
  return s;
}

absl::StatusOr<SnapshotPtr> AdminServiceImpl::Read(Ctx* ctx, int64_t min_revision) {
  ConcurrencyLimit::Slot waiting;
  if (min_revision > state_->revision()) {  // this read will hold its thread
    absl::Status refused;
    waiting = waits_.TryAcquire(&refused);
    if (!waiting) return refused;
  }
  absl::Status reached = state_->WaitForRevision(min_revision, WaitDeadline(*ctx),
                                                 [ctx] { return ctx->IsCancelled(); });
  if (!reached.ok()) {
    MarkNotRetryable(*ctx, reached);
    return reached;
  }
  SnapshotPtr s = state_->Current();
  SetRevisionTrailer(*ctx, s->revision(), state_->Staleness());
  return s;
}

grpc::Status AdminServiceImpl::DeleteOfKind(Ctx* ctx, const pdp::v1::DeleteEntityRequest& req,
                                            IamArnKind kind, pdp::v1::WriteResponse* resp,
                                            const char* handler) {
  // DeleteUser must not delete a role: the ARN's kind is checked here.
  absl::StatusOr<IamArn> arn = ParseIamArnOfKind(req.arn(), kind);
  if (!arn.ok()) return ToGrpcStatus(AtField("arn", arn.status()));
  return Write(
      ctx, &Change::mutable_delete_entity, req,
      [&](const Snapshot& s) { resp->set_revision(s.revision()); }, handler);
}

// ---- accounts ---------------------------------------------------------------

grpc::Status AdminServiceImpl::CreateAccount(Ctx* ctx, const pdp::v1::CreateAccountRequest* req,
                                             pdp::v1::Account* resp) {
  return Write(ctx, &Change::mutable_create_account, *req, [&](const Snapshot& s) {
    const AccountState& a = *s.FindAccount(req->account().id());
    *resp = AccountToProto(a, s.OrganizationOf(a));
  });
}

grpc::Status AdminServiceImpl::GetAccount(Ctx* ctx, const pdp::v1::GetRequest* req,
                                          pdp::v1::Account* resp) {
  absl::StatusOr<SnapshotPtr> read = Read(ctx, req->min_revision());
  if (!read.ok()) return ToGrpcStatus(read.status());
  const SnapshotPtr& snapshot = *read;
  absl::StatusOr<const AccountState*> a = LookupAccount(*snapshot, "name", req->name());
  if (!a.ok()) return ToGrpcStatus(a.status());
  *resp = AccountToProto(**a, snapshot->OrganizationOf(**a));
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::ListAccounts(Ctx* ctx, const pdp::v1::ListRequest* req,
                                            pdp::v1::ListAccountsResponse* resp) {
  absl::StatusOr<SnapshotPtr> read = Read(ctx, req->min_revision());
  if (!read.ok()) return ToGrpcStatus(read.status());
  const SnapshotPtr& s = *read;
  absl::Status parent = RequireNoParent(*req, "ListAccounts");
  if (!parent.ok()) return ToGrpcStatus(parent);
  absl::StatusOr<std::string> next = Paginate(
      s->accounts(), "accounts", *req, [](const AccountState&) { return true; },
      [&](const AccountState& a) {
        *resp->add_accounts() = AccountToProto(a, s->OrganizationOf(a));
      });
  if (!next.ok()) return ToGrpcStatus(next.status());
  resp->set_next_page_token(*next);
  resp->set_revision(s->revision());
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::UpdateAccount(Ctx* ctx, const pdp::v1::UpdateAccountRequest* req,
                                             pdp::v1::Account* resp) {
  return Write(ctx, &Change::mutable_update_account, *req, [&](const Snapshot& s) {
    const AccountState& a = *s.FindAccount(req->account_id());
    *resp = AccountToProto(a, s.OrganizationOf(a));
  });
}

grpc::Status AdminServiceImpl::DeleteAccount(Ctx* ctx, const pdp::v1::DeleteAccountRequest* req,
                                             pdp::v1::WriteResponse* resp) {
  return Write(ctx, &Change::mutable_delete_account, *req,
               [&](const Snapshot& s) { resp->set_revision(s.revision()); });
}

grpc::Status AdminServiceImpl::UpdateAccountSettings(
    Ctx* ctx, const pdp::v1::UpdateAccountSettingsRequest* req, pdp::v1::Account* resp) {
  return Write(ctx, &Change::mutable_update_account_settings, *req, [&](const Snapshot& s) {
    const AccountState& a = *s.FindAccount(req->account_id());
    *resp = AccountToProto(a, s.OrganizationOf(a));
  });
}

// ---- users, groups, roles -----------------------------------------------------

// What differs between users, groups and roles in their RPCs.
template <>
struct EntityTraits<pdp::v1::User> {
  static constexpr IamArnKind kKind = IamArnKind::kUser;
  static constexpr char kListing[] = "users";  // page tokens are bound to it
  using PutRequest = pdp::v1::PutUserRequest;
  using ListResponse = pdp::v1::ListUsersResponse;
  static const pdp::v1::User& Of(const PutRequest& r) { return r.user(); }
  static PutRequest* Put(Change& c) { return c.mutable_put_user(); }
  static pdp::v1::User ToProto(const EntityRecord& e, const AccountState&) {
    return UserToProto(e);
  }
  static pdp::v1::User* Add(ListResponse* r) { return r->add_users(); }
};

template <>
struct EntityTraits<pdp::v1::Group> {
  static constexpr IamArnKind kKind = IamArnKind::kGroup;
  static constexpr char kListing[] = "groups";  // page tokens are bound to it
  using PutRequest = pdp::v1::PutGroupRequest;
  using ListResponse = pdp::v1::ListGroupsResponse;
  static const pdp::v1::Group& Of(const PutRequest& r) { return r.group(); }
  static PutRequest* Put(Change& c) { return c.mutable_put_group(); }
  static pdp::v1::Group ToProto(const EntityRecord& e, const AccountState& a) {
    return GroupToProto(e, a);
  }
  static pdp::v1::Group* Add(ListResponse* r) { return r->add_groups(); }
};

template <>
struct EntityTraits<pdp::v1::Role> {
  static constexpr IamArnKind kKind = IamArnKind::kRole;
  static constexpr char kListing[] = "roles";  // page tokens are bound to it
  using PutRequest = pdp::v1::PutRoleRequest;
  using ListResponse = pdp::v1::ListRolesResponse;
  static const pdp::v1::Role& Of(const PutRequest& r) { return r.role(); }
  static PutRequest* Put(Change& c) { return c.mutable_put_role(); }
  static pdp::v1::Role ToProto(const EntityRecord& e, const AccountState&) {
    return RoleToProto(e);
  }
  static pdp::v1::Role* Add(ListResponse* r) { return r->add_roles(); }
};

template <typename Proto>
grpc::Status AdminServiceImpl::PutEntity(Ctx* ctx,
                                         const typename EntityTraits<Proto>::PutRequest& req,
                                         bool replace, Proto* resp, const char* handler) {
  using T = EntityTraits<Proto>;
  Change c;
  *T::Put(c) = req;
  T::Put(c)->set_replace(replace);
  absl::StatusOr<SnapshotPtr> s = WriteOne(ctx, std::move(c), handler);
  if (!s.ok()) return ToGrpcStatus(s.status());
  // The ARN parsed when the change was applied; look the result up by it.
  absl::StatusOr<IamArn> arn = ParseIamArn(T::Of(req).arn());
  const AccountState* account = (*s)->FindAccount(arn->account);
  *resp = T::ToProto(*account->FindEntity(T::kKind, arn->name), *account);
  return grpc::Status::OK;
}

template <typename Proto>
grpc::Status AdminServiceImpl::GetEntity(Ctx* ctx, const pdp::v1::GetRequest& req, Proto* resp) {
  absl::StatusOr<SnapshotPtr> s = Read(ctx, req.min_revision());
  if (!s.ok()) return ToGrpcStatus(s.status());
  absl::StatusOr<EntityLookup> e =
      LookupEntity(**s, "name", req.name(), EntityTraits<Proto>::kKind);
  if (!e.ok()) return ToGrpcStatus(e.status());
  *resp = EntityTraits<Proto>::ToProto(*e->entity, *e->account);
  return grpc::Status::OK;
}

template <typename Proto>
grpc::Status AdminServiceImpl::ListEntities(Ctx* ctx, const pdp::v1::ListRequest& req,
                                            typename EntityTraits<Proto>::ListResponse* resp) {
  using T = EntityTraits<Proto>;
  absl::StatusOr<SnapshotPtr> read = Read(ctx, req.min_revision());
  if (!read.ok()) return ToGrpcStatus(read.status());
  const SnapshotPtr& s = *read;
  absl::StatusOr<const AccountState*> account = LookupAccount(*s, "parent", req.parent());
  if (!account.ok()) return ToGrpcStatus(account.status());
  absl::StatusOr<std::string> next =
      Paginate((*account)->entities, absl::StrCat(T::kListing, "/", (*account)->id), req,
               [](const EntityRecord& e) { return e.kind == T::kKind; },
               [&](const EntityRecord& e) { *T::Add(resp) = T::ToProto(e, **account); });
  if (!next.ok()) return ToGrpcStatus(next.status());
  resp->set_next_page_token(*next);
  resp->set_revision(s->revision());
  return grpc::Status::OK;
}

#define PDP_ENTITY_RPCS(Proto, Name)                                                             \
  grpc::Status AdminServiceImpl::Create##Name(Ctx* ctx, const pdp::v1::Put##Name##Request* req,  \
                                              Proto* resp) {                                     \
    return PutEntity<Proto>(ctx, *req, false, resp);                                             \
  }                                                                                              \
  grpc::Status AdminServiceImpl::Update##Name(Ctx* ctx, const pdp::v1::Put##Name##Request* req,  \
                                              Proto* resp) {                                     \
    return PutEntity<Proto>(ctx, *req, true, resp);                                              \
  }                                                                                              \
  grpc::Status AdminServiceImpl::Get##Name(Ctx* ctx, const pdp::v1::GetRequest* req,             \
                                           Proto* resp) {                                        \
    return GetEntity<Proto>(ctx, *req, resp);                                                    \
  }                                                                                              \
  grpc::Status AdminServiceImpl::List##Name##s(Ctx* ctx, const pdp::v1::ListRequest* req,        \
                                               pdp::v1::List##Name##sResponse* resp) {           \
    return ListEntities<Proto>(ctx, *req, resp);                                                 \
  }                                                                                              \
  grpc::Status AdminServiceImpl::Delete##Name(Ctx* ctx, const pdp::v1::DeleteEntityRequest* req, \
                                              pdp::v1::WriteResponse* resp) {                    \
    return DeleteOfKind(ctx, *req, EntityTraits<Proto>::kKind, resp);                            \
  }

PDP_ENTITY_RPCS(pdp::v1::User, User)
PDP_ENTITY_RPCS(pdp::v1::Group, Group)
PDP_ENTITY_RPCS(pdp::v1::Role, Role)
#undef PDP_ENTITY_RPCS

// ---- role sessions ---------------------------------------------------------------

grpc::Status AdminServiceImpl::PutRoleSession(Ctx* ctx, const pdp::v1::PutRoleSessionRequest* req,
                                              pdp::v1::RoleSession* resp) {
  return Write(ctx, &Change::mutable_put_role_session, *req, [&](const Snapshot& s) {
    absl::StatusOr<IamArn> arn = ParseIamArn(req->session().arn());
    *resp = SessionToProto(*s.FindAccount(arn->account)->FindSession(arn->name, arn->session));
  });
}

grpc::Status AdminServiceImpl::DeleteRoleSession(Ctx* ctx,
                                                 const pdp::v1::DeleteRoleSessionRequest* req,
                                                 pdp::v1::WriteResponse* resp) {
  return Write(ctx, &Change::mutable_delete_role_session, *req,
               [&](const Snapshot& s) { resp->set_revision(s.revision()); });
}

grpc::Status AdminServiceImpl::GetRoleSession(Ctx* ctx, const pdp::v1::GetRequest* req,
                                              pdp::v1::RoleSession* resp) {
  absl::StatusOr<SnapshotPtr> read = Read(ctx, req->min_revision());
  if (!read.ok()) return ToGrpcStatus(read.status());
  absl::StatusOr<IamArn> arn = ParseIamArnOfKind(req->name(), IamArnKind::kAssumedRole);
  if (!arn.ok()) return ToGrpcStatus(AtField("name", arn.status()));
  absl::StatusOr<const AccountState*> account = LookupAccount(**read, "name", arn->account);
  if (!account.ok()) return ToGrpcStatus(account.status());
  const SessionRecord* session = (*account)->FindSession(arn->name, arn->session);
  // Role names are case-insensitive keys; the ARN must match as stored, as
  // for users, groups and roles (LookupEntity).
  if (session == nullptr || session->arn != req->name()) {
    return ToGrpcStatus(FieldError("name", absl::StrCat(ShortInput(req->name()), " does not exist"),
                                   absl::StatusCode::kNotFound));
  }
  *resp = SessionToProto(*session);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::ListRoleSessions(Ctx* ctx, const pdp::v1::ListRequest* req,
                                                pdp::v1::ListRoleSessionsResponse* resp) {
  absl::StatusOr<SnapshotPtr> read = Read(ctx, req->min_revision());
  if (!read.ok()) return ToGrpcStatus(read.status());
  const SnapshotPtr& s = *read;
  absl::StatusOr<const AccountState*> account = LookupAccount(*s, "parent", req->parent());
  if (!account.ok()) return ToGrpcStatus(account.status());
  absl::StatusOr<std::string> next =
      Paginate((*account)->sessions, absl::StrCat("role-sessions/", (*account)->id), *req,
               [](const SessionRecord&) { return true; },
               [&](const SessionRecord& r) { *resp->add_sessions() = SessionToProto(r); });
  if (!next.ok()) return ToGrpcStatus(next.status());
  resp->set_next_page_token(*next);
  resp->set_revision(s->revision());
  return grpc::Status::OK;
}

// ---- managed policies ---------------------------------------------------------

namespace {

void ReplyPolicy(const Snapshot& s, const std::string& arn, pdp::v1::ManagedPolicy* resp) {
  absl::StatusOr<IamArn> parsed = ParseIamArn(arn);
  *resp = PolicyToProto(*s.FindPolicy(arn), s.FindAccount(parsed->account));
}

}  // namespace

grpc::Status AdminServiceImpl::CreatePolicy(Ctx* ctx, const pdp::v1::CreatePolicyRequest* req,
                                            pdp::v1::ManagedPolicy* resp) {
  return Write(ctx, &Change::mutable_create_policy, *req,
               [&](const Snapshot& s) { ReplyPolicy(s, req->arn(), resp); });
}

grpc::Status AdminServiceImpl::GetPolicy(Ctx* ctx, const pdp::v1::GetRequest* req,
                                         pdp::v1::ManagedPolicy* resp) {
  absl::StatusOr<SnapshotPtr> read = Read(ctx, req->min_revision());
  if (!read.ok()) return ToGrpcStatus(read.status());
  const SnapshotPtr& s = *read;
  absl::StatusOr<const ManagedPolicyRecord*> p = LookupPolicy(*s, "name", req->name());
  if (!p.ok()) return ToGrpcStatus(p.status());
  absl::StatusOr<IamArn> parsed = ParseIamArn(req->name());
  *resp = PolicyToProto(**p, s->FindAccount(parsed->account));
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::ListPolicies(Ctx* ctx, const pdp::v1::ListRequest* req,
                                            pdp::v1::ListPoliciesResponse* resp) {
  absl::StatusOr<SnapshotPtr> read = Read(ctx, req->min_revision());
  if (!read.ok()) return ToGrpcStatus(read.status());
  const SnapshotPtr& s = *read;
  auto keep = [](const ManagedPolicyRecord&) { return true; };
  absl::StatusOr<std::string> next;
  if (req->parent() == "aws") {
    next = Paginate(
        s->aws_policies(), "policies/aws", *req, keep,
        [&](const ManagedPolicyRecord& p) { *resp->add_policies() = PolicyToProto(p, nullptr); });
  } else {
    absl::StatusOr<const AccountState*> account = LookupAccount(*s, "parent", req->parent());
    if (!account.ok()) return ToGrpcStatus(account.status());
    next = Paginate(
        (*account)->policies, absl::StrCat("policies/", (*account)->id), *req, keep,
        [&](const ManagedPolicyRecord& p) { *resp->add_policies() = PolicyToProto(p, *account); });
  }
  if (!next.ok()) return ToGrpcStatus(next.status());
  resp->set_next_page_token(*next);
  resp->set_revision(s->revision());
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::UpdatePolicy(Ctx* ctx, const pdp::v1::UpdatePolicyRequest* req,
                                            pdp::v1::ManagedPolicy* resp) {
  return Write(ctx, &Change::mutable_update_policy, *req,
               [&](const Snapshot& s) { ReplyPolicy(s, req->arn(), resp); });
}

grpc::Status AdminServiceImpl::DeletePolicy(Ctx* ctx, const pdp::v1::DeletePolicyRequest* req,
                                            pdp::v1::WriteResponse* resp) {
  return Write(ctx, &Change::mutable_delete_policy, *req,
               [&](const Snapshot& s) { resp->set_revision(s.revision()); });
}

grpc::Status AdminServiceImpl::CreatePolicyVersion(Ctx* ctx,
                                                   const pdp::v1::CreatePolicyVersionRequest* req,
                                                   pdp::v1::ManagedPolicy* resp) {
  return Write(ctx, &Change::mutable_create_policy_version, *req,
               [&](const Snapshot& s) { ReplyPolicy(s, req->policy_arn(), resp); });
}

grpc::Status AdminServiceImpl::GetPolicyVersion(Ctx* ctx,
                                                const pdp::v1::GetPolicyVersionRequest* req,
                                                pdp::v1::PolicyVersion* resp) {
  absl::StatusOr<SnapshotPtr> s = Read(ctx, /*min_revision=*/0);  // the request has none
  if (!s.ok()) return ToGrpcStatus(s.status());
  absl::StatusOr<const ManagedPolicyRecord*> p = LookupPolicy(**s, "policy_arn", req->policy_arn());
  if (!p.ok()) return ToGrpcStatus(p.status());
  for (const PolicyVersionRecord& v : (*p)->versions) {
    if (v.version_id == req->version_id()) {
      *resp = PolicyVersionToProto(v, **p);
      return grpc::Status::OK;
    }
  }
  return ToGrpcStatus(FieldError(
      "version_id", absl::StrCat("version ", ShortInput(req->version_id()), " does not exist"),
      absl::StatusCode::kNotFound));
}

grpc::Status AdminServiceImpl::ListPolicyVersions(Ctx* ctx, const pdp::v1::GetRequest* req,
                                                  pdp::v1::ListPolicyVersionsResponse* resp) {
  absl::StatusOr<SnapshotPtr> read = Read(ctx, req->min_revision());
  if (!read.ok()) return ToGrpcStatus(read.status());
  const SnapshotPtr& s = *read;
  absl::StatusOr<const ManagedPolicyRecord*> p = LookupPolicy(*s, "name", req->name());
  if (!p.ok()) return ToGrpcStatus(p.status());
  for (const PolicyVersionRecord& v : (*p)->versions) {
    *resp->add_versions() = PolicyVersionToProto(v, **p);
  }
  resp->set_revision(s->revision());
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::SetDefaultPolicyVersion(
    Ctx* ctx, const pdp::v1::SetDefaultPolicyVersionRequest* req, pdp::v1::ManagedPolicy* resp) {
  return Write(ctx, &Change::mutable_set_default_policy_version, *req,
               [&](const Snapshot& s) { ReplyPolicy(s, req->policy_arn(), resp); });
}

grpc::Status AdminServiceImpl::DeletePolicyVersion(Ctx* ctx,
                                                   const pdp::v1::DeletePolicyVersionRequest* req,
                                                   pdp::v1::ManagedPolicy* resp) {
  return Write(ctx, &Change::mutable_delete_policy_version, *req,
               [&](const Snapshot& s) { ReplyPolicy(s, req->policy_arn(), resp); });
}

// ---- inline policies, attachments, membership ---------------------------------

grpc::Status AdminServiceImpl::PutInlinePolicy(Ctx* ctx, const pdp::v1::PutInlinePolicyRequest* req,
                                               pdp::v1::WriteResponse* resp) {
  return Write(ctx, &Change::mutable_put_inline_policy, *req,
               [&](const Snapshot& s) { resp->set_revision(s.revision()); });
}

grpc::Status AdminServiceImpl::GetInlinePolicy(Ctx* ctx, const pdp::v1::GetInlinePolicyRequest* req,
                                               pdp::v1::InlinePolicy* resp) {
  absl::StatusOr<SnapshotPtr> s = Read(ctx, /*min_revision=*/0);  // the request has none
  if (!s.ok()) return ToGrpcStatus(s.status());
  absl::StatusOr<EntityLookup> e = LookupAnyEntity(**s, "entity_arn", req->entity_arn());
  if (!e.ok()) return ToGrpcStatus(e.status());
  for (const InlinePolicyRecord& p : e->entity->inline_policies) {
    if (p.name == req->name()) {
      resp->set_name(p.name);
      resp->set_document(p.document);
      return grpc::Status::OK;
    }
  }
  return ToGrpcStatus(
      FieldError("name", absl::StrCat("inline policy ", ShortInput(req->name()), " does not exist"),
                 absl::StatusCode::kNotFound));
}

grpc::Status AdminServiceImpl::ListInlinePolicies(Ctx* ctx, const pdp::v1::GetRequest* req,
                                                  pdp::v1::ListInlinePoliciesResponse* resp) {
  absl::StatusOr<SnapshotPtr> read = Read(ctx, req->min_revision());
  if (!read.ok()) return ToGrpcStatus(read.status());
  const SnapshotPtr& s = *read;
  absl::StatusOr<EntityLookup> e = LookupAnyEntity(*s, "name", req->name());
  if (!e.ok()) return ToGrpcStatus(e.status());
  for (const InlinePolicyRecord& p : e->entity->inline_policies) {
    auto* out = resp->add_policies();
    out->set_name(p.name);
    out->set_document(p.document);
  }
  resp->set_revision(s->revision());
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::DeleteInlinePolicy(Ctx* ctx,
                                                  const pdp::v1::DeleteInlinePolicyRequest* req,
                                                  pdp::v1::WriteResponse* resp) {
  return Write(ctx, &Change::mutable_delete_inline_policy, *req,
               [&](const Snapshot& s) { resp->set_revision(s.revision()); });
}

grpc::Status AdminServiceImpl::AttachPolicy(Ctx* ctx, const pdp::v1::AttachPolicyRequest* req,
                                            pdp::v1::WriteResponse* resp) {
  return Write(ctx, &Change::mutable_attach_policy, *req,
               [&](const Snapshot& s) { resp->set_revision(s.revision()); });
}

grpc::Status AdminServiceImpl::DetachPolicy(Ctx* ctx, const pdp::v1::DetachPolicyRequest* req,
                                            pdp::v1::WriteResponse* resp) {
  return Write(ctx, &Change::mutable_detach_policy, *req,
               [&](const Snapshot& s) { resp->set_revision(s.revision()); });
}

grpc::Status AdminServiceImpl::AddUserToGroup(Ctx* ctx, const pdp::v1::AddUserToGroupRequest* req,
                                              pdp::v1::WriteResponse* resp) {
  return Write(ctx, &Change::mutable_add_user_to_group, *req,
               [&](const Snapshot& s) { resp->set_revision(s.revision()); });
}

grpc::Status AdminServiceImpl::RemoveUserFromGroup(Ctx* ctx,
                                                   const pdp::v1::RemoveUserFromGroupRequest* req,
                                                   pdp::v1::WriteResponse* resp) {
  return Write(ctx, &Change::mutable_remove_user_from_group, *req,
               [&](const Snapshot& s) { resp->set_revision(s.revision()); });
}

grpc::Status AdminServiceImpl::ValidatePolicy(Ctx* ctx, const pdp::v1::ValidatePolicyRequest* req,
                                              pdp::v1::ValidatePolicyResponse* resp) {
  // Nothing here depends on the state; the trailer is there for uniformity.
  SetRevisionTrailer(*ctx, state_->revision(), state_->Staleness());
  CompileOptions options;
  options.known_actions = known_actions_.get();
  if (req->kind() != pdp::v1::ValidatePolicyRequest::INLINE) {
    options.max_non_whitespace_chars = limits_.max_managed_policy_chars;
  }
  absl::StatusOr<CompiledPolicyPtr> compiled = CompilePolicy(req->document(), options);
  if (!compiled.ok()) {
    auto* f = resp->add_findings();
    f->set_severity(pdp::v1::PolicyFinding::ERROR);
    f->set_code("INVALID_DOCUMENT");
    std::optional<std::vector<FieldViolation>> violations = GetFieldViolations(compiled.status());
    if (violations && !violations->empty()) {
      f->set_path(violations->front().field);
      f->set_message(violations->front().description);
    } else {
      f->set_message(std::string(compiled.status().message()));
    }
    return grpc::Status::OK;
  }
  for (const PolicyWarning& w : (*compiled)->warnings) {
    auto* f = resp->add_findings();
    f->set_severity(pdp::v1::PolicyFinding::WARNING);
    f->set_code(w.code);
    f->set_path(w.path);
    f->set_message(w.message);
  }
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::ApplyChanges(Ctx* ctx, const pdp::v1::ApplyChangesRequest* req,
                                            pdp::v1::ApplyChangesResponse* resp) {
  absl::StatusOr<BatchOrigin> origin =
      OriginOf(*ctx, "/pdp.v1.AdminService/ApplyChanges", /*indexed=*/true);
  if (!origin.ok()) return ToGrpcStatus(origin.status());
  if (req->changes_size() == 0) return ToGrpcStatus(FieldError("changes", "must not be empty"));
  if (req->changes_size() > kMaxChangesPerRequest) {
    return ToGrpcStatus(
        FieldError("changes", absl::StrCat("at most ", kMaxChangesPerRequest, " per request")));
  }
  absl::StatusOr<pdp::v1::ApplyChangesResponse> applied = state_->ApplyChanges(*req, *origin);
  if (!applied.ok()) return ToGrpcStatus(applied.status());
  *resp = std::move(*applied);
  SetRevisionTrailer(*ctx, resp->revision(), state_->Staleness());
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::Watch(Ctx* ctx, const pdp::v1::WatchRequest* req,
                                     grpc::ServerWriter<pdp::v1::WatchResponse>* writer) {
  absl::Status refused;
  ConcurrencyLimit::Slot stream = watches_.TryAcquire(&refused);
  if (!stream) return ToGrpcStatus(refused);
  // Tells the client the stream is established (and the server's revision
  // then) before the first batch, which may be a long way off.
  ctx->AddInitialMetadata(kRevisionTrailer, std::to_string(state_->revision()));
  writer->SendInitialMetadata();
  absl::Status s = HandleWatch(
      *state_, *req, [ctx] { return ctx->IsCancelled(); },
      [writer](const pdp::v1::WatchResponse& r) { return writer->Write(r); });
  return ToGrpcStatus(s);
}

grpc::Status AdminServiceImpl::ListAuditEvents(Ctx* ctx, const pdp::v1::ListAuditEventsRequest* req,
                                               pdp::v1::ListAuditEventsResponse* resp) {
  absl::Status s = HandleListAuditEvents(*state_, *req, resp);
  if (!s.ok()) return ToGrpcStatus(s);
  SetRevisionTrailer(*ctx, resp->revision(), state_->Staleness());
  return grpc::Status::OK;
}

}  // namespace pdp
