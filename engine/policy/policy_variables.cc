#include "engine/policy/policy_variables.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/errors.h"
#include "base/glob.h"

namespace pdp {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Parses the inside of "${...}" (without the braces' closing '}') starting
// at `pos` of `text`; on success sets `end` to the index just past '}'.
//
// Accepted forms (whitespace around the key, the comma and the quoted
// default is ignored): "*", "?", "$" (escapes), "key", "key, 'default'".
// A key may not contain '$', '{', '\'', '*' or '?'; a default may not
// contain '\''.
absl::Status ParseVariable(absl::string_view text, size_t pos, size_t& end,
                           std::vector<std::pair<std::string, std::optional<std::string>>>& out,
                           bool& is_escape, char& escaped) {
  const size_t open = pos - 2;  // index of "${"
  size_t close_or_comma = text.find_first_of(",}", pos);
  if (close_or_comma == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("unterminated policy variable at offset ", open, ": missing '}'"));
  }
  absl::string_view raw_key = text.substr(pos, close_or_comma - pos);
  absl::string_view key = absl::StripAsciiWhitespace(raw_key);
  if (text[close_or_comma] == '}' && (key == "*" || key == "?" || key == "$") &&
      raw_key.size() == 1) {
    is_escape = true;
    escaped = key[0];
    end = close_or_comma + 1;
    return absl::OkStatus();
  }
  if (key.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy variable at offset ", open, " has an empty key"));
  }
  for (char c : key) {
    if (c == '$' || c == '{' || c == '\'' || c == '*' || c == '?') {
      return absl::InvalidArgumentError(absl::StrCat("policy variable key ", QuoteInput(key),
                                                     " contains '", std::string(1, c), "'"));
    }
  }
  std::optional<std::string> default_value;
  size_t i = close_or_comma;
  if (text[i] == ',') {
    ++i;
    while (i < text.size() && IsSpace(text[i])) ++i;
    if (i >= text.size() || text[i] != '\'') {
      return absl::InvalidArgumentError(absl::StrCat(
          "policy variable ", QuoteInput(key), ": the default value must be in single quotes"));
    }
    size_t quote_end = text.find('\'', i + 1);
    if (quote_end == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy variable ", QuoteInput(key), ": unterminated default value"));
    }
    default_value = std::string(text.substr(i + 1, quote_end - i - 1));
    i = quote_end + 1;
    while (i < text.size() && IsSpace(text[i])) ++i;
    if (i >= text.size() || text[i] != '}') {
      return absl::InvalidArgumentError(absl::StrCat(
          "policy variable ", QuoteInput(key), ": expected '}' after the quoted default value"));
    }
  }
  end = i + 1;
  is_escape = false;
  out.emplace_back(std::string(key), std::move(default_value));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<VariableTemplate> VariableTemplate::Parse(absl::string_view text,
                                                         bool variables_enabled) {
  VariableTemplate t;
  if (!variables_enabled) {
    if (!text.empty()) t.parts_.push_back(Part{Part::kText, std::string(text), std::nullopt});
    return t;
  }
  std::string pending;
  auto flush = [&] {
    if (!pending.empty()) t.parts_.push_back(Part{Part::kText, std::move(pending), std::nullopt});
    pending.clear();
  };
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      std::vector<std::pair<std::string, std::optional<std::string>>> vars;
      bool is_escape = false;
      char escaped = 0;
      size_t end = 0;
      absl::Status s = ParseVariable(text, i + 2, end, vars, is_escape, escaped);
      if (!s.ok()) return s;
      flush();
      if (is_escape) {
        t.parts_.push_back(Part{Part::kLiteralChar, std::string(1, escaped), std::nullopt});
      } else {
        t.parts_.push_back(
            Part{Part::kVariable, std::move(vars[0].first), std::move(vars[0].second)});
      }
      i = end;
    } else {
      pending.push_back(text[i]);
      ++i;
    }
  }
  flush();
  return t;
}

// True when resolution can differ from the text as written: any variable or
// escape.
bool VariableTemplate::has_variables() const {
  for (const Part& p : parts_) {
    if (p.kind != Part::kText) return true;
  }
  return false;
}

std::optional<ResolvedPattern> VariableTemplate::Resolve(const RequestContext& context) const {
  ResolvedPattern out;
  auto append = [&out](absl::string_view s, bool literal) {
    out.text.append(s.data(), s.size());
    out.literal.insert(out.literal.end(), s.size(), literal);
  };
  for (const Part& p : parts_) {
    switch (p.kind) {
      case Part::kText:
        append(p.text, false);
        break;
      case Part::kLiteralChar:
        append(p.text, true);
        break;
      case Part::kVariable: {
        const std::vector<std::string>* values = context.Find(p.text);
        if (values != nullptr && values->size() == 1) {
          append((*values)[0], true);
        } else if (p.default_value.has_value()) {
          append(*p.default_value, true);
        } else {
          return std::nullopt;
        }
        break;
      }
    }
  }
  return out;
}

bool GlobMatchResolved(const ResolvedPattern& pattern, absl::string_view text) {
  return GlobMatchWith(pattern.text, text, [&](size_t i) { return !pattern.literal[i]; });
}

}  // namespace pdp
