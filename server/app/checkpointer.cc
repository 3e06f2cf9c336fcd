#include "server/app/checkpointer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/app/thread_priority.h"
#include "server/log/logger.h"

namespace pdp {

Checkpointer::Checkpointer(WorldState* state, Store* store, CheckpointOptions options)
    : state_(state), store_(store), options_(std::move(options)) {}

Checkpointer::~Checkpointer() { Stop(); }

void Checkpointer::Start() {
  if (options_.every_revisions <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void Checkpointer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

Checkpointer::Stats Checkpointer::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void Checkpointer::Run() {
  LowerThisThreadPriority(options_.nice, "checkpoint");
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stop_), options_.poll);
      if (stop_) return;
    }
    absl::MutexLock lock(&write_mu_);
    if (absl::Now() - last_attempt_ < options_.min_interval || !Due()) continue;
    WriteLocked().IgnoreError();  // kept in stats(); retried at the next turn
  }
}

bool Checkpointer::Due() {
  const int64_t revision = state_->revision();
  absl::StatusOr<CheckpointListing> listing = store_->ListCheckpoints();
  if (!listing.ok()) return false;
  const int64_t newest = listing->complete.empty() ? 0 : listing->complete.front();
  return revision - newest >= options_.every_revisions;
}

absl::Status Checkpointer::WriteNow() {
  absl::MutexLock lock(&write_mu_);
  return WriteLocked();
}

absl::Status Checkpointer::WriteLocked() {
  last_attempt_ = absl::Now();
  SnapshotPtr snapshot = state_->Current();
  if (snapshot->revision() == 0) return absl::OkStatus();  // the empty world needs none
  absl::Status s;
  // On a shared store another replica may have written this one already.
  const bool exists = store_->ReadCheckpointManifest(snapshot->revision()).ok();
  if (!exists)
    s = WriteCheckpoint(*store_, *snapshot, options_.chunk_bytes, options_.max_bytes_per_second);
  absl::StatusOr<int64_t> compacted(0);
  if (s.ok()) {
    compacted = PruneCheckpoints(*store_, options_.keep, options_.compact);
    if (!compacted.ok()) s = compacted.status();
  }
  const absl::Duration took = absl::Now() - last_attempt_;
  // Said, as well as kept in stats(): a store that keeps refusing
  // checkpoints makes every start-up replay more.
  const int64_t revision = snapshot->revision();
  if (!s.ok()) {
    log::Warning("checkpoint_failed",
                 absl::StrCat("checkpoint at revision ", revision, " failed (", s.message(),
                              "); tried again later"),
                 {log::Field("revision", revision)});
  } else if (!exists) {
    log::Info("checkpoint",
              absl::StrCat("checkpoint at revision ", revision, " written in ",
                           absl::ToInt64Milliseconds(took), " ms"),
              {log::Field("revision", revision),
               log::Field("duration_ms", absl::ToInt64Milliseconds(took)),
               log::Field("compacted_through", *compacted)});
  }
  absl::MutexLock lock(&mu_);
  if (!s.ok()) {
    stats_.last_error = std::string(s.message());
    return s;
  }
  stats_.last_error.clear();
  if (!exists) ++stats_.written;
  stats_.last_revision = snapshot->revision();
  stats_.last_duration = took;
  stats_.compacted_through = *compacted;
  return absl::OkStatus();
}

}  // namespace pdp
