#include "engine/model/page_catalog.h"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "base/errors.h"
#include "base/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/error_fields.h"

namespace pdp {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::ordered_json;

const std::string kCatalogPath = std::string(PDP_SOURCE_DIR) + "/data/page-catalog.json";

using test::FieldOf;

std::vector<std::string> Lower(const std::vector<std::string>& list) {
  std::vector<std::string> out;
  for (const std::string& a : list) out.push_back(AsciiLower(a));
  return out;
}

std::vector<std::string> Lower(const std::vector<CatalogAction>& list) {
  std::vector<std::string> out;
  for (const CatalogAction& a : list) out.push_back(a.lower);
  return out;
}

// ---- the shipped catalogue ----------------------------------------------------

class ShippedCatalogTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = PageCatalog::FromFile(kCatalogPath);
    ASSERT_TRUE(c.ok()) << c.status();
    catalog_ = new std::shared_ptr<const PageCatalog>(*c);
  }
  static void TearDownTestSuite() {
    delete catalog_;
    catalog_ = nullptr;
  }
  const PageCatalog& catalog() { return **catalog_; }

  static std::shared_ptr<const PageCatalog>* catalog_;
};
std::shared_ptr<const PageCatalog>* ShippedCatalogTest::catalog_ = nullptr;

TEST_F(ShippedCatalogTest, Has42UniquePagesAndAVersion) {
  EXPECT_EQ(catalog().pages().size(), 42u);
  EXPECT_FALSE(catalog().version().empty());
  absl::flat_hash_set<std::string> ids;
  for (const CatalogPage& p : catalog().pages()) {
    EXPECT_TRUE(ids.insert(p.id).second) << p.id;
    EXPECT_EQ(catalog().Find(p.id), &p);
  }
  EXPECT_EQ(catalog().Find("billing_bills")->title, "Bills");
  EXPECT_EQ(catalog().Find("no_such_page"), nullptr);
  EXPECT_EQ(catalog().Find(""), nullptr);
}

TEST_F(ShippedCatalogTest, EveryPageViewIsNonEmptyInBothActionSets) {
  for (const CatalogPage& p : catalog().pages()) {
    EXPECT_FALSE(p.fine_grained.view.empty()) << p.id;
    EXPECT_FALSE(p.legacy.view.empty()) << p.id;
  }
}

TEST_F(ShippedCatalogTest, ModifyIsViewPlusModify) {
  for (const CatalogPage& p : catalog().pages()) {
    for (const ActionRequirements* req : {&p.fine_grained, &p.legacy}) {
      std::vector<std::string> expected = Lower(req->view);
      for (const std::string& m : Lower(req->modify_listed)) {
        if (std::find(expected.begin(), expected.end(), m) == expected.end()) expected.push_back(m);
      }
      EXPECT_EQ(Lower(req->modify), expected) << p.id;
      EXPECT_EQ(req->offers_modify, !req->modify_listed.empty()) << p.id;
    }
  }
}

TEST_F(ShippedCatalogTest, ActionsKeepDisplayCaseAndAreLowerCasedForMatching) {
  const CatalogPage* bills = catalog().Find("billing_bills");
  ASSERT_NE(bills, nullptr);
  ASSERT_FALSE(bills->fine_grained.view.empty());
  EXPECT_EQ(bills->fine_grained.view[0].display, "billing:GetBillingData");
  EXPECT_EQ(bills->fine_grained.view[0].lower, "billing:getbillingdata");
  EXPECT_FALSE(bills->fine_grained.offers_modify);
  EXPECT_EQ(bills->legacy.view[0].display, "aws-portal:ViewBilling");
  for (const CatalogPage& p : catalog().pages()) {
    for (const auto* set : {&p.fine_grained, &p.legacy}) {
      for (const CatalogAction& a : set->modify) {
        EXPECT_EQ(a.lower, AsciiLower(a.display));
        EXPECT_EQ(a.display.find('*'), std::string::npos) << p.id;
      }
    }
  }
}

TEST_F(ShippedCatalogTest, BudgetsModifyNeedsViewActionsToo) {
  const CatalogPage* budgets = catalog().Find("billing_budgets");
  ASSERT_NE(budgets, nullptr);
  EXPECT_TRUE(budgets->legacy.offers_modify);
  std::vector<std::string> modify = Lower(budgets->legacy.modify);
  for (const char* a : {"aws-portal:viewbilling", "budgets:viewbudget", "aws-portal:modifybilling",
                        "budgets:modifybudget"}) {
    EXPECT_NE(std::find(modify.begin(), modify.end(), a), modify.end()) << a;
  }
}

TEST_F(ShippedCatalogTest, FeaturesHaveActionsInBothSets) {
  const CatalogPage* bills = catalog().Find("billing_bills");
  ASSERT_NE(bills, nullptr);
  ASSERT_FALSE(bills->features.empty());
  for (const CatalogPage& p : catalog().pages()) {
    for (const CatalogFeature& f : p.features) {
      EXPECT_FALSE(f.id.empty());
      EXPECT_FALSE(f.fine_grained.empty()) << p.id << "/" << f.id;
      EXPECT_FALSE(f.legacy.empty()) << p.id << "/" << f.id;
      EXPECT_TRUE(f.access == Access::kView || f.access == Access::kModify);
    }
  }
}

TEST(PageCatalogFileTest, MissingFileIsNotFound) {
  auto c = PageCatalog::FromFile("/nonexistent/page-catalog.json");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
}

// ---- validation ------------------------------------------------------------------

Json ValidPage(const std::string& id) {
  return Json{
      {"id", id},
      {"console", "BILLING"},
      {"title", "Page " + id},
      {"iam_access_gated", true},
      {"shows_cost_explorer_data", false},
      {"confidence", "derived"},
      {"fine_grained",
       {{"view", {"billing:GetBillingData"}}, {"modify", {"billing:UpdateBillingPreferences"}}}},
      {"legacy", {{"view", {"aws-portal:ViewBilling"}}, {"modify", {"aws-portal:ModifyBilling"}}}},
      {"features", Json::array({{{"id", "pdf"},
                                 {"title", "PDF"},
                                 {"access", "VIEW"},
                                 {"fine_grained", {"invoicing:GetInvoicePDF"}},
                                 {"legacy", {"aws-portal:ViewBilling"}}}})},
      {"notes", "n"},
      {"source", "s"},
  };
}

Json ValidCatalog() {
  return Json{{"catalog_version", "test"},
              {"pages", Json::array({ValidPage("a"), ValidPage("b")})}};
}

TEST(PageCatalogValidationTest, TheBaseCatalogIsValid) {
  auto c = PageCatalog::FromJson(ValidCatalog().dump());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ((*c)->pages().size(), 2u);
  EXPECT_EQ((*c)->version(), "test");
  const CatalogPage* a = (*c)->Find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->console, Console::kBilling);
  EXPECT_EQ(a->title, "Page a");
  EXPECT_TRUE(a->iam_access_gated);
  EXPECT_FALSE(a->shows_cost_explorer_data);
  EXPECT_EQ(a->confidence, "derived");
  EXPECT_EQ(a->notes, "n");
  EXPECT_EQ(a->source, "s");
  EXPECT_EQ(a->fine_grained.modify_listed,
            std::vector<std::string>{"billing:UpdateBillingPreferences"});
  EXPECT_EQ(
      Lower(a->fine_grained.modify),
      (std::vector<std::string>{"billing:getbillingdata", "billing:updatebillingpreferences"}));
  EXPECT_TRUE(a->fine_grained.offers_modify);
  ASSERT_EQ(a->features.size(), 1u);
  EXPECT_EQ(a->features[0].id, "pdf");
  EXPECT_EQ(a->features[0].title, "PDF");
  EXPECT_EQ(a->features[0].access, Access::kView);
  EXPECT_EQ(a->For(ConsoleActionSet::kLegacy).view[0].display, "aws-portal:ViewBilling");
  EXPECT_EQ(a->For(ConsoleActionSet::kFineGrained).view[0].display, "billing:GetBillingData");
}

TEST(PageCatalogValidationTest, EmptyModifyMeansNoModify) {
  Json c = ValidCatalog();
  c["pages"][0]["fine_grained"]["modify"] = Json::array();
  c["pages"][0]["legacy"].erase("modify");
  auto loaded = PageCatalog::FromJson(c.dump());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const CatalogPage* a = (*loaded)->Find("a");
  EXPECT_FALSE(a->fine_grained.offers_modify);
  EXPECT_FALSE(a->legacy.offers_modify);
  EXPECT_TRUE((*loaded)->Find("b")->fine_grained.offers_modify);
}

struct Rejection {
  const char* name;
  std::function<void(Json&)> mutate;
  const char* field;
  const char* message;
};

class PageCatalogRejectionTest : public ::testing::TestWithParam<Rejection> {};

TEST_P(PageCatalogRejectionTest, NamesTheJsonPath) {
  Json c = ValidCatalog();
  GetParam().mutate(c);
  auto loaded = PageCatalog::FromJson(c.dump());
  ASSERT_FALSE(loaded.ok()) << "accepted: " << c.dump();
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(loaded.status()), GetParam().field) << loaded.status();
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Rules, PageCatalogRejectionTest,
    ::testing::Values(
        Rejection{"EmptyFineGrainedView",
                  [](Json& c) { c["pages"][1]["fine_grained"]["view"] = Json::array(); },
                  "pages[1].fine_grained.view", "at least one action"},
        Rejection{"EmptyLegacyView",
                  [](Json& c) { c["pages"][0]["legacy"]["view"] = Json::array(); },
                  "pages[0].legacy.view", "at least one action"},
        Rejection{"MissingView", [](Json& c) { c["pages"][0]["legacy"].erase("view"); },
                  "pages[0].legacy.view", "at least one action"},
        Rejection{"MissingActionSet", [](Json& c) { c["pages"][0].erase("legacy"); },
                  "pages[0].legacy", "is required"},
        Rejection{"DuplicateId", [](Json& c) { c["pages"][1]["id"] = "a"; }, "pages[1].id",
                  "duplicate page id"},
        Rejection{"IdWithUpperCase", [](Json& c) { c["pages"][0]["id"] = "Billing"; },
                  "pages[0].id", "a-z, 0-9 and _"},
        Rejection{"IdWithSlash", [](Json& c) { c["pages"][0]["id"] = "billing/bills"; },
                  "pages[0].id", "a-z, 0-9 and _"},
        Rejection{"EmptyId", [](Json& c) { c["pages"][0]["id"] = ""; }, "pages[0].id", "1 to 64"},
        Rejection{"MissingId", [](Json& c) { c["pages"][0].erase("id"); }, "pages[0].id",
                  "is required"},
        Rejection{"WildcardViewAction",
                  [](Json& c) { c["pages"][0]["fine_grained"]["view"] = {"billing:Get*"}; },
                  "pages[0].fine_grained.view[0]", "without wildcards"},
        Rejection{"QuestionMarkModifyAction",
                  [](Json& c) {
                    c["pages"][1]["legacy"]["modify"] = {"aws-portal:ModifyBilling",
                                                         "aws-portal:Modify?"};
                  },
                  "pages[1].legacy.modify[1]", "without wildcards"},
        Rejection{"StarAction", [](Json& c) { c["pages"][0]["fine_grained"]["view"] = {"*"}; },
                  "pages[0].fine_grained.view[0]", "without wildcards"},
        Rejection{"ActionWithoutService",
                  [](Json& c) { c["pages"][0]["fine_grained"]["view"] = {"GetBillingData"}; },
                  "pages[0].fine_grained.view[0]", "service:Action"},
        Rejection{"DuplicateAction",
                  [](Json& c) {
                    c["pages"][0]["fine_grained"]["view"] = {"billing:GetBillingData",
                                                             "Billing:getBillingData"};
                  },
                  "pages[0].fine_grained.view[1]", "duplicate action"},
        Rejection{"WildcardFeatureAction",
                  [](Json& c) { c["pages"][0]["features"][0]["fine_grained"] = {"invoicing:*"}; },
                  "pages[0].features[0].fine_grained[0]", "without wildcards"},
        Rejection{"FeatureWithoutLegacyActions",
                  [](Json& c) { c["pages"][0]["features"][0]["legacy"] = Json::array(); },
                  "pages[0].features[0]", "at least one action"},
        Rejection{"FeatureBadAccess",
                  [](Json& c) { c["pages"][0]["features"][0]["access"] = "READ"; },
                  "pages[0].features[0].access", "VIEW or MODIFY"},
        Rejection{"UnknownPageField", [](Json& c) { c["pages"][1]["colour"] = "red"; },
                  "pages[1].colour", "unknown field"},
        Rejection{"UnknownTopLevelField", [](Json& c) { c["pagez"] = Json::array(); }, "pagez",
                  "unknown field"},
        Rejection{"UnknownActionSetField",
                  [](Json& c) { c["pages"][0]["legacy"]["veiw"] = Json::array(); },
                  "pages[0].legacy.veiw", "unknown field"},
        Rejection{"UnknownFeatureField", [](Json& c) { c["pages"][0]["features"][0]["cost"] = 1; },
                  "pages[0].features[0].cost", "unknown field"},
        // A decision carries the available features as the bits of one word.
        Rejection{"ThirtyThreeFeatures",
                  [](Json& c) {
                    Json feature = c["pages"][0]["features"][0];
                    for (int i = 1; i < 33; ++i) {
                      feature["id"] = "feature-" + std::to_string(i);
                      c["pages"][0]["features"].push_back(feature);
                    }
                  },
                  "pages[0].features", "at most 32 features per page"},
        Rejection{"BadConsole", [](Json& c) { c["pages"][1]["console"] = "BILLING_CONSOLE"; },
                  "pages[1].console", "BILLING, COST_MANAGEMENT or OTHER"},
        Rejection{"LowerCaseConsole", [](Json& c) { c["pages"][0]["console"] = "billing"; },
                  "pages[0].console", "BILLING, COST_MANAGEMENT or OTHER"},
        Rejection{"UnspecifiedConsole",
                  [](Json& c) { c["pages"][0]["console"] = "CONSOLE_UNSPECIFIED"; },
                  "pages[0].console", "BILLING, COST_MANAGEMENT or OTHER"},
        Rejection{"ConsoleNotString", [](Json& c) { c["pages"][0]["console"] = 1; },
                  "pages[0].console", "must be a string"},
        Rejection{"GatedNotBoolean", [](Json& c) { c["pages"][0]["iam_access_gated"] = "yes"; },
                  "pages[0].iam_access_gated", "true or false"},
        Rejection{"MissingCostExplorerFlag",
                  [](Json& c) { c["pages"][0].erase("shows_cost_explorer_data"); },
                  "pages[0].shows_cost_explorer_data", "true or false"},
        Rejection{"BadConfidence", [](Json& c) { c["pages"][0]["confidence"] = "guessed"; },
                  "pages[0].confidence", "documented"},
        Rejection{"MissingTitle", [](Json& c) { c["pages"][0].erase("title"); }, "pages[0].title",
                  "is required"},
        Rejection{"NoPages", [](Json& c) { c["pages"] = Json::array(); }, "pages",
                  "non-empty array"},
        Rejection{"PageNotObject", [](Json& c) { c["pages"][1] = "b"; }, "pages[1]",
                  "must be an object"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(PageCatalogValidationTest, RejectsBadJsonWithItsPosition) {
  std::string text = ValidCatalog().dump();
  text.insert(text.size() - 1, ",");  // {"...": ...,}
  auto loaded = PageCatalog::FromJson(text);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("line 1"));
}

TEST(PageCatalogValidationTest, RejectsDuplicateKeys) {
  std::string text = ValidCatalog().dump();
  text.insert(1, R"("catalog_version": "x", )");
  auto loaded = PageCatalog::FromJson(text);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(FieldOf(loaded.status()), "catalog_version");
}

}  // namespace
}  // namespace pdp
