#include "server/store/batch_codec.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "pdp/v1/admin.pb.h"

namespace pdp {

std::string EncodeBatch(const StoredBatch& stored) {
  pdp::v1::ApplyChangesRequest batch;
  batch.mutable_changes()->Reserve(static_cast<int>(stored.changes.size()));
  for (const auto& c : stored.changes) *batch.add_changes() = c;
  batch.set_request_id(stored.request_id);
  return batch.SerializeAsString();
}

absl::StatusOr<StoredBatch> DecodeBatch(int64_t revision, absl::string_view bytes) {
  pdp::v1::ApplyChangesRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("stored revision ", revision, " does not parse"));
  }
  StoredBatch batch;
  batch.revision = revision;
  batch.request_id = std::move(*request.mutable_request_id());
  batch.changes.reserve(request.changes_size());
  for (auto& c : *request.mutable_changes()) batch.changes.push_back(std::move(c));
  return batch;
}

absl::Status ReadPaged(int64_t from_revision, int64_t to_revision, const ReadPageFn& read_page,
                       const Store::ReadFn& fn) {
  int64_t next = from_revision;
  while (next <= to_revision) {
    BatchRows rows;
    absl::Status s = read_page(next, to_revision, &rows);
    if (!s.ok()) return s;
    if (rows.empty()) return absl::OkStatus();
    for (const auto& [revision, bytes] : rows) {
      absl::StatusOr<StoredBatch> batch = DecodeBatch(revision, bytes);
      if (!batch.ok()) return batch.status();
      s = fn(*batch);
      if (!s.ok()) return s;
    }
    if (rows.back().first == std::numeric_limits<int64_t>::max()) return absl::OkStatus();
    next = rows.back().first + 1;
  }
  return absl::OkStatus();
}

}  // namespace pdp
