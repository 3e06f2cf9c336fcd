#include "common/base/glob.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace pdp {
namespace {

// A straightforward dynamic-programming matcher used as the oracle.
bool ReferenceMatch(const std::string& p, const std::string& t) {
  std::vector<std::vector<bool>> m(p.size() + 1, std::vector<bool>(t.size() + 1, false));
  m[0][0] = true;
  for (size_t i = 1; i <= p.size(); ++i) {
    m[i][0] = m[i - 1][0] && p[i - 1] == '*';
    for (size_t j = 1; j <= t.size(); ++j) {
      if (p[i - 1] == '*') {
        m[i][j] = m[i - 1][j] || m[i][j - 1];
      } else {
        m[i][j] = m[i - 1][j - 1] && (p[i - 1] == '?' || p[i - 1] == t[j - 1]);
      }
    }
  }
  return m[p.size()][t.size()];
}

void AllStrings(const std::string& alphabet, size_t max_len, std::vector<std::string>& out) {
  out.push_back("");
  size_t begin = 0;
  for (size_t len = 1; len <= max_len; ++len) {
    size_t end = out.size();
    for (size_t i = begin; i < end; ++i) {
      for (char c : alphabet) out.push_back(out[i] + c);
    }
    begin = end;
  }
}

TEST(GlobMatchTest, LiteralPatternsMatchOnlyThemselves) {
  EXPECT_TRUE(GlobMatch("s3:getobject", "s3:getobject"));
  EXPECT_FALSE(GlobMatch("s3:getobject", "s3:getobjects"));
  EXPECT_FALSE(GlobMatch("s3:getobjects", "s3:getobject"));
  EXPECT_FALSE(GlobMatch("abc", "abd"));
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_FALSE(GlobMatch("", "a"));
  EXPECT_FALSE(GlobMatch("a", ""));
}

TEST(GlobMatchTest, StarMatchesAnyRunIncludingNone) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("*", "anything:at/all"));
  EXPECT_TRUE(GlobMatch("s3:*", "s3:"));
  EXPECT_TRUE(GlobMatch("s3:*", "s3:getobject"));
  EXPECT_FALSE(GlobMatch("s3:*", "s4:getobject"));
  EXPECT_TRUE(GlobMatch("*object", "s3:getobject"));
  EXPECT_FALSE(GlobMatch("*object", "s3:getobjects"));
  EXPECT_TRUE(GlobMatch("iam:*accesskey*", "iam:createaccesskey"));
  EXPECT_TRUE(GlobMatch("iam:*accesskey*", "iam:listaccesskeys"));
  EXPECT_FALSE(GlobMatch("iam:*accesskey*", "iam:listaccesskes"));
  EXPECT_TRUE(GlobMatch("**", "x"));
  EXPECT_TRUE(GlobMatch("a**b", "ab"));
}

TEST(GlobMatchTest, QuestionMarkMatchesExactlyOneCharacter) {
  EXPECT_TRUE(GlobMatch("s3:get?bject", "s3:getobject"));
  EXPECT_FALSE(GlobMatch("s3:get?bject", "s3:getbject"));
  EXPECT_FALSE(GlobMatch("s3:get?bject", "s3:getoobject"));
  EXPECT_FALSE(GlobMatch("?", ""));
  EXPECT_TRUE(GlobMatch("???", "abc"));
  EXPECT_FALSE(GlobMatch("???", "ab"));
  EXPECT_FALSE(GlobMatch("*?", ""));
  EXPECT_TRUE(GlobMatch("*?", "a"));
}

TEST(GlobMatchTest, NeedsBacktrackingOverEarlierStars) {
  EXPECT_TRUE(GlobMatch("a*b*c", "aXbYc"));
  EXPECT_TRUE(GlobMatch("a*b*c", "abbbcbc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "abbbcb"));
  EXPECT_TRUE(GlobMatch("*ab", "aab"));
  EXPECT_TRUE(GlobMatch("*aab", "aaab"));
  EXPECT_TRUE(GlobMatch("a*b", "acbcb"));
  EXPECT_FALSE(GlobMatch("a*b", "acbcbc"));
}

TEST(GlobMatchTest, IsCaseSensitive) {
  EXPECT_FALSE(GlobMatch("S3:GetObject", "s3:getobject"));
  EXPECT_FALSE(GlobMatch("bucket*", "Bucket1"));
  EXPECT_TRUE(GlobMatch("Bucket*", "Bucket1"));
}

TEST(GlobMatchTest, AgreesWithReferenceOnEveryShortInput) {
  std::vector<std::string> patterns, texts;
  AllStrings("ab*?", 5, patterns);
  AllStrings("ab", 6, texts);
  int checked = 0;
  for (const std::string& p : patterns) {
    for (const std::string& t : texts) {
      ASSERT_EQ(GlobMatch(p, t), ReferenceMatch(p, t))
          << "pattern \"" << p << "\" text \"" << t << "\"";
      ++checked;
    }
  }
  EXPECT_GT(checked, 100000);
}

TEST(GlobMatchTest, PathologicalPatternFinishesQuickly) {
  // Exponential backtracking would not finish; the matcher is quadratic at worst.
  std::string pattern;
  for (int i = 0; i < 40; ++i) pattern += "a*";
  pattern += "b";
  std::string text(20000, 'a');
  EXPECT_FALSE(GlobMatch(pattern, text));
  EXPECT_TRUE(GlobMatch(pattern, text + "b"));
}

TEST(HasWildcardTest, DetectsStarAndQuestionMark) {
  EXPECT_FALSE(HasWildcard(""));
  EXPECT_FALSE(HasWildcard("s3:GetObject"));
  EXPECT_TRUE(HasWildcard("s3:*"));
  EXPECT_TRUE(HasWildcard("s3:Get?bject"));
  EXPECT_TRUE(HasWildcard("*"));
  EXPECT_TRUE(HasWildcard("?"));
}

TEST(GlobTest, PatternStarStaysAWildcardAgainstAStarInTheText) {
  EXPECT_TRUE(GlobMatch("*a", "*ba"));
  EXPECT_TRUE(GlobMatch("x*", "x*y"));
  EXPECT_FALSE(GlobMatch("*a", "*b"));
}

}  // namespace
}  // namespace pdp
