// Loading a checkpoint (server/store/checkpoint_io.h) gives back exactly the
// state it was written from: every record, and every principal's derived
// views and their digests, whatever the chunking (chunks are decoded on
// several threads and put in order). A damaged chunk among many fails the
// load, never hangs it.
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/policy/policy_compiler.h"
#include "engine/write/snapshot_builder.h"
#include "gtest/gtest.h"
#include "server/app/world_state.h"
#include "server/store/checkpoint_io.h"
#include "server/store/memory_store.h"
#include "tests/support/test_support.h"
#include "world/world_file.h"

namespace pdp {
namespace {

using pdp::v1::Change;
namespace rec = pdp::store::v1;

constexpr char kOrg[] = "o-checkpoint1";
constexpr char kRoot[] = "r-ckp1";
constexpr char kOu[] = "ou-ckp1-finance1";
constexpr char kManagement[] = "300000000000";

std::string Account(int i) { return absl::StrCat("3", absl::StrFormat("%011d", i + 1)); }

// The demo world, an organization with an OU and an SCP, and `many` small
// accounts whose users share a group and customer managed policy, carry
// tags, inline policies, a boundary and role sessions.
std::vector<std::vector<Change>> Batches(int many) {
  std::vector<std::vector<Change>> batches;
  absl::StatusOr<std::vector<Change>> demo = ReadWorldFile(test::DataPath("demo-world.yaml"));
  EXPECT_TRUE(demo.ok()) << demo.status();
  batches.push_back(*demo);

  std::vector<Change> org;
  org.push_back(test::CreateAccount(kManagement, true));
  Change create;
  create.mutable_create_organization()->set_organization_id(kOrg);
  create.mutable_create_organization()->set_root_id(kRoot);
  create.mutable_create_organization()->set_management_account_id(kManagement);
  create.mutable_create_organization()->set_scps_enabled(true);
  org.push_back(create);
  Change ou;
  ou.mutable_create_organizational_unit()->set_organization_id(kOrg);
  ou.mutable_create_organizational_unit()->set_parent_id(kRoot);
  ou.mutable_create_organizational_unit()->set_ou_id(kOu);
  ou.mutable_create_organizational_unit()->set_name("Finance");
  org.push_back(ou);
  Change scp;
  scp.mutable_create_scp()->set_organization_id(kOrg);
  scp.mutable_create_scp()->set_policy_id("p-ckp1deny");
  scp.mutable_create_scp()->set_name("no-payments");
  scp.mutable_create_scp()->set_document(test::DenyDoc({"payments:*"}));
  org.push_back(scp);
  Change attach;
  attach.mutable_attach_scp()->set_organization_id(kOrg);
  attach.mutable_attach_scp()->set_policy_id("p-ckp1deny");
  attach.mutable_attach_scp()->set_target_id(kOu);
  org.push_back(attach);
  batches.push_back(org);

  for (int first = 0; first < many; first += 500) {
    std::vector<Change> batch;
    for (int i = first; i < std::min(many, first + 500); ++i) {
      const std::string a = Account(i);
      const std::string iam = absl::StrCat("arn:aws:iam::", a, ":");
      batch.push_back(test::CreateAccount(a, i % 2 == 0));
      batch.push_back(test::CreatePolicy(
          iam + "policy/team", test::AllowDoc({"ce:*", absl::StrCat("budgets:View", i % 7)})));
      batch.push_back(test::PutGroup(iam + "group/billing", {iam + "policy/team"}));
      batch.push_back(test::PutUser(
          iam + "user/alice", {"billing"}, {"arn:aws:iam::aws:policy/AdministratorAccess"},
          {{"own", test::AllowDoc({"billing:Get*"})}}, {{"team", absl::StrCat("t", i % 3)}}));
      Change bob = test::PutUser(iam + "user/bob", {"billing"});
      bob.mutable_put_user()->mutable_user()->set_permissions_boundary(iam + "policy/team");
      batch.push_back(bob);
      batch.push_back(test::PutRole(iam + "role/auditor",
                                    {"arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess"}));
      if (i % 5 == 0) {
        Change session;
        auto* s = session.mutable_put_role_session()->mutable_session();
        s->set_arn(absl::StrCat("arn:aws:sts::", a, ":assumed-role/auditor/s", i));
        s->set_policy(test::AllowDoc({"ce:Get*"}));
        batch.push_back(session);
      }
    }
    batches.push_back(batch);
  }
  // Later batches: a policy version, a deleted user, settings changes.
  const std::string iam0 = absl::StrCat("arn:aws:iam::", Account(0), ":");
  batches.push_back(
      {test::CreatePolicyVersion(iam0 + "policy/team", test::AllowDoc({"ce:Describe*"}), true),
       test::DeleteEntity(iam0 + "user/bob")});
  return batches;
}

std::string Image(const AccountState& a) {
  rec::StateDelta d;
  AppendAccountImage(a, &d);
  return d.SerializeAsString();
}

std::string Image(const OrganizationState& o) {
  rec::StateDelta d;
  AppendOrganizationImage(o, &d);
  return d.SerializeAsString();
}

// What a binding decides with, as far as two independently compiled states
// can be compared: its name, its holder, and whether it fails closed.
std::string Describe(const PolicyBinding& b) {
  return absl::StrCat(b.name, " via ", b.via, b.policy == nullptr ? " (none)" : "",
                      b.policy == DenyEverythingPolicy() ? " (deny everything)" : "");
}

void ExpectSameSets(const PolicySetDigest& want, const PolicySetDigest& got,
                    const std::string& what) {
  EXPECT_TRUE(want.allow == got.allow) << what;
  EXPECT_TRUE(want.deny == got.deny) << what;
  EXPECT_TRUE(want.unsure == got.unsure) << what;
}

// A view's digest, what page decisions settle with: the same sets.
void ExpectSameDigest(const PrincipalDigest* want, const PrincipalDigest* got,
                      const std::string& view) {
  ASSERT_EQ(want == nullptr, got == nullptr) << view;
  if (want == nullptr) return;
  ExpectSameSets(want->identity, got->identity, view + " identity");
  EXPECT_EQ(want->has_boundary, got->has_boundary) << view;
  ExpectSameSets(want->boundary, got->boundary, view + " boundary");
}

void ExpectSameViews(const AccountState& want, const AccountState& got) {
  ASSERT_EQ(want.views.size(), got.views.size()) << want.id;
  auto w = want.views.begin();
  for (auto g = got.views.begin(); g != got.views.end(); ++g, ++w) {
    ASSERT_EQ(w->first, g->first);
    EXPECT_EQ(w->second->entity->arn, g->second->entity->arn);
    ASSERT_EQ(w->second->policies.size(), g->second->policies.size()) << g->first;
    for (size_t i = 0; i < w->second->policies.size(); ++i) {
      EXPECT_EQ(Describe(w->second->policies[i]), Describe(g->second->policies[i]));
      EXPECT_NE(g->second->policies[i].policy, nullptr);
    }
    ASSERT_EQ(w->second->boundary.size(), g->second->boundary.size()) << g->first;
    for (size_t i = 0; i < w->second->boundary.size(); ++i) {
      EXPECT_EQ(Describe(w->second->boundary[i]), Describe(g->second->boundary[i]));
    }
    ExpectSameDigest(w->second->digest.get(), g->second->digest.get(), g->first);
  }
}

void ExpectSameState(const Snapshot& want, const Snapshot& got) {
  EXPECT_EQ(want.revision(), got.revision());
  ASSERT_EQ(want.accounts().size(), got.accounts().size());
  for (const auto& [id, account] : want.accounts()) {
    const AccountState* loaded = got.FindAccount(id);
    ASSERT_NE(loaded, nullptr) << id;
    EXPECT_EQ(Image(*account), Image(*loaded)) << id;
    ExpectSameViews(*account, *loaded);
  }
  ASSERT_EQ(want.organizations().size(), got.organizations().size());
  for (const auto& [id, org] : want.organizations()) {
    const OrganizationState* loaded = got.FindOrganization(id);
    ASSERT_NE(loaded, nullptr) << id;
    EXPECT_EQ(Image(*org), Image(*loaded)) << id;
  }
}

class CheckpointLoadTest : public ::testing::TestWithParam<size_t> {};

TEST_P(CheckpointLoadTest, LoadedStateEqualsTheWrittenOne) {
  MemoryStore store;
  WorldState state(test::EmptyShippedSnapshot(), &store);
  // Enough accounts that views are rebuilt on several threads.
  for (const std::vector<Change>& batch : Batches(5000)) {
    auto applied = state.Apply(batch);
    ASSERT_TRUE(applied.ok()) << applied.status();
  }
  SnapshotPtr written = state.Current();
  ASSERT_NE(written->FindOrganization(kOrg), nullptr);
  ASSERT_TRUE(WriteCheckpoint(store, *written, GetParam()).ok());

  StateRestorer restorer;
  absl::StatusOr<SnapshotPtr> loaded =
      LoadCheckpoint(store, test::EmptyShippedSnapshot(), written->revision(), restorer);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ExpectSameState(*written, **loaded);
  EXPECT_EQ(restorer.failed_closed(), 0u) << restorer.last_failure();
  // The restorer compiles each document once, so the accounts' principals
  // with the same policies share one digest (a handful of policy lists
  // here, at most once per rebuilding thread) instead of one per account.
  absl::flat_hash_set<const PrincipalDigest*> digests;
  size_t views = 0;
  for (const auto& [id, account] : (*loaded)->accounts()) {
    for (const auto& [key, view] : account->views) {
      ++views;
      digests.insert(view->digest.get());
    }
  }
  EXPECT_GT(views, 15000u);
  EXPECT_FALSE(digests.contains(nullptr));
  EXPECT_LT(digests.size(), 500u);

  // And through start-up: the checkpoint is used, and a write after it is
  // replayed on top.
  ASSERT_TRUE(state
                  .Apply({test::UpdateSettings(
                      Account(1), absl::StrCat("arn:aws:iam::", Account(1), ":root"),
                      {"iam_access_to_billing"}, true, pdp::v1::FINE_GRAINED)})
                  .ok());
  WorldState restarted(test::EmptyShippedSnapshot(), &store);
  ASSERT_TRUE(restarted.Recover().ok());
  EXPECT_EQ(restarted.last_recovery().checkpoint_revision, written->revision());
  EXPECT_EQ(restarted.last_recovery().replayed_batches, 1);
  ExpectSameState(*state.Current(), *restarted.Current());
}

// One chunk for everything; a few hundred small ones (decoded out of order).
INSTANTIATE_TEST_SUITE_P(ChunkSizes, CheckpointLoadTest,
                         ::testing::Values(kDefaultCheckpointChunkBytes * 64, size_t{4096}));

// Start-up without a checkpoint replays the whole log, up to
// WorldState::kReplayGroupBatches batches into one builder at a time: the
// same state as the one written, every unique id held by the same principal
// (and none that was freed), every request id remembered.
TEST(LogReplayTest, ReplayingTheWholeLogGivesTheWrittenState) {
  MemoryStore store;
  WorldState state(test::EmptyShippedSnapshot(), &store);
  for (const std::vector<Change>& batch : Batches(600)) ASSERT_TRUE(state.Apply(batch).ok());
  // More batches than a replay group holds, each with a request id: each
  // creates a user, and every third one deletes the one created before.
  std::vector<SnapshotPtr> history;
  std::vector<pdp::v1::ApplyChangesResponse> answers;
  auto carol = [](int i) {
    return absl::StrCat("arn:aws:iam::", Account(i % 600), ":user/carol", i);
  };
  for (int i = 0; i < 600; ++i) {
    pdp::v1::ApplyChangesRequest request;
    *request.add_changes() = test::PutUser(carol(i));
    if (i % 3 == 2) *request.add_changes() = test::DeleteEntity(carol(i - 1));
    request.set_request_id(absl::StrCat("replay-", i));
    auto answer = state.ApplyChanges(request);
    ASSERT_TRUE(answer.ok()) << answer.status();
    answers.push_back(*answer);
    history.push_back(state.Current());
  }
  SnapshotPtr written = state.Current();

  WorldState restarted(test::EmptyShippedSnapshot(), &store);
  ASSERT_TRUE(restarted.Recover().ok());
  EXPECT_EQ(restarted.last_recovery().checkpoint_revision, 0);
  EXPECT_EQ(restarted.last_recovery().replayed_batches, written->revision());
  ExpectSameState(*written, *restarted.Current());

  // Every id any revision gave out: held by the same principal now, or by
  // nobody when that principal was deleted.
  absl::flat_hash_set<std::string> checked;
  for (const SnapshotPtr& snapshot : history) {
    for (const auto& [id, account] : snapshot->accounts()) {
      for (const auto& [key, entity] : account->entities) {
        if (!checked.insert(entity->unique_id).second) continue;
        const EntityRecord* want = written->FindByUniqueId(entity->unique_id);
        const EntityRecord* got = restarted.Current()->FindByUniqueId(entity->unique_id);
        ASSERT_EQ(want == nullptr, got == nullptr) << entity->arn;
        if (want != nullptr) {
          EXPECT_EQ(want->arn, got->arn);
        }
      }
    }
  }
  EXPECT_GT(checked.size(), 3000u);  // 600 accounts of 4 principals, 600 carols, the demo

  // A retry of any of those requests gets its first answer back.
  for (int i : {0, 1, 255, 256, 257, 599}) {
    pdp::v1::ApplyChangesRequest request;
    *request.add_changes() = test::PutUser(carol(i));
    if (i % 3 == 2) *request.add_changes() = test::DeleteEntity(carol(i - 1));
    request.set_request_id(absl::StrCat("replay-", i));
    auto again = restarted.ApplyChanges(request);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_TRUE(again->replayed()) << i;
    EXPECT_EQ(again->revision(), answers[i].revision()) << i;
  }
  EXPECT_EQ(restarted.Current()->revision(), written->revision());
}

// A batch the store cannot use, after a few hundred good ones: start-up
// fails with DATA_LOSS naming its revision, and the batches of its replay
// group are not published.
TEST(LogReplayTest, AnUnusableBatchFailsTheReplay) {
  MemoryStore store;
  WorldState state(test::EmptyShippedSnapshot(), &store);
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(state.Apply({test::CreateAccount(Account(i), false)}).ok());
  }
  StoredBatch bad;
  bad.revision = state.revision() + 1;
  bad.delta.add_accounts()->set_id("12345");  // not 12 digits
  ASSERT_TRUE(store.Commit(bad).ok());

  WorldState restarted(test::EmptyShippedSnapshot(), &store);
  absl::Status s = restarted.Recover();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find(absl::StrCat("stored revision ", bad.revision)), std::string::npos)
      << s;
  // The first group (kReplayGroupBatches batches) was published; the
  // unusable batch's group was not.
  EXPECT_EQ(restarted.Current()->revision(), WorldState::kReplayGroupBatches);
}

TEST(CheckpointLoadDamageTest, ADamagedChunkAmongManyFailsTheLoad) {
  MemoryStore store;
  WorldState state(test::EmptyShippedSnapshot(), &store);
  for (const std::vector<Change>& batch : Batches(600)) ASSERT_TRUE(state.Apply(batch).ok());
  const int64_t revision = state.revision();
  ASSERT_TRUE(WriteCheckpoint(store, *state.Current(), 2048).ok());
  absl::StatusOr<std::string> manifest_bytes = store.ReadCheckpointManifest(revision);
  ASSERT_TRUE(manifest_bytes.ok());
  rec::CheckpointManifest manifest;
  ASSERT_TRUE(manifest.ParseFromString(*manifest_bytes));
  ASSERT_GT(manifest.chunk_sha256_size(), 20);

  // Early, middle and last chunk: the load stops with DATA_LOSS naming it,
  // the threads still decoding later chunks stop too.
  for (int seq : {1, manifest.chunk_sha256_size() / 2, manifest.chunk_sha256_size() - 1}) {
    absl::StatusOr<std::string> original = store.ReadCheckpointChunk(revision, seq);
    ASSERT_TRUE(original.ok());
    ASSERT_TRUE(store.PutCheckpointChunk(revision, seq, *original + "x").ok());
    StateRestorer restorer;
    absl::StatusOr<SnapshotPtr> loaded =
        LoadCheckpoint(store, test::EmptyShippedSnapshot(), revision, restorer);
    EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss) << seq;
    EXPECT_NE(loaded.status().message().find(absl::StrCat("chunk ", seq, " ")), std::string::npos)
        << loaded.status();
    ASSERT_TRUE(store.PutCheckpointChunk(revision, seq, *original).ok());
  }
  StateRestorer restorer;
  EXPECT_TRUE(LoadCheckpoint(store, test::EmptyShippedSnapshot(), revision, restorer).ok());
}

// Account ids are 12 digits wherever the server writes them, and the
// unique-id index counts on it: a stored record with any other is damage.
TEST(StateRestorerTest, AnAccountIdThatIsNotTwelveDigitsIsDataLoss) {
  for (const std::string id : {"12345", "11111111111a", "1111111111111", ""}) {
    StateRestorer restorer;
    rec::StateDelta delta;
    delta.add_accounts()->set_id(id);
    SnapshotBuilder builder(test::EmptyShippedSnapshot());
    absl::Status applied = restorer.Apply(delta, builder);
    EXPECT_EQ(applied.code(), absl::StatusCode::kDataLoss) << id;
    rec::AccountDelta image;
    image.set_id(id);
    absl::StatusOr<std::shared_ptr<AccountState>> decoded = restorer.DecodeAccountImage(image);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss) << id;
    if (!id.empty()) {
      EXPECT_NE(applied.message().find("is not 12 digits"), std::string::npos) << applied;
    }
  }
  StateRestorer restorer;
  rec::AccountDelta image;
  image.set_id("000000000042");
  EXPECT_TRUE(restorer.DecodeAccountImage(image).ok());
}

}  // namespace
}  // namespace pdp
