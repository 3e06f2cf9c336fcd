// pdpctl's command line through the real binary: every command's --help,
// usage errors (exit 2, the command's usage), an unreachable server (exit
// 3), JSON errors with the server's details, get / list, export that
// round-trips to the same decisions on a fresh server, and the bash
// completion script.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "billing_pdp/admin_client.h"
#include "billing_pdp/authorization_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/pdpctl.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Every command path pdpctl has. A command added without being listed here
// fails CompletionListsEveryCommand (the script is made from the parser).
const std::vector<std::string>& Commands() {
  static const auto* commands = new std::vector<std::string>{"authorize",
                                                             "explain",
                                                             "pages",
                                                             "who-can",
                                                             "what-if",
                                                             "apply",
                                                             "watch",
                                                             "settings",
                                                             "settings set-iam-access",
                                                             "settings set-cost-explorer",
                                                             "settings set-linked-access",
                                                             "validate",
                                                             "audit",
                                                             "org",
                                                             "org create",
                                                             "org show",
                                                             "org list",
                                                             "org set-scps",
                                                             "org delete",
                                                             "org create-ou",
                                                             "org rename-ou",
                                                             "org delete-ou",
                                                             "org create-account",
                                                             "org invite",
                                                             "org move",
                                                             "org remove",
                                                             "scp",
                                                             "scp create",
                                                             "scp update",
                                                             "scp delete",
                                                             "scp list",
                                                             "scp attach",
                                                             "scp detach",
                                                             "get",
                                                             "get account",
                                                             "get user",
                                                             "get group",
                                                             "get role",
                                                             "get role-session",
                                                             "get policy",
                                                             "get policy-version",
                                                             "get inline-policy",
                                                             "get organization",
                                                             "list",
                                                             "list accounts",
                                                             "list users",
                                                             "list groups",
                                                             "list roles",
                                                             "list role-sessions",
                                                             "list policies",
                                                             "list policy-versions",
                                                             "list inline-policies",
                                                             "list pages",
                                                             "list organizations",
                                                             "export",
                                                             "import",
                                                             "import aws-iam",
                                                             "import aws-organizations",
                                                             "test",
                                                             "completion",
                                                             "completion bash",
                                                             "help"};
  return *commands;
}

std::vector<std::string> Words(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(path);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// pdpctl without a server (usage, help, completion).
int Pdp(std::vector<std::string> args, std::string* out) {
  return RunPdpctl(nullptr, std::move(args), out);
}

TEST(PdpctlCli, EveryCommandHasItsOwnHelp) {
  std::string out;
  for (const std::string& path : Commands()) {
    std::vector<std::string> args = Words(path);
    args.push_back("--help");
    EXPECT_EQ(Pdp(args, &out), 0) << path << "\n" << out;
    EXPECT_THAT(out, HasSubstr("Usage: pdpctl " + path)) << path;
  }
  EXPECT_EQ(Pdp({"--help"}, &out), 0);
  EXPECT_THAT(out, HasSubstr("exit status: 0 ok"));
  EXPECT_EQ(Pdp({"help"}, &out), 0);
  EXPECT_THAT(out, HasSubstr("Global flags"));
}

TEST(PdpctlCli, UsageErrorsAreExitTwoWithTheCommandsUsage) {
  std::string out;
  // An unknown global flag before the command is refused, not skipped over.
  EXPECT_EQ(Pdp({"--foo", "authorize", "x"}, &out), 2) << out;
  EXPECT_THAT(out, HasSubstr("--foo"));
  EXPECT_EQ(Pdp({"authorize", "arn:aws:iam::111111111111:root", "--page", "p", "--bogus"}, &out),
            2);
  EXPECT_THAT(out, HasSubstr("--bogus"));
  EXPECT_THAT(out, HasSubstr("Usage: pdpctl authorize [OPTIONS] PRINCIPAL"));
  EXPECT_THAT(out, Not(HasSubstr("Subcommands:")));  // short: not the whole help
  // Missing argument, value outside its set, neither --page nor --action,
  // a flag given twice, an unknown command, no command, a bad --output.
  EXPECT_EQ(Pdp({"authorize", "--page", "billing_bills"}, &out), 2) << out;
  EXPECT_THAT(out, HasSubstr("PRINCIPAL"));
  EXPECT_EQ(Pdp({"authorize", "arn:aws:iam::1:root", "--page", "p", "--access", "EDIT"}, &out), 2);
  EXPECT_EQ(Pdp({"authorize", "arn:aws:iam::111111111111:root"}, &out), 2);
  EXPECT_THAT(out, HasSubstr("give either --page ID or --action"));
  EXPECT_THAT(out, HasSubstr("Usage: pdpctl authorize"));
  EXPECT_EQ(Pdp({"org", "move", "o-x", "1", "--to", "a", "--to", "b"}, &out), 2) << out;
  EXPECT_THAT(out, HasSubstr("--to"));
  EXPECT_THAT(out, HasSubstr("Usage: pdpctl org move"));
  EXPECT_EQ(Pdp({"frobnicate"}, &out), 2);
  EXPECT_EQ(Pdp({}, &out), 2);
  EXPECT_EQ(Pdp({"list"}, &out), 2);
  EXPECT_THAT(out, HasSubstr("Usage: pdpctl list"));
  EXPECT_EQ(Pdp({"--output", "yaml", "list", "accounts"}, &out), 2);
  EXPECT_EQ(Pdp({"--timeout", "0", "list", "accounts"}, &out), 2);
  EXPECT_EQ(Pdp({"list", "policies", "aws", "--page-size", "0"}, &out), 2);
}

TEST(PdpctlCli, UnreachableServerIsExitThree) {
  std::string out;
  for (const std::vector<std::string>& command : std::vector<std::vector<std::string>>{
           {"list", "accounts"}, {"get", "account", "111111111111"}, {"export"}, {"org", "list"}}) {
    std::vector<std::string> args = {"--server", "127.0.0.1:1", "--timeout", "500"};
    args.insert(args.end(), command.begin(), command.end());
    EXPECT_EQ(Pdp(args, &out), 3) << command[0] << "\n" << out;
  }
  EXPECT_EQ(Pdp({"--server", "127.0.0.1:1", "--timeout", "500", "--output", "json", "authorize",
                 "arn:aws:iam::111111111111:root", "--page", "billing_bills"},
                &out),
            3);
  auto json = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << out;
  EXPECT_EQ(json["error"]["code"], "UNAVAILABLE");
}

TEST(PdpctlCli, CompletionListsEveryCommand) {
  std::string script;
  ASSERT_EQ(Pdp({"completion", "bash"}, &script), 0) << script;
  const std::string path = TestTempPath("pdpctl-completion.bash");
  std::ofstream(path) << script;
  std::string out;
  EXPECT_EQ(RunCommand({"/bin/bash", "-n", path}, &out), 0) << out;
  for (const std::string& command : Commands()) {
    EXPECT_THAT(script, HasSubstr("\"" + command + "\")")) << command;
  }
  // And it completes: after `pdpctl org` it offers org's subcommands, after
  // `pdpctl authorize X --pa` the flag, after `--output` text and json.
  auto complete = [&](const std::string& words, int cword) {
    std::string shell = "source " + path + "; COMP_WORDS=(" + words +
                        "); COMP_CWORD=" + std::to_string(cword) +
                        "; _pdpctl; echo \"${COMPREPLY[*]}\"";
    std::string reply;
    EXPECT_EQ(RunCommand({"/bin/bash", "-c", shell}, &reply), 0) << reply;
    return reply;
  };
  EXPECT_THAT(complete("pdpctl org ''", 2), HasSubstr("create-ou"));
  EXPECT_THAT(complete("pdpctl --server h:1 org ''", 4), HasSubstr("create-ou"));
  EXPECT_THAT(complete("pdpctl authorize arn --pa", 3), HasSubstr("--page"));
  EXPECT_THAT(complete("pdpctl list ''", 2), HasSubstr("organizations"));
  EXPECT_THAT(complete("pdpctl --output ''", 2), HasSubstr("json"));
  EXPECT_THAT(complete("pdpctl ''", 1), HasSubstr("export"));
}

// pdpctl against a server with the demo world.
class PdpctlDemoTest : public PdpctlServerTest {
 protected:
  PdpctlDemoTest() : PdpctlServerTest({"--world", SourcePath("data/demo-world.yaml")}) {}

  nlohmann::json Json(std::vector<std::string> args, int want_exit = 0) {
    args.push_back("--output");
    args.push_back("json");
    std::string out;
    EXPECT_EQ(Pdpctl(args, &out), want_exit) << out;
    auto json = nlohmann::json::parse(out, nullptr, false);
    EXPECT_FALSE(json.is_discarded()) << out;
    return json;
  }
};

TEST_F(PdpctlDemoTest, JsonErrorsCarryTheServersDetails) {
  // The server's INVALID_ARGUMENT: exit 2, the BadRequest field.
  nlohmann::json e = Json({"authorize", "not-an-arn", "--page", "billing_bills"}, 2);
  EXPECT_EQ(e["error"]["code"], "INVALID_ARGUMENT");
  EXPECT_THAT(e["error"]["field"].get<std::string>(), HasSubstr("principal"));
  EXPECT_FALSE(e["error"]["message"].get<std::string>().empty());
  // A refusal with an ErrorInfo reason: exit 4.
  e = Json({"settings", "set-iam-access", "222222222222", "on", "--actor",
            "arn:aws:iam::222222222222:user/admin"},
           4);
  EXPECT_EQ(e["error"]["code"], "PERMISSION_DENIED");
  EXPECT_EQ(e["error"]["reason"], "ROOT_USER_REQUIRED");
  // NOT_FOUND names the field; every key is there even when empty.
  e = Json({"get", "user", "arn:aws:iam::111111111111:user/nobody"}, 4);
  EXPECT_EQ(e["error"]["code"], "NOT_FOUND");
  EXPECT_EQ(e["error"]["field"], "name");
  EXPECT_EQ(e["error"]["reason"], "");
  EXPECT_EQ(e["error"]["fields"], nlohmann::json::array({"name"}));
  // A DENY is exit 1, not an error.
  std::string out;
  EXPECT_EQ(Pdpctl({"authorize", "arn:aws:iam::222222222222:user/admin", "--page", "billing_bills"},
                   &out),
            1)
      << out;
}

TEST_F(PdpctlDemoTest, GetAndListEveryKind) {
  nlohmann::json accounts = Json({"list", "accounts"});
  ASSERT_EQ(accounts["accounts"].size(), 3u) << accounts.dump();
  EXPECT_EQ(accounts["revision"], "1");  // int64: a string, as proto3 JSON says
  EXPECT_EQ(accounts["next_page_token"], "");
  // One account a page: the same listing, every page followed.
  EXPECT_EQ(Json({"list", "accounts", "--page-size", "1"})["accounts"], accounts["accounts"]);
  nlohmann::json aws = Json({"list", "policies", "aws"});
  EXPECT_GT(aws["policies"].size(), 2u);
  EXPECT_EQ(Json({"list", "policies", "aws", "--page-size", "2"})["policies"], aws["policies"]);

  nlohmann::json users = Json({"list", "users", "111111111111"});
  std::set<std::string> arns;
  for (const auto& u : users["users"]) arns.insert(u["arn"]);
  EXPECT_TRUE(arns.count("arn:aws:iam::111111111111:user/admin")) << users.dump();
  // Empty lists are [] (always printed), not missing.
  nlohmann::json none = Json({"list", "users", "333333333333"});
  EXPECT_TRUE(none["users"].is_array());
  EXPECT_TRUE(Json({"list", "organizations"})["organizations"].is_array());

  EXPECT_EQ(Json({"get", "account", "222222222222"})["settings"]["iam_access_to_billing"], false);
  nlohmann::json admin = Json({"get", "user", "arn:aws:iam::111111111111:user/admin"});
  EXPECT_EQ(admin["attached_policies"],
            nlohmann::json::array({"arn:aws:iam::aws:policy/AdministratorAccess"}));
  EXPECT_EQ(admin["groups"], nlohmann::json::array());
  const std::string group = "arn:aws:iam::111111111111:group/readers";
  EXPECT_EQ(Json({"get", "group", group})["arn"], group);
  EXPECT_EQ(Json({"list", "groups", "111111111111"})["groups"].size(), 2u);
  EXPECT_EQ(Json({"list", "inline-policies", group})["policies"][0]["name"],
            "reports-and-forecasts");
  EXPECT_EQ(Json({"get", "inline-policy", group, "reports-and-forecasts"})["name"],
            "reports-and-forecasts");
  const std::string policy = "arn:aws:iam::111111111111:policy/DenyPaymentMethods";
  EXPECT_EQ(Json({"get", "policy", policy})["arn"], policy);
  EXPECT_EQ(Json({"list", "policy-versions", policy})["versions"][0]["version_id"], "v1");
  EXPECT_THAT(Json({"get", "policy-version", policy, "v1"})["document"].get<std::string>(),
              HasSubstr("DenyPaymentMethods"));
  EXPECT_TRUE(Json({"list", "roles", "111111111111"})["roles"].is_array());
  EXPECT_EQ(Json({"list", "pages"})["pages"].size(), 42u);

  // Text: one line an item and a count.
  std::string out;
  ASSERT_EQ(Pdpctl({"list", "accounts"}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("222222222222  etag "));
  EXPECT_THAT(out, HasSubstr("(3 accounts, revision 1)"));
  // Role sessions (the demo world has none): one applied, then read.
  EXPECT_EQ(Json({"list", "role-sessions", "111111111111"})["sessions"], nlohmann::json::array());
  const std::string session = "arn:aws:sts::111111111111:assumed-role/FinanceAuditor/close";
  const std::string sessions_file = TestTempPath("session.yaml");
  std::ofstream(sessions_file) << "role_sessions:\n  - arn: " << session
                               << "\n    policy_arns: [arn:aws:iam::aws:policy/"
                                  "AWSBillingReadOnlyAccess]\n    tags: {team: close}\n";
  Json({"apply", sessions_file});
  nlohmann::json got = Json({"get", "role-session", session, "--min-revision", "2"});
  EXPECT_EQ(got["arn"], session);
  EXPECT_EQ(got["tags"]["team"], "close");
  EXPECT_EQ(Json({"list", "role-sessions", "111111111111", "--page-size", "1"})["sessions"],
            nlohmann::json::array({got}));
  EXPECT_EQ(Json({"get", "role-session", session + "x"}, 4)["error"]["code"], "NOT_FOUND");
  // Read your writes: --min-revision waits for a revision (here: one ahead
  // of the server, so the call times out: no answer, exit 3).
  EXPECT_EQ(Pdpctl({"--timeout", "300", "list", "accounts", "--min-revision", "5"}, &out), 3)
      << out;
}

TEST_F(PdpctlDemoTest, ApplyAndOrgWritesPrintTheApplyResponse) {
  const std::string path = TestTempPath("one-user.yaml");
  std::ofstream(path) << "users:\n  - arn: arn:aws:iam::111111111111:user/new\n";
  nlohmann::json applied = Json({"apply", path});
  EXPECT_EQ(applied["revision"], "2");
  ASSERT_EQ(applied["results"].size(), 1u) << applied.dump();
  EXPECT_EQ(applied["results"][0]["name"], "arn:aws:iam::111111111111:user/new");
  EXPECT_EQ(applied["results"][0]["unchanged"], false);
  EXPECT_EQ(applied["replayed"], false);
  nlohmann::json org = Json({"org", "create", "111111111111", "--id", "o-clitest0001"});
  EXPECT_EQ(org["results"][0]["name"], "o-clitest0001");
  EXPECT_EQ(org["revision"], "3");
}

// Every (account, page, access) WhoCan answer of a server, principals and
// decisions, ignoring revisions.
std::map<std::string, std::string> Decisions(const ServerProcess& server) {
  ClientOptions options;
  options.target = server.address();
  options.timeout = std::chrono::seconds(10);
  AuthorizationClient client(options);
  AdminClient admin(options);
  std::map<std::string, std::string> out;
  v1::ListRequest list;
  auto accounts = admin.Call(&AdminClient::Stub::ListAccounts, list);
  EXPECT_TRUE(accounts.ok()) << accounts.status();
  auto pages = client.ListPages();
  EXPECT_TRUE(pages.ok()) << pages.status();
  if (!accounts.ok() || !pages.ok()) return out;
  EXPECT_FALSE(accounts->next_page_token().size() > 0);  // all in one page here
  for (const auto& account : accounts->accounts()) {
    for (const auto& page : pages->pages()) {
      for (v1::Access access : {v1::VIEW, v1::MODIFY}) {
        WhoCanQuery q;
        q.account_id = account.id();
        q.page_id = page.id();
        q.access = access;
        q.include_denied = true;
        std::string answer;
        do {
          auto r = client.WhoCan(q);
          EXPECT_TRUE(r.ok()) << r.status();
          if (!r.ok()) break;
          for (const auto& p : r->principals()) {
            absl::StrAppend(&answer, p.principal(), " ", v1::Effect_Name(p.decision().effect()),
                            " ", v1::Reason_Name(p.decision().reason()), "\n");
          }
          q.page_token = r->next_page_token();
        } while (!q.page_token.empty());
        out[absl::StrCat(account.id(), " ", page.id(), " ", v1::Access_Name(access))] = answer;
      }
    }
  }
  return out;
}

// The export minus its first line (which names the revision).
std::string Body(const std::string& path) {
  std::ifstream in(path);
  std::string first;
  std::getline(in, first);
  std::stringstream rest;
  rest << in.rdbuf();
  return rest.str();
}

// Exports the world of a server started with `world` (a path), applies the
// file to a fresh server and expects the same WhoCan answers there and the
// same export again; `also` checks more on the two servers.
void ExpectRoundTrip(
    const std::string& world,
    const std::function<void(const ServerProcess& source, const ServerProcess& fresh)>& also = {}) {
  ServerProcess source({"--world", world});
  ASSERT_TRUE(source.ok()) << source.log();
  const std::string exported = TestTempPath("exported.yaml");
  std::string out;
  ASSERT_EQ(RunPdpctl(source, {"export", "-o", exported}, &out), 0) << out;
  ServerProcess fresh({});
  ASSERT_TRUE(fresh.ok()) << fresh.log();
  ASSERT_EQ(RunPdpctl(fresh, {"apply", exported}, &out), 0) << out;
  const auto before = Decisions(source), after = Decisions(fresh);
  ASSERT_GT(before.size(), 80u);  // accounts x 42 pages x 2
  int allowed = 0;
  for (const auto& [key, answer] : before) {
    EXPECT_EQ(after.count(key) ? after.at(key) : "(missing)", answer) << key;
    allowed += answer.find(" ALLOW ") != std::string::npos ? 1 : 0;
  }
  EXPECT_GT(allowed, 0);  // the comparison is of worlds where someone gets in
  EXPECT_EQ(after.size(), before.size());
  // Exported again, the fresh server's world reads the same.
  const std::string again = TestTempPath("exported-again.yaml");
  ASSERT_EQ(RunPdpctl(fresh, {"export", "-o", again}, &out), 0) << out;
  EXPECT_EQ(Body(again), Body(exported));
  if (also) also(source, fresh);
}

TEST(PdpctlExport, DemoWorldRoundTrips) { ExpectRoundTrip(SourcePath("data/demo-world.yaml")); }

TEST(PdpctlExport, OrganizationWorldRoundTrips) {
  ExpectRoundTrip(SourcePath("data/demo-org-world.yaml"));
}

// What a world file can say beyond the demo worlds, each part of it changing
// decisions when lost: a role session whose session policies narrow its
// role's (lost: the session is missing from WhoCan, or has the role's
// access), a user whose access depends on its unique id through aws:userid
// (a made-up id denies), and a policy whose default version is not its
// newest (the newest as default denies; a lost version shows in
// ListPolicyVersions).
constexpr char kLosslessWorld[] = R"(accounts:
  - id: "111111111111"
    name: lossless
    iam_access_to_billing: true
managed_policies:
  - arn: arn:aws:iam::111111111111:policy/OnlyTheRealAlice
    document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "*", Resource: "*",
      Condition: {StringEquals: {"aws:userid": AIDAEXPORTTESTALICE01}}}]}
  - arn: arn:aws:iam::111111111111:policy/Versioned
    description: v1 is the default, v2 a draft
    versions:
      - {version_id: v1, is_default: true,
         document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}}
      - {version_id: v2, is_default: false,
         document: {Version: "2012-10-17", Statement: [{Effect: Deny, Action: "*", Resource: "*"}]}}
users:
  - arn: arn:aws:iam::111111111111:user/alice
    attached_policies: [arn:aws:iam::111111111111:policy/OnlyTheRealAlice]
    unique_id: AIDAEXPORTTESTALICE01
  - arn: arn:aws:iam::111111111111:user/bob
    attached_policies: [arn:aws:iam::111111111111:policy/Versioned]
roles:
  - arn: arn:aws:iam::111111111111:role/Admin
    attached_policies: [arn:aws:iam::aws:policy/AdministratorAccess]
    unique_id: AROAEXPORTTESTADMIN01
role_sessions:
  - arn: arn:aws:sts::111111111111:assumed-role/Admin/read-only
    policy_arns: [arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess]
    policy: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "ce:Get*", Resource: "*"}]}
    tags: {purpose: audit}
)";

TEST(PdpctlExport, SessionsUniqueIdsAndPolicyVersionsRoundTrip) {
  const std::string world = TestTempPath("lossless-world.yaml");
  std::ofstream(world) << kLosslessWorld;
  ExpectRoundTrip(world, [](const ServerProcess& source, const ServerProcess& fresh) {
    ClientOptions from, to;
    from.target = source.address();
    to.target = fresh.address();
    from.timeout = to.timeout = std::chrono::seconds(10);
    using Stub = AdminClient::Stub;
    for (const char* arn :
         {"arn:aws:iam::111111111111:user/alice", "arn:aws:iam::111111111111:user/bob"}) {
      v1::GetRequest get;
      get.set_name(arn);
      auto a = AdminClient(from).Call(&Stub::GetUser, get);
      auto b = AdminClient(to).Call(&Stub::GetUser, get);
      ASSERT_TRUE(a.ok() && b.ok()) << a.status() << b.status();
      EXPECT_FALSE(a->unique_id().empty());
      EXPECT_EQ(b->unique_id(), a->unique_id()) << arn;  // bob's made-up one too
    }
    v1::GetRequest get;
    get.set_name("arn:aws:iam::111111111111:role/Admin");
    auto role = AdminClient(to).Call(&Stub::GetRole, get);
    ASSERT_TRUE(role.ok()) << role.status();
    EXPECT_EQ(role->unique_id(), "AROAEXPORTTESTADMIN01");
    get.set_name("arn:aws:iam::111111111111:policy/Versioned");
    auto a = AdminClient(from).Call(&Stub::ListPolicyVersions, get);
    auto b = AdminClient(to).Call(&Stub::ListPolicyVersions, get);
    ASSERT_TRUE(a.ok() && b.ok()) << a.status() << b.status();
    ASSERT_EQ(b->versions_size(), 2);
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(b->versions(i).version_id(), a->versions(i).version_id());
      EXPECT_EQ(b->versions(i).is_default(), a->versions(i).is_default());
      EXPECT_EQ(b->versions(i).document(), a->versions(i).document());
    }
    EXPECT_TRUE(b->versions(0).is_default());
    get.set_name("arn:aws:sts::111111111111:assumed-role/Admin/read-only");
    auto sa = AdminClient(from).Call(&Stub::GetRoleSession, get);
    auto sb = AdminClient(to).Call(&Stub::GetRoleSession, get);
    ASSERT_TRUE(sa.ok() && sb.ok()) << sa.status() << sb.status();
    EXPECT_EQ(sb->policy_arns_size(), 1);
    EXPECT_EQ(sb->policy(), sa->policy());
    EXPECT_EQ(sb->tags().at("purpose"), "audit");
  });
}

// The world the lossless test compares really tells the parts apart: the
// session is more limited than its role, alice is allowed only with her id,
// bob by the default version.
TEST(PdpctlExport, LosslessWorldDependsOnEachPart) {
  const std::string world = TestTempPath("lossless-world.yaml");
  std::ofstream(world) << kLosslessWorld;
  ServerProcess server({"--world", world});
  ASSERT_TRUE(server.ok()) << server.log();
  ClientOptions options;
  options.target = server.address();
  options.timeout = std::chrono::seconds(10);
  AuthorizationClient client(options);
  auto decide = [&](const std::string& principal, v1::Access access) -> std::string {
    PageQuery q{principal, "billing_preferences"};
    q.access = access;
    auto r = client.Authorize(q);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? (r->allowed ? "ALLOW" : "DENY") : "error";
  };
  EXPECT_EQ(decide("arn:aws:iam::111111111111:user/alice", v1::VIEW), "ALLOW");
  EXPECT_EQ(decide("arn:aws:iam::111111111111:user/bob", v1::VIEW), "ALLOW");
  EXPECT_EQ(decide("arn:aws:iam::111111111111:role/Admin", v1::MODIFY), "ALLOW");
  EXPECT_EQ(decide("arn:aws:sts::111111111111:assumed-role/Admin/read-only", v1::VIEW), "ALLOW");
  EXPECT_EQ(decide("arn:aws:sts::111111111111:assumed-role/Admin/read-only", v1::MODIFY), "DENY");
}

TEST(PdpctlExport, NamesTheRevisionAndWritesStandardOutput) {
  ServerProcess server({"--world", SourcePath("data/demo-org-world.yaml")});
  ASSERT_TRUE(server.ok()) << server.log();
  std::string out;
  ASSERT_EQ(RunPdpctl(server, {"export"}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("exported by pdpctl at revision 1\n"));
  EXPECT_THAT(out, HasSubstr("joined: created"));
  EXPECT_THAT(out, HasSubstr("{policy: \"p-FullAWSAccess\", target: \"ou-demo-engineer\"}"));
}

}  // namespace
}  // namespace pdp::testing
