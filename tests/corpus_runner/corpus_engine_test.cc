// Replays the decision corpus against the engine (Decide, Decide with an
// explanation, DecideAllPages): each must give the expected decision.
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/wire/wire_decide.h"
#include "tests/corpus_runner/corpus.h"
#include "tests/support/server_process.h"
#include "tests/support/test_support.h"
#include "world/world_file.h"

namespace pdp::testing {
namespace {

absl::StatusOr<SnapshotPtr> LoadWorld(const std::string& world_path) {
  auto changes = ReadWorldFile(world_path);
  if (!changes.ok()) return changes.status();
  return test::ApplyBatch(test::EmptyShippedSnapshot(), *changes);
}

TEST(CorpusEngineTest, EveryCaseGetsItsExpectedDecision) {
  std::string scratch = ::testing::TempDir() + "/corpus-engine";
  std::filesystem::create_directories(scratch);
  auto corpus = LoadCorpus(SourcePath("tests/corpus"), scratch);
  ASSERT_TRUE(corpus.ok()) << corpus.status();
  size_t total = 0;
  for (const CorpusFile& file : *corpus) {
    SCOPED_TRACE(file.path);
    auto snapshot = LoadWorld(file.world_path);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    for (const CorpusCase& c : file.cases) {
      SCOPED_TRACE(c.name);
      ++total;
      if (!c.request_error.ok()) {
        EXPECT_EQ(c.expect_error, "INVALID_ARGUMENT") << c.request_error;
        continue;
      }
      pdp::v1::Explanation explanation;
      absl::StatusOr<pdp::v1::Decision> d = Decide(**snapshot, c.request);
      absl::StatusOr<pdp::v1::Decision> explained = Decide(**snapshot, c.request, &explanation);
      if (!c.expect_error.empty()) {
        ASSERT_FALSE(d.ok()) << "expected " << c.expect_error << ", got "
                             << pdp::v1::Reason_Name(d->reason());
        EXPECT_EQ(absl::StatusCodeToString(d.status().code()), c.expect_error);
        EXPECT_FALSE(explained.ok());
        continue;
      }
      if (!d.ok()) {  // report every such case, not just the first
        ADD_FAILURE() << d.status();
        continue;
      }
      EXPECT_EQ(pdp::v1::Effect_Name(d->effect()), pdp::v1::Effect_Name(c.expect_effect));
      EXPECT_EQ(pdp::v1::Reason_Name(d->reason()), pdp::v1::Reason_Name(c.expect_reason));
      ASSERT_TRUE(explained.ok());
      EXPECT_EQ(explained->SerializeAsString(), d->SerializeAsString());
      EXPECT_FALSE(explanation.gates().empty());
      if (!c.expect_statement.empty()) {
        EXPECT_TRUE(HasDecidingStatement(explanation, c.expect_effect, c.expect_statement))
            << "no statement " << c.expect_statement << " applied with effect "
            << pdp::v1::Effect_Name(c.expect_effect) << " in: " << explanation.DebugString();
      }
      if (c.request.has_page()) {
        auto all = DecideAllPages(**snapshot, c.request.principal(), c.request.account_id(),
                                  c.request.context());
        ASSERT_TRUE(all.ok()) << all.status();
        bool found = false;
        for (const PageDecision& pd : *all) {
          if (pd.page->id != c.request.page().page_id()) continue;
          found = true;
          const auto& mine = c.request.page().access() == pdp::v1::MODIFY ? pd.modify : pd.view;
          EXPECT_EQ(pdp::v1::Reason_Name(mine.reason()), pdp::v1::Reason_Name(d->reason()));
          EXPECT_EQ(mine.effect(), d->effect());
        }
        EXPECT_TRUE(found);
      }
    }
  }
  EXPECT_GE(total, 60u) << "the corpus must keep at least 60 cases";
}

}  // namespace
}  // namespace pdp::testing
