#include "tests/corpus_runner/corpus.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"

namespace pdp::testing {
namespace {

using Json = nlohmann::ordered_json;

absl::StatusOr<CorpusCase> ParseCase(const Json& c, const std::string& where) {
  CorpusCase out;
  if (!c.contains("name") || !c.contains("request") || !c.contains("expect")) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": needs name, request, expect"));
  }
  out.name = c["name"].get<std::string>();
  const Json& r = c["request"];
  // Corpus field names -> the proto's JSON names.
  Json proto = Json::object();
  for (const auto& [key, value] : r.items()) {
    if (key == "principal") {
      proto["principal"] = value;
    } else if (key == "account") {
      proto["accountId"] = value;
    } else if (key == "page") {
      proto["page"]["pageId"] = value;
    } else if (key == "access") {
      proto["page"]["access"] = value;
    } else if (key == "action") {
      proto["action"]["action"] = value;
    } else if (key == "resource") {
      proto["action"]["resource"] = value;
    } else if (key == "context") {
      for (const auto& [k, v] : value.items()) {
        Json values = Json::array();
        if (v.is_array()) {
          for (const auto& x : v) values.push_back(x.is_string() ? x.get<std::string>() : x.dump());
        } else {
          values.push_back(v.is_string() ? v.get<std::string>() : v.dump());
        }
        proto["context"]["keys"][k]["values"] = values;
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat(where, ": unknown request field ", key));
    }
  }
  auto parsed = google::protobuf::util::JsonStringToMessage(proto.dump(), &out.request);
  if (!parsed.ok()) {
    out.request_error = absl::InvalidArgumentError(std::string(parsed.message()));
  }
  const Json& e = c["expect"];
  if (e.contains("error")) {
    out.expect_error = e["error"].get<std::string>();
  } else {
    if (!pdp::v1::Effect_Parse(e.value("effect", ""), &out.expect_effect) ||
        !pdp::v1::Reason_Parse(e.value("reason", ""), &out.expect_reason)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": bad expect"));
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<CorpusFile>> LoadCorpus(const std::string& dir,
                                                   const std::string& scratch_dir) {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<CorpusFile> out;
  for (const std::string& path : paths) {
    std::ifstream in(path);
    Json doc = Json::parse(in, nullptr, false);
    if (doc.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(path, ": bad JSON"));
    CorpusFile file;
    file.path = path;
    if (doc.contains("world_file")) {
      file.world_path =
          (std::filesystem::path(path).parent_path() / doc["world_file"].get<std::string>())
              .string();
    } else if (doc.contains("world")) {
      file.world_path =
          (std::filesystem::path(scratch_dir) / std::filesystem::path(path).filename()).string();
      std::ofstream(file.world_path) << doc["world"].dump(1);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(path, ": needs world or world_file"));
    }
    const Json& cases = doc["cases"];
    for (size_t i = 0; i < cases.size(); ++i) {
      auto c = ParseCase(cases[i], absl::StrCat(path, " cases[", i, "]"));
      if (!c.ok()) return c.status();
      file.cases.push_back(std::move(*c));
    }
    out.push_back(std::move(file));
  }
  return out;
}

}  // namespace pdp::testing
