#include "server/store/batch_codec.h"

#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "pdp/v1/admin.pb.h"

namespace pdp {
namespace {

namespace rec = pdp::store::v1;

absl::StatusOr<StoredBatch> DecodeLegacy(const BatchRow& row) {
  pdp::v1::ApplyChangesRequest request;
  if (!request.ParseFromString(row.record)) {
    return absl::DataLossError(absl::StrCat("stored revision ", row.revision, " does not parse"));
  }
  StoredBatch batch;
  batch.revision = row.revision;
  batch.legacy = true;
  batch.request_id = std::move(*request.mutable_request_id());
  batch.changes.reserve(request.changes_size());
  for (auto& c : *request.mutable_changes()) batch.changes.push_back(std::move(c));
  return batch;
}

}  // namespace

uint32_t RecordFormatOf(const rec::StateDelta& delta) {
  return delta.put_aws_policies_size() > 0 ? rec::FORMAT_VERSION_AWS_MANAGED_POLICIES
                                           : rec::FORMAT_VERSION_STATE_DELTA;
}

BatchRow EncodeBatch(const StoredBatch& batch) {
  rec::BatchRecord record;
  record.set_format_version(RecordFormatOf(batch.delta));
  record.mutable_changes()->Reserve(static_cast<int>(batch.changes.size()));
  for (const pdp::v1::Change& c : batch.changes) *record.add_changes() = c.SerializeAsString();
  *record.mutable_delta() = batch.delta;
  *record.mutable_audit() = batch.audit;
  BatchRow row;
  row.revision = batch.revision;
  row.format = kRecordRowFormat;
  row.record = record.SerializeAsString();
  row.request_id = batch.request_id;
  if (!batch.request_id.empty()) row.outcome = batch.outcome.SerializeAsString();
  return row;
}

absl::StatusOr<StoredBatch> DecodeBatch(const BatchRow& row, bool with_changes) {
  if (row.format == kLegacyRowFormat) return DecodeLegacy(row);
  if (row.format != kRecordRowFormat) {
    return absl::DataLossError(
        absl::StrCat("stored revision ", row.revision, " has unknown row format ", row.format));
  }
  rec::BatchRecord record;
  if (!record.ParseFromString(row.record)) {
    return absl::DataLossError(absl::StrCat("stored revision ", row.revision, " does not parse"));
  }
  if (record.format_version() > kNewestRecordFormat) {
    return absl::FailedPreconditionError(absl::StrCat(
        "stored revision ", row.revision, " has format version ", record.format_version(),
        ", written by a newer billing-pdp; this build reads up to ", kNewestRecordFormat));
  }
  StoredBatch batch;
  batch.revision = row.revision;
  batch.request_id = row.request_id;
  if (!row.outcome.empty() && !batch.outcome.ParseFromString(row.outcome)) {
    return absl::DataLossError(
        absl::StrCat("the request outcome of stored revision ", row.revision, " does not parse"));
  }
  batch.delta = std::move(*record.mutable_delta());
  batch.audit = std::move(*record.mutable_audit());
  if (with_changes) {
    batch.changes.resize(record.changes_size());
    for (int i = 0; i < record.changes_size(); ++i) {
      if (!batch.changes[i].ParseFromString(record.changes(i))) {
        return absl::DataLossError(
            absl::StrCat("change ", i, " of stored revision ", row.revision, " does not parse"));
      }
    }
  }
  return batch;
}

absl::Status ReadPaged(int64_t from_revision, int64_t to_revision, bool with_changes,
                       const ReadPageFn& read_page, const Store::ReadFn& fn) {
  int64_t next = from_revision;
  while (next <= to_revision) {
    BatchRows rows;
    absl::Status s = read_page(next, to_revision, &rows);
    if (!s.ok()) return s;
    if (rows.empty()) return absl::OkStatus();
    for (const BatchRow& row : rows) {
      absl::StatusOr<StoredBatch> batch = DecodeBatch(row, with_changes);
      if (!batch.ok()) return batch.status();
      s = fn(*batch);
      if (!s.ok()) return s;
    }
    if (rows.back().revision == std::numeric_limits<int64_t>::max()) return absl::OkStatus();
    next = rows.back().revision + 1;
  }
  return absl::OkStatus();
}

}  // namespace pdp
