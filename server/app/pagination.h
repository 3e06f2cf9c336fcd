// Page-token pagination over the snapshot's ordered maps, shared by the
// AdminService List* methods. The token names the listing it belongs to and
// the last key of the previous page, so pages stay stable while other keys
// are added or removed. A token this server did not hand out for the same
// listing is INVALID_ARGUMENT `page_token`: never a silent first (or empty)
// page.
#ifndef PDP_SERVER_APP_PAGINATION_H_
#define PDP_SERVER_APP_PAGINATION_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "base/errors.h"
#include "base/strings.h"
#include "pdp/v1/admin.pb.h"

namespace pdp {

inline constexpr int kDefaultPageSize = 100;
inline constexpr int kMaxPageSize = 1000;

// Versioned so a later format can refuse this one explicitly.
inline constexpr absl::string_view kListTokenPrefix = "pdp-list1\n";

// The opaque token resuming `listing` (e.g. "users/123456789012") after `key`.
inline std::string ListPageToken(absl::string_view listing, absl::string_view key) {
  return absl::WebSafeBase64Escape(absl::StrCat(kListTokenPrefix, listing, "\n", key));
}

// The key `token` resumes after, or INVALID_ARGUMENT `page_token` when it is
// not a token of `listing`. The token is never quoted back: it is the
// caller's input, of any size.
inline absl::StatusOr<std::string> ListTokenKey(const std::string& token,
                                                absl::string_view listing) {
  std::string text;
  if (token.size() > kMaxPageTokenBytes || !absl::WebSafeBase64Unescape(token, &text) ||
      !absl::StartsWith(text, kListTokenPrefix)) {
    return FieldError("page_token",
                      "is not a page token (pass next_page_token as it was returned, or empty "
                      "for the first page)");
  }
  absl::string_view rest = absl::string_view(text).substr(kListTokenPrefix.size());
  if (!absl::StartsWith(rest, listing) || rest.size() <= listing.size() ||
      rest[listing.size()] != '\n') {
    return FieldError("page_token",
                      "belongs to another listing: parent must stay the same from page to page");
  }
  return std::string(rest.substr(listing.size() + 1));
}

// Walks `map` from after the page token, emitting up to page_size entries
// that `keep` accepts; returns the next page token ("" at the end).
// `listing` identifies the method and parent; tokens are bound to it.
template <typename Map, typename Keep, typename Emit>
absl::StatusOr<std::string> Paginate(const Map& map, absl::string_view listing,
                                     const pdp::v1::ListRequest& req, Keep keep, Emit emit) {
  int size = req.page_size() == 0 ? kDefaultPageSize : req.page_size();
  if (size < 0 || size > kMaxPageSize) {
    return FieldError("page_size", absl::StrCat("must be between 0 and ", kMaxPageSize));
  }
  auto it = map.begin();
  if (!req.page_token().empty()) {
    absl::StatusOr<std::string> after = ListTokenKey(req.page_token(), listing);
    if (!after.ok()) return after.status();
    it = map.upper_bound(*after);
  }
  int n = 0;
  std::string last;
  for (; it != map.end(); ++it) {
    if (!keep(*it->second)) continue;
    if (n == size) return ListPageToken(listing, last);
    emit(*it->second);
    last = it->first;
    ++n;
  }
  return std::string();
}

// ListAccounts and ListOrganizations list everything: a parent has no
// meaning there and is refused rather than ignored.
inline absl::Status RequireNoParent(const pdp::v1::ListRequest& req, absl::string_view what) {
  if (req.parent().empty()) return absl::OkStatus();
  return FieldError("parent", absl::StrCat("must be empty: ", what, " lists all of them"));
}

}  // namespace pdp

#endif  // PDP_SERVER_APP_PAGINATION_H_
