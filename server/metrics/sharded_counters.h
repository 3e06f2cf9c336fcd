// Counters cheap enough for the Authorize path: each thread adds to its own
// shard (a relaxed atomic add on a cache line no other thread normally
// touches), and only a scrape sums the shards. prometheus-cpp's own Counter
// and Histogram are not used per request: each Increment or Observe there is
// a shared atomic (Histogram: several), which every serving thread would
// fight over.
#ifndef PDP_SERVER_METRICS_SHARDED_COUNTERS_H_
#define PDP_SERVER_METRICS_SHARDED_COUNTERS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace pdp {

// A fixed number of monotonic uint64 counters, indexed 0..size()-1.
// Thread-safe: Add from any thread, Sum from any thread at the same time (it
// sees every Add that happened before it, and any number of concurrent
// ones). Never allocates after construction.
class ShardedCounters {
 public:
  explicit ShardedCounters(size_t size);

  size_t size() const { return size_; }

  // Adds `delta` to counter `index` (< size(); not checked on this path).
  void Add(size_t index, uint64_t delta = 1) {
    Cell(ThreadShard(), index).fetch_add(delta, std::memory_order_relaxed);
  }

  // The counter's total over every thread.
  uint64_t Sum(size_t index) const;

  // Shards: threads beyond this share them (still correct, slightly slower).
  static constexpr size_t kShards = 16;

 private:
  struct alignas(64) Line {
    std::atomic<uint64_t> cells[8];
  };
  static size_t ThreadShard();
  std::atomic<uint64_t>& Cell(size_t shard, size_t index) const {
    return lines_[shard * lines_per_shard_ + index / 8].cells[index % 8];
  }

  size_t size_;
  size_t lines_per_shard_;
  std::unique_ptr<Line[]> lines_;
};

// A set of histograms over the same bucket bounds (one per label set),
// counted in ShardedCounters: Observe is two relaxed atomic adds and a
// search through the bounds.
class ShardedHistograms {
 public:
  // `upper_bounds_ns`: increasing, in nanoseconds; +Inf is implied.
  ShardedHistograms(size_t series, std::vector<int64_t> upper_bounds_ns);

  size_t series() const { return series_; }
  const std::vector<int64_t>& upper_bounds_ns() const { return bounds_; }

  // Records one observation of `ns` nanoseconds (negative counts as 0) in
  // `series` (< series()).
  void Observe(size_t series, int64_t ns) {
    if (ns < 0) ns = 0;
    size_t bucket = 0;
    while (bucket < bounds_.size() && ns > bounds_[bucket]) ++bucket;
    const size_t base = series * stride_;
    counters_.Add(base + bucket);
    counters_.Add(base + bounds_.size() + 1, static_cast<uint64_t>(ns));
  }

  struct Totals {
    std::vector<uint64_t> buckets;  // per bucket (not cumulative); the last is +Inf
    uint64_t count = 0;             // the sum of `buckets`
    uint64_t sum_ns = 0;
  };
  Totals Read(size_t series) const;

 private:
  size_t series_;
  std::vector<int64_t> bounds_;
  size_t stride_;  // buckets (bounds + Inf) and the sum
  ShardedCounters counters_;
};

}  // namespace pdp

#endif  // PDP_SERVER_METRICS_SHARDED_COUNTERS_H_
