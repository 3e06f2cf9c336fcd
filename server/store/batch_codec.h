// How stores keep a batch: one blob per revision (the ApplyChangesRequest
// form, so the request id travels with its changes), read back page by
// page. Shared by the SQLite and PostgreSQL stores.
#ifndef PDP_SERVER_STORE_BATCH_CODEC_H_
#define PDP_SERVER_STORE_BATCH_CODEC_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/store/store.h"

namespace pdp {

std::string EncodeBatch(const StoredBatch& batch);

// DATA_LOSS when the bytes do not parse.
absl::StatusOr<StoredBatch> DecodeBatch(int64_t revision, absl::string_view bytes);

// (revision, encoded batch) rows in revision order.
using BatchRows = std::vector<std::pair<int64_t, std::string>>;

// Reads one page: rows with revision in [from, to], in order, as many as
// the store likes (at least one if any exists).
using ReadPageFn = std::function<absl::Status(int64_t from, int64_t to, BatchRows* rows)>;

// Store::ReadFrom on top of a page reader: each page is read on its own (no
// lock or transaction held while `fn` runs), decoded, and handed to `fn`.
absl::Status ReadPaged(int64_t from_revision, int64_t to_revision, const ReadPageFn& read_page,
                       const Store::ReadFn& fn);

}  // namespace pdp

#endif  // PDP_SERVER_STORE_BATCH_CODEC_H_
