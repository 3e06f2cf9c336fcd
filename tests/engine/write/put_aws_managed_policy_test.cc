// put_aws_managed_policy: an AWS managed policy (as an export from AWS
// carries it: every version, the default) put for every account. Any
// account's entities may attach it after the put; an identical put changes
// nothing; other content (a bundled policy's included) replaces it and
// changes decisions in every account that uses it; bad input is refused
// with its field.
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
constexpr char kB[] = "222222222222";
const std::string kViewOnly = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess";
const std::string kBundled = "arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess";
const std::string kAlice = "arn:aws:iam::111111111111:user/alice";
const std::string kBob = "arn:aws:iam::222222222222:user/bob";
// ViewOnlyAccess (abridged): its default version lists Cost Optimization
// Hub's read actions, among many other services' List/Describe actions;
// it grants no aws-portal or ce action.
const std::string kSavings = "cost-optimization-hub:ListRecommendationSummaries";
const std::string kOld = AllowDoc({"ec2:DescribeInstances", "s3:ListAllMyBuckets"});
const std::string kCurrent = AllowDoc({"ec2:DescribeInstances", "s3:ListAllMyBuckets",
                                       "cost-optimization-hub:GetPreferences",
                                       "cost-optimization-hub:ListRecommendations", kSavings});

using V = test::PolicyVersionSpec;

pdp::v1::Change Put(const std::vector<V>& versions, const std::string& arn = kViewOnly,
                    const std::string& description = "view only") {
  pdp::v1::Change c;
  *c.mutable_put_aws_managed_policy() = test::PolicyPut(arn, description, versions);
  return c;
}

pdp::v1::Change ViewOnlyPut() { return Put({{"v1", kOld}, {"v2", kCurrent, true}}); }

pdp::v1::Effect Effect(const Snapshot& s, const std::string& principal, const std::string& action) {
  pdp::v1::AuthorizeRequest r;
  r.set_principal(principal);
  r.mutable_action()->set_action(action);
  absl::StatusOr<pdp::v1::Decision> d = Decide(s, r);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? d->effect() : pdp::v1::EFFECT_UNSPECIFIED;
}

// Two accounts, a user in each attaching ViewOnlyAccess after its put.
SnapshotPtr World() {
  absl::StatusOr<SnapshotPtr> s =
      ApplyBatch(test::EmptyShippedSnapshot(),
                 {test::CreateAccount(kA, true), test::CreateAccount(kB, true), ViewOnlyPut(),
                  test::PutUser(kAlice, {}, {kViewOnly}), test::PutUser(kBob, {}, {kViewOnly})});
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : nullptr;
}

TEST(PutAwsManagedPolicyTest, AttachableFromEveryAccountAfterThePut) {
  // Before: the server does not have it, and an attachment is refused.
  {
    absl::StatusOr<SnapshotPtr> base =
        ApplyBatch(test::EmptyShippedSnapshot(), {test::CreateAccount(kA, true)});
    ASSERT_TRUE(base.ok()) << base.status();
    SnapshotBuilder b(*base);
    ExpectError(ApplyWireChange(b, test::PutUser(kAlice, {}, {kViewOnly})),
                absl::StatusCode::kNotFound, "user.attached_policies[0]");
  }
  SnapshotPtr s = World();
  ASSERT_NE(s, nullptr);
  const ManagedPolicyRecord* p = s->FindPolicy(kViewOnly);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->aws_managed);
  EXPECT_EQ(p->description, "view only");
  ASSERT_EQ(p->versions.size(), 2u);
  EXPECT_EQ(p->versions[0].version_id, "v1");
  EXPECT_EQ(p->default_version_id, "v2");
  EXPECT_GT(p->modified_revision, 0);  // put, so stored (bundled ones are 0)
  EXPECT_EQ(s->aws_policies().count(kViewOnly), 1u);
  EXPECT_EQ(s->aws_policies().count(kBundled), 1u);  // the bundled ones stay
  // The default version decides, in both accounts.
  EXPECT_EQ(Effect(*s, kAlice, kSavings), pdp::v1::ALLOW);
  EXPECT_EQ(Effect(*s, kBob, kSavings), pdp::v1::ALLOW);
  EXPECT_EQ(Effect(*s, kAlice, "aws-portal:ViewBilling"), pdp::v1::DENY);
  EXPECT_EQ(Effect(*s, kBob, "ce:GetCostAndUsage"), pdp::v1::DENY);
}

TEST(PutAwsManagedPolicyTest, PuttingWhatIsThereChangesNothing) {
  SnapshotPtr s = World();
  ASSERT_NE(s, nullptr);
  SnapshotBuilder b(s);
  // Versions in another order are the same policy.
  ASSERT_TRUE(ApplyWireChange(b, Put({{"v2", kCurrent, true}, {"v1", kOld}})).ok());
  EXPECT_TRUE(b.last_change_unchanged());
  EXPECT_FALSE(b.changed());
  EXPECT_TRUE(b.affected_accounts().empty());
  SnapshotPtr next = b.Finish();
  EXPECT_EQ(&next->aws_policies(), &s->aws_policies());  // the map is still shared
}

TEST(PutAwsManagedPolicyTest, ADifferenceReplacesItInEveryAccount) {
  SnapshotPtr s = World();
  ASSERT_NE(s, nullptr);
  const std::string etag = s->FindPolicy(kViewOnly)->etag();
  // AWS moved the default back to v1 (which lacks Cost Optimization Hub).
  SnapshotBuilder b(s);
  ASSERT_TRUE(ApplyWireChange(b, Put({{"v1", kOld, true}, {"v2", kCurrent}})).ok());
  EXPECT_FALSE(b.last_change_unchanged());
  EXPECT_EQ(b.affected_accounts(), (absl::btree_set<std::string>{kA, kB}));
  EXPECT_TRUE(b.written_accounts().empty());  // no account record changes
  SnapshotPtr next = b.Finish();
  EXPECT_EQ(next->FindPolicy(kViewOnly)->default_version_id, "v1");
  EXPECT_NE(next->FindPolicy(kViewOnly)->etag(), etag);
  EXPECT_EQ(Effect(*next, kAlice, kSavings), pdp::v1::DENY);
  EXPECT_EQ(Effect(*next, kBob, kSavings), pdp::v1::DENY);
  // The snapshot it was built on is as it was.
  EXPECT_EQ(Effect(*s, kAlice, kSavings), pdp::v1::ALLOW);
  // Fewer, lower versions: ids are never given out twice.
  absl::StatusOr<SnapshotPtr> fewer = ApplyBatch(next, {Put({{"v1", kCurrent, true}})});
  ASSERT_TRUE(fewer.ok()) << fewer.status();
  EXPECT_EQ((*fewer)->FindPolicy(kViewOnly)->next_version, 3);
  EXPECT_EQ(Effect(**fewer, kBob, kSavings), pdp::v1::ALLOW);
}

// The export is AWS's current truth: it replaces the bundled copy, and an
// export that has exactly the bundled copy changes nothing.
TEST(PutAwsManagedPolicyTest, ReplacesABundledPolicy) {
  SnapshotPtr base = test::EmptyShippedSnapshot();
  const ManagedPolicyRecord* bundled = base->FindPolicy(kBundled);
  ASSERT_NE(bundled, nullptr);
  ASSERT_EQ(bundled->versions.size(), 1u);
  {
    SnapshotBuilder b(base);
    ASSERT_TRUE(
        ApplyWireChange(b, Put({{bundled->default_version_id, bundled->versions[0].document, true}},
                               kBundled, bundled->description))
            .ok());
    EXPECT_TRUE(b.last_change_unchanged());
  }
  absl::StatusOr<SnapshotPtr> s =
      ApplyBatch(base, {test::CreateAccount(kA, true),
                        Put({{"v30", AllowDoc({"budgets:ViewBudget"}), true}}, kBundled),
                        test::PutUser(kAlice, {}, {kBundled})});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ((*s)->FindPolicy(kBundled)->default_version_id, "v30");
  EXPECT_EQ(Effect(**s, kAlice, "budgets:ViewBudget"), pdp::v1::ALLOW);
  EXPECT_EQ(Effect(**s, kAlice, "aws-portal:ViewBilling"), pdp::v1::DENY);
  // The base (the bundled copy) is untouched.
  EXPECT_EQ(base->FindPolicy(kBundled)->default_version_id, bundled->default_version_id);
}

TEST(PutAwsManagedPolicyTest, BadInputIsRefusedWithItsField) {
  SnapshotPtr s = World();
  ASSERT_NE(s, nullptr);
  auto refused = [&](const pdp::v1::Change& c, absl::StatusCode code, const std::string& field,
                     const std::string& reason = "") {
    SnapshotBuilder b(s);
    ExpectError(ApplyWireChange(b, c), code, field, reason);
  };
  const auto bad = absl::StatusCode::kInvalidArgument;
  refused(Put({{"v1", kOld, true}}, "arn:aws:iam::111111111111:policy/Mine"), bad, "arn");
  refused(Put({{"v1", kOld, true}}, "arn:aws:iam::aws:user/ViewOnlyAccess"), bad, "arn");
  refused(Put({{"v1", kOld, true}}, "arn:aws:iam::aws:policy/"), bad, "arn");
  refused(Put({{"v1", kOld, true}}, "not an arn"), bad, "arn");
  refused(Put({}), bad, "versions");
  refused(Put({{"v1", kOld}, {"v2", kCurrent}}), bad, "versions");  // no default
  refused(Put({{"v1", kOld, true}, {"v2", kCurrent, true}}), bad, "versions[1].is_default");
  refused(Put({{"v1", kOld, true}, {"v1", kCurrent}}), bad, "versions[1].version_id");
  refused(Put({{"v01", kOld, true}}), bad, "versions[0].version_id");
  refused(Put({{"v1", kOld, true}, {"v2", "{not json"}}), bad, "versions[1].document");
  refused(
      Put({{"v1", kOld, true},
           {"v2",
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"x:Y","Resource":"*","Bogus":1}]})"}}),
      bad, "versions[1].document.Statement[0].Bogus");
  refused(Put({{"v1", kOld, true},
               {"v2", kOld},
               {"v3", kOld},
               {"v4", kOld},
               {"v5", kOld},
               {"v6", kOld}}),
          absl::StatusCode::kFailedPrecondition, "versions", "LIMIT_EXCEEDED");
  refused(Put({{"v1", kOld, true}}, kViewOnly, std::string(1001, 'd')), bad, "description");
  // put_policy still refuses AWS managed ARNs: the world-wide kind is
  // explicit.
  pdp::v1::Change customer_kind;
  *customer_kind.mutable_put_policy() = ViewOnlyPut().put_aws_managed_policy();
  refused(customer_kind, absl::StatusCode::kPermissionDenied, "arn", "AWS_MANAGED_READ_ONLY");
  // A stale etag.
  pdp::v1::Change stale = Put({{"v1", kOld, true}});
  stale.mutable_put_aws_managed_policy()->set_etag("1234");
  refused(stale, absl::StatusCode::kAborted, "etag", "ETAG_MISMATCH");
}

// Larger than a customer managed policy may be (AWS's own are), but
// bounded by its own quota.
TEST(PutAwsManagedPolicyTest, SizeHasItsOwnQuota) {
  std::vector<std::string> actions;
  for (int i = 0; i < 400; ++i) actions.push_back(absl::StrCat("ec2:DescribeThing", i));
  const std::string large = AllowDoc(actions);
  ASSERT_GT(large.size(), WorldLimits().max_managed_policy_chars);
  SnapshotBuilder ok(test::EmptyShippedSnapshot());
  EXPECT_TRUE(ApplyWireChange(ok, Put({{"v1", large, true}})).ok());
  WorldLimits small;
  small.max_aws_managed_policy_chars = 1000;
  SnapshotBuilder refused(test::EmptyShippedSnapshot(), small);
  absl::Status s = ApplyWireChange(refused, Put({{"v1", kOld, true}, {"v2", large}}));
  EXPECT_EQ(test::FieldOf(s), "versions[1].document") << s;
  EXPECT_NE(s.code(), absl::StatusCode::kOk);
}

}  // namespace
}  // namespace pdp
