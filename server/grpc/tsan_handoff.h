#ifndef PDP_SERVER_GRPC_TSAN_HANDOFF_H_
#define PDP_SERVER_GRPC_TSAN_HANDOFF_H_

// Marks a scope whose writes are handed to gRPC, for ThreadSanitizer builds
// only; in every other build it is an empty object and costs nothing.
//
// Why: a unary call may be finished on a thread other than the one draining
// its completion queue (a call parked on the revision gate is resumed by the
// gate's thread; a question is answered on a question thread). gRPC allows
// that. Finish fills the call's op set (inline gRPC code, compiled into our
// binary) on the finishing thread and starts the batch; gRPC core passes the
// completion to the queue thread through its own lock-free queue, which TSan
// cannot see because Debian's libgrpc is not instrumented, and the queue
// thread then reads the op set (FinalizeResult, FinishOp). TSan reports that
// as a race although gRPC orders it.
//
// Inside the scope TSan does not record this thread's writes: only the op
// set's and metadata's bookkeeping, which only gRPC touches afterwards. Reads
// (serialising our response) are still checked, and so is everything outside
// the scope. Not thread-safe to share: one per scope, on one thread.

#if defined(__SANITIZE_THREAD__)
#define PDP_TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PDP_TSAN_BUILD 1
#endif
#endif

#ifdef PDP_TSAN_BUILD
extern "C" void AnnotateIgnoreWritesBegin(const char* file, int line);
extern "C" void AnnotateIgnoreWritesEnd(const char* file, int line);
#endif

namespace pdp {

class WritesHandedToGrpc {
 public:
#ifdef PDP_TSAN_BUILD
  WritesHandedToGrpc() { AnnotateIgnoreWritesBegin(__FILE__, __LINE__); }
  ~WritesHandedToGrpc() { AnnotateIgnoreWritesEnd(__FILE__, __LINE__); }
#else
  // User-provided, so that a scope object is not an "unused variable".
  WritesHandedToGrpc() {}
  ~WritesHandedToGrpc() {}
#endif
  WritesHandedToGrpc(const WritesHandedToGrpc&) = delete;
  WritesHandedToGrpc& operator=(const WritesHandedToGrpc&) = delete;
};

}  // namespace pdp

#endif  // PDP_SERVER_GRPC_TSAN_HANDOFF_H_
