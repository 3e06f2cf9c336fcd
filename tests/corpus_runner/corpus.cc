#include "tests/corpus_runner/corpus.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace pdp::testing {

absl::StatusOr<std::vector<CorpusFile>> LoadCorpus(const std::string& dir,
                                                   const std::string& scratch_dir) {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<CorpusFile> out;
  for (const std::string& path : paths) {
    absl::StatusOr<DecisionTestFile> parsed = ReadDecisionTestFile(path);
    if (!parsed.ok()) return parsed.status();
    CorpusFile file;
    file.path = path;
    if (!parsed->world_file.empty()) {
      file.world_path = parsed->world_file;
    } else if (!parsed->world_json.empty()) {
      file.world_path =
          (std::filesystem::path(scratch_dir) / std::filesystem::path(path).filename()).string();
      std::ofstream(file.world_path) << parsed->world_json;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(path, ": needs world or world_file"));
    }
    file.cases = std::move(parsed->cases);
    out.push_back(std::move(file));
  }
  return out;
}

}  // namespace pdp::testing
