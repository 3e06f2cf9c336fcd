// Scale benchmark (not a test): a world of 100,000 accounts, 1,000,000
// principals and 100,000 customer managed policies written through
// WorldState into a store, then loaded back, then written to; and, over
// PostgreSQL, the time a write on one replica takes to be visible on
// another. One phase per process, so resident memory is the phase's own:
//
//   scale_bench --phase populate --store SPEC [--accounts N]
//       (then writes a checkpoint, measuring how long readers and writers
//       wait meanwhile, against the same without one)
//   scale_bench --phase load     --store SPEC [--from log]
//       (load time from the newest checkpoint, or with --from log by
//       replaying the whole log as before checkpoints; memory; writes)
//   scale_bench --phase replicas --store postgres:CONNINFO
//
// bench/scale.sh runs them in order for SQLite and PostgreSQL.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "engine/model/page_catalog.h"
#include "engine/model/snapshot.h"
#include "server/app/change_follower.h"
#include "server/app/checkpointer.h"
#include "server/app/thread_priority.h"
#include "server/app/world_state.h"
#include "server/store/checkpoint_io.h"
#include "server/store/open_store.h"

namespace {

using pdp::v1::Change;

struct Options {
  std::string phase, store;
  int accounts = 100000;
  int users_per_account = 9;  // + 1 role = 10 principals per account
  int accounts_per_batch = 1000;
  std::string from = "checkpoint";                         // load: "checkpoint" or "log"
  size_t chunk_bytes = pdp::kDefaultCheckpointChunkBytes;  // populate: --chunk-kib
  // populate: --checkpoint-mibps (default: the server's rate)
  size_t checkpoint_bytes_per_second = pdp::CheckpointOptions{}.max_bytes_per_second;
};

std::string AccountId(int i) { return absl::StrFormat("5%011d", i); }

std::string PolicyDoc(int i) {
  // Small variations so policies are not all byte-identical.
  return absl::StrCat(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["billing:Get*","ce:GetCostAndUsage","budgets:ViewBudget"],"Resource":"*"},{"Effect":"Deny","Action":"payments:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"finance-)",
      i % 97, R"("}}}]})");
}

// Account i's root user turns IAM access on or off.
pdp::v1::UpdateAccountSettingsRequest SetIamAccess(int i, bool on) {
  pdp::v1::UpdateAccountSettingsRequest u;
  u.set_account_id(AccountId(i));
  u.set_actor(absl::StrCat("arn:aws:iam::", AccountId(i), ":root"));
  u.mutable_settings()->set_iam_access_to_billing(on);
  u.add_update_mask("iam_access_to_billing");
  return u;
}

std::vector<Change> AccountBatch(int first, int count, int users) {
  std::vector<Change> out;
  for (int i = first; i < first + count; ++i) {
    const std::string a = AccountId(i);
    Change c;
    auto* acct = c.mutable_create_account()->mutable_account();
    acct->set_id(a);
    acct->set_name(absl::StrCat("scale-", i));
    acct->mutable_settings()->set_iam_access_to_billing(i % 3 != 0);
    acct->mutable_settings()->set_cost_explorer_enabled(true);
    out.push_back(c);
    Change p;
    p.mutable_create_policy()->set_arn(absl::StrCat("arn:aws:iam::", a, ":policy/team-billing"));
    p.mutable_create_policy()->set_document(PolicyDoc(i));
    out.push_back(p);
    Change g;
    g.mutable_put_group()->mutable_group()->set_arn(
        absl::StrCat("arn:aws:iam::", a, ":group/billing"));
    g.mutable_put_group()->mutable_group()->add_attached_policies(
        absl::StrCat("arn:aws:iam::", a, ":policy/team-billing"));
    out.push_back(g);
    for (int u = 0; u < users; ++u) {
      Change uc;
      auto* user = uc.mutable_put_user()->mutable_user();
      user->set_arn(absl::StrCat("arn:aws:iam::", a, ":user/user", u));
      user->add_groups("billing");
      if (u == 0) user->add_attached_policies("arn:aws:iam::aws:policy/AdministratorAccess");
      (*user->mutable_tags())["team"] = absl::StrCat("finance-", u % 4);
      out.push_back(uc);
    }
    Change r;
    r.mutable_put_role()->mutable_role()->set_arn(
        absl::StrCat("arn:aws:iam::", a, ":role/auditor"));
    r.mutable_put_role()->mutable_role()->add_attached_policies(
        "arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess");
    out.push_back(r);
  }
  return out;
}

long RssKb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field));
  }
  return -1;
}

// CPU time of the process so far (all threads), seconds.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

pdp::SnapshotPtr Initial() {
  auto catalog = pdp::PageCatalog::FromFile(PDP_SOURCE_DIR "/data/page-catalog.json");
  auto aws = pdp::LoadAwsManagedPoliciesFile(PDP_SOURCE_DIR "/data/aws-managed-policies.json");
  if (!catalog.ok() || !aws.ok()) {
    std::fprintf(stderr, "scale_bench: cannot load data/\n");
    std::exit(1);
  }
  return pdp::Snapshot::Initial(*catalog, *aws);
}

std::unique_ptr<pdp::Store> Open(const std::string& spec) {
  auto store = pdp::OpenStore(spec);
  if (!store.ok()) {
    std::fprintf(stderr, "scale_bench: %s\n", std::string(store.status().message()).c_str());
    std::exit(1);
  }
  return std::move(*store);
}

void Check(const absl::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "scale_bench: %s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

size_t Principals(const pdp::Snapshot& s) {
  size_t n = 0;
  for (const auto& [id, a] : s.accounts()) n += a->views.size();
  return n;
}

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// The store, noting the longest commit and checkpoint chunk insert (where
// a writer waits on the store, not on the checkpoint's reading).
class TimedStore : public pdp::Store {
 public:
  explicit TimedStore(pdp::Store* inner) : inner_(inner) {}
  absl::Status Commit(const pdp::StoredBatch& batch) override {
    return Timed(commit_max_ms_, [&] { return inner_->Commit(batch); });
  }
  absl::Status ReadFrom(int64_t from, int64_t to, const ReadFn& fn, bool with_changes) override {
    return inner_->ReadFrom(from, to, fn, with_changes);
  }
  absl::Status ReadRequestOutcomes(int64_t through, size_t limit, const ReadFn& fn) override {
    return inner_->ReadRequestOutcomes(through, limit, fn);
  }
  absl::Status PutCheckpointChunk(int64_t revision, int seq, const std::string& bytes) override {
    return Timed(chunk_max_ms_, [&] { return inner_->PutCheckpointChunk(revision, seq, bytes); });
  }
  absl::Status PutCheckpointManifest(int64_t revision, const std::string& bytes) override {
    return inner_->PutCheckpointManifest(revision, bytes);
  }
  absl::StatusOr<pdp::CheckpointListing> ListCheckpoints() override {
    return inner_->ListCheckpoints();
  }
  absl::StatusOr<int64_t> CompactedThrough() override { return inner_->CompactedThrough(); }
  bool IsShared() const override { return inner_->IsShared(); }

  // The longest commit and chunk insert since the last call, in ms.
  std::pair<double, double> TakeMax() {
    return {commit_max_ms_.exchange(0), chunk_max_ms_.exchange(0)};
  }

 private:
  template <typename Fn>
  absl::Status Timed(std::atomic<double>& max, Fn fn) {
    auto t0 = std::chrono::steady_clock::now();
    absl::Status s = fn();
    double ms = Ms(std::chrono::steady_clock::now() - t0);
    double seen = max.load();
    while (ms > seen && !max.compare_exchange_weak(seen, ms)) {
    }
    return s;
  }
  pdp::Store* inner_;
  std::atomic<double> commit_max_ms_{0}, chunk_max_ms_{0};
};

// The store as it was before checkpoints: lists none, so Recover()
// replays the whole log (the load phase's --from log).
class LogOnlyStore : public pdp::Store {
 public:
  explicit LogOnlyStore(pdp::Store* inner) : inner_(inner) {}
  absl::Status Commit(const pdp::StoredBatch& batch) override { return inner_->Commit(batch); }
  absl::Status ReadFrom(int64_t from, int64_t to, const ReadFn& fn, bool with_changes) override {
    return inner_->ReadFrom(from, to, fn, with_changes);
  }
  absl::Status ReadRequestOutcomes(int64_t through, size_t limit, const ReadFn& fn) override {
    return inner_->ReadRequestOutcomes(through, limit, fn);
  }
  absl::StatusOr<int64_t> CompactedThrough() override { return inner_->CompactedThrough(); }
  bool IsShared() const override { return inner_->IsShared(); }

 private:
  pdp::Store* inner_;
};

struct Blocking {
  double reader_max_gap_ms = 0;  // longest time between two reads' starts
  long reads = 0;
  double write_max_ms = 0, write_p50_ms = 0;  // single-change WorldState::Apply
  int writes = 0;
};

// Runs a reader (Current() + FindAccount + a principal's view, in a tight
// loop) and a writer (a single-change Apply every 2 ms) while `work` runs,
// and reports the worst each waited.
template <typename Work>
Blocking MeasureBlocking(pdp::WorldState& state, int accounts, Work work) {
  using Clock = std::chrono::steady_clock;
  std::atomic<bool> stop{false};
  Blocking b;
  std::thread reader([&] {
    Clock::time_point prev = Clock::now();
    double worst = 0;
    long n = 0;
    size_t found = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      pdp::SnapshotPtr s = state.Current();
      const pdp::AccountState* a = s->FindAccount(AccountId(static_cast<int>(n % accounts)));
      if (a != nullptr) found += a->views.count("user/user1");
      Clock::time_point now = Clock::now();
      worst = std::max(worst, Ms(now - prev));
      prev = now;
      ++n;
    }
    if (found == 0) std::fprintf(stderr, "scale_bench: reader found nothing\n");
    b.reader_max_gap_ms = worst;
    b.reads = n;
  });
  std::thread writer([&] {
    std::vector<double> ms;
    for (int i = 0; !stop.load(std::memory_order_relaxed); ++i) {
      std::vector<Change> one(1);
      *one[0].mutable_update_account_settings() = SetIamAccess(i % accounts, i % 2 == 0);
      Clock::time_point t0 = Clock::now();
      Check(state.Apply(one).status(), "single write");
      ms.push_back(Ms(Clock::now() - t0));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    std::sort(ms.begin(), ms.end());
    b.writes = static_cast<int>(ms.size());
    if (!ms.empty()) {
      b.write_p50_ms = ms[ms.size() / 2];
      b.write_max_ms = ms.back();
    }
  });
  work();
  stop = true;
  reader.join();
  writer.join();
  return b;
}

void PrintBlocking(const std::string& spec, const char* during, const Blocking& b,
                   TimedStore& store) {
  auto [commit_max, chunk_max] = store.TakeMax();
  std::printf(
      "blocking %s %s: reads max gap %.2f ms (%ld reads); single-change writes p50 %.2f ms, max "
      "%.2f ms (%d writes; longest store commit %.2f ms, chunk insert %.2f ms)\n",
      spec.c_str(), during, b.reader_max_gap_ms, b.reads, b.write_p50_ms, b.write_max_ms, b.writes,
      commit_max, chunk_max);
}

// Writes a checkpoint of the populated world while a reader and a writer
// run, then runs them as long again without one.
void CheckpointUnderLoad(const Options& o, pdp::WorldState& state, TimedStore& store) {
  const std::string spec = pdp::StoreSpecForLog(o.store);
  double secs = 0;
  int64_t revision = 0;
  Blocking with = MeasureBlocking(state, o.accounts, [&] {
    pdp::SnapshotPtr s = state.Current();
    revision = s->revision();
    absl::Time t0 = absl::Now();
    // On a thread of low priority, as the server's Checkpointer does.
    std::thread background([&] {
      pdp::LowerThisThreadPriority(pdp::CheckpointOptions{}.nice, "checkpoint");
      Check(pdp::WriteCheckpoint(store, *s, o.chunk_bytes, o.checkpoint_bytes_per_second),
            "checkpoint");
    });
    background.join();
    secs = absl::ToDoubleSeconds(absl::Now() - t0);
  });
  std::printf("checkpoint %s: revision %lld written in %.2f s (while reading and writing)\n",
              spec.c_str(), static_cast<long long>(revision), secs);
  PrintBlocking(spec, "during the checkpoint", with, store);
  Blocking without = MeasureBlocking(state, o.accounts,
                                     [&] { absl::SleepFor(absl::Seconds(std::max(secs, 1.0))); });
  PrintBlocking(spec, "without a checkpoint ", without, store);
  // The one a server writes at the end, so the load phase loads the
  // checkpoint and replays only what it then writes.
  absl::Time t0 = absl::Now();
  pdp::SnapshotPtr last = state.Current();
  Check(pdp::WriteCheckpoint(store, *last, o.chunk_bytes), "checkpoint");
  std::printf("checkpoint %s: revision %lld written in %.2f s (idle)\n", spec.c_str(),
              static_cast<long long>(last->revision()), absl::ToDoubleSeconds(absl::Now() - t0));
}

int Populate(const Options& o) {
  auto opened = Open(o.store);
  auto store = std::make_unique<TimedStore>(opened.get());
  pdp::WorldState state(Initial(), store.get());
  Check(state.Recover(), "recover");
  if (state.revision() != 0) {
    std::fprintf(stderr, "scale_bench: populate needs an empty store\n");
    return 1;
  }
  absl::Time start = absl::Now();
  size_t changes = 0;
  for (int first = 0; first < o.accounts; first += o.accounts_per_batch) {
    std::vector<Change> batch = AccountBatch(
        first, std::min(o.accounts_per_batch, o.accounts - first), o.users_per_account);
    changes += batch.size();
    Check(state.Apply(batch).status(), "apply");
  }
  double secs = absl::ToDoubleSeconds(absl::Now() - start);
  pdp::SnapshotPtr s = state.Current();
  std::printf(
      "populate %s: %d accounts, %zu principals, %d policies, %zu changes in %lld "
      "batches: %.1f s (%.0f changes/s)\n",
      pdp::StoreSpecForLog(o.store).c_str(), o.accounts, Principals(*s), o.accounts, changes,
      static_cast<long long>(s->revision()), secs, changes / secs);
  // One small write on the big world: what a single settings change costs.
  store->TakeMax();
  std::vector<double> ms;
  for (int i = 0; i < 50; ++i) {
    std::vector<Change> one(1);
    *one[0].mutable_update_account_settings() = SetIamAccess(i, i % 2 == 0);
    absl::Time t0 = absl::Now();
    Check(state.Apply(one).status(), "single write");
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
  }
  std::sort(ms.begin(), ms.end());
  std::printf("single-change write %s: p50 %.2f ms, max %.2f ms\n",
              pdp::StoreSpecForLog(o.store).c_str(), ms[ms.size() / 2], ms.back());
  CheckpointUnderLoad(o, state, *store);
  return 0;
}

int Load(const Options& o) {
  long before = RssKb("VmRSS:");
  pdp::SnapshotPtr initial = Initial();
  auto opened = Open(o.store);
  LogOnlyStore log_only(opened.get());
  const bool from_log = o.from == "log";
  pdp::Store* store = from_log ? static_cast<pdp::Store*>(&log_only) : opened.get();
  pdp::WorldState state(initial, store);
  absl::Time start = absl::Now();
  const double cpu_start = CpuSeconds();
  Check(state.Recover(), "recover");
  double secs = absl::ToDoubleSeconds(absl::Now() - start);
  const double cpu = CpuSeconds() - cpu_start;
  pdp::SnapshotPtr s = state.Current();
  const pdp::WorldState::RecoveryReport report = state.last_recovery();
  std::printf(
      "load %s from %s: revision %lld (checkpoint_revision %lld + %lld batches replayed), %zu "
      "accounts, %zu principals in %.2f s (%.2f s CPU); resident %.0f MiB (peak %.0f MiB, %.0f MiB "
      "before "
      "loading)\n",
      pdp::StoreSpecForLog(o.store).c_str(), o.from.c_str(), static_cast<long long>(s->revision()),
      static_cast<long long>(report.checkpoint_revision),
      static_cast<long long>(report.replayed_batches), s->accounts().size(), Principals(*s), secs,
      cpu, RssKb("VmRSS:") / 1024.0, RssKb("VmHWM:") / 1024.0, before / 1024.0);
  if (from_log) return 0;  // the writes are measured once, after the checkpoint load
  // Write throughput: ApplyChanges of 10,000 settings changes, as each
  // account's root user.
  const int kRequests = 5, kPerRequest = 10000;
  absl::Time wstart = absl::Now();
  for (int r = 0; r < kRequests; ++r) {
    pdp::v1::ApplyChangesRequest req;
    for (int i = 0; i < kPerRequest; ++i) {
      int n = (r * kPerRequest + i) % static_cast<int>(s->accounts().size());
      *req.add_changes()->mutable_update_account_settings() = SetIamAccess(n, r % 2 == 0);
    }
    Check(state.ApplyChanges(req).status(), "write");
  }
  double wsecs = absl::ToDoubleSeconds(absl::Now() - wstart);
  std::printf(
      "write %s: %d ApplyChanges of %d settings changes: %.2f s (%.0f changes/s, %.0f "
      "ms per request)\n",
      pdp::StoreSpecForLog(o.store).c_str(), kRequests, kPerRequest, wsecs,
      kRequests * kPerRequest / wsecs, 1000 * wsecs / kRequests);
  return 0;
}

int Replicas(const Options& o) {
  pdp::SnapshotPtr initial = Initial();
  auto store_a = Open(o.store), store_b = Open(o.store);
  pdp::WorldState a(initial, store_a.get()), b(initial, store_b.get());
  absl::Time start = absl::Now();
  Check(a.Recover(), "recover a");
  Check(b.Recover(), "recover b");
  std::printf("replicas: both loaded revision %lld in %.1f s\n",
              static_cast<long long>(b.revision()), absl::ToDoubleSeconds(absl::Now() - start));
  pdp::ChangeFollower follower(&b, store_b.get());
  follower.Start();
  std::vector<double> ms;
  const int kWrites = 200;
  for (int i = 0; i < kWrites; ++i) {
    std::vector<Change> one(1);
    *one[0].mutable_update_account_settings() = SetIamAccess(i, i % 2 == 0);
    absl::Time t0 = absl::Now();
    auto written = a.Apply(one);
    Check(written.status(), "write on a");
    Check(b.WaitForRevision((*written)->revision(), absl::Now() + absl::Seconds(10)),
          "visible on b");
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
  }
  follower.Stop();
  std::sort(ms.begin(), ms.end());
  std::printf(
      "replicas: write on A to visible on B over %d writes: p50 %.2f ms, p99 %.2f ms, "
      "max %.2f ms\n",
      kWrites, ms[ms.size() / 2], ms[ms.size() * 99 / 100], ms.back());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--phase") {
      o.phase = value;
    } else if (flag == "--store") {
      o.store = value;
    } else if (flag == "--from") {
      o.from = value;
    } else if (flag == "--accounts") {
      o.accounts = std::atoi(value.c_str());
    } else if (flag == "--checkpoint-mibps") {
      o.checkpoint_bytes_per_second = static_cast<size_t>(std::max(0, std::atoi(value.c_str())))
                                      << 20;
    } else if (flag == "--chunk-kib") {
      o.chunk_bytes = static_cast<size_t>(std::max(1, std::atoi(value.c_str()))) << 10;
    } else {
      std::fprintf(stderr, "scale_bench: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (o.store.empty() || o.accounts <= 0 || (o.from != "checkpoint" && o.from != "log")) {
    std::fprintf(stderr,
                 "usage: scale_bench --phase populate|load|replicas --store SPEC [--accounts N] "
                 "[--from checkpoint|log]\n");
    return 2;
  }
  if (o.phase == "populate") return Populate(o);
  if (o.phase == "load") return Load(o);
  if (o.phase == "replicas") return Replicas(o);
  std::fprintf(stderr, "scale_bench: unknown phase %s\n", o.phase.c_str());
  return 2;
}
