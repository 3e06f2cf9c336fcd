// A controller keeping an organization of 1,000 member accounts in step,
// through the client library against a real server on SQLite: the
// organization is created in one batch and its members in another (IAM
// access off, IamUserAccessToBilling DENY); the controller then turns IAM
// access on in every account as that account's root, in one etag-guarded
// batch. What it relies on: replayed retries, stale etags failing the whole
// batch (and naming the items), no half-applied batch beside a concurrent
// writer, reads at min_revision, Watch with resume, SCPs, the Cost Explorer
// settings rules and WhatIf.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "billing_pdp/change_watch.h"
#include "billing_pdp/status.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAreArray;
using Stub = AdminClient::Stub;
using Clock = std::chrono::steady_clock;

constexpr int kMembers = 1000;
constexpr int kSandboxMembers = 10;  // members 0..9, in the sandbox OU
constexpr char kOrg[] = "o-controller01";
constexpr char kRootId[] = "r-ctl1";
constexpr char kEngineering[] = "ou-ctl1-engineering";
constexpr char kSandbox[] = "ou-ctl1-sandboxes";  // inside engineering
constexpr char kFinance[] = "ou-ctl1-financeops";
constexpr char kManagement[] = "100000000000";
constexpr char kAdministratorAccess[] = "arn:aws:iam::aws:policy/AdministratorAccess";
constexpr char kBillingReadOnly[] = "arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess";

std::string Member(int i) { return std::to_string(200000000000LL + i); }
std::string RootOf(const std::string& account) { return "arn:aws:iam::" + account + ":root"; }
std::string AdminOf(const std::string& account) {
  return "arn:aws:iam::" + account + ":user/admin";
}
// Members with an administrator: every sandbox member and every 25th one.
bool HasAdmin(int i) { return i < kSandboxMembers || i % 25 == 0; }
std::string ParentOf(int i) {
  if (i < kSandboxMembers) return kSandbox;
  return i % 2 == 0 ? kEngineering : kFinance;
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

pdp::v1::Change User(const std::string& arn, const std::string& policy) {
  pdp::v1::Change c;
  c.mutable_put_user()->mutable_user()->set_arn(arn);
  c.mutable_put_user()->mutable_user()->add_attached_policies(policy);
  return c;
}

pdp::v1::Change Ou(const std::string& id, const std::string& parent, const std::string& name) {
  pdp::v1::Change c;
  auto* ou = c.mutable_create_organizational_unit();
  ou->set_organization_id(kOrg);
  ou->set_ou_id(id);
  ou->set_parent_id(parent);
  ou->set_name(name);
  return c;
}

// What the controller sends for one account: IAM access on, as its root.
pdp::v1::Change ActivateIamAccess(const std::string& account) {
  pdp::v1::Change c;
  auto* s = c.mutable_update_account_settings();
  s->set_account_id(account);
  s->set_actor(RootOf(account));
  s->add_update_mask("iam_access_to_billing");
  s->mutable_settings()->set_iam_access_to_billing(true);
  return c;
}

// Another writer's change to an account: its console action set, as root.
pdp::v1::Change ConsoleActionSet(const std::string& account, pdp::v1::ConsoleActionSet set) {
  pdp::v1::Change c;
  auto* s = c.mutable_update_account_settings();
  s->set_account_id(account);
  s->set_actor(RootOf(account));
  s->add_update_mask("console_action_set");
  s->mutable_settings()->set_console_action_set(set);
  return c;
}

pdp::v1::UpdateAccountSettingsRequest CostExplorer(const std::string& account,
                                                   const std::string& actor) {
  pdp::v1::UpdateAccountSettingsRequest r;
  r.set_account_id(account);
  r.set_actor(actor);
  r.add_update_mask("cost_explorer_enabled");
  r.mutable_settings()->set_cost_explorer_enabled(true);
  return r;
}

// Every account, across pages, and the revision of the last page.
struct AccountList {
  std::map<std::string, pdp::v1::Account> accounts;
  int64_t revision = 0;
  int IamAccessOn() const {
    int n = 0;
    for (const auto& [id, a] : accounts) n += a.settings().iam_access_to_billing() ? 1 : 0;
    return n;
  }
};

AccountList ListAllAccounts(const AdminClient& admin, int64_t min_revision = 0) {
  AccountList out;
  pdp::v1::ListRequest request;
  request.set_page_size(1000);
  request.set_min_revision(min_revision);
  do {
    auto page = admin.Call(&Stub::ListAccounts, request);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) break;
    for (const auto& a : page->accounts()) out.accounts[a.id()] = a;
    out.revision = page->revision();
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  return out;
}

// The controller's bulk write: IAM access on in every member, each change
// conditional on the etag the account had in `seen` (in the change itself,
// or as the generic Change.etag).
std::vector<pdp::v1::Change> BulkActivation(const AccountList& seen, bool generic_etag) {
  std::vector<pdp::v1::Change> changes;
  for (int i = 0; i < kMembers; ++i) {
    pdp::v1::Change c = ActivateIamAccess(Member(i));
    auto it = seen.accounts.find(Member(i));
    const std::string etag = it == seen.accounts.end() ? "" : it->second.etag();
    if (generic_etag) {
      c.set_etag(etag);
    } else {
      c.mutable_update_account_settings()->set_etag(etag);
    }
    changes.push_back(std::move(c));
  }
  return changes;
}

class OrganizationControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = ::testing::TempDir() + "/org-controller-" +
          ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db";
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db_ + suffix).c_str());
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--store", "sqlite:" + db_});
    ASSERT_TRUE(server_->ok()) << server_->log();
    options_.target = server_->address();
    options_.timeout = std::chrono::milliseconds(20000);
    BuildOrganization();
  }

  AdminClient admin() const { return AdminClient(options_); }
  AuthorizationClient authz() const { return AuthorizationClient(options_); }

  // Batch 1: the management account (with an administrator and a billing
  // read-only user), the organization with SCPs on, its OUs; the management
  // account moves into the sandbox OU (so an SCP there covers it on paper).
  // Batch 2: 1,000 create_member_account, IAM access off. Batch 3: the
  // administrators.
  void BuildOrganization() {
    std::vector<pdp::v1::Change> setup;
    pdp::v1::Change account;
    account.mutable_create_account()->mutable_account()->set_id(kManagement);
    account.mutable_create_account()
        ->mutable_account()
        ->mutable_settings()
        ->set_iam_access_to_billing(true);
    setup.push_back(account);
    setup.push_back(User(AdminOf(kManagement), kAdministratorAccess));
    setup.push_back(User("arn:aws:iam::100000000000:user/viewer", kBillingReadOnly));
    pdp::v1::Change org;
    org.mutable_create_organization()->set_organization_id(kOrg);
    org.mutable_create_organization()->set_root_id(kRootId);
    org.mutable_create_organization()->set_management_account_id(kManagement);
    org.mutable_create_organization()->set_scps_enabled(true);
    setup.push_back(org);
    setup.push_back(Ou(kEngineering, kRootId, "Engineering"));
    setup.push_back(Ou(kSandbox, kEngineering, "Sandboxes"));
    setup.push_back(Ou(kFinance, kRootId, "Finance"));
    pdp::v1::Change move;
    move.mutable_move_account()->set_organization_id(kOrg);
    move.mutable_move_account()->set_account_id(kManagement);
    move.mutable_move_account()->set_destination_parent_id(kSandbox);
    setup.push_back(move);
    auto created = admin().ApplyChanges(setup, "org-setup");
    ASSERT_TRUE(created.ok()) << created.status();
    org_revision_ = created->revision();
    ASSERT_EQ(created->results(3).name(), kOrg);

    std::vector<pdp::v1::Change> members;
    for (int i = 0; i < kMembers; ++i) {
      pdp::v1::Change c;
      auto* m = c.mutable_create_member_account();
      m->set_organization_id(kOrg);
      m->set_account_id(Member(i));
      m->set_name("member-" + std::to_string(i));
      m->set_parent_id(ParentOf(i));
      m->set_iam_user_access_to_billing(pdp::v1::IAM_USER_ACCESS_DENY);
      members.push_back(std::move(c));
    }
    auto start = Clock::now();
    auto joined = admin().ApplyChanges(members, "members");
    std::printf("1,000 create_member_account: %.2f s\n", SecondsSince(start));
    ASSERT_TRUE(joined.ok()) << joined.status();
    ASSERT_EQ(joined->revision(), org_revision_ + 1);
    ASSERT_EQ(joined->results_size(), kMembers);

    std::vector<pdp::v1::Change> admins;
    for (int i = 0; i < kMembers; ++i) {
      if (HasAdmin(i)) admins.push_back(User(AdminOf(Member(i)), kAdministratorAccess));
    }
    auto users = admin().ApplyChanges(admins, "admins");
    ASSERT_TRUE(users.ok()) << users.status();
    built_revision_ = users->revision();
  }

  Decision AuthorizePage(const std::string& principal, int64_t min_revision = 0,
                         const std::string& page = "billing_bills") const {
    PageQuery q{.principal = principal, .page_id = page, .min_revision = min_revision};
    absl::StatusOr<Decision> d = authz().Authorize(q);
    EXPECT_TRUE(d.ok()) << principal << ": " << d.status();
    return d.value_or(Decision{});
  }

  std::string db_;
  std::unique_ptr<ServerProcess> server_;
  ClientOptions options_;
  int64_t org_revision_ = 0;    // the batch that created the organization
  int64_t built_revision_ = 0;  // after the administrators
};

TEST_F(OrganizationControllerTest, BulkActivationAsEachRootIsIdempotentAndReadBackAtItsRevision) {
  const std::string admin5 = AdminOf(Member(5));
  EXPECT_EQ(AuthorizePage(admin5).reason, pdp::v1::IAM_ACCESS_NOT_ACTIVATED)
      << "created with IAM_USER_ACCESS_DENY";
  EXPECT_EQ(AuthorizePage(AdminOf(kManagement)).reason, pdp::v1::ALLOWED_BY_POLICY);

  AccountList seen = ListAllAccounts(admin());
  ASSERT_EQ(seen.accounts.size(), kMembers + 1u);
  EXPECT_EQ(seen.IamAccessOn(), 1) << "only the management account";
  const std::vector<pdp::v1::Change> bulk = BulkActivation(seen, /*generic_etag=*/false);
  auto start = Clock::now();
  auto applied = admin().ApplyChanges(bulk, "activate-iam-access");
  const double bulk_seconds = SecondsSince(start);
  ASSERT_TRUE(applied.ok()) << applied.status();
  std::printf("1,000 etag-guarded update_account_settings: %.2f s\n", bulk_seconds);
  RecordProperty("bulk_activation_seconds", std::to_string(bulk_seconds));
  const int64_t revision = applied->revision();
  EXPECT_EQ(revision, built_revision_ + 1);
  EXPECT_FALSE(applied->replayed());
  ASSERT_EQ(applied->results_size(), kMembers);
  for (int i = 0; i < kMembers; ++i) {
    ASSERT_EQ(applied->results(i).name(), Member(i));
    ASSERT_EQ(applied->results(i).etag(), std::to_string(revision)) << i;
  }

  // A fresh client reading at the write's revision sees it. (Its channel
  // closes at the end of the block: the server's graceful stop below would
  // otherwise wait out its 5 s deadline for the idle connection.)
  {
    ClientOptions fresh = options_;
    AuthorizationClient reader(fresh);
    PageQuery q{.principal = admin5, .page_id = "billing_bills", .min_revision = revision};
    auto after = reader.Authorize(q);
    ASSERT_TRUE(after.ok()) << after.status();
    EXPECT_TRUE(after->allowed);
    EXPECT_EQ(after->reason, pdp::v1::ALLOWED_BY_POLICY);
    EXPECT_GE(after->revision, revision);
    auto account = AdminClient(fresh).GetAccount(Member(kMembers - 1), revision);
    ASSERT_TRUE(account.ok()) << account.status();
    EXPECT_TRUE(account->settings().iam_access_to_billing());
    EXPECT_EQ(account->etag(), std::to_string(revision));
    // Every administrator, in one BatchAuthorize on one snapshot.
    std::vector<Query> admins;
    for (int i = 0; i < kMembers; ++i) {
      if (HasAdmin(i)) {
        admins.push_back(PageQuery{
            .principal = AdminOf(Member(i)), .page_id = "billing_bills", .min_revision = revision});
      }
    }
    auto batch = reader.BatchAuthorize(admins);
    ASSERT_TRUE(batch.ok()) << batch.status();
    for (size_t i = 0; i < batch->size(); ++i) {
      ASSERT_TRUE((*batch)[i].ok()) << (*batch)[i].status();
      EXPECT_EQ((*batch)[i]->reason, pdp::v1::ALLOWED_BY_POLICY)
          << std::get<PageQuery>(admins[i]).principal;
    }
  }
  EXPECT_EQ(ListAllAccounts(admin(), revision).IamAccessOn(), kMembers + 1);

  // The retry after (say) a timeout: the same request, whose etags are all
  // stale now, is a replay: first response, nothing applied, no revision.
  auto retry = admin().ApplyChanges(bulk, "activate-iam-access");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->replayed());
  EXPECT_EQ(retry->revision(), revision);
  pdp::v1::ApplyChangesResponse first = *applied;
  first.set_replayed(true);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*retry, first));
  int64_t trailer = 0;
  pdp::v1::GetRequest get_org;
  get_org.set_name(kOrg);
  ASSERT_TRUE(admin().Call(&Stub::GetOrganization, get_org, &trailer).ok());
  EXPECT_EQ(trailer, revision) << "the replay must not make a revision";

  // Durable: after a restart the retry is still a replay.
  ASSERT_EQ(server_->Stop(SIGTERM), 0) << "a clean stop";
  server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--store", "sqlite:" + db_});
  ASSERT_TRUE(server_->ok()) << server_->log();
  options_.target = server_->address();
  auto after_restart = admin().ApplyChanges(bulk, "activate-iam-access");
  ASSERT_TRUE(after_restart.ok()) << after_restart.status();
  EXPECT_TRUE(after_restart->replayed());
  EXPECT_EQ(after_restart->revision(), revision);
  EXPECT_EQ(AuthorizePage(admin5).reason, pdp::v1::ALLOWED_BY_POLICY);
}

TEST_F(OrganizationControllerTest, AStaleEtagAbortsTheWholeBulkWriteAndNamesTheItems) {
  AccountList seen = ListAllAccounts(admin());
  // Someone else changes two of the accounts after the controller read them.
  auto other = admin().ApplyChanges({ConsoleActionSet(Member(7), pdp::v1::LEGACY),
                                     ConsoleActionSet(Member(500), pdp::v1::LEGACY)});
  ASSERT_TRUE(other.ok()) << other.status();
  const int64_t revision = other->revision();

  for (bool generic : {true, false}) {
    SCOPED_TRACE(generic ? "Change.etag" : "update_account_settings.etag");
    auto stale = admin().ApplyChanges(BulkActivation(seen, generic), "activate-stale");
    ASSERT_FALSE(stale.ok());
    EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted) << stale.status();
    EXPECT_EQ(ServerErrorReason(stale.status()), "ETAG_MISMATCH");
    if (generic) {
      EXPECT_THAT(ServerErrorFields(stale.status()),
                  ElementsAre("changes[7].etag", "changes[500].etag"));
    } else {
      EXPECT_THAT(ServerErrorFields(stale.status()),
                  ElementsAre("changes[7].update_account_settings.etag",
                              "changes[500].update_account_settings.etag"));
    }
    // Nothing of it applied, and no revision was made.
    AccountList now = ListAllAccounts(admin());
    EXPECT_EQ(now.revision, revision);
    EXPECT_EQ(now.IamAccessOn(), 1);
    EXPECT_EQ(AuthorizePage(AdminOf(Member(0))).reason, pdp::v1::IAM_ACCESS_NOT_ACTIVATED);
  }
  // A failed request is not remembered: the same id with fresh etags applies.
  auto fresh =
      admin().ApplyChanges(BulkActivation(ListAllAccounts(admin()), false), "activate-stale");
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_FALSE(fresh->replayed());
  EXPECT_EQ(fresh->revision(), revision + 1);
  EXPECT_EQ(AuthorizePage(AdminOf(Member(0)), fresh->revision()).reason,
            pdp::v1::ALLOWED_BY_POLICY);
  EXPECT_EQ(AuthorizePage(AdminOf(Member(500)), fresh->revision()).reason,
            pdp::v1::ALLOWED_BY_POLICY);
}

// A second writer changes some of the same accounts while the controller
// reads etags and writes; whatever the interleaving, each controller attempt
// either applies all 1,000 changes or fails ABORTED having applied none.
TEST_F(OrganizationControllerTest, AConcurrentWriterNeverLeavesTheBulkWriteHalfApplied) {
  constexpr int kWrites = 40;
  std::atomic<bool> go{false};
  std::atomic<int> writes{0};
  std::thread writer([&] {
    AdminClient other(options_);
    while (!go.load()) std::this_thread::yield();
    for (int j = 0; j < kWrites; ++j) {
      auto r = other.ApplyChanges({ConsoleActionSet(
          Member((j * 37) % kMembers), j % 2 == 0 ? pdp::v1::LEGACY : pdp::v1::FINE_GRAINED)});
      EXPECT_TRUE(r.ok()) << r.status();
      writes.fetch_add(1);
    }
  });

  int aborted = 0;
  absl::StatusOr<pdp::v1::ApplyChangesResponse> applied = absl::UnknownError("not attempted");
  go = true;
  const std::regex item(R"(changes\[[0-9]+\]\.update_account_settings\.etag)");
  for (int attempt = 0; attempt < 200 && !applied.ok(); ++attempt) {
    AccountList seen = ListAllAccounts(admin());
    applied = admin().ApplyChanges(BulkActivation(seen, false), "activate-iam-access");
    if (applied.ok()) break;
    ++aborted;
    ASSERT_EQ(applied.status().code(), absl::StatusCode::kAborted) << applied.status();
    EXPECT_EQ(ServerErrorReason(applied.status()), "ETAG_MISMATCH");
    std::vector<std::string> fields = ServerErrorFields(applied.status());
    EXPECT_FALSE(fields.empty());
    for (const std::string& f : fields) EXPECT_TRUE(std::regex_match(f, item)) << f;
    // Only the controller turns IAM access on, so any member with it on
    // would be a piece of a failed batch.
    EXPECT_EQ(ListAllAccounts(admin()).IamAccessOn(), 1) << "attempt " << attempt;
  }
  writer.join();
  ASSERT_TRUE(applied.ok()) << applied.status();
  std::printf("bulk write beside %d concurrent writes: %d attempts aborted, then applied\n",
              writes.load(), aborted);
  RecordProperty("aborted_attempts", aborted);
  AccountList after = ListAllAccounts(admin(), applied->revision());
  EXPECT_EQ(after.IamAccessOn(), kMembers + 1);
  // The other writer's changes are all there too (none was lost to the bulk).
  // (j * 37) % 1000 differs for every j < 1000: one write per account.
  for (int j = 0; j < kWrites; ++j) {
    EXPECT_EQ(after.accounts[Member((j * 37) % kMembers)].settings().console_action_set(),
              j % 2 == 0 ? pdp::v1::LEGACY : pdp::v1::FINE_GRAINED)
        << Member((j * 37) % kMembers);
  }
}

// Reads batches until the stream has delivered `n` of them.
std::vector<pdp::v1::WatchResponse> Take(ChangeWatch& watch, size_t n) {
  std::vector<pdp::v1::WatchResponse> out;
  pdp::v1::WatchResponse batch;
  while (out.size() < n && watch.Next(&batch)) out.push_back(batch);
  return out;
}

TEST_F(OrganizationControllerTest, AWatchFromTheOrganizationsCreationResumesWithoutGapOrRepeat) {
  std::unique_ptr<ChangeWatch> watch = admin().Watch(org_revision_);
  std::vector<pdp::v1::WatchResponse> first = Take(*watch, 2);
  ASSERT_EQ(first.size(), 2u) << watch->Finish();
  EXPECT_EQ(first[0].revision(), org_revision_);
  EXPECT_EQ(first[0].request_id(), "org-setup");
  EXPECT_TRUE(first[0].changes(3).has_create_organization());
  EXPECT_EQ(first[1].revision(), org_revision_ + 1);
  EXPECT_EQ(first[1].request_id(), "members");
  ASSERT_EQ(first[1].changes_size(), kMembers);
  EXPECT_EQ(first[1].changes(999).create_member_account().account_id(), Member(999));
  watch->Cancel();  // the controller disconnects
  EXPECT_EQ(watch->Finish().code(), absl::StatusCode::kCancelled);
  const int64_t resume = watch->next_revision();
  EXPECT_EQ(resume, org_revision_ + 2);

  // While it is away: the bulk activation and a move of the sandbox members.
  auto activated =
      admin().ApplyChanges(BulkActivation(ListAllAccounts(admin()), false), "activate-iam-access");
  ASSERT_TRUE(activated.ok()) << activated.status();
  std::vector<pdp::v1::Change> moves;
  for (int i = 0; i < kSandboxMembers; ++i) {
    pdp::v1::Change c;
    c.mutable_move_account()->set_organization_id(kOrg);
    c.mutable_move_account()->set_account_id(Member(i));
    c.mutable_move_account()->set_destination_parent_id(kFinance);
    moves.push_back(c);
  }
  auto moved = admin().ApplyChanges(moves, "moves");
  ASSERT_TRUE(moved.ok()) << moved.status();

  std::unique_ptr<ChangeWatch> resumed = admin().Watch(resume);
  std::vector<pdp::v1::WatchResponse> rest = Take(*resumed, 3);
  ASSERT_EQ(rest.size(), 3u) << resumed->Finish();
  EXPECT_EQ(rest[0].revision(), built_revision_);
  EXPECT_EQ(rest[0].request_id(), "admins");
  EXPECT_EQ(rest[1].revision(), activated->revision());
  EXPECT_EQ(rest[1].request_id(), "activate-iam-access");
  ASSERT_EQ(rest[1].changes_size(), kMembers);
  EXPECT_EQ(rest[1].changes(0).update_account_settings().account_id(), Member(0));
  EXPECT_EQ(rest[2].revision(), moved->revision());
  EXPECT_EQ(rest[2].request_id(), "moves");
  // Nothing between or after them: the next batch is the next write, live.
  auto marker = admin().ApplyChanges(
      {User("arn:aws:iam::" + Member(1) + ":user/marker", kBillingReadOnly)}, "marker");
  ASSERT_TRUE(marker.ok()) << marker.status();
  std::vector<pdp::v1::WatchResponse> live = Take(*resumed, 1);
  ASSERT_EQ(live.size(), 1u) << resumed->Finish();
  EXPECT_EQ(live[0].revision(), moved->revision() + 1);
  EXPECT_EQ(live[0].request_id(), "marker");
  std::vector<int64_t> revisions;
  for (const auto* list : {&first, &rest, &live}) {
    for (const auto& b : *list) revisions.push_back(b.revision());
  }
  std::vector<int64_t> want;
  for (int64_t r = org_revision_; r <= marker->revision(); ++r) want.push_back(r);
  EXPECT_EQ(revisions, want);
}

TEST_F(OrganizationControllerTest, AnScpOnAnOuDeniesMembersButNeverTheManagementAccount) {
  // The sandbox administrators can use billing first.
  std::vector<pdp::v1::Change> sandbox_on;
  for (int i = 0; i < kSandboxMembers; ++i) sandbox_on.push_back(ActivateIamAccess(Member(i)));
  ASSERT_TRUE(admin().ApplyChanges(sandbox_on).ok());

  pdp::v1::Change create;
  auto* scp = create.mutable_create_scp();
  scp->set_organization_id(kOrg);
  scp->set_policy_id("p-denybilling");
  scp->set_name("DenyBilling");
  scp->set_document(R"({"Version": "2012-10-17", "Statement": [{"Effect": "Deny",
      "Action": ["aws-portal:*", "billing:*", "invoicing:*", "payments:*", "ce:*", "tax:*",
                 "budgets:*", "cur:*", "purchase-orders:*", "account:*", "freetier:*",
                 "consolidatedbilling:*", "savingsplans:*", "cost-optimization-hub:*"],
      "Resource": "*"}]})");
  pdp::v1::Change attach;
  attach.mutable_attach_scp()->set_organization_id(kOrg);
  attach.mutable_attach_scp()->set_policy_id("p-denybilling");
  attach.mutable_attach_scp()->set_target_id(kSandbox);

  // WhatIf over the whole organization (the default for organization changes).
  int64_t before_revision = 0;
  ASSERT_TRUE(admin().Call(&Stub::ListAccounts, pdp::v1::ListRequest(), &before_revision).ok());
  ClientOptions slow = options_;
  slow.timeout = std::chrono::milliseconds(30000);
  auto start = Clock::now();
  auto what_if = AuthorizationClient(slow).WhatIf(WhatIfQuery{.changes = {create, attach}});
  const double what_if_seconds = SecondsSince(start);
  ASSERT_TRUE(what_if.ok()) << what_if.status();
  std::printf("WhatIf of an SCP over 1,001 accounts: %.2f s, %d differences\n", what_if_seconds,
              what_if->differences_size());
  EXPECT_FALSE(what_if->differences_truncated());
  ASSERT_EQ(what_if->change_results_size(), 2);
  EXPECT_EQ(what_if->change_results(1).name(), "p-denybilling");
  std::set<std::string> losing;
  for (const auto& d : what_if->differences()) {
    EXPECT_EQ(d.after().effect(), pdp::v1::DENY) << d.principal() << " " << d.page_id();
    EXPECT_EQ(d.after().reason(), pdp::v1::SCP_DENY) << d.principal() << " " << d.page_id();
    if (d.before().effect() == pdp::v1::ALLOW) losing.insert(d.principal());
  }
  std::vector<std::string> want;
  for (int i = 0; i < kSandboxMembers; ++i) {
    want.push_back(RootOf(Member(i)));
    want.push_back(AdminOf(Member(i)));
  }
  EXPECT_THAT(losing, UnorderedElementsAreArray(want))
      << "the sandbox members' principals, and no one in the management account";
  int64_t after_revision = 0;
  ASSERT_TRUE(admin().Call(&Stub::ListAccounts, pdp::v1::ListRequest(), &after_revision).ok());
  EXPECT_EQ(after_revision, before_revision) << "WhatIf must not commit";
  EXPECT_EQ(AuthorizePage(RootOf(Member(3))).reason, pdp::v1::ROOT_USER);

  auto applied = admin().ApplyChanges({create, attach});
  ASSERT_TRUE(applied.ok()) << applied.status();
  const int64_t revision = applied->revision();
  EXPECT_EQ(AuthorizePage(RootOf(Member(3)), revision).reason, pdp::v1::SCP_DENY);
  EXPECT_EQ(AuthorizePage(AdminOf(Member(3)), revision).reason, pdp::v1::SCP_DENY);
  const Decision management = AuthorizePage(RootOf(kManagement), revision);
  EXPECT_TRUE(management.allowed);
  EXPECT_EQ(management.reason, pdp::v1::ROOT_USER) << "the management account is never limited";
  EXPECT_EQ(AuthorizePage(AdminOf(kManagement), revision).reason, pdp::v1::ALLOWED_BY_POLICY);
  EXPECT_EQ(AuthorizePage(RootOf(Member(kSandboxMembers)), revision).reason, pdp::v1::ROOT_USER)
      << "a member outside the OU";
}

TEST_F(OrganizationControllerTest, CostExplorerSettingsAreTheManagementAccounts) {
  const std::string member_root = RootOf(Member(42));
  EXPECT_EQ(AuthorizePage(member_root, 0, "billing_cost_explorer").reason,
            pdp::v1::COST_EXPLORER_NOT_ENABLED);

  auto member = admin().Call(&Stub::UpdateAccountSettings, CostExplorer(Member(42), member_root));
  EXPECT_EQ(member.status().code(), absl::StatusCode::kFailedPrecondition) << member.status();
  EXPECT_EQ(ServerErrorReason(member.status()), "MANAGED_BY_ORGANIZATION");
  EXPECT_THAT(ServerErrorFields(member.status()), ElementsAre("update_mask"));

  auto viewer = admin().Call(&Stub::UpdateAccountSettings,
                             CostExplorer(kManagement, "arn:aws:iam::100000000000:user/viewer"));
  EXPECT_EQ(viewer.status().code(), absl::StatusCode::kPermissionDenied) << viewer.status();
  EXPECT_EQ(ServerErrorReason(viewer.status()), "NOT_AUTHORIZED");
  EXPECT_THAT(ServerErrorFields(viewer.status()), ElementsAre("actor"));
  EXPECT_EQ(AuthorizePage(member_root, 0, "billing_cost_explorer").reason,
            pdp::v1::COST_EXPLORER_NOT_ENABLED)
      << "nothing changed";

  // The management account's administrator may (ce:UpdatePreferences).
  int64_t revision = 0;
  auto enabled = admin().Call(&Stub::UpdateAccountSettings,
                              CostExplorer(kManagement, AdminOf(kManagement)), &revision);
  ASSERT_TRUE(enabled.ok()) << enabled.status();
  EXPECT_TRUE(enabled->settings().cost_explorer_enabled());
  EXPECT_EQ(AuthorizePage(member_root, revision, "billing_cost_explorer").reason,
            pdp::v1::ROOT_USER);
}

}  // namespace
}  // namespace pdp::testing
