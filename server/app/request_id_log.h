// The ApplyChanges request ids the server remembers, so that a retried call
// gets its first response instead of being applied twice.
//
// Bounded: the last `capacity` ids in commit order; the oldest is forgotten
// first. Each id keeps a fingerprint of its changes, which tells a retry
// (same changes) from a reused id (different changes), and the response to
// give again. Not thread-safe: WorldState uses it under its writer lock, so
// that checking an id and committing its batch are one step.
#ifndef PDP_SERVER_APP_REQUEST_ID_LOG_H_
#define PDP_SERVER_APP_REQUEST_ID_LOG_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "pdp/v1/admin.pb.h"
#include "pdp/v1/changes.pb.h"

namespace pdp {

// How many request ids the server remembers (ApplyChangesRequest's contract).
inline constexpr size_t kRememberedRequestIds = 100000;

// INVALID_ARGUMENT (field "request_id") unless `id` is 1 to 128 printable
// ASCII characters. The empty id (no idempotency) is for the caller to
// allow.
absl::Status ValidateRequestId(absl::string_view id);

// Identifies a list of changes: the SHA-256 of their deterministic
// serialization (map entries in key order, each change length-prefixed), so
// equal for equal changes and different otherwise. Stable across processes
// and builds that serialize the same messages alike: it is stored with each
// batch (RequestOutcome.changes_sha256).
struct ChangesFingerprint {
  std::string sha256;
  bool operator==(const ChangesFingerprint& o) const { return sha256 == o.sha256; }
};
ChangesFingerprint FingerprintChanges(const std::vector<pdp::v1::Change>& changes);

class RequestIdLog {
 public:
  struct Entry {
    ChangesFingerprint fingerprint;
    // As first returned (replayed = false); shared, never modified.
    std::shared_ptr<const pdp::v1::ApplyChangesResponse> response;
  };

  explicit RequestIdLog(size_t capacity = kRememberedRequestIds) : capacity_(capacity) {}

  // The entry for `id`, or null if it is not (or no longer) remembered.
  const Entry* Find(absl::string_view id) const;

  // Remembers `id` (already validated), forgetting the oldest id when full.
  // An id already remembered keeps its place and takes the new entry.
  void Remember(const std::string& id, Entry entry);

  size_t size() const { return entries_.size(); }

 private:
  size_t capacity_;
  absl::flat_hash_map<std::string, Entry> entries_;
  std::deque<std::string> order_;  // oldest first
};

}  // namespace pdp

#endif  // PDP_SERVER_APP_REQUEST_ID_LOG_H_
