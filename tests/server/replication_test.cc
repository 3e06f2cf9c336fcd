// WorldState over a shared store: two replicas, each with its own
// PostgresStore on one database, as two billing-pdp-server processes would
// be. Batches written on one reach the other through its ChangeFollower;
// concurrent writers never lose or duplicate a revision and converge on the
// same state; a request id is applied once across replicas; a write always
// lands on top of everything already committed, seen or not.
#include <cstdio>
#include <latch>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/app/change_follower.h"
#include "server/app/world_state.h"
#include "server/store/postgres_store.h"
#include "server/wire/record_protos.h"
#include "server/wire/wire_decide.h"
#include "tests/support/server_process.h"
#include "tests/support/test_postgres.h"
#include "tests/support/test_support.h"

namespace pdp {
namespace {

using pdp::v1::ApplyChangesRequest;
using pdp::v1::ApplyChangesResponse;
using pdp::v1::Change;
using test::NewAccount;

constexpr char kShared[] = "999999999999";

SnapshotPtr Empty() { return test::EmptyShippedSnapshot(); }

Change NewUser(const std::string& account, const std::string& name) {
  Change c;
  c.mutable_put_user()->mutable_user()->set_arn(
      absl::StrCat("arn:aws:iam::", account, ":user/", name));
  return c;
}

ApplyChangesRequest Request(std::vector<Change> changes, const std::string& request_id) {
  ApplyChangesRequest r;
  for (Change& c : changes) *r.add_changes() = std::move(c);
  r.set_request_id(request_id);
  return r;
}

// Everything a replica's state says about its accounts and entities, in
// one comparable string: ids, settings, etags (the revision that last
// changed each) and the entities' unique ids.
std::string Digest(const Snapshot& s) {
  std::string out = absl::StrCat("revision ", s.revision(), "\n");
  for (const auto& [id, account] : s.accounts()) {
    absl::StrAppend(&out, "account ", id, " etag ", account->etag(), " settings {",
                    SettingsToProto(account->settings).ShortDebugString(), "}\n");
    for (const auto& [key, entity] : account->entities) {
      absl::StrAppend(&out, "  ", key, " etag ", entity->etag(), " id ", entity->unique_id, "\n");
    }
  }
  return out;
}

// One replica: its own connection to the shared database, its own state,
// and (when following) the thread that applies the other's batches.
struct Replica {
  std::unique_ptr<PostgresStore> store;
  std::unique_ptr<WorldState> state;
  std::unique_ptr<ChangeFollower> follower;  // declared last: stopped first
};

class ReplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> db = testing::FreshPostgresDatabase();
    ASSERT_TRUE(db.ok()) << db.status();
    conninfo_ = *db;
  }

  // A replica started as the server starts one: recover, then follow.
  std::unique_ptr<Replica> Start(bool follow) {
    auto r = std::make_unique<Replica>();
    absl::StatusOr<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(conninfo_);
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return nullptr;
    r->store = std::move(*store);
    r->state = std::make_unique<WorldState>(Empty(), r->store.get());
    absl::Status recovered = r->state->Recover();
    EXPECT_TRUE(recovered.ok()) << recovered;
    if (follow) {
      r->follower = std::make_unique<ChangeFollower>(r->state.get(), r->store.get());
      r->follower->Start();
    }
    return r;
  }

  // (revision, request id) of every batch in the database, read afresh.
  std::vector<std::pair<int64_t, std::string>> Log() {
    std::vector<std::pair<int64_t, std::string>> out;
    absl::StatusOr<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(conninfo_);
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return out;
    absl::Status s = (*store)->Replay([&](const StoredBatch& b) {
      out.emplace_back(b.revision, b.request_id);
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  static absl::Time In(absl::Duration d) { return absl::Now() + d; }

  std::string conninfo_;
};

TEST_F(ReplicationTest, WritesOnOneReplicaReachTheOtherThroughItsFollower) {
  auto a = Start(/*follow=*/true), b = Start(/*follow=*/true);
  ASSERT_TRUE(a && b);
  auto first = a->state->ApplyChanges(
      Request({NewAccount("111111111111"), NewUser("111111111111", "alice")}, "first"));
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = a->state->ApplyChanges(Request({NewUser("111111111111", "bob")}, "second"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->revision(), first->revision() + 1);

  absl::Status reached = b->state->WaitForRevision(second->revision(), In(absl::Seconds(10)));
  ASSERT_TRUE(reached.ok()) << reached;
  SnapshotPtr seen = b->state->Current();
  EXPECT_EQ(seen->revision(), second->revision());
  const AccountState* account = seen->FindAccount("111111111111");
  ASSERT_NE(account, nullptr);
  EXPECT_NE(account->FindEntity(IamArnKind::kUser, "alice"), nullptr);
  EXPECT_NE(account->FindEntity(IamArnKind::kUser, "bob"), nullptr);
  EXPECT_EQ(Digest(*seen), Digest(*a->state->Current()));

  // B learnt A's request ids with the batches: a retry sent to B replays.
  auto retried = b->state->ApplyChanges(
      Request({NewAccount("111111111111"), NewUser("111111111111", "alice")}, "first"));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_TRUE(retried->replayed());
  EXPECT_EQ(retried->revision(), first->revision());
  EXPECT_EQ(b->state->revision(), second->revision());  // nothing new written
}

// An AWS managed policy put on one replica reaches the other through its
// follower, and so does its replacement: the other's principals that
// attach it decide on the new default at once.
TEST_F(ReplicationTest, AwsManagedPoliciesPutOnOneReplicaReachTheOther) {
  auto a = Start(/*follow=*/true), b = Start(/*follow=*/true);
  ASSERT_TRUE(a && b);
  const std::string arn = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess";
  const std::string action = "cost-optimization-hub:ListRecommendationSummaries";
  auto put = [&](bool grants) {
    Change c;
    auto* p = c.mutable_put_aws_managed_policy();
    p->set_arn(arn);
    auto* v = p->add_versions();
    v->set_version_id(grants ? "v2" : "v3");
    v->set_document(test::AllowDoc({grants ? action : "ec2:DescribeInstances"}));
    v->set_is_default(true);
    return c;
  };
  Change alice = NewUser("111111111111", "alice");
  alice.mutable_put_user()->mutable_user()->add_attached_policies(arn);
  auto decide = [&](const Snapshot& s) {
    pdp::v1::AuthorizeRequest r;
    r.set_principal("arn:aws:iam::111111111111:user/alice");
    r.mutable_action()->set_action(action);
    absl::StatusOr<pdp::v1::Decision> d = Decide(s, r);
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? d->effect() : pdp::v1::EFFECT_UNSPECIFIED;
  };
  auto first =
      a->state->ApplyChanges(Request({NewAccount("111111111111"), put(true), alice}, "put"));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(b->state->WaitForRevision(first->revision(), In(absl::Seconds(10))).ok());
  ASSERT_NE(b->state->Current()->FindPolicy(arn), nullptr);
  EXPECT_EQ(decide(*b->state->Current()), pdp::v1::ALLOW);

  auto replaced = a->state->ApplyChanges(Request({put(false)}, "replace"));
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  ASSERT_TRUE(b->state->WaitForRevision(replaced->revision(), In(absl::Seconds(10))).ok());
  EXPECT_EQ(b->state->Current()->FindPolicy(arn)->default_version_id, "v3");
  EXPECT_EQ(decide(*b->state->Current()), pdp::v1::DENY);
  EXPECT_EQ(decide(*a->state->Current()), pdp::v1::DENY);
}

TEST_F(ReplicationTest, ConcurrentWritersNeverLoseOrDuplicateARevision) {
  auto a = Start(/*follow=*/true), b = Start(/*follow=*/true);
  ASSERT_TRUE(a && b);
  auto shared = a->state->ApplyChanges(Request({NewAccount(kShared)}, "shared"));
  ASSERT_TRUE(shared.ok()) << shared.status();
  ASSERT_EQ(shared->revision(), 1);

  // Each batch creates its own account and adds a user to the shared one,
  // so a batch built on a stale state (missing the other's users) would
  // show up as a difference between the replicas or a lost user.
  constexpr int kPerWriter = 50;
  struct Outcome {
    std::string request_id;
    absl::StatusOr<ApplyChangesResponse> response;
  };
  auto writer = [&](WorldState* state, char name, std::vector<Outcome>* out) {
    for (int i = 0; i < kPerWriter; ++i) {
      std::string account = absl::StrCat(name == 'a' ? "1" : "2", 10000000000 + i);
      std::string id = absl::StrCat(std::string(1, name), "-", i);
      out->push_back(
          {id, state->ApplyChanges(Request({NewAccount(account), NewUser(kShared, id)}, id))});
    }
  };
  std::vector<Outcome> from_a, from_b;
  std::thread ta(writer, a->state.get(), 'a', &from_a);
  std::thread tb(writer, b->state.get(), 'b', &from_b);
  ta.join();
  tb.join();

  std::map<int64_t, std::string> by_revision = {{1, "shared"}};
  for (const auto* outcomes : {&from_a, &from_b}) {
    for (const Outcome& o : *outcomes) {
      ASSERT_TRUE(o.response.ok()) << o.request_id << ": " << o.response.status();
      EXPECT_FALSE(o.response->replayed()) << o.request_id;
      const int64_t revision = o.response->revision();
      EXPECT_TRUE(by_revision.emplace(revision, o.request_id).second)
          << o.request_id << " and " << by_revision[revision] << " both got revision " << revision;
      // The results are those of the batch as committed (built on the
      // state it landed on), not of an attempt that lost a race.
      ASSERT_EQ(o.response->results_size(), 2);
      EXPECT_EQ(o.response->results(1).etag(), absl::StrCat(revision)) << o.request_id;
    }
  }
  const int64_t last = 1 + 2 * kPerWriter;
  ASSERT_EQ(by_revision.size(), static_cast<size_t>(last));
  EXPECT_EQ(by_revision.begin()->first, 1);
  EXPECT_EQ(by_revision.rbegin()->first, last);  // contiguous: 1..last, each once

  // The log holds exactly these batches, each under the revision its
  // writer was told.
  const std::vector<std::pair<int64_t, std::string>> want(by_revision.begin(), by_revision.end());
  EXPECT_EQ(Log(), want);

  // Both replicas converge on the same state, with every write in it.
  ASSERT_TRUE(a->state->WaitForRevision(last, In(absl::Seconds(10))).ok());
  ASSERT_TRUE(b->state->WaitForRevision(last, In(absl::Seconds(10))).ok());
  SnapshotPtr sa = a->state->Current(), sb = b->state->Current();
  EXPECT_EQ(sa->revision(), last);
  EXPECT_EQ(sb->revision(), last);
  EXPECT_EQ(Digest(*sa), Digest(*sb));
  EXPECT_EQ(sa->accounts().size(), static_cast<size_t>(1 + 2 * kPerWriter));
  const AccountState* users = sa->FindAccount(kShared);
  ASSERT_NE(users, nullptr);
  EXPECT_EQ(users->entities.size(), static_cast<size_t>(2 * kPerWriter));
}

TEST_F(ReplicationTest, TheSameRequestIdOnBothReplicasAppliesOnce) {
  auto a = Start(/*follow=*/true), b = Start(/*follow=*/true);
  ASSERT_TRUE(a && b);
  constexpr int kRounds = 20;
  int replayed_on_a = 0, replayed_on_b = 0;
  for (int round = 0; round < kRounds; ++round) {
    const std::string id = absl::StrCat("dup-", round);
    const std::string account = absl::StrCat(300000000000 + round);
    ApplyChangesRequest request = Request({NewAccount(account), NewUser(account, "u")}, id);
    absl::StatusOr<ApplyChangesResponse> on_a, on_b;
    std::latch go(2);  // both calls start together
    std::thread ta([&] {
      go.arrive_and_wait();
      on_a = a->state->ApplyChanges(request);
    });
    std::thread tb([&] {
      go.arrive_and_wait();
      on_b = b->state->ApplyChanges(request);
    });
    ta.join();
    tb.join();
    // Applying twice would make the second CreateAccount ALREADY_EXISTS.
    ASSERT_TRUE(on_a.ok()) << id << " on A: " << on_a.status();
    ASSERT_TRUE(on_b.ok()) << id << " on B: " << on_b.status();
    EXPECT_NE(on_a->replayed(), on_b->replayed()) << id << ": exactly one applies";
    replayed_on_a += on_a->replayed();
    replayed_on_b += on_b->replayed();
    ApplyChangesResponse first = *on_a, again = *on_b;
    first.clear_replayed();
    again.clear_replayed();
    EXPECT_EQ(first.SerializeAsString(), again.SerializeAsString())
        << id << ": A answered " << on_a->ShortDebugString() << ", B answered "
        << on_b->ShortDebugString();
    EXPECT_EQ(on_a->revision(), round + 1) << id;
  }
  std::vector<std::pair<int64_t, std::string>> log = Log();
  ASSERT_EQ(log.size(), static_cast<size_t>(kRounds));
  for (int round = 0; round < kRounds; ++round) {
    EXPECT_EQ(log[round], std::make_pair(int64_t{round + 1}, absl::StrCat("dup-", round)));
  }
  // Which replica wins is up to the race; each side must have lost some for
  // both ways to be covered, which 20 rounds do in practice but do not
  // guarantee, so it is reported rather than required.
  std::printf("replayed on A: %d, on B: %d\n", replayed_on_a, replayed_on_b);
}

TEST_F(ReplicationTest, AWriteLandsOnTopOfBatchesTheReplicaHasNotApplied) {
  // No follower on B: it has seen nothing A wrote when it writes.
  auto a = Start(/*follow=*/true), b = Start(/*follow=*/false);
  ASSERT_TRUE(a && b);
  auto account = a->state->ApplyChanges(Request({NewAccount("111111111111")}, "account"));
  ASSERT_TRUE(account.ok()) << account.status();
  ASSERT_EQ(b->state->revision(), 0);

  // The user's account exists only in A's batch: B must catch up to build
  // on it (else NOT_FOUND), and takes the next revision (else ABORTED or
  // a revision written twice).
  auto user = b->state->ApplyChanges(Request({NewUser("111111111111", "alice")}, "user"));
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_FALSE(user->replayed());
  EXPECT_EQ(user->revision(), account->revision() + 1);
  ASSERT_EQ(user->results_size(), 1);
  EXPECT_EQ(user->results(0).etag(), absl::StrCat(user->revision()));
  const AccountState* on_b = b->state->Current()->FindAccount("111111111111");
  ASSERT_NE(on_b, nullptr);
  EXPECT_NE(on_b->FindEntity(IamArnKind::kUser, "alice"), nullptr);

  // Again with a plain Apply (no request id): same rule.
  ASSERT_TRUE(a->state->Apply({NewAccount("222222222222")}).ok());
  ASSERT_EQ(b->state->revision(), user->revision());
  auto bob = b->state->Apply({NewUser("222222222222", "bob")});
  ASSERT_TRUE(bob.ok()) << bob.status();
  EXPECT_EQ((*bob)->revision(), user->revision() + 2);

  EXPECT_EQ(Log(), (std::vector<std::pair<int64_t, std::string>>{
                       {1, "account"}, {2, "user"}, {3, ""}, {4, ""}}));
  ASSERT_TRUE(a->state->WaitForRevision(4, In(absl::Seconds(10))).ok());
  EXPECT_EQ(Digest(*a->state->Current()), Digest(*b->state->Current()));
}

}  // namespace
}  // namespace pdp
