// Helpers shared by the engine and world unit tests: the shipped data, change
// builders and status inspection. Header-only; everything goes through the
// public interfaces of base/, engine/ and world/.
#ifndef PDP_TESTS_SUPPORT_TEST_SUPPORT_H_
#define PDP_TESTS_SUPPORT_TEST_SUPPORT_H_

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/errors.h"
#include "engine/model/page_catalog.h"
#include "engine/model/snapshot.h"
#include "engine/write/snapshot_builder.h"
#include "gtest/gtest.h"
#include "pdp/v1/changes.pb.h"
#include "server/wire/change_from_wire.h"
#include "tests/support/error_fields.h"

namespace pdp::test {

inline std::string DataPath(absl::string_view file) {
  return absl::StrCat(PDP_SOURCE_DIR, "/data/", file);
}

inline std::shared_ptr<const PageCatalog> ShippedCatalog() {
  static const std::shared_ptr<const PageCatalog> catalog = [] {
    auto c = PageCatalog::FromFile(DataPath("page-catalog.json"));
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : nullptr;
  }();
  return catalog;
}

inline std::shared_ptr<const AwsPolicyMap> ShippedAwsPolicies() {
  static const std::shared_ptr<const AwsPolicyMap> policies = [] {
    auto p = LoadAwsManagedPoliciesFile(DataPath("aws-managed-policies.json"));
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? *p : nullptr;
  }();
  return policies;
}

// Revision 0: no accounts, the shipped catalogue and AWS managed policies.
inline SnapshotPtr EmptyShippedSnapshot() {
  return Snapshot::Initial(ShippedCatalog(), ShippedAwsPolicies());
}

// Expects `status` to carry `code`, the first field path `field` and the
// reason `reason` ("" for none).
inline void ExpectError(const absl::Status& status, absl::StatusCode code, const std::string& field,
                        const std::string& reason = "") {
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_EQ(FieldOf(status), field) << status;
  EXPECT_EQ(ErrorReason(status), reason) << status;
}

// Applies `changes` as one batch. On error, the error of the failing change
// with "changes[i]: " in front of its message.
inline absl::StatusOr<SnapshotPtr> ApplyBatch(SnapshotPtr base,
                                              const std::vector<pdp::v1::Change>& changes) {
  SnapshotBuilder builder(std::move(base));
  for (size_t i = 0; i < changes.size(); ++i) {
    absl::Status s = ApplyWireChange(builder, changes[i]);
    if (!s.ok()) {
      absl::Status out(s.code(), absl::StrCat("changes[", i, "]: ", s.message()));
      s.ForEachPayload(
          [&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
      return out;
    }
  }
  return builder.Finish();
}

// ---- policy documents -----------------------------------------------------------

inline std::string Quoted(const std::vector<std::string>& items) {
  return absl::StrCat("[\"", absl::StrJoin(items, "\", \""), "\"]");
}

inline std::string StatementJson(absl::string_view effect, const std::vector<std::string>& actions,
                                 const std::string& resource = "*", const std::string& sid = "",
                                 const std::string& condition = "") {
  std::string out = "{";
  if (!sid.empty()) absl::StrAppend(&out, "\"Sid\": \"", sid, "\", ");
  absl::StrAppend(&out, "\"Effect\": \"", effect, "\", \"Action\": ", Quoted(actions),
                  ", \"Resource\": \"", resource, "\"");
  if (!condition.empty()) absl::StrAppend(&out, ", \"Condition\": ", condition);
  return out + "}";
}

inline std::string PolicyJson(const std::vector<std::string>& statements) {
  return absl::StrCat(R"({"Version": "2012-10-17", "Statement": [)",
                      absl::StrJoin(statements, ", "), "]}");
}

inline std::string AllowDoc(const std::vector<std::string>& actions,
                            const std::string& resource = "*") {
  return PolicyJson({StatementJson("Allow", actions, resource)});
}

inline std::string DenyDoc(const std::vector<std::string>& actions,
                           const std::string& resource = "*") {
  return PolicyJson({StatementJson("Deny", actions, resource)});
}

// ---- changes ----------------------------------------------------------------------

using Inline = std::pair<std::string, std::string>;  // name, document

// A bare change creating account `id` (no name, default settings).
inline pdp::v1::Change NewAccount(const std::string& id) {
  pdp::v1::Change c;
  c.mutable_create_account()->mutable_account()->set_id(id);
  return c;
}

// A bare change creating a user with nothing attached.
inline pdp::v1::Change NewUser(const std::string& arn) {
  pdp::v1::Change c;
  c.mutable_put_user()->mutable_user()->set_arn(arn);
  return c;
}

inline pdp::v1::Change CreateAccount(const std::string& id, bool iam_access,
                                     pdp::v1::ConsoleActionSet set = pdp::v1::FINE_GRAINED,
                                     const std::string& name = "") {
  pdp::v1::Change c;
  pdp::v1::Account* a = c.mutable_create_account()->mutable_account();
  a->set_id(id);
  a->set_name(name.empty() ? "account " + id : name);
  a->mutable_settings()->set_iam_access_to_billing(iam_access);
  a->mutable_settings()->set_console_action_set(set);
  return c;
}

template <typename Entity>
void FillEntity(Entity* e, const std::string& arn, const std::vector<std::string>& attached,
                const std::vector<Inline>& inline_policies) {
  e->set_arn(arn);
  for (const std::string& p : attached) e->add_attached_policies(p);
  for (const auto& [name, doc] : inline_policies) {
    pdp::v1::InlinePolicy* ip = e->add_inline_policies();
    ip->set_name(name);
    ip->set_document(doc);
  }
}

struct PutOptions {
  bool replace = false;
  bool allow_missing = false;
  std::string etag;
};

inline pdp::v1::Change PutUser(const std::string& arn, const std::vector<std::string>& groups = {},
                               const std::vector<std::string>& attached = {},
                               const std::vector<Inline>& inline_policies = {},
                               const std::map<std::string, std::string>& tags = {},
                               const PutOptions& options = {}) {
  pdp::v1::Change c;
  auto* put = c.mutable_put_user();
  FillEntity(put->mutable_user(), arn, attached, inline_policies);
  for (const std::string& g : groups) put->mutable_user()->add_groups(g);
  for (const auto& [k, v] : tags) (*put->mutable_user()->mutable_tags())[k] = v;
  put->mutable_user()->set_etag(options.etag);
  put->set_replace(options.replace);
  put->set_allow_missing(options.allow_missing);
  return c;
}

inline pdp::v1::Change PutGroup(const std::string& arn,
                                const std::vector<std::string>& attached = {},
                                const std::vector<Inline>& inline_policies = {},
                                const PutOptions& options = {}) {
  pdp::v1::Change c;
  auto* put = c.mutable_put_group();
  FillEntity(put->mutable_group(), arn, attached, inline_policies);
  put->mutable_group()->set_etag(options.etag);
  put->set_replace(options.replace);
  put->set_allow_missing(options.allow_missing);
  return c;
}

inline pdp::v1::Change PutRole(const std::string& arn,
                               const std::vector<std::string>& attached = {},
                               const std::vector<Inline>& inline_policies = {},
                               const PutOptions& options = {}) {
  pdp::v1::Change c;
  auto* put = c.mutable_put_role();
  FillEntity(put->mutable_role(), arn, attached, inline_policies);
  put->mutable_role()->set_etag(options.etag);
  put->set_replace(options.replace);
  put->set_allow_missing(options.allow_missing);
  return c;
}

inline pdp::v1::Change DeleteEntity(const std::string& arn, const std::string& etag = "") {
  pdp::v1::Change c;
  c.mutable_delete_entity()->set_arn(arn);
  c.mutable_delete_entity()->set_etag(etag);
  return c;
}

inline pdp::v1::Change CreatePolicy(const std::string& arn, const std::string& document,
                                    bool allow_existing = false) {
  pdp::v1::Change c;
  c.mutable_create_policy()->set_arn(arn);
  c.mutable_create_policy()->set_document(document);
  c.mutable_create_policy()->set_allow_existing(allow_existing);
  return c;
}

// One version of a policy put whole (PutPolicy, put_aws_managed_policy).
struct PolicyVersionSpec {
  std::string id;
  std::string document;
  bool is_default = false;
};

// A PutPolicyRequest (customer managed or AWS managed) with exactly these
// versions, in this order.
inline pdp::v1::PutPolicyRequest PolicyPut(const std::string& arn, const std::string& description,
                                           const std::vector<PolicyVersionSpec>& versions) {
  pdp::v1::PutPolicyRequest p;
  p.set_arn(arn);
  p.set_description(description);
  for (const PolicyVersionSpec& v : versions) {
    pdp::v1::PolicyVersion* out = p.add_versions();
    out->set_version_id(v.id);
    out->set_document(v.document);
    out->set_is_default(v.is_default);
  }
  return p;
}

inline pdp::v1::Change CreatePolicyVersion(const std::string& arn, const std::string& document,
                                           bool set_as_default) {
  pdp::v1::Change c;
  c.mutable_create_policy_version()->set_policy_arn(arn);
  c.mutable_create_policy_version()->set_document(document);
  c.mutable_create_policy_version()->set_set_as_default(set_as_default);
  return c;
}

inline pdp::v1::Change SetDefaultVersion(const std::string& arn, const std::string& version) {
  pdp::v1::Change c;
  c.mutable_set_default_policy_version()->set_policy_arn(arn);
  c.mutable_set_default_policy_version()->set_version_id(version);
  return c;
}

inline pdp::v1::Change DeletePolicyVersion(const std::string& arn, const std::string& version) {
  pdp::v1::Change c;
  c.mutable_delete_policy_version()->set_policy_arn(arn);
  c.mutable_delete_policy_version()->set_version_id(version);
  return c;
}

inline pdp::v1::Change DeletePolicy(const std::string& arn, const std::string& etag = "") {
  pdp::v1::Change c;
  c.mutable_delete_policy()->set_arn(arn);
  c.mutable_delete_policy()->set_etag(etag);
  return c;
}

inline pdp::v1::Change Attach(const std::string& entity, const std::string& policy) {
  pdp::v1::Change c;
  c.mutable_attach_policy()->set_entity_arn(entity);
  c.mutable_attach_policy()->set_policy_arn(policy);
  return c;
}

inline pdp::v1::Change Detach(const std::string& entity, const std::string& policy) {
  pdp::v1::Change c;
  c.mutable_detach_policy()->set_entity_arn(entity);
  c.mutable_detach_policy()->set_policy_arn(policy);
  return c;
}

inline pdp::v1::Change PutInline(const std::string& entity, const std::string& name,
                                 const std::string& document) {
  pdp::v1::Change c;
  c.mutable_put_inline_policy()->set_entity_arn(entity);
  c.mutable_put_inline_policy()->set_name(name);
  c.mutable_put_inline_policy()->set_document(document);
  return c;
}

inline pdp::v1::Change DeleteInline(const std::string& entity, const std::string& name) {
  pdp::v1::Change c;
  c.mutable_delete_inline_policy()->set_entity_arn(entity);
  c.mutable_delete_inline_policy()->set_name(name);
  return c;
}

inline pdp::v1::Change AddToGroup(const std::string& user, const std::string& group) {
  pdp::v1::Change c;
  c.mutable_add_user_to_group()->set_user_arn(user);
  c.mutable_add_user_to_group()->set_group_name(group);
  return c;
}

inline pdp::v1::Change RemoveFromGroup(const std::string& user, const std::string& group) {
  pdp::v1::Change c;
  c.mutable_remove_user_from_group()->set_user_arn(user);
  c.mutable_remove_user_from_group()->set_group_name(group);
  return c;
}

inline pdp::v1::Change UpdateSettings(const std::string& account, const std::string& actor,
                                      const std::vector<std::string>& mask, bool iam_access,
                                      pdp::v1::ConsoleActionSet set, const std::string& etag = "") {
  pdp::v1::Change c;
  auto* u = c.mutable_update_account_settings();
  u->set_account_id(account);
  u->set_actor(actor);
  for (const std::string& m : mask) u->add_update_mask(m);
  u->mutable_settings()->set_iam_access_to_billing(iam_access);
  u->mutable_settings()->set_console_action_set(set);
  u->set_etag(etag);
  return c;
}

}  // namespace pdp::test

#endif  // PDP_TESTS_SUPPORT_TEST_SUPPORT_H_
