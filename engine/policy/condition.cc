#include "engine/policy/condition.h"

#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/errors.h"
#include "base/strings.h"
#include "engine/policy/condition_values.h"
#include "engine/policy/policy_variables.h"

namespace pdp {
namespace {

enum class Family { kString, kNumeric, kDate, kBool, kBinary, kIp, kArn, kNull };
enum class Cmp { kEquals, kEqualsIgnoreCase, kLike, kLess, kLessEq, kGreater, kGreaterEq };
enum class SetOp { kNone, kForAnyValue, kForAllValues };

struct BaseOperator {
  const char* name;
  Family family;
  Cmp cmp;
  bool negated;
};

// Operator names are case-sensitive: IAM rejects e.g. "stringEquals"
// ("MalformedPolicyDocument: Invalid Condition type").
constexpr BaseOperator kOperators[] = {
    {"StringEquals", Family::kString, Cmp::kEquals, false},
    {"StringNotEquals", Family::kString, Cmp::kEquals, true},
    {"StringEqualsIgnoreCase", Family::kString, Cmp::kEqualsIgnoreCase, false},
    {"StringNotEqualsIgnoreCase", Family::kString, Cmp::kEqualsIgnoreCase, true},
    {"StringLike", Family::kString, Cmp::kLike, false},
    {"StringNotLike", Family::kString, Cmp::kLike, true},
    {"NumericEquals", Family::kNumeric, Cmp::kEquals, false},
    {"NumericNotEquals", Family::kNumeric, Cmp::kEquals, true},
    {"NumericLessThan", Family::kNumeric, Cmp::kLess, false},
    {"NumericLessThanEquals", Family::kNumeric, Cmp::kLessEq, false},
    {"NumericGreaterThan", Family::kNumeric, Cmp::kGreater, false},
    {"NumericGreaterThanEquals", Family::kNumeric, Cmp::kGreaterEq, false},
    {"DateEquals", Family::kDate, Cmp::kEquals, false},
    {"DateNotEquals", Family::kDate, Cmp::kEquals, true},
    {"DateLessThan", Family::kDate, Cmp::kLess, false},
    {"DateLessThanEquals", Family::kDate, Cmp::kLessEq, false},
    {"DateGreaterThan", Family::kDate, Cmp::kGreater, false},
    {"DateGreaterThanEquals", Family::kDate, Cmp::kGreaterEq, false},
    {"Bool", Family::kBool, Cmp::kEquals, false},
    {"BinaryEquals", Family::kBinary, Cmp::kEquals, false},
    {"IpAddress", Family::kIp, Cmp::kEquals, false},
    {"NotIpAddress", Family::kIp, Cmp::kEquals, true},
    {"ArnEquals", Family::kArn, Cmp::kLike, false},
    {"ArnLike", Family::kArn, Cmp::kLike, false},
    {"ArnNotEquals", Family::kArn, Cmp::kLike, true},
    {"ArnNotLike", Family::kArn, Cmp::kLike, true},
    {"Null", Family::kNull, Cmp::kEquals, false},
};

// One policy value, pre-parsed for its operator family.
struct PolicyValue {
  std::string text;               // as written (JSON numbers/booleans as text)
  VariableTemplate pattern;       // kString, kArn, kBool with variables
  bool templated = false;         // `pattern` holds variables or escapes
  std::optional<Decimal> number;  // kNumeric
  std::optional<Timestamp> time;  // kDate
  std::optional<Cidr> cidr;       // kIp
  std::string bytes;              // kBinary
  bool boolean = false;           // kBool without variables, kNull
};

ConditionOutcome Not(ConditionOutcome o) {
  switch (o) {
    case ConditionOutcome::kTrue:
      return ConditionOutcome::kFalse;
    case ConditionOutcome::kFalse:
      return ConditionOutcome::kTrue;
    case ConditionOutcome::kError:
      return ConditionOutcome::kError;
  }
  return ConditionOutcome::kError;
}

ConditionOutcome FromBool(bool b) { return b ? ConditionOutcome::kTrue : ConditionOutcome::kFalse; }

// Error-dominant OR / AND (fail closed: anything undecidable stays kError).
ConditionOutcome Or(ConditionOutcome a, ConditionOutcome b) {
  if (a == ConditionOutcome::kError || b == ConditionOutcome::kError) {
    return ConditionOutcome::kError;
  }
  return FromBool(a == ConditionOutcome::kTrue || b == ConditionOutcome::kTrue);
}
ConditionOutcome And(ConditionOutcome a, ConditionOutcome b) {
  if (a == ConditionOutcome::kError || b == ConditionOutcome::kError) {
    return ConditionOutcome::kError;
  }
  return FromBool(a == ConditionOutcome::kTrue && b == ConditionOutcome::kTrue);
}

std::string Quote(absl::string_view s) { return absl::StrCat("\"", s, "\""); }

// Splits an ARN into its six colon-separated parts (the last keeps its
// colons); false when there are fewer than six.
bool SplitArn(absl::string_view arn, std::vector<absl::string_view>& parts) {
  parts = absl::StrSplit(arn, absl::MaxSplits(':', 5));
  return parts.size() == 6;
}

// `req` holds the request ARN's six parts (SplitArnParts).
bool ArnMatches(const ResolvedPattern& pattern, const std::vector<absl::string_view>& req) {
  std::vector<absl::string_view> pat;
  if (!SplitArn(pattern.text, pat)) return false;
  for (size_t i = 0; i < 6; ++i) {
    size_t offset = static_cast<size_t>(pat[i].data() - pattern.text.data());
    ResolvedPattern part{std::string(pat[i]),
                         std::vector<bool>(pattern.literal.begin() + offset,
                                           pattern.literal.begin() + offset + pat[i].size())};
    if (!GlobMatchResolved(part, req[i])) return false;
  }
  return true;
}

}  // namespace

struct CompiledCondition::Clause {
  std::string op;   // as written
  std::string key;  // as written
  SetOp set = SetOp::kNone;
  bool if_exists = false;
  const BaseOperator* base = nullptr;
  std::vector<PolicyValue> values;

  ConditionOutcome Evaluate(const RequestContext& context, ConditionTrace* trace) const;

 private:
  // The policy values resolved for this request (nullopt: unresolved
  // variable, or a non-templated value).
  std::vector<std::optional<ResolvedPattern>> Resolve(const RequestContext& context) const;
  // Whether request value `v` matches policy value `i` (positive sense).
  // kError when `v` is not of the operator's type. `error` explains it.
  ConditionOutcome MatchOne(absl::string_view v, size_t i,
                            const std::vector<std::optional<ResolvedPattern>>& resolved,
                            std::string* error) const;
  std::string Describe(size_t i, const std::vector<std::optional<ResolvedPattern>>& resolved) const;
};

std::vector<std::optional<ResolvedPattern>> CompiledCondition::Clause::Resolve(
    const RequestContext& context) const {
  std::vector<std::optional<ResolvedPattern>> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const Family f = base->family;
    if (f == Family::kString || f == Family::kArn || (f == Family::kBool && values[i].templated)) {
      out[i] = values[i].pattern.Resolve(context);
    }
  }
  return out;
}

std::string CompiledCondition::Clause::Describe(
    size_t i, const std::vector<std::optional<ResolvedPattern>>& resolved) const {
  const PolicyValue& p = values[i];
  if (!p.templated) {
    if (base->family == Family::kIp && p.cidr && CidrToString(*p.cidr) != p.text) {
      return absl::StrCat(Quote(p.text), " (= ", CidrToString(*p.cidr), ")");
    }
    return Quote(p.text);
  }
  if (!resolved[i].has_value()) return absl::StrCat(Quote(p.text), " (unresolved variable)");
  return absl::StrCat(Quote(p.text), " (= ", Quote(resolved[i]->text), ")");
}

ConditionOutcome CompiledCondition::Clause::MatchOne(
    absl::string_view v, size_t i, const std::vector<std::optional<ResolvedPattern>>& resolved,
    std::string* error) const {
  const PolicyValue& p = values[i];
  auto compare = [&](int c) {
    switch (base->cmp) {
      case Cmp::kEquals:
        return c == 0;
      case Cmp::kLess:
        return c < 0;
      case Cmp::kLessEq:
        return c <= 0;
      case Cmp::kGreater:
        return c > 0;
      case Cmp::kGreaterEq:
        return c >= 0;
      default:
        return false;
    }
  };
  switch (base->family) {
    case Family::kString: {
      if (!resolved[i].has_value()) return ConditionOutcome::kFalse;
      const ResolvedPattern& r = *resolved[i];
      switch (base->cmp) {
        case Cmp::kEquals:
          return FromBool(r.text == v);
        case Cmp::kEqualsIgnoreCase:
          return FromBool(absl::EqualsIgnoreCase(r.text, v));
        default:
          return FromBool(GlobMatchResolved(r, v));
      }
    }
    case Family::kArn: {
      // Checked before the policy value: a request value that is not an ARN
      // cannot be compared, whatever the policy holds.
      std::vector<absl::string_view> parts;
      if (!SplitArnParts(v, parts)) {
        *error = absl::StrCat(key, " value ", Quote(v), " is not an ARN");
        return ConditionOutcome::kError;
      }
      if (!resolved[i].has_value()) return ConditionOutcome::kFalse;
      return FromBool(ArnMatches(*resolved[i], parts));
    }
    case Family::kBool: {
      std::optional<bool> got = ParseBool(v);
      if (!got.has_value()) {
        // Neither true nor false: the comparison cannot be made. Were it
        // simply false, a Deny on Bool "false" would be dodged by sending
        // "no" or "0".
        *error = absl::StrCat(key, " value ", Quote(v), " is not true or false");
        return ConditionOutcome::kError;
      }
      std::optional<bool> want = p.boolean;
      if (p.templated) want = resolved[i] ? ParseBool(resolved[i]->text) : std::nullopt;
      return FromBool(want.has_value() && *want == *got);
    }
    case Family::kNumeric: {
      std::optional<Decimal> got = ParseDecimal(v);
      if (!got.has_value()) {
        *error = absl::StrCat(key, " value ", Quote(v), " is not a number");
        return ConditionOutcome::kError;
      }
      return FromBool(compare(CompareDecimal(*got, *p.number)));
    }
    case Family::kDate: {
      std::optional<Timestamp> got = ParseTimestamp(v);
      if (!got.has_value()) {
        *error = absl::StrCat(key, " value ", Quote(v), " is not a date");
        return ConditionOutcome::kError;
      }
      return FromBool(compare(CompareTimestamp(*got, *p.time)));
    }
    case Family::kBinary: {
      std::optional<std::string> got = DecodeBase64(v);
      if (!got.has_value()) {
        *error = absl::StrCat(key, " value ", Quote(v), " is not base64");
        return ConditionOutcome::kError;
      }
      return FromBool(*got == p.bytes);
    }
    case Family::kIp: {
      std::optional<IpAddr> got = ParseIpAddress(v);
      if (!got.has_value()) {
        *error = absl::StrCat(key, " value ", Quote(v), " is not an IP address");
        return ConditionOutcome::kError;
      }
      return FromBool(CidrContains(*p.cidr, *got));
    }
    case Family::kNull:
      break;
  }
  return ConditionOutcome::kError;
}

ConditionOutcome CompiledCondition::Clause::Evaluate(const RequestContext& context,
                                                     ConditionTrace* trace) const {
  const std::vector<std::string>* request = context.Find(key);
  const bool missing = request == nullptr;
  const bool absent = missing || request->empty();  // no value to compare
  const std::string absent_text = missing ? absl::StrCat(key, " is not in the request")
                                          : absl::StrCat(key, " is in the request with no values");
  std::string note;
  ConditionOutcome result = ConditionOutcome::kFalse;

  if (base->family == Family::kNull) {
    bool matched = false;
    for (const PolicyValue& p : values) matched = matched || (p.boolean == absent);
    result = FromBool(matched);
    if (trace != nullptr) {
      note = absent ? absl::StrCat(absent_text, " (null)")
                    : absl::StrCat(key, " is present (not null)");
      std::vector<std::string> wanted;
      for (const PolicyValue& p : values) wanted.push_back(p.boolean ? "true" : "false");
      absl::StrAppend(&note, "; Null wants ", absl::StrJoin(wanted, " or "));
    }
  } else if (absent) {
    if (set == SetOp::kForAllValues) {
      result = ConditionOutcome::kTrue;
      note = absl::StrCat(absent_text, "; ForAllValues: is true when the key has no values");
    } else if (set == SetOp::kForAnyValue) {
      // AWS: ForAnyValue is false for a missing or empty key, even with
      // IfExists.
      result = ConditionOutcome::kFalse;
      note = absl::StrCat(absent_text, "; ForAnyValue: is false when the key has no values",
                          if_exists ? " (IfExists does not change this)" : "");
    } else if (if_exists) {
      result = ConditionOutcome::kTrue;
      note = absl::StrCat(absent_text, "; ...IfExists is true when the key is absent");
    } else if (base->negated) {
      result = ConditionOutcome::kTrue;
      note = absl::StrCat(absent_text, "; a negated operator is true when the key is absent");
    } else {
      result = ConditionOutcome::kFalse;
      note = absl::StrCat(absent_text, "; ", base->name, " is false when the key is absent");
    }
  } else if (set == SetOp::kNone && request->size() > 1) {
    result = ConditionOutcome::kError;
    note = absl::StrCat(key, " has ", request->size(),
                        " values; a multivalued key needs ForAnyValue: or ForAllValues:");
  } else {
    const std::vector<std::optional<ResolvedPattern>> resolved = Resolve(context);
    std::vector<std::string> per_value_notes;
    bool first = true;
    for (const std::string& v : *request) {
      // Positive sense: does `v` match any policy value?
      ConditionOutcome any = ConditionOutcome::kFalse;
      std::string error;
      size_t matched_index = values.size();
      for (size_t i = 0; i < values.size(); ++i) {
        ConditionOutcome m = MatchOne(v, i, resolved, &error);
        if (m == ConditionOutcome::kTrue && matched_index == values.size()) matched_index = i;
        any = Or(any, m);
        if (m == ConditionOutcome::kError) break;  // the request value is unusable
      }
      ConditionOutcome per_value = base->negated ? Not(any) : any;
      if (first) {
        result = per_value;
        first = false;
      } else {
        result = set == SetOp::kForAllValues ? And(result, per_value) : Or(result, per_value);
      }
      if (trace != nullptr) {
        if (any == ConditionOutcome::kError) {
          per_value_notes.push_back(error);
        } else if (matched_index < values.size()) {
          per_value_notes.push_back(
              absl::StrCat(Quote(v), " matches ", Describe(matched_index, resolved)));
        } else {
          std::vector<std::string> all;
          for (size_t i = 0; i < values.size(); ++i) all.push_back(Describe(i, resolved));
          per_value_notes.push_back(
              absl::StrCat(Quote(v), values.size() == 1 ? " does not match " : " matches none of ",
                           absl::StrJoin(all, ", ")));
        }
      }
    }
    if (trace != nullptr) {
      note = absl::StrCat(key, " ", absl::StrJoin(per_value_notes, "; "));
      if (base->negated) {
        absl::StrAppend(&note, " (", base->name, " is the negation)");
      }
    }
  }

  if (trace != nullptr) {
    trace->op = op;
    trace->key = key;
    trace->outcome = result;
    trace->key_missing = missing;
    trace->note = std::move(note);
  }
  return result;
}

namespace {

std::string JsonScalarText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();  // numbers and booleans: their JSON text
}

// Parses "ForAnyValue:StringLikeIfExists" and friends.
absl::Status ParseOperator(absl::string_view op, absl::string_view path,
                           CompiledCondition::Clause& clause) {
  absl::string_view rest = op;
  if (absl::ConsumePrefix(&rest, "ForAnyValue:")) {
    clause.set = SetOp::kForAnyValue;
  } else if (absl::ConsumePrefix(&rest, "ForAllValues:")) {
    clause.set = SetOp::kForAllValues;
  }
  for (const BaseOperator& b : kOperators) {
    if (rest == b.name) {
      clause.base = &b;
    } else if (absl::StartsWith(rest, b.name) && rest.substr(strlen(b.name)) == "IfExists") {
      clause.base = &b;
      clause.if_exists = true;
    }
    if (clause.base != nullptr) break;
  }
  if (clause.base == nullptr) {
    return FieldError(path, absl::StrCat("unknown condition operator ", QuoteInput(op),
                                         " (operator names are case-sensitive)"));
  }
  if (clause.base->family == Family::kNull && (clause.if_exists || clause.set != SetOp::kNone)) {
    return FieldError(path, "Null takes no ForAnyValue:/ForAllValues: prefix and no IfExists");
  }
  return absl::OkStatus();
}

absl::Status CompileValue(const Json& json, const std::string& path, const BaseOperator& base,
                          bool variables_enabled, PolicyValue& out) {
  if (!(json.is_string() || json.is_number() || json.is_boolean())) {
    return FieldError(path, "must be a string, number or boolean");
  }
  out.text = JsonScalarText(json);
  switch (base.family) {
    case Family::kString:
    case Family::kArn:
    case Family::kBool: {
      absl::StatusOr<VariableTemplate> t = VariableTemplate::Parse(out.text, variables_enabled);
      if (!t.ok()) return AtField(path, t.status());
      out.pattern = *std::move(t);
      out.templated = out.pattern.has_variables();
      if (base.family == Family::kBool && !out.templated) {
        std::optional<bool> b = ParseBool(out.text);
        if (!b) {
          return FieldError(path, absl::StrCat(QuoteInput(out.text), " is not true or false"));
        }
        out.boolean = *b;
      }
      return absl::OkStatus();
    }
    case Family::kNull: {
      std::optional<bool> b = ParseBool(out.text);
      if (!b) return FieldError(path, absl::StrCat(QuoteInput(out.text), " is not true or false"));
      out.boolean = *b;
      return absl::OkStatus();
    }
    case Family::kNumeric:
      out.number = ParseDecimal(out.text);
      if (!out.number) {
        return FieldError(path, absl::StrCat(QuoteInput(out.text), " is not a number"));
      }
      return absl::OkStatus();
    case Family::kDate:
      out.time = ParseTimestamp(out.text);
      if (!out.time) {
        return FieldError(path, absl::StrCat(QuoteInput(out.text),
                                             " is not an ISO 8601 date/time or epoch seconds"));
      }
      return absl::OkStatus();
    case Family::kBinary: {
      std::optional<std::string> bytes = DecodeBase64(out.text);
      if (!bytes) return FieldError(path, absl::StrCat(QuoteInput(out.text), " is not base64"));
      out.bytes = *std::move(bytes);
      return absl::OkStatus();
    }
    case Family::kIp:
      out.cidr = ParseCidr(out.text);
      if (!out.cidr) {
        return FieldError(
            path, absl::StrCat(QuoteInput(out.text), " is not an IPv4 or IPv6 address or CIDR"));
      }
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<const CompiledCondition>> CompiledCondition::Compile(
    const Json& condition, absl::string_view path, bool variables_enabled) {
  if (!condition.is_object()) return FieldError(path, "must be an object");
  auto compiled = std::make_shared<CompiledCondition>();
  for (const auto& [op, block] : condition.items()) {
    const std::string op_path = absl::StrCat(path, ".", op);
    CompiledCondition::Clause prototype;
    prototype.op = op;
    if (absl::Status s = ParseOperator(op, op_path, prototype); !s.ok()) return s;
    if (!block.is_object()) return FieldError(op_path, "must be an object of condition keys");
    if (block.empty()) return FieldError(op_path, "must name at least one condition key");
    for (const auto& [key, json_values] : block.items()) {
      const std::string key_path = absl::StrCat(op_path, ".", key);
      if (key.empty()) return FieldError(key_path, "a condition key must not be empty");
      auto clause = std::make_shared<CompiledCondition::Clause>(prototype);
      clause->key = key;
      if (json_values.is_array()) {
        if (json_values.empty()) return FieldError(key_path, "must not be empty");
        for (size_t i = 0; i < json_values.size(); ++i) {
          PolicyValue v;
          absl::Status s = CompileValue(json_values[i], absl::StrCat(key_path, "[", i, "]"),
                                        *clause->base, variables_enabled, v);
          if (!s.ok()) return s;
          clause->values.push_back(std::move(v));
        }
      } else {
        if (!(json_values.is_string() || json_values.is_number() || json_values.is_boolean())) {
          return FieldError(key_path, "must be a value or an array of values");
        }
        PolicyValue v;
        absl::Status s = CompileValue(json_values, key_path, *clause->base, variables_enabled, v);
        if (!s.ok()) return s;
        clause->values.push_back(std::move(v));
      }
      std::string lower = AsciiLower(key);
      bool seen = false;
      for (const std::string& k : compiled->keys_) seen = seen || k == lower;
      if (!seen) compiled->keys_.push_back(std::move(lower));
      compiled->clauses_.push_back(std::move(clause));
    }
  }
  return std::shared_ptr<const CompiledCondition>(std::move(compiled));
}

ConditionOutcome CompiledCondition::Evaluate(const RequestContext& context,
                                             std::vector<ConditionTrace>* trace) const {
  ConditionOutcome result = ConditionOutcome::kTrue;
  for (const auto& clause : clauses_) {
    ConditionTrace* entry = nullptr;
    if (trace != nullptr) {
      trace->emplace_back();
      entry = &trace->back();
    }
    result = And(result, clause->Evaluate(context, entry));
    // Without a trace, stop once the result can no longer change.
    if (trace == nullptr && result == ConditionOutcome::kError) break;
  }
  return result;
}

}  // namespace pdp
