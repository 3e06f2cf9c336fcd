// World files: accounts and the IAM entities in them, in JSON or YAML
// (docs/data-formats.md). A world becomes one batch of changes that creates
// what is missing and replaces what exists, so applying the same file twice
// changes nothing the second time.
#ifndef PDP_WORLD_WORLD_FILE_H_
#define PDP_WORLD_WORLD_FILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pdp/v1/changes.pb.h"

namespace pdp {

// Parses a world from text. YAML is a superset of JSON, so one parser reads
// both. Errors name the path in the file ("users[2].arn").
// `item_paths`, when given, receives for each change the path of the file
// item it came from ("users[2]"), to name it in later errors.
absl::StatusOr<std::vector<pdp::v1::Change>> WorldToChanges(
    absl::string_view text, std::vector<std::string>* item_paths = nullptr);

// Reads and parses a world file.
absl::StatusOr<std::vector<pdp::v1::Change>> ReadWorldFile(
    const std::string& path, std::vector<std::string>* item_paths = nullptr);

}  // namespace pdp

#endif  // PDP_WORLD_WORLD_FILE_H_
