// pdpctl matrix's renderers on a matrix built by hand (matrix_fixture.h):
// the text grid, both CSV forms (RFC 4180), the HTML's escaping and
// self-containment, and the stream collector's refusals.
#include "client/pdpctl/matrix_render.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/pdpctl/markup_escape.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/matrix_fixture.h"
#include "tests/support/text.h"

namespace pdp::testing {
namespace {

using ::pdpctl::MatrixScope;
using ::testing::HasSubstr;
using ::testing::Not;

// The first line of `text` that holds `needle` ("" if none).
std::string LineWith(const std::string& text, const std::string& needle) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.find(needle) != absl::string_view::npos) return std::string(line);
  }
  return "";
}

TEST(MatrixRenderTest, TextHasHeaderLegendColumnsAndOneGridLinePerPrincipal) {
  const std::string text =
      pdpctl::RenderText(FixtureMatrix(), MatrixScope{.organization = true, .id = "o-abc"});
  EXPECT_THAT(text, HasSubstr("access matrix of organization o-abc at revision 42: 4 principals "
                              "in 2 accounts x 4 pages\ncells: 5 MODIFY, 2 VIEW, 9 denied\n"));
  EXPECT_THAT(text, HasSubstr("codes: M MODIFY, V VIEW, . IMPLICIT_DENY, x EXPLICIT_DENY\n"));
  EXPECT_THAT(text, HasSubstr("   1 billing_home"));
  EXPECT_THAT(text, HasSubstr("   4 sdk_api_budgets\n"));
  EXPECT_THAT(text, HasSubstr("account 111111111111\n"));
  EXPECT_THAT(text, HasSubstr("account 222222222222\n"));
  EXPECT_THAT(LineWith(text, kRoot), ::testing::EndsWith("  MMMM"));
  EXPECT_THAT(LineWith(text, kAlice), ::testing::EndsWith("  MVx."));
  EXPECT_THAT(LineWith(text, kBob), ::testing::EndsWith("  ...."));
  EXPECT_THAT(LineWith(text, "<script>"), ::testing::EndsWith("  Vx.."));
  EXPECT_THAT(LineWith(text, kAlice), ::testing::StartsWith("  user "));
  // The grids line up: every grid starts in the same column.
  EXPECT_EQ(LineWith(text, kRoot).size(), LineWith(text, kAlice).size());
  EXPECT_EQ(LineWith(text, kRoot).size(), LineWith(text, "<script>").size());
}

TEST(MatrixRenderTest, TextGroupsColumnsByTenAndNumbersThem) {
  pdp::v1::AccessMatrixResponse m;
  m.set_revision(1);
  for (int i = 0; i < 12; ++i) m.add_pages()->set_id(absl::StrCat("p", i));
  pdp::v1::AccessMatrixRow* row = m.add_rows();
  row->set_account_id("111111111111");
  row->set_principal(kRoot);
  row->set_kind("root");
  for (int i = 0; i < 12; ++i) {
    AddCell(row, i < 10 ? pdp::v1::MODIFY : pdp::v1::ACCESS_UNSPECIFIED,
            i < 10 ? pdp::v1::ROOT_USER : pdp::v1::SCP_DENY);
  }
  const std::string text = pdpctl::RenderText(m, MatrixScope{.id = "111111111111"});
  EXPECT_THAT(text, HasSubstr("access matrix of account 111111111111"));
  EXPECT_THAT(text, HasSubstr("1234567890 12\n"));
  EXPECT_THAT(text, HasSubstr("         1\n"));
  EXPECT_THAT(LineWith(text, kRoot), ::testing::EndsWith("  MMMMMMMMMM ss"));
  EXPECT_THAT(text, HasSubstr("s SCP_DENY"));
}

TEST(MatrixRenderTest, TextWithoutPrincipalsSaysSo) {
  pdp::v1::AccessMatrixResponse m;
  m.add_pages()->set_id("billing_home");
  EXPECT_THAT(pdpctl::RenderText(m, MatrixScope{.id = "111111111111"}),
              HasSubstr("(no principals)"));
}

TEST(MatrixRenderTest, TextReplacesControlCharacters) {
  pdp::v1::AccessMatrixResponse m = FixtureMatrix();
  m.mutable_rows(1)->set_principal("arn:aws:iam::111111111111:user/a\x1b[2Jb");
  const std::string text = pdpctl::RenderText(m, MatrixScope{.id = "111111111111"});
  EXPECT_THAT(text, Not(HasSubstr("\x1b")));
  EXPECT_THAT(text, HasSubstr("user/a?[2Jb"));
}

TEST(MatrixRenderTest, CsvFieldQuotesPerRfc4180) {
  EXPECT_EQ(pdpctl::CsvField("plain"), "plain");
  EXPECT_EQ(pdpctl::CsvField(""), "");
  EXPECT_EQ(pdpctl::CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(pdpctl::CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(pdpctl::CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(pdpctl::CsvField("cr\r"), "\"cr\r\"");
}

TEST(MatrixRenderTest, WideCsvIsOneRowPerPrincipal) {
  EXPECT_EQ(pdpctl::RenderCsvWide(FixtureMatrix()),
            "account_id,principal,kind,billing_home,billing_bills,cm_cost_explorer,"
            "sdk_api_budgets\r\n"
            "111111111111,arn:aws:iam::111111111111:root,root,MODIFY,MODIFY,MODIFY,MODIFY\r\n"
            "111111111111,arn:aws:iam::111111111111:user/alice,user,MODIFY,VIEW,"
            "DENY:EXPLICIT_DENY,DENY:IMPLICIT_DENY\r\n"
            "111111111111,\"arn:aws:iam::111111111111:user/bob,ops\",user,DENY:IMPLICIT_DENY,"
            "DENY:IMPLICIT_DENY,DENY:IMPLICIT_DENY,DENY:IMPLICIT_DENY\r\n"
            "222222222222,arn:aws:iam::222222222222:role/<script>document.title='pwned'"
            "</script>,role,VIEW,DENY:EXPLICIT_DENY,DENY:IMPLICIT_DENY,DENY:IMPLICIT_DENY\r\n");
}

TEST(MatrixRenderTest, LongCsvIsOneRowPerCellWithReasonsAndStatement) {
  const std::string csv = pdpctl::RenderCsvLong(FixtureMatrix());
  EXPECT_THAT(csv, ::testing::StartsWith("account_id,principal,kind,page_id,console,access,"
                                         "reason,view_reason,statement\r\n"));
  EXPECT_EQ(CountOccurrences(csv, "\r\n"), 1 + 4 * 4);
  EXPECT_THAT(csv, HasSubstr("111111111111,arn:aws:iam::111111111111:user/alice,user,"
                             "billing_bills,BILLING,VIEW,IMPLICIT_DENY,ALLOWED_BY_POLICY,"
                             "AliceRead#AllowRead\r\n"));
  EXPECT_THAT(csv, HasSubstr("user/alice,user,cm_cost_explorer,COST_MANAGEMENT,DENY,"
                             "EXPLICIT_DENY,,DenyCE#NoCostExplorer\r\n"));
  EXPECT_THAT(csv, HasSubstr("root,sdk_api_budgets,OTHER,MODIFY,ROOT_USER,ROOT_USER,\r\n"));
  // The markup statement holds quotes: quoted, its quotes doubled.
  EXPECT_THAT(csv, HasSubstr(",DENY,EXPLICIT_DENY,,\"\"\"><img src=x id=pwned "
                             "onerror=\"\"document.title='pwned'\"\">#Sid\"\r\n"));
}

TEST(MatrixRenderTest, EscapeMarkupEscapesEveryCharacterThatMatters) {
  EXPECT_EQ(pdpctl::EscapeMarkup("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  // Line breaks and tabs survive in attributes; what XML 1.0 cannot carry
  // (other C0 controls) is replaced; UTF-8 passes.
  EXPECT_EQ(pdpctl::EscapeMarkup("a\nb\tc\rd\x01"
                                 "e\xC3\xA9"),
            "a&#10;b&#9;c&#13;d\xEF\xBF\xBD"
            "e\xC3\xA9");
}

TEST(MatrixRenderTest, HtmlIsSelfContainedAndUserDataStaysText) {
  const std::string html = pdpctl::RenderHtml(
      FixtureMatrix(), MatrixScope{.organization = true, .id = "o-abc"}, {.nonce = "n0nce"});
  EXPECT_THAT(html, ::testing::StartsWith("<!DOCTYPE html>"));
  // One script and one style, both ours (the nonce), and a CSP that allows
  // nothing else and no fetch of any kind.
  EXPECT_EQ(CountOccurrences(html, "<script"), 1);
  EXPECT_EQ(CountOccurrences(html, "<style"), 1);
  EXPECT_THAT(html, HasSubstr("<script nonce=\"n0nce\">"));
  EXPECT_THAT(html, HasSubstr("default-src 'none'; script-src 'nonce-n0nce'"));
  for (const char* external : {"http:", "https:", "//cdn", "<link", "<img", "<iframe", "url("}) {
    EXPECT_THAT(html, Not(HasSubstr(external))) << external;
  }
  EXPECT_THAT(html, HasSubstr("role/&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("&quot;&gt;&lt;img src=x id=pwned"));
  // Summary, columns with their console, a cell's hover text.
  EXPECT_THAT(html, HasSubstr("<dd id=\"revision\">42</dd>"));
  EXPECT_THAT(html, HasSubstr("<dd id=\"scope\">organization o-abc</dd>"));
  EXPECT_THAT(html, HasSubstr("<dd id=\"cells\">5 MODIFY, 2 VIEW, 9 denied</dd>"));
  EXPECT_THAT(html, HasSubstr("data-page=\"cm_cost_explorer\" data-title=\"Cost Explorer\" "
                              "data-console=\"COST_MANAGEMENT\""));
  EXPECT_THAT(html, HasSubstr("title=\"arn:aws:iam::111111111111:user/alice&#10;cm_cost_explorer "
                              "(Cost Explorer, Cost Management)&#10;denied: EXPLICIT_DENY&#10;"
                              "statement: DenyCE#NoCostExplorer\""));
}

TEST(MatrixRenderTest, HtmlNonceKeepsOnlyBase64Characters) {
  const std::string html =
      pdpctl::RenderHtml(FixtureMatrix(), MatrixScope{.id = "1"}, {.nonce = "ab\"><script>c"});
  EXPECT_THAT(html, HasSubstr("<script nonce=\"abscriptc\">"));
  EXPECT_EQ(CountOccurrences(html, "<script"), 1);
}

TEST(MatrixRenderTest, CollectorFoldsTheStream) {
  pdp::v1::AccessMatrixResponse all = FixtureMatrix();
  pdp::v1::AccessMatrixResponse first, second;
  first.set_revision(42);
  *first.mutable_pages() = all.pages();
  *first.add_rows() = all.rows(0);
  second.set_revision(42);
  for (int i = 1; i < all.rows_size(); ++i) *second.add_rows() = all.rows(i);
  pdpctl::MatrixCollector c;
  ASSERT_TRUE(c.Add(first).ok());
  ASSERT_TRUE(c.Add(second).ok());
  ASSERT_TRUE(c.Finish().ok());
  EXPECT_EQ(c.matrix().SerializeAsString(), all.SerializeAsString());
}

TEST(MatrixRenderTest, CollectorRefusesWhatIsNotOneMatrix) {
  const pdp::v1::AccessMatrixResponse all = FixtureMatrix();
  {
    pdpctl::MatrixCollector c;
    EXPECT_EQ(c.Finish().code(), absl::StatusCode::kInternal);  // empty stream
  }
  {
    pdpctl::MatrixCollector c;
    ASSERT_TRUE(c.Add(all).ok());
    pdp::v1::AccessMatrixResponse again = all;  // columns twice
    EXPECT_EQ(c.Add(again).code(), absl::StatusCode::kInternal);
  }
  {
    pdpctl::MatrixCollector c;
    ASSERT_TRUE(c.Add(all).ok());
    pdp::v1::AccessMatrixResponse later;
    later.set_revision(43);  // another snapshot
    EXPECT_EQ(c.Add(later).code(), absl::StatusCode::kInternal);
  }
  {
    pdpctl::MatrixCollector c;
    pdp::v1::AccessMatrixResponse short_row = all;
    short_row.mutable_rows(1)->mutable_cells()->RemoveLast();
    absl::Status s = c.Add(short_row);
    EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
    EXPECT_THAT(std::string(s.message()), HasSubstr("user/alice has 3 cells for 4 pages"));
  }
}

}  // namespace
}  // namespace pdp::testing
