#include "server/metrics/sharded_counters.h"

#include <utility>

namespace pdp {

ShardedCounters::ShardedCounters(size_t size)
    : size_(size), lines_per_shard_((size + 7) / 8), lines_(new Line[kShards * ((size + 7) / 8)]) {
  for (size_t i = 0; i < kShards * lines_per_shard_; ++i) {
    for (std::atomic<uint64_t>& c : lines_[i].cells) c.store(0, std::memory_order_relaxed);
  }
}

size_t ShardedCounters::ThreadShard() {
  // Threads take shards in turn as they first count: the few serving
  // threads each get their own.
  static std::atomic<size_t> next{0};
  thread_local const size_t shard = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return shard;
}

uint64_t ShardedCounters::Sum(size_t index) const {
  uint64_t total = 0;
  for (size_t shard = 0; shard < kShards; ++shard) {
    total += Cell(shard, index).load(std::memory_order_relaxed);
  }
  return total;
}

ShardedHistograms::ShardedHistograms(size_t series, std::vector<int64_t> upper_bounds_ns)
    : series_(series),
      bounds_(std::move(upper_bounds_ns)),
      stride_(bounds_.size() + 2),
      counters_(series * (bounds_.size() + 2)) {}

ShardedHistograms::Totals ShardedHistograms::Read(size_t series) const {
  Totals t;
  const size_t base = series * stride_;
  t.buckets.resize(bounds_.size() + 1);
  for (size_t b = 0; b <= bounds_.size(); ++b) {
    t.buckets[b] = counters_.Sum(base + b);
    t.count += t.buckets[b];
  }
  t.sum_ns = counters_.Sum(base + bounds_.size() + 1);
  return t;
}

}  // namespace pdp
