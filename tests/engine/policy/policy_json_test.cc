#include "engine/policy/policy_json.h"

#include <string>

#include "absl/status/status.h"
#include "base/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/error_fields.h"

namespace pdp {
namespace {

using ::testing::HasSubstr;

using test::FieldOf;

absl::Status ErrorOf(absl::string_view text) {
  absl::StatusOr<Json> j = ParseStrictJson(text);
  if (j.ok()) return absl::OkStatus();
  return j.status();
}

std::string Nested(int depth, const std::string& inner) {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

TEST(ParseStrictJsonTest, ParsesEveryKindOfValue) {
  absl::StatusOr<Json> j = ParseStrictJson(
      R"( {"s": "x", "n": -12.5e1, "i": 42, "t": true, "f": false, "z": null,
           "a": [1, "two", [], {}], "o": {"k": "v"}} )");
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ((*j)["s"], "x");
  EXPECT_DOUBLE_EQ((*j)["n"].get<double>(), -125.0);
  EXPECT_EQ((*j)["i"].get<int>(), 42);
  EXPECT_EQ((*j)["t"], true);
  EXPECT_EQ((*j)["f"], false);
  EXPECT_TRUE((*j)["z"].is_null());
  ASSERT_TRUE((*j)["a"].is_array());
  EXPECT_EQ((*j)["a"].size(), 4u);
  EXPECT_EQ((*j)["a"][1], "two");
  EXPECT_TRUE((*j)["a"][2].is_array());
  EXPECT_TRUE((*j)["a"][3].is_object());
  EXPECT_EQ((*j)["o"]["k"], "v");
}

TEST(ParseStrictJsonTest, KeepsKeyOrder) {
  absl::StatusOr<Json> j = ParseStrictJson(R"({"b": 1, "a": 2, "c": 3})");
  ASSERT_TRUE(j.ok());
  std::string keys;
  for (const auto& [k, v] : j->items()) keys += k;
  EXPECT_EQ(keys, "bac");
}

TEST(ParseStrictJsonTest, AnyValueMayBeTheRoot) {
  EXPECT_TRUE(ParseStrictJson("[1, 2]").ok());
  EXPECT_TRUE(ParseStrictJson("\"x\"").ok());
  EXPECT_TRUE(ParseStrictJson("  7 ").ok());
  EXPECT_TRUE(ParseStrictJson("null").ok());
}

TEST(ParseStrictJsonTest, RejectsEmptyInput) {
  absl::Status s = ErrorOf("");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("unexpected end of input"));
  EXPECT_FALSE(ParseStrictJson("   \n ").ok());
}

TEST(ParseStrictJsonTest, RejectsDuplicateKeysWithTheirPath) {
  absl::Status top = ErrorOf(R"({"Version": "2012-10-17", "Version": "2008-10-17"})");
  EXPECT_EQ(top.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(top.message()), HasSubstr("duplicate key"));
  EXPECT_EQ(FieldOf(top), "Version");

  absl::Status nested = ErrorOf(R"({"Statement": [
      {"Effect": "Allow", "Action": "*", "Resource": "*"},
      {"Effect": "Allow", "Action": "s3:*", "Effect": "Deny"}]})");
  EXPECT_EQ(FieldOf(nested), "Statement[1].Effect");

  absl::Status deep = ErrorOf(R"({"a": {"b": [0, {"c": 1, "c": 2}]}})");
  EXPECT_EQ(FieldOf(deep), "a.b[1].c");

  // Keys that differ only in case are different keys in JSON.
  EXPECT_TRUE(ParseStrictJson(R"({"Effect": 1, "effect": 2})").ok());
}

TEST(ParseStrictJsonTest, RejectsTrailingGarbage) {
  for (const char* text :
       {"{} x", "{}{}", "[1] ,", "\"a\" \"b\"", "1 2", "true false", "{}]", "null\n//comment"}) {
    absl::Status s = ErrorOf(text);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(std::string(s.message()), HasSubstr("after the JSON value")) << text;
  }
  EXPECT_TRUE(ParseStrictJson("{}  \n\t\r\n").ok());
}

TEST(ParseStrictJsonTest, RejectsSyntaxErrors) {
  for (const char* text :
       {"{",        "[",          "{\"a\"}", "{\"a\" 1}", "{\"a\": }", "{a: 1}", "{'a': 1}",
        "[1,]",     "{\"a\":1,}", "[1 2]",   "tru",       "nul",       "True",   "01",
        "1.",       ".5",         "-",       "+1",        "1e",        "0x10",   "NaN",
        "Infinity", "\"abc",      "[\"a\"",  "{\"a\": 1"}) {
    absl::Status s = ErrorOf(text);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << "accepted: " << text;
  }
}

TEST(ParseStrictJsonTest, NumbersFollowTheGrammar) {
  for (const char* text : {"0", "-0", "10", "1.25", "1e3", "1E+3", "1.5e-3", "-7"}) {
    EXPECT_TRUE(ParseStrictJson(text).ok()) << text;
  }
  absl::StatusOr<Json> j = ParseStrictJson("[1.5e-3, 12345678901234]");
  ASSERT_TRUE(j.ok());
  EXPECT_DOUBLE_EQ((*j)[0].get<double>(), 0.0015);
  EXPECT_EQ((*j)[1].get<int64_t>(), 12345678901234);
}

TEST(ParseStrictJsonTest, AcceptsNestingUpTo64) {
  EXPECT_TRUE(ParseStrictJson(Nested(64, "")).ok());
  EXPECT_TRUE(ParseStrictJson(Nested(64, "1")).ok());
  EXPECT_TRUE(ParseStrictJson(Nested(63, "{\"a\": 1}")).ok());
}

TEST(ParseStrictJsonTest, RejectsNestingDeeperThan64) {
  for (const std::string& text :
       {Nested(65, ""), Nested(65, "1"), Nested(64, "{}"), Nested(64, "{\"a\": 1}")}) {
    absl::Status s = ErrorOf(text);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(std::string(s.message()), HasSubstr("nested too deeply")) << text;
  }
  // Very deep input fails cleanly instead of exhausting the stack.
  absl::Status s = ErrorOf(Nested(200000, ""));
  EXPECT_THAT(std::string(s.message()), HasSubstr("nested too deeply"));
}

TEST(ParseStrictJsonTest, DecodesEscapes) {
  absl::StatusOr<Json> j = ParseStrictJson(R"("q\" b\\ s\/ \b\f\n\r\t")");
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ(j->get<std::string>(), "q\" b\\ s/ \b\f\n\r\t");
}

TEST(ParseStrictJsonTest, DecodesUnicodeEscapesToUtf8) {
  struct Case {
    const char* json;
    const char* utf8;
  };
  for (const Case& c : {
           Case{R"("\u0041")", "A"},
           Case{R"("\u00e9")", "\xc3\xa9"},
           Case{R"("\u00E9")", "\xc3\xa9"},
           Case{R"("\u20ac")", "\xe2\x82\xac"},
           Case{R"("\uffff")", "\xef\xbf\xbf"},
           Case{R"("\ud83d\ude00")", "\xf0\x9f\x98\x80"},  // U+1F600 from a surrogate pair
           Case{R"("\uDBFF\uDFFF")", "\xf4\x8f\xbf\xbf"},  // U+10FFFF
           Case{R"("a\u0000b")", nullptr},
       }) {
    absl::StatusOr<Json> j = ParseStrictJson(c.json);
    ASSERT_TRUE(j.ok()) << c.json << ": " << j.status();
    if (c.utf8 != nullptr) {
      EXPECT_EQ(j->get<std::string>(), c.utf8) << c.json;
    } else {
      EXPECT_EQ(j->get<std::string>(), std::string("a\0b", 3));
    }
  }
  // Raw UTF-8 passes through unchanged.
  absl::StatusOr<Json> raw = ParseStrictJson("\"caf\xc3\xa9\"");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->get<std::string>(), "caf\xc3\xa9");
}

TEST(ParseStrictJsonTest, RejectsUnpairedSurrogates) {
  for (const char* text : {R"("\ud83d")", R"("\ud83dx")", R"("\ud83d\u0041")", R"("\ud83d\ud83d")",
                           R"("\ude00")", R"("\ude00\ud83d")", R"("\ud83d\n")"}) {
    absl::Status s = ErrorOf(text);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(std::string(s.message()), HasSubstr("surrogate")) << text;
  }
}

TEST(ParseStrictJsonTest, RejectsBadEscapesAndControlCharacters) {
  for (const char* text : {R"("\x41")", R"("\a")", R"("\')", R"("\u12")", R"("\u12G4")",
                           R"("\U0041")", "\"tab\there\"", "\"new\nline\"", "\"\x01\""}) {
    EXPECT_EQ(ErrorOf(text).code(), absl::StatusCode::kInvalidArgument) << text;
  }
  EXPECT_THAT(std::string(ErrorOf("\"new\nline\"").message()), HasSubstr("control character"));
  EXPECT_THAT(std::string(ErrorOf(R"("\q")").message()), HasSubstr("bad escape"));
  EXPECT_THAT(std::string(ErrorOf(R"("\u12G4")").message()), HasSubstr("\\u escape"));
  EXPECT_THAT(std::string(ErrorOf("\"abc").message()), HasSubstr("unterminated string"));
}

TEST(ParseStrictJsonTest, MessageGivesLineAndColumn) {
  // The 't' of "tru" is on line 2, after 7 characters.
  absl::Status s = ErrorOf("{\n  \"a\": tru\n}");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("line 2, column 8"));
  EXPECT_EQ(FieldOf(s), "a");

  absl::Status first_line = ErrorOf("[1, ?]");
  EXPECT_THAT(std::string(first_line.message()), HasSubstr("line 1, column 5"));
  EXPECT_EQ(FieldOf(first_line), "[1]");

  absl::Status third = ErrorOf("{\n\"Statement\": [\n  {\"Effect\": \"Allow\",, }]}");
  EXPECT_THAT(std::string(third.message()), HasSubstr("line 3"));
  EXPECT_EQ(FieldOf(third), "Statement[0]");

  absl::Status trailing = ErrorOf("{}\n\n   x");
  EXPECT_THAT(std::string(trailing.message()), HasSubstr("line 3, column 4"));
  EXPECT_EQ(FieldOf(trailing), "");
}

}  // namespace
}  // namespace pdp
