// Page-token pagination over the snapshot's ordered maps, shared by the
// AdminService List* methods. The token is the last key of the previous
// page, so pages stay stable while other keys are added or removed.
#ifndef PDP_SERVER_PAGINATION_H_
#define PDP_SERVER_PAGINATION_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "pdp/v1/admin.pb.h"

namespace pdp {

inline constexpr int kDefaultPageSize = 100;
inline constexpr int kMaxPageSize = 1000;

// Walks `map` from after the page token, emitting up to page_size entries
// that `keep` accepts; returns the next page token ("" at the end).
template <typename Map, typename Keep, typename Emit>
absl::StatusOr<std::string> Paginate(const Map& map, const pdp::v1::ListRequest& req, Keep keep,
                                     Emit emit) {
  int size = req.page_size() == 0 ? kDefaultPageSize : req.page_size();
  if (size < 0 || size > kMaxPageSize) {
    return FieldError("page_size", absl::StrCat("must be between 0 and ", kMaxPageSize));
  }
  auto it = req.page_token().empty() ? map.begin() : map.upper_bound(req.page_token());
  int n = 0;
  std::string last;
  for (; it != map.end(); ++it) {
    if (!keep(*it->second)) continue;
    if (n == size) return last;
    emit(*it->second);
    last = it->first;
    ++n;
  }
  return std::string();
}

}  // namespace pdp

#endif  // PDP_SERVER_PAGINATION_H_
