#include "world/decision_tests.h"

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "base/bounded_file.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"

namespace pdp {
namespace {

using Json = nlohmann::ordered_json;

absl::Status Bad(absl::string_view where, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", problem));
}

// Only `allowed` keys: a misspelt "expect" field must not silently test
// less than its author meant.
absl::Status OnlyKeys(const Json& object, const std::string& where,
                      std::initializer_list<absl::string_view> allowed) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (absl::string_view a : allowed) known = known || key == a;
    if (!known) return Bad(where.empty() ? key : absl::StrCat(where, ".", key), "unknown field");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> StringAt(const Json& object, const std::string& where,
                                     const char* key) {
  const Json& v = object[key];
  if (!v.is_string() || v.get<std::string>().empty()) {
    return Bad(absl::StrCat(where, ".", key), "must be a non-empty string");
  }
  return v.get<std::string>();
}

// The file's request fields -> the proto's JSON names.
absl::Status ParseRequest(const Json& r, const std::string& where, DecisionTestCase& out) {
  if (!r.is_object()) return Bad(where, "must be an object");
  Json proto = Json::object();
  for (const auto& [key, value] : r.items()) {
    const std::string at = absl::StrCat(where, ".", key);
    if (key == "context") {
      if (!value.is_object()) return Bad(at, "must be an object of key: value or [values]");
      for (const auto& [k, v] : value.items()) {
        Json values = Json::array();
        if (v.is_array()) {
          for (const auto& x : v) values.push_back(x.is_string() ? x.get<std::string>() : x.dump());
        } else {
          values.push_back(v.is_string() ? v.get<std::string>() : v.dump());
        }
        proto["context"]["keys"][k]["values"] = values;
      }
      continue;
    }
    if (!value.is_string()) return Bad(at, "must be a string");
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
    } else {
      return Bad(at, "unknown field (principal, account, page, access, action, resource, context)");
    }
  }
  auto parsed = google::protobuf::util::JsonStringToMessage(proto.dump(), &out.request);
  if (!parsed.ok()) {
    out.request_error = absl::InvalidArgumentError(
        absl::StrCat(where, ": no request can say this: ", std::string(parsed.message())));
  }
  return absl::OkStatus();
}

absl::Status ParseExpect(const Json& e, const std::string& where, DecisionTestCase& out) {
  if (!e.is_object()) return Bad(where, "must be an object");
  absl::Status keys = OnlyKeys(e, where, {"effect", "reason", "error", "statement"});
  if (!keys.ok()) return keys;
  if (e.contains("error")) {
    if (e.contains("effect") || e.contains("reason") || e.contains("statement")) {
      return Bad(where, "\"error\" excludes effect, reason and statement");
    }
    absl::StatusOr<std::string> code = StringAt(e, where, "error");
    if (!code.ok()) return code.status();
    // Only names absl::StatusCodeToString gives, so a comparison can match.
    bool known = false;
    for (int c = 1; c <= 16 && !known; ++c) {
      known = absl::StatusCodeToString(static_cast<absl::StatusCode>(c)) == *code;
    }
    if (!known) {
      return Bad(absl::StrCat(where, ".error"),
                 absl::StrCat("unknown status code \"", *code, "\" (e.g. INVALID_ARGUMENT)"));
    }
    out.expect_error = *code;
    return absl::OkStatus();
  }
  if (!e.contains("effect") || !e.contains("reason")) {
    return Bad(where, "needs effect and reason (or error)");
  }
  absl::StatusOr<std::string> effect = StringAt(e, where, "effect");
  if (!effect.ok()) return effect.status();
  if (!pdp::v1::Effect_Parse(*effect, &out.expect_effect) ||
      out.expect_effect == pdp::v1::EFFECT_UNSPECIFIED) {
    return Bad(absl::StrCat(where, ".effect"),
               absl::StrCat("unknown effect \"", *effect, "\" (ALLOW or DENY)"));
  }
  absl::StatusOr<std::string> reason = StringAt(e, where, "reason");
  if (!reason.ok()) return reason.status();
  if (!pdp::v1::Reason_Parse(*reason, &out.expect_reason) ||
      out.expect_reason == pdp::v1::REASON_UNSPECIFIED) {
    return Bad(absl::StrCat(where, ".reason"), absl::StrCat("unknown reason \"", *reason, "\""));
  }
  if (e.contains("statement")) {
    absl::StatusOr<std::string> statement = StringAt(e, where, "statement");
    if (!statement.ok()) return statement.status();
    if (statement->find('#') == std::string::npos) {
      return Bad(absl::StrCat(where, ".statement"), "must be \"<policy>#<sid>\"");
    }
    out.expect_statement = *statement;
  }
  return absl::OkStatus();
}

absl::StatusOr<DecisionTestCase> ParseCase(const Json& c, const std::string& where) {
  if (!c.is_object()) return Bad(where, "must be an object");
  absl::Status keys = OnlyKeys(c, where, {"name", "request", "expect"});
  if (!keys.ok()) return keys;
  for (const char* key : {"name", "request", "expect"}) {
    if (!c.contains(key)) return Bad(absl::StrCat(where, ".", key), "is required");
  }
  DecisionTestCase out;
  out.json_path = where;
  absl::StatusOr<std::string> name = StringAt(c, where, "name");
  if (!name.ok()) return name.status();
  out.name = *name;
  absl::Status s = ParseRequest(c["request"], absl::StrCat(where, ".request"), out);
  if (!s.ok()) return s;
  s = ParseExpect(c["expect"], absl::StrCat(where, ".expect"), out);
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<DecisionTestFile> ParseDocument(const Json& doc, const std::string& path) {
  DecisionTestFile file;
  file.path = path;
  if (!doc.is_object()) return Bad("(top level)", "must be an object");
  absl::Status keys = OnlyKeys(doc, "", {"description", "world", "world_file", "cases"});
  if (!keys.ok()) return keys;
  if (doc.contains("description")) {
    if (!doc["description"].is_string()) return Bad("description", "must be a string");
    file.description = doc["description"].get<std::string>();
  }
  if (doc.contains("world_file") && doc.contains("world")) {
    return Bad("world_file", "give either world_file or world, not both");
  }
  if (doc.contains("world_file")) {
    const Json& w = doc["world_file"];
    if (!w.is_string() || w.get<std::string>().empty()) {
      return Bad("world_file", "must be a path (relative to this file)");
    }
    std::filesystem::path p(w.get<std::string>());
    file.world_file =
        p.is_absolute() ? p.string() : (std::filesystem::path(path).parent_path() / p).string();
  } else if (doc.contains("world")) {
    if (!doc["world"].is_object()) return Bad("world", "must be an object (a world, inline)");
    file.world_json = doc["world"].dump(1);
  }
  if (!doc.contains("cases")) return Bad("cases", "is required");
  const Json& cases = doc["cases"];
  if (!cases.is_array() || cases.empty()) return Bad("cases", "must be a non-empty list");
  for (size_t i = 0; i < cases.size(); ++i) {
    absl::StatusOr<DecisionTestCase> c = ParseCase(cases[i], absl::StrCat("cases[", i, "]"));
    if (!c.ok()) return c.status();
    file.cases.push_back(*std::move(c));
  }
  return file;
}

}  // namespace

absl::StatusOr<DecisionTestFile> ParseDecisionTests(absl::string_view text,
                                                    const std::string& path) {
  Json doc;
  try {
    doc = Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    return Bad(path, absl::StrCat("not JSON: ", e.what()));
  }
  absl::StatusOr<DecisionTestFile> file = ParseDocument(doc, path);
  if (!file.ok()) return Bad(path, file.status().message());
  return file;
}

absl::StatusOr<DecisionTestFile> ReadDecisionTestFile(const std::string& path,
                                                      std::uintmax_t max_bytes) {
  absl::StatusOr<std::string> text = ReadFileAtMost(path, max_bytes, "a decision-test file");
  if (!text.ok()) return text.status();
  return ParseDecisionTests(*text, path);
}

std::string StatementName(const pdp::v1::StatementTrace& statement) {
  return absl::StrCat(
      statement.policy(), "#",
      statement.sid().empty() ? std::to_string(statement.index()) : statement.sid());
}

bool HasDecidingStatement(const pdp::v1::Explanation& explanation, pdp::v1::Effect effect,
                          absl::string_view name) {
  for (const pdp::v1::ActionTrace& a : explanation.actions()) {
    for (const pdp::v1::StatementTrace& s : a.statements()) {
      if (s.matched() && s.effect() == effect && StatementName(s) == name) return true;
    }
  }
  return false;
}

}  // namespace pdp
