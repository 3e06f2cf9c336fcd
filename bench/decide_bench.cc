// Micro-benchmarks of the decision engine: pdp::Decide() and
// pdp::DecideAllPages() on the demo world (data/demo-world.yaml) and on
// synthetic worlds of growing size. No gRPC, no serialization: this is the
// cost of one decision on an already published snapshot.
//
// Every benchmark checks once, before its timed loop, that the request gets
// the decision it is meant to measure (effect and reason) and stops with
// SkipWithError otherwise, so a change in the data or the engine cannot make
// a benchmark silently measure a different (usually cheaper) path.
//
//   decide_bench --benchmark_min_time=0.5 --benchmark_repetitions=3
//                --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "engine/decide/decide.h"
#include "engine/write/snapshot_builder.h"
#include "nlohmann/json.hpp"
#include "pdp/v1/authorization.pb.h"
#include "server/wire/change_from_wire.h"
#include "server/wire/wire_decide.h"
#include "world/world_file.h"

#ifndef PDP_SOURCE_DIR
#error "PDP_SOURCE_DIR must name the source tree (for data/)"
#endif

namespace pdp {
namespace {

using pdp::v1::AuthorizeRequest;
using pdp::v1::Decision;
using pdp::v1::Effect;
using pdp::v1::Reason;

constexpr absl::string_view kDave = "arn:aws:iam::111111111111:user/dave";
constexpr absl::string_view kBob = "arn:aws:iam::111111111111:user/auditor-bob";
constexpr absl::string_view kRoot = "arn:aws:iam::111111111111:root";
constexpr absl::string_view kNewcomerAdmin = "arn:aws:iam::222222222222:user/admin";

std::string DataPath(absl::string_view file) {
  return absl::StrCat(PDP_SOURCE_DIR, "/data/", file);
}

// The empty world (catalogue + AWS managed policies), loaded once.
const absl::StatusOr<SnapshotPtr>& InitialSnapshot() {
  static const absl::StatusOr<SnapshotPtr>* initial = [] {
    auto catalog = PageCatalog::FromFile(DataPath("page-catalog.json"));
    if (!catalog.ok()) return new absl::StatusOr<SnapshotPtr>(catalog.status());
    auto aws = LoadAwsManagedPoliciesFile(DataPath("aws-managed-policies.json"));
    if (!aws.ok()) return new absl::StatusOr<SnapshotPtr>(aws.status());
    return new absl::StatusOr<SnapshotPtr>(Snapshot::Initial(*catalog, *aws));
  }();
  return *initial;
}

absl::StatusOr<SnapshotPtr> ApplyAll(const std::vector<pdp::v1::Change>& changes) {
  const absl::StatusOr<SnapshotPtr>& initial = InitialSnapshot();
  if (!initial.ok()) return initial.status();
  // The same limits for every world; the synthetic one stays inside AWS's
  // default quotas (3 groups per user, at most 3 policies per group).
  SnapshotBuilder builder(*initial);
  for (const pdp::v1::Change& c : changes) {
    absl::Status s = ApplyWireChange(builder, c);
    if (!s.ok()) return s;
  }
  return builder.Finish();
}

// A world file of data/ (demo-world.yaml, demo-org-world.yaml), built once.
const absl::StatusOr<SnapshotPtr>& DataWorld(const std::string& file) {
  static auto* worlds = new std::map<std::string, absl::StatusOr<SnapshotPtr>>();
  auto it = worlds->find(file);
  if (it == worlds->end()) {
    auto changes = ReadWorldFile(DataPath(file));
    it = worlds
             ->emplace(file, changes.ok() ? ApplyAll(*changes)
                                          : absl::StatusOr<SnapshotPtr>(changes.status()))
             .first;
  }
  return it->second;
}

AuthorizeRequest PageRequest(absl::string_view principal, absl::string_view page,
                             pdp::v1::Access access) {
  AuthorizeRequest r;
  r.set_principal(std::string(principal));
  r.mutable_page()->set_page_id(std::string(page));
  r.mutable_page()->set_access(access);
  return r;
}

AuthorizeRequest ActionRequest(absl::string_view principal, absl::string_view action,
                               absl::string_view resource) {
  AuthorizeRequest r;
  r.set_principal(std::string(principal));
  r.mutable_action()->set_action(std::string(action));
  r.mutable_action()->set_resource(std::string(resource));
  return r;
}

// `world`, or null after marking `state` skipped with why it is missing.
const Snapshot* WorldOrSkip(benchmark::State& state, const absl::StatusOr<SnapshotPtr>& world) {
  if (!world.ok()) {
    state.SkipWithError(world.status().ToString().c_str());
    return nullptr;
  }
  return world->get();
}

// A data/ world (by default the demo world), or null (see WorldOrSkip).
const Snapshot* DemoOrSkip(benchmark::State& state, const std::string& file = "demo-world.yaml") {
  return WorldOrSkip(state, DataWorld(file));
}

// Empty when `request` gets `effect`/`reason` on `snapshot`, else what it got.
std::string CheckDecision(const Snapshot& snapshot, const AuthorizeRequest& request, Effect effect,
                          Reason reason) {
  absl::StatusOr<Decision> d = Decide(snapshot, request);
  if (!d.ok()) return absl::StrCat("Decide failed: ", d.status().ToString());
  if (d->effect() != effect || d->reason() != reason) {
    return absl::StrCat("expected ", pdp::v1::Effect_Name(effect), "/",
                        pdp::v1::Reason_Name(reason), ", got ", pdp::v1::Effect_Name(d->effect()),
                        "/", pdp::v1::Reason_Name(d->reason()), " for ",
                        request.ShortDebugString());
  }
  return "";
}

// One Decide() per iteration on the demo world.
void BM_DemoDecide(benchmark::State& state, AuthorizeRequest request, Effect effect, Reason reason,
                   bool explain) {
  const Snapshot* demo = DemoOrSkip(state);
  if (demo == nullptr) return;
  const Snapshot& snapshot = *demo;
  if (std::string err = CheckDecision(snapshot, request, effect, reason); !err.empty()) {
    state.SkipWithError(err.c_str());
    return;
  }
  if (explain) {
    pdp::v1::Explanation ex;
    absl::StatusOr<Decision> d = Decide(snapshot, request, &ex);
    if (!d.ok() || d->effect() != effect || ex.gates_size() == 0 || ex.actions_size() == 0) {
      state.SkipWithError("Decide with an explanation gave no gates or no actions");
      return;
    }
    state.counters["gates"] = ex.gates_size();
    int statements = 0;
    for (const auto& a : ex.actions()) statements += a.statements_size();
    state.counters["statements"] = statements;
  }
  for (auto _ : state) {
    if (explain) {
      // A fresh Explanation per call, as the Explain RPC builds one.
      pdp::v1::Explanation ex;
      absl::StatusOr<Decision> d = Decide(snapshot, request, &ex);
      benchmark::DoNotOptimize(d);
      benchmark::DoNotOptimize(ex);
    } else {
      absl::StatusOr<Decision> d = Decide(snapshot, request);
      benchmark::DoNotOptimize(d);
    }
  }
}

// (a) the headline: a user with two groups (Billing, AWSBillingReadOnlyAccess
// and an inline policy) viewing a page that needs three actions, plus the
// page's four features (five more actions): 8 actions evaluated.
BENCHMARK_CAPTURE(BM_DemoDecide, a_dave_view_billing_bills,
                  PageRequest(kDave, "billing_bills", pdp::v1::VIEW), pdp::v1::ALLOW,
                  pdp::v1::ALLOWED_BY_POLICY, false);
// A page with four required VIEW actions.
BENCHMARK_CAPTURE(BM_DemoDecide, a_dave_view_billing_payments,
                  PageRequest(kDave, "billing_payments", pdp::v1::VIEW), pdp::v1::ALLOW,
                  pdp::v1::ALLOWED_BY_POLICY, false);
// (b) MODIFY: view + modify actions, and VIEW and MODIFY features.
BENCHMARK_CAPTURE(BM_DemoDecide, b_dave_modify_billing_budgets,
                  PageRequest(kDave, "billing_budgets", pdp::v1::MODIFY), pdp::v1::ALLOW,
                  pdp::v1::ALLOWED_BY_POLICY, false);
// (c) the root user: no policy evaluation at all.
BENCHMARK_CAPTURE(BM_DemoDecide, c_root_view_billing_bills,
                  PageRequest(kRoot, "billing_bills", pdp::v1::VIEW), pdp::v1::ALLOW,
                  pdp::v1::ROOT_USER, false);
// (d) AdministratorAccess in an account without "Activate IAM Access".
BENCHMARK_CAPTURE(BM_DemoDecide, d_iam_access_gate_deny,
                  PageRequest(kNewcomerAdmin, "billing_bills", pdp::v1::VIEW), pdp::v1::DENY,
                  pdp::v1::IAM_ACCESS_NOT_ACTIVATED, false);
// (e) an explicit Deny (DenyPaymentMethods) beats AWSBillingReadOnlyAccess.
BENCHMARK_CAPTURE(BM_DemoDecide, e_bob_explicit_deny_payment_methods,
                  PageRequest(kBob, "billing_payment_methods", pdp::v1::VIEW), pdp::v1::DENY,
                  pdp::v1::EXPLICIT_DENY, false);
// (f) a raw API action on a resource ARN (resource patterns are matched).
BENCHMARK_CAPTURE(BM_DemoDecide, f_dave_raw_action_with_arn,
                  ActionRequest(kDave, "budgets:ViewBudget",
                                "arn:aws:budgets::111111111111:budget/monthly-total"),
                  pdp::v1::ALLOW, pdp::v1::ALLOWED_BY_POLICY, false);
// (h) the same request as (a) with an Explanation (every gate and statement).
BENCHMARK_CAPTURE(BM_DemoDecide, h_dave_view_billing_bills_explained,
                  PageRequest(kDave, "billing_bills", pdp::v1::VIEW), pdp::v1::ALLOW,
                  pdp::v1::ALLOWED_BY_POLICY, true);

// The engine's own API (decide.h), what the server's Authorize runs: the
// principal resolved, the page target found, a Verdict (features as bits)
// — every step per iteration, without the wire request or Decision. The
// same requests as the BM_DemoDecide cases of the same letter.
// One engine decision per iteration (resolve, target, decide), checked
// first against `reason`.
void EngineDecideLoop(benchmark::State& state, const Snapshot& snapshot,
                      absl::string_view principal, absl::string_view page_id, pdp::Access access,
                      pdp::Reason reason, const DecideOptions& options = {}) {
  const EmptyCallerContext context;
  auto decide = [&]() -> absl::StatusOr<Verdict> {
    ResolvedPrincipal resolved;
    Target target;
    absl::Status s = ResolvePrincipal(snapshot, principal, "", resolved);
    if (s.ok()) s = PageTarget(snapshot.catalog(), page_id, access, target);
    if (!s.ok()) return s;
    return pdp::Decide(snapshot, resolved, target, context, options);
  };
  absl::StatusOr<Verdict> first = decide();
  if (!first.ok() || first->reason != reason) {
    state.SkipWithError(absl::StrCat("expected reason ", static_cast<int>(reason), ", got ",
                                     first.ok() ? absl::StrCat(static_cast<int>(first->reason))
                                                : first.status().ToString())
                            .c_str());
    return;
  }
  for (auto _ : state) {
    ResolvedPrincipal resolved;
    Target target;
    benchmark::DoNotOptimize(ResolvePrincipal(snapshot, principal, "", resolved).ok());
    benchmark::DoNotOptimize(PageTarget(snapshot.catalog(), page_id, access, target).ok());
    Verdict v = pdp::Decide(snapshot, resolved, target, context, options);
    benchmark::DoNotOptimize(v);
  }
}

void BM_EngineDecide(benchmark::State& state, absl::string_view principal,
                     absl::string_view page_id, pdp::Access access, pdp::Reason reason) {
  const Snapshot* demo = DemoOrSkip(state);
  if (demo != nullptr) EngineDecideLoop(state, *demo, principal, page_id, access, reason);
}
BENCHMARK_CAPTURE(BM_EngineDecide, a_dave_view_billing_bills, kDave, "billing_bills",
                  pdp::Access::kView, pdp::Reason::kAllowedByPolicy);
BENCHMARK_CAPTURE(BM_EngineDecide, b_dave_modify_billing_budgets, kDave, "billing_budgets",
                  pdp::Access::kModify, pdp::Reason::kAllowedByPolicy);
BENCHMARK_CAPTURE(BM_EngineDecide, c_root_view_billing_bills, kRoot, "billing_bills",
                  pdp::Access::kView, pdp::Reason::kRootUser);
BENCHMARK_CAPTURE(BM_EngineDecide, d_iam_access_gate_deny, kNewcomerAdmin, "billing_bills",
                  pdp::Access::kView, pdp::Reason::kIamAccessNotActivated);
BENCHMARK_CAPTURE(BM_EngineDecide, e_bob_explicit_deny_payment_methods, kBob,
                  "billing_payment_methods", pdp::Access::kView, pdp::Reason::kExplicitDeny);

// (h) a member account's administrator, bound by the SCPs of three levels
// (data/demo-org-world.yaml: FullAWSAccess at the root, an OU's guardrails,
// a nested OU's Cost Explorer deny), VIEW of billing_bills: SCPs and
// identity policies from digests, next to the same decision evaluating
// statements.
void BM_OrgMemberDecide(benchmark::State& state, bool evaluate_statements) {
  const Snapshot* org = DemoOrSkip(state, "demo-org-world.yaml");
  if (org == nullptr) return;
  EngineDecideLoop(state, *org, "arn:aws:iam::444444444444:user/admin", "billing_bills",
                   pdp::Access::kView, pdp::Reason::kAllowedByPolicy,
                   {.evaluate_statements = evaluate_statements});
}
BENCHMARK_CAPTURE(BM_OrgMemberDecide, h_scp_bound_admin_digests, false);
BENCHMARK_CAPTURE(BM_OrgMemberDecide, h_scp_bound_admin_statements, true);

// (g) a batch as the server's BatchAuthorize runs it: one principal resolved
// once, then VIEW of 20 pages, each a Verdict. items_per_second counts
// decisions.
void BM_EngineBatchOf20Pages(benchmark::State& state) {
  const Snapshot* demo = DemoOrSkip(state);
  if (demo == nullptr) return;
  const Snapshot& snapshot = *demo;
  const EmptyCallerContext context;
  std::vector<const CatalogPage*> pages;
  for (const CatalogPage& page : snapshot.catalog().pages()) {
    if (pages.size() < 20) pages.push_back(&page);
  }
  if (pages.size() != 20) {
    state.SkipWithError("the catalogue has fewer than 20 pages");
    return;
  }
  int allowed = 0;
  for (auto _ : state) {
    ResolvedPrincipal resolved;
    benchmark::DoNotOptimize(ResolvePrincipal(snapshot, kDave, "", resolved).ok());
    for (const CatalogPage* page : pages) {
      Target target;
      target.page = page;
      Verdict v = pdp::Decide(snapshot, resolved, target, context);
      allowed += v.allowed();
      benchmark::DoNotOptimize(v);
    }
  }
  if (allowed == 0) state.SkipWithError("dave should be allowed some of the 20 pages");
  state.SetItemsProcessed(state.iterations() * 20);
}
BENCHMARK(BM_EngineBatchOf20Pages)->Name("BM_EngineBatch/g_dave_20_pages");

// (g) VIEW and MODIFY of every catalogue page for one principal (what
// ListAccessiblePages does). items_per_second counts pages; each page is two
// decisions.
void BM_DemoDecideAllPages(benchmark::State& state) {
  const Snapshot* demo = DemoOrSkip(state);
  if (demo == nullptr) return;
  const Snapshot& snapshot = *demo;
  pdp::v1::RequestContext context;
  const size_t pages = snapshot.catalog().pages().size();
  {
    auto all = DecideAllPages(snapshot, kDave, "", context);
    if (!all.ok() || all->size() != pages) {
      state.SkipWithError("DecideAllPages failed or returned the wrong number of pages");
      return;
    }
    // Page by page it must agree with Decide(), and dave must see some pages
    // and not others (otherwise this measures a degenerate case).
    int viewable = 0;
    for (const PageDecision& pd : *all) {
      absl::StatusOr<Decision> one =
          Decide(snapshot, PageRequest(kDave, pd.page->id, pdp::v1::VIEW));
      if (!one.ok() || one->effect() != pd.view.effect() || one->reason() != pd.view.reason()) {
        state.SkipWithError(
            absl::StrCat("DecideAllPages disagrees with Decide on ", pd.page->id).c_str());
        return;
      }
      viewable += pd.view.effect() == pdp::v1::ALLOW;
    }
    if (viewable == 0 || viewable == static_cast<int>(pages)) {
      state.SkipWithError("dave should be able to view some pages but not all");
      return;
    }
    state.counters["pages"] = static_cast<double>(pages);
    state.counters["viewable"] = viewable;
  }
  for (auto _ : state) {
    auto all = DecideAllPages(snapshot, kDave, "", context);
    benchmark::DoNotOptimize(all);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(pages));
  // Time per page (VIEW + MODIFY), shown in seconds with an SI prefix.
  state.counters["time_per_page"] =
      benchmark::Counter(static_cast<double>(pages), benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}
BENCHMARK(BM_DemoDecideAllPages)->Name("BM_DemoDecideAllPages/g_dave_all_pages");

// ---- synthetic worlds: scaling with the number of users
//
// One account (444444444444, IAM access on), 20 groups with 2 or 3 policies
// each, and N users each in 3 of the 20 groups, so every user has 6 to 9
// policies: a mix of AWS managed (large documents, with wildcards) and
// customer managed ones (literal actions, action wildcards, resource ARNs, a
// conditional allow and an explicit deny of unrelated actions). Every customer
// policy allows the actions billing_bills needs, so the expected decision is
// ALLOW / ALLOWED_BY_POLICY for every user, while no statement of the
// evaluation is skipped (the engine scans all policies unless a deny matches).

constexpr absl::string_view kSyntheticAccount = "444444444444";
constexpr int kSyntheticGroups = 20;

std::string SyntheticUserArn(int i) {
  return absl::StrFormat("arn:aws:iam::%s:user/synthetic/user-%05d", kSyntheticAccount, i);
}

nlohmann::json CustomerPolicyDocument(int g) {
  using nlohmann::json;
  static const char* const kServices[] = {"ce", "budgets", "cur", "savingsplans", "account"};
  const char* service = kServices[g % 5];
  json statements = json::array();
  statements.push_back({{"Sid", "BillingView"},
                        {"Effect", "Allow"},
                        {"Action",
                         {"billing:GetBillingData", "billing:GetBillingDetails",
                          "invoicing:ListInvoiceSummaries", "billing:GetSellerOfRecord"}},
                        {"Resource", "*"}});
  statements.push_back({{"Sid", absl::StrCat("Team", g, "Reads")},
                        {"Effect", "Allow"},
                        {"Action",
                         {absl::StrCat(service, ":Get*"), absl::StrCat(service, ":List*"),
                          absl::StrCat(service, ":Describe*")}},
                        {"Resource", "*"}});
  statements.push_back({{"Sid", absl::StrCat("Team", g, "Budgets")},
                        {"Effect", "Allow"},
                        {"Action", {"budgets:ViewBudget", "budgets:ModifyBudget"}},
                        {"Resource", absl::StrFormat("arn:aws:budgets::%s:budget/team-%02d-*",
                                                     kSyntheticAccount, g)}});
  statements.push_back({{"Sid", "MfaForPayments"},
                        {"Effect", "Allow"},
                        {"Action", {"payments:MakePayment"}},
                        {"Resource", "*"},
                        {"Condition", {{"Bool", {{"aws:MultiFactorAuthPresent", "true"}}}}}});
  statements.push_back({{"Sid", "NeverClose"},
                        {"Effect", "Deny"},
                        {"Action", {"account:CloseAccount", "account:PutAccountName"}},
                        {"Resource", "*"}});
  return {{"Version", "2012-10-17"}, {"Statement", statements}};
}

// The changes of a synthetic world with `users` users.
absl::StatusOr<std::vector<pdp::v1::Change>> SyntheticWorld(int users) {
  using nlohmann::json;
  static const char* const kAwsPolicies[] = {
      "arn:aws:iam::aws:policy/job-function/Billing",
      "arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess",
      "arn:aws:iam::aws:policy/ReadOnlyAccess",
      "arn:aws:iam::aws:policy/AWSBudgetsReadOnlyAccess",
      "arn:aws:iam::aws:policy/CostOptimizationHubReadOnlyAccess",
      "arn:aws:iam::aws:policy/AWSSavingsPlansReadOnlyAccess",
  };
  json world;
  world["accounts"] = json::array({{{"id", std::string(kSyntheticAccount)},
                                    {"name", "synthetic"},
                                    {"iam_access_to_billing", true},
                                    {"console_action_set", "FINE_GRAINED"}}});
  json policies = json::array();
  json groups = json::array();
  for (int g = 0; g < kSyntheticGroups; ++g) {
    std::string arn = absl::StrFormat("arn:aws:iam::%s:policy/team-%02d", kSyntheticAccount, g);
    policies.push_back({{"arn", arn}, {"document", CustomerPolicyDocument(g)}});
    json attached = json::array({arn, kAwsPolicies[g % 6]});
    // Every other group also holds the next team's policy: 2 or 3 policies.
    if (g % 2 == 0) {
      attached.push_back(absl::StrFormat("arn:aws:iam::%s:policy/team-%02d", kSyntheticAccount,
                                         (g + 1) % kSyntheticGroups));
    }
    groups.push_back(
        {{"arn", absl::StrFormat("arn:aws:iam::%s:group/teams/group-%02d", kSyntheticAccount, g)},
         {"attached_policies", attached},
         {"inline_policies", json::array()}});
  }
  json user_list = json::array();
  for (int i = 0; i < users; ++i) {
    // Three distinct groups per user, spread over all 20.
    int a = i % kSyntheticGroups;
    int b = (a + 1 + (i / kSyntheticGroups) % 9) % kSyntheticGroups;
    int c = (a + 11 + (i / 7) % 8) % kSyntheticGroups;
    if (c == b) c = (c + 1) % kSyntheticGroups;
    if (c == a) c = (c + 1) % kSyntheticGroups;
    user_list.push_back({{"arn", SyntheticUserArn(i)},
                         {"groups",
                          {absl::StrFormat("group-%02d", a), absl::StrFormat("group-%02d", b),
                           absl::StrFormat("group-%02d", c)}},
                         {"attached_policies", json::array()},
                         {"inline_policies", json::array()},
                         {"tags", {{"team", absl::StrCat("team-", a)}}}});
  }
  world["managed_policies"] = policies;
  world["groups"] = groups;
  world["users"] = user_list;
  return WorldToChanges(world.dump());
}

// Synthetic snapshots by user count, built on first use (not timed).
const absl::StatusOr<SnapshotPtr>& SyntheticSnapshot(int users) {
  static auto* cache = new std::map<int, absl::StatusOr<SnapshotPtr>>();
  auto it = cache->find(users);
  if (it == cache->end()) {
    auto changes = SyntheticWorld(users);
    it = cache
             ->emplace(users, changes.ok() ? ApplyAll(*changes)
                                           : absl::StatusOr<SnapshotPtr>(changes.status()))
             .first;
  }
  return it->second;
}

// One Decide() per iteration, billing_bills VIEW. Arg 0: users in the world.
// Arg 1: 0 = always the same user, 1 = a different user each call (round
// robin over all users: cold principal views, less cache-friendly).
void BM_SyntheticDecide(benchmark::State& state) {
  const int users = static_cast<int>(state.range(0));
  const bool rotate = state.range(1) != 0;
  const Snapshot* world = WorldOrSkip(state, SyntheticSnapshot(users));
  if (world == nullptr) return;
  const Snapshot& snapshot = *world;
  std::vector<AuthorizeRequest> requests;
  const int distinct = rotate ? users : 1;
  requests.reserve(distinct);
  for (int i = 0; i < distinct; ++i) {
    requests.push_back(
        PageRequest(SyntheticUserArn(rotate ? i : users / 2), "billing_bills", pdp::v1::VIEW));
  }
  for (const AuthorizeRequest& r : requests) {
    if (std::string err = CheckDecision(snapshot, r, pdp::v1::ALLOW, pdp::v1::ALLOWED_BY_POLICY);
        !err.empty()) {
      state.SkipWithError(err.c_str());
      return;
    }
  }
  // Policies per user (mean over the users decided on): 6 to 9 by
  // construction, 3 groups x 2-3 policies, fewer where two groups share one.
  const AccountState* account = snapshot.FindAccount(kSyntheticAccount);
  double bindings = 0;
  for (int i = 0; i < distinct; ++i) {
    const PrincipalView* view =
        account->FindView(IamArnKind::kUser, absl::StrFormat("user-%05d", rotate ? i : users / 2));
    if (view == nullptr) {
      state.SkipWithError("synthetic user has no principal view");
      return;
    }
    bindings += static_cast<double>(view->policies.size());
  }
  state.counters["policies_per_user"] = bindings / distinct;
  size_t next = 0;
  for (auto _ : state) {
    absl::StatusOr<Decision> d = Decide(snapshot, requests[next]);
    benchmark::DoNotOptimize(d);
    if (++next == requests.size()) next = 0;
  }
}
BENCHMARK(BM_SyntheticDecide)
    ->ArgNames({"users", "rotate"})
    ->Args({100, 0})
    ->Args({1000, 0})
    ->Args({10000, 0})
    ->Args({1000, 1})
    ->Args({10000, 1});

// The same worlds through the engine API (resolve, target, decide: what
// Authorize runs), with the principals' ARNs made before timing. This is the
// measure of "decision cost flat in world size": rotate:0 asks for one user
// of a world of 100 to 10,000 users; rotate:1 asks for each user in turn, so
// at 10,000 users the views, digests and map entries it reads no longer fit
// in the core's caches.
void BM_SyntheticEngine(benchmark::State& state) {
  const int users = static_cast<int>(state.range(0));
  const bool rotate = state.range(1) != 0;
  const Snapshot* world = WorldOrSkip(state, SyntheticSnapshot(users));
  if (world == nullptr) return;
  const Snapshot& snapshot = *world;
  const EmptyCallerContext context;
  std::vector<std::string> principals;
  for (int i = 0; i < (rotate ? users : 1); ++i) {
    principals.push_back(SyntheticUserArn(rotate ? i : users / 2));
  }
  Target target;
  if (!PageTarget(snapshot.catalog(), "billing_bills", pdp::Access::kView, target).ok()) {
    state.SkipWithError("no billing_bills page");
    return;
  }
  for (const std::string& principal : principals) {
    ResolvedPrincipal resolved;
    if (!ResolvePrincipal(snapshot, principal, "", resolved).ok() ||
        pdp::Decide(snapshot, resolved, target, context).reason != pdp::Reason::kAllowedByPolicy) {
      state.SkipWithError(absl::StrCat(principal, " is not ALLOWED_BY_POLICY").c_str());
      return;
    }
  }
  size_t next = 0;
  for (auto _ : state) {
    ResolvedPrincipal resolved;
    benchmark::DoNotOptimize(ResolvePrincipal(snapshot, principals[next], "", resolved).ok());
    Verdict v = pdp::Decide(snapshot, resolved, target, context);
    benchmark::DoNotOptimize(v);
    if (++next == principals.size()) next = 0;
  }
}
BENCHMARK(BM_SyntheticEngine)
    ->ArgNames({"users", "rotate"})
    ->Args({100, 0})
    ->Args({10000, 0})
    ->Args({100, 1})
    ->Args({1000, 1})
    ->Args({10000, 1});

// ---- hostile input -----------------------------------------------------------------
//
// The slow-decision pattern an adversarial test found: a StringLike pattern
// "*aaaa...b" (5,000 a's, legal within a managed policy's size) against
// context values made of 'a's. Greedy backtracking took 7.5 s for one 2 MB
// value; contexts are now bounded (2,048 bytes a value, 32 KiB in all) and
// long wildcard matches run on a bit-parallel automaton. (a) one maximal
// value; (b) nearly the whole context budget as 15 maximal values of a
// ForAnyValue: key.
const absl::StatusOr<SnapshotPtr>& HostileSnapshot() {
  static const absl::StatusOr<SnapshotPtr>* hostile = [] {
    const std::string pattern = "*" + std::string(5000, 'a') + "b";
    auto policy = [&](absl::string_view op) {
      return absl::StrCat(R"({"Version":"2012-10-17","Statement":[)",
                          R"({"Effect":"Allow","Action":"budgets:ViewBudget","Resource":"*"},)",
                          R"({"Effect":"Deny","Action":"budgets:ViewBudget","Resource":"*",)",
                          R"("Condition":{")", op, R"(":{"test:Value":")", pattern, R"("}}}]})");
    };
    std::vector<pdp::v1::Change> changes(3);
    auto* account = changes[0].mutable_create_account()->mutable_account();
    account->set_id("444444444444");
    account->mutable_settings()->set_iam_access_to_billing(true);
    int i = 1;
    for (absl::string_view op : {"StringLike", "ForAnyValue:StringLike"}) {
      auto* user = changes[i].mutable_put_role()->mutable_role();  // inline up to 10,240
      user->set_arn(absl::StrCat("arn:aws:iam::444444444444:role/u", i));
      auto* p = user->add_inline_policies();
      p->set_name("p");
      p->set_document(policy(op));
      ++i;
    }
    return new absl::StatusOr<SnapshotPtr>(ApplyAll(changes));
  }();
  return *hostile;
}

void BM_HostileDecide(benchmark::State& state, int user, int values) {
  const absl::StatusOr<SnapshotPtr>& hostile = HostileSnapshot();
  if (!hostile.ok()) {
    state.SkipWithError(hostile.status().ToString().c_str());
    return;
  }
  AuthorizeRequest request = ActionRequest(absl::StrCat("arn:aws:iam::444444444444:role/u", user),
                                           "budgets:ViewBudget", "");
  auto& v = (*request.mutable_context()->mutable_keys())["test:Value"];
  for (int i = 0; i < values; ++i) v.add_values(std::string(2048, 'a'));
  if (std::string err =
          CheckDecision(**hostile, request, pdp::v1::ALLOW, pdp::v1::ALLOWED_BY_POLICY);
      !err.empty()) {
    state.SkipWithError(err.c_str());
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<Decision> d = Decide(**hostile, request);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK_CAPTURE(BM_HostileDecide, a_wildcard_5000_vs_one_2KiB_value, 1, 1);
BENCHMARK_CAPTURE(BM_HostileDecide, b_wildcard_5000_vs_15_2KiB_values, 2, 15);

}  // namespace
}  // namespace pdp

BENCHMARK_MAIN();
