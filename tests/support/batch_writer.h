// A client thread that streams ApplyChanges batches to one server until a
// call fails (the server was killed), remembering every acknowledged
// response: what the crash tests check a restarted server against.
// Header-only; needs pdp_client.
#ifndef PDP_TESTS_SUPPORT_BATCH_WRITER_H_
#define PDP_TESTS_SUPPORT_BATCH_WRITER_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "billing_pdp/admin_client.h"

namespace pdp::testing {

class BatchWriter {
 public:
  using MakeBatch = std::function<pdp::v1::ApplyChangesRequest(int n)>;

  // Sends make_batch(first), make_batch(first + 1), ... to `address`, at
  // most `max_batches` (in case the kill never comes: the test fails then),
  // waiting `pause` after each acknowledged one.
  BatchWriter(const std::string& address, int first, MakeBatch make_batch, int max_batches,
              std::chrono::microseconds pause = std::chrono::microseconds(0))
      : next_(first), make_batch_(std::move(make_batch)), max_batches_(max_batches), pause_(pause) {
    options_.target = address;
    options_.timeout = std::chrono::seconds(30);
    thread_ = std::thread([this] { Run(); });
  }
  ~BatchWriter() { Join(); }

  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  // How many calls were acknowledged so far, and the last one's revision.
  int acked() const { return acked_.load(); }
  int64_t last_revision() const { return last_revision_.load(); }
  // How long an acknowledged call took on average.
  std::chrono::microseconds mean_call() const {
    const int n = acked_.load();
    return std::chrono::microseconds(n == 0 ? 0 : total_us_.load() / n);
  }
  // After Join(): the acknowledged batches by n, and the call that failed
  // (-1 if none did).
  const std::map<int, pdp::v1::ApplyChangesResponse>& responses() const { return responses_; }
  int failed_batch() const { return failed_batch_; }
  const absl::Status& failure() const { return failure_; }

 private:
  void Run() {
    AdminClient admin(options_);
    for (int i = 0; i < max_batches_; ++i, ++next_) {
      const pdp::v1::ApplyChangesRequest batch = make_batch_(next_);
      const auto start = std::chrono::steady_clock::now();
      absl::StatusOr<pdp::v1::ApplyChangesResponse> r = admin.ApplyChanges(batch);
      if (!r.ok()) {
        failed_batch_ = next_;
        failure_ = r.status();
        return;
      }
      total_us_ += std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::steady_clock::now() - start)
                       .count();
      responses_[next_] = *r;
      last_revision_ = r->revision();
      ++acked_;
      if (pause_.count() > 0) std::this_thread::sleep_for(pause_);
    }
  }

  ClientOptions options_;
  int next_;
  const MakeBatch make_batch_;
  const int max_batches_;
  const std::chrono::microseconds pause_;
  std::atomic<int> acked_{0};
  std::atomic<int64_t> last_revision_{0};
  std::atomic<int64_t> total_us_{0};
  std::map<int, pdp::v1::ApplyChangesResponse> responses_;
  int failed_batch_ = -1;
  absl::Status failure_;
  std::thread thread_;
};

}  // namespace pdp::testing

#endif  // PDP_TESTS_SUPPORT_BATCH_WRITER_H_
