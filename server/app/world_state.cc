#include "server/app/world_state.h"

#include <limits>
#include <optional>
#include <utility>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "base/errors.h"
#include "engine/write/change_address.h"
#include "server/app/batch_audit.h"
#include "server/app/batch_errors.h"
#include "server/log/write_log.h"
#include "server/store/checkpoint_io.h"
#include "server/store/state_codec.h"
#include "server/wire/change_from_wire.h"
#include "server/wire/change_wire.h"

namespace pdp {
namespace {

using pdp::v1::Change;

// Would the builder refuse `change` for its own Change.etag precondition
// (which it checks first, against the addressed object's etag)? Such an
// error is about the Change message, not the request inside it, and its
// path must say so.
bool ChangeEtagFails(const SnapshotBuilder& builder, const EngineChange& change) {
  if (change.etag.empty()) return false;
  std::optional<std::string> current = EtagOf(builder.current(), AddressOf(change));
  return !current.has_value() || *current != change.etag;
}
bool ChangeEtagFails(const SnapshotBuilder& builder, const Change& change) {
  return !change.etag().empty() && ChangeEtagFails(builder, ChangeFromWire(change));
}

}  // namespace

WorldState::WorldState(SnapshotPtr initial, Store* store, WorldLimits limits, const Clock& clock)
    : store_(store),
      limits_(limits),
      clock_(clock),
      initial_(initial),
      current_(std::move(initial)),
      gate_(0, clock) {
  gate_.Publish(Current()->revision());
}

std::string WorldState::ErrorPrefix(const SnapshotBuilder& builder, size_t index,
                                    const Change& change) {
  return ChangeIndexPrefix(index, ChangeEtagFails(builder, change) ? Change() : change);
}

std::string WorldState::ChangeIndexPrefix(size_t index, const Change& change) {
  const auto* field = change.GetDescriptor()->FindFieldByNumber(change.kind_case());
  if (field == nullptr) return absl::StrCat("changes[", index, "].");  // the Change itself
  return absl::StrCat("changes[", index, "].", field->name(), ".");
}

absl::StatusOr<SnapshotPtr> WorldState::Build(const SnapshotPtr& base,
                                              const std::vector<Change>& changes,
                                              const PathPrefixFn& prefix, bool every_error,
                                              std::vector<ChangeResult>* results,
                                              pdp::store::v1::StateDelta* delta,
                                              const WorldLimits& limits) const {
  SnapshotBuilder builder(base, limits);
  BatchErrors errors;
  for (size_t i = 0; i < changes.size(); ++i) {
    // After a failure the builder is doomed (never finished); applying the
    // rest to it only finds their errors too.
    // Converted once: the etag check and the apply read the same engine change.
    const EngineChange change = ChangeFromWire(changes[i]);
    const bool about_change = prefix && ChangeEtagFails(builder, change);
    absl::Status s = builder.Apply(change, results ? &(*results)[i] : nullptr);
    if (s.ok()) continue;
    if (prefix) s = PrefixFieldPaths(prefix(i, about_change ? Change() : changes[i]), s);
    if (!every_error) return s;
    errors.Add(std::move(s));
    if (errors.full()) break;
  }
  if (!errors.empty()) return errors.ToStatus();
  SnapshotPtr next = builder.Finish();
  if (delta != nullptr) {
    delta->Clear();
    DiffState(*base, *next, builder.written_accounts(), delta);
  }
  return next;
}

absl::Status WorldState::Recover() {
  absl::MutexLock lock(&write_mu_);
  recovery_ = RecoveryReport{};
  StateRestorer restorer;
  // The newest checkpoint that reads back whole; a damaged one is skipped
  // for an older one, or for the log from the start.
  absl::StatusOr<int64_t> loaded =
      LoadNewestCheckpoint(/*at_least=*/0, restorer, &recovery_.skipped_checkpoints);
  if (!loaded.ok()) return loaded.status();
  recovery_.checkpoint_revision = *loaded;
  absl::StatusOr<int64_t> compacted = store_->CompactedThrough();
  if (!compacted.ok()) return compacted.status();
  if (*compacted > current_.load()->revision()) {
    return absl::DataLossError(absl::StrCat(
        "the log was compacted through revision ", *compacted,
        " and no readable checkpoint covers it",
        recovery_.skipped_checkpoints.empty()
            ? std::string()
            : absl::StrCat(" (", absl::StrJoin(recovery_.skipped_checkpoints, "; "), ")")));
  }
  const int64_t covered = current_.load()->revision();
  if (absl::Status s = RememberOutcomesThrough(covered); !s.ok()) return s;
  absl::Status s = ReplayLog(covered, restorer);
  recovery_.failed_closed_policies = restorer.failed_closed();
  recovery_.last_failed_policy = restorer.last_failure();
  return s;
}

absl::Status WorldState::ReplayLog(int64_t after, StateRestorer& restorer) {
  std::optional<SnapshotBuilder> group;
  int grouped = 0;
  int64_t through = after;         // the newest revision applied
  std::vector<StoredBatch> asked;  // the group's batches with a request id, outcome only
  auto publish = [&] {
    write_mu_.AssertHeld();
    if (!group.has_value()) return;
    group->RestoreRevision(through);
    SnapshotPtr next = group->Finish();
    group.reset();
    grouped = 0;
    for (const StoredBatch& b : asked) RememberOutcome(b);
    asked.clear();
    current_.store(next, std::memory_order_release);
    gate_.Publish(through);
  };
  // The store calls back on this thread, under the caller's lock (which
  // thread-safety analysis cannot see inside a lambda: AssertHeld says so,
  // checked).
  absl::Status s = store_->ReadFrom(
      after + 1, std::numeric_limits<int64_t>::max(),
      [&](const StoredBatch& batch) -> absl::Status {
        write_mu_.AssertHeld();
        ++recovery_.replayed_batches;
        if (batch.legacy) {
          publish();
          absl::Status migrated = ApplyCommitted(batch, restorer);
          through = current_.load()->revision();
          return migrated;
        }
        if (batch.revision != through + 1) {
          return absl::DataLossError(
              absl::StrCat("store has revision ", batch.revision, " after ", through));
        }
        if (!group.has_value()) group.emplace(current_.load(), limits_);
        // As committed: no quota, etag or permission is judged again.
        if (absl::Status applied = restorer.Apply(batch.delta, *group); !applied.ok()) {
          group.reset();
          asked.clear();
          return absl::DataLossError(
              absl::StrCat("stored revision ", batch.revision, ": ", applied.message()));
        }
        through = batch.revision;
        if (!batch.request_id.empty()) {
          StoredBatch& outcome = asked.emplace_back();
          outcome.revision = batch.revision;
          outcome.request_id = batch.request_id;
          outcome.outcome = batch.outcome;
        }
        if (++grouped == kReplayGroupBatches) publish();
        return absl::OkStatus();
      },
      /*with_changes=*/false);
  // What was applied whole, also when the store failed after it.
  publish();
  return s;
}

absl::Status WorldState::CatchUp() {
  absl::MutexLock lock(&write_mu_);
  return CatchUpLocked();
}

absl::Status WorldState::CatchUpLocked() {
  StateRestorer restorer;
  // A replica that fell behind what another replica compacted away jumps to
  // the newest checkpoint first (the batches it needs are gone).
  absl::StatusOr<int64_t> compacted = store_->CompactedThrough();
  if (!compacted.ok()) return compacted.status();
  if (*compacted > current_.load()->revision()) {
    std::vector<std::string> skipped;
    absl::StatusOr<int64_t> loaded = LoadNewestCheckpoint(*compacted, restorer, &skipped);
    if (!loaded.ok()) return loaded.status();
    if (*loaded == 0) {
      return absl::DataLossError(absl::StrCat(
          "the log was compacted through revision ", *compacted, " past this replica's revision ",
          current_.load()->revision(), " and no readable checkpoint covers it",
          skipped.empty() ? "" : absl::StrCat(" (", absl::StrJoin(skipped, "; "), ")")));
    }
    // The ids of the retained batches it jumped over.
    if (absl::Status s = RememberOutcomesThrough(*loaded); !s.ok()) return s;
  }
  return store_->ReadFrom(
      current_.load()->revision() + 1, std::numeric_limits<int64_t>::max(),
      [&](const StoredBatch& batch) {
        write_mu_.AssertHeld();  // called back on this thread
        return ApplyCommitted(batch, restorer);
      },
      /*with_changes=*/false);
}

absl::StatusOr<int64_t> WorldState::LoadNewestCheckpoint(int64_t at_least, StateRestorer& restorer,
                                                         std::vector<std::string>* skipped) {
  absl::StatusOr<CheckpointListing> listing = store_->ListCheckpoints();
  if (!listing.ok()) return listing.status();
  for (int64_t revision : listing->complete) {  // newest first
    if (revision < at_least) break;
    absl::StatusOr<SnapshotPtr> loaded = LoadCheckpoint(*store_, initial_, revision, restorer);
    if (!loaded.ok()) {
      // Only a damaged (or newer-format) checkpoint is passed over: a store
      // out of reach says nothing about it, and falling back to an older
      // one (or reporting none) would be wrong.
      const absl::StatusCode code = loaded.status().code();
      if (code != absl::StatusCode::kDataLoss && code != absl::StatusCode::kFailedPrecondition) {
        return loaded.status();
      }
      skipped->push_back(absl::StrCat("revision ", revision, ": ", loaded.status().message()));
      continue;
    }
    current_.store(*loaded, std::memory_order_release);
    gate_.Publish(revision);
    return revision;
  }
  return 0;
}

absl::Status WorldState::RememberOutcomesThrough(int64_t revision) {
  if (revision <= 0) return absl::OkStatus();
  std::vector<StoredBatch> outcomes;  // newest first
  absl::Status s =
      store_->ReadRequestOutcomes(revision, kRememberedRequestIds, [&](const StoredBatch& b) {
        outcomes.push_back(b);
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  for (auto it = outcomes.rbegin(); it != outcomes.rend(); ++it) RememberOutcome(*it);
  return absl::OkStatus();
}

void WorldState::RememberOutcome(const StoredBatch& batch) {
  if (batch.request_id.empty()) return;
  auto response = std::make_shared<pdp::v1::ApplyChangesResponse>();
  response->set_revision(batch.revision);
  response->mutable_results()->Reserve(batch.outcome.results_size());
  for (const pdp::store::v1::ChangeOutcome& r : batch.outcome.results()) {
    pdp::v1::ChangeResult* out = response->add_results();
    out->set_name(r.name());
    out->set_etag(r.etag());
    out->set_unchanged(r.unchanged());
  }
  request_ids_.Remember(
      batch.request_id,
      RequestIdLog::Entry{ChangesFingerprint{batch.outcome.changes_sha256()}, std::move(response)});
}

void WorldState::SetOutcome(StoredBatch& batch, const ChangesFingerprint& fingerprint,
                            const std::vector<ChangeResult>& results) {
  batch.outcome.Clear();
  if (batch.request_id.empty()) return;
  batch.outcome.set_changes_sha256(fingerprint.sha256);
  for (const ChangeResult& r : results) {
    pdp::store::v1::ChangeOutcome* out = batch.outcome.add_results();
    out->set_name(r.name);
    out->set_etag(r.etag);
    out->set_unchanged(r.unchanged);
  }
}

absl::StatusOr<SnapshotPtr> WorldState::MigrateLegacy(const SnapshotPtr& base,
                                                      const StoredBatch& batch) {
  // Judged once more by today's rules, as it must be to learn what it did,
  // but with the quotas lifted: a quota lowered since it was committed does
  // not make it fail.
  WorldLimits unlimited;
  for (size_t* limit :
       {&unlimited.max_groups_per_user, &unlimited.max_attached_policies,
        &unlimited.max_policy_versions, &unlimited.max_managed_policy_chars,
        &unlimited.max_inline_chars_user, &unlimited.max_inline_chars_group,
        &unlimited.max_inline_chars_role, &unlimited.max_tags, &unlimited.max_scp_bytes,
        &unlimited.max_scps_per_target, &unlimited.max_aws_managed_policy_chars}) {
    *limit = size_t{1} << 40;  // beyond any count or size (not SIZE_MAX: sums must not wrap)
  }
  StoredBatch upgraded;
  upgraded.revision = batch.revision;
  upgraded.request_id = batch.request_id;
  upgraded.changes = batch.changes;
  std::vector<ChangeResult> results(batch.changes.size());
  absl::StatusOr<SnapshotPtr> next =
      Build(base, batch.changes, &WorldState::ChangeIndexPrefix, /*every_error=*/false, &results,
            &upgraded.delta, unlimited);
  if (!next.ok()) {
    return absl::DataLossError(absl::StrCat("stored revision ", batch.revision,
                                            " (written before the log was versioned) cannot be "
                                            "migrated: ",
                                            next.status().message()));
  }
  SetOutcome(upgraded, FingerprintChanges(batch.changes), results);
  absl::Status s = store_->UpgradeBatch(upgraded);
  if (!s.ok() && !absl::IsUnimplemented(s)) return s;
  ++recovery_.migrated_batches;
  RememberOutcome(upgraded);
  return next;
}

absl::Status WorldState::ApplyCommitted(const StoredBatch& batch, StateRestorer& restorer) {
  SnapshotPtr base = current_.load();
  if (batch.revision != base->revision() + 1) {
    return absl::DataLossError(
        absl::StrCat("store has revision ", batch.revision, " after ", base->revision()));
  }
  SnapshotPtr next;
  if (batch.legacy) {
    absl::StatusOr<SnapshotPtr> migrated = MigrateLegacy(base, batch);
    if (!migrated.ok()) return migrated.status();
    next = *std::move(migrated);
  } else {
    // As committed: no quota, etag or permission is judged again.
    SnapshotBuilder builder(base, limits_);
    absl::Status s = restorer.Apply(batch.delta, builder);
    if (!s.ok()) {
      return absl::DataLossError(
          absl::StrCat("stored revision ", batch.revision, ": ", s.message()));
    }
    next = builder.Finish();
    RememberOutcome(batch);
  }
  current_.store(next, std::memory_order_release);
  gate_.Publish(batch.revision);
  return absl::OkStatus();
}

absl::Status WorldState::WaitForRevision(int64_t revision, absl::Time deadline,
                                         const std::function<bool()>& cancelled) const {
  if (revision < 0) return FieldError("min_revision", "must not be negative");
  return gate_.Wait(revision, deadline, cancelled);
}

RevisionGate::Ticket WorldState::WhenRevision(int64_t revision, absl::Time deadline,
                                              std::function<void(absl::Status)> done) const {
  if (revision < 0) {
    done(FieldError("min_revision", "must not be negative"));
    return 0;
  }
  return gate_.WaitAsync(revision, deadline, std::move(done));
}

absl::Status WorldState::ReadCommitted(int64_t from_revision, int64_t to_revision,
                                       const Store::ReadFn& fn, bool with_changes) const {
  return store_->ReadFrom(from_revision, to_revision, fn, with_changes);
}

absl::StatusOr<SnapshotPtr> WorldState::Commit(StoredBatch& batch, const PathPrefixFn& prefix,
                                               std::vector<ChangeResult>* results,
                                               const ChangesFingerprint& fingerprint,
                                               const BatchOrigin& origin,
                                               const std::function<bool()>& done_elsewhere) {
  // Writers on other replicas may take a revision first; after this many
  // lost races in a row the caller is told to retry later. Between
  // attempts a short random pause lets two busy replicas take turns rather
  // than collide again and again.
  constexpr int kAttempts = 50;
  // What was asked; batch.changes becomes what is committed: the changes
  // that changed something (Watch sends them).
  const std::vector<Change> requested = std::move(batch.changes);
  std::vector<ChangeResult> own_results;
  if (results == nullptr) {
    own_results.resize(requested.size());
    results = &own_results;
  }
  for (int attempt = 1;; ++attempt) {
    if (store_->IsShared()) {
      absl::Status caught_up = CatchUpLocked();
      if (!caught_up.ok()) {
        return absl::UnavailableError(absl::StrCat(
            "the store cannot be read to write on the latest state: ", caught_up.message()));
      }
      if (done_elsewhere && done_elsewhere()) return SnapshotPtr();
    }
    SnapshotPtr base = current_.load();
    if (origin.authorize) {
      absl::Status allowed = origin.authorize(*base, requested);
      if (!allowed.ok()) return allowed;
    }
    absl::StatusOr<SnapshotPtr> next =
        Build(base, requested, prefix, /*every_error=*/true, results, &batch.delta, limits_);
    if (!next.ok()) return next.status();
    // A batch that changes nothing commits nothing: no revision, no store
    // write, no Watch event; the state stays `base`.
    batch.changes.clear();
    for (size_t i = 0; i < requested.size(); ++i) {
      if (!(*results)[i].unchanged) batch.changes.push_back(requested[i]);
    }
    if (batch.changes.empty()) return base;
    batch.revision = (*next)->revision();
    batch.audit = AuditEntry(origin, batch.changes, batch.delta, clock_.Now());
    SetOutcome(batch, fingerprint, *results);
    absl::Status s = store_->Commit(batch);
    if (s.code() == absl::StatusCode::kAborted && store_->IsShared()) {
      if (attempt < kAttempts) {  // another replica took the revision
        absl::SleepFor(absl::Microseconds(absl::Uniform(rng_, 0, 200 * std::min(attempt, 25))));
        continue;
      }
      return WithReason(
          absl::AbortedError(
              "other replicas kept committing first; nothing was applied, retry the request"),
          "REPLICA_CONTENTION");
    }
    if (!s.ok()) {
      const std::string reason = ErrorReason(s);
      if (reason == kCommitOutcomeUnknown) {
        // The follower applies the batch if it was committed; a retry with
        // the same request id then replays it instead of applying it again.
        return WithReason(
            absl::UnavailableError(absl::StrCat(
                "the store may have committed the change (", s.message(),
                "); retry with the same request_id, which applies it at most once (without "
                "one, read the state before retrying)")),
            kCommitOutcomeUnknown);
      }
      if (!reason.empty()) return s;  // the store's own documented refusal
      return absl::UnavailableError(
          absl::StrCat("the store did not commit the change: ", s.message()));
    }
    current_.store(*next, std::memory_order_release);
    gate_.Publish(batch.revision);
    return next;
  }
}

namespace {

// The "write" log line of a batch Commit made durable; nothing for one that
// failed, changed nothing, or was committed elsewhere (a replayed request).
void LogIfCommitted(const BatchOrigin& origin, const StoredBatch& batch,
                    const absl::StatusOr<SnapshotPtr>& next) {
  if (!next.ok() || *next == nullptr || batch.changes.empty() ||
      (*next)->revision() != batch.revision) {
    return;
  }
  LogCommittedWrite(origin, batch.request_id, batch.revision, batch.changes);
}

}  // namespace

absl::StatusOr<SnapshotPtr> WorldState::Apply(const std::vector<Change>& changes,
                                              const PathPrefixFn& prefix,
                                              const BatchOrigin& origin) {
  StoredBatch batch;
  batch.changes = changes;
  absl::StatusOr<SnapshotPtr> next;
  {
    absl::MutexLock lock(&write_mu_);
    next = Commit(batch, prefix, nullptr, ChangesFingerprint{}, origin);
  }
  LogIfCommitted(origin, batch, next);
  return next;
}

absl::StatusOr<pdp::v1::ApplyChangesResponse> WorldState::ApplyChanges(
    const pdp::v1::ApplyChangesRequest& request, const BatchOrigin& origin) {
  StoredBatch batch;
  batch.request_id = request.request_id();
  const bool has_id = !batch.request_id.empty();
  if (has_id) {
    absl::Status valid = ValidateRequestId(batch.request_id);
    if (!valid.ok()) return valid;
  }
  batch.changes.assign(request.changes().begin(), request.changes().end());
  // Outside the lock: serializing a large batch takes a while.
  const ChangesFingerprint fingerprint =
      has_id ? FingerprintChanges(batch.changes) : ChangesFingerprint{};

  // Checking the id and committing under one lock: of two concurrent calls
  // with the same id, exactly one applies and the other replays. Replicas
  // check again after catching up with the others (Commit).
  absl::ReleasableMutexLock lock(&write_mu_);
  // Both lambdas run under this lock (Commit calls `seen` with it held);
  // AssertHeld tells thread-safety analysis so, and checks it.
  auto replay = [&]() -> absl::StatusOr<pdp::v1::ApplyChangesResponse> {
    write_mu_.AssertHeld();
    const RequestIdLog::Entry* seen = request_ids_.Find(batch.request_id);
    if (!(seen->fingerprint == fingerprint)) {
      return WithReason(
          FieldError("request_id", absl::StrCat("\"", batch.request_id,
                                                "\" was already used for different changes "
                                                "(committed as revision ",
                                                seen->response->revision(), ")")),
          "REQUEST_ID_REUSED");
    }
    pdp::v1::ApplyChangesResponse first = *seen->response;
    first.set_replayed(true);
    return first;
  };
  auto seen = [&] {
    write_mu_.AssertHeld();
    return has_id && request_ids_.Find(batch.request_id) != nullptr;
  };
  if (seen()) return replay();
  std::vector<ChangeResult> results(batch.changes.size());
  absl::StatusOr<SnapshotPtr> next =
      Commit(batch, &WorldState::ChangeIndexPrefix, &results, fingerprint, origin, seen);
  if (!next.ok()) return next.status();
  if (*next == nullptr) return replay();
  auto response = std::make_shared<pdp::v1::ApplyChangesResponse>();
  response->set_revision((*next)->revision());
  response->mutable_results()->Reserve(static_cast<int>(results.size()));
  for (const ChangeResult& r : results) *response->add_results() = ChangeResultToProto(r);
  // Nothing committed (every change unchanged): nothing to remember, so a
  // retry is judged again (proto/pdp/v1/admin.proto, request_id).
  if (has_id && !batch.changes.empty()) {
    request_ids_.Remember(batch.request_id, RequestIdLog::Entry{fingerprint, response});
  }
  // Said once the writer lock is free: the log must not hold up the next write.
  lock.Release();
  LogIfCommitted(origin, batch, next);
  return *response;
}

}  // namespace pdp
