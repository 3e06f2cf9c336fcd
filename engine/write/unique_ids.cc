// IAM unique ids (AIDA..., AGPA..., AROA...): SnapshotBuilder::Ops gives
// each new user, group and role one (kept from the change, or made up), and
// the builder answers who holds an id in the state as changed so far and
// brings the snapshot's unique-id index up to date at Finish().
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/arn.h"
#include "base/errors.h"
#include "engine/write/builder_errors.h"
#include "engine/write/snapshot_builder_ops.h"

namespace pdp {

absl::string_view SnapshotBuilder::Ops::UniqueIdPrefix(IamArnKind kind) {
  return kind == IamArnKind::kUser ? "AIDA" : kind == IamArnKind::kGroup ? "AGPA" : "AROA";
}

absl::Status SnapshotBuilder::Ops::AssignUniqueId(const std::string& field, const EntityInput& in,
                                                  const EntityRecord* existing,
                                                  absl::string_view account_id,
                                                  absl::string_view key, EntityRecord& rec) {
  const std::string given = in.unique_id != nullptr ? *in.unique_id : std::string();
  if (!given.empty()) {
    absl::string_view prefix = UniqueIdPrefix(in.kind);
    const bool well_formed =
        given.size() >= 16 && given.size() <= 128 && absl::StartsWith(given, prefix) &&
        std::all_of(given.begin(), given.end(),
                    [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
    if (!well_formed) {
      return FieldError(field, absl::StrCat("a ", in.field, "'s unique id is ", prefix,
                                            " followed by upper-case letters and digits, 16 "
                                            "to 128 characters in all"));
    }
  }
  if (existing != nullptr) {
    if (!given.empty() && given != existing->unique_id) {
      return Refuse(absl::StatusCode::kFailedPrecondition, field,
                    absl::StrCat("this ", in.field, "'s unique id is ", existing->unique_id,
                                 "; unique ids never change (delete the ", in.field,
                                 " and create it again to give it another)"),
                    "UNIQUE_ID_CHANGED");
    }
    rec.unique_id = existing->unique_id;
    return absl::OkStatus();
  }
  if (!given.empty()) {
    if (const EntityRecord* holder = b_.HolderOfUniqueId(given); holder != nullptr) {
      // Another account's principal is not named: the caller may not be
      // allowed to see that account.
      absl::StatusOr<IamArn> holder_arn = ParseIamArn(holder->arn);
      const bool same_account = holder_arn.ok() && holder_arn->account == account_id;
      return FieldError(field,
                        same_account ? absl::StrCat("is already the unique id of ", holder->arn)
                                     : "is already the unique id of a principal in another "
                                       "account",
                        absl::StatusCode::kAlreadyExists);
    }
    rec.unique_id = given;
  } else {
    // Made-up ids are derived from the ARN and the revision, so a replay
    // of the same batches gives the same ids; a clash with an id somebody
    // chose (even on purpose) moves on to the next candidate.
    for (int attempt = 0;; ++attempt) {
      rec.unique_id = MadeUpUniqueId(in.kind, rec.arn, attempt);
      if (b_.HolderOfUniqueId(rec.unique_id) == nullptr) break;
    }
  }
  b_.new_unique_ids_[rec.unique_id] = absl::StrCat(account_id, "/", key);
  return absl::OkStatus();
}

std::string SnapshotBuilder::Ops::MadeUpUniqueId(IamArnKind kind, const std::string& arn,
                                                 int attempt) const {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (char c : attempt == 0 ? absl::StrCat(arn, "#", b_.revision_)
                             : absl::StrCat(arn, "#", b_.revision_, "#", attempt)) {
    h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  }
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string id(UniqueIdPrefix(kind));
  for (int i = 0; i < 17; ++i) {
    id += kAlphabet[h & 31];
    h = (h >> 5) | (h << 59);
    h *= 0x9E3779B97F4A7C15ull;
  }
  return id;
}

const EntityRecord* SnapshotBuilder::HolderOfUniqueId(absl::string_view unique_id) const {
  // Where the id was given out, this batch or before; the entity there
  // holds it only if this batch has not since deleted it.
  if (auto it = new_unique_ids_.find(unique_id); it != new_unique_ids_.end()) {
    const absl::string_view where = it->second;  // "<account id>/<entity key>"
    const size_t slash = where.find('/');
    if (const AccountState* account = next_->FindAccount(where.substr(0, slash))) {
      auto e = account->entities.find(where.substr(slash + 1));
      if (e != account->entities.end() && e->second->unique_id == unique_id) {
        return e->second.get();
      }
    }
  }
  return Snapshot::HolderOfUniqueId(base_->unique_ids_, *next_, unique_id);
}

void SnapshotBuilder::IndexUniqueIds() {
  // One entry per entity holding an id: an entity whose id left (deleted,
  // or its key now holds another) takes one out, one whose id is new puts
  // one in, so each account's entries stay exactly its entities' ids.
  std::vector<UniqueIdIndex::Entry> added, removed;
  auto note = [](std::vector<UniqueIdIndex::Entry>& to, const EntityRecord& e,
                 const std::string& account_id) {
    if (e.unique_id.empty()) return;
    // Every account id in a snapshot is 12 digits (CreateAccount and the
    // restorer refuse others).
    if (auto entry = UniqueIdIndex::EntryFor(e.unique_id, account_id)) to.push_back(*entry);
  };
  using Entities = absl::btree_map<std::string, std::shared_ptr<const EntityRecord>>;
  static const Entities kNone;
  for (const std::string& id : written_) {
    const AccountState* before = base_->FindAccount(id);
    // The batch's copy when it has one (a hash lookup: a checkpoint load
    // writes every account), else what the snapshot holds.
    auto copy = touched_.find(id);
    const AccountState* after =
        copy != touched_.end() ? copy->second.get() : next_->FindAccount(id);
    // Both maps are in key order: walk them side by side (most written
    // accounts, e.g. by a settings change, hold the very same records).
    const Entities& was = before != nullptr ? before->entities : kNone;
    const Entities& now = after != nullptr ? after->entities : kNone;
    auto b = was.begin(), a = now.begin();
    while (b != was.end() || a != now.end()) {
      if (a == now.end() || (b != was.end() && b->first < a->first)) {
        note(removed, *b->second, id);  // the key is gone
        ++b;
      } else if (b == was.end() || a->first < b->first) {
        note(added, *a->second, id);  // a new key
        ++a;
      } else {
        if (b->second != a->second && b->second->unique_id != a->second->unique_id) {
          note(removed, *b->second, id);
          note(added, *a->second, id);
        }
        ++b;
        ++a;
      }
    }
  }
  next_->unique_ids_.Update(std::move(added), std::move(removed));
  new_unique_ids_.clear();
}

}  // namespace pdp
