// An ordered map from strings to values whose copies share structure, for
// the snapshot's account table: copying it (each new snapshot does) copies
// one small vector of chunk pointers, not every entry, and a write copies
// only the chunk it touches. With 100,000 accounts a one-account write costs
// microseconds instead of copying 100,000 entries.
//
// Chunks are immutable once shared: a map mutates a chunk in place only if
// it made that chunk itself since it was last copied (tracked by an owner
// token), so writing to a copy never shows through another copy. Reads are
// thread-safe on a map nobody writes; writes need one writer.
#ifndef PDP_ENGINE_MODEL_SHARED_MAP_H_
#define PDP_ENGINE_MODEL_SHARED_MAP_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/strings/string_view.h"

namespace pdp {

template <typename V>
class SharedMap {
  struct Chunk {
    uint64_t owner = 0;
    absl::btree_map<std::string, V> entries;  // never empty while in a map
  };
  using ChunkIt = typename absl::btree_map<std::string, V>::const_iterator;

 public:
  using value_type = typename absl::btree_map<std::string, V>::value_type;

  class const_iterator {
   public:
    const value_type& operator*() const { return *it_; }
    const value_type* operator->() const { return &*it_; }
    const_iterator& operator++() {
      if (++it_ == map_->chunks_[chunk_]->entries.end() && chunk_ + 1 < map_->chunks_.size()) {
        ++chunk_;
        it_ = map_->chunks_[chunk_]->entries.begin();
      }
      return *this;
    }
    bool operator==(const const_iterator& o) const { return chunk_ == o.chunk_ && it_ == o.it_; }
    bool operator!=(const const_iterator& o) const { return !(*this == o); }

   private:
    friend class SharedMap;
    const_iterator(const SharedMap* map, size_t chunk, ChunkIt it)
        : map_(map), chunk_(chunk), it_(it) {}
    const SharedMap* map_;
    size_t chunk_;
    ChunkIt it_;
  };

  SharedMap() : token_(NewToken()) {}
  // The copy and the original share every chunk; neither may change one in
  // place afterwards.
  SharedMap(const SharedMap& other)
      : chunks_(other.chunks_), size_(other.size_), token_(NewToken()) {
    other.token_.store(NewToken(), std::memory_order_relaxed);
  }
  SharedMap& operator=(const SharedMap& other) {
    if (this != &other) {
      chunks_ = other.chunks_;
      size_ = other.size_;
      token_.store(NewToken(), std::memory_order_relaxed);
      other.token_.store(NewToken(), std::memory_order_relaxed);
    }
    return *this;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  const_iterator begin() const {
    if (chunks_.empty()) return end();
    return const_iterator(this, 0, chunks_[0]->entries.begin());
  }
  const_iterator end() const {
    if (chunks_.empty()) return const_iterator(this, 0, EmptyIt());
    return const_iterator(this, chunks_.size() - 1, chunks_.back()->entries.end());
  }
  const_iterator find(absl::string_view key) const {
    if (chunks_.empty()) return end();
    size_t c = ChunkFor(key);
    auto it = chunks_[c]->entries.find(key);
    return it == chunks_[c]->entries.end() ? end() : const_iterator(this, c, it);
  }
  // The value of `key`, or null: find() without building iterators (the
  // request path looks up an account this way).
  const V* FindValue(absl::string_view key) const {
    if (chunks_.empty()) return nullptr;
    const absl::btree_map<std::string, V>& entries = chunks_[ChunkFor(key)]->entries;
    auto it = entries.find(key);
    return it == entries.end() ? nullptr : &it->second;
  }
  // The first entry with a key greater than `key`.
  const_iterator upper_bound(absl::string_view key) const {
    if (chunks_.empty()) return end();
    size_t c = ChunkFor(key);
    auto it = chunks_[c]->entries.upper_bound(key);
    if (it == chunks_[c]->entries.end() && c + 1 < chunks_.size()) {
      return const_iterator(this, c + 1, chunks_[c + 1]->entries.begin());
    }
    return const_iterator(this, c, it);
  }

  // Inserts or replaces.
  void Set(const std::string& key, V value) {
    if (chunks_.empty()) {
      chunks_.push_back(std::make_shared<Chunk>(Chunk{token_.load(), {}}));
    }
    size_t c = ChunkFor(key);
    Chunk& chunk = Own(c);
    auto [it, inserted] = chunk.entries.insert_or_assign(key, std::move(value));
    if (inserted) ++size_;
    if (chunk.entries.size() > 2 * kChunkSize) Split(c);
  }

  // Removes `key`; false if it was not there.
  bool Erase(absl::string_view key) {
    if (chunks_.empty()) return false;
    size_t c = ChunkFor(key);
    if (!chunks_[c]->entries.contains(key)) return false;
    Chunk& chunk = Own(c);
    chunk.entries.erase(chunk.entries.find(key));
    --size_;
    if (chunk.entries.empty()) chunks_.erase(chunks_.begin() + c);
    return true;
  }

 private:
  static constexpr size_t kChunkSize = 256;

  static uint64_t NewToken() {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
  }
  static ChunkIt EmptyIt() {
    static const absl::btree_map<std::string, V> empty;
    return empty.end();
  }

  // The chunk whose range holds `key`: the last whose first key is <= key
  // (the first chunk for keys before every chunk).
  size_t ChunkFor(absl::string_view key) const {
    auto it = std::upper_bound(chunks_.begin() + 1, chunks_.end(), key,
                               [](absl::string_view k, const std::shared_ptr<Chunk>& chunk) {
                                 return k < absl::string_view(chunk->entries.begin()->first);
                               });
    return static_cast<size_t>(it - chunks_.begin()) - 1;
  }

  Chunk& Own(size_t c) {
    const uint64_t token = token_.load(std::memory_order_relaxed);
    if (chunks_[c]->owner != token) {
      chunks_[c] = std::make_shared<Chunk>(Chunk{token, chunks_[c]->entries});
    }
    return *chunks_[c];
  }

  void Split(size_t c) {
    Chunk& full = *chunks_[c];
    auto upper = std::make_shared<Chunk>(Chunk{token_.load(), {}});
    auto middle = full.entries.begin();
    std::advance(middle, full.entries.size() / 2);
    upper->entries.insert(middle, full.entries.end());
    full.entries.erase(middle, full.entries.end());
    chunks_.insert(chunks_.begin() + c + 1, std::move(upper));
  }

  std::vector<std::shared_ptr<Chunk>> chunks_;
  size_t size_ = 0;
  // Atomic: copying a map retires the original's token too, and several
  // builders may copy one published snapshot at once.
  mutable std::atomic<uint64_t> token_;
};

}  // namespace pdp

#endif  // PDP_ENGINE_MODEL_SHARED_MAP_H_
