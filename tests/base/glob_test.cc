#include "base/glob.h"

#include <cstdint>
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

// The bit-parallel matcher against the oracle, on every pattern and text over
// a small alphabet (wildcards included in the text, where they are literal).
TEST(GlobBitParallelTest, AgreesWithTheOracleExhaustively) {
  std::vector<std::string> patterns, texts;
  AllStrings("ab*?", 5, patterns);
  AllStrings("ab*", 6, texts);
  for (const std::string& p : patterns) {
    const std::vector<bool> all_wild(p.size(), true);
    for (const std::string& t : texts) {
      ASSERT_EQ(GlobMatchBitParallel(p, t, all_wild), ReferenceMatch(p, t))
          << "pattern \"" << p << "\" text \"" << t << "\"";
    }
  }
}

// Wildcards marked literal match only themselves on the automaton path too.
TEST(GlobBitParallelTest, HonoursLiteralWildcards) {
  EXPECT_TRUE(GlobMatchBitParallel("a*b", "a*b", {false, false, false}));
  EXPECT_FALSE(GlobMatchBitParallel("a*b", "axb", {false, false, false}));
  EXPECT_TRUE(GlobMatchBitParallel("a*b", "axb", {false, true, false}));
  EXPECT_FALSE(GlobMatchBitParallel("a?", "ab", {false, false}));
  EXPECT_TRUE(GlobMatchBitParallel("a?", "a?", {false, false}));
}

// Patterns and texts long enough to cross 64-bit word boundaries, where the
// dispatcher picks the automaton: same answers as the oracle.
TEST(GlobBitParallelTest, LongInputsAgreeWithTheOracle) {
  uint32_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) & 0x7fff;
  };
  for (int round = 0; round < 300; ++round) {
    std::string p, t;
    const size_t plen = 130 + next() % 110, tlen = 200 + next() % 300;
    for (size_t i = 0; i < plen; ++i) {
      const uint32_t r = next() % 20;
      p += r == 0 ? '*' : r == 1 ? '?' : static_cast<char>('a' + r % 2);
    }
    for (size_t i = 0; i < tlen; ++i) t += static_cast<char>('a' + next() % 2);
    if (round % 3 == 0) t = p;  // make some match: the pattern itself, wildcards literal
    ASSERT_GT(p.size() * t.size(), kGreedyGlobLimit);
    ASSERT_EQ(GlobMatch(p, t), ReferenceMatch(p, t)) << "round " << round;
  }
}

// The shape that made backtracking take seconds: "*aaaa...b" against a long
// run of 'a's. The automaton answers it (correctly) in linear passes.
TEST(GlobBitParallelTest, PathologicalBacktrackingShapeIsAnswered) {
  const std::string pattern = "*" + std::string(5000, 'a') + "b";
  const std::string text(2048, 'a');
  EXPECT_FALSE(GlobMatch(pattern, text));
  EXPECT_TRUE(GlobMatch(pattern, std::string(6000, 'a') + "b"));
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*a*a*b", std::string(2048, 'a')));
  EXPECT_TRUE(GlobMatch("*a*a*a*a*a*a*a*a*a*b", std::string(2048, 'a') + "b"));
}

}  // namespace
}  // namespace pdp
