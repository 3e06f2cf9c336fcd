// record_protos: the API's messages carry exactly what the engine's records
// and the catalogue hold (the engine keeps its own types; pdp.v1 is built
// here, at the server's edge).
#include "server/wire/record_protos.h"

#include <fstream>
#include <sstream>
#include <string>

#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace pdp {
namespace {

const std::string kCatalogPath = std::string(PDP_SOURCE_DIR) + "/data/page-catalog.json";

// Every page of the shipped catalogue, as ListPages returns it, is the
// file's page field for field (the file uses the API's field names).
TEST(RecordProtosTest, PagesAreTheCatalogueFilesPages) {
  std::ifstream in(kCatalogPath, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<std::shared_ptr<const PageCatalog>> catalog = PageCatalog::FromJson(text.str());
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  const nlohmann::json file = nlohmann::json::parse(text.str());
  ASSERT_EQ(file["pages"].size(), (*catalog)->pages().size());
  for (const nlohmann::json& page : file["pages"]) {
    pdp::v1::Page expected;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(page.dump(), &expected).ok());
    const CatalogPage* found = (*catalog)->Find(expected.id());
    ASSERT_NE(found, nullptr) << expected.id();
    pdp::v1::Page actual = PageToProto(*found);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(actual, expected))
        << expected.id() << "\nexpected: " << expected.ShortDebugString()
        << "\nactual: " << actual.ShortDebugString();
  }
}

// Settings go out explicit, linked_account_access included, as they did
// when the record held the API's message with its defaults filled in.
TEST(RecordProtosTest, SettingsAreExplicit) {
  AccountState account;
  account.id = "111111111111";
  pdp::v1::Account a = AccountToProto(account);
  EXPECT_FALSE(a.settings().iam_access_to_billing());
  EXPECT_EQ(a.settings().console_action_set(), pdp::v1::FINE_GRAINED);
  EXPECT_FALSE(a.settings().cost_explorer_enabled());
  ASSERT_TRUE(a.settings().has_linked_account_access());
  EXPECT_TRUE(a.settings().linked_account_access());

  account.settings = {.iam_access_to_billing = true,
                      .console_action_set = ConsoleActionSet::kLegacy,
                      .cost_explorer_enabled = true,
                      .linked_account_access = false};
  a = AccountToProto(account);
  EXPECT_TRUE(a.settings().iam_access_to_billing());
  EXPECT_EQ(a.settings().console_action_set(), pdp::v1::LEGACY);
  EXPECT_TRUE(a.settings().cost_explorer_enabled());
  ASSERT_TRUE(a.settings().has_linked_account_access());
  EXPECT_FALSE(a.settings().linked_account_access());
}

TEST(RecordProtosTest, VersionsSayWhichIsTheDefault) {
  ManagedPolicyRecord policy;
  policy.arn = "arn:aws:iam::111111111111:policy/p";
  policy.versions = {{"v1", "{}"}, {"v3", "{ }"}};
  policy.default_version_id = "v3";
  pdp::v1::ManagedPolicy p = PolicyToProto(policy, nullptr);
  ASSERT_EQ(p.versions_size(), 2);
  EXPECT_EQ(p.versions(0).version_id(), "v1");
  EXPECT_EQ(p.versions(0).document(), "{}");
  EXPECT_FALSE(p.versions(0).is_default());
  EXPECT_EQ(p.versions(1).version_id(), "v3");
  EXPECT_TRUE(p.versions(1).is_default());
  EXPECT_EQ(p.default_version_id(), "v3");
}

}  // namespace
}  // namespace pdp
