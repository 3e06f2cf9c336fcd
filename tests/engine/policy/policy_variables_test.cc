#include "engine/policy/policy_variables.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace pdp {
namespace {

using Context = std::vector<std::pair<std::string, std::vector<std::string>>>;

RequestContext MakeContext(const Context& keys) {
  RequestContext c;
  for (const auto& [k, v] : keys) c.Set(k, v);
  return c;
}

// The literal mask as a string: 'L' literal, '.' wildcard-capable.
std::string Mask(const ResolvedPattern& p) {
  std::string out;
  for (bool b : p.literal) out.push_back(b ? 'L' : '.');
  return out;
}

struct ResolveCase {
  const char* name;
  const char* text;
  bool enabled;
  Context context;
  std::optional<std::string> want_text;  // nullopt: unresolved
  const char* want_mask;                 // ignored when unresolved
};

class ResolveTest : public ::testing::TestWithParam<ResolveCase> {};

TEST_P(ResolveTest, ResolvesToTextAndLiteralMask) {
  const ResolveCase& c = GetParam();
  absl::StatusOr<VariableTemplate> t = VariableTemplate::Parse(c.text, c.enabled);
  ASSERT_TRUE(t.ok()) << t.status();
  std::optional<ResolvedPattern> r = t->Resolve(MakeContext(c.context));
  if (!c.want_text.has_value()) {
    EXPECT_FALSE(r.has_value()) << "resolved to " << r->text;
    return;
  }
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->text, *c.want_text);
  EXPECT_EQ(Mask(*r), c.want_mask);
  EXPECT_EQ(r->text.size(), r->literal.size());
}

const Context kAlice = {{"aws:username", {"alice"}}};

INSTANTIATE_TEST_SUITE_P(
    Variables, ResolveTest,
    ::testing::Values(
        ResolveCase{"PlainText", "home/*", true, {}, "home/*", "......"},
        ResolveCase{"EmptyText", "", true, {}, "", ""},
        ResolveCase{"Variable", "home/${aws:username}/*", true, kAlice, "home/alice/*",
                    ".....LLLLL.."},
        ResolveCase{"KeyNameCaseInsensitive", "${AWS:UserName}", true, kAlice, "alice", "LLLLL"},
        ResolveCase{"MissingKeyUnresolved", "home/${aws:username}", true, {}, std::nullopt, ""},
        ResolveCase{"MultiValuedKeyUnresolved",
                    "${aws:username}",
                    true,
                    {{"aws:username", {"a", "b"}}},
                    std::nullopt,
                    ""},
        ResolveCase{"EmptyValueListUnresolved",
                    "${aws:username}",
                    true,
                    {{"aws:username", {}}},
                    std::nullopt,
                    ""},
        ResolveCase{"SingleEmptyValueResolves",
                    "x${aws:username}y",
                    true,
                    {{"aws:username", {""}}},
                    "xy",
                    ".."},
        ResolveCase{"DefaultWhenMissing",
                    "${aws:PrincipalTag/team, 'company-wide'}",
                    true,
                    {},
                    "company-wide",
                    "LLLLLLLLLLLL"},
        ResolveCase{"DefaultWhenMultiValued", "${k, 'd'}", true, {{"k", {"a", "b"}}}, "d", "L"},
        ResolveCase{"DefaultIgnoredWhenResolved", "${aws:username, 'nobody'}", true, kAlice,
                    "alice", "LLLLL"},
        ResolveCase{"DefaultSpacingIgnored", "${ aws:username ,  'x' }", true, {}, "x", "L"},
        ResolveCase{"DefaultNoSpaceAfterComma", "${aws:username,'x'}", true, {}, "x", "L"},
        ResolveCase{"EmptyDefault", "a${k, ''}b", true, {}, "ab", ".."},
        ResolveCase{"DefaultHoldsBraceAndStarLiterally", "${k, 'a}*'}", true, {}, "a}*", "LLL"},
        ResolveCase{"DefaultIsNotReExpanded", "${k, '${aws:username}'}", true, kAlice,
                    "${aws:username}", "LLLLLLLLLLLLLLL"},
        ResolveCase{"SubstitutedStarIsLiteral",
                    "a/${aws:username}/*",
                    true,
                    {{"aws:username", {"*?"}}},
                    "a/*?/*",
                    "..LL.."},
        ResolveCase{"EscapeStar", "a${*}b", true, {}, "a*b", ".L."},
        ResolveCase{"EscapeQuestion", "${?}", true, {}, "?", "L"},
        ResolveCase{"EscapeDollar", "${$}{x}", true, {}, "${x}", "L..."},
        ResolveCase{"LoneDollarAndBraceAreText", "$a}b$", true, {}, "$a}b$", "....."},
        ResolveCase{
            "TwoVariables", "${a}-${b}", true, {{"a", {"1"}}, {"b", {"22"}}}, "1-22", "L.LL"},
        ResolveCase{"Version2008IsLiteral", "home/${aws:username}/*", false, kAlice,
                    "home/${aws:username}/*", "......................"},
        ResolveCase{"Version2008EscapeNotExpanded", "${*}", false, {}, "${*}", "...."},
        ResolveCase{"Version2008MalformedIsText",
                    "${unterminated",
                    false,
                    {},
                    "${unterminated",
                    ".............."}),
    [](const ::testing::TestParamInfo<ResolveCase>& info) { return info.param.name; });

struct BadCase {
  const char* name;
  const char* text;
};

class ParseErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(ParseErrorTest, IsInvalidArgument) {
  absl::StatusOr<VariableTemplate> t = VariableTemplate::Parse(GetParam().text, true);
  ASSERT_FALSE(t.ok()) << "accepted " << GetParam().text;
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(
    Variables, ParseErrorTest,
    ::testing::Values(
        BadCase{"Unterminated", "home/${aws:username"}, BadCase{"UnterminatedAtEnd", "${"},
        BadCase{"EmptyKey", "${}"}, BadCase{"BlankKey", "${  }"},
        BadCase{"EmptyKeyWithDefault", "${, 'x'}"}, BadCase{"UnquotedDefault", "${k, default}"},
        BadCase{"DoubleQuotedDefault", "${k, \"d\"}"}, BadCase{"UnterminatedDefault", "${k, 'd}"},
        BadCase{"TextAfterDefault", "${k, 'd' x}"}, BadCase{"DefaultWithoutBrace", "${k, 'd'"},
        BadCase{"NestedVariable", "${a${b}}"}, BadCase{"WildcardInKey", "${aws:user*}"},
        BadCase{"SpacedEscape", "${ * }"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return info.param.name; });

TEST(VariableTemplateTest, HasVariables) {
  EXPECT_FALSE(VariableTemplate::Parse("home/*", true)->has_variables());
  EXPECT_TRUE(VariableTemplate::Parse("home/${aws:username}", true)->has_variables());
  EXPECT_TRUE(VariableTemplate::Parse("a${*}", true)->has_variables());
  EXPECT_FALSE(VariableTemplate::Parse("home/${aws:username}", false)->has_variables());
}

ResolvedPattern Pattern(const std::string& text, const std::string& mask) {
  ResolvedPattern p{text, {}};
  for (char c : mask) p.literal.push_back(c == 'L');
  return p;
}

struct GlobCase {
  const char* pattern;
  const char* mask;
  const char* text;
  bool want;
};

class GlobResolvedTest : public ::testing::TestWithParam<GlobCase> {};

TEST_P(GlobResolvedTest, Matches) {
  const GlobCase& c = GetParam();
  EXPECT_EQ(GlobMatchResolved(Pattern(c.pattern, c.mask), c.text), c.want)
      << c.pattern << " [" << c.mask << "] vs " << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Glob, GlobResolvedTest,
    ::testing::Values(GlobCase{"", "", "", true}, GlobCase{"", "", "a", false},
                      GlobCase{"*", ".", "", true}, GlobCase{"*", ".", "anything", true},
                      GlobCase{"*", "L", "anything", false}, GlobCase{"*", "L", "*", true},
                      GlobCase{"?", ".", "x", true}, GlobCase{"?", "L", "x", false},
                      GlobCase{"?", "L", "?", true}, GlobCase{"a?c", "...", "abc", true},
                      GlobCase{"a?c", "...", "abbc", false}, GlobCase{"a*c", "...", "abbbc", true},
                      GlobCase{"a*c", ".L.", "abbbc", false}, GlobCase{"a*c", ".L.", "a*c", true},
                      GlobCase{"home/*/x*", "........L", "home/a/x*", true},
                      GlobCase{"home/*/x*", "........L", "home/a/xy", false},
                      GlobCase{"home/*/x*", ".....L...", "home/*/xyz", true},
                      GlobCase{"home/*/x*", ".....L...", "home/a/xyz", false},
                      // A wildcard star must still backtrack when the text
                      // itself contains '*'.
                      GlobCase{"*a", "..", "*ba", true}, GlobCase{"A*", "..", "abc", false},
                      GlobCase{"*b*", "...", "aaabaaa", true}, GlobCase{"**", "..", "", true}));

}  // namespace
}  // namespace pdp
