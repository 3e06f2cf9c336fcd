// pdpctl's org / scp command lines (client/pdpctl/org_commands.h) without a
// server: each write subcommand builds exactly the Change it should, and
// every malformed line is INVALID_ARGUMENT before anything is sent.
#include "client/pdpctl/org_commands.h"

#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace pdpctl {
namespace {

using ::testing::HasSubstr;

pdp::v1::Change Parse(const std::string& text) {
  pdp::v1::Change c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  return c;
}

// A command line as pdpctl hands it over: the group, the words, the flags.
OrgCommandLine Line(const std::string& group, std::vector<std::string> words,
                    std::map<std::string, std::string> flags = {}) {
  return OrgCommandLine{group, std::move(words), std::move(flags)};
}

std::string Describe(const OrgCommandLine& line) {
  std::string out = line.group;
  for (const auto& w : line.words) out += " " + w;
  for (const auto& [k, v] : line.flags) out += " --" + k + " " + v;
  return out;
}

struct WriteCase {
  OrgCommandLine line;
  std::string want;  // text format of the Change
};

class OrgCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One file per test: CTest runs the cases as parallel processes, and one
    // case's TearDown must not delete the file another is reading.
    policy_path_ = ::testing::TempDir() + "/org_commands_test_scp_" +
                   ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json";
    std::ofstream(policy_path_) << kPolicy;
  }
  void TearDown() override { std::remove(policy_path_.c_str()); }

  void ExpectChange(const OrgCommandLine& line, const std::string& want_text) {
    SCOPED_TRACE(Describe(line));
    EXPECT_FALSE(IsOrgRead(line));
    absl::StatusOr<pdp::v1::Change> got = OrgChange(line);
    ASSERT_TRUE(got.ok()) << got.status();
    pdp::v1::Change want = Parse(want_text);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*got, want))
        << "got:\n"
        << got->DebugString() << "want:\n"
        << want.DebugString();
  }

  void ExpectInvalid(const OrgCommandLine& line, const std::string& message_part) {
    SCOPED_TRACE(Describe(line));
    absl::StatusOr<pdp::v1::Change> got = OrgChange(line);
    ASSERT_FALSE(got.ok()) << got->DebugString();
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << got.status();
    EXPECT_THAT(std::string(got.status().message()), HasSubstr(message_part));
  }

  static constexpr char kPolicy[] =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ce:*","Resource":"*"}]})";
  std::string policy_path_;
};

TEST_F(OrgCommandsTest, EveryOrgSubcommandBuildsItsChange) {
  const std::vector<WriteCase> cases = {
      {Line("org", {"create", "111111111111"}),
       R"(create_organization { management_account_id: "111111111111" })"},
      {Line("org", {"create", "111111111111"},
            {{"id", "o-abcdefghij"}, {"root-id", "r-abcd"}, {"scps", "on"}}),
       R"(create_organization { organization_id: "o-abcdefghij" management_account_id:
          "111111111111" root_id: "r-abcd" scps_enabled: true })"},
      {Line("org", {"create", "111111111111"}, {{"scps", "off"}}),
       R"(create_organization { management_account_id: "111111111111" scps_enabled: false })"},
      {Line("org", {"set-scps", "o-abcdefghij", "on"}),
       R"(update_organization { organization_id: "o-abcdefghij" scps_enabled: true })"},
      {Line("org", {"set-scps", "o-abcdefghij", "off"}, {{"etag", "7"}}),
       R"(update_organization { organization_id: "o-abcdefghij" scps_enabled: false etag: "7" })"},
      {Line("org", {"delete", "o-abcdefghij"}, {{"etag", "9"}}),
       R"(delete_organization { organization_id: "o-abcdefghij" etag: "9" })"},
      {Line("org", {"create-ou", "o-abcdefghij"},
            {{"parent", "r-abcd"}, {"name", "Engineering"}, {"id", "ou-abcd-12345678"}}),
       R"(create_organizational_unit { organization_id: "o-abcdefghij" parent_id: "r-abcd"
          name: "Engineering" ou_id: "ou-abcd-12345678" })"},
      {Line("org", {"create-ou", "o-abcdefghij"}, {{"parent", "r-abcd"}, {"name", "Ops"}}),
       R"(create_organizational_unit { organization_id: "o-abcdefghij" parent_id: "r-abcd"
          name: "Ops" })"},
      {Line("org", {"rename-ou", "o-abcdefghij", "ou-abcd-12345678"}, {{"name", "Eng"}}),
       R"(update_organizational_unit { organization_id: "o-abcdefghij" ou_id: "ou-abcd-12345678"
          name: "Eng" })"},
      {Line("org", {"delete-ou", "o-abcdefghij", "ou-abcd-12345678"}),
       R"(delete_organizational_unit { organization_id: "o-abcdefghij"
          ou_id: "ou-abcd-12345678" })"},
      {Line("org", {"create-account", "o-abcdefghij", "222222222222"},
            {{"name", "dev"}, {"parent", "ou-abcd-12345678"}, {"iam-access", "deny"}}),
       R"(create_member_account { organization_id: "o-abcdefghij" account_id: "222222222222"
          name: "dev" parent_id: "ou-abcd-12345678" iam_user_access_to_billing:
          IAM_USER_ACCESS_DENY })"},
      {Line("org", {"create-account", "o-abcdefghij", "222222222222"}, {{"iam-access", "allow"}}),
       R"(create_member_account { organization_id: "o-abcdefghij" account_id: "222222222222"
          iam_user_access_to_billing: IAM_USER_ACCESS_ALLOW })"},
      {Line("org", {"create-account", "o-abcdefghij", "222222222222"}),
       R"(create_member_account { organization_id: "o-abcdefghij"
          account_id: "222222222222" })"},
      {Line("org", {"invite", "o-abcdefghij", "333333333333"}, {{"parent", "ou-abcd-12345678"}}),
       R"(invite_account { organization_id: "o-abcdefghij" account_id: "333333333333"
          parent_id: "ou-abcd-12345678" })"},
      {Line("org", {"invite", "o-abcdefghij", "333333333333"}),
       R"(invite_account { organization_id: "o-abcdefghij" account_id: "333333333333" })"},
      {Line("org", {"move", "o-abcdefghij", "333333333333"}, {{"to", "r-abcd"}}),
       R"(move_account { organization_id: "o-abcdefghij" account_id: "333333333333"
          destination_parent_id: "r-abcd" })"},
      {Line("org", {"remove", "o-abcdefghij", "333333333333"}),
       R"(remove_account { organization_id: "o-abcdefghij" account_id: "333333333333" })"},
  };
  for (const WriteCase& c : cases) ExpectChange(c.line, c.want);
}

TEST_F(OrgCommandsTest, EveryScpSubcommandBuildsItsChange) {
  // The document is the file's bytes, escaped for text format.
  std::string doc;
  for (char ch : std::string(kPolicy)) {
    if (ch == '"' || ch == '\\') doc += '\\';
    doc += ch;
  }
  const std::vector<WriteCase> cases = {
      {Line("scp", {"create", "o-abcdefghij"},
            {{"name", "DenyCe"},
             {"file", policy_path_},
             {"id", "p-denyce01"},
             {"description", "no Cost Explorer"}}),
       R"(create_scp { organization_id: "o-abcdefghij" policy_id: "p-denyce01" name: "DenyCe"
          description: "no Cost Explorer" document: ")" +
           doc + R"(" })"},
      {Line("scp", {"create", "o-abcdefghij"}, {{"name", "DenyCe"}, {"file", policy_path_}}),
       R"(create_scp { organization_id: "o-abcdefghij" name: "DenyCe" document: ")" + doc +
           R"(" })"},
      {Line("scp", {"update", "o-abcdefghij", "p-denyce01"}, {{"name", "Renamed"}, {"etag", "4"}}),
       R"(update_scp { organization_id: "o-abcdefghij" policy_id: "p-denyce01" name: "Renamed"
          etag: "4" })"},
      {Line("scp", {"update", "o-abcdefghij", "p-denyce01"},
            {{"file", policy_path_}, {"description", "new"}}),
       R"(update_scp { organization_id: "o-abcdefghij" policy_id: "p-denyce01"
          description: "new" document: ")" +
           doc + R"(" })"},
      {Line("scp", {"delete", "o-abcdefghij", "p-denyce01"}, {{"etag", "5"}}),
       R"(delete_scp { organization_id: "o-abcdefghij" policy_id: "p-denyce01" etag: "5" })"},
      {Line("scp", {"delete", "o-abcdefghij", "p-denyce01"}),
       R"(delete_scp { organization_id: "o-abcdefghij" policy_id: "p-denyce01" })"},
      {Line("scp", {"attach", "o-abcdefghij", "p-denyce01", "ou-abcd-12345678"}),
       R"(attach_scp { organization_id: "o-abcdefghij" policy_id: "p-denyce01"
          target_id: "ou-abcd-12345678" })"},
      {Line("scp", {"detach", "o-abcdefghij", "p-FullAWSAccess", "222222222222"}),
       R"(detach_scp { organization_id: "o-abcdefghij" policy_id: "p-FullAWSAccess"
          target_id: "222222222222" })"},
  };
  for (const WriteCase& c : cases) ExpectChange(c.line, c.want);
}

TEST_F(OrgCommandsTest, ReadsAreToldApartFromWrites) {
  EXPECT_TRUE(IsOrgRead(Line("org", {"show", "o-abcdefghij"})));
  EXPECT_TRUE(IsOrgRead(Line("org", {"list"})));
  EXPECT_TRUE(IsOrgRead(Line("scp", {"list", "o-abcdefghij"})));
  EXPECT_FALSE(IsOrgRead(Line("scp", {"show", "o-abcdefghij"})));
  EXPECT_FALSE(IsOrgRead(Line("org", {"create", "111111111111"})));
  EXPECT_FALSE(IsOrgRead(Line("org", {})));
}

TEST_F(OrgCommandsTest, WrongWordCountsAreRefusedWithTheUsage) {
  ExpectInvalid(Line("org", {}), "usage: pdpctl org SUBCOMMAND");
  ExpectInvalid(Line("scp", {}), "usage: pdpctl scp SUBCOMMAND");
  ExpectInvalid(Line("org", {"create"}), "usage: pdpctl org create MANAGEMENT_ACCOUNT");
  ExpectInvalid(Line("org", {"create", "111111111111", "extra"}), "usage: pdpctl org create");
  ExpectInvalid(Line("org", {"set-scps", "o-abcdefghij"}), "set-scps ORG on|off");
  ExpectInvalid(Line("org", {"delete"}), "delete ORG");
  ExpectInvalid(Line("org", {"create-ou"}, {{"parent", "r-abcd"}, {"name", "x"}}), "create-ou");
  ExpectInvalid(Line("org", {"rename-ou", "o-abcdefghij"}, {{"name", "x"}}), "rename-ou ORG OU");
  ExpectInvalid(Line("org", {"delete-ou", "o-abcdefghij"}), "delete-ou ORG OU");
  ExpectInvalid(Line("org", {"create-account", "o-abcdefghij"}), "create-account ORG ACCOUNT");
  ExpectInvalid(Line("org", {"invite", "o-abcdefghij"}), "invite ORG ACCOUNT");
  ExpectInvalid(Line("org", {"move", "o-abcdefghij"}, {{"to", "r-abcd"}}), "move ORG ACCOUNT");
  ExpectInvalid(Line("org", {"remove", "o-abcdefghij"}), "remove ORG ACCOUNT");
  ExpectInvalid(Line("scp", {"create"}, {{"name", "x"}, {"file", policy_path_}}), "create ORG");
  ExpectInvalid(Line("scp", {"update", "o-abcdefghij"}, {{"name", "x"}}), "update ORG POLICY");
  ExpectInvalid(Line("scp", {"delete", "o-abcdefghij"}), "delete ORG POLICY");
  ExpectInvalid(Line("scp", {"attach", "o-abcdefghij", "p-denyce01"}), "attach ORG POLICY TARGET");
  ExpectInvalid(Line("scp", {"detach", "o-abcdefghij", "p-denyce01", "r-abcd", "more"}),
                "detach ORG POLICY TARGET");
}

TEST_F(OrgCommandsTest, UnknownSubcommandsAndFlagsAreRefused) {
  ExpectInvalid(Line("org", {"frobnicate", "o-abcdefghij"}), "unknown subcommand: org frobnicate");
  ExpectInvalid(Line("scp", {"show", "o-abcdefghij"}), "unknown subcommand: scp show");
  ExpectInvalid(Line("ou", {"create"}), "unknown command ou");
  ExpectInvalid(Line("org", {"create", "111111111111"}, {{"frob", "1"}}),
                "unknown flag --frob for org create");
  ExpectInvalid(Line("org", {"create-ou", "o-abcdefghij"},
                     {{"parent", "r-abcd"}, {"name", "x"}, {"to", "r-abcd"}}),
                "unknown flag --to");
  ExpectInvalid(Line("org", {"remove", "o-abcdefghij", "222222222222"}, {{"etag", "3"}}),
                "unknown flag --etag");
  ExpectInvalid(Line("scp", {"attach", "o-abcdefghij", "p-denyce01", "r-abcd"}, {{"etag", "3"}}),
                "unknown flag --etag");
  // Flags that would be silently ignored are refused: a create has no etag
  // to check, and only a create chooses the id.
  ExpectInvalid(Line("scp", {"create", "o-abcdefghij"},
                     {{"name", "x"}, {"file", policy_path_}, {"etag", "3"}}),
                "unknown flag --etag");
  ExpectInvalid(
      Line("scp", {"update", "o-abcdefghij", "p-denyce01"}, {{"name", "x"}, {"id", "p-other0001"}}),
      "unknown flag --id");
}

TEST_F(OrgCommandsTest, MissingRequiredFlagsAndBadValuesAreRefused) {
  ExpectInvalid(Line("org", {"create-ou", "o-abcdefghij"}, {{"name", "x"}}),
                "org create-ou needs --parent");
  ExpectInvalid(Line("org", {"create-ou", "o-abcdefghij"}, {{"parent", "r-abcd"}}),
                "org create-ou needs --name");
  ExpectInvalid(Line("org", {"rename-ou", "o-abcdefghij", "ou-abcd-12345678"}),
                "org rename-ou needs --name");
  ExpectInvalid(Line("org", {"move", "o-abcdefghij", "222222222222"}), "org move needs --to");
  ExpectInvalid(Line("scp", {"create", "o-abcdefghij"}, {{"file", policy_path_}}),
                "scp create needs --name");
  ExpectInvalid(Line("scp", {"create", "o-abcdefghij"}, {{"name", "x"}}),
                "scp create needs --file");
  ExpectInvalid(Line("scp", {"update", "o-abcdefghij", "p-denyce01"}, {{"etag", "2"}}),
                "scp update needs --name, --file or --description");
  ExpectInvalid(Line("scp", {"create", "o-abcdefghij"},
                     {{"name", "x"}, {"file", ::testing::TempDir() + "/no-such-file.json"}}),
                "cannot read");
  ExpectInvalid(Line("org", {"create", "111111111111"}, {{"scps", "yes"}}),
                "expected on or off, not \"yes\"");
  ExpectInvalid(Line("org", {"set-scps", "o-abcdefghij", "enabled"}), "expected on or off");
  ExpectInvalid(
      Line("org", {"create-account", "o-abcdefghij", "222222222222"}, {{"iam-access", "maybe"}}),
      "--iam-access is allow or deny");
}

// The help text and the parser agree: every subcommand kOrgUsage shows is
// one OrgChange or IsOrgRead knows.
TEST_F(OrgCommandsTest, EverySubcommandInTheUsageIsKnown) {
  const std::regex command(R"((org|scp) ([a-z-]+))");
  std::set<std::pair<std::string, std::string>> seen;
  const std::string usage = kOrgUsage;
  for (auto it = std::sregex_iterator(usage.begin(), usage.end(), command);
       it != std::sregex_iterator(); ++it) {
    seen.emplace((*it)[1].str(), (*it)[2].str());
  }
  EXPECT_EQ(seen.size(), 18u) << "org: create show list set-scps delete create-ou rename-ou "
                                 "delete-ou create-account invite move remove; scp: create "
                                 "update delete list attach detach";
  for (const auto& [group, sub] : seen) {
    SCOPED_TRACE(group + " " + sub);
    OrgCommandLine line = Line(group, {sub});
    if (IsOrgRead(line)) continue;
    absl::StatusOr<pdp::v1::Change> got = OrgChange(line);
    ASSERT_FALSE(got.ok());  // no arguments: a usage error, but not "unknown"
    EXPECT_THAT(std::string(got.status().message()), ::testing::Not(HasSubstr("unknown")));
  }
}

}  // namespace
}  // namespace pdpctl
