#include "server/app/decision_log.h"

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace pdp {

struct DecisionLog::Entry {
  absl::Time time;
  pdp::v1::AuthorizeRequest request;  // context cleared: never logged
  bool ok = false;
  pdp::v1::Decision decision;
  std::string error;
  int64_t latency_us = 0;
};

absl::StatusOr<std::unique_ptr<DecisionLog>> DecisionLog::Open(const Options& options) {
  if (!(options.sample_rate > 0.0 && options.sample_rate <= 1.0)) {
    return absl::InvalidArgumentError("the decision log's sample rate must be in (0, 1]");
  }
  FILE* out = stdout;
  if (options.path != "-") {
    out = std::fopen(options.path.c_str(), "a");
    if (out == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot open the decision log ", options.path, ": ", std::strerror(errno)));
    }
  }
  return std::unique_ptr<DecisionLog>(new DecisionLog(options, out));
}

DecisionLog::DecisionLog(const Options& options, FILE* out)
    : options_(options), out_(out), writer_([this] { Run(); }) {}

DecisionLog::~DecisionLog() { Stop(); }

bool DecisionLog::Sampled() const {
  if (options_.sample_rate >= 1.0) return true;
  thread_local absl::InsecureBitGen gen;
  return absl::Bernoulli(gen, options_.sample_rate);
}

void DecisionLog::Record(const pdp::v1::AuthorizeRequest& request,
                         const absl::StatusOr<pdp::v1::Decision>& decision,
                         absl::Duration latency) {
  auto entry = std::make_unique<Entry>();
  entry->time = absl::Now();
  entry->request.set_principal(request.principal());
  entry->request.set_account_id(request.account_id());
  if (request.has_page()) *entry->request.mutable_page() = request.page();
  if (request.has_action()) *entry->request.mutable_action() = request.action();
  entry->ok = decision.ok();
  if (decision.ok()) {
    entry->decision = *decision;
  } else {
    entry->error = absl::StrCat(absl::StatusCodeToString(decision.status().code()), ": ",
                                decision.status().message());
  }
  entry->latency_us = absl::ToInt64Microseconds(latency);
  absl::MutexLock lock(&mu_);
  if (stopping_ || queue_.size() >= options_.max_queued) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  queue_.push_back(std::move(entry));
}

bool DecisionLog::HasWork() const { return stopping_ || !queue_.empty(); }

void DecisionLog::Run() {
  while (true) {
    std::deque<std::unique_ptr<Entry>> batch;
    bool stop = false;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &DecisionLog::HasWork));
      batch.swap(queue_);
      stop = stopping_;
    }
    for (const auto& e : batch) {
      // Strings go through a JSON library: a principal or page id may hold
      // quotes, control characters or invalid UTF-8.
      nlohmann::json line = {
          {"time", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", e->time, absl::UTCTimeZone())},
          {"principal", e->request.principal()},
          {"account_id", e->request.account_id()},
      };
      if (e->request.has_page()) {
        line["page"] = e->request.page().page_id();
        line["access"] = pdp::v1::Access_Name(e->request.page().access());
      } else {
        line["action"] = e->request.action().action();
        line["resource"] = e->request.action().resource();
      }
      if (e->ok) {
        line["effect"] = pdp::v1::Effect_Name(e->decision.effect());
        line["reason"] = pdp::v1::Reason_Name(e->decision.reason());
        line["revision"] = e->decision.revision();
      } else {
        line["error"] = e->error;
      }
      line["latency_us"] = e->latency_us;
      const std::string text =
          line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
      std::fwrite(text.data(), 1, text.size(), out_);
      written_.fetch_add(1, std::memory_order_relaxed);
    }
    std::fflush(out_);
    if (stop) return;
  }
}

void DecisionLog::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (writer_.joinable()) writer_.join();
  if (out_ != stdout) std::fclose(out_);
  out_ = nullptr;
}

}  // namespace pdp
