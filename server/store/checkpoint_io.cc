#include "server/store/checkpoint_io.h"

#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "google/protobuf/arena.h"
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

// One chunk read, checked and parsed; the delta lives in `arena`, so
// dropping the chunk frees its thousands of strings as a few blocks.
struct ParsedChunk {
  std::unique_ptr<google::protobuf::Arena> arena;
  rec::StateDelta* delta = nullptr;
};

std::unique_ptr<google::protobuf::Arena> ChunkArena() {
  google::protobuf::ArenaOptions options;
  options.start_block_size = 256 << 10;
  options.max_block_size = 4 << 20;
  return std::make_unique<google::protobuf::Arena>(options);
}

// Reads, checks and parses chunk `seq` of the checkpoint at `revision`.
absl::StatusOr<ParsedChunk> ReadChunk(Store& store, const rec::CheckpointManifest& manifest,
                                      int64_t revision, int seq) {
  absl::StatusOr<std::string> bytes = store.ReadCheckpointChunk(revision, seq);
  if (absl::IsNotFound(bytes.status())) {
    return absl::DataLossError(absl::StrCat("chunk ", seq, " is missing"));
  }
  if (!bytes.ok()) return bytes.status();
  if (Sha256(*bytes) != manifest.chunk_sha256(seq)) {
    return absl::DataLossError(absl::StrCat("chunk ", seq, " does not match its checksum"));
  }
  ParsedChunk chunk;
  chunk.arena = ChunkArena();
  chunk.delta = google::protobuf::Arena::CreateMessage<rec::StateDelta>(chunk.arena.get());
  if (!chunk.delta->ParseFromString(*bytes)) {
    return absl::DataLossError(absl::StrCat("chunk ", seq, " does not parse"));
  }
  return chunk;
}

// Hands parsed chunks from the reading thread to the restoring one, in
// order, at most kAhead at a time (so memory stays a few chunks' worth).
class ChunkQueue {
 public:
  static constexpr size_t kAhead = 3;

  // The reader: false once the consumer gave up (stop reading).
  bool Push(absl::StatusOr<ParsedChunk> chunk) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](ChunkQueue* q) ABSL_EXCLUSIVE_LOCKS_REQUIRED(q->mu_) {
          return q->cancelled_ || q->chunks_.size() < kAhead;
        },
        this));
    if (cancelled_) return false;
    chunks_.push_back(std::move(chunk));
    return true;
  }
  absl::StatusOr<ParsedChunk> Pop() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](ChunkQueue* q) ABSL_EXCLUSIVE_LOCKS_REQUIRED(q->mu_) { return !q->chunks_.empty(); },
        this));
    absl::StatusOr<ParsedChunk> chunk = std::move(chunks_.front());
    chunks_.pop_front();
    return chunk;
  }
  void Cancel() {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }

 private:
  absl::Mutex mu_;
  std::deque<absl::StatusOr<ParsedChunk>> chunks_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

absl::Status WriteCheckpoint(Store& store, const Snapshot& snapshot, size_t chunk_bytes) {
  const int64_t revision = snapshot.revision();
  rec::CheckpointManifest manifest;
  manifest.set_format_version(rec::FORMAT_VERSION_STATE_DELTA);
  manifest.set_revision(revision);
  rec::StateDelta chunk;
  size_t bytes = 0;
  auto flush_if_full = [&]() -> absl::Status {
    if (bytes < chunk_bytes) return absl::OkStatus();
    absl::Status s = PutChunk(store, revision, chunk, manifest);
    chunk.Clear();
    bytes = 0;
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
  if (manifest.format_version() > rec::FORMAT_VERSION_STATE_DELTA) {
    return absl::FailedPreconditionError(
        absl::StrCat("format version ", manifest.format_version(),
                     " (written by a newer billing-pdp); this build reads up to ",
                     static_cast<int>(rec::FORMAT_VERSION_STATE_DELTA)));
  }
  if (manifest.revision() != revision || manifest.chunk_sha256_size() == 0) {
    return absl::DataLossError(absl::StrCat("its manifest is for revision ", manifest.revision(),
                                            " with ", manifest.chunk_sha256_size(), " chunks"));
  }
  // Reading, checking and parsing a chunk costs about as much as restoring
  // one: a second thread does the former (the only one using the store
  // meanwhile) while this one restores, in chunk order.
  const int chunks = manifest.chunk_sha256_size();
  ChunkQueue queue;
  std::thread reader([&] {
    for (int seq = 0; seq < chunks; ++seq) {
      absl::StatusOr<ParsedChunk> chunk = ReadChunk(store, manifest, revision, seq);
      const bool failed = !chunk.ok();
      if (!queue.Push(std::move(chunk)) || failed) return;
    }
  });
  SnapshotBuilder builder(initial);
  builder.RestoreRevision(revision);
  absl::Status status;
  for (int seq = 0; seq < chunks && status.ok(); ++seq) {
    absl::StatusOr<ParsedChunk> chunk = queue.Pop();
    if (!chunk.ok()) {
      status = chunk.status();
      break;
    }
    absl::Status s = restorer.Apply(*chunk->delta, builder);
    if (!s.ok()) status = absl::DataLossError(absl::StrCat("chunk ", seq, ": ", s.message()));
  }
  queue.Cancel();
  reader.join();
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
  if (compact && !complete.empty()) {
    const int64_t oldest_kept = complete[std::min(complete.size(), static_cast<size_t>(keep)) - 1];
    absl::Status s = store.CompactThrough(oldest_kept);
    if (!s.ok()) return s;
  }
  return store.CompactedThrough();
}

}  // namespace pdp
