#include "server/store/memory_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace pdp {
namespace {

// Rows per page of ReadFrom, so a long history is handed out in parts as
// the other stores do.
constexpr size_t kPageRows = 256;

}  // namespace

std::deque<BatchRow>::iterator MemoryStore::Find(int64_t revision) {
  return std::lower_bound(rows_.begin(), rows_.end(), revision,
                          [](const BatchRow& r, int64_t v) { return r.revision < v; });
}

absl::Status MemoryStore::Commit(const StoredBatch& batch) {
  BatchRow row = EncodeBatch(batch);
  absl::MutexLock lock(&mu_);
  const int64_t last = rows_.empty() ? compacted_through_ : rows_.back().revision;
  if (batch.revision <= last) {
    return absl::FailedPreconditionError(
        absl::StrCat("revision ", batch.revision, " is not after ", last));
  }
  rows_.push_back(std::move(row));
  return absl::OkStatus();
}

void MemoryStore::PutRawRow(const BatchRow& row) {
  absl::MutexLock lock(&mu_);
  auto it = Find(row.revision);
  if (it != rows_.end() && it->revision == row.revision) {
    *it = row;
  } else {
    rows_.insert(it, row);
  }
}

absl::Status MemoryStore::ReadFrom(int64_t from_revision, int64_t to_revision, const ReadFn& fn,
                                   bool with_changes) {
  return ReadPaged(
      from_revision, to_revision, with_changes,
      [this](int64_t from, int64_t to, BatchRows* rows) {
        absl::MutexLock lock(&mu_);
        for (auto it = Find(from); it != rows_.end() && it->revision <= to; ++it) {
          rows->push_back(*it);
          if (rows->size() == kPageRows) break;
        }
        return absl::OkStatus();
      },
      fn);
}

absl::Status MemoryStore::UpgradeBatch(const StoredBatch& batch) {
  BatchRow row = EncodeBatch(batch);
  absl::MutexLock lock(&mu_);
  auto it = Find(batch.revision);
  if (it == rows_.end() || it->revision != batch.revision) {
    return absl::NotFoundError(absl::StrCat("no stored revision ", batch.revision));
  }
  if (it->format == kLegacyRowFormat) *it = std::move(row);
  return absl::OkStatus();
}

absl::Status MemoryStore::ReadRequestOutcomes(int64_t through_revision, size_t limit,
                                              const ReadFn& fn) {
  BatchRows found;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = Find(through_revision + 1); it != rows_.begin() && found.size() < limit;) {
      --it;
      if (it->format == kRecordRowFormat && !it->request_id.empty()) {
        BatchRow r;
        r.revision = it->revision;
        r.request_id = it->request_id;
        r.outcome = it->outcome;
        found.push_back(std::move(r));
      }
    }
  }
  for (BatchRow& r : found) {
    StoredBatch batch;
    batch.revision = r.revision;
    batch.request_id = std::move(r.request_id);
    if (!batch.outcome.ParseFromString(r.outcome)) {
      return absl::DataLossError(
          absl::StrCat("the request outcome of stored revision ", r.revision, " does not parse"));
    }
    absl::Status s = fn(batch);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status MemoryStore::PutCheckpointChunk(int64_t revision, int seq, const std::string& bytes) {
  absl::MutexLock lock(&mu_);
  chunks_[revision][seq] = bytes;
  return absl::OkStatus();
}

absl::Status MemoryStore::PutCheckpointManifest(int64_t revision, const std::string& bytes) {
  absl::MutexLock lock(&mu_);
  manifests_[revision] = bytes;
  return absl::OkStatus();
}

absl::StatusOr<CheckpointListing> MemoryStore::ListCheckpoints() {
  absl::MutexLock lock(&mu_);
  CheckpointListing out;
  for (auto it = manifests_.rbegin(); it != manifests_.rend(); ++it) {
    out.complete.push_back(it->first);
  }
  for (auto it = chunks_.rbegin(); it != chunks_.rend(); ++it) {
    if (!manifests_.contains(it->first)) out.partial.push_back(it->first);
  }
  return out;
}

absl::StatusOr<std::string> MemoryStore::ReadCheckpointManifest(int64_t revision) {
  absl::MutexLock lock(&mu_);
  auto it = manifests_.find(revision);
  if (it == manifests_.end()) {
    return absl::NotFoundError(absl::StrCat("no checkpoint at revision ", revision));
  }
  return it->second;
}

absl::StatusOr<std::string> MemoryStore::ReadCheckpointChunk(int64_t revision, int seq) {
  absl::MutexLock lock(&mu_);
  auto it = chunks_.find(revision);
  if (it == chunks_.end() || !it->second.contains(seq)) {
    return absl::NotFoundError(
        absl::StrCat("no chunk ", seq, " of the checkpoint at revision ", revision));
  }
  return it->second.at(seq);
}

absl::Status MemoryStore::DeleteCheckpoint(int64_t revision) {
  absl::MutexLock lock(&mu_);
  manifests_.erase(revision);
  chunks_.erase(revision);
  return absl::OkStatus();
}

absl::Status MemoryStore::CompactThrough(int64_t revision) {
  absl::MutexLock lock(&mu_);
  if (revision <= compacted_through_) return absl::OkStatus();
  rows_.erase(rows_.begin(), Find(revision + 1));
  compacted_through_ = revision;
  return absl::OkStatus();
}

absl::StatusOr<int64_t> MemoryStore::CompactedThrough() {
  absl::MutexLock lock(&mu_);
  return compacted_through_;
}

}  // namespace pdp
