// Policy variables (IAM, Version 2012-10-17 only): "${aws:username}",
// "${aws:PrincipalTag/team, 'default'}", and the escapes "${*}", "${?}",
// "${$}" for a literal '*', '?' and '$'. Under Version 2008-10-17 text is
// taken literally.
//
// A template is parsed once, when its policy is compiled, and resolved per
// request. Resolution yields a pattern in which substituted text and escaped
// characters are literal: a '*' that came from a variable or from "${*}"
// never acts as a wildcard.
#ifndef PDP_ENGINE_POLICY_POLICY_VARIABLES_H_
#define PDP_ENGINE_POLICY_POLICY_VARIABLES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/policy/request_context.h"

namespace pdp {

// A pattern after variable resolution: `text[i]` is a wildcard only when
// `literal[i]` is false. (A pattern with no variables has literal all false.)
struct ResolvedPattern {
  std::string text;
  std::vector<bool> literal;
};

class VariableTemplate {
 public:
  // Parses `text`. With variables disabled (Version 2008-10-17) the whole
  // text is literal-as-written (its '*' and '?' still act as wildcards, as
  // any policy text does). INVALID_ARGUMENT for a malformed "${...}"
  // (unterminated, empty key, bad default quoting).
  static absl::StatusOr<VariableTemplate> Parse(absl::string_view text, bool variables_enabled);

  bool has_variables() const;
  // The pattern for this request, or nullopt when a variable has no value
  // (missing key, or a key with other than exactly one value) and no
  // default: such a value matches nothing.
  std::optional<ResolvedPattern> Resolve(const RequestContext& context) const;

 private:
  struct Part {
    enum Kind { kText, kVariable, kLiteralChar } kind;
    std::string text;  // kText: text; kVariable: key; kLiteralChar: the char
    std::optional<std::string> default_value;  // kVariable only
  };
  std::vector<Part> parts_;
};

// Glob matching that honours ResolvedPattern::literal ('*' and '?' marked
// literal match only themselves). Case-sensitive.
bool GlobMatchResolved(const ResolvedPattern& pattern, absl::string_view text);

}  // namespace pdp

#endif  // PDP_ENGINE_POLICY_POLICY_VARIABLES_H_
