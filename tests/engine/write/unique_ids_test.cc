// IAM unique ids (aws:userid): a caller may give an entity AWS's own id when
// it creates it (an import keeps them); ids are unique among every entity of
// every account, never change, and made-up ids never take one somebody chose.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/write/snapshot_builder.h"
#include "gtest/gtest.h"
#include "server/wire/change_from_wire.h"
#include "server/wire/record_protos.h"
#include "server/wire/wire_decide.h"
#include "tests/support/test_support.h"

namespace pdp {
namespace {

using test::AllowDoc;
using test::ApplyBatch;
using test::CreateAccount;
using test::ExpectError;

constexpr char kA[] = "111111111111";
constexpr char kB[] = "222222222222";
const std::string kAlice = "arn:aws:iam::111111111111:user/alice";
const std::string kBob = "arn:aws:iam::111111111111:user/bob";
const std::string kCarol = "arn:aws:iam::222222222222:user/carol";
const std::string kAdmins = "arn:aws:iam::111111111111:group/admins";
const std::string kAuditor = "arn:aws:iam::111111111111:role/Auditor";
constexpr char kAliceId[] = "AIDAJQABLZS4A3QDU576Q";
constexpr char kGroupId[] = "AGPAI2AZ6MDB4XTOE4SKW";
constexpr char kRoleId[] = "AROAJ52OTH4H7LEXAMPLE";

pdp::v1::Change User(const std::string& arn, const std::string& unique_id,
                     const std::vector<test::Inline>& inline_policies = {}) {
  pdp::v1::Change c;
  test::FillEntity(c.mutable_put_user()->mutable_user(), arn, {}, inline_policies);
  c.mutable_put_user()->mutable_user()->set_unique_id(unique_id);
  return c;
}

pdp::v1::Change ReplaceUser(const std::string& arn, const std::string& unique_id) {
  pdp::v1::Change c = User(arn, unique_id);
  c.mutable_put_user()->set_replace(true);
  c.mutable_put_user()->set_allow_missing(true);
  return c;
}

pdp::v1::Change DeleteEntity(const std::string& arn) {
  pdp::v1::Change c;
  c.mutable_delete_entity()->set_arn(arn);
  return c;
}

SnapshotPtr World(const std::vector<pdp::v1::Change>& changes) {
  std::vector<pdp::v1::Change> all = {CreateAccount(kA, true), CreateAccount(kB, true)};
  all.insert(all.end(), changes.begin(), changes.end());
  absl::StatusOr<SnapshotPtr> s = ApplyBatch(test::EmptyShippedSnapshot(), all);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : nullptr;
}

TEST(UniqueIdsTest, GivenIdsAreKeptAndFound) {
  pdp::v1::Change group;
  test::FillEntity(group.mutable_put_group()->mutable_group(), kAdmins, {}, {});
  group.mutable_put_group()->mutable_group()->set_unique_id(kGroupId);
  pdp::v1::Change role;
  test::FillEntity(role.mutable_put_role()->mutable_role(), kAuditor, {}, {});
  role.mutable_put_role()->mutable_role()->set_unique_id(kRoleId);
  SnapshotPtr s = World({User(kAlice, kAliceId), group, role, User(kBob, "")});
  ASSERT_NE(s, nullptr);
  const AccountState* a = s->FindAccount(kA);
  EXPECT_EQ(a->FindEntity(IamArnKind::kUser, "alice")->unique_id, kAliceId);
  EXPECT_EQ(GroupToProto(*a->FindEntity(IamArnKind::kGroup, "admins"), *a).unique_id(), kGroupId);
  EXPECT_EQ(RoleToProto(*a->FindEntity(IamArnKind::kRole, "Auditor")).unique_id(), kRoleId);
  ASSERT_NE(s->FindByUniqueId(kAliceId), nullptr);
  EXPECT_EQ(s->FindByUniqueId(kAliceId)->arn, kAlice);
  EXPECT_EQ(s->FindByUniqueId(kRoleId)->arn, kAuditor);
  // Bob's is made up, of the same shape, and indexed too.
  const std::string bob = a->FindEntity(IamArnKind::kUser, "bob")->unique_id;
  EXPECT_TRUE(absl::StartsWith(bob, "AIDA")) << bob;
  EXPECT_EQ(bob.size(), 21u);
  ASSERT_NE(s->FindByUniqueId(bob), nullptr);
  EXPECT_EQ(s->FindByUniqueId(bob)->arn, kBob);
  EXPECT_EQ(s->FindByUniqueId("AIDANOSUCHIDANYWHERE1"), nullptr);
}

TEST(UniqueIdsTest, MalformedIdsAreRefusedWithTheirField) {
  SnapshotPtr s = World({});
  for (const std::string& bad :
       {std::string("AROAJ52OTH4H7LEXAMPLE"),  // a role's prefix on a user
        std::string("AIDAshort"), std::string("AIDAjqablzs4a3qdu576q"),
        std::string("AIDAJQABLZS4A3QDU576Q "), "AIDA" + std::string(125, 'X')}) {
    SnapshotBuilder b(s);
    ExpectError(ApplyWireChange(b, User(kAlice, bad)), absl::StatusCode::kInvalidArgument,
                "user.unique_id");
  }
}

TEST(UniqueIdsTest, AnIdHeldAnywhereCannotBeGivenAgain) {
  SnapshotPtr s = World({User(kAlice, kAliceId)});
  {
    SnapshotBuilder b(s);  // same account: the holder is named
    absl::Status st = ApplyWireChange(b, User(kBob, kAliceId));
    ExpectError(st, absl::StatusCode::kAlreadyExists, "user.unique_id");
    EXPECT_NE(st.message().find(kAlice), std::string::npos) << st;
  }
  {
    SnapshotBuilder b(s);  // another account: not named
    absl::Status st = ApplyWireChange(b, User(kCarol, kAliceId));
    ExpectError(st, absl::StatusCode::kAlreadyExists, "user.unique_id");
    EXPECT_EQ(st.message().find(kAlice), std::string::npos) << st;
  }
  // Within one batch too, before the index has the first.
  absl::StatusOr<SnapshotPtr> both =
      ApplyBatch(s, {User(kBob, "AIDAJQABLZS4A3QDU5777"), User(kCarol, "AIDAJQABLZS4A3QDU5777")});
  ExpectError(both.status(), absl::StatusCode::kAlreadyExists, "user.unique_id");
}

TEST(UniqueIdsTest, IdsNeverChangeButADeletedEntitysIdCanBeReused) {
  SnapshotPtr s = World({User(kAlice, kAliceId)});
  {
    SnapshotBuilder b(s);
    ExpectError(ApplyWireChange(b, ReplaceUser(kAlice, "AIDAJQABLZS4A3QDU5777")),
                absl::StatusCode::kFailedPrecondition, "user.unique_id", "UNIQUE_ID_CHANGED");
  }
  // Replacing with the same id or none keeps it.
  absl::StatusOr<SnapshotPtr> kept = ApplyBatch(s, {ReplaceUser(kAlice, kAliceId)});
  ASSERT_TRUE(kept.ok()) << kept.status();
  kept = ApplyBatch(*kept, {ReplaceUser(kAlice, "")});
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ((*kept)->FindByUniqueId(kAliceId)->arn, kAlice);

  // Delete and create again in one batch, the id moving to another user
  // (and to another account in the next batch).
  absl::StatusOr<SnapshotPtr> moved =
      ApplyBatch(*kept, {DeleteEntity(kAlice), User(kBob, kAliceId)});
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ((*moved)->FindByUniqueId(kAliceId)->arn, kBob);
  moved = ApplyBatch(*moved, {DeleteEntity(kBob), User(kCarol, kAliceId)});
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ((*moved)->FindByUniqueId(kAliceId)->arn, kCarol);
  // Deleting the account frees its ids.
  pdp::v1::Change drop;
  drop.mutable_delete_account()->set_account_id(kB);
  absl::StatusOr<SnapshotPtr> gone = ApplyBatch(*moved, {DeleteEntity(kCarol), drop});
  ASSERT_TRUE(gone.ok()) << gone.status();
  EXPECT_EQ((*gone)->FindByUniqueId(kAliceId), nullptr);
  // The base snapshot is untouched by all of it.
  EXPECT_EQ(s->FindByUniqueId(kAliceId)->arn, kAlice);
}

TEST(UniqueIdsTest, AMadeUpIdNeverTakesOneSomebodyChose) {
  // Learn the id bob would be given at this revision, then take it first.
  SnapshotPtr s = World({});
  absl::StatusOr<SnapshotPtr> probe = ApplyBatch(s, {User(kBob, "")});
  ASSERT_TRUE(probe.ok()) << probe.status();
  const std::string predicted =
      (*probe)->FindAccount(kA)->FindEntity(IamArnKind::kUser, "bob")->unique_id;
  absl::StatusOr<SnapshotPtr> taken = ApplyBatch(s, {User(kAlice, predicted), User(kBob, "")});
  ASSERT_TRUE(taken.ok()) << taken.status();
  const std::string bob =
      (*taken)->FindAccount(kA)->FindEntity(IamArnKind::kUser, "bob")->unique_id;
  EXPECT_NE(bob, predicted);
  EXPECT_EQ((*taken)->FindByUniqueId(predicted)->arn, kAlice);
  EXPECT_EQ((*taken)->FindByUniqueId(bob)->arn, kBob);
}

TEST(UniqueIdsTest, AwsUseridConditionsMatchTheGivenId) {
  const std::string doc = absl::StrCat(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"aws-portal:ViewBilling",)",
      R"("Resource":"*","Condition":{"StringEquals":{"aws:userid":")", kAliceId, R"("}}}]})");
  SnapshotPtr s = World({User(kAlice, kAliceId, {{"p", doc}}), User(kBob, "", {{"p", doc}})});
  ASSERT_NE(s, nullptr);
  for (const auto& [arn, effect] : std::vector<std::pair<std::string, pdp::v1::Effect>>{
           {kAlice, pdp::v1::ALLOW}, {kBob, pdp::v1::DENY}}) {
    pdp::v1::AuthorizeRequest request;
    request.set_principal(arn);
    request.mutable_action()->set_action("aws-portal:ViewBilling");
    absl::StatusOr<pdp::v1::Decision> d = Decide(*s, request);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(d->effect(), effect) << arn << " " << d->DebugString();
  }
}

// Many ids over several batches and both accounts (the index spreads them
// over its buckets): every held id is found and refused to another
// principal, every freed one can be given again.
TEST(UniqueIdsTest, ManyIdsOverManyBatchesStayExact) {
  auto arn = [](int i) {
    return absl::StrCat("arn:aws:iam::", i % 2 == 0 ? kA : kB, ":user/u", i);
  };
  auto id = [](int i) { return absl::StrCat("AIDAMANYIDS", 100000 + i); };
  SnapshotPtr s = World({});
  ASSERT_NE(s, nullptr);
  for (int batch = 0; batch < 6; ++batch) {
    std::vector<pdp::v1::Change> changes;
    for (int i = batch * 200; i < (batch + 1) * 200; ++i) changes.push_back(User(arn(i), id(i)));
    absl::StatusOr<SnapshotPtr> next = ApplyBatch(s, changes);
    ASSERT_TRUE(next.ok()) << next.status();
    s = *next;
  }
  std::vector<pdp::v1::Change> deletes;
  for (int i = 0; i < 1200; i += 3) deletes.push_back(DeleteEntity(arn(i)));
  absl::StatusOr<SnapshotPtr> pruned = ApplyBatch(s, deletes);
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  for (int i = 0; i < 1200; ++i) {
    const EntityRecord* holder = (*pruned)->FindByUniqueId(id(i));
    SnapshotBuilder b(*pruned);
    absl::Status again = ApplyWireChange(b, User("arn:aws:iam::111111111111:user/newcomer", id(i)));
    if (i % 3 == 0) {
      EXPECT_EQ(holder, nullptr) << id(i);
      EXPECT_TRUE(again.ok()) << id(i) << " " << again;
    } else {
      ASSERT_NE(holder, nullptr) << id(i);
      EXPECT_EQ(holder->arn, arn(i));
      ExpectError(again, absl::StatusCode::kAlreadyExists, "user.unique_id");
    }
  }
}

}  // namespace
}  // namespace pdp
