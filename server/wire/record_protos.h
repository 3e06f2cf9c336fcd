// Snapshot records and catalogue pages as API messages (what Get and List
// return). The engine's enums are numbered as pdp.v1's (checked here), so
// they map by cast.
#ifndef PDP_SERVER_WIRE_RECORD_PROTOS_H_
#define PDP_SERVER_WIRE_RECORD_PROTOS_H_

#include "engine/model/snapshot.h"
#include "pdp/v1/organization.pb.h"
#include "pdp/v1/types.pb.h"

namespace pdp {

// `organization`: the account's organization (Snapshot::OrganizationOf), or
// null for a standalone account.
pdp::v1::Account AccountToProto(const AccountState& account,
                                const OrganizationState* organization = nullptr);
pdp::v1::Organization OrganizationToProto(const OrganizationState& organization);
pdp::v1::User UserToProto(const EntityRecord& user);
// Members are the users of `account` that list the group.
pdp::v1::Group GroupToProto(const EntityRecord& group, const AccountState& account);
pdp::v1::Role RoleToProto(const EntityRecord& role);
pdp::v1::RoleSession SessionToProto(const SessionRecord& session);
// Attachment count over `account` (null for AWS managed policies: not counted).
pdp::v1::ManagedPolicy PolicyToProto(const ManagedPolicyRecord& policy,
                                     const AccountState* account);
// One version of `policy`, is_default set from the policy's default.
pdp::v1::PolicyVersion PolicyVersionToProto(const PolicyVersionRecord& version,
                                            const ManagedPolicyRecord& policy);
pdp::v1::AccountSettings SettingsToProto(const AccountSettings& settings);
// A catalogue page as ListPages and AccessMatrix return it.
pdp::v1::Page PageToProto(const CatalogPage& page);

}  // namespace pdp

#endif  // PDP_SERVER_WIRE_RECORD_PROTOS_H_
