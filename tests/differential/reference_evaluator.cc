#include "tests/differential/reference_evaluator.h"

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <optional>

namespace pdp::difftest {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    if (p == std::string::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, p - start));
    start = p + 1;
  }
}

// Text of a JSON scalar as IAM reads it ("true", "3600", ...).
std::string Text(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// A string-or-list element as a list.
std::vector<Json> AsList(const Json& v) {
  if (v.is_array()) return std::vector<Json>(v.begin(), v.end());
  return {v};
}

// ---- the request context ------------------------------------------------------

// Condition keys are case-insensitive: stored lower-cased.
struct Context {
  std::map<std::string, std::vector<std::string>> keys;
  const std::vector<std::string>* Find(const std::string& key) const {
    auto it = keys.find(Lower(key));
    return it == keys.end() ? nullptr : &it->second;
  }
};

// ---- wildcard matching ------------------------------------------------------------

// One pattern character; a literal one (from a variable's value or an escape
// like ${*}) never acts as a wildcard.
struct Tok {
  char c;
  bool literal;
};
using Pattern = std::vector<Tok>;

Pattern Plain(const std::string& s) {
  Pattern p;
  for (char c : s) p.push_back({c, false});
  return p;
}

std::string PatternText(const Pattern& p) {
  std::string s;
  for (const Tok& t : p) s += t.c;
  return s;
}

bool IsStar(const Tok& t) { return !t.literal && t.c == '*'; }
bool IsQuestion(const Tok& t) { return !t.literal && t.c == '?'; }

// '*' matches any run of characters, '?' exactly one. Naive recursion: the
// patterns here are short.
bool Glob(const Pattern& p, size_t i, const std::string& t, size_t j) {
  if (i == p.size()) return j == t.size();
  if (IsStar(p[i])) {
    for (size_t n = j; n <= t.size(); ++n) {
      if (Glob(p, i + 1, t, n)) return true;
    }
    return false;
  }
  if (j == t.size()) return false;
  if (IsQuestion(p[i])) return Glob(p, i + 1, t, j + 1);
  return p[i].c == t[j] && Glob(p, i + 1, t, j + 1);
}

// Resource ARNs (IAM User Guide, "Resource"): wildcards work within the
// colon-separated segments, case-sensitively; a '*' that is the last
// character of a segment "can expand to match beyond the colon boundaries".
// So '?' never matches ':', and '*' crosses a ':' only when it ends a segment.
bool ArnGlob(const Pattern& p, size_t i, const std::string& t, size_t j) {
  if (i == p.size()) return j == t.size();
  if (IsStar(p[i])) {
    const bool ends_segment = i + 1 == p.size() || p[i + 1].c == ':';
    for (size_t n = j; n <= t.size(); ++n) {
      if (n > j && t[n - 1] == ':' && !ends_segment) break;
      if (ArnGlob(p, i + 1, t, n)) return true;
    }
    return false;
  }
  if (j == t.size()) return false;
  if (IsQuestion(p[i])) return t[j] != ':' && ArnGlob(p, i + 1, t, j + 1);
  return p[i].c == t[j] && ArnGlob(p, i + 1, t, j + 1);
}

// ---- policy variables ---------------------------------------------------------------

// Expands "${key}", "${key, 'default'}" and the escapes ${*} ${?} ${$} when
// variables are on (Version 2012-10-17); otherwise the text is the pattern.
// nullopt: a variable without a (single) value and without a default, which
// makes the value match nothing. Assumes well-formed variables.
std::optional<Pattern> Expand(const std::string& text, bool variables, const Context& ctx) {
  if (!variables) return Plain(text);
  Pattern out;
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 2, "${") != 0) {
      out.push_back({text[i], false});
      ++i;
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string::npos) return Plain(text);  // not generated
    std::string inner = text.substr(i + 2, close - i - 2);
    i = close + 1;
    if (inner == "*" || inner == "?" || inner == "$") {
      out.push_back({inner[0], true});
      continue;
    }
    std::string key = inner;
    std::optional<std::string> fallback;
    size_t comma = inner.find(',');
    if (comma != std::string::npos) {
      key = inner.substr(0, comma);
      size_t q1 = inner.find('\'', comma);
      size_t q2 = inner.find('\'', q1 + 1);
      fallback = inner.substr(q1 + 1, q2 - q1 - 1);
    }
    const std::vector<std::string>* values = ctx.Find(Trim(key));
    std::string value;
    if (values != nullptr && values->size() == 1) {
      value = (*values)[0];
    } else if (fallback.has_value()) {
      value = *fallback;
    } else {
      return std::nullopt;
    }
    for (char c : value) out.push_back({c, true});
  }
  return out;
}

// ---- conditions ----------------------------------------------------------------------

enum class Tri { kFalse, kTrue, kError };

Tri Not(Tri t) { return t == Tri::kTrue ? Tri::kFalse : t == Tri::kFalse ? Tri::kTrue : t; }
Tri Or(Tri a, Tri b) {
  if (a == Tri::kError || b == Tri::kError) return Tri::kError;
  return (a == Tri::kTrue || b == Tri::kTrue) ? Tri::kTrue : Tri::kFalse;
}
Tri And(Tri a, Tri b) {
  if (a == Tri::kError || b == Tri::kError) return Tri::kError;
  return (a == Tri::kTrue && b == Tri::kTrue) ? Tri::kTrue : Tri::kFalse;
}
Tri FromBool(bool b) { return b ? Tri::kTrue : Tri::kFalse; }

std::optional<double> ParseNumber(const std::string& s) {
  if (s.empty()) return std::nullopt;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+')) return std::nullopt;
  }
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

bool AllDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Epoch seconds: digits only (at most 15 of them, so a double holds them).
std::optional<double> ParseEpoch(const std::string& s) {
  if (!AllDigits(s) || s.size() > 15) return std::nullopt;
  return std::strtod(s.c_str(), nullptr);
}

// Days since 1970-01-01 of a proleptic Gregorian date (counted day by day
// from year 0 would be too naive even here: whole years, then months).
int64_t DaysSinceEpoch(int year, int month, int day) {
  auto leap = [](int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; };
  int64_t days = 0;
  for (int y = 1970; y < year; ++y) days += leap(y) ? 366 : 365;
  for (int y = year; y < 1970; ++y) days -= leap(y) ? 366 : 365;
  static const int kMonthDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int m = 1; m < month; ++m) days += kMonthDays[m - 1] + (m == 2 && leap(year) ? 1 : 0);
  return days + day - 1;
}

// Seconds since the epoch of "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by "Z",
// "+HH:MM" or "-HH:MM", or of epoch seconds.
std::optional<double> ParseDate(const std::string& s) {
  if (AllDigits(s)) return ParseEpoch(s);
  // Fixed positions; every field checked digit by digit.
  auto num = [&](size_t pos, size_t len) -> std::optional<int> {
    if (pos + len > s.size()) return std::nullopt;
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  auto at = [&](size_t pos, char c) { return pos < s.size() && s[pos] == c; };
  std::optional<int> year = num(0, 4), month = num(5, 2), day = num(8, 2), hour = num(11, 2),
                     minute = num(14, 2);
  if (!year || !month || !day || !hour || !minute || !at(4, '-') || !at(7, '-') || !at(10, 'T') ||
      !at(13, ':')) {
    return std::nullopt;
  }
  size_t pos = 16;
  int second = 0;
  double fraction = 0;
  if (at(pos, ':')) {
    std::optional<int> sec = num(pos + 1, 2);
    if (!sec) return std::nullopt;
    second = *sec;
    pos += 3;
    if (at(pos, '.')) {
      ++pos;
      double scale = 0.1;
      const size_t start = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        fraction += (s[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == start) return std::nullopt;
    }
  }
  int offset_minutes = 0;
  if (at(pos, 'Z')) {
    ++pos;
  } else if (at(pos, '+') || at(pos, '-')) {
    std::optional<int> oh = num(pos + 1, 2), om = num(pos + 4, 2);
    if (!oh || !om || !at(pos + 3, ':') || *oh > 23 || *om > 59) return std::nullopt;
    offset_minutes = (at(pos, '+') ? 1 : -1) * (*oh * 60 + *om);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  static const int kMonthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (*month < 1 || *month > 12 || *day < 1 || *day > kMonthDays[*month - 1]) return std::nullopt;
  const bool leap = (*year % 4 == 0 && *year % 100 != 0) || *year % 400 == 0;
  if (*month == 2 && *day == 29 && !leap) return std::nullopt;
  if (*hour > 23 || *minute > 59 || second > 59) return std::nullopt;
  const int64_t days = DaysSinceEpoch(*year, *month, *day);
  return static_cast<double>(days * 86400 + *hour * 3600 + *minute * 60 + second -
                             offset_minutes * 60) +
         fraction;
}

// An IP address as 4 (IPv4) or 16 (IPv6) bytes.
using Ip = std::vector<uint8_t>;

std::optional<Ip> ParseIpv4(const std::string& s) {
  std::vector<std::string> parts = Split(s, '.');
  if (parts.size() != 4) return std::nullopt;
  Ip ip;
  for (const std::string& p : parts) {
    if (p.empty() || p.size() > 3) return std::nullopt;
    int v = 0;
    for (char c : p) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    if (v > 255) return std::nullopt;
    ip.push_back(static_cast<uint8_t>(v));
  }
  return ip;
}

// Hex groups of 1 to 4 digits, eight of them, or fewer with one "::"
// standing for the missing zero groups. (No dotted IPv4 tail.)
std::optional<Ip> ParseIpv6(const std::string& s) {
  auto groups = [](const std::string& part, std::vector<uint16_t>& out) {
    if (part.empty()) return true;
    for (const std::string& g : Split(part, ':')) {
      if (g.empty() || g.size() > 4) return false;
      uint16_t v = 0;
      for (char c : g) {
        int d = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
        if (d < 0) return false;
        v = static_cast<uint16_t>(v * 16 + d);
      }
      out.push_back(v);
    }
    return true;
  };
  std::vector<uint16_t> head, tail;
  const size_t gap = s.find("::");
  if (gap == std::string::npos) {
    if (!groups(s, head) || head.size() != 8) return std::nullopt;
  } else {
    if (s.find("::", gap + 1) != std::string::npos) return std::nullopt;
    if (!groups(s.substr(0, gap), head) || !groups(s.substr(gap + 2), tail)) return std::nullopt;
    if (head.size() + tail.size() > 7) return std::nullopt;
    head.resize(8 - tail.size(), 0);
  }
  head.insert(head.end(), tail.begin(), tail.end());
  Ip ip;
  for (uint16_t g : head) {
    ip.push_back(static_cast<uint8_t>(g >> 8));
    ip.push_back(static_cast<uint8_t>(g & 0xff));
  }
  return ip;
}

std::optional<Ip> ParseIp(const std::string& s) {
  if (s.find(':') != std::string::npos) return ParseIpv6(s);
  return ParseIpv4(s);
}

// "address/bits" or a bare address (all bits) contains `ip` of the same family.
bool CidrContains(const std::string& cidr, const Ip& ip) {
  size_t slash = cidr.find('/');
  std::optional<Ip> base = ParseIp(cidr.substr(0, slash));
  if (!base.has_value() || base->size() != ip.size()) return false;
  size_t bits = slash == std::string::npos ? ip.size() * 8 : std::atoi(cidr.c_str() + slash + 1);
  for (size_t bit = 0; bit < bits && bit < ip.size() * 8; ++bit) {
    const int mask = 0x80 >> (bit % 8);
    if (((*base)[bit / 8] & mask) != (ip[bit / 8] & mask)) return false;
  }
  return true;
}

// The six parts of an ARN (the last keeps any further colons), or nullopt.
std::optional<std::vector<std::string>> ParseArn(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = s.find(':', start);
    if (colon == std::string::npos) return std::nullopt;
    parts.push_back(s.substr(start, colon - start));
    start = colon + 1;
  }
  parts.push_back(s.substr(start));
  if (parts[0] != "arn") return std::nullopt;
  return parts;
}

std::optional<bool> ParseBool(const std::string& s) {
  const std::string lower = Lower(s);
  if (lower == "true") return true;
  if (lower == "false") return false;
  return std::nullopt;
}

struct Operator {
  enum Family { kString, kNumeric, kDate, kBool, kIp, kArn, kNull } family;
  std::string cmp;  // Equals, EqualsIgnoreCase, Like, LessThan, ...
  bool negated = false;
};

std::optional<Operator> ParseBase(const std::string& name) {
  static const std::map<std::string, Operator> kOps = {
      {"StringEquals", {Operator::kString, "Equals", false}},
      {"StringNotEquals", {Operator::kString, "Equals", true}},
      {"StringEqualsIgnoreCase", {Operator::kString, "EqualsIgnoreCase", false}},
      {"StringNotEqualsIgnoreCase", {Operator::kString, "EqualsIgnoreCase", true}},
      {"StringLike", {Operator::kString, "Like", false}},
      {"StringNotLike", {Operator::kString, "Like", true}},
      {"NumericEquals", {Operator::kNumeric, "Equals", false}},
      {"NumericNotEquals", {Operator::kNumeric, "Equals", true}},
      {"NumericLessThan", {Operator::kNumeric, "LessThan", false}},
      {"NumericLessThanEquals", {Operator::kNumeric, "LessThanEquals", false}},
      {"NumericGreaterThan", {Operator::kNumeric, "GreaterThan", false}},
      {"NumericGreaterThanEquals", {Operator::kNumeric, "GreaterThanEquals", false}},
      {"DateEquals", {Operator::kDate, "Equals", false}},
      {"DateNotEquals", {Operator::kDate, "Equals", true}},
      {"DateLessThan", {Operator::kDate, "LessThan", false}},
      {"DateLessThanEquals", {Operator::kDate, "LessThanEquals", false}},
      {"DateGreaterThan", {Operator::kDate, "GreaterThan", false}},
      {"DateGreaterThanEquals", {Operator::kDate, "GreaterThanEquals", false}},
      {"Bool", {Operator::kBool, "Equals", false}},
      {"IpAddress", {Operator::kIp, "In", false}},
      {"NotIpAddress", {Operator::kIp, "In", true}},
      // ArnEquals and ArnLike are the same test (IAM User Guide).
      {"ArnEquals", {Operator::kArn, "Like", false}},
      {"ArnLike", {Operator::kArn, "Like", false}},
      {"ArnNotEquals", {Operator::kArn, "Like", true}},
      {"ArnNotLike", {Operator::kArn, "Like", true}},
      {"Null", {Operator::kNull, "", false}},
  };
  auto it = kOps.find(name);
  if (it == kOps.end()) return std::nullopt;
  return it->second;
}

Tri Compare(const std::string& cmp, double got, double want) {
  if (cmp == "Equals") return FromBool(got == want);
  if (cmp == "LessThan") return FromBool(got < want);
  if (cmp == "LessThanEquals") return FromBool(got <= want);
  if (cmp == "GreaterThan") return FromBool(got > want);
  return FromBool(got >= want);
}

// Splits a pattern at its first five unescaped colons, like an ARN.
std::optional<std::vector<Pattern>> SplitArnPattern(const Pattern& p) {
  std::vector<Pattern> parts(1);
  for (const Tok& t : p) {
    if (!t.literal && t.c == ':' && parts.size() < 6) {
      parts.emplace_back();
    } else {
      parts.back().push_back(t);
    }
  }
  if (parts.size() != 6) return std::nullopt;
  return parts;
}

// Does request value `v` match policy value `pv` (positive sense)? kError:
// `v` is not of the operator's type.
Tri MatchOne(const Operator& op, const std::string& v, const Json& pv, bool variables,
             const Context& ctx) {
  const std::string text = Text(pv);
  switch (op.family) {
    case Operator::kString: {
      std::optional<Pattern> p = Expand(text, variables, ctx);
      if (!p.has_value()) return Tri::kFalse;  // unresolved variable: matches nothing
      if (op.cmp == "Equals") return FromBool(PatternText(*p) == v);
      if (op.cmp == "EqualsIgnoreCase") return FromBool(Lower(PatternText(*p)) == Lower(v));
      return FromBool(Glob(*p, 0, v, 0));
    }
    case Operator::kNumeric: {
      std::optional<double> got = ParseNumber(v);
      std::optional<double> want = ParseNumber(text);
      if (!got.has_value() || !want.has_value()) return Tri::kError;
      return Compare(op.cmp, *got, *want);
    }
    case Operator::kDate: {
      std::optional<double> got = ParseDate(v);
      std::optional<double> want = ParseDate(text);
      if (!got.has_value() || !want.has_value()) return Tri::kError;
      return Compare(op.cmp, *got, *want);
    }
    case Operator::kBool: {
      std::optional<bool> got = ParseBool(v);
      if (!got.has_value()) return Tri::kError;  // cannot be evaluated: fail closed
      std::optional<Pattern> p = Expand(text, variables, ctx);
      if (!p.has_value()) return Tri::kFalse;
      std::optional<bool> want = ParseBool(PatternText(*p));
      return FromBool(want.has_value() && *want == *got);
    }
    case Operator::kIp: {
      std::optional<Ip> ip = ParseIp(v);
      if (!ip.has_value()) return Tri::kError;
      return FromBool(CidrContains(text, *ip));
    }
    case Operator::kArn: {
      std::optional<std::vector<std::string>> got = ParseArn(v);
      if (!got.has_value()) return Tri::kError;
      std::optional<Pattern> p = Expand(text, variables, ctx);
      if (!p.has_value()) return Tri::kFalse;
      std::optional<std::vector<Pattern>> want = SplitArnPattern(*p);
      if (!want.has_value()) return Tri::kFalse;  // not generated (policies are validated)
      for (size_t i = 0; i < 6; ++i) {
        if (!Glob((*want)[i], 0, (*got)[i], 0)) return Tri::kFalse;
      }
      return Tri::kTrue;
    }
    case Operator::kNull:
      break;
  }
  return Tri::kError;
}

Tri EvalClause(const std::string& op_name, const std::string& key, const Json& json_values,
               bool variables, const Context& ctx) {
  std::string rest = op_name;
  enum { kNone, kAny, kAll } set = kNone;
  if (rest.rfind("ForAnyValue:", 0) == 0) {
    set = kAny;
    rest = rest.substr(12);
  } else if (rest.rfind("ForAllValues:", 0) == 0) {
    set = kAll;
    rest = rest.substr(13);
  }
  bool if_exists = false;
  std::optional<Operator> op = ParseBase(rest);
  if (!op.has_value() && rest.size() > 8 && rest.substr(rest.size() - 8) == "IfExists") {
    op = ParseBase(rest.substr(0, rest.size() - 8));
    if_exists = true;
  }
  if (!op.has_value()) return Tri::kError;  // outside the subset: not generated
  const std::vector<Json> values = AsList(json_values);
  const std::vector<std::string>* request = ctx.Find(key);
  const bool absent = request == nullptr || request->empty();

  if (op->family == Operator::kNull) {
    // Null "true": the key must be absent; "false": it must be present.
    for (const Json& v : values) {
      if ((Lower(Text(v)) == "true") == absent) return Tri::kTrue;
    }
    return Tri::kFalse;
  }
  if (absent) {
    if (set == kAll) return Tri::kTrue;   // vacuously true
    if (set == kAny) return Tri::kFalse;  // nothing to match, IfExists or not
    if (if_exists) return Tri::kTrue;
    return FromBool(op->negated);  // missing key: positive false, negated true
  }
  if (set == kNone && request->size() > 1) return Tri::kError;  // needs a set operator
  Tri result = Tri::kFalse;
  bool first = true;
  for (const std::string& v : *request) {
    Tri any = Tri::kFalse;
    for (const Json& pv : values) {
      Tri m = MatchOne(*op, v, pv, variables, ctx);
      any = Or(any, m);
      if (m == Tri::kError) break;
    }
    Tri per_value = op->negated ? Not(any) : any;
    if (first) {
      result = per_value;
      first = false;
    } else {
      result = set == kAll ? And(result, per_value) : Or(result, per_value);
    }
  }
  return result;
}

// AND over operators and keys; an undecidable clause makes it undecidable.
Tri EvalCondition(const Json& condition, bool variables, const Context& ctx) {
  bool any_false = false, any_error = false;
  for (const auto& [op, block] : condition.items()) {
    for (const auto& [key, values] : block.items()) {
      Tri t = EvalClause(op, key, values, variables, ctx);
      any_false = any_false || t == Tri::kFalse;
      any_error = any_error || t == Tri::kError;
    }
  }
  return any_error ? Tri::kError : any_false ? Tri::kFalse : Tri::kTrue;
}

// ---- policies ------------------------------------------------------------------------

struct SetOutcome {
  bool allowed = false;
  bool denied = false;
};

Json ParseDocument(const Json& doc) {
  return doc.is_string() ? Json::parse(doc.get<std::string>()) : doc;
}

void EvalPolicy(const Json& doc, const std::string& action, const std::string& resource,
                const Context& ctx, SetOutcome& out) {
  // Without a Version element IAM uses 2008-10-17, where ${...} is text.
  const bool variables = doc.contains("Version") && doc["Version"] == "2012-10-17";
  const std::string action_lower = Lower(action);
  for (const Json& st : AsList(doc["Statement"])) {
    const bool deny = st["Effect"] == "Deny";
    const bool not_action = st.contains("NotAction");
    bool action_listed = false;
    for (const Json& a : AsList(st[not_action ? "NotAction" : "Action"])) {
      action_listed = action_listed || Glob(Plain(Lower(a.get<std::string>())), 0, action_lower, 0);
    }
    if (action_listed == not_action) continue;
    const bool not_resource = st.contains("NotResource");
    bool resource_listed = false;
    for (const Json& r : AsList(st[not_resource ? "NotResource" : "Resource"])) {
      std::optional<Pattern> p = Expand(r.get<std::string>(), variables, ctx);
      resource_listed = resource_listed || (p.has_value() && ArnGlob(*p, 0, resource, 0));
    }
    if (resource_listed == not_resource) continue;
    Tri c = st.contains("Condition") ? EvalCondition(st["Condition"], variables, ctx) : Tri::kTrue;
    // An undecidable condition never allows; an undecidable Deny applies.
    if (deny && c != Tri::kFalse) out.denied = true;
    if (!deny && c == Tri::kTrue) out.allowed = true;
  }
}

void EvalPolicies(const std::vector<Json>& docs, const std::string& action,
                  const std::string& resource, const Context& ctx, SetOutcome& out) {
  for (const Json& d : docs) EvalPolicy(d, action, resource, ctx, out);
}

// A section of the world ("users", ...), or an empty list.
const Json& Section(const Json& world, const char* name) {
  static const Json* const kEmpty = new Json(Json::array());
  return world.contains(name) ? world[name] : *kEmpty;
}

const Json* FindByArn(const Json& world, const char* section, const std::string& arn) {
  for (const Json& item : Section(world, section)) {
    if (item["arn"] == arn) return &item;
  }
  return nullptr;
}

std::string LastSegment(const std::string& arn) { return arn.substr(arn.rfind('/') + 1); }

}  // namespace

bool RefWellFormed(RefType type, const std::string& value) {
  switch (type) {
    case RefType::kString:
      return true;
    case RefType::kNumber:
      return ParseNumber(value).has_value();
    case RefType::kDate:
      return ParseDate(value).has_value();
    case RefType::kEpoch:
      return ParseEpoch(value).has_value();
    case RefType::kBool:
      return ParseBool(value).has_value();
    case RefType::kIp:
      return ParseIp(value).has_value();
    case RefType::kArn:
      return ParseArn(value).has_value();
  }
  return false;
}

std::optional<RefType> RefWellKnownKeyType(const std::string& key) {
  static const std::map<std::string, RefType> kTypes = {
      {"aws:sourceip", RefType::kIp},
      {"aws:vpcsourceip", RefType::kIp},
      {"aws:currenttime", RefType::kDate},
      {"aws:tokenissuetime", RefType::kDate},
      {"aws:epochtime", RefType::kEpoch},
      {"aws:multifactorauthage", RefType::kNumber},
      {"aws:multifactorauthpresent", RefType::kBool},
      {"aws:securetransport", RefType::kBool},
      {"aws:viaawsservice", RefType::kBool},
      {"aws:principalisawsservice", RefType::kBool},
      {"aws:sourcearn", RefType::kArn},
  };
  auto it = kTypes.find(Lower(key));
  if (it == kTypes.end()) return std::nullopt;
  return it->second;
}

bool RefIsPrincipalDerivedKey(const std::string& key) {
  const std::string k = Lower(key);
  return k == "aws:username" || k == "aws:userid" || k == "aws:principalarn" ||
         k == "aws:principalaccount" || k == "aws:principaltype" || k == "aws:principalorgid" ||
         k == "aws:principalorgpaths" || k.rfind("aws:principaltag/", 0) == 0;
}

std::string RefValidateContext(const RefContext& context) {
  if (context.size() > 64) return "context.keys";
  size_t total = 0;
  std::map<std::string, std::string> seen;  // lower-cased -> as written
  for (const auto& [key, values] : context) {
    const std::string field = "context.keys[" + key + "]";
    if (key.empty() || key.size() > 256) return field;
    if (!seen.emplace(Lower(key), key).second) return field;  // equal but for case
    if (RefIsPrincipalDerivedKey(key)) return field;
    if (values.size() > 64) return field;
    const std::optional<RefType> type = RefWellKnownKeyType(key);
    if (type.has_value() && values.size() > 1) return field;  // AWS sends one value
    total += key.size();
    for (size_t i = 0; i < values.size(); ++i) {
      const std::string value_field = field + ".values[" + std::to_string(i) + "]";
      if (values[i].size() > 2048) return value_field;
      if (type.has_value() && !RefWellFormed(*type, values[i])) return value_field;
      total += values[i].size();
    }
  }
  if (total > 32 * 1024) return "context";
  return "";
}

ReferenceEvaluator::ReferenceEvaluator(const Json& catalog, const Json& aws_policies)
    : catalog_(catalog) {
  for (const Json& p : aws_policies["policies"]) {
    aws_policies_[p["arn"].get<std::string>()] = ParseDocument(p["document"]);
  }
}

RefDecision ReferenceEvaluator::Decide(const Json& world, const RefRequest& req) const {
  auto deny = [](const char* reason) { return RefDecision{false, reason, {}}; };
  if (std::string error = RefValidateContext(req.context); !error.empty()) {
    RefDecision refused;
    refused.error = std::move(error);
    return refused;
  }

  // ---- 1. resolve
  std::vector<std::string> arn = Split(req.principal, ':');
  // arn:aws:<iam|sts>::<account>:<rest> (the rest has no colons here).
  const std::string home = arn[4];
  const std::string& rest = arn[5];
  const Json* home_account = nullptr;
  for (const Json& a : world["accounts"]) {
    if (a["id"] == home) home_account = &a;
  }
  if (arn[1] != "aws" || home_account == nullptr) return deny("UNKNOWN_PRINCIPAL");
  const bool root = arn[2] == "iam" && rest == "root";
  const Json* entity = nullptr;
  bool is_user = false;
  if (!root) {
    if (arn[2] == "sts") {
      // assumed-role/<role name>/<session>: the role, found by name.
      std::vector<std::string> parts = Split(rest, '/');
      for (const Json& r : Section(world, "roles")) {
        if (Lower(LastSegment(r["arn"].get<std::string>())) == Lower(parts[1])) entity = &r;
      }
    } else if (rest.rfind("user/", 0) == 0) {
      entity = FindByArn(world, "users", req.principal);
      is_user = true;
    } else {
      entity = FindByArn(world, "roles", req.principal);
    }
    if (entity == nullptr) return deny("UNKNOWN_PRINCIPAL");
  }
  const std::string target = req.account_id.empty() ? home : req.account_id;
  const Json* account = nullptr;
  for (const Json& a : world["accounts"]) {
    if (a["id"] == target) account = &a;
  }
  if (account == nullptr) return deny("UNKNOWN_ACCOUNT");
  if (target != home) return deny("CROSS_ACCOUNT");

  const bool legacy = account->value("console_action_set", "FINE_GRAINED") == "LEGACY";
  const bool iam_access = account->value("iam_access_to_billing", false);
  const char* set_name = legacy ? "legacy" : "fine_grained";

  std::vector<std::string> actions;
  const Json* page = nullptr;
  if (!req.page_id.empty()) {
    for (const Json& p : catalog_["pages"]) {
      if (p["id"] == req.page_id) page = &p;
    }
    const Json& set = (*page)[set_name];
    for (const Json& a : set["view"]) actions.push_back(a.get<std::string>());
    if (req.modify) {
      if (set["modify"].empty()) return deny("ACCESS_LEVEL_NOT_OFFERED");
      for (const Json& a : set["modify"]) actions.push_back(a.get<std::string>());
    }
  } else {
    actions.push_back(req.action);
  }
  const std::string resource = req.resource.empty() ? "*" : req.resource;

  // ---- 2. root-only actions
  for (const std::string& a : actions) {
    if (!root && Lower(a) == "billing:updateiamaccesspreference") return deny("ROOT_ONLY");
  }

  auto features = [&](const std::function<bool(const std::vector<std::string>&)>& allowed) {
    std::vector<std::string> out;
    if (page == nullptr || !page->contains("features")) return out;
    for (const Json& f : (*page)["features"]) {
      if (f["access"] == "MODIFY" && !req.modify) continue;
      std::vector<std::string> fa;
      for (const Json& a : f[set_name]) fa.push_back(a.get<std::string>());
      if (allowed(fa)) out.push_back(f["id"].get<std::string>());
    }
    return out;
  };

  // ---- (gate 3, SCPs: the differential worlds have no organizations)
  // ---- 4. Cost Explorer: standalone accounts use their own setting.
  const std::string lower_action = actions.empty() ? "" : Lower(actions[0]);
  const bool ce_data = page != nullptr ? page->value("shows_cost_explorer_data", false)
                                       : lower_action.rfind("ce:", 0) == 0 &&
                                             lower_action != "ce:getpreferences" &&
                                             lower_action != "ce:updatepreferences";
  if (ce_data && !account->value("cost_explorer_enabled", false)) {
    return deny("COST_EXPLORER_NOT_ENABLED");
  }

  // ---- 5. root user
  if (root) {
    return RefDecision{true, "ROOT_USER", features([](const auto&) { return true; })};
  }

  // ---- 4. IAM access gate
  if (page != nullptr && (*page)["iam_access_gated"] == true && !iam_access) {
    return deny("IAM_ACCESS_NOT_ACTIVATED");
  }

  // ---- 5. identity policies, permissions boundary
  Context ctx;
  for (const auto& [key, values] : req.context) ctx.keys[Lower(key)] = values;
  if (is_user) ctx.keys["aws:username"] = {LastSegment((*entity)["arn"].get<std::string>())};
  if (entity->contains("tags")) {
    for (const auto& [k, v] : (*entity)["tags"].items()) {
      ctx.keys[Lower("aws:PrincipalTag/" + k)] = {v.get<std::string>()};
    }
  }

  auto managed = [&](const std::string& policy_arn) -> Json {
    auto it = aws_policies_.find(policy_arn);
    if (it != aws_policies_.end()) return it->second;
    const Json* p = FindByArn(world, "managed_policies", policy_arn);
    return ParseDocument((*p)["document"]);
  };
  std::vector<Json> identity;
  auto add_entity_policies = [&](const Json& e) {
    for (const Json& p : e.value("inline_policies", Json::array())) {
      identity.push_back(ParseDocument(p["document"]));
    }
    for (const Json& a : e.value("attached_policies", Json::array())) {
      identity.push_back(managed(a.get<std::string>()));
    }
  };
  add_entity_policies(*entity);
  if (is_user) {
    for (const Json& g : entity->value("groups", Json::array())) {
      for (const Json& group : Section(world, "groups")) {
        if (Lower(LastSegment(group["arn"].get<std::string>())) == Lower(g.get<std::string>())) {
          add_entity_policies(group);
        }
      }
    }
  }
  std::vector<Json> boundary;
  const std::string boundary_arn = entity->value("permissions_boundary", "");
  if (!boundary_arn.empty()) boundary.push_back(managed(boundary_arn));

  enum class Verdict { kAllow, kExplicitDeny, kImplicitDeny, kBoundary };
  auto evaluate = [&](const std::vector<std::string>& required) {
    bool denied = false, identity_ok = true, boundary_ok = true;
    for (const std::string& a : required) {
      SetOutcome id, bd;
      EvalPolicies(identity, a, resource, ctx, id);
      EvalPolicies(boundary, a, resource, ctx, bd);
      denied = denied || id.denied || bd.denied;
      identity_ok = identity_ok && id.allowed;
      boundary_ok = boundary_ok && (boundary.empty() || bd.allowed);
    }
    if (denied) return Verdict::kExplicitDeny;
    if (!identity_ok) return Verdict::kImplicitDeny;
    if (!boundary_ok) return Verdict::kBoundary;
    return Verdict::kAllow;
  };
  switch (evaluate(actions)) {
    case Verdict::kExplicitDeny:
      return deny("EXPLICIT_DENY");
    case Verdict::kImplicitDeny:
      return deny("IMPLICIT_DENY");
    case Verdict::kBoundary:
      return deny("BOUNDARY_NO_ALLOW");
    case Verdict::kAllow:
      break;
  }
  return RefDecision{true, "ALLOWED_BY_POLICY", features([&](const std::vector<std::string>& fa) {
                       return evaluate(fa) == Verdict::kAllow;
                     })};
}

}  // namespace pdp::difftest
