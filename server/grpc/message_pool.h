// Request and response messages kept, cleared, for the next call of the
// same method on the same completion-queue thread, so a batch's requests,
// decisions and their strings are parsed and filled again in place instead
// of allocated and freed on every call.
//
// Bounded so that no caller can make the server hold much. A cleared
// message keeps the room its fields had (strings' capacity, repeated
// fields' elements), and that room can outgrow the encoding: an empty
// element of a repeated field encodes in 2 bytes and occupies about 70. So
// each kept message counts the encoded bytes of every call it served, and
// is freed once they pass kMaxCarriedBytes: whatever it retains was made by
// those calls, at most a few dozen times their bytes. At most kMaxKept
// messages of a type are kept per thread.
//
// Thread-safety: each thread has its own pool (thread_local); a message is
// taken and given back on the same thread. Protobuf's Clear() resets every
// field, so nothing of one call reaches the next
// (tests/e2e/message_reuse_e2e_test.cc).
#ifndef PDP_SERVER_GRPC_MESSAGE_POOL_H_
#define PDP_SERVER_GRPC_MESSAGE_POOL_H_

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace pdp {

// A message and the encoded bytes of the calls it has served.
template <typename Message>
struct PooledMessage {
  std::unique_ptr<Message> message = std::make_unique<Message>();
  size_t carried = 0;
};

template <typename Message>
class MessagePool {
 public:
  static constexpr size_t kMaxKept = 16;
  static constexpr size_t kMaxCarriedBytes = 64 * 1024;

  // A kept message, cleared, or a new one.
  static PooledMessage<Message> Take() {
    std::vector<PooledMessage<Message>>& kept = Kept();
    if (kept.empty()) return PooledMessage<Message>();
    PooledMessage<Message> pooled = std::move(kept.back());
    kept.pop_back();
    return pooled;
  }

  // Keeps `pooled` for the next Take() on this thread, cleared, unless the
  // pool is full or the calls it served (this one's `encoded_bytes`
  // included) carried more than kMaxCarriedBytes; frees it otherwise.
  static void Give(PooledMessage<Message> pooled, size_t encoded_bytes) {
    std::vector<PooledMessage<Message>>& kept = Kept();
    pooled.carried += encoded_bytes;
    if (pooled.message == nullptr || kept.size() >= kMaxKept || pooled.carried > kMaxCarriedBytes) {
      return;
    }
    pooled.message->Clear();
    kept.push_back(std::move(pooled));
  }

  // How many messages this thread keeps (tests).
  static size_t KeptCount() { return Kept().size(); }

 private:
  static std::vector<PooledMessage<Message>>& Kept() {
    thread_local std::vector<PooledMessage<Message>> kept;
    return kept;
  }
};

}  // namespace pdp

#endif  // PDP_SERVER_GRPC_MESSAGE_POOL_H_
