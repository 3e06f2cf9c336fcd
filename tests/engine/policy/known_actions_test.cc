#include "engine/policy/known_actions.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/errors.h"
#include "engine/policy/policy_json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/error_fields.h"

namespace pdp {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::Pair;

std::string DataPath(absl::string_view file) {
  return absl::StrCat(PDP_SOURCE_DIR, "/data/", file);
}

std::shared_ptr<const KnownActions> Shipped() {
  static const std::shared_ptr<const KnownActions> known = [] {
    auto k = KnownActions::FromFile(DataPath("aws-service-actions.json"));
    EXPECT_TRUE(k.ok()) << k.status();
    return k.ok() ? *k : nullptr;
  }();
  return known;
}

Json ReadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  absl::StatusOr<Json> j = ParseStrictJson(ss.str());
  EXPECT_TRUE(j.ok()) << path << ": " << j.status();
  return j.ok() ? *j : Json();
}

std::string CodeOf(absl::string_view pattern) {
  auto w = Shipped()->Check(pattern);
  return w ? w->first : "OK";
}

using test::FieldOf;

TEST(KnownActionsTest, LoadsTheShippedFile) {
  ASSERT_NE(Shipped(), nullptr);
  EXPECT_GT(Shipped()->service_count(), 400u);
  EXPECT_EQ(Shipped()->services_with_actions(), Shipped()->service_count());
  EXPECT_GT(Shipped()->action_count(), 15000u);
  EXPECT_THAT(Shipped()->source(), HasSubstr("Service Authorization Reference"));
  EXPECT_FALSE(Shipped()->snapshot_date().empty());
}

TEST(KnownActionsTest, ExactActions) {
  ASSERT_NE(Shipped(), nullptr);
  EXPECT_EQ(CodeOf("ce:GetCostAndUsage"), "OK");
  EXPECT_EQ(CodeOf("aws-portal:ViewBilling"), "OK");
  EXPECT_EQ(CodeOf("sts:AssumeRole"), "OK");
  EXPECT_EQ(CodeOf("ce:GetCostAndUsag"), "UNKNOWN_ACTION");
  EXPECT_EQ(CodeOf("nosuchservice:Get"), "UNKNOWN_SERVICE");
}

TEST(KnownActionsTest, Wildcards) {
  ASSERT_NE(Shipped(), nullptr);
  EXPECT_EQ(CodeOf("*"), "OK");
  EXPECT_EQ(CodeOf("ce:*"), "OK");
  EXPECT_EQ(CodeOf("ce:Get*"), "OK");
  EXPECT_EQ(CodeOf("ce:GetCostAndUsag?"), "OK");
  EXPECT_EQ(CodeOf("ce:*Forecast"), "OK");
  EXPECT_EQ(CodeOf("ce:Frob*"), "UNKNOWN_ACTION");
  EXPECT_EQ(CodeOf("ce:GetCostAndUsage?"), "UNKNOWN_ACTION");
  EXPECT_EQ(CodeOf("nosuchservice:*"), "UNKNOWN_SERVICE");
  // IAM rejects wildcards in the prefix; Check still answers sensibly.
  EXPECT_EQ(CodeOf("c?:GetCostAndUsage"), "OK");
  EXPECT_EQ(CodeOf("*:GetCostAndUsage"), "OK");
  EXPECT_EQ(CodeOf("*:NoSuchActionAnywhere"), "UNKNOWN_ACTION");
  EXPECT_EQ(CodeOf("zz*:Get"), "UNKNOWN_SERVICE");
}

TEST(KnownActionsTest, CaseInsensitive) {
  ASSERT_NE(Shipped(), nullptr);
  EXPECT_EQ(CodeOf("CE:getcostandusage"), "OK");
  EXPECT_EQ(CodeOf("Ce:GETCOSTANDUSAGE"), "OK");
  EXPECT_EQ(CodeOf("AWS-Portal:viewbilling"), "OK");
  EXPECT_EQ(CodeOf("CE:GET*"), "OK");
  EXPECT_EQ(CodeOf("CE:FROB*"), "UNKNOWN_ACTION");
  EXPECT_EQ(CodeOf("NoSuchService:Get"), "UNKNOWN_SERVICE");
}

TEST(KnownActionsTest, MessagesNameThePatternAsWritten) {
  ASSERT_NE(Shipped(), nullptr);
  EXPECT_THAT(Shipped()->Check("ce:GetCostAndUsag"),
              Optional(Pair("UNKNOWN_ACTION", HasSubstr("\"ce:GetCostAndUsag\""))));
  EXPECT_THAT(Shipped()->Check("NoSuchService:Get"),
              Optional(Pair("UNKNOWN_SERVICE", HasSubstr("\"NoSuchService\""))));
  EXPECT_THAT(Shipped()->Check("ViewBilling"),
              Optional(Pair("UNKNOWN_SERVICE", HasSubstr("no service prefix"))));
}

TEST(KnownActionsTest, PrefixesWithoutActionListsAreKnownButUnchecked) {
  auto k = KnownActions::FromJson(
      R"({"source": "t", "services": {"ce": ["GetCostAndUsage"]}, "all_prefixes": ["ce", "ec2"]})");
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ((*k)->service_count(), 2u);
  EXPECT_EQ((*k)->services_with_actions(), 1u);
  EXPECT_EQ((*k)->Check("ec2:AnythingAtAll"), std::nullopt);
  EXPECT_EQ((*k)->Check("ce:GetCostAndUsage"), std::nullopt);
  EXPECT_NE((*k)->Check("ce:GetCostForecast"), std::nullopt);
  EXPECT_NE((*k)->Check("s3:GetObject"), std::nullopt);
}

TEST(KnownActionsTest, RejectsMalformedFiles) {
  EXPECT_EQ(FieldOf(KnownActions::FromJson(R"({"services": {}, "extra": 1})").status()), "extra");
  EXPECT_EQ(FieldOf(KnownActions::FromJson(R"({"source": "x"})").status()), "services");
  EXPECT_EQ(FieldOf(KnownActions::FromJson(R"({"services": {"ce": "Get"}})").status()),
            "services.ce");
  EXPECT_EQ(FieldOf(KnownActions::FromJson(R"({"services": {"ce": ["Get*"]}})").status()),
            "services.ce[0]");
  EXPECT_EQ(FieldOf(KnownActions::FromJson(R"({"services": {"c e": []}})").status()),
            "services.c e");
  EXPECT_EQ(FieldOf(KnownActions::FromJson(R"({"services": {}, "all_prefixes": [1]})").status()),
            "all_prefixes[0]");
  EXPECT_EQ(KnownActions::FromFile("/nonexistent/file.json").status().code(),
            absl::StatusCode::kNotFound);
}

// Every action the page catalogue names is one that AWS defines.
TEST(KnownActionsTest, EveryCatalogueActionIsKnown) {
  ASSERT_NE(Shipped(), nullptr);
  Json catalog = ReadJsonFile(DataPath("page-catalog.json"));
  ASSERT_TRUE(catalog.contains("pages"));
  std::vector<std::string> unknown;
  size_t checked = 0;
  auto check_list = [&](const Json& list, const std::string& where) {
    for (const Json& a : list) {
      ++checked;
      auto w = Shipped()->Check(a.get<std::string>());
      if (w) unknown.push_back(absl::StrCat(where, ": ", a.get<std::string>(), " ", w->first));
    }
  };
  for (const Json& page : catalog["pages"]) {
    std::string id = page["id"].get<std::string>();
    for (const char* set : {"fine_grained", "legacy"}) {
      for (const char* access : {"view", "modify"}) {
        if (page[set].contains(access)) {
          check_list(page[set][access], absl::StrCat(id, ".", set, ".", access));
        }
      }
    }
    if (!page.contains("features")) continue;
    for (const Json& feature : page["features"]) {
      for (const char* set : {"fine_grained", "legacy"}) {
        if (feature.contains(set)) {
          check_list(feature[set],
                     absl::StrCat(id, ".features.", feature["id"].get<std::string>(), ".", set));
        }
      }
    }
  }
  EXPECT_GT(checked, 100u);
  EXPECT_TRUE(unknown.empty()) << absl::StrJoin(unknown, "\n");
}

// Every Action and NotAction in the shipped AWS managed policies is known.
TEST(KnownActionsTest, EveryManagedPolicyActionIsKnown) {
  ASSERT_NE(Shipped(), nullptr);
  Json file = ReadJsonFile(DataPath("aws-managed-policies.json"));
  ASSERT_TRUE(file.contains("policies"));
  std::vector<std::string> unknown;
  size_t checked = 0;
  for (const Json& policy : file["policies"]) {
    std::string arn = policy["arn"].get<std::string>();
    Json doc = policy["document"];
    if (doc.is_string()) {
      absl::StatusOr<Json> parsed = ParseStrictJson(doc.get<std::string>());
      ASSERT_TRUE(parsed.ok()) << arn;
      doc = *parsed;
    }
    Json statements = doc["Statement"];
    if (statements.is_object()) statements = Json::array({statements});
    for (const Json& st : statements) {
      for (const char* key : {"Action", "NotAction"}) {
        if (!st.contains(key)) continue;
        Json actions = st[key];
        if (actions.is_string()) actions = Json::array({actions});
        for (const Json& a : actions) {
          ++checked;
          auto w = Shipped()->Check(a.get<std::string>());
          if (w) unknown.push_back(absl::StrCat(arn, " ", key, ": ", a.get<std::string>()));
        }
      }
    }
  }
  EXPECT_GT(checked, 100u);
  EXPECT_TRUE(unknown.empty()) << absl::StrJoin(unknown, "\n");
}

}  // namespace
}  // namespace pdp
