#include "engine/policy/policy_compiler.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/errors.h"
#include "engine/policy/condition.h"
#include "engine/policy/policy_json.h"
#include "engine/policy/policy_variables.h"

namespace pdp {
namespace {

bool IsSidChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsServicePrefixChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

// Action patterns: "*" or "service:name" where name may hold wildcards.
absl::Status CheckActionPattern(absl::string_view path, absl::string_view a) {
  if (a == "*") return absl::OkStatus();
  size_t colon = a.find(':');
  if (colon == absl::string_view::npos || colon == 0 || colon + 1 == a.size()) {
    return FieldError(
        path, absl::StrCat("action ", QuoteInput(a), " must be \"service:action\" or \"*\""));
  }
  for (char c : a.substr(0, colon)) {
    if (!IsServicePrefixChar(c)) {
      return FieldError(path,
                        absl::StrCat("action ", QuoteInput(a), " has an invalid service prefix"));
    }
  }
  if (a.find(':', colon + 1) != absl::string_view::npos) {
    return FieldError(path, absl::StrCat("action ", QuoteInput(a), " has more than one ':'"));
  }
  return absl::OkStatus();
}

absl::Status CheckResourcePattern(absl::string_view path, absl::string_view r) {
  if (r == "*") return absl::OkStatus();
  std::vector<absl::string_view> parts = absl::StrSplit(r, absl::MaxSplits(':', 5));
  if (parts.size() < 6 &&
      !(parts.size() >= 2 && !parts.back().empty() && parts.back().back() == '*')) {
    return FieldError(path, absl::StrCat("resource ", QuoteInput(r), " must be \"*\" or an ARN"));
  }
  if (parts[0] != "arn") {
    return FieldError(
        path, absl::StrCat("resource ", QuoteInput(r), " must be \"*\" or start with \"arn:\""));
  }
  return absl::OkStatus();
}

// Reads a string-or-array-of-strings element (Action, Resource, ...).
absl::Status ReadStringList(const Json& value, const std::string& path,
                            std::vector<std::pair<std::string, std::string>>& out) {
  if (value.is_string()) {
    out.emplace_back(path, value.get<std::string>());
    return absl::OkStatus();
  }
  if (!value.is_array()) {
    return FieldError(path, "must be a string or an array of strings");
  }
  if (value.empty()) return FieldError(path, "must not be empty");
  for (size_t i = 0; i < value.size(); ++i) {
    std::string item_path = absl::StrCat(path, "[", i, "]");
    if (!value[i].is_string()) return FieldError(item_path, "must be a string");
    out.emplace_back(item_path, value[i].get<std::string>());
  }
  return absl::OkStatus();
}

absl::StatusOr<CompiledStatement> CompileStatement(const Json& st, int index,
                                                   const std::string& path, bool variables,
                                                   const KnownActions* known,
                                                   std::vector<PolicyWarning>& warnings) {
  if (!st.is_object()) return FieldError(path, "a statement must be an object");
  CompiledStatement out;
  out.index = index;
  bool has_action = false, has_resource = false;
  for (const auto& [key, value] : st.items()) {
    std::string kpath = absl::StrCat(path, ".", key);
    if (key == "Sid") {
      if (!value.is_string()) return FieldError(kpath, "must be a string");
      out.sid = value.get<std::string>();
      for (char c : out.sid) {
        if (!IsSidChar(c)) return FieldError(kpath, "may contain only A-Z, a-z and 0-9");
      }
    } else if (key == "Effect") {
      if (value == "Allow") {
        out.effect = StatementEffect::kAllow;
      } else if (value == "Deny") {
        out.effect = StatementEffect::kDeny;
      } else {
        return FieldError(kpath, "must be \"Allow\" or \"Deny\"");
      }
    } else if (key == "Action" || key == "NotAction") {
      if (has_action) return FieldError(kpath, "a statement takes Action or NotAction, not both");
      has_action = true;
      out.not_action = key == "NotAction";
      std::vector<std::pair<std::string, std::string>> items;
      absl::Status s = ReadStringList(value, kpath, items);
      if (!s.ok()) return s;
      for (const auto& [ipath, a] : items) {
        s = CheckActionPattern(ipath, a);
        if (!s.ok()) return s;
        out.actions.Add(a);
        if (known != nullptr) {
          if (auto finding = known->Check(a)) {
            warnings.push_back({ipath, finding->first, finding->second});
          }
        }
      }
    } else if (key == "Resource" || key == "NotResource") {
      if (has_resource) {
        return FieldError(kpath, "a statement takes Resource or NotResource, not both");
      }
      has_resource = true;
      out.not_resource = key == "NotResource";
      std::vector<std::pair<std::string, std::string>> items;
      absl::Status s = ReadStringList(value, kpath, items);
      if (!s.ok()) return s;
      for (const auto& [ipath, r] : items) {
        s = CheckResourcePattern(ipath, r);
        if (!s.ok()) return s;
        // Variables count only in the resource part, after the fifth colon;
        // before it "${...}" is literal text (IAM User Guide, policy variables).
        size_t part = 0;
        for (int colons = 0; part < r.size() && colons < 5; ++part) colons += r[part] == ':';
        if (variables && r.find("${", part) != std::string::npos) {
          absl::StatusOr<VariableTemplate> t = VariableTemplate::Parse(r.substr(part), true);
          if (!t.ok()) return AtField(ipath, t.status());
          out.resources.Add(r.substr(0, part), std::move(*t));
        } else {
          out.resources.Add(r);
        }
      }
    } else if (key == "Condition") {
      if (!value.is_object()) return FieldError(kpath, "must be an object");
      if (value.empty()) continue;  // nothing to fail: unconditional, as in IAM
      auto condition = CompiledCondition::Compile(value, kpath, variables);
      if (!condition.ok()) return condition.status();
      out.condition = *condition;
    } else if (key == "Principal" || key == "NotPrincipal") {
      return FieldError(kpath, "identity-based policies cannot name a principal");
    } else {
      return FieldError(kpath, "unknown statement element");
    }
  }
  if (!st.contains("Effect")) return FieldError(absl::StrCat(path, ".Effect"), "is required");
  if (!has_action)
    return FieldError(absl::StrCat(path, ".Action"), "Action or NotAction is required");
  if (!has_resource) {
    return FieldError(absl::StrCat(path, ".Resource"), "Resource or NotResource is required");
  }
  if (out.effect == StatementEffect::kAllow && out.not_resource) {
    warnings.push_back({path + ".NotResource", "ALLOW_WITH_NOT_RESOURCE",
                        "Allow with NotResource grants the actions on every resource not listed, "
                        "including ones created later"});
  }
  if (out.effect == StatementEffect::kAllow && st.contains("Condition") &&
      st["Condition"].is_object()) {
    for (const auto& [op, block] : st["Condition"].items()) {
      if (op.rfind("ForAllValues:", 0) == 0) {
        warnings.push_back({absl::StrCat(path, ".Condition.", op), "FOR_ALL_VALUES_WITH_ALLOW",
                            "ForAllValues is true when the key is missing or empty, so this "
                            "Allow also applies to requests without the key"});
      }
    }
  }
  return out;
}

// IAM accepts TAB, LF, CR and U+0020 to U+00FF in policy documents (UTF-8).
absl::Status CheckDocumentCharacters(absl::string_view doc) {
  for (size_t i = 0; i < doc.size();) {
    unsigned char c = static_cast<unsigned char>(doc[i]);
    uint32_t cp;
    size_t len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c & 0xE0) == 0xC0 && i + 1 < doc.size() &&
               (static_cast<unsigned char>(doc[i + 1]) & 0xC0) == 0x80) {
      cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(doc[i + 1]) & 0x3Fu);
      len = 2;
      if (cp < 0x80) cp = 0xFFFFFFFF;  // overlong encoding
    } else {
      // Three- and four-byte sequences encode U+0800 and above: never allowed.
      return FieldError("", absl::StrCat("byte ", i,
                                         ": not UTF-8 for a character IAM allows (policy "
                                         "documents may hold TAB, LF, CR and U+0020 to U+00FF)"));
    }
    if (!(cp == 0x09 || cp == 0x0A || cp == 0x0D || (cp >= 0x20 && cp <= 0xFF))) {
      return FieldError(
          "", absl::StrCat("byte ", i, ": character ",
                           cp == 0xFFFFFFFF ? std::string("(malformed)")
                                            : absl::StrCat("U+", absl::Hex(cp, absl::kZeroPad4)),
                           " is not allowed (policy documents may hold TAB, LF, "
                           "CR and U+0020 to U+00FF)"));
    }
    i += len;
  }
  return absl::OkStatus();
}

}  // namespace

size_t NonWhitespaceLength(absl::string_view document) {
  size_t n = 0;
  for (char c : document) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') ++n;
  }
  return n;
}

absl::StatusOr<CompiledPolicyPtr> CompilePolicy(absl::string_view document,
                                                const CompileOptions& options) {
  if (document.size() > kMaxPolicyDocumentBytes) {
    return FieldError("",
                      absl::StrCat("document is larger than ", kMaxPolicyDocumentBytes, " bytes"));
  }
  if (options.max_non_whitespace_chars > 0 &&
      NonWhitespaceLength(document) > options.max_non_whitespace_chars) {
    return FieldError("", absl::StrCat("document has more than ", options.max_non_whitespace_chars,
                                       " characters (white space not counted)"));
  }
  absl::Status chars = CheckDocumentCharacters(document);
  if (!chars.ok()) return chars;
  absl::StatusOr<Json> json = ParseStrictJson(document);
  if (!json.ok()) return json.status();
  if (!json->is_object()) return FieldError("", "a policy document must be a JSON object");
  auto policy = std::make_shared<CompiledPolicy>();
  policy->version = "2008-10-17";  // IAM's default when Version is absent
  const Json* statements = nullptr;
  for (const auto& [key, value] : json->items()) {
    if (key == "Version") {
      if (value != "2012-10-17" && value != "2008-10-17") {
        return FieldError("Version", "must be \"2012-10-17\" or \"2008-10-17\"");
      }
      policy->version = value.get<std::string>();
    } else if (key == "Id") {
      if (!value.is_string()) return FieldError("Id", "must be a string");
    } else if (key == "Statement") {
      statements = &value;
    } else {
      return FieldError(key, "unknown policy element");
    }
  }
  if (statements == nullptr) return FieldError("Statement", "is required");
  // Variables are policy text under 2008-10-17; Version may come after
  // Statement in the document, so statements are compiled once it is known.
  const bool variables = policy->version == "2012-10-17";
  std::vector<std::pair<const Json*, std::string>> list;
  if (statements->is_object()) {
    list.emplace_back(statements, "Statement");
  } else if (statements->is_array()) {
    if (statements->empty()) return FieldError("Statement", "must not be empty");
    for (size_t i = 0; i < statements->size(); ++i) {
      list.emplace_back(&(*statements)[i], absl::StrCat("Statement[", i, "]"));
    }
  } else {
    return FieldError("Statement", "must be an object or an array of objects");
  }
  absl::flat_hash_set<std::string> sids;
  for (size_t i = 0; i < list.size(); ++i) {
    absl::StatusOr<CompiledStatement> st =
        CompileStatement(*list[i].first, static_cast<int>(i), list[i].second, variables,
                         options.known_actions, policy->warnings);
    if (!st.ok()) return st.status();
    if (!st->sid.empty() && !sids.insert(st->sid).second) {
      return FieldError(list[i].second + ".Sid", "Sid values must be unique within a policy");
    }
    policy->statements.push_back(std::move(*st));
  }
  policy->index = StatementIndex::Build(policy->statements);
  return CompiledPolicyPtr(std::move(policy));
}

CompiledPolicyPtr DenyEverythingPolicy() {
  static const CompiledPolicyPtr* policy = new CompiledPolicyPtr(*CompilePolicy(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]})"));
  return *policy;
}

}  // namespace pdp
