// PutPolicy: a customer managed policy put with exactly its versions (ids
// and default kept, as data from AWS has them), idempotent, checked field by
// field.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/write/snapshot_builder.h"
#include "gtest/gtest.h"
#include "server/wire/change_from_wire.h"
#include "server/wire/wire_decide.h"
#include "tests/support/test_support.h"

namespace pdp {
namespace {

using test::AllowDoc;
using test::ApplyBatch;
using test::ExpectError;

constexpr char kA[] = "111111111111";
const std::string kPolicy = "arn:aws:iam::111111111111:policy/team/Billing";
const std::string kAlice = "arn:aws:iam::111111111111:user/alice";

using V = test::PolicyVersionSpec;

pdp::v1::Change Put(const std::vector<V>& versions, const std::string& arn = kPolicy,
                    const std::string& etag = "") {
  pdp::v1::Change c;
  *c.mutable_put_policy() = test::PolicyPut(arn, "billing", versions);
  c.mutable_put_policy()->set_etag(etag);
  return c;
}

const std::string kView = AllowDoc({"aws-portal:ViewBilling"});
const std::string kNone = AllowDoc({"pricing:GetProducts"});

SnapshotPtr WithAlice() {
  pdp::v1::Change alice = test::PutUser(kAlice, {}, {kPolicy});
  absl::StatusOr<SnapshotPtr> s =
      ApplyBatch(test::EmptyShippedSnapshot(),
                 {test::CreateAccount(kA, true), Put({{"v2", kNone}, {"v5", kView, true}}), alice});
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : nullptr;
}

pdp::v1::Effect ViewBilling(const Snapshot& s) {
  pdp::v1::AuthorizeRequest r;
  r.set_principal(kAlice);
  r.mutable_action()->set_action("aws-portal:ViewBilling");
  absl::StatusOr<pdp::v1::Decision> d = Decide(s, r);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? d->effect() : pdp::v1::EFFECT_UNSPECIFIED;
}

TEST(PutPolicyTest, KeepsVersionIdsAndTheDefault) {
  SnapshotPtr s = WithAlice();
  ASSERT_NE(s, nullptr);
  const ManagedPolicyRecord* p = s->FindPolicy(kPolicy);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->versions.size(), 2u);
  EXPECT_EQ(p->versions[0].version_id, "v2");
  EXPECT_EQ(p->versions[1].version_id, "v5");
  EXPECT_EQ(p->default_version_id, "v5");
  EXPECT_EQ(ViewBilling(*s), pdp::v1::ALLOW);  // the default (v5) decides
  // The next version is numbered after the highest.
  pdp::v1::Change more;
  more.mutable_create_policy_version()->set_policy_arn(kPolicy);
  more.mutable_create_policy_version()->set_document(kNone);
  absl::StatusOr<SnapshotPtr> next = ApplyBatch(s, {more});
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ((*next)->FindPolicy(kPolicy)->versions.back().version_id, "v6");
}

TEST(PutPolicyTest, PuttingWhatIsThereChangesNothingAndADifferenceReplaces) {
  SnapshotPtr s = WithAlice();
  ASSERT_NE(s, nullptr);
  const std::string etag = s->FindPolicy(kPolicy)->etag();
  {
    SnapshotBuilder b(s);  // same versions, given in another order
    ASSERT_TRUE(ApplyWireChange(b, Put({{"v5", kView, true}, {"v2", kNone}}, kPolicy, etag)).ok());
    EXPECT_TRUE(b.last_change_unchanged());
  }
  // Another default: v2 now decides, and v5 is still there.
  absl::StatusOr<SnapshotPtr> moved = ApplyBatch(s, {Put({{"v2", kNone, true}, {"v5", kView}})});
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ((*moved)->FindPolicy(kPolicy)->default_version_id, "v2");
  EXPECT_NE((*moved)->FindPolicy(kPolicy)->etag(), etag);
  EXPECT_EQ(ViewBilling(**moved), pdp::v1::DENY);
  // Fewer, lower versions: ids are never given out twice.
  absl::StatusOr<SnapshotPtr> fewer = ApplyBatch(*moved, {Put({{"v1", kView, true}})});
  ASSERT_TRUE(fewer.ok()) << fewer.status();
  EXPECT_EQ((*fewer)->FindPolicy(kPolicy)->next_version, 6);
}

TEST(PutPolicyTest, BadVersionsAreRefusedWithTheirField) {
  SnapshotPtr s = WithAlice();
  ASSERT_NE(s, nullptr);
  auto refused = [&](const pdp::v1::Change& c, absl::StatusCode code, const std::string& field,
                     const std::string& reason = "") {
    SnapshotBuilder b(s);
    ExpectError(ApplyWireChange(b, c), code, field, reason);
  };
  const auto bad = absl::StatusCode::kInvalidArgument;
  refused(Put({}), bad, "versions");
  refused(Put({{"v1", kView}, {"v2", kNone}}), bad, "versions");  // no default
  refused(Put({{"v1", kView, true}, {"v2", kNone, true}}), bad, "versions[1].is_default");
  refused(Put({{"v1", kView, true}, {"v1", kNone}}), bad, "versions[1].version_id");
  for (const char* id : {"v0", "v01", "1", "v", "vx", "v1 ", "v-1", "v12345678901"}) {
    refused(Put({{id, kView, true}}), bad, "versions[0].version_id");
  }
  refused(Put({{"v1", kView, true}, {"v2", "{not json"}}), bad, "versions[1].document");
  refused(Put({{"v1", kView, true},
               {"v2", kNone},
               {"v3", kNone},
               {"v4", kNone},
               {"v5", kNone},
               {"v6", kNone}}),
          absl::StatusCode::kFailedPrecondition, "versions", "LIMIT_EXCEEDED");
  refused(Put({{"v1", kView, true}}, "arn:aws:iam::aws:policy/Billing"),
          absl::StatusCode::kPermissionDenied, "arn", "AWS_MANAGED_READ_ONLY");
  refused(Put({{"v1", kView, true}}, kPolicy, "12345"), absl::StatusCode::kAborted, "etag",
          "ETAG_MISMATCH");
  refused(Put({{"v1", kView, true}}, "arn:aws:iam::111111111111:policy/BILLING"),
          absl::StatusCode::kAlreadyExists, "arn");
  refused(Put({{"v1", kView, true}}, "arn:aws:iam::999999999999:policy/P"),
          absl::StatusCode::kNotFound, "arn");
}

}  // namespace
}  // namespace pdp
