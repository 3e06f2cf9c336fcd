// Which accounts hold an IAM unique id (AIDA..., AGPA..., AROA...), world
// wide, so the writer can keep ids unique across every account as AWS does.
//
// An entry is a 64-bit hash of an id and the account (its 12-digit id as a
// number) of the entity holding it: 16 bytes, no strings. An entry only
// says where to look. Callers confirm by finding the entity that holds the
// id in that account (AccountState::FindByUniqueId). Two ids that hash alike
// cost one more look, never a wrong answer.
//
// The index is 64 pages of 64 buckets, each bucket an immutable sorted
// vector of entries. Copies share pages and buckets: a copy costs one
// pointer, and Update() copies only the top, the pages and the buckets it
// changes. A batch that creates many principals (their ids hash to random
// buckets) copies each bucket at most once: 16 bytes per indexed id.
//
// Thread-safety: const methods may run on any number of threads on an index
// nobody updates. Update() needs an index no other thread reads (the
// builder's next snapshot, before it is published); copies it shares
// buckets with are not changed by it.
#ifndef PDP_ENGINE_MODEL_UNIQUE_ID_INDEX_H_
#define PDP_ENGINE_MODEL_UNIQUE_ID_INDEX_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"

namespace pdp {

class UniqueIdIndex {
 public:
  struct Entry {
    uint64_t id_hash = 0;
    uint64_t account = 0;  // the account id's 12 digits as a number

    friend bool operator<(const Entry& a, const Entry& b) {
      return a.id_hash != b.id_hash ? a.id_hash < b.id_hash : a.account < b.account;
    }
    friend bool operator==(const Entry& a, const Entry& b) = default;
  };

  // The entry for `unique_id` held in account `account_id`; nullopt when
  // the account id is not exactly 12 digits (the builder's and the
  // restorer's checks keep any other out of a snapshot).
  static std::optional<Entry> EntryFor(absl::string_view unique_id, absl::string_view account_id);

  // Calls `visit` with each account (12 digits) that has an entry hashing
  // like `unique_id`, once per account, until it returns true. Returns
  // whether it did.
  bool AnyAccount(absl::string_view unique_id,
                  absl::FunctionRef<bool(absl::string_view account_id)> visit) const;

  // Entries are counted: an account with two entities whose ids hash
  // alike has the entry twice. Takes out one entry per element of
  // `removed` (one that is not there is ignored), then puts in `added`.
  void Update(std::vector<Entry> added, std::vector<Entry> removed);

  size_t size() const { return size_; }

 private:
  static constexpr int kFanoutBits = 6;
  static constexpr size_t kFanout = size_t{1} << kFanoutBits;
  using Bucket = std::vector<Entry>;
  using Page = std::array<std::shared_ptr<const Bucket>, kFanout>;
  using Top = std::array<std::shared_ptr<const Page>, kFanout>;

  static uint64_t HashOf(absl::string_view unique_id);
  // Sorts `entries` (as std::sort would).
  static void Sort(std::vector<Entry>& entries);
  // The bucket an id hash falls in: its top 12 bits, the page's number
  // (bucket >> kFanoutBits) and the slot in the page (its low bits).
  static size_t BucketOf(uint64_t id_hash) { return id_hash >> (64 - 2 * kFanoutBits); }

  std::shared_ptr<const Top> top_;  // null while empty
  size_t size_ = 0;
};

}  // namespace pdp

#endif  // PDP_ENGINE_MODEL_UNIQUE_ID_INDEX_H_
