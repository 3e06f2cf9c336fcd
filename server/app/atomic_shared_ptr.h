// AtomicSharedPtr<T>: the load() and store() of
// std::atomic<std::shared_ptr<T>>, made with a reader/writer lock.
//
// Why not std::atomic<std::shared_ptr<T>>: GCC 12's libstdc++ (Debian 12)
// releases its internal lock in load() with a relaxed store, so a load's read
// of the stored pointer is not ordered before a later store's write of it: a
// data race by the C++ memory model (ThreadSanitizer reports it; see
// google/sanitizers#1558). On x86 it is harmless; on a weaker memory model a
// reader could pair the new pointer with the old reference count.
//
// Thread-safety: every member may be called from any thread. load() holds a
// reader lock only while it copies the pointer (one reference count
// increment), so readers never wait for each other; store() holds the writer
// lock only for a swap, and drops the old value after unlocking.
#ifndef PDP_SERVER_APP_ATOMIC_SHARED_PTR_H_
#define PDP_SERVER_APP_ATOMIC_SHARED_PTR_H_

#include <atomic>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace pdp {

template <typename T>
class AtomicSharedPtr {
 public:
  explicit AtomicSharedPtr(std::shared_ptr<T> value) : value_(std::move(value)) {}
  AtomicSharedPtr(const AtomicSharedPtr&) = delete;
  AtomicSharedPtr& operator=(const AtomicSharedPtr&) = delete;

  // The memory order is accepted for std::atomic's signature; the lock
  // always orders as seq_cst would.
  std::shared_ptr<T> load(std::memory_order = std::memory_order_seq_cst) const {
    absl::ReaderMutexLock lock(&mu_);
    return value_;
  }

  void store(std::shared_ptr<T> value, std::memory_order = std::memory_order_seq_cst) {
    {
      absl::MutexLock lock(&mu_);
      value_.swap(value);
    }
    // `value` now holds the old pointer; its last reference may free a large
    // object, which happens here, outside the lock.
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<T> value_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pdp

#endif  // PDP_SERVER_APP_ATOMIC_SHARED_PTR_H_
