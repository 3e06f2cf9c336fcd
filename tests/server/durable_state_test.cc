// State that outlives upgrades (issue 10): what a server committed is what
// a restarted server has, whatever changed in between: its quotas, its data
// files, the store's format (a legacy store is migrated on open), a damaged
// checkpoint (passed over), a compacted log (what is retained keeps
// working). States are compared whole: every record as the store would
// write it, plus what decisions read (each principal's policies, each
// member account's placement).
#include <sqlite3.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "server/app/watch_handler.h"
#include "server/app/world_state.h"
#include "server/store/batch_codec.h"
#include "server/store/checkpoint_io.h"
#include "server/store/memory_store.h"
#include "server/store/sqlite_store.h"
#include "server/store/state_codec.h"
#include "server/wire/wire_decide.h"
#include "tests/support/test_support.h"

namespace pdp {
namespace {

using pdp::v1::ApplyChangesRequest;
using pdp::v1::Change;
namespace rec = pdp::store::v1;

constexpr char kMgmt[] = "111111111111";
constexpr char kMember[] = "222222222222";
constexpr char kAlone[] = "333333333333";
constexpr char kOrg[] = "o-abcdefghij";
// Not bundled: put by the history (as an import from AWS would).
constexpr char kViewOnly[] = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess";

Change Parse(const std::string& text) {
  Change c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  return c;
}

ApplyChangesRequest Request(const std::string& id, const std::vector<std::string>& changes) {
  ApplyChangesRequest r;
  r.set_request_id(id);
  for (const std::string& c : changes) *r.add_changes() = Parse(c);
  return r;
}

std::string Allow(const std::string& action) { return test::AllowDoc({action}); }

// A world that uses every kind of record: accounts and settings, users in
// groups with tags, inline policies and a boundary, roles and sessions,
// managed policies with several versions, an organization with an OU, a
// member account, SCPs attached; then updates and deletes of each.
std::vector<ApplyChangesRequest> RichHistory() {
  const std::string p = absl::StrCat("arn:aws:iam::", kAlone, ":policy/team");
  const std::string u = absl::StrCat("arn:aws:iam::", kAlone, ":user/");
  return {
      Request("accounts",
              {absl::StrCat("create_account { account { id: '", kMgmt,
                            "' name: 'mgmt' settings { iam_access_to_billing: true "
                            "cost_explorer_enabled: true } } }"),
               absl::StrCat("create_account { account { id: '", kAlone,
                            "' name: 'alone' settings { iam_access_to_billing: true "
                            "console_action_set: LEGACY linked_account_access: false } } }")}),
      Request("iam",
              {absl::StrCat("put_aws_managed_policy { arn: '", kViewOnly,
                            "' description: 'view only' versions { version_id: 'v3' document: '",
                            Allow("ec2:DescribeInstances"),
                            "' } versions { version_id: 'v4' "
                            "document: '",
                            Allow("cost-optimization-hub:ListRecommendationSummaries"),
                            "' is_default: true } }"),
               absl::StrCat("create_policy { arn: '", p, "' description: 'team' document: '",
                            Allow("ce:GetCostAndUsage"), "' }"),
               absl::StrCat("create_policy_version { policy_arn: '", p, "' document: '",
                            Allow("billing:Get*"), "' set_as_default: true }"),
               absl::StrCat("create_policy_version { policy_arn: '", p, "' document: '",
                            Allow("budgets:ViewBudget"), "' }"),
               absl::StrCat("put_group { group { arn: 'arn:aws:iam::", kAlone,
                            ":group/billing' attached_policies: '", p,
                            "' inline_policies { name: 'g' document: '", Allow("cur:*"), "' } } }"),
               absl::StrCat("put_user { user { arn: '", u,
                            "alice' unique_id: 'AIDAI3ALICEEXAMPLE0001' groups: 'billing' tags { "
                            "key: 'team' value: 'finance' } "
                            "tags { key: 'cc' value: '42' } attached_policies: "
                            "'arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess' "
                            "permissions_boundary: 'arn:aws:iam::aws:policy/AdministratorAccess' "
                            "inline_policies { name: 'mine' document: '",
                            Allow("pricing:*"), "' } } }"),
               absl::StrCat("put_user { user { arn: '", u,
                            "bob' unique_id: 'AIDAJQABLZS4A3QDU576Q' } }"),
               absl::StrCat("put_role { role { arn: 'arn:aws:iam::", kAlone,
                            ":role/auditor' attached_policies: '", p, "' attached_policies: '",
                            kViewOnly, "' tags { key: 'k' value: 'v' } } }"),
               absl::StrCat("put_role_session { session { arn: 'arn:aws:sts::", kAlone,
                            ":assumed-role/auditor/s1' policy_arns: '", p, "' policy: '",
                            Allow("billing:*"), "' tags { key: 'sk' value: 'sv' } } }")}),
      Request("org", {absl::StrCat("create_organization { organization_id: '", kOrg,
                                   "' root_id: 'r-abcd' management_account_id: '", kMgmt,
                                   "' scps_enabled: true }"),
                      absl::StrCat("create_member_account { organization_id: '", kOrg,
                                   "' account_id: '", kMember, "' name: 'member' }"),
                      absl::StrCat("create_scp { organization_id: '", kOrg,
                                   "' policy_id: 'p-denypayments' name: 'deny' document: '",
                                   test::DenyDoc({"payments:*"}), "' }"),
                      absl::StrCat("attach_scp { organization_id: '", kOrg,
                                   "' policy_id: 'p-denypayments' target_id: '", kMember, "' }")}),
      Request("ou", {absl::StrCat("create_organizational_unit { organization_id: '", kOrg,
                                  "' parent_id: 'r-abcd' name: 'finance' ou_id: "
                                  "'ou-abcd-12345678' }")}),
      Request("updates",
              {absl::StrCat("update_account { account_id: '", kAlone, "' name: 'renamed' }"),
               absl::StrCat("delete_entity { arn: '", u, "bob' }"),
               absl::StrCat("remove_user_from_group { user_arn: '", u,
                            "alice' group_name: 'billing' }"),
               absl::StrCat("move_account { organization_id: '", kOrg, "' account_id: '", kMember,
                            "' destination_parent_id: 'ou-abcd-12345678' }")}),
  };
}

// Everything the state holds, as text: the records (as a checkpoint would
// store them) and what Finish() derives from them.
std::string StateText(const Snapshot& s) {
  rec::StateDelta records;
  std::string derived;
  for (const auto& [id, account] : s.accounts()) {
    AppendAccountImage(*account, &records);
    // The unique-id index: every entity found by its id.
    for (const auto& [key, entity] : account->entities) {
      const EntityRecord* holder = s.FindByUniqueId(entity->unique_id);
      absl::StrAppend(&derived, entity->unique_id, " -> ", holder ? holder->arn : "(none)", "\n");
    }
    for (const auto& [key, view] : account->views) {
      absl::StrAppend(&derived, id, " ", key, ":");
      for (const PolicyBinding& b : view->policies) {
        absl::StrAppend(&derived, " ", b.name, b.policy == nullptr ? "(null)" : "");
      }
      for (const PolicyBinding& b : view->boundary) absl::StrAppend(&derived, " boundary ", b.name);
      absl::StrAppend(&derived, "\n");
    }
  }
  AppendAwsPolicyImages(s, &records);
  for (const auto& [id, org] : s.organizations()) {
    AppendOrganizationImage(*org, &records);
    std::map<std::string, std::string> placements;  // sorted: the map itself is unordered
    for (const auto& [account, placement] : org->placements) {
      std::string& line = placements[account];
      absl::StrAppend(&line, account, " ", placement->org_path, " levels:");
      for (const ScpLevel& level : placement->scp_levels) {
        absl::StrAppend(&line, " ", level.target_id, "(", level.policies.size(), ")");
      }
    }
    for (const auto& [account, line] : placements) absl::StrAppend(&derived, line, "\n");
  }
  return absl::StrCat("revision ", s.revision(), "\n", records.DebugString(), derived);
}

pdp::v1::Effect Effect(const Snapshot& s, const std::string& principal, const std::string& page) {
  pdp::v1::AuthorizeRequest r;
  r.set_principal(principal);
  r.mutable_page()->set_page_id(page);
  r.mutable_page()->set_access(pdp::v1::VIEW);
  absl::StatusOr<pdp::v1::Decision> d = Decide(s, r);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? d->effect() : pdp::v1::EFFECT_UNSPECIFIED;
}

WorldLimits TinyLimits() {
  WorldLimits l;
  l.max_groups_per_user = 1;
  l.max_attached_policies = 1;
  l.max_policy_versions = 1;
  l.max_managed_policy_chars = 10;
  l.max_inline_chars_user = 10;
  l.max_inline_chars_group = 10;
  l.max_inline_chars_role = 10;
  l.max_tags = 1;
  l.max_scp_bytes = 10;
  l.max_scps_per_target = 1;
  return l;
}

// The shipped AWS managed policies without `arn` (an edited data file).
std::shared_ptr<const AwsPolicyMap> AwsPoliciesWithout(const std::string& arn) {
  auto edited = std::make_shared<AwsPolicyMap>(*test::ShippedAwsPolicies());
  edited->erase(arn);
  return edited;
}

SnapshotPtr Initial(std::shared_ptr<const AwsPolicyMap> aws = test::ShippedAwsPolicies()) {
  return Snapshot::Initial(test::ShippedCatalog(), std::move(aws));
}

class DurableStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/durable-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = dir_ + "/state.db";
  }

  std::unique_ptr<Store> OpenSqlite() {
    auto s = SqliteStore::Open(path_);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }

  // Applies RichHistory to a new state on `store`; returns its text.
  std::string WriteRichHistory(Store& store) {
    WorldState state(Initial(), &store);
    EXPECT_TRUE(state.Recover().ok());
    for (const ApplyChangesRequest& r : RichHistory()) {
      auto applied = state.ApplyChanges(r);
      EXPECT_TRUE(applied.ok()) << r.request_id() << ": " << applied.status();
    }
    return StateText(*state.Current());
  }

  void Exec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error ? error : "") << " in " << sql;
    sqlite3_free(error);
    sqlite3_close(db);
  }

  std::string dir_, path_;
};

TEST_F(DurableStateTest, ARestartHasExactlyTheStateThatWasWritten) {
  std::string written;
  {
    auto store = OpenSqlite();
    written = WriteRichHistory(*store);
  }
  auto store = OpenSqlite();
  WorldState state(Initial(), store.get());
  ASSERT_TRUE(state.Recover().ok());
  EXPECT_EQ(state.last_recovery().checkpoint_revision, 0);
  EXPECT_EQ(state.last_recovery().replayed_batches, 5);
  EXPECT_EQ(StateText(*state.Current()), written);
}

TEST_F(DurableStateTest, LowerQuotasAndAnEditedDataFileLoseNothingCommitted) {
  const std::string alice = absl::StrCat("arn:aws:iam::", kAlone, ":user/alice");
  std::string written;
  {
    auto store = OpenSqlite();
    written = WriteRichHistory(*store);
    WorldState state(Initial(), store.get());
    ASSERT_TRUE(state.Recover().ok());
    // Alice reads the bills through AWSBillingReadOnlyAccess.
    ASSERT_EQ(Effect(*state.Current(), alice, "billing_bills"), pdp::v1::ALLOW);
  }
  // Every quota far below what was committed, and the policy alice relies
  // on gone from the data file: both the log and a checkpoint still apply.
  for (bool from_checkpoint : {false, true}) {
    SCOPED_TRACE(from_checkpoint ? "from a checkpoint" : "from the log");
    auto store = OpenSqlite();
    if (from_checkpoint) {
      WorldState writer(Initial(), store.get());
      ASSERT_TRUE(writer.Recover().ok());
      ASSERT_TRUE(WriteCheckpoint(*store, *writer.Current()).ok());
    }
    WorldState state(
        Initial(AwsPoliciesWithout("arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess")),
        store.get(), TinyLimits());
    absl::Status recovered = state.Recover();
    ASSERT_TRUE(recovered.ok()) << recovered;
    EXPECT_EQ(state.last_recovery().checkpoint_revision, from_checkpoint ? 5 : 0);
    // The records are all there, as committed...
    const std::string now = StateText(*state.Current());
    // (The derived part, after the records, names a missing policy.)
    const std::string derived_start = absl::StrCat("\n", kAlone, " ");
    auto records = [&](const std::string& text) {
      return std::string(absl::string_view(text).substr(0, text.find(derived_start)));
    };
    EXPECT_EQ(records(now), records(written));
    // ...and the policy that left the data file fails closed: whatever it
    // allowed, nothing it might have denied is lost.
    EXPECT_EQ(Effect(*state.Current(), alice, "billing_bills"), pdp::v1::DENY);
  }
}

TEST_F(DurableStateTest, ACheckpointPlusTheTailEqualsTheWholeLog) {
  auto store = OpenSqlite();
  WorldState state(Initial(), store.get());
  ASSERT_TRUE(state.Recover().ok());
  std::vector<ApplyChangesRequest> history = RichHistory();
  for (size_t i = 0; i < history.size(); ++i) {
    ASSERT_TRUE(state.ApplyChanges(history[i]).ok());
    if (i == 2) {
      ASSERT_TRUE(WriteCheckpoint(*store, *state.Current(), /*chunk_bytes=*/64).ok());
    }
  }
  const std::string written = StateText(*state.Current());
  WorldState restarted(Initial(), store.get());
  ASSERT_TRUE(restarted.Recover().ok());
  EXPECT_EQ(restarted.last_recovery().checkpoint_revision, 3);
  EXPECT_EQ(restarted.last_recovery().replayed_batches, 2);
  EXPECT_EQ(StateText(*restarted.Current()), written);
  // Request ids from before the checkpoint (not replayed) still replay.
  for (const ApplyChangesRequest& r : history) {
    auto again = restarted.ApplyChanges(r);
    ASSERT_TRUE(again.ok()) << r.request_id() << ": " << again.status();
    EXPECT_TRUE(again->replayed()) << r.request_id();
  }
  // The same id with other changes is still refused.
  ApplyChangesRequest reused = history[0];
  reused.mutable_changes()->RemoveLast();
  EXPECT_EQ(ErrorReason(restarted.ApplyChanges(reused).status()), "REQUEST_ID_REUSED");
}

TEST_F(DurableStateTest, DamagedCheckpointsArePassedOverNeverTrusted) {
  std::string written;
  {
    auto store = OpenSqlite();
    WorldState state(Initial(), store.get());
    ASSERT_TRUE(state.Recover().ok());
    std::vector<ApplyChangesRequest> history = RichHistory();
    for (size_t i = 0; i < history.size(); ++i) {
      ASSERT_TRUE(state.ApplyChanges(history[i]).ok());
      if (i >= 1) {
        ASSERT_TRUE(WriteCheckpoint(*store, *state.Current(), 64).ok());
      }
    }
    written = StateText(*state.Current());
  }
  // Revision 5: a chunk's bytes changed; 4: a chunk missing; 3: the
  // manifest garbled; 6 (partial): chunks and no manifest. Revision 2 is
  // whole.
  Exec(
      "UPDATE checkpoint_chunks SET data = CAST(zeroblob(length(data)) AS BLOB) WHERE "
      "revision = 5 AND seq = 0");
  Exec("DELETE FROM checkpoint_chunks WHERE revision = 4 AND seq = 1");
  Exec("UPDATE checkpoints SET manifest = x'ffffffff' WHERE revision = 3");
  Exec("INSERT INTO checkpoint_chunks (revision, seq, data) VALUES (6, 0, x'0a00')");
  auto store = OpenSqlite();
  WorldState state(Initial(), store.get());
  absl::Status recovered = state.Recover();
  ASSERT_TRUE(recovered.ok()) << recovered;
  const WorldState::RecoveryReport report = state.last_recovery();
  EXPECT_EQ(report.checkpoint_revision, 2);
  ASSERT_EQ(report.skipped_checkpoints.size(), 3u);
  EXPECT_NE(report.skipped_checkpoints[0].find("does not match its checksum"), std::string::npos)
      << report.skipped_checkpoints[0];
  EXPECT_NE(report.skipped_checkpoints[1].find("chunk 1 is missing"), std::string::npos)
      << report.skipped_checkpoints[1];
  EXPECT_NE(report.skipped_checkpoints[2].find("manifest does not parse"), std::string::npos)
      << report.skipped_checkpoints[2];
  EXPECT_EQ(StateText(*state.Current()), written);
}

TEST_F(DurableStateTest, CompactionKeepsWhatIsRetainedWorking) {
  MemoryStore store;
  WorldState state(Initial(), &store);
  ASSERT_TRUE(state.Recover().ok());
  std::vector<ApplyChangesRequest> history = RichHistory();
  for (size_t i = 0; i < history.size(); ++i) {
    ASSERT_TRUE(state.ApplyChanges(history[i]).ok());
    if (i == 1 || i == 3) {
      ASSERT_TRUE(WriteCheckpoint(store, *state.Current()).ok());
    }
  }
  // Checkpoints at 2 and 4, both kept: the batches through 2 go.
  absl::StatusOr<int64_t> compacted = PruneCheckpoints(store, /*keep=*/2, /*compact=*/true);
  ASSERT_TRUE(compacted.ok()) << compacted.status();
  EXPECT_EQ(*compacted, 2);
  const std::string written = StateText(*state.Current());

  WorldState restarted(Initial(), &store);
  ASSERT_TRUE(restarted.Recover().ok());
  EXPECT_EQ(restarted.last_recovery().checkpoint_revision, 4);
  EXPECT_EQ(StateText(*restarted.Current()), written);
  // Ids of retained batches (3 to 5) replay; those of compacted ones are
  // forgotten (documented).
  for (size_t i = 2; i < history.size(); ++i) {
    auto again = restarted.ApplyChanges(history[i]);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->replayed()) << history[i].request_id();
  }
  // Watch: from a compacted revision, OUT_OF_RANGE saying where to resume;
  // from a retained one, every batch.
  pdp::v1::WatchRequest watch;
  watch.set_from_revision(2);
  auto never = [] { return false; };
  absl::Status s =
      HandleWatch(restarted, watch, never, [](const pdp::v1::WatchResponse&) { return true; });
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange) << s;
  EXPECT_EQ(ErrorReason(s), "REVISION_COMPACTED");
  EXPECT_NE(s.message().find("revisions up to 2 were compacted"), std::string::npos) << s;
  watch.set_from_revision(3);
  std::vector<int64_t> seen;
  s = HandleWatch(restarted, watch, never, [&](const pdp::v1::WatchResponse& r) {
    seen.push_back(r.revision());
    EXPECT_GT(r.changes_size(), 0);
    return r.revision() < 5;  // then the client goes away
  });
  EXPECT_EQ(seen, (std::vector<int64_t>{3, 4, 5}));

  // With the newer checkpoint damaged, the older one and the log after it.
  ASSERT_TRUE(store.PutCheckpointChunk(4, 0, "damaged").ok());
  WorldState fallback(Initial(), &store);
  ASSERT_TRUE(fallback.Recover().ok());
  EXPECT_EQ(fallback.last_recovery().checkpoint_revision, 2);
  EXPECT_EQ(StateText(*fallback.Current()), written);
  // With both damaged, nothing covers the compacted batches: refused.
  ASSERT_TRUE(store.PutCheckpointChunk(2, 0, "damaged").ok());
  WorldState lost(Initial(), &store);
  absl::Status refused = lost.Recover();
  EXPECT_EQ(refused.code(), absl::StatusCode::kDataLoss) << refused;
  EXPECT_NE(refused.message().find("compacted through revision 2"), std::string::npos) << refused;
}

// A stored policy that today's compiler would refuse (a rule tightened since
// it was committed): kept, and decided as a policy that denies everything.
TEST_F(DurableStateTest, AStoredPolicyThatNoLongerCompilesFailsClosed) {
  const std::string admin = absl::StrCat("arn:aws:iam::", kAlone, ":user/admin");
  for (bool broken : {false, true}) {
    SCOPED_TRACE(broken ? "broken inline policy" : "control");
    MemoryStore store;
    {
      WorldState state(Initial(), &store);
      ASSERT_TRUE(state.Recover().ok());
      ASSERT_TRUE(state
                      .ApplyChanges(Request(
                          "r", {absl::StrCat("create_account { account { id: '", kAlone,
                                             "' settings { iam_access_to_billing: true } } }"),
                                absl::StrCat("put_user { user { arn: '", admin,
                                             "' attached_policies: "
                                             "'arn:aws:iam::aws:policy/AdministratorAccess' "
                                             "inline_policies { name: 'extra' document: '",
                                             Allow("cur:*"), "' } } }")}))
                      .ok());
    }
    // Rewrite revision 1 as a record whose inline policy has an element no
    // compiler accepts.
    absl::StatusOr<StoredBatch> batch;
    ASSERT_TRUE(store
                    .ReadFrom(1, 1,
                              [&](const StoredBatch& b) {
                                batch = b;
                                return absl::OkStatus();
                              })
                    .ok());
    ASSERT_TRUE(batch.ok());
    if (broken) {
      for (rec::AccountDelta& a : *batch->delta.mutable_accounts()) {
        for (rec::Entity& e : *a.mutable_put_entities()) {
          for (rec::InlinePolicy& p : *e.mutable_inline_policies()) {
            p.set_document(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
                           R"("Action":"cur:*","Resource":"*","Unheard":1}]})");
          }
        }
      }
    }
    store.PutRawRow(EncodeBatch(*batch));
    WorldState state(Initial(), &store);
    ASSERT_TRUE(state.Recover().ok());
    EXPECT_EQ(state.last_recovery().failed_closed_policies, broken ? 1u : 0u);
    EXPECT_EQ(Effect(*state.Current(), admin, "billing_bills"),
              broken ? pdp::v1::DENY : pdp::v1::ALLOW);
  }
}

// An AWS managed policy a client put (RichHistory's ViewOnlyAccess) is
// stored: a restart from the log or from a checkpoint has it, later puts
// replace it, and only the records that hold one are written in format 3
// (an older build refuses those instead of dropping the policy).
TEST_F(DurableStateTest, AwsManagedPoliciesPutAreStoredInFormatThree) {
  const std::string role = absl::StrCat("arn:aws:iam::", kAlone, ":role/auditor");
  const std::string action = "cost-optimization-hub:ListRecommendationSummaries";
  auto decide = [&](const Snapshot& s) {
    pdp::v1::AuthorizeRequest r;
    r.set_principal(role);
    r.mutable_action()->set_action(action);
    absl::StatusOr<pdp::v1::Decision> d = Decide(s, r);
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? d->effect() : pdp::v1::EFFECT_UNSPECIFIED;
  };
  {
    auto store = OpenSqlite();
    WriteRichHistory(*store);
  }
  {
    // The rows: format 3 only where the batch put an AWS managed policy.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* select = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT revision, record FROM batches ORDER BY revision", -1,
                                 &select, nullptr),
              SQLITE_OK);
    std::vector<uint32_t> formats;
    while (sqlite3_step(select) == SQLITE_ROW) {
      rec::BatchRecord record;
      ASSERT_TRUE(
          record.ParseFromArray(sqlite3_column_blob(select, 1), sqlite3_column_bytes(select, 1)));
      formats.push_back(record.format_version());
      EXPECT_EQ(record.delta().put_aws_policies_size(), record.format_version() == 3 ? 1 : 0);
    }
    sqlite3_finalize(select);
    sqlite3_close(db);
    EXPECT_EQ(formats, (std::vector<uint32_t>{2, 3, 2, 2, 2}));
  }
  // A restart from the log has it, and the role that attaches it decides
  // on its default version.
  auto store = OpenSqlite();
  {
    WorldState state(Initial(), store.get());
    ASSERT_TRUE(state.Recover().ok());
    const ManagedPolicyRecord* p = state.Current()->FindPolicy(kViewOnly);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->default_version_id, "v4");
    EXPECT_EQ(p->versions.size(), 2u);
    EXPECT_EQ(p->modified_revision, 2);
    EXPECT_EQ(decide(*state.Current()), pdp::v1::ALLOW);
    // A replacement (AWS moved the default back), then a checkpoint.
    ApplyChangesRequest replace = Request(
        "replace", {absl::StrCat("put_aws_managed_policy { arn: '", kViewOnly,
                                 "' description: 'view only' versions { version_id: 'v3' "
                                 "document: '",
                                 Allow("ec2:DescribeInstances"), "' is_default: true } }")});
    auto applied = state.ApplyChanges(replace);
    ASSERT_TRUE(applied.ok()) << applied.status();
    EXPECT_EQ(decide(*state.Current()), pdp::v1::DENY);
    ASSERT_TRUE(WriteCheckpoint(*store, *state.Current(), /*chunk_bytes=*/64).ok());
    absl::StatusOr<std::string> manifest = store->ReadCheckpointManifest(6);
    ASSERT_TRUE(manifest.ok()) << manifest.status();
    rec::CheckpointManifest m;
    ASSERT_TRUE(m.ParseFromString(*manifest));
    EXPECT_EQ(m.format_version(), 3u);
  }
  WorldState restarted(Initial(), store.get());
  ASSERT_TRUE(restarted.Recover().ok());
  EXPECT_EQ(restarted.last_recovery().checkpoint_revision, 6);
  const ManagedPolicyRecord* p = restarted.Current()->FindPolicy(kViewOnly);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->default_version_id, "v3");
  EXPECT_EQ(p->next_version, 5);  // ids v3 and v4 were given out
  EXPECT_EQ(decide(*restarted.Current()), pdp::v1::DENY);
  // A checkpoint of a world without such puts stays format 2.
  MemoryStore plain;
  {
    WorldState state(Initial(), &plain);
    ASSERT_TRUE(state.Recover().ok());
    ASSERT_TRUE(state.ApplyChanges(RichHistory()[0]).ok());
    ASSERT_TRUE(WriteCheckpoint(plain, *state.Current()).ok());
  }
  absl::StatusOr<std::string> manifest = plain.ReadCheckpointManifest(1);
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  rec::CheckpointManifest m;
  ASSERT_TRUE(m.ParseFromString(*manifest));
  EXPECT_EQ(m.format_version(), 2u);
}

TEST_F(DurableStateTest, RecordsOfANewerFormatAreRefusedNotGuessed) {
  MemoryStore store;
  {
    WorldState state(Initial(), &store);
    ASSERT_TRUE(state.Recover().ok());
    ASSERT_TRUE(state.ApplyChanges(RichHistory()[0]).ok());
  }
  BatchRow row;
  row.revision = 2;
  rec::BatchRecord record;
  record.set_format_version(kNewestRecordFormat + 1);
  row.record = record.SerializeAsString();
  store.PutRawRow(row);
  WorldState state(Initial(), &store);
  absl::Status s = state.Recover();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_NE(s.message().find("newer billing-pdp"), std::string::npos) << s;
}

// A store written before the log was versioned (schema 1: each batch an
// ApplyChangesRequest blob) opens, is migrated once, and holds the same
// state as if it had been written today.
TEST_F(DurableStateTest, ALegacyStoreIsMigratedOnOpen) {
  std::vector<ApplyChangesRequest> history = RichHistory();
  Exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)");
  Exec("INSERT INTO meta VALUES ('schema_version', '1')");
  Exec("CREATE TABLE batches (revision INTEGER PRIMARY KEY, changes BLOB NOT NULL)");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    for (size_t i = 0; i < history.size(); ++i) {
      ApplyChangesRequest as_stored = history[i];
      if (i == 3) as_stored.clear_request_id();  // some batches had none
      const std::string blob = as_stored.SerializeAsString();
      sqlite3_stmt* insert = nullptr;
      sqlite3_prepare_v2(db, "INSERT INTO batches VALUES (?, ?)", -1, &insert, nullptr);
      sqlite3_bind_int64(insert, 1, static_cast<int64_t>(i + 1));
      sqlite3_bind_blob(insert, 2, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
      EXPECT_EQ(sqlite3_step(insert), SQLITE_DONE);
      sqlite3_finalize(insert);
    }
    sqlite3_close(db);
  }
  MemoryStore today;
  const std::string expected = WriteRichHistory(today);

  for (int open = 1; open <= 2; ++open) {
    SCOPED_TRACE(absl::StrCat("open ", open));
    auto store = OpenSqlite();
    ASSERT_NE(store, nullptr);
    WorldState state(Initial(), store.get(), TinyLimits());  // quotas lifted for migration
    absl::Status recovered = state.Recover();
    ASSERT_TRUE(recovered.ok()) << recovered;
    EXPECT_EQ(state.last_recovery().migrated_batches, open == 1 ? 5 : 0);
    EXPECT_EQ(StateText(*state.Current()), expected);
    auto again = state.ApplyChanges(history[1]);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_TRUE(again->replayed());
    EXPECT_EQ(again->revision(), 2);
  }
  // Every row is in today's format, and Watch still sends the changes.
  auto store = OpenSqlite();
  std::vector<size_t> changes;
  ASSERT_TRUE(store
                  ->Replay([&](const StoredBatch& b) {
                    EXPECT_FALSE(b.legacy);
                    changes.push_back(b.changes.size());
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(changes, (std::vector<size_t>{2, 9, 4, 1, 4}));
}

// A replica (a second state on the same store) that fell behind what the
// other compacted away catches up through the newest checkpoint.
TEST_F(DurableStateTest, AReplicaBehindACompactedLogCatchesUpFromTheCheckpoint) {
  MemoryStore store;
  WorldState writer(Initial(), &store), replica(Initial(), &store);
  ASSERT_TRUE(writer.Recover().ok());
  ASSERT_TRUE(replica.Recover().ok());
  std::vector<ApplyChangesRequest> history = RichHistory();
  for (size_t i = 0; i < 4; ++i) ASSERT_TRUE(writer.ApplyChanges(history[i]).ok());
  ASSERT_TRUE(WriteCheckpoint(store, *writer.Current()).ok());
  ASSERT_TRUE(PruneCheckpoints(store, 1, /*compact=*/true).ok());
  ASSERT_TRUE(writer.ApplyChanges(history[4]).ok());
  absl::Status caught_up = replica.CatchUp();
  ASSERT_TRUE(caught_up.ok()) << caught_up;
  EXPECT_EQ(StateText(*replica.Current()), StateText(*writer.Current()));
  // Without a checkpoint to jump to, it says so rather than skip batches.
  WorldState stale(Initial(), &store);
  ASSERT_TRUE(store.DeleteCheckpoint(4).ok());
  EXPECT_EQ(stale.CatchUp().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(stale.revision(), 0);
}

// A replica that jumps over compacted batches to a checkpoint still
// remembers the request ids of the retained batches the checkpoint covers.
TEST_F(DurableStateTest, AReplicaThatJumpsToACheckpointRemembersRetainedRequestIds) {
  MemoryStore store;
  WorldState writer(Initial(), &store), replica(Initial(), &store);
  ASSERT_TRUE(writer.Recover().ok());
  ASSERT_TRUE(replica.Recover().ok());
  std::vector<ApplyChangesRequest> history = RichHistory();
  for (size_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(writer.ApplyChanges(history[i]).ok());
    if (i == 1 || i == 3) {
      ASSERT_TRUE(WriteCheckpoint(store, *writer.Current()).ok());
    }
  }
  // Checkpoints at 2 and 4 kept: batches through 2 go, 3 and 4 stay.
  ASSERT_EQ(*PruneCheckpoints(store, 2, /*compact=*/true), 2);
  ASSERT_TRUE(replica.CatchUp().ok());
  ASSERT_EQ(replica.revision(), 4);
  for (size_t i = 2; i < 4; ++i) {
    auto again = replica.ApplyChanges(history[i]);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_TRUE(again->replayed()) << history[i].request_id();
    EXPECT_EQ(again->revision(), static_cast<int64_t>(i + 1));
  }
}

// A store that cannot be read while a checkpoint loads is an outage, not a
// damaged checkpoint: start-up fails with it rather than fall back.
TEST_F(DurableStateTest, AStoreOutageWhileLoadingACheckpointIsNotDamage) {
  class FlakyStore : public MemoryStore {
   public:
    absl::StatusOr<std::string> ReadCheckpointChunk(int64_t revision, int seq) override {
      if (revision == 5) return absl::UnavailableError("connection lost");
      return MemoryStore::ReadCheckpointChunk(revision, seq);
    }
  };
  FlakyStore store;
  {
    WorldState state(Initial(), &store);
    ASSERT_TRUE(state.Recover().ok());
    std::vector<ApplyChangesRequest> history = RichHistory();
    for (size_t i = 0; i < history.size(); ++i) {
      ASSERT_TRUE(state.ApplyChanges(history[i]).ok());
      if (i == 2 || i == 4) {
        ASSERT_TRUE(WriteCheckpoint(store, *state.Current()).ok());
      }
    }
  }
  WorldState state(Initial(), &store);
  absl::Status s = state.Recover();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_TRUE(state.last_recovery().skipped_checkpoints.empty());
}

}  // namespace
}  // namespace pdp
