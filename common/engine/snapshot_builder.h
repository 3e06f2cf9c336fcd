// Makes the next Snapshot from the current one and a batch of changes.
//
// Apply() checks and applies one change at a time against the state as
// changed so far; Finish() derives what decisions need (each principal's
// effective policies) for the accounts the batch touched and returns the
// new snapshot at base revision + 1. A batch is all or nothing: on any error
// the caller drops the builder and the base snapshot stays current.
//
// Not thread-safe; the server runs one builder at a time (single writer).
#ifndef PDP_COMMON_ENGINE_SNAPSHOT_BUILDER_H_
#define PDP_COMMON_ENGINE_SNAPSHOT_BUILDER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/engine/snapshot.h"
#include "pdp/v1/changes.pb.h"

namespace pdp {

// IAM's quotas, configurable; defaults are AWS's defaults.
struct WorldLimits {
  size_t max_groups_per_user = 10;
  size_t max_attached_policies = 10;  // per user, group or role
  size_t max_policy_versions = 5;
  size_t max_managed_policy_chars = 6144;  // white space not counted
  // Aggregate size of an entity's inline policies, white space not counted.
  size_t max_inline_chars_user = 2048;
  size_t max_inline_chars_group = 5120;
  size_t max_inline_chars_role = 10240;
  size_t max_tags = 50;
};

// Sets one quota by name ("groups_per_user", "attached_policies",
// "policy_versions", "managed_policy_chars", "inline_chars_user",
// "inline_chars_group", "inline_chars_role", "tags"). INVALID_ARGUMENT for
// an unknown name or a value of 0.
absl::Status SetWorldLimit(WorldLimits& limits, absl::string_view name, size_t value);

class SnapshotBuilder {
 public:
  explicit SnapshotBuilder(SnapshotPtr base, WorldLimits limits = {});

  // Applies one change. Errors carry field paths relative to the change's
  // own message (e.g. "user.arn"); reasons (ErrorInfo) for the documented
  // refusals: ROOT_USER_REQUIRED, NOT_AUTHORIZED, ETAG_MISMATCH,
  // DELETE_CONFLICT, LIMIT_EXCEEDED, AWS_MANAGED_READ_ONLY.
  absl::Status Apply(const pdp::v1::Change& change);

  // The new snapshot. Call once, after every Apply succeeded.
  SnapshotPtr Finish();

  int64_t revision() const { return revision_; }
  // The state as changed so far (for building responses).
  const Snapshot& current() const { return *next_; }

 private:
  class Ops;
  AccountState* MutableAccount(absl::string_view id);
  void RebuildViews(AccountState& account) const;

  SnapshotPtr base_;
  std::shared_ptr<Snapshot> next_;
  WorldLimits limits_;
  int64_t revision_;
  absl::flat_hash_map<std::string, std::shared_ptr<AccountState>> touched_;
};

}  // namespace pdp

#endif  // PDP_COMMON_ENGINE_SNAPSHOT_BUILDER_H_
