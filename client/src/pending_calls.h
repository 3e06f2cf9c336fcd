// The async calls a client has in flight (private to the library), so that
// destroying the client can cancel them and wait for their callbacks.
#ifndef PDP_CLIENT_SRC_PENDING_CALLS_H_
#define PDP_CLIENT_SRC_PENDING_CALLS_H_

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>

#include "grpcpp/client_context.h"

namespace pdp {

// Thread-safe. A call is registered (Add) before it starts and removed
// (Remove) after its callback has returned. The waiting in
// CancelAllAndWait ends only after every call's last reference held here
// has been dropped (so the call, its context and the context's reference to
// the channel are gone when the caller's reference to the channel is the
// only one left: the channel is never destroyed on a gRPC thread).
class PendingCalls {
 public:
  PendingCalls() = default;
  PendingCalls(const PendingCalls&) = delete;
  PendingCalls& operator=(const PendingCalls&) = delete;
  // CancelAllAndWait().
  ~PendingCalls();

  // Registers a call by its context, which `call` keeps alive. False once
  // CancelAllAndWait has begun: the call must not start.
  bool Add(std::shared_ptr<grpc::ClientContext> call);
  void Remove(const grpc::ClientContext* call);

  // From now on Add refuses; cancels every registered call (TryCancel) and
  // waits until all are removed. Must not run on a thread inside one of
  // these calls' callbacks (it would wait for itself).
  void CancelAllAndWait();

 private:
  std::mutex mu_;
  std::condition_variable idle_;
  // Shared, so that cancelling (outside the lock: gRPC may finish the call,
  // and so Remove it, on this thread) never touches a freed context.
  std::map<const grpc::ClientContext*, std::shared_ptr<grpc::ClientContext>> calls_;
  // Calls added and not yet done with Remove (their reference dropped);
  // CancelAllAndWait waits for 0.
  int live_ = 0;
  bool closed_ = false;
};

}  // namespace pdp

#endif  // PDP_CLIENT_SRC_PENDING_CALLS_H_
