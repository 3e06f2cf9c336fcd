#include "server/app/request_id_log.h"

#include <utility>

#include "base/errors.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "server/store/sha256.h"

namespace pdp {

absl::Status ValidateRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 128) {
    return FieldError("request_id", "must be 1 to 128 characters");
  }
  for (char c : id) {
    if (c < 0x20 || c > 0x7e) {
      return FieldError("request_id", "must be printable ASCII characters");
    }
  }
  return absl::OkStatus();
}

ChangesFingerprint FingerprintChanges(const std::vector<pdp::v1::Change>& changes) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    // Tags are maps: without this their order (and so the bytes) could
    // differ between two equal requests.
    coded.SetSerializationDeterministic(true);
    for (const pdp::v1::Change& c : changes) {
      // Length-prefixed, so that moving bytes between neighbours changes
      // the result.
      coded.WriteVarint64(c.ByteSizeLong());
      c.SerializeWithCachedSizes(&coded);
    }
  }
  return ChangesFingerprint{Sha256(bytes)};
}

const RequestIdLog::Entry* RequestIdLog::Find(absl::string_view id) const {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : &it->second;
}

void RequestIdLog::Remember(const std::string& id, Entry entry) {
  const bool inserted = entries_.insert_or_assign(id, std::move(entry)).second;
  if (!inserted) return;
  order_.push_back(id);
  while (order_.size() > capacity_) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
}

}  // namespace pdp
