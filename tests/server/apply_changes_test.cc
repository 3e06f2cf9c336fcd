// WorldState::ApplyChanges: per-change results, idempotency by request_id
// (also across a restart), and errors that name every failing change.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "base/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/app/world_state.h"
#include "server/store/memory_store.h"
#include "tests/support/server_process.h"
#include "tests/support/test_support.h"

namespace pdp {
namespace {

using pdp::v1::ApplyChangesRequest;
using pdp::v1::ApplyChangesResponse;
using pdp::v1::Change;
using test::NewAccount;
using test::NewUser;
using ::testing::ElementsAre;

constexpr char kA[] = "111111111111";
constexpr char kB[] = "222222222222";

SnapshotPtr Empty() { return test::EmptyShippedSnapshot(); }

// Turns iam_access_to_billing on, as the account's root user.
Change IamAccessOn(const std::string& account, const std::string& etag = "") {
  Change c;
  auto* s = c.mutable_update_account_settings();
  s->set_account_id(account);
  s->mutable_settings()->set_iam_access_to_billing(true);
  s->add_update_mask("iam_access_to_billing");
  s->set_actor("arn:aws:iam::" + account + ":root");
  s->set_etag(etag);
  return c;
}

ApplyChangesRequest Request(std::vector<Change> changes, const std::string& request_id = "") {
  ApplyChangesRequest r;
  for (Change& c : changes) *r.add_changes() = std::move(c);
  r.set_request_id(request_id);
  return r;
}

std::vector<std::string> Fields(const absl::Status& s) { return test::FieldsOf(s); }

int CountBatches(Store& store) {
  int n = 0;
  EXPECT_TRUE(store
                  .Replay([&](const StoredBatch&) {
                    ++n;
                    return absl::OkStatus();
                  })
                  .ok());
  return n;
}

TEST(ApplyChangesTest, OneResultPerChangeInRequestOrder) {
  MemoryStore store;
  WorldState state(Empty(), &store);
  ASSERT_TRUE(state.ApplyChanges(Request({NewAccount(kA)})).ok());
  auto r =
      state.ApplyChanges(Request({NewAccount(kB), NewUser("arn:aws:iam::111111111111:user/u"),
                                  IamAccessOn(kA), NewUser("arn:aws:iam::222222222222:user/v")}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->revision(), 2);
  EXPECT_FALSE(r->replayed());
  std::vector<std::string> names, etags;
  for (const auto& result : r->results()) {
    names.push_back(result.name());
    etags.push_back(result.etag());
  }
  EXPECT_THAT(names, ElementsAre(kB, "arn:aws:iam::111111111111:user/u", kA,
                                 "arn:aws:iam::222222222222:user/v"));
  // Everything the batch touched was last modified at its revision.
  EXPECT_THAT(etags, ElementsAre("2", "2", "2", "2"));
  EXPECT_EQ(state.Current()->FindAccount(kA)->etag(), "2");
}

TEST(ApplyChangesTest, ARetriedRequestIdReturnsTheFirstResponseAndChangesNothing) {
  MemoryStore store;
  WorldState state(Empty(), &store);
  auto first = state.ApplyChanges(Request({NewAccount(kA), NewAccount(kB)}, "req-1"));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(state.ApplyChanges(Request({NewUser("arn:aws:iam::111111111111:user/u")})).ok());

  auto again = state.ApplyChanges(Request({NewAccount(kA), NewAccount(kB)}, "req-1"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed());
  EXPECT_EQ(again->revision(), first->revision());
  ASSERT_EQ(again->results_size(), 2);
  EXPECT_EQ(again->results(1).name(), kB);
  EXPECT_EQ(again->results(1).etag(), first->results(1).etag());
  EXPECT_EQ(state.Current()->revision(), 2);
  EXPECT_EQ(CountBatches(store), 2);
}

TEST(ApplyChangesTest, ARequestIdReusedForOtherChangesIsRefused) {
  MemoryStore store;
  WorldState state(Empty(), &store);
  ASSERT_TRUE(state.ApplyChanges(Request({NewAccount(kA)}, "req-1")).ok());
  auto reused = state.ApplyChanges(Request({NewAccount(kB)}, "req-1"));
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(reused.status()), "REQUEST_ID_REUSED");
  EXPECT_THAT(Fields(reused.status()), ElementsAre("request_id"));
  EXPECT_EQ(state.Current()->FindAccount(kB), nullptr);
  EXPECT_EQ(state.Current()->revision(), 1);
  // Equal changes written differently (map entries in another order) are
  // the same request.
  Change tagged = NewUser("arn:aws:iam::111111111111:user/t");
  (*tagged.mutable_put_user()->mutable_user()->mutable_tags())["a"] = "1";
  (*tagged.mutable_put_user()->mutable_user()->mutable_tags())["b"] = "2";
  Change reordered = NewUser("arn:aws:iam::111111111111:user/t");
  (*reordered.mutable_put_user()->mutable_user()->mutable_tags())["b"] = "2";
  (*reordered.mutable_put_user()->mutable_user()->mutable_tags())["a"] = "1";
  ASSERT_TRUE(state.ApplyChanges(Request({tagged}, "req-2")).ok());
  auto same = state.ApplyChanges(Request({reordered}, "req-2"));
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_TRUE(same->replayed());
}

TEST(ApplyChangesTest, RequestIdsAreValidated) {
  MemoryStore store;
  WorldState state(Empty(), &store);
  for (const std::string& bad : {std::string(129, 'x'), std::string("tab\there"),
                                 std::string("caf\xc3\xa9"), std::string("nul\0x", 5)}) {
    auto r = state.ApplyChanges(Request({NewAccount(kA)}, bad));
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(Fields(r.status()), ElementsAre("request_id"));
  }
  EXPECT_EQ(state.Current()->revision(), 0);
  EXPECT_TRUE(state.ApplyChanges(Request({NewAccount(kA)}, std::string(128, '~'))).ok());
  EXPECT_TRUE(state.ApplyChanges(Request({NewAccount(kB)}, "a b")).ok());
}

TEST(ApplyChangesTest, AFailedRequestIsNotRemembered) {
  MemoryStore store;
  WorldState state(Empty(), &store);
  auto failed = state.ApplyChanges(Request({NewUser("arn:aws:iam::111111111111:user/u")}, "r"));
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(state.ApplyChanges(Request({NewAccount(kA)})).ok());
  auto retried = state.ApplyChanges(Request({NewUser("arn:aws:iam::111111111111:user/u")}, "r"));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_FALSE(retried->replayed());
  EXPECT_EQ(retried->revision(), 2);
}

TEST(ApplyChangesTest, RequestIdsSurviveARestart) {
  MemoryStore store;
  ApplyChangesResponse first;
  {
    WorldState state(Empty(), &store);
    auto r = state.ApplyChanges(Request({NewAccount(kA), IamAccessOn(kA)}, "before-restart"));
    ASSERT_TRUE(r.ok()) << r.status();
    first = *r;
    ASSERT_TRUE(state.Apply({NewAccount(kB)}).ok());  // a write without an id in between
  }
  WorldState restarted(Empty(), &store);
  ASSERT_TRUE(restarted.Recover().ok());
  auto again = restarted.ApplyChanges(Request({NewAccount(kA), IamAccessOn(kA)}, "before-restart"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed());
  EXPECT_EQ(again->revision(), 1);
  ASSERT_EQ(again->results_size(), first.results_size());
  for (int i = 0; i < first.results_size(); ++i) {
    EXPECT_EQ(again->results(i).name(), first.results(i).name());
    EXPECT_EQ(again->results(i).etag(), first.results(i).etag());
  }
  EXPECT_EQ(restarted.Current()->revision(), 2);
  auto reused = restarted.ApplyChanges(Request({NewAccount("333333333333")}, "before-restart"));
  EXPECT_EQ(ErrorReason(reused.status()), "REQUEST_ID_REUSED");
}

TEST(ApplyChangesTest, ConcurrentCallsWithOneIdApplyOnce) {
  MemoryStore store;
  WorldState state(Empty(), &store);
  std::atomic<int> applied{0}, replayed{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto r = state.ApplyChanges(Request({NewAccount(kA)}, "same-id"));
      if (!r.ok()) {
        ++failed;
      } else if (r->replayed()) {
        ++replayed;
      } else {
        ++applied;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(applied.load(), 1);
  EXPECT_EQ(replayed.load(), 7);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(CountBatches(store), 1);
}

TEST(ApplyChangesTest, EveryFailingChangeIsReportedAndNothingIsApplied) {
  MemoryStore store;
  WorldState state(Empty(), &store);
  ASSERT_TRUE(state.ApplyChanges(Request({NewAccount(kA), NewAccount(kB)})).ok());  // etags "1"
  Change stale_change_etag;
  stale_change_etag.set_etag("7");
  stale_change_etag.mutable_update_account()->set_account_id(kB);
  stale_change_etag.mutable_update_account()->set_name("renamed");
  auto r = state.ApplyChanges(Request({
      NewUser("arn:aws:iam::111111111111:user/ok"),      // fine
      IamAccessOn(kA, "9"),                              // stale etag inside the change
      NewUser("arn:aws:iam::111111111111:user/ok2"),     // fine
      NewUser("arn:aws:iam::999999999999:user/nobody"),  // no such account
      stale_change_etag,                                 // stale Change.etag
  }));
  ASSERT_FALSE(r.ok());
  // The first failure gives the code and the reason.
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ErrorReason(r.status()), "ETAG_MISMATCH");
  EXPECT_THAT(Fields(r.status()), ElementsAre("changes[1].update_account_settings.etag",
                                              "changes[3].put_user.user.arn", "changes[4].etag"));
  EXPECT_THAT(std::string(r.status().message()),
              ::testing::StartsWith("changes[1].update_account_settings.etag"));
  EXPECT_EQ(state.Current()->revision(), 1);
  EXPECT_EQ(state.Current()->FindAccount(kA)->FindEntity(IamArnKind::kUser, "ok"), nullptr);
  EXPECT_EQ(CountBatches(store), 1);
}

TEST(ApplyChangesTest, AtMostAHundredErrorsAreReported) {
  MemoryStore store;
  WorldState state(Empty(), &store);
  std::vector<Change> changes;
  for (int i = 0; i < 250; ++i) {
    changes.push_back(NewUser("arn:aws:iam::999999999999:user/u" + std::to_string(i)));
  }
  auto r = state.ApplyChanges(Request(changes));
  ASSERT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  std::vector<std::string> fields = Fields(r.status());
  ASSERT_EQ(fields.size(), 100u);
  EXPECT_EQ(fields.front(), "changes[0].put_user.user.arn");
  EXPECT_EQ(fields.back(), "changes[99].put_user.user.arn");
}

TEST(ApplyChangesTest, ACurrentChangeEtagLetsTheChangeThrough) {
  MemoryStore store;
  WorldState state(Empty(), &store);
  ASSERT_TRUE(state.ApplyChanges(Request({NewAccount(kA)})).ok());
  Change c = IamAccessOn(kA);
  c.set_etag(state.Current()->FindAccount(kA)->etag());
  auto r = state.ApplyChanges(Request({c}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->results(0).etag(), "2");
}

// A shared store (as PostgreSQL) whose connection breaks during COMMIT:
// the batch may be stored (`commit_anyway`) or not, and Commit cannot tell.
class InDoubtStore : public MemoryStore {
 public:
  bool IsShared() const override { return true; }
  absl::Status Commit(const StoredBatch& batch) override {
    if (!in_doubt_) return MemoryStore::Commit(batch);
    in_doubt_ = false;
    if (commit_anyway_) MemoryStore::Commit(batch).IgnoreError();
    return WithReason(absl::UnavailableError("PostgreSQL COMMIT: server closed the connection"),
                      kCommitOutcomeUnknown);
  }
  void BreakNextCommit(bool commit_anyway) {
    in_doubt_ = true;
    commit_anyway_ = commit_anyway;
  }

 private:
  bool in_doubt_ = false, commit_anyway_ = false;
};

TEST(ApplyChangesTest, AnInDoubtCommitSaysSoAndARetryWithTheIdAppliesOnce) {
  for (bool committed : {true, false}) {
    SCOPED_TRACE(committed ? "the batch was committed" : "the batch was not committed");
    InDoubtStore store;
    WorldState state(Empty(), &store);
    ASSERT_TRUE(state.ApplyChanges(Request({NewAccount(kA)})).ok());
    store.BreakNextCommit(committed);
    auto first = state.ApplyChanges(Request({NewAccount(kB)}, "req-doubt"));
    EXPECT_EQ(first.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(ErrorReason(first.status()), "COMMIT_OUTCOME_UNKNOWN");
    EXPECT_THAT(std::string(first.status().message()),
                ::testing::HasSubstr("may have committed the change"));
    EXPECT_THAT(std::string(first.status().message()),
                ::testing::HasSubstr("retry with the same request_id"));
    auto retry = state.ApplyChanges(Request({NewAccount(kB)}, "req-doubt"));
    ASSERT_TRUE(retry.ok()) << retry.status();
    EXPECT_EQ(retry->replayed(), committed);
    EXPECT_EQ(retry->revision(), 2);
    EXPECT_EQ(CountBatches(store), 2);
    EXPECT_NE(state.Current()->FindAccount(kB), nullptr);
  }
}

// A store that refuses commits for a documented reason.
class RefusingStore : public MemoryStore {
 public:
  absl::Status Commit(const StoredBatch&) override {
    return WithReason(absl::FailedPreconditionError("the SQLite store x.db was deleted"),
                      kStoreFileReplaced);
  }
};

TEST(ApplyChangesTest, AStoreRefusalKeepsItsCodeAndReason) {
  RefusingStore store;
  WorldState state(Empty(), &store);
  auto r = state.ApplyChanges(Request({NewAccount(kA)}));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(r.status()), "STORE_FILE_REPLACED");
  EXPECT_EQ(state.Current()->revision(), 0);
}

}  // namespace
}  // namespace pdp
