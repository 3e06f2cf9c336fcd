#include "server/app/concurrency_limit.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/errors.h"

namespace pdp {

ConcurrencyLimit::ConcurrencyLimit(int max, std::string what, std::string flag, std::string reason)
    : max_(std::max(max, 1)),
      what_(std::move(what)),
      flag_(std::move(flag)),
      reason_(std::move(reason)) {}

ConcurrencyLimit::Slot& ConcurrencyLimit::Slot::operator=(Slot&& o) noexcept {
  if (this != &o) {
    Release();
    limit_ = o.limit_;
    o.limit_ = nullptr;
  }
  return *this;
}

void ConcurrencyLimit::Slot::Release() {
  if (limit_ != nullptr) limit_->in_use_.fetch_sub(1);
  limit_ = nullptr;
}

ConcurrencyLimit::Slot ConcurrencyLimit::TryAcquire(absl::Status* error) {
  int current = in_use_.load();
  while (current < max_) {
    if (in_use_.compare_exchange_weak(current, current + 1)) return Slot(this);
  }
  *error = WithReason(
      absl::ResourceExhaustedError(absl::StrCat("this server already has ", max_, " ", what_,
                                                ", the most ", flag_, " allows; retry later")),
      reason_);
  return Slot();
}

}  // namespace pdp
