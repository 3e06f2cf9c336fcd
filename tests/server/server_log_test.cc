// The server's log (server/log/): every line parses (JSON) or reads as
// key=value pairs (text) whatever its values hold, values are cut, levels
// filter, rate-limited kinds keep their budget and say what they left out,
// and lines written from many threads never interleave.
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/log/log_line.h"
#include "server/log/logger.h"
#include "server/log/write_log.h"

namespace pdp::log {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const absl::Time kTime = absl::FromUnixMillis(1767323045678);  // 2026-01-02T03:04:05.678Z

std::string Json(absl::string_view msg, std::initializer_list<Field> fields) {
  return FormatLine(Format::kJson, kTime, Level::kInfo, "test", msg,
                    absl::MakeConstSpan(fields.begin(), fields.size()));
}
std::string Text(absl::string_view msg, std::initializer_list<Field> fields) {
  return FormatLine(Format::kText, kTime, Level::kInfo, "test", msg,
                    absl::MakeConstSpan(fields.begin(), fields.size()));
}

// One line: ends in '\n' and holds no other.
void ExpectOneLine(const std::string& line) {
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  EXPECT_EQ(line.find('\r'), std::string::npos) << line;
}

const std::string kHostile =
    "a \"quoted\" \\ back\nslash\r\t\x01\x7f end=1 \xff\xfe bad \xe2\x80\xae rtl "
    "\xe2\x80\xa8 sep caf\xc3\xa9 \xf0\x9f\x98\x80";

TEST(LogLineTest, JsonHasTheFixedKeysAndParsesWhateverTheValuesHold) {
  const std::string line = Json(kHostile, {Field("value", kHostile), Field("n", int64_t{-42}),
                                           Field("ok", true), Field("count", size_t{7})});
  ExpectOneLine(line);
  nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j["time"], "2026-01-02T03:04:05.678Z");
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["event"], "test");
  EXPECT_EQ(j["n"], -42);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["count"], 7);
  const std::string value = j["value"];
  EXPECT_EQ(j["msg"], value);
  // Valid text comes back as it was; invalid bytes as U+FFFD.
  EXPECT_THAT(value, HasSubstr("a \"quoted\" \\ back\nslash\r\t\x01\x7f end=1 "));
  EXPECT_THAT(value, HasSubstr("\xef\xbf\xbd\xef\xbf\xbd bad "));
  EXPECT_THAT(value, HasSubstr("caf\xc3\xa9 \xf0\x9f\x98\x80"));
  // Bidirectional overrides and line separators are escaped on the line.
  EXPECT_THAT(line, HasSubstr("\\u202e"));
  EXPECT_THAT(line, HasSubstr("\\u2028"));
  EXPECT_THAT(line, Not(HasSubstr("\xe2\x80\xae")));
}

TEST(LogLineTest, TextQuotesWhatNeedsItAndEscapesControls) {
  const std::string line =
      Text("hello world", {Field("plain", "admin"), Field("spaced", "two words"),
                           Field("empty", ""), Field("eq", "a=b"), Field("hostile", kHostile),
                           Field("n", 12), Field("utf8", "caf\xc3\xa9")});
  ExpectOneLine(line);
  EXPECT_THAT(line,
              StartsWith("time=2026-01-02T03:04:05.678Z level=info event=test "
                         "msg=\"hello world\" plain=admin spaced=\"two words\" empty=\"\" "
                         "eq=\"a=b\" hostile=\"a \\\"quoted\\\" \\\\ back\\nslash\\r\\t"
                         "\\x01\\x7f end=1 \\xff\\xfe bad \\u202e rtl \\u2028 sep caf\xc3\xa9 "
                         "\xf0\x9f\x98\x80\" n=12 utf8=caf\xc3\xa9\n"));
}

TEST(LogLineTest, EveryValueIsCutWithItsLength) {
  const std::string big(10000, 'x');
  // Two-byte characters: a cut must not split one.
  std::string accents;
  for (int i = 0; i < 1000; ++i) accents += "\xc3\xa9";
  const std::string line = Json(big, {Field("big", big), Field("accents", accents)});
  nlohmann::json j = nlohmann::json::parse(line);
  const std::string value = j["big"], msg = j["msg"], cut = j["accents"];
  EXPECT_LE(value.size(), kMaxValueBytes + 32);
  EXPECT_THAT(value, HasSubstr("\xe2\x80\xa6(10000 bytes)"));
  EXPECT_LE(msg.size(), kMaxMessageBytes + 32);
  EXPECT_THAT(msg, HasSubstr("(10000 bytes)"));
  EXPECT_THAT(cut, HasSubstr("(2000 bytes)"));
  EXPECT_THAT(cut, Not(HasSubstr("\xef\xbf\xbd")));  // no half character
  EXPECT_LT(line.size(), 4096u);                     // one pipe write (PIPE_BUF)
  const std::string text = Text(big, {Field("big", big)});
  EXPECT_LT(text.size(), 2 * kMaxValueBytes + kMaxMessageBytes);
}

TEST(LogLineTest, FieldsCannotPassForTheFixedKeys) {
  nlohmann::json j = nlohmann::json::parse(
      Json("m", {Field("level", "error"), Field("msg", "forged"), Field("bad key\n", "v")}));
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["msg"], "m");
  EXPECT_EQ(j["field_level"], "error");
  EXPECT_EQ(j["field_msg"], "forged");
  EXPECT_EQ(j["bad_key_"], "v");
}

TEST(LogLineTest, FlagValues) {
  EXPECT_EQ(*ParseLevel("debug"), Level::kDebug);
  EXPECT_EQ(*ParseLevel("warning"), Level::kWarning);
  EXPECT_EQ(*ParseFormat("json"), Format::kJson);
  EXPECT_EQ(*ParseFormat("text"), Format::kText);
  EXPECT_THAT(ParseLevel("WARN").status().message(),
              HasSubstr("--log-level must be debug, info, warning or error"));
  EXPECT_FALSE(ParseLevel("").ok());
  EXPECT_THAT(ParseFormat("xml").status().message(),
              HasSubstr("--log-format must be text or json"));
}

struct Captured {
  std::vector<std::string> lines;
  Logger::Sink sink() {
    return [this](absl::string_view line) { lines.emplace_back(line); };
  }
};

TEST(LoggerTest, LevelsBelowTheConfiguredOneAreNotWritten) {
  Captured out;
  Logger logger(Format::kJson, Level::kWarning, out.sink());
  logger.Log(Level::kDebug, "a", "debug");
  logger.Log(Level::kInfo, "b", "info");
  logger.Log(Level::kWarning, "c", "warning");
  logger.Log(Level::kError, "d", "error");
  ASSERT_EQ(out.lines.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(out.lines[0])["level"], "warning");
  EXPECT_EQ(nlohmann::json::parse(out.lines[1])["level"], "error");
  EXPECT_FALSE(logger.Enabled(Level::kInfo));
  logger.Configure(Format::kText, Level::kDebug);
  logger.Log(Level::kDebug, "e", "debug");
  ASSERT_EQ(out.lines.size(), 3u);
  EXPECT_THAT(out.lines[2], HasSubstr("level=debug event=e"));
}

TEST(LoggerTest, ALimitedKindKeepsItsBudgetAndSaysWhatItLeftOut) {
  Captured out;
  absl::Time now = kTime;
  Logger logger(
      Format::kJson, Level::kInfo, out.sink(), [&] { return now; },
      /*limited_per_second=*/3);
  for (int i = 0; i < 10; ++i) logger.LogLimited("flood", Level::kWarning, "refused", "x");
  logger.LogLimited("other", Level::kWarning, "refused", "y");  // a kind of its own
  EXPECT_EQ(out.lines.size(), 4u);
  logger.Flush();  // the window is not over: nothing to say yet
  EXPECT_EQ(out.lines.size(), 4u);
  now += absl::Seconds(1);
  logger.Flush();
  ASSERT_EQ(out.lines.size(), 5u);
  nlohmann::json j = nlohmann::json::parse(out.lines[4]);
  EXPECT_EQ(j["event"], "suppressed");
  EXPECT_EQ(j["kind"], "flood");
  EXPECT_EQ(j["count"], 7);
  logger.Flush();  // said once
  EXPECT_EQ(out.lines.size(), 5u);
  // A new window: lines pass again; without a Flush, the count comes first.
  for (int i = 0; i < 5; ++i) logger.LogLimited("flood", Level::kWarning, "refused", "x");
  EXPECT_EQ(out.lines.size(), 8u);
  now += absl::Milliseconds(1500);
  logger.LogLimited("flood", Level::kWarning, "refused", "x");
  ASSERT_EQ(out.lines.size(), 10u);
  EXPECT_EQ(nlohmann::json::parse(out.lines[8])["count"], 2);
  EXPECT_EQ(nlohmann::json::parse(out.lines[9])["event"], "refused");
  // Lines below the level neither pass nor count.
  Logger quiet(
      Format::kJson, Level::kError, out.sink(), [&] { return now; }, 1);
  for (int i = 0; i < 5; ++i) quiet.LogLimited("flood", Level::kWarning, "refused", "x");
  now += absl::Seconds(2);
  quiet.Flush();
  EXPECT_EQ(out.lines.size(), 10u);
}

TEST(LoggerTest, LinesFromManyThreadsNeverInterleave) {
  const std::string path = ::testing::TempDir() + "/server-log-" + std::to_string(getpid());
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
  ASSERT_GE(fd, 0);
  Logger logger(Format::kJson, Level::kInfo, FdSink(fd));
  constexpr int kThreads = 8, kLines = 300;
  std::vector<std::thread> threads;
  const std::string filler(400, 'z');
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kLines; ++i) {
        logger.Log(Level::kInfo, "line", filler, {Field("thread", t), Field("i", i)});
      }
    });
  }
  for (std::thread& t : threads) t.join();
  close(fd);
  std::ifstream in(path);
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line);  // throws on a torn line
    EXPECT_EQ(j["msg"], filler);
    ++count;
  }
  EXPECT_EQ(count, kThreads * kLines);
  unlink(path.c_str());
}

TEST(WriteLogTest, ChangeKindsCountEachKindInOrder) {
  std::vector<pdp::v1::Change> changes(4);
  changes[0].mutable_put_user();
  changes[1].mutable_attach_policy();
  changes[2].mutable_put_user();
  changes[3].mutable_create_account();
  EXPECT_EQ(ChangeKinds(changes), "put_user:2,attach_policy:1,create_account:1");
  EXPECT_EQ(ChangeKinds({}), "");
}

}  // namespace
}  // namespace pdp::log
