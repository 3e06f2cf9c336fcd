// Writes a seed corpus for policy_fuzzer: every policy document in the
// given files, one per file in OUT_DIR (named by position, duplicates
// dropped). Files: data/aws-managed-policies.json ({"policies": [...]}),
// world files (JSON or YAML) and decision corpus files (tests/corpus/*.json,
// with "world" or "world_file").
//
//   policy_fuzz_seeds OUT_DIR FILE...
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "world/world_file.h"

namespace {

using Json = nlohmann::ordered_json;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void FromChanges(const std::vector<pdp::v1::Change>& changes, std::vector<std::string>& out) {
  for (const pdp::v1::Change& c : changes) {
    if (c.has_create_policy()) out.push_back(c.create_policy().document());
    if (c.has_put_user()) {
      for (const auto& p : c.put_user().user().inline_policies()) out.push_back(p.document());
    }
    if (c.has_put_group()) {
      for (const auto& p : c.put_group().group().inline_policies()) out.push_back(p.document());
    }
    if (c.has_put_role()) {
      for (const auto& p : c.put_role().role().inline_policies()) out.push_back(p.document());
    }
    if (c.has_put_role_session() && !c.put_role_session().session().policy().empty()) {
      out.push_back(c.put_role_session().session().policy());
    }
  }
}

// Documents in one file; false when it cannot be read.
bool Documents(const std::string& path, std::vector<std::string>& out) {
  const std::string text = Slurp(path);
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_object() && json.contains("policies")) {
    for (const Json& p : json["policies"]) {
      const Json& d = p["document"];
      out.push_back(d.is_string() ? d.get<std::string>() : d.dump(2));
    }
    return true;
  }
  if (json.is_object() && json.contains("cases")) {
    absl::StatusOr<std::vector<pdp::v1::Change>> changes;
    if (json.contains("world")) {
      changes = pdp::WorldToChanges(json["world"].dump());
    } else {
      std::filesystem::path world =
          std::filesystem::path(path).parent_path() / json["world_file"].get<std::string>();
      changes = pdp::ReadWorldFile(world.string());
    }
    if (!changes.ok()) return false;
    FromChanges(*changes, out);
    return true;
  }
  absl::StatusOr<std::vector<pdp::v1::Change>> changes = pdp::WorldToChanges(text);
  if (!changes.ok()) return false;
  FromChanges(*changes, out);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: policy_fuzz_seeds OUT_DIR FILE...\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  std::set<std::string> seen;
  int written = 0;
  for (int i = 2; i < argc; ++i) {
    std::vector<std::string> docs;
    if (!Documents(argv[i], docs)) {
      std::cerr << "policy_fuzz_seeds: cannot read policies from " << argv[i] << "\n";
      return 1;
    }
    for (const std::string& d : docs) {
      if (d.empty() || !seen.insert(d).second) continue;
      std::ofstream(dir / ("seed-" + std::to_string(written++) + ".json")) << d;
    }
  }
  std::cout << "policy_fuzz_seeds: " << written << " documents in " << dir.string() << "\n";
  return 0;
}
