// How the SQLite and PostgreSQL stores keep a batch: one row per revision
// (docs/log-format.md). Today's rows are format 2: a
// pdp.store.v1.BatchRecord (the changes as sent, for Watch, and the state
// delta, for replay), with the request id and its outcome in columns of
// their own so start-up can read them without the records. Format 1 rows
// (written before the log was versioned) hold a pdp.v1.ApplyChangesRequest
// and are read as legacy batches until WorldState migrates them.
#ifndef PDP_SERVER_STORE_BATCH_CODEC_H_
#define PDP_SERVER_STORE_BATCH_CODEC_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/store/store.h"

namespace pdp {

// Row formats (the `format` column).
inline constexpr int kLegacyRowFormat = 1;
inline constexpr int kRecordRowFormat = 2;

struct BatchRow {
  int64_t revision = 0;
  int format = kRecordRowFormat;
  std::string record;      // BatchRecord (format 2) or ApplyChangesRequest (format 1)
  std::string request_id;  // format 2; "" for none
  std::string outcome;     // format 2 with a request id: a RequestOutcome
};

// The newest BatchRecord / CheckpointManifest format_version this build
// reads.
inline constexpr uint32_t kNewestRecordFormat = pdp::store::v1::FORMAT_VERSION_AWS_MANAGED_POLICIES;

// The format_version a record holding `delta` is written with: 3 when it
// puts AWS managed policies (an older build must refuse it rather than
// drop them), 2 otherwise (so older builds still read it).
uint32_t RecordFormatOf(const pdp::store::v1::StateDelta& delta);

BatchRow EncodeBatch(const StoredBatch& batch);

// DATA_LOSS when the bytes do not parse or the format is unknown;
// FAILED_PRECONDITION for a record of a newer format_version than this
// build reads. Without `with_changes` the batch's changes are left
// unparsed (empty).
absl::StatusOr<StoredBatch> DecodeBatch(const BatchRow& row, bool with_changes);

using BatchRows = std::vector<BatchRow>;

// Reads one page: rows with revision in [from, to], in order, as many as
// the store likes (at least one if any exists).
using ReadPageFn = std::function<absl::Status(int64_t from, int64_t to, BatchRows* rows)>;

// Store::ReadFrom on top of a page reader: each page is read on its own (no
// lock or transaction held while `fn` runs), decoded, and handed to `fn`.
absl::Status ReadPaged(int64_t from_revision, int64_t to_revision, bool with_changes,
                       const ReadPageFn& read_page, const Store::ReadFn& fn);

}  // namespace pdp

#endif  // PDP_SERVER_STORE_BATCH_CODEC_H_
