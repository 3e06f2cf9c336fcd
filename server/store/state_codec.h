// The state as the stores keep it (pdp/store/v1/records.proto): what a
// committed batch changed, as post-images of the objects it put and the keys
// of those it deleted, and whole accounts and organizations for
// checkpoints. docs/log-format.md describes the records.
//
// Writing (DiffState, Append*Image) only reads snapshots. Reading
// (StateRestorer) applies records to a SnapshotBuilder as they were
// committed: no quota, etag or permission is judged again, so a record a
// server once acknowledged always applies, whatever its flags or data
// files say today.
#ifndef PDP_SERVER_STORE_STATE_CODEC_H_
#define PDP_SERVER_STORE_STATE_CODEC_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/model/snapshot.h"
#include "engine/write/snapshot_builder.h"
#include "pdp/store/v1/records.pb.h"

namespace pdp {

// Appends to `delta` how `after` differs from `before` in the accounts
// `account_ids` (any superset of the accounts that changed), in every
// organization and in the AWS managed policies (those put). Records are shared between snapshots,
// so an unchanged one is the same pointer in both and costs no more than that comparison.
void DiffState(const Snapshot& before, const Snapshot& after,
               const absl::btree_set<std::string>& account_ids, pdp::store::v1::StateDelta* delta);

// The whole of an account or organization, as a delta from nothing
// (checkpoints).
void AppendAccountImage(const AccountState& account, pdp::store::v1::StateDelta* delta);
void AppendOrganizationImage(const OrganizationState& organization,
                             pdp::store::v1::StateDelta* delta);
// Every AWS managed policy of `snapshot` that a put made (not the bundled
// ones, which the data files give), as put_aws_policies.
void AppendAwsPolicyImages(const Snapshot& snapshot, pdp::store::v1::StateDelta* delta);

// Applies deltas to builders. Policy documents are compiled once per
// distinct text for the restorer's life (a checkpoint of 100,000 copies of
// one policy compiles it once, and the copies share it). A document that no
// longer compiles (a validation rule tightened since it was committed) is
// kept as written and decided as a policy that denies everything, so every
// principal it reaches fails closed; failed_closed() counts them and
// last_failure() says which. Thread-safe (the compile cache is locked);
// a builder is not, so one thread applies to it.
class StateRestorer {
 public:
  // DATA_LOSS when a record is not usable (an unknown entity kind, an
  // empty key or id); the builder must then be dropped.
  absl::Status Apply(const pdp::store::v1::StateDelta& delta, SnapshotBuilder& builder);
  absl::Status ApplyOrganization(const pdp::store::v1::OrganizationDelta& delta,
                                 SnapshotBuilder& builder);
  // Only the delta's put_aws_policies (a checkpoint chunk's; Apply does
  // them too). DATA_LOSS for a record whose key is not its AWS ARN.
  absl::Status ApplyAwsPolicies(const pdp::store::v1::StateDelta& delta, SnapshotBuilder& builder);

  // A checkpoint's account (AppendAccountImage's record: not deleted) as
  // a new AccountState, for SnapshotBuilder::RestoreAccountImage; needs no
  // builder, so checkpoint chunks are decoded on several threads. The same
  // DATA_LOSS as Apply.
  absl::StatusOr<std::shared_ptr<AccountState>> DecodeAccountImage(
      const pdp::store::v1::AccountDelta& image);

  size_t failed_closed() const;
  std::string last_failure() const;

 private:
  CompiledPolicyPtr Compile(const std::string& document, const std::string& what);
  absl::StatusOr<std::shared_ptr<ManagedPolicyRecord>> PolicyFromRecord(
      const pdp::store::v1::ManagedPolicy& record);
  absl::Status ApplyAccount(const pdp::store::v1::AccountDelta& delta, SnapshotBuilder& builder);
  // Sets the header and puts the records of `delta` into `account`.
  absl::Status PutAccountRecords(const pdp::store::v1::AccountDelta& delta, AccountState& account);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, CompiledPolicyPtr> compiled_ ABSL_GUARDED_BY(mu_);
  size_t failed_closed_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_failure_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pdp

#endif  // PDP_SERVER_STORE_STATE_CODEC_H_
