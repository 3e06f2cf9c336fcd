// `pdpctl test` as a user and a CI job run it: offline against the engine
// (the whole decision corpus, the README's example), against a real server,
// failures with their trace, JUnit XML read back by a real XML parser, and
// bad files refused with the JSON path of the problem.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

int Pdpctl(std::vector<std::string> args, std::string* out) {
  args.insert(args.begin(), BinaryPath("client/pdpctl"));
  out->clear();
  return RunCommand(args, out);
}

// A file of its own for this test process (CTest runs cases side by side).
std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/pdpctl-test-" + std::to_string(getpid()) + "-" + name;
}

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = TempPath(name);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  return path;
}

bool Has(const std::string& out, const std::string& what) {
  return out.find(what) != std::string::npos;
}

std::vector<std::string> CorpusFiles() {
  std::vector<std::string> files;
  for (const char* f :
       {"01-resolve-and-errors.json", "02-root-user.json", "03-iam-access-gate.json",
        "04-identity-policies.json", "05-action-sets.json", "06-every-page-view.json",
        "07-page-groups-readonly.json", "08-modify-readonly-pages.json",
        "09-roles-groups-managed-policies.json", "10-demo-world.json",
        "11-sessions-and-partitions.json", "12-conditions.json", "13-variables.json",
        "14-boundaries-and-sessions.json", "15-request-context.json",
        "16-tag-case-and-resource-variables.json", "17-organizations.json",
        "18-hostile-context.json", "19-explicit-deny-order-and-time.json"}) {
    files.push_back(SourcePath(std::string("tests/corpus/") + f));
  }
  return files;
}

// An inline world: a user whose only allow needs aws:SourceIp, and an
// administrator; cases 1 and 2 are wrong on purpose.
constexpr char kFailingFile[] = R"({
  "world": {
    "accounts": [{"id": "123456789012", "iam_access_to_billing": true}],
    "users": [
      {"arn": "arn:aws:iam::123456789012:user/office",
       "inline_policies": [{"name": "office-only", "document": {"Version": "2012-10-17",
         "Statement": [{"Sid": "FromTheOffice", "Effect": "Allow", "Action": "budgets:ViewBudget",
                        "Resource": "*",
                        "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}}]},
      {"arn": "arn:aws:iam::123456789012:user/admin",
       "attached_policies": ["arn:aws:iam::aws:policy/AdministratorAccess"]}
    ]
  },
  "cases": [
    {"name": "from the office",
     "request": {"principal": "arn:aws:iam::123456789012:user/office",
                 "action": "budgets:ViewBudget", "context": {"aws:SourceIp": "10.1.2.3"}},
     "expect": {"effect": "ALLOW", "reason": "ALLOWED_BY_POLICY",
                "statement": "arn:aws:iam::123456789012:user/office#inline/office-only#FromTheOffice"}},
    {"name": "wrong on purpose: no source IP <is> \"allowed\" & more",
     "request": {"principal": "arn:aws:iam::123456789012:user/office",
                 "action": "budgets:ViewBudget"},
     "expect": {"effect": "ALLOW", "reason": "ALLOWED_BY_POLICY"}},
    {"name": "wrong on purpose: a statement that did not decide",
     "request": {"principal": "arn:aws:iam::123456789012:user/admin",
                 "action": "budgets:ViewBudget"},
     "expect": {"effect": "ALLOW", "reason": "ALLOWED_BY_POLICY",
                "statement": "arn:aws:iam::aws:policy/AdministratorAccess#NoSuchSid"}}
  ]
})";

void ExpectFailingFileReport(const std::string& out, const std::string& path) {
  EXPECT_TRUE(Has(out, "FAIL  " + path + " cases[1]: wrong on purpose: no source IP")) << out;
  EXPECT_TRUE(Has(out, "expected: ALLOW (ALLOWED_BY_POLICY)")) << out;
  EXPECT_TRUE(Has(out, "got:      DENY (IMPLICIT_DENY)")) << out;
  // The trace: gates, the statement a condition kept out, the clause, the missing key.
  EXPECT_TRUE(Has(out, "gate identity_policies")) << out;
  EXPECT_TRUE(Has(out, "budgets:ViewBudget on * (identity): DENY")) << out;
  EXPECT_TRUE(Has(out,
                  "no      arn:aws:iam::123456789012:user/office#inline/office-only#FromTheOffice "
                  "(identity, ALLOW)"))
      << out;
  EXPECT_TRUE(Has(out, "IpAddress aws:SourceIp: false (key missing from the request)")) << out;
  EXPECT_TRUE(Has(out, "context keys read but missing from the request: aws:SourceIp")) << out;
  // The statement expectation: what did apply instead.
  EXPECT_TRUE(Has(out, "FAIL  " + path + " cases[2]: wrong on purpose: a statement")) << out;
  EXPECT_TRUE(Has(out,
                  "statement arn:aws:iam::aws:policy/AdministratorAccess#NoSuchSid did not apply "
                  "with effect ALLOW; applied: arn:aws:iam::aws:policy/AdministratorAccess#0"))
      << out;
  EXPECT_FALSE(Has(out, "cases[0]")) << "a passing case is listed only with --verbose\n" << out;
  EXPECT_TRUE(Has(out, "1 passed, 2 failed, 0 errors (3 cases in 1 file")) << out;
}

TEST(PdpctlTestCommand, TheWholeCorpusPassesOffline) {
  size_t cases = 0;
  for (const std::string& f : CorpusFiles()) {
    std::ifstream in(f);
    auto doc = nlohmann::json::parse(in, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << f;
    cases += doc["cases"].size();
  }
  std::vector<std::string> args = {"test", "--offline"};
  for (const std::string& f : CorpusFiles()) args.push_back(f);
  std::string out;
  EXPECT_EQ(Pdpctl(args, &out), 0) << out;
  EXPECT_TRUE(Has(out, std::to_string(cases) + " passed, 0 failed, 0 errors (" +
                           std::to_string(cases) + " cases in 19 files, offline)"))
      << out;
}

TEST(PdpctlTestCommand, TheExamplePassesAgainstTheDemoWorld) {
  std::string out;
  // Its own world_file, and the same world named with --world.
  EXPECT_EQ(Pdpctl({"test", "--offline", SourcePath("examples/decision-tests.json")}, &out), 0)
      << out;
  EXPECT_TRUE(Has(out, "7 passed, 0 failed, 0 errors")) << out;
  EXPECT_EQ(Pdpctl({"test", "--world", SourcePath("data/demo-world.yaml"), "--verbose",
                    SourcePath("examples/decision-tests.json")},
                   &out),
            0)
      << out;
  EXPECT_TRUE(Has(out, "ok    " + SourcePath("examples/decision-tests.json") +
                           " cases[2]: the auditor never sees payment methods"))
      << out;

  // Against a server holding the demo world: the same answers, statement
  // included (through Explain).
  ServerProcess server({"--world", SourcePath("data/demo-world.yaml")});
  ASSERT_TRUE(server.ok()) << server.log();
  EXPECT_EQ(
      Pdpctl({"test", "--server", server.address(), SourcePath("examples/decision-tests.json")},
             &out),
      0)
      << out;
  EXPECT_TRUE(Has(out, "7 passed, 0 failed, 0 errors (7 cases in 1 file, against the server)"))
      << out;
  // The file's world is not what is tested against a server: it says so.
  EXPECT_TRUE(Has(out, "names a world; against a server it is not applied")) << out;
}

TEST(PdpctlTestCommand, OfflineFailuresShowTheTraceAndExitOne) {
  const std::string path = Write("failing.json", kFailingFile);
  std::string out;
  EXPECT_EQ(Pdpctl({"test", "--offline", path}, &out), 1) << out;
  ExpectFailingFileReport(out, path);
}

TEST(PdpctlTestCommand, AgainstAServerTheServersStateIsTested) {
  // The server holds the demo world, not the file's: the file's cases about
  // its own inline world meet UNKNOWN_PRINCIPAL there.
  ServerProcess demo({"--world", SourcePath("data/demo-world.yaml")});
  ASSERT_TRUE(demo.ok()) << demo.log();
  const std::string path = Write("server-failing.json", kFailingFile);
  std::string out;
  EXPECT_EQ(Pdpctl({"test", "--server", demo.address(), path}, &out), 1) << out;
  EXPECT_TRUE(Has(out, "got:      DENY (UNKNOWN_PRINCIPAL)")) << out;
  EXPECT_TRUE(Has(out, "gate resolve")) << out;  // the trace came through Explain
  EXPECT_TRUE(Has(out, "0 passed, 3 failed, 0 errors (3 cases in 1 file, against the server)"))
      << out;

  // A server that holds the file's world: the same report as offline.
  const std::string world =
      Write("server-world.json", nlohmann::json::parse(kFailingFile)["world"].dump());
  ServerProcess own({"--world", world});
  ASSERT_TRUE(own.ok()) << own.log();
  EXPECT_EQ(Pdpctl({"test", "--server", own.address(), path}, &out), 1) << out;
  ExpectFailingFileReport(out, path);
}

TEST(PdpctlTestCommand, TheExplicitDenyCorpusPassesAgainstAServerHoldingItsWorld) {
  // Statements named through Explain: identity, boundary, session and SCP.
  const std::string corpus = SourcePath("tests/corpus/19-explicit-deny-order-and-time.json");
  std::ifstream in(corpus);
  auto doc = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  ServerProcess server({"--world", Write("explicit-deny-world.json", doc["world"].dump())});
  ASSERT_TRUE(server.ok()) << server.log();
  std::string out;
  EXPECT_EQ(Pdpctl({"test", "--server", server.address(), corpus}, &out), 0) << out;
  EXPECT_TRUE(Has(out, std::to_string(doc["cases"].size()) + " passed, 0 failed, 0 errors")) << out;
}

TEST(PdpctlTestCommand, ARefusedCallIsAnErrorAndExitFour) {
  // Callers configured: Explain (behind the example's "statement" case)
  // needs a reader; an anonymous caller may only Authorize.
  const std::string token = Write("admin.token", "policy-test-admin-token-0123456789");
  ServerProcess server(
      {"--world", SourcePath("data/demo-world.yaml"), "--admin-token-file", token});
  ASSERT_TRUE(server.ok()) << server.log();
  const std::string example = SourcePath("examples/decision-tests.json");
  std::string out;
  EXPECT_EQ(Pdpctl({"test", "--server", server.address(), example}, &out), 4) << out;
  EXPECT_TRUE(Has(out, "ERROR " + example + " cases[2]: the auditor never sees payment methods"))
      << out;
  EXPECT_TRUE(Has(out, "Explain failed: UNAUTHENTICATED")) << out;
  EXPECT_TRUE(Has(out, "6 passed, 0 failed, 1 errors")) << out;
  // With the token the same file passes.
  EXPECT_EQ(Pdpctl({"test", "--server", server.address(), "--token-file", token, example}, &out), 0)
      << out;
}

TEST(PdpctlTestCommand, UnreachableServerIsExitThree) {
  const std::string path = SourcePath("examples/decision-tests.json");
  std::string out;
  EXPECT_EQ(Pdpctl({"test", "--server", "127.0.0.1:1", "--timeout", "2000", path}, &out), 3) << out;
  EXPECT_TRUE(Has(out, "UNAVAILABLE")) << out;
}

TEST(PdpctlTestCommand, JUnitXmlIsWellFormedAndComplete) {
  const std::string path = Write("junit-cases.json", kFailingFile);
  const std::string xml = TempPath("report.xml");
  std::string out;
  ASSERT_EQ(Pdpctl({"test", "--offline", "--junit", xml, path}, &out), 1) << out;
  // Read back by Python's XML parser, summarized as JSON for the checks.
  const std::string script = Write("read-junit.py", R"(import json, sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
out = {"tag": root.tag, "attrib": root.attrib, "suites": []}
for s in root:
    suite = {"tag": s.tag, "attrib": s.attrib, "cases": []}
    for c in s:
        case = {"tag": c.tag, "attrib": c.attrib, "children": []}
        for f in c:
            case["children"].append({"tag": f.tag, "attrib": f.attrib, "text": f.text or ""})
        suite["cases"].append(case)
    out["suites"].append(suite)
print(json.dumps(out))
)");
  std::string summary;
  ASSERT_EQ(RunCommand({"/usr/bin/python3", script, xml}, &summary), 0) << summary;
  auto doc = nlohmann::json::parse(summary, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << summary;
  EXPECT_EQ(doc["tag"], "testsuites");
  EXPECT_EQ(doc["attrib"]["tests"], "3");
  EXPECT_EQ(doc["attrib"]["failures"], "2");
  EXPECT_EQ(doc["attrib"]["errors"], "0");
  ASSERT_EQ(doc["suites"].size(), 1u);
  const auto& suite = doc["suites"][0];
  EXPECT_EQ(suite["tag"], "testsuite");
  EXPECT_EQ(suite["attrib"]["name"], path);
  EXPECT_EQ(suite["attrib"]["tests"], "3");
  EXPECT_EQ(suite["attrib"]["failures"], "2");
  ASSERT_EQ(suite["cases"].size(), 3u);
  const std::string classname = "pdpctl-test-" + std::to_string(getpid()) + "-junit-cases";
  EXPECT_EQ(suite["cases"][0]["attrib"]["name"], "from the office");
  EXPECT_EQ(suite["cases"][0]["attrib"]["classname"], classname);
  EXPECT_TRUE(suite["cases"][0]["children"].empty());
  // Markup characters in a name come back exactly (escaped on the way out).
  EXPECT_EQ(suite["cases"][1]["attrib"]["name"],
            "wrong on purpose: no source IP <is> \"allowed\" & more");
  ASSERT_EQ(suite["cases"][1]["children"].size(), 1u);
  const auto& failure = suite["cases"][1]["children"][0];
  EXPECT_EQ(failure["tag"], "failure");
  EXPECT_EQ(failure["attrib"]["message"],
            "expected ALLOW (ALLOWED_BY_POLICY), got DENY (IMPLICIT_DENY)");
  const std::string trace = failure["text"];
  EXPECT_TRUE(Has(trace, "gate identity_policies")) << trace;
  EXPECT_TRUE(Has(trace, "IpAddress aws:SourceIp: false (key missing from the request)")) << trace;
  ASSERT_EQ(suite["cases"][2]["children"].size(), 1u);
  EXPECT_TRUE(Has(suite["cases"][2]["children"][0]["attrib"]["message"],
                  "AdministratorAccess#NoSuchSid did not apply"));
  std::remove(xml.c_str());
}

TEST(PdpctlTestCommand, BadFilesAreExitTwoWithTheJsonPath) {
  std::string out;
  const std::string bad_reason = Write("bad-reason.json",
                                       R"({"world_file": "x.yaml", "cases": [
           {"name": "a", "request": {"principal": "arn:aws:iam::111111111111:root",
                                     "action": "budgets:ViewBudget"},
            "expect": {"effect": "ALLOW", "reason": "ROOT_USER"}},
           {"name": "b", "request": {"principal": "arn:aws:iam::111111111111:root",
                                     "action": "budgets:ViewBudget"},
            "expect": {"effect": "ALLOW", "reason": "NOPE"}}]})");
  EXPECT_EQ(Pdpctl({"test", "--offline", bad_reason}, &out), 2) << out;
  EXPECT_TRUE(Has(out, bad_reason + ": cases[1].expect.reason: unknown reason \"NOPE\"")) << out;
  EXPECT_FALSE(Has(out, "passed")) << "nothing runs when a file is bad\n" << out;

  const std::string typo = Write("typo.json", R"({"world_file": "x.yaml", "cases": [
           {"name": "a", "request": {"principal": "arn:aws:iam::111111111111:root",
                                     "action": "budgets:ViewBudget"},
            "expect": {"effect": "ALLOW", "reason": "ROOT_USER", "statment": "p#s"}}]})");
  EXPECT_EQ(Pdpctl({"test", "--server", "127.0.0.1:1", typo}, &out), 2) << out;
  EXPECT_TRUE(Has(out, typo + ": cases[0].expect.statment: unknown field")) << out;

  const std::string not_json = Write("not-json.json", "{\"cases\": [");
  EXPECT_EQ(Pdpctl({"test", not_json}, &out), 2) << out;
  EXPECT_TRUE(Has(out, not_json + ": not JSON")) << out;

  const std::string no_world = Write("no-world.json", R"({"cases": [
           {"name": "a", "request": {"principal": "arn:aws:iam::111111111111:root",
                                     "action": "budgets:ViewBudget"},
            "expect": {"effect": "ALLOW", "reason": "ROOT_USER"}}]})");
  EXPECT_EQ(Pdpctl({"test", "--offline", no_world}, &out), 2) << out;
  EXPECT_TRUE(Has(out, no_world + ": world: the file has no world")) << out;

  // A world that does not load: named by its item.
  const std::string bad_world = Write("bad-world.json", R"({"world": {"users": [
      {"arn": "arn:aws:iam::111111111111:user/x",
       "attached_policies": ["arn:aws:iam::aws:policy/NoSuchPolicy"]}]}, "cases": [
           {"name": "a", "request": {"principal": "arn:aws:iam::111111111111:root",
                                     "action": "budgets:ViewBudget"},
            "expect": {"effect": "ALLOW", "reason": "ROOT_USER"}}]})");
  EXPECT_EQ(Pdpctl({"test", "--offline", bad_world}, &out), 2) << out;
  EXPECT_TRUE(Has(out, bad_world + ": world.")) << out;

  EXPECT_EQ(Pdpctl({"test", "--offline", TempPath("does-not-exist.json")}, &out), 2) << out;
  EXPECT_TRUE(Has(out, "cannot read the file")) << out;
}

}  // namespace
}  // namespace pdp::testing
