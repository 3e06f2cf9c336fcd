// AdminService reads of organizations. Organizations are written through
// ApplyChanges (organization and SCP changes in changes.proto).
#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "engine/model/organization_state.h"
#include "server/app/pagination.h"
#include "server/grpc/admin_service.h"
#include "server/wire/record_protos.h"

namespace pdp {

grpc::Status AdminServiceImpl::GetOrganization(Ctx* ctx, const pdp::v1::GetRequest* req,
                                               pdp::v1::Organization* resp) {
  absl::StatusOr<SnapshotPtr> read = Read(ctx, req->min_revision());
  if (!read.ok()) return ToGrpcStatus(read.status());
  if (req->name().empty()) return ToGrpcStatus(FieldError("name", "is required (o-...)"));
  if (!IsOrganizationId(req->name())) {
    return ToGrpcStatus(
        FieldError("name", absl::StrCat("organization id ", ShortInput(req->name()),
                                        " is malformed: it must match o-[a-z0-9]{10,32}")));
  }
  const SnapshotPtr& snapshot = *read;
  const OrganizationState* org = snapshot->FindOrganization(req->name());
  if (org == nullptr) {
    return ToGrpcStatus(FieldError(
        "name", absl::StrCat("organization ", ShortInput(req->name()), " does not exist"),
        absl::StatusCode::kNotFound));
  }
  *resp = OrganizationToProto(*org);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::ListOrganizations(Ctx* ctx, const pdp::v1::ListRequest* req,
                                                 pdp::v1::ListOrganizationsResponse* resp) {
  absl::StatusOr<SnapshotPtr> read = Read(ctx, req->min_revision());
  if (!read.ok()) return ToGrpcStatus(read.status());
  const SnapshotPtr& snapshot = *read;
  absl::Status parent = RequireNoParent(*req, "ListOrganizations");
  if (!parent.ok()) return ToGrpcStatus(parent);
  absl::StatusOr<std::string> next = Paginate(
      snapshot->organizations(), "organizations", *req,
      [](const OrganizationState&) { return true; },
      [&](const OrganizationState& o) { *resp->add_organizations() = OrganizationToProto(o); });
  if (!next.ok()) return ToGrpcStatus(next.status());
  resp->set_next_page_token(*next);
  resp->set_revision(snapshot->revision());
  return grpc::Status::OK;
}

}  // namespace pdp
