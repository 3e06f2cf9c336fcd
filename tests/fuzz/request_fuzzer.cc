#include "tests/fuzz/request_fuzzer.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "engine/model/page_catalog.h"
#include "engine/model/snapshot.h"
#include "engine/write/snapshot_builder.h"
#include "pdp/v1/decision.pb.h"
#include "server/wire/change_from_wire.h"
#include "server/wire/wire_decide.h"
#include "tests/differential/reference_evaluator.h"
#include "tests/fuzz/request_codec.h"
#include "world/world_file.h"

#ifndef PDP_SOURCE_DIR
#error "PDP_SOURCE_DIR must name the source tree (data/ and tests/fuzz/)"
#endif

namespace pdp::fuzz {
namespace {

using difftest::Json;
using difftest::RefDecision;
using difftest::RefRequest;

[[noreturn]] void SetupFailed(const std::string& what) {
  std::fprintf(stderr, "request_fuzzer: cannot set up: %s\n", what.c_str());
  std::abort();
}

std::string SourcePath(const std::string& rel) { return std::string(PDP_SOURCE_DIR) + "/" + rel; }

Json ReadJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) SetupFailed("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  Json j = Json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) SetupFailed(path + " is not JSON");
  return j;
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// The type a condition operator reads, or nullopt (Null, unknown).
std::optional<RefType> OperatorType(std::string op) {
  for (const char* prefix : {"ForAnyValue:", "ForAllValues:"}) {
    if (op.rfind(prefix, 0) == 0) op = op.substr(std::string(prefix).size());
  }
  const std::string suffix = "IfExists";
  if (op.size() > suffix.size() &&
      op.compare(op.size() - suffix.size(), suffix.size(), suffix) == 0) {
    op = op.substr(0, op.size() - suffix.size());
  }
  if (op == "Bool") return RefType::kBool;
  if (op.rfind("Arn", 0) == 0) return RefType::kArn;
  if (op == "IpAddress" || op == "NotIpAddress") return RefType::kIp;
  if (op.rfind("Date", 0) == 0) return RefType::kDate;
  if (op.rfind("Numeric", 0) == 0) return RefType::kNumber;
  if (op.rfind("String", 0) == 0) return RefType::kString;
  return std::nullopt;
}

// Keys read by a Deny statement anywhere in the world (lower-cased) and the
// type their operator reads.
std::map<std::string, RefType> GuardedKeys(const Json& world) {
  std::vector<Json> docs;
  auto add = [&](const Json& d) {
    docs.push_back(d.is_string() ? Json::parse(d.get<std::string>()) : d);
  };
  for (const char* section : {"managed_policies"}) {
    for (const Json& p : world.value(section, Json::array())) add(p["document"]);
  }
  for (const char* section : {"users", "groups", "roles"}) {
    for (const Json& e : world.value(section, Json::array())) {
      for (const Json& p : e.value("inline_policies", Json::array())) add(p["document"]);
    }
  }
  std::map<std::string, RefType> guarded;
  for (const Json& doc : docs) {
    const Json& statements = doc["Statement"];
    for (const Json& st : statements.is_array() ? statements : Json::array({statements})) {
      if (st["Effect"] != "Deny" || !st.contains("Condition")) continue;
      for (const auto& [op, block] : st["Condition"].items()) {
        std::optional<RefType> type = OperatorType(op);
        if (!type.has_value()) continue;
        for (const auto& [key, values] : block.items()) {
          auto [it, inserted] = guarded.emplace(Lower(key), *type);
          if (!inserted && it->second != *type)
            SetupFailed("key " + key + " guarded with two types");
        }
      }
    }
  }
  return guarded;
}

// The codec's value pools say which values are well formed; the reference's
// grammar must agree, or invariant (b) would test something else.
void CheckPools() {
  for (RefType type : {RefType::kString, RefType::kNumber, RefType::kDate, RefType::kEpoch,
                       RefType::kBool, RefType::kIp, RefType::kArn}) {
    for (const std::string& v : GoodValues(type)) {
      if (!difftest::RefWellFormed(type, v)) SetupFailed("a good value is malformed: " + v);
    }
    for (const std::string& v : BadValues(type)) {
      if (difftest::RefWellFormed(type, v)) SetupFailed("a bad value is well formed: " + v);
    }
    for (const std::string& v : JunkPool()) {
      if (type != RefType::kString && difftest::RefWellFormed(type, v)) {
        SetupFailed("a junk value is well formed: " + v);
      }
    }
  }
}

struct Fixture {
  Json world;
  SnapshotPtr snapshot;
  std::unique_ptr<difftest::ReferenceEvaluator> reference;
  std::map<std::string, RefType> guarded;
};

const Fixture& GetFixture() {
  static const Fixture* fixture = [] {
    CheckPools();
    auto* f = new Fixture();
    const std::string world_path = SourcePath("tests/fuzz/request_fuzz_world.json");
    f->world = ReadJson(world_path);
    const Json catalog_json = ReadJson(SourcePath("data/page-catalog.json"));
    const Json aws_json = ReadJson(SourcePath("data/aws-managed-policies.json"));
    auto catalog = PageCatalog::FromFile(SourcePath("data/page-catalog.json"));
    if (!catalog.ok()) SetupFailed(catalog.status().ToString());
    auto aws = LoadAwsManagedPoliciesFile(SourcePath("data/aws-managed-policies.json"));
    if (!aws.ok()) SetupFailed(aws.status().ToString());
    auto changes = ReadWorldFile(world_path);
    if (!changes.ok()) SetupFailed(changes.status().ToString());
    SnapshotBuilder builder(Snapshot::Initial(*catalog, *aws));
    for (const pdp::v1::Change& c : *changes) {
      absl::Status s = ApplyWireChange(builder, c);
      if (!s.ok()) SetupFailed("the world was refused: " + s.ToString());
    }
    f->snapshot = builder.Finish();
    f->reference = std::make_unique<difftest::ReferenceEvaluator>(catalog_json, aws_json);
    f->guarded = GuardedKeys(f->world);
    if (f->guarded.empty()) SetupFailed("the world has no guarded keys");
    return f;
  }();
  return *fixture;
}

RefRequest ToReference(const pdp::v1::AuthorizeRequest& r) {
  RefRequest ref;
  ref.principal = r.principal();
  ref.account_id = r.account_id();
  if (r.has_page()) {
    ref.page_id = r.page().page_id();
    ref.modify = r.page().access() == pdp::v1::MODIFY;
  } else {
    ref.action = r.action().action();
    ref.resource = r.action().resource();
  }
  for (const auto& [key, values] : r.context().keys()) {
    ref.context.emplace_back(
        key, std::vector<std::string>(values.values().begin(), values.values().end()));
  }
  return ref;
}

// Printable: non-ASCII and control bytes as \xNN, long runs shortened.
std::string Show(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 48 && s.size() > 64) {
      out += "...(" + std::to_string(s.size()) + " bytes)";
      break;
    }
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return "\"" + out + "\"";
}

std::string Describe(const pdp::v1::AuthorizeRequest& r) {
  std::string out = "principal " + r.principal();
  if (!r.account_id().empty()) out += " account " + r.account_id();
  if (r.has_page()) {
    out += " page " + r.page().page_id() +
           (r.page().access() == pdp::v1::MODIFY ? " MODIFY" : " VIEW");
  } else {
    out += " action " + r.action().action();
    if (!r.action().resource().empty()) out += " on " + r.action().resource();
  }
  out += "\ncontext (" + std::to_string(r.context().keys_size()) + " keys):";
  for (const auto& [key, values] : r.context().keys()) {
    std::vector<std::string> shown;
    for (int i = 0; i < values.values_size() && i < 8; ++i) shown.push_back(Show(values.values(i)));
    if (values.values_size() > 8)
      shown.push_back("... " + std::to_string(values.values_size()) + " values");
    out += "\n  " + Show(key) + ": [" + absl::StrJoin(shown, ", ") + "]";
  }
  return out;
}

std::string Answer(const absl::StatusOr<pdp::v1::Decision>& d) {
  if (!d.ok()) return d.status().ToString();
  return (d->effect() == pdp::v1::ALLOW ? "ALLOW " : "DENY ") + pdp::v1::Reason_Name(d->reason()) +
         " features [" + absl::StrJoin(d->available_features(), ",") + "]";
}

std::string Answer(const RefDecision& d) {
  if (!d.error.empty()) return "INVALID_ARGUMENT " + d.error;
  return (d.allow ? "ALLOW " : "DENY ") + d.reason + " features [" +
         absl::StrJoin(d.features, ",") + "]";
}

[[noreturn]] void Violation(const std::vector<std::string>& what,
                            const pdp::v1::AuthorizeRequest& r,
                            const absl::StatusOr<pdp::v1::Decision>& engine,
                            const RefDecision& ref) {
  std::fprintf(stderr, "\nrequest_fuzzer: VIOLATION\n  %s\n", absl::StrJoin(what, "\n  ").c_str());
  std::fprintf(stderr, "request: %s\n", Describe(r).c_str());
  std::fprintf(stderr, "engine:    %s\nreference: %s\n", Answer(engine).c_str(),
               Answer(ref).c_str());
  if (engine.ok()) {
    pdp::v1::Explanation explanation;
    (void)Decide(*GetFixture().snapshot, r, &explanation);
    std::fprintf(stderr, "engine explanation:\n%s\n", explanation.DebugString().c_str());
  }
  std::fflush(stderr);
  std::abort();
}

}  // namespace

RunResult RunRequestInput(const uint8_t* data, size_t size) {
  const Fixture& fx = GetFixture();
  const pdp::v1::AuthorizeRequest request = DecodeRequest(data, size);
  const absl::StatusOr<pdp::v1::Decision> engine = Decide(*fx.snapshot, request);
  const RefDecision ref = fx.reference->Decide(fx.world, ToReference(request));

  RunResult result;
  result.keys = request.context().keys_size();
  result.outcome = engine.ok() ? (engine->effect() == pdp::v1::ALLOW ? "ALLOW " : "DENY ") +
                                     pdp::v1::Reason_Name(engine->reason())
                               : absl::StatusCodeToString(engine.status().code());
  std::vector<std::string> violations;

  // (a) agreement.
  if (!engine.ok()) {
    if (engine.status().code() != absl::StatusCode::kInvalidArgument) {
      violations.push_back("(a) the engine failed with something other than INVALID_ARGUMENT");
    }
    if (ref.error.empty()) violations.push_back("(a) the engine refused, the reference decided");
  } else if (!ref.error.empty()) {
    violations.push_back("(a) the reference refused (" + ref.error + "), the engine decided");
  } else {
    const bool allow = engine->effect() == pdp::v1::ALLOW;
    const std::vector<std::string> features(engine->available_features().begin(),
                                            engine->available_features().end());
    if (allow != ref.allow || pdp::v1::Reason_Name(engine->reason()) != ref.reason ||
        features != ref.features) {
      violations.push_back("(a) the engine and the reference disagree");
    }
  }

  // (b) fail closed, from the world's Deny statements alone.
  const bool refused = !engine.ok();
  const bool allowed = engine.ok() && engine->effect() == pdp::v1::ALLOW;
  const bool root = request.principal().size() > 5 &&
                    request.principal().compare(request.principal().size() - 5, 5, ":root") == 0;
  std::set<std::string> lowered;
  bool derived = false;
  for (const auto& [key, values] : request.context().keys()) {
    const std::string lower = Lower(key);
    if (!lowered.insert(lower).second) result.case_duplicate = true;
    if (difftest::RefIsPrincipalDerivedKey(key)) derived = true;
    auto guard = fx.guarded.find(lower);
    if (guard == fx.guarded.end()) continue;
    for (const std::string& v : values.values()) {
      if (!difftest::RefWellFormed(guard->second, v)) {
        result.malformed_guard = true;
        if (!root && allowed) {
          violations.push_back("(b) ALLOW although guarded key " + key + " has malformed value " +
                               Show(v));
        }
      }
    }
  }
  if (result.case_duplicate && !refused) {
    violations.push_back("(b) two keys equal but for case were not refused");
  }
  if (derived && !refused) violations.push_back("(b) a principal-derived key was not refused");

  if (!violations.empty()) Violation(violations, request, engine, ref);
  return result;
}

}  // namespace pdp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)pdp::fuzz::RunRequestInput(data, size);
  return 0;
}
