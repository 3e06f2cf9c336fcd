// Reading the AdminService's lists whole: every page of a List* call,
// following next_page_token, merged into one response. Used by `list` and
// `export`.
#ifndef PDP_CLIENT_PDPCTL_ADMIN_READS_H_
#define PDP_CLIENT_PDPCTL_ADMIN_READS_H_

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "billing_pdp/admin_client.h"

namespace pdpctl {

// Every item under `parent` (ListRequest.parent), asked `page_size` at a
// time, as one response: the
// pages' repeated fields appended in order, next_page_token empty, revision
// the last page's. Pages after the first ask for at least the first page's
// revision, so the listing never goes back in time; `*first_revision` (if
// given) receives the first page's, so a caller can tell whether a write
// landed between pages (then first != revision). The server's error if any
// page fails.
template <typename Response>
absl::StatusOr<Response> ListAll(const pdp::AdminClient& admin,
                                 grpc::Status (pdp::AdminClient::Stub::*method)(
                                     grpc::ClientContext*, const pdp::v1::ListRequest&, Response*),
                                 const std::string& parent, int64_t min_revision,
                                 int64_t* first_revision = nullptr, int32_t page_size = 1000) {
  pdp::v1::ListRequest request;
  request.set_parent(parent);
  request.set_page_size(page_size);
  request.set_min_revision(min_revision);
  Response all;
  bool first = true;
  do {
    absl::StatusOr<Response> page = admin.Call(method, request);
    if (!page.ok()) return page.status();
    if (first && first_revision != nullptr) *first_revision = page->revision();
    if (first) request.set_min_revision(std::max(min_revision, page->revision()));
    first = false;
    request.set_page_token(page->next_page_token());
    all.MergeFrom(*page);  // appends the items; the revision becomes this page's
  } while (!request.page_token().empty());
  all.clear_next_page_token();
  return all;
}

}  // namespace pdpctl

#endif  // PDP_CLIENT_PDPCTL_ADMIN_READS_H_
