#include "server/store/checkpoint_io.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "google/protobuf/arena.h"
#include "server/store/batch_codec.h"
#include "server/store/sha256.h"

namespace pdp {
namespace {

namespace rec = pdp::store::v1;

// Stores `delta` as chunk `seq` and notes its checksum in `manifest`.
absl::Status PutChunk(Store& store, int64_t revision, const rec::StateDelta& delta,
                      rec::CheckpointManifest& manifest) {
  const std::string bytes = delta.SerializeAsString();
  *manifest.add_chunk_sha256() = Sha256(bytes);
  return store.PutCheckpointChunk(revision, manifest.chunk_sha256_size() - 1, bytes);
}

// One chunk read, checked, parsed and its accounts decoded. The parsed
// delta lives on `arena` (its organizations are still to apply): dropping
// the chunk frees its many strings as a few blocks.
struct DecodedChunk {
  std::unique_ptr<google::protobuf::Arena> arena;
  rec::StateDelta* delta = nullptr;
  std::vector<std::shared_ptr<AccountState>> accounts;
};

absl::StatusOr<DecodedChunk> DecodeChunk(Store& store, const rec::CheckpointManifest& manifest,
                                         int64_t revision, int seq, StateRestorer& restorer) {
  absl::StatusOr<std::string> bytes = store.ReadCheckpointChunk(revision, seq);
  if (absl::IsNotFound(bytes.status())) {
    return absl::DataLossError(absl::StrCat("chunk ", seq, " is missing"));
  }
  if (!bytes.ok()) return bytes.status();
  if (Sha256(*bytes) != manifest.chunk_sha256(seq)) {
    return absl::DataLossError(absl::StrCat("chunk ", seq, " does not match its checksum"));
  }
  DecodedChunk chunk;
  google::protobuf::ArenaOptions options;
  options.start_block_size = 256 << 10;
  options.max_block_size = 4 << 20;
  chunk.arena = std::make_unique<google::protobuf::Arena>(options);
  chunk.delta = google::protobuf::Arena::CreateMessage<rec::StateDelta>(chunk.arena.get());
  if (!chunk.delta->ParseFromString(*bytes)) {
    return absl::DataLossError(absl::StrCat("chunk ", seq, " does not parse"));
  }
  chunk.accounts.reserve(chunk.delta->accounts_size());
  for (const rec::AccountDelta& image : chunk.delta->accounts()) {
    absl::StatusOr<std::shared_ptr<AccountState>> account = restorer.DecodeAccountImage(image);
    if (!account.ok()) {
      return absl::DataLossError(absl::StrCat("chunk ", seq, ": ", account.status().message()));
    }
    chunk.accounts.push_back(*std::move(account));
  }
  return chunk;
}

// Chunks decoded by several threads, handed to the one that restores them
// in order. A decoder waits before a chunk more than kAhead past the one
// being restored, so at most that many are held at once.
class ChunkPipeline {
 public:
  static constexpr int kAhead = 4;

  // A decoder: false when it should stop (the restorer gave up).
  bool WaitTurn(int seq) {
    absl::MutexLock lock(&mu_);
    auto turn = [this, seq]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return cancelled_ || seq < next_ + kAhead;
    };
    mu_.Await(absl::Condition(&turn));
    return !cancelled_;
  }
  void Put(int seq, absl::StatusOr<DecodedChunk> chunk) {
    absl::MutexLock lock(&mu_);
    ready_.emplace(seq, std::move(chunk));
  }
  // The restorer: chunk `next_`, waiting for it.
  absl::StatusOr<DecodedChunk> TakeNext() {
    absl::MutexLock lock(&mu_);
    auto present = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ready_.contains(next_); };
    mu_.Await(absl::Condition(&present));
    auto it = ready_.find(next_);
    absl::StatusOr<DecodedChunk> chunk = std::move(it->second);
    ready_.erase(it);
    ++next_;
    return chunk;
  }
  void Cancel() {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }

 private:
  absl::Mutex mu_;
  int next_ ABSL_GUARDED_BY(mu_) = 0;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  // At most a few chunks ahead; std::map, as GCC 12 warns falsely of
  // uninitialized use in flat_hash_map<int, StatusOr<DecodedChunk>>.
  std::map<int, absl::StatusOr<DecodedChunk>> ready_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::Status WriteCheckpoint(Store& store, const Snapshot& snapshot, size_t chunk_bytes,
                             size_t max_bytes_per_second) {
  const int64_t revision = snapshot.revision();
  rec::CheckpointManifest manifest;
  manifest.set_revision(revision);
  rec::StateDelta chunk;
  // The AWS managed policies put first, in chunk 0 (few, and the format
  // says whether there are any).
  AppendAwsPolicyImages(snapshot, &chunk);
  manifest.set_format_version(RecordFormatOf(chunk));
  size_t bytes = chunk.ByteSizeLong();
  size_t written = 0;
  const absl::Time start = absl::Now();
  auto flush_if_full = [&]() -> absl::Status {
    if (bytes < chunk_bytes) return absl::OkStatus();
    absl::Status s = PutChunk(store, revision, chunk, manifest);
    if (!s.ok()) return s;
    chunk.Clear();
    written += bytes;
    bytes = 0;
    if (max_bytes_per_second > 0) {
      const absl::Time due =
          start + absl::Seconds(static_cast<double>(written) / max_bytes_per_second);
      absl::SleepFor(due - absl::Now());
    }
    return s;
  };
  for (const auto& [id, account] : snapshot.accounts()) {
    AppendAccountImage(*account, &chunk);
    bytes += chunk.accounts(chunk.accounts_size() - 1).ByteSizeLong();
    absl::Status s = flush_if_full();
    if (!s.ok()) return s;
  }
  for (const auto& [id, organization] : snapshot.organizations()) {
    AppendOrganizationImage(*organization, &chunk);
    bytes += chunk.organizations(chunk.organizations_size() - 1).ByteSizeLong();
    absl::Status s = flush_if_full();
    if (!s.ok()) return s;
  }
  // The last chunk, even when empty: an empty world's checkpoint has one.
  if (bytes > 0 || manifest.chunk_sha256_size() == 0) {
    absl::Status s = PutChunk(store, revision, chunk, manifest);
    if (!s.ok()) return s;
  }
  manifest.set_created_unix_micros(absl::ToUnixMicros(absl::Now()));
  return store.PutCheckpointManifest(revision, manifest.SerializeAsString());
}

absl::StatusOr<SnapshotPtr> LoadCheckpoint(Store& store, const SnapshotPtr& initial,
                                           int64_t revision, StateRestorer& restorer) {
  absl::StatusOr<std::string> manifest_bytes = store.ReadCheckpointManifest(revision);
  if (!manifest_bytes.ok()) return manifest_bytes.status();
  rec::CheckpointManifest manifest;
  if (!manifest.ParseFromString(*manifest_bytes)) {
    return absl::DataLossError("its manifest does not parse");
  }
  if (manifest.format_version() > kNewestRecordFormat) {
    return absl::FailedPreconditionError(absl::StrCat(
        "format version ", manifest.format_version(),
        " (written by a newer billing-pdp); this build reads up to ", kNewestRecordFormat));
  }
  if (manifest.revision() != revision || manifest.chunk_sha256_size() == 0) {
    return absl::DataLossError(absl::StrCat("its manifest is for revision ", manifest.revision(),
                                            " with ", manifest.chunk_sha256_size(), " chunks"));
  }
  // Reading, checking, parsing and decoding the chunks is most of the
  // work and needs no builder: one thread per core does it, chunk `seq` on
  // thread seq % threads, while this thread puts the decoded accounts into
  // the builder in chunk order (and waits for them the rest of the time).
  const int chunks = manifest.chunk_sha256_size();
  // No more threads than chunks may be decoded ahead (more would wait).
  const int threads = std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1,
                                 std::min(chunks, ChunkPipeline::kAhead));
  ChunkPipeline pipeline;
  std::vector<std::thread> decoders;
  for (int t = 0; t < threads; ++t) {
    decoders.emplace_back([&, t] {
      for (int seq = t; seq < chunks; seq += threads) {
        if (!pipeline.WaitTurn(seq)) return;
        absl::StatusOr<DecodedChunk> chunk = DecodeChunk(store, manifest, revision, seq, restorer);
        const bool failed = !chunk.ok();
        pipeline.Put(seq, std::move(chunk));
        if (failed) return;
      }
    });
  }
  SnapshotBuilder builder(initial);
  builder.RestoreRevision(revision);
  absl::Status status;
  for (int seq = 0; seq < chunks && status.ok(); ++seq) {
    absl::StatusOr<DecodedChunk> chunk = pipeline.TakeNext();
    if (!chunk.ok()) {
      status = chunk.status();
      break;
    }
    if (absl::Status s = restorer.ApplyAwsPolicies(*chunk->delta, builder); !s.ok()) {
      status = absl::DataLossError(absl::StrCat("chunk ", seq, ": ", s.message()));
      break;
    }
    for (std::shared_ptr<AccountState>& account : chunk->accounts) {
      builder.RestoreAccountImage(std::move(account));
    }
    for (const rec::OrganizationDelta& o : chunk->delta->organizations()) {
      absl::Status s = restorer.ApplyOrganization(o, builder);
      if (!s.ok()) {
        status = absl::DataLossError(absl::StrCat("chunk ", seq, ": ", s.message()));
        break;
      }
    }
  }
  pipeline.Cancel();
  for (std::thread& d : decoders) d.join();
  if (!status.ok()) return status;
  return builder.Finish();
}

absl::StatusOr<int64_t> PruneCheckpoints(Store& store, int keep, bool compact) {
  if (keep < 1) keep = 1;
  absl::StatusOr<CheckpointListing> listing = store.ListCheckpoints();
  if (!listing.ok()) return listing.status();
  const std::vector<int64_t>& complete = listing->complete;
  for (size_t i = static_cast<size_t>(keep); i < complete.size(); ++i) {
    absl::Status s = store.DeleteCheckpoint(complete[i]);
    if (!s.ok()) return s;
  }
  // Partial checkpoints older than the newest complete one will never be
  // finished (a newer one is); a newer partial one may be a write under way
  // (another replica's).
  for (int64_t partial : listing->partial) {
    if (!complete.empty() && partial < complete.front()) {
      absl::Status s = store.DeleteCheckpoint(partial);
      if (!s.ok()) return s;
    }
  }
  // Only once `keep` checkpoints exist: compacting through the only one
  // there is would leave nothing to fall back on if it were damaged.
  if (compact && complete.size() >= static_cast<size_t>(keep)) {
    const int64_t oldest_kept = complete[static_cast<size_t>(keep) - 1];
    absl::Status s = store.CompactThrough(oldest_kept);
    if (!s.ok()) return s;
  }
  return store.CompactedThrough();
}

}  // namespace pdp
