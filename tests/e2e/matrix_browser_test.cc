// The access matrix's HTML report in a real browser: Debian's chromium,
// headless, with its own profile under the test's temp directory. The DOM
// it dumps after the page's script ran is checked: rows and cells present,
// filters from the URL fragment hiding the right rows and columns, hover
// titles with the reason and the statement, markup in user data staying
// text (also with the page's CSP removed, so the escaping alone is tested);
// and a screenshot is taken and checked to be a non-trivial PNG.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "client/pdpctl/matrix_render.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/matrix_fixture.h"
#include "tests/support/server_process.h"
#include "tests/support/text.h"

namespace pdp::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The start tag of the element whose attributes hold `attribute` (e.g.
// data-page="billing_home"), as the DOM dump serialized it; "" if absent.
std::string StartTag(const std::string& dom, const std::string& attribute) {
  const size_t at = dom.find(attribute);
  if (at == std::string::npos) return "";
  const size_t begin = dom.rfind('<', at);
  const size_t end = dom.find('>', at);
  return dom.substr(begin, end - begin + 1);
}

bool IsHidden(const std::string& tag) { return tag.find(" hidden=") != std::string::npos; }

class MatrixBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Unique per test and process: CTest runs the cases side by side.
    dir_ = ::testing::TempDir() + "/matrix-browser-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
           std::to_string(getpid());
    std::filesystem::remove_all(dir_);
    ASSERT_TRUE(std::filesystem::create_directories(dir_)) << dir_;
  }
  void TearDown() override {
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  // Writes `html` to dir_/NAME and returns its path.
  std::string Write(const std::string& name, const std::string& html) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << html;
    return path;
  }

  // Runs headless chromium on `args` (the URL last); its stdout in *out,
  // its stderr (D-Bus chatter in a container) appended to dir_/chromium.log.
  // A profile and HOME of its own: nothing outside dir_ is read or written.
  int Chromium(std::vector<std::string> args, std::string* out) {
    std::vector<std::string> argv = {"/bin/sh",
                                     "-c",
                                     "exec timeout 120 chromium \"$@\" 2>>\"$0\"",
                                     dir_ + "/chromium.log",
                                     "--headless",
                                     "--no-sandbox",
                                     "--disable-gpu",
                                     "--no-first-run",
                                     "--disable-extensions",
                                     "--disable-background-networking",
                                     "--disable-sync",
                                     "--disable-dev-shm-usage",
                                     "--user-data-dir=" + dir_ + "/profile"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, out, {"HOME=" + dir_});
  }

  // The DOM of file `path` opened at `fragment` ("" or "#..."), after its
  // script ran.
  std::string DumpDom(const std::string& path, const std::string& fragment) {
    std::string dom;
    const int rc = Chromium({"--dump-dom", "file://" + path + fragment}, &dom);
    EXPECT_EQ(rc, 0) << ReadAll(dir_ + "/chromium.log");
    EXPECT_THAT(dom, HasSubstr("</html>")) << ReadAll(dir_ + "/chromium.log");
    return dom;
  }

  std::string FixtureHtml() {
    return Write("matrix.html",
                 pdpctl::RenderHtml(FixtureMatrix(), pdpctl::MatrixScope{true, "o-abc"}));
  }

  std::string dir_;
};

// The principal rows as the dump shows them.
std::string RootRow(const std::string& dom) {
  return StartTag(dom, "data-principal=\"" + std::string(kRoot) + "\"");
}
std::string AliceRow(const std::string& dom) {
  return StartTag(dom, "data-principal=\"" + std::string(kAlice) + "\"");
}
std::string BobRow(const std::string& dom) {
  return StartTag(dom, "data-principal=\"arn:aws:iam::111111111111:user/bob,ops\"");
}
std::string EvilRow(const std::string& dom) {
  return StartTag(dom, "data-account=\"222222222222\"");
}

TEST_F(MatrixBrowserTest, ShowsEveryRowAndCellWithReasonAndStatementOnHover) {
  const std::string dom = DumpDom(FixtureHtml(), "");
  EXPECT_EQ(CountOccurrences(dom, "<tr data-account="), 4) << dom;
  EXPECT_EQ(CountOccurrences(dom, "<th class=\"page\""), 4);
  EXPECT_EQ(CountOccurrences(dom, "<td class=\"c "), 16);
  for (const std::string& row : {RootRow(dom), AliceRow(dom), BobRow(dom), EvilRow(dom)}) {
    ASSERT_FALSE(row.empty()) << dom;
    EXPECT_FALSE(IsHidden(row)) << row;
  }
  // The script ran: the count of what is shown is filled in.
  EXPECT_THAT(dom, HasSubstr("data-rows=\"4\""));
  EXPECT_THAT(dom, HasSubstr("4 of 4 principals, 4 of 4 pages"));
  // Summary.
  EXPECT_THAT(dom, HasSubstr("<dd id=\"revision\">42</dd>"));
  EXPECT_THAT(dom, HasSubstr("<dd id=\"scope\">organization o-abc</dd>"));
  EXPECT_THAT(dom, HasSubstr("<dd id=\"cells\">5 MODIFY, 2 VIEW, 9 denied</dd>"));
  // Hover text: the denial's reason and statement; for VIEW, what let the
  // principal in and why MODIFY is refused.
  EXPECT_THAT(dom, HasSubstr("title=\"arn:aws:iam::111111111111:user/alice\ncm_cost_explorer "
                             "(Cost Explorer, Cost Management)\ndenied: EXPLICIT_DENY\n"
                             "statement: DenyCE#NoCostExplorer\">x</td>"));
  EXPECT_THAT(dom, HasSubstr("billing_bills (Bills, Billing)\nVIEW: ALLOWED_BY_POLICY\n"
                             "MODIFY refused: IMPLICIT_DENY\nstatement: AliceRead#AllowRead\">V"));
}

TEST_F(MatrixBrowserTest, FragmentFiltersHideTheRightRowsAndColumns) {
  const std::string path = FixtureHtml();
  {
    const std::string dom = DumpDom(path, "#principal=ALICE");  // case-insensitive contains
    EXPECT_FALSE(IsHidden(AliceRow(dom))) << AliceRow(dom);
    EXPECT_TRUE(IsHidden(RootRow(dom)));
    EXPECT_TRUE(IsHidden(BobRow(dom)));
    EXPECT_TRUE(IsHidden(EvilRow(dom)));
    EXPECT_THAT(dom, HasSubstr("1 of 4 principals, 4 of 4 pages"));
    // The input shows the filter (the script set it from the fragment).
    EXPECT_THAT(dom, HasSubstr("data-rows=\"1\""));
  }
  {
    // Rows with an explicit deny: alice and the markup role, not root or bob.
    const std::string dom = DumpDom(path, "#reason=EXPLICIT_DENY");
    EXPECT_FALSE(IsHidden(AliceRow(dom)));
    EXPECT_FALSE(IsHidden(EvilRow(dom)));
    EXPECT_TRUE(IsHidden(RootRow(dom)));
    EXPECT_TRUE(IsHidden(BobRow(dom)));
    EXPECT_THAT(dom, HasSubstr("2 of 4 principals"));
  }
  {
    // Billing's columns only: Cost Explorer's explicit deny is out of view,
    // so with reason=EXPLICIT_DENY only the markup role (on billing_bills)
    // is left.
    const std::string dom = DumpDom(path, "#console=BILLING&reason=EXPLICIT_DENY");
    EXPECT_TRUE(IsHidden(StartTag(dom, "data-page=\"cm_cost_explorer\"")));
    EXPECT_TRUE(IsHidden(StartTag(dom, "data-page=\"sdk_api_budgets\"")));
    EXPECT_FALSE(IsHidden(StartTag(dom, "data-page=\"billing_bills\"")));
    EXPECT_TRUE(IsHidden(AliceRow(dom)));
    EXPECT_FALSE(IsHidden(EvilRow(dom)));
    EXPECT_THAT(dom, HasSubstr("1 of 4 principals, 2 of 4 pages"));
  }
  {
    // Page by id or title; access MODIFY: root and alice on billing_home.
    const std::string dom = DumpDom(path, "#page=home&access=MODIFY");
    EXPECT_FALSE(IsHidden(StartTag(dom, "data-page=\"billing_home\"")));
    EXPECT_TRUE(IsHidden(StartTag(dom, "data-page=\"billing_bills\"")));
    EXPECT_FALSE(IsHidden(RootRow(dom)));
    EXPECT_FALSE(IsHidden(AliceRow(dom)));
    EXPECT_TRUE(IsHidden(BobRow(dom)));
    EXPECT_TRUE(IsHidden(EvilRow(dom)));
  }
  {
    // A reason no cell has: nothing shown (not everything).
    const std::string dom = DumpDom(path, "#reason=SCP_DENY");
    EXPECT_THAT(dom, HasSubstr("0 of 4 principals"));
  }
}

TEST_F(MatrixBrowserTest, MarkupInUserDataStaysText) {
  const std::string html = pdpctl::RenderHtml(FixtureMatrix(), pdpctl::MatrixScope{true, "o-abc"});
  // As rendered, and with the CSP taken out: escaping alone must hold.
  const std::string csp = "<meta http-equiv=\"Content-Security-Policy\"";
  std::string without_csp = html;
  const size_t at = without_csp.find(csp);
  ASSERT_NE(at, std::string::npos);
  without_csp.replace(at, csp.size(), "<meta name=\"no-csp\"");
  for (const auto& [name, text] :
       {std::pair{"with-csp.html", html}, std::pair{"without-csp.html", without_csp}}) {
    SCOPED_TRACE(name);
    const std::string dom = DumpDom(Write(name, text), "");
    EXPECT_THAT(dom, HasSubstr("<title>Access matrix: organization o-abc at revision 42</title>"));
    EXPECT_THAT(dom, Not(HasSubstr("pwned</title>")));
    EXPECT_EQ(CountOccurrences(dom, "<script"), 1) << dom;  // ours only
    EXPECT_THAT(dom, Not(HasSubstr("<img")));
    EXPECT_THAT(dom, Not(HasSubstr("id=\"pwned\"")));
    EXPECT_THAT(dom, HasSubstr("<th>arn:aws:iam::222222222222:role/&lt;script&gt;"
                               "document.title='pwned'&lt;/script&gt;</th>"));
    EXPECT_THAT(dom, HasSubstr("statement: &quot;&gt;&lt;img src=x id=pwned onerror=&quot;"));
    // The script still filters: the markup row by its (escaped) name.
    const std::string filtered = DumpDom(Write(name, text), "#principal=%3Cscript%3E");
    EXPECT_FALSE(IsHidden(EvilRow(filtered)));
    EXPECT_TRUE(IsHidden(AliceRow(filtered)));
  }
}

// The report as pdpctl writes it from a real server's answer: the demo
// organization (data/demo-org-world.yaml), filtered from the fragment to
// the Platform account's cells that its SCP denies.
TEST_F(MatrixBrowserTest, ReportOfARealServerFilteredByFragment) {
  ServerProcess server({"--world", SourcePath("data/demo-org-world.yaml")});
  ASSERT_TRUE(server.ok()) << server.log();
  const std::string path = dir_ + "/org.html";
  std::string out;
  ASSERT_EQ(RunCommand({BinaryPath("client/pdpctl"), "--server", server.address(), "matrix",
                        "--org", "o-demoorg0001", "--format", "html", "--file", path},
                       &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("access matrix of organization o-demoorg0001 at revision "));

  const std::string all = DumpDom(path, "");
  // Three accounts: 111 (root, admin), 222 (root, admin, reader), 444
  // (root, admin, role/Billing); every catalogue page a column.
  EXPECT_EQ(CountOccurrences(all, "<tr data-account="), 8) << all;
  const int pages = CountOccurrences(all, "<th class=\"page\"");
  EXPECT_GE(pages, 40);
  EXPECT_EQ(CountOccurrences(all, "<td class=\"c "), 8 * pages);
  EXPECT_THAT(all, HasSubstr("<dd id=\"scope\">organization o-demoorg0001</dd>"));
  EXPECT_THAT(all, HasSubstr("8 of 8 principals"));
  // Cost Explorer is denied by the Platform OU's SCP; the hover says so.
  EXPECT_THAT(all, HasSubstr("arn:aws:iam::444444444444:user/admin\ncm_cost_explorer (Cost "
                             "Explorer, Cost Management)\ndenied: SCP_DENY\nstatement: "
                             "p-nocostexp#0\""))
      << all;

  const std::string dom = DumpDom(path, "#principal=444444444444&reason=SCP_DENY");
  for (const char* shown :
       {"arn:aws:iam::444444444444:root", "arn:aws:iam::444444444444:user/admin",
        "arn:aws:iam::444444444444:role/Billing"}) {
    const std::string tag = StartTag(dom, "data-principal=\"" + std::string(shown) + "\"");
    ASSERT_FALSE(tag.empty()) << shown;
    EXPECT_FALSE(IsHidden(tag)) << tag;
  }
  for (const char* hidden :
       {"arn:aws:iam::111111111111:root", "arn:aws:iam::111111111111:user/admin",
        "arn:aws:iam::222222222222:user/reader"}) {
    const std::string tag = StartTag(dom, "data-principal=\"" + std::string(hidden) + "\"");
    ASSERT_FALSE(tag.empty()) << hidden;
    EXPECT_TRUE(IsHidden(tag)) << tag;
  }
  EXPECT_THAT(dom, HasSubstr("3 of 8 principals"));
  // The cells that do not match are dimmed, the matching ones are not.
  EXPECT_THAT(dom, HasSubstr("class=\"c x\" data-access=\"DENY\" data-reason=\"SCP_DENY\""));
  EXPECT_THAT(dom, HasSubstr("class=\"c m dim\""));
}

TEST_F(MatrixBrowserTest, Screenshot) {
  const std::string path = FixtureHtml();
  const std::string png = dir_ + "/matrix.png";
  std::string out;
  ASSERT_EQ(Chromium({"--screenshot=" + png, "--window-size=1200,800", "file://" + path}, &out), 0)
      << out << ReadAll(dir_ + "/chromium.log");
  const std::string bytes = ReadAll(png);
  ASSERT_GE(bytes.size(), 8u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // A blank 1200x800 PNG compresses to a few hundred bytes; a rendered
  // table with coloured cells and text is several kilobytes.
  EXPECT_GT(bytes.size(), 10000u);
  // The IHDR chunk: width and height as asked.
  ASSERT_GE(bytes.size(), 24u);
  auto be32 = [&bytes](size_t at) {
    return (static_cast<uint32_t>(static_cast<unsigned char>(bytes[at])) << 24) |
           (static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 16) |
           (static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 2])) << 8) |
           static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 3]));
  };
  EXPECT_EQ(bytes.substr(12, 4), "IHDR");
  EXPECT_EQ(be32(16), 1200u);
  EXPECT_EQ(be32(20), 800u);
}

}  // namespace
}  // namespace pdp::testing
