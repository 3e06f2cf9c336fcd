// MessagePool: kept messages come back cleared on the same thread; the pool
// keeps at most kMaxKept; a message is freed once the calls it served carried
// more than kMaxCarriedBytes, so a caller cannot grow one message's room call
// after call (a cleared repeated field keeps its elements).
#include "server/grpc/message_pool.h"

#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "pdp/v1/authorization.pb.h"

namespace pdp {
namespace {

using Batch = pdp::v1::BatchAuthorizeRequest;
using Pool = MessagePool<Batch>;

void Drain() {
  while (Pool::KeptCount() > 0) Pool::Take();
}

TEST(MessagePoolTest, AKeptMessageComesBackClearedOnTheSameThread) {
  Drain();
  PooledMessage<Batch> pooled = Pool::Take();
  pooled.message->add_requests()->set_principal("arn:aws:iam::111111111111:user/dave");
  const Batch* address = pooled.message.get();
  Pool::Give(std::move(pooled), 100);
  ASSERT_EQ(Pool::KeptCount(), 1u);
  PooledMessage<Batch> again = Pool::Take();
  EXPECT_EQ(again.message.get(), address);
  EXPECT_EQ(again.message->requests_size(), 0);
  EXPECT_EQ(again.carried, 100u);
  // Another thread has its own pool.
  std::thread([] { EXPECT_EQ(Pool::KeptCount(), 0u); }).join();
}

TEST(MessagePoolTest, KeepsAtMostMaxKept) {
  Drain();
  std::vector<PooledMessage<Batch>> taken;
  for (size_t i = 0; i < Pool::kMaxKept + 5; ++i) taken.push_back(Pool::Take());
  for (PooledMessage<Batch>& m : taken) Pool::Give(std::move(m), 10);
  EXPECT_EQ(Pool::KeptCount(), Pool::kMaxKept);
  Drain();
}

// Calls of 16 KiB each, every one leaving more empty elements behind: the
// message is freed once their bytes pass the budget, not kept growing.
TEST(MessagePoolTest, AMessageIsFreedOnceItsCallsCarriedTooMuch) {
  Drain();
  PooledMessage<Batch> pooled = Pool::Take();
  size_t calls = 0;
  for (; calls < 100; ++calls) {
    for (int i = 0; i < 4000; ++i) pooled.message->add_requests();
    const size_t bytes = pooled.message->ByteSizeLong();
    ASSERT_LE(bytes, 16u * 1024);
    Pool::Give(std::move(pooled), bytes);
    pooled = Pool::Take();
    if (pooled.carried == 0) break;  // freed: a new one
    EXPECT_EQ(pooled.message->requests_size(), 0);
  }
  EXPECT_EQ(calls, Pool::kMaxCarriedBytes / (4000 * 2));
  Drain();
}

}  // namespace
}  // namespace pdp
