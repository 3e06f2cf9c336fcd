// A Store that times its inner store's commits for ServerMetrics
// (billing_pdp_store_commit_duration_seconds) and passes every other call
// through unchanged. Thread-safety and errors are the inner store's.
#ifndef PDP_SERVER_METRICS_METERED_STORE_H_
#define PDP_SERVER_METRICS_METERED_STORE_H_

#include <memory>
#include <string>

#include "server/metrics/server_metrics.h"
#include "server/store/store.h"

namespace pdp {

class MeteredStore final : public Store {
 public:
  // `metrics` must outlive this object.
  MeteredStore(std::unique_ptr<Store> inner, ServerMetrics* metrics)
      : inner_(std::move(inner)), metrics_(metrics) {}

  absl::Status Commit(const StoredBatch& batch) override;

  absl::Status Health() override { return inner_->Health(); }
  bool CreatedOnOpen() const override { return inner_->CreatedOnOpen(); }
  absl::Status ReadFrom(int64_t from_revision, int64_t to_revision, const ReadFn& fn,
                        bool with_changes) override {
    return inner_->ReadFrom(from_revision, to_revision, fn, with_changes);
  }
  absl::Status UpgradeBatch(const StoredBatch& batch) override {
    return inner_->UpgradeBatch(batch);
  }
  absl::Status ReadRequestOutcomes(int64_t through_revision, size_t limit,
                                   const ReadFn& fn) override {
    return inner_->ReadRequestOutcomes(through_revision, limit, fn);
  }
  absl::Status PutCheckpointChunk(int64_t revision, int seq, const std::string& bytes) override {
    return inner_->PutCheckpointChunk(revision, seq, bytes);
  }
  absl::Status PutCheckpointManifest(int64_t revision, const std::string& bytes) override {
    return inner_->PutCheckpointManifest(revision, bytes);
  }
  absl::StatusOr<CheckpointListing> ListCheckpoints() override { return inner_->ListCheckpoints(); }
  absl::StatusOr<std::string> ReadCheckpointManifest(int64_t revision) override {
    return inner_->ReadCheckpointManifest(revision);
  }
  absl::StatusOr<std::string> ReadCheckpointChunk(int64_t revision, int seq) override {
    return inner_->ReadCheckpointChunk(revision, seq);
  }
  absl::Status DeleteCheckpoint(int64_t revision) override {
    return inner_->DeleteCheckpoint(revision);
  }
  absl::Status CompactThrough(int64_t revision) override {
    return inner_->CompactThrough(revision);
  }
  absl::StatusOr<int64_t> CompactedThrough() override { return inner_->CompactedThrough(); }
  bool IsShared() const override { return inner_->IsShared(); }
  absl::Status WaitForCommits(absl::Duration timeout) override {
    return inner_->WaitForCommits(timeout);
  }

 private:
  std::unique_ptr<Store> inner_;
  ServerMetrics* metrics_;
};

}  // namespace pdp

#endif  // PDP_SERVER_METRICS_METERED_STORE_H_
