#include "server/app/data_dir.h"

#include <filesystem>
#include <system_error>

namespace pdp {

std::string DefaultDataDir(const std::string& installed_relative,
                           const std::string& build_tree_default) {
  std::error_code ec;
  // The executable's real path, symlinks resolved: a link in /usr/local/bin
  // to an installed tree elsewhere still finds that tree's data.
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec || exe.empty()) return build_tree_default;
  const std::filesystem::path installed =
      (exe.parent_path() / installed_relative).lexically_normal();
  if (std::filesystem::is_regular_file(installed / "page-catalog.json", ec)) {
    std::string dir = installed.string();
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    return dir;
  }
  return build_tree_default;
}

}  // namespace pdp
