#include "pending_calls.h"

#include <utility>
#include <vector>

namespace pdp {

PendingCalls::~PendingCalls() { CancelAllAndWait(); }

bool PendingCalls::Add(std::shared_ptr<grpc::ClientContext> call) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return false;
  const grpc::ClientContext* key = call.get();
  calls_.emplace(key, std::move(call));
  ++live_;
  return true;
}

void PendingCalls::Remove(const grpc::ClientContext* call) {
  std::shared_ptr<grpc::ClientContext> removed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = calls_.find(call);
    if (it == calls_.end()) return;
    removed = std::move(it->second);
    calls_.erase(it);
  }
  // The last reference may be this one: the call is destroyed here, outside
  // the lock, and before the waiter can go on.
  removed.reset();
  std::lock_guard<std::mutex> lock(mu_);
  // Notified under the lock: the waiter may destroy this object as soon as
  // it sees no call live, which it cannot before we unlock.
  if (--live_ == 0) idle_.notify_all();
}

void PendingCalls::CancelAllAndWait() {
  std::vector<std::shared_ptr<grpc::ClientContext>> in_flight;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    for (const auto& [key, call] : calls_) in_flight.push_back(call);
  }
  // Outside the lock: a cancelled call may complete, and Remove itself, on
  // this very thread.
  for (const auto& call : in_flight) call->TryCancel();
  in_flight.clear();
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return live_ == 0; });
}

}  // namespace pdp
