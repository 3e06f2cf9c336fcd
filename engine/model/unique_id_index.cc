#include "engine/model/unique_id_index.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <utility>

#include "absl/hash/hash.h"
#include "base/strings.h"

namespace pdp {
namespace {

constexpr size_t kAccountDigits = 12;

}  // namespace

uint64_t UniqueIdIndex::HashOf(absl::string_view unique_id) {
  return absl::Hash<absl::string_view>{}(unique_id);
}

std::optional<UniqueIdIndex::Entry> UniqueIdIndex::EntryFor(absl::string_view unique_id,
                                                            absl::string_view account_id) {
  if (!IsAccountId(account_id)) return std::nullopt;
  uint64_t account = 0;
  for (char c : account_id) account = account * 10 + static_cast<uint64_t>(c - '0');
  return Entry{HashOf(unique_id), account};
}

void UniqueIdIndex::Sort(std::vector<Entry>& entries) {
  constexpr size_t kBuckets = kFanout * kFanout;
  // A checkpoint's load puts a million entries in one update. Entries in
  // hash order are in bucket order, so one pass places each in its
  // bucket's range and each range, a few hundred entries that fit in
  // cache, is sorted on its own (the load's sort was its index upkeep's
  // largest serial part).
  if (entries.size() < 8 * kBuckets) {
    std::sort(entries.begin(), entries.end());
    return;
  }
  std::vector<size_t> begin(kBuckets + 1, 0);
  for (const Entry& e : entries) ++begin[BucketOf(e.id_hash) + 1];
  for (size_t b = 0; b < kBuckets; ++b) begin[b + 1] += begin[b];
  std::vector<Entry> placed(entries.size());
  std::vector<size_t> next(begin.begin(), begin.end() - 1);
  for (const Entry& e : entries) placed[next[BucketOf(e.id_hash)]++] = e;
  for (size_t b = 0; b < kBuckets; ++b) {
    std::sort(placed.begin() + static_cast<ptrdiff_t>(begin[b]),
              placed.begin() + static_cast<ptrdiff_t>(begin[b + 1]));
  }
  entries.swap(placed);
}

bool UniqueIdIndex::AnyAccount(absl::string_view unique_id,
                               absl::FunctionRef<bool(absl::string_view)> visit) const {
  if (top_ == nullptr) return false;
  const uint64_t h = HashOf(unique_id);
  const size_t b = BucketOf(h);
  const Page* page = (*top_)[b >> kFanoutBits].get();
  if (page == nullptr) return false;
  const Bucket* bucket = (*page)[b & (kFanout - 1)].get();
  if (bucket == nullptr) return false;
  auto it = std::lower_bound(bucket->begin(), bucket->end(), Entry{h, 0});
  for (; it != bucket->end() && it->id_hash == h; ++it) {
    if (it != bucket->begin() && *std::prev(it) == *it) continue;  // counted twice
    char digits[kAccountDigits];
    uint64_t n = it->account;
    for (size_t i = kAccountDigits; i-- > 0; n /= 10) digits[i] = static_cast<char>('0' + n % 10);
    if (visit(absl::string_view(digits, kAccountDigits))) return true;
  }
  return false;
}

void UniqueIdIndex::Update(std::vector<Entry> added, std::vector<Entry> removed) {
  if (added.empty() && removed.empty()) return;
  Sort(added);
  Sort(removed);
  auto top = top_ != nullptr ? std::make_shared<Top>(*top_) : std::make_shared<Top>();
  // The pages this update copied (the others are still shared).
  std::array<std::shared_ptr<Page>, kFanout> copied;
  // Entries sorted by hash are sorted by bucket: walk both lists a bucket
  // at a time.
  auto a = added.begin();
  auto r = removed.begin();
  while (a != added.end() || r != removed.end()) {
    const uint64_t key = r == removed.end() ? BucketOf(a->id_hash)
                         : a == added.end() ? BucketOf(r->id_hash)
                                            : std::min(BucketOf(a->id_hash), BucketOf(r->id_hash));
    auto a_end =
        std::find_if(a, added.end(), [&](const Entry& e) { return BucketOf(e.id_hash) != key; });
    auto r_end =
        std::find_if(r, removed.end(), [&](const Entry& e) { return BucketOf(e.id_hash) != key; });
    const size_t p = key >> kFanoutBits, s = key & (kFanout - 1);
    if (copied[p] == nullptr) {
      copied[p] =
          (*top)[p] != nullptr ? std::make_shared<Page>(*(*top)[p]) : std::make_shared<Page>();
      (*top)[p] = copied[p];
    }
    const Bucket* old = (*copied[p])[s].get();
    static const Bucket kEmpty;
    if (old == nullptr) old = &kEmpty;
    const size_t was = old->size();
    // The old entries less one per removed (a multiset difference), merged
    // with the added ones. Most updates only add to a bucket (a batch of
    // new principals): then the old entries are merged as they are.
    Bucket kept;
    if (r != r_end) {
      kept.reserve(old->size());
      std::set_difference(old->begin(), old->end(), r, r_end, std::back_inserter(kept));
      old = &kept;
    }
    auto next = std::make_shared<Bucket>();
    next->reserve(old->size() + static_cast<size_t>(a_end - a));
    std::merge(old->begin(), old->end(), a, a_end, std::back_inserter(*next));
    size_ = size_ - was + next->size();
    (*copied[p])[s] = next->empty() ? nullptr : std::shared_ptr<const Bucket>(std::move(next));
    a = a_end;
    r = r_end;
  }
  top_ = std::move(top);
}

}  // namespace pdp
