// Reconciling without churn, through a real server: a controller that
// re-applies unchanged desired state makes no revision and no Watch event;
// identical settings updates keep one etag; a world file re-applied never
// undoes a settings change made through UpdateAccountSettings; a mixed batch
// commits only its real changes; an update without a mask is refused; a
// world file with an organization re-applied commits nothing, and an edited
// SCP in it makes exactly one revision.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "billing_pdp/admin_client.h"
#include "billing_pdp/change_watch.h"
#include "billing_pdp/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/server_process.h"
#include "world/world_file.h"

namespace pdp::testing {
namespace {

using ::testing::ElementsAre;
using Stub = AdminClient::Stub;

constexpr char kB[] = "222222222222";
constexpr char kRootB[] = "arn:aws:iam::222222222222:root";

pdp::v1::UpdateAccountSettingsRequest IamAccessOn(const std::string& account) {
  pdp::v1::UpdateAccountSettingsRequest r;
  r.set_account_id(account);
  r.mutable_settings()->set_iam_access_to_billing(true);
  r.add_update_mask("iam_access_to_billing");
  r.set_actor("arn:aws:iam::" + account + ":root");
  return r;
}

pdp::v1::Change Attach(const std::string& entity, const std::string& policy) {
  pdp::v1::Change c;
  c.mutable_attach_policy()->set_entity_arn(entity);
  c.mutable_attach_policy()->set_policy_arn(policy);
  return c;
}

class ReconcileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.ok()) << server_.log();
    options_.target = server_.address();
    options_.timeout = std::chrono::milliseconds(20000);
    absl::StatusOr<std::vector<pdp::v1::Change>> world =
        ReadWorldFile(SourcePath("data/demo-world.yaml"));
    ASSERT_TRUE(world.ok()) << world.status();
    world_ = *world;
  }
  AdminClient admin() const { return AdminClient(options_); }

  // The server's revision, from a read's body and its pdp-revision trailer
  // (which must agree).
  int64_t Revision() const {
    int64_t trailer = -1;
    auto accounts = admin().Call(&Stub::ListAccounts, pdp::v1::ListRequest(), &trailer);
    EXPECT_TRUE(accounts.ok()) << accounts.status();
    EXPECT_EQ(accounts->revision(), trailer);
    return trailer;
  }

  // The first batch Watch sends from `from`: committed by `commit`, called
  // once the stream is open (so a batch made before it would come first).
  pdp::v1::WatchResponse FirstBatchFrom(int64_t from, const std::function<void()>& commit) {
    std::unique_ptr<ChangeWatch> watch = admin().Watch(from);
    commit();
    pdp::v1::WatchResponse batch;
    EXPECT_TRUE(watch->Next(&batch)) << watch->Finish();
    watch->Cancel();
    return batch;
  }

  ServerProcess server_{{}};
  ClientOptions options_;
  std::vector<pdp::v1::Change> world_;
};

TEST_F(ReconcileTest, ReApplyingTheWorldFileMakesNoRevisionAndNoWatchEvent) {
  auto first = admin().ApplyChanges(world_);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->revision(), 1);
  for (const auto& r : first->results()) EXPECT_FALSE(r.unchanged()) << r.name();

  for (int round = 0; round < 3; ++round) {
    int64_t trailer = -1;
    pdp::v1::ApplyChangesRequest request;
    for (const auto& c : world_) *request.add_changes() = c;
    auto again = admin().Call(&Stub::ApplyChanges, request, &trailer);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->revision(), 1);
    EXPECT_EQ(trailer, 1);
    EXPECT_FALSE(again->replayed());
    ASSERT_EQ(again->results_size(), first->results_size());
    for (int i = 0; i < again->results_size(); ++i) {
      EXPECT_TRUE(again->results(i).unchanged()) << again->results(i).name();
      EXPECT_EQ(again->results(i).etag(), first->results(i).etag()) << again->results(i).name();
    }
  }
  EXPECT_EQ(Revision(), 1);
  // No Watch event: the next batch Watch sends after revision 1 is the next
  // real change, at revision 2.
  pdp::v1::WatchResponse next = FirstBatchFrom(2, [&] {
    ASSERT_TRUE(admin().ApplyChanges(world_).ok());  // once more, while watching
    ASSERT_TRUE(admin().Call(&Stub::UpdateAccountSettings, IamAccessOn(kB)).ok());
  });
  EXPECT_EQ(next.revision(), 2);
  ASSERT_EQ(next.changes_size(), 1);
  EXPECT_TRUE(next.changes(0).has_update_account_settings());
}

TEST_F(ReconcileTest, IdenticalSettingsUpdatesKeepOneEtag) {
  ASSERT_TRUE(admin().ApplyChanges(world_).ok());
  std::vector<std::string> etags;
  for (int i = 0; i < 3; ++i) {
    int64_t trailer = -1;
    auto account = admin().Call(&Stub::UpdateAccountSettings, IamAccessOn(kB), &trailer);
    ASSERT_TRUE(account.ok()) << account.status();
    EXPECT_TRUE(account->settings().iam_access_to_billing());
    EXPECT_EQ(trailer, 2);  // the first made revision 2; the others none
    etags.push_back(account->etag());
  }
  EXPECT_THAT(etags, ElementsAre("2", "2", "2"));
  EXPECT_EQ(Revision(), 2);
}

// The root user turns IAM access on; the controller re-applies the world
// file (which says nothing of it, or says off): it stays on.
TEST_F(ReconcileTest, ReApplyingTheWorldFileKeepsWhatTheRootUserTurnedOn) {
  ASSERT_TRUE(admin().ApplyChanges(world_).ok());
  pdp::v1::GetRequest get;
  get.set_name(kB);
  auto before = admin().Call(&Stub::GetAccount, get);
  ASSERT_TRUE(before.ok());
  ASSERT_FALSE(before->settings().iam_access_to_billing());  // the demo world: never activated

  auto on = admin().Call(&Stub::UpdateAccountSettings, IamAccessOn(kB));
  ASSERT_TRUE(on.ok()) << on.status();
  ASSERT_EQ(std::string(kRootB), IamAccessOn(kB).actor());

  auto again = admin().ApplyChanges(world_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->revision(), 2);  // nothing committed
  auto after = admin().Call(&Stub::GetAccount, get);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->settings().iam_access_to_billing());
  EXPECT_EQ(after->etag(), on->etag());

  // Even a world file that names the setting explicitly: settings are only
  // taken when the account is created.
  pdp::v1::Change off;
  auto* account = off.mutable_create_account();
  account->set_allow_existing(true);
  account->mutable_account()->set_id(kB);
  account->mutable_account()->mutable_settings()->set_iam_access_to_billing(false);
  auto explicit_off = admin().ApplyChanges({off});
  ASSERT_TRUE(explicit_off.ok()) << explicit_off.status();
  EXPECT_TRUE(explicit_off->results(0).unchanged());
  auto still = admin().Call(&Stub::GetAccount, get);
  ASSERT_TRUE(still.ok());
  EXPECT_TRUE(still->settings().iam_access_to_billing());
}

TEST_F(ReconcileTest, AMixedBatchCommitsOneRevisionHoldingOnlyTheRealChanges) {
  ASSERT_TRUE(admin().ApplyChanges(world_).ok());
  const std::string admin_b = "arn:aws:iam::222222222222:user/admin";
  const std::string billing_ro = "arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess";
  pdp::v1::WatchResponse batch;
  absl::StatusOr<pdp::v1::ApplyChangesResponse> mixed;
  batch = FirstBatchFrom(2, [&] {
    std::vector<pdp::v1::Change> changes = world_;   // all unchanged
    changes.push_back(Attach(admin_b, billing_ro));  // real
    pdp::v1::Change settings;
    *settings.mutable_update_account_settings() = IamAccessOn(kB);  // real
    changes.push_back(settings);
    changes.push_back(Attach(admin_b, billing_ro));  // unchanged after the first
    mixed = admin().ApplyChanges(changes, "mixed-1");
  });
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  EXPECT_EQ(mixed->revision(), 2);
  const int n = mixed->results_size();
  ASSERT_EQ(n, static_cast<int>(world_.size()) + 3);
  for (int i = 0; i < n - 3; ++i) EXPECT_TRUE(mixed->results(i).unchanged()) << i;
  EXPECT_FALSE(mixed->results(n - 3).unchanged());
  EXPECT_FALSE(mixed->results(n - 2).unchanged());
  EXPECT_TRUE(mixed->results(n - 1).unchanged());
  EXPECT_EQ(mixed->results(n - 1).etag(), "2");  // the etag after the batch
  // What Watch sends (the stored record): the two real changes only.
  EXPECT_EQ(batch.revision(), 2);
  EXPECT_EQ(batch.request_id(), "mixed-1");
  ASSERT_EQ(batch.changes_size(), 2);
  EXPECT_TRUE(batch.changes(0).has_attach_policy());
  EXPECT_TRUE(batch.changes(1).has_update_account_settings());
  EXPECT_EQ(Revision(), 2);
  // A retry replays the first answer, unchanged marks included.
  std::vector<pdp::v1::Change> same = world_;
  same.push_back(Attach(admin_b, billing_ro));
  pdp::v1::Change settings;
  *settings.mutable_update_account_settings() = IamAccessOn(kB);
  same.push_back(settings);
  same.push_back(Attach(admin_b, billing_ro));
  auto retry = admin().ApplyChanges(same, "mixed-1");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->replayed());
  ASSERT_EQ(retry->results_size(), n);
  EXPECT_TRUE(retry->results(0).unchanged());
  EXPECT_FALSE(retry->results(n - 3).unchanged());
}

// An all-no-op request with a request id commits nothing, so nothing is
// remembered: the id stays free, and a retry is judged again.
TEST_F(ReconcileTest, AnAllNoOpRequestIdIsNotRemembered) {
  ASSERT_TRUE(admin().ApplyChanges(world_).ok());
  auto noop = admin().ApplyChanges(world_, "noop-1");
  ASSERT_TRUE(noop.ok()) << noop.status();
  EXPECT_FALSE(noop->replayed());
  EXPECT_EQ(noop->revision(), 1);
  pdp::v1::Change settings;
  *settings.mutable_update_account_settings() = IamAccessOn(kB);
  auto real = admin().ApplyChanges({settings}, "noop-1");  // not REQUEST_ID_REUSED
  ASSERT_TRUE(real.ok()) << real.status();
  EXPECT_FALSE(real->replayed());
  EXPECT_EQ(real->revision(), 2);
}

// An organization as a controller pushes it: an OU, a created and an
// invited member, an SCP, an attachment and a detachment of FullAWSAccess.
std::string OrgWorld(const std::string& denied_action) {
  return absl::StrCat(R"(
accounts:
  - {id: "111111111111", name: payer, iam_access_to_billing: true}
  - {id: "222222222222", name: invited}
organizations:
  - id: o-reconcile01
    management_account: "111111111111"
    root_id: r-rc12
    scps_enabled: true
    organizational_units:
      - {id: ou-rc12-engineer, name: Engineering, parent: r-rc12}
    accounts:
      - {id: "333333333333", name: team, parent: ou-rc12-engineer, joined: created}
      - {id: "222222222222", parent: ou-rc12-engineer, joined: invited}
    scps:
      - id: p-denyclose1
        name: DenyClose
        description: no closing
        document: {Version: "2012-10-17", Statement: [{Effect: Deny, Action: ")",
                      denied_action, R"(", Resource: "*"}]}
    attach: [{policy: p-denyclose1, target: ou-rc12-engineer}]
    detach: [{policy: p-FullAWSAccess, target: ou-rc12-engineer}]
users:
  - arn: arn:aws:iam::333333333333:user/dev
    attached_policies: [arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess]
)");
}

TEST_F(ReconcileTest, ReApplyingAWorldWithAnOrganizationMakesNoRevision) {
  absl::StatusOr<std::vector<pdp::v1::Change>> world =
      WorldToChanges(OrgWorld("account:CloseAccount"));
  ASSERT_TRUE(world.ok()) << world.status();
  auto first = admin().ApplyChanges(*world);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->revision(), 1);
  for (const auto& r : first->results()) EXPECT_FALSE(r.unchanged()) << r.name();

  absl::StatusOr<std::vector<pdp::v1::Change>> edited =
      WorldToChanges(OrgWorld("account:PutAlternateContact"));
  ASSERT_TRUE(edited.ok()) << edited.status();
  absl::StatusOr<pdp::v1::ApplyChangesResponse> again, once;
  // Watch from revision 2: the re-apply must send nothing, so the first
  // batch is the edited SCP's.
  pdp::v1::WatchResponse batch = FirstBatchFrom(2, [&] {
    again = admin().ApplyChanges(*world);
    once = admin().ApplyChanges(*edited);
  });
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->revision(), 1);
  ASSERT_EQ(again->results_size(), first->results_size());
  for (int i = 0; i < again->results_size(); ++i) {
    EXPECT_TRUE(again->results(i).unchanged()) << i << " " << again->results(i).name();
    EXPECT_EQ(again->results(i).etag(), first->results(i).etag()) << again->results(i).name();
  }

  ASSERT_TRUE(once.ok()) << once.status();
  EXPECT_EQ(once->revision(), 2);
  int changed = 0;
  for (const auto& r : once->results()) {
    if (!r.unchanged()) {
      ++changed;
      EXPECT_EQ(r.name(), "p-denyclose1");
    }
  }
  EXPECT_EQ(changed, 1);
  EXPECT_EQ(batch.revision(), 2);
  ASSERT_EQ(batch.changes_size(), 1);
  ASSERT_TRUE(batch.changes(0).has_create_scp());
  EXPECT_THAT(batch.changes(0).create_scp().document(),
              ::testing::HasSubstr("account:PutAlternateContact"));

  // The edited file, again: nothing more.
  auto twice = admin().ApplyChanges(*edited);
  ASSERT_TRUE(twice.ok()) << twice.status();
  EXPECT_EQ(twice->revision(), 2);
  for (const auto& r : twice->results()) EXPECT_TRUE(r.unchanged()) << r.name();
  EXPECT_EQ(Revision(), 2);
}

TEST_F(ReconcileTest, AnUpdateWithoutAMaskIsInvalidArgumentNamingTheMask) {
  ASSERT_TRUE(admin().ApplyChanges(world_).ok());
  pdp::v1::UpdateAccountSettingsRequest r = IamAccessOn(kB);
  r.clear_update_mask();
  auto refused = admin().Call(&Stub::UpdateAccountSettings, r);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ServerErrorFields(refused.status()), ElementsAre("update_mask"));
  pdp::v1::Change c;
  *c.mutable_update_account_settings() = r;
  auto in_batch = admin().ApplyChanges({c});
  EXPECT_EQ(in_batch.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ServerErrorFields(in_batch.status()),
              ElementsAre("changes[0].update_account_settings.update_mask"));
  EXPECT_EQ(Revision(), 1);
}

}  // namespace
}  // namespace pdp::testing
