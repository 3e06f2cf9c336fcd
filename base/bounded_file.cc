#include "base/bounded_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace pdp {

absl::StatusOr<std::string> ReadFileAtMost(const std::string& path, std::uintmax_t max_bytes,
                                           const std::string& what) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot read the file (", ec.message(), ")"));
  }
  if (size > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is ", size, " bytes; ", what, " is at most ", max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read the file"));
  std::ostringstream text;
  text << in.rdbuf();
  // Moved out, not copied: an import may be hundreds of MiB.
  std::string contents = std::move(text).str();
  // The file may have grown since its size was read.
  if (contents.size() > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(path, " grew past ", max_bytes, " bytes"));
  }
  return contents;
}

}  // namespace pdp
