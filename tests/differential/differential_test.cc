// Differential test: random worlds and requests decided by the engine
// (pdp::Decide on a snapshot built from the world file) and by the naive
// reference evaluator (reference_evaluator.h); every effect, reason and list
// of available features must agree.
//
// Each world has its own seed (base seed + world index), printed with the
// world and the request on a mismatch. PDP_DIFF_SEED and PDP_DIFF_WORLDS
// override the base seed and the number of worlds, e.g. to explore:
//   PDP_DIFF_SEED=7 PDP_DIFF_WORLDS=5000 build/tests/differential_test
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/decide/decide.h"
#include "engine/decide/principal_context.h"
#include "engine/model/page_catalog.h"
#include "engine/model/snapshot.h"
#include "engine/write/snapshot_builder.h"
#include "gtest/gtest.h"
#include "pdp/v1/decision.pb.h"
#include "server/wire/change_from_wire.h"
#include "server/wire/wire_decide.h"
#include "tests/differential/reference_evaluator.h"
#include "world/world_file.h"

namespace pdp::difftest {
namespace {

constexpr char kAccount[] = "111122223333";
constexpr char kOtherAccount[] = "444455556666";
constexpr int kDefaultWorlds = 2000;
constexpr int kRequestsPerWorld = 12;
constexpr uint32_t kDefaultSeed = 20240917;

std::string SourcePath(const std::string& rel) { return std::string(PDP_SOURCE_DIR) + "/" + rel; }

Json ReadJson(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return Json::parse(ss.str());
}

// What the generator needs from the catalogue.
struct PageInfo {
  std::string id;
  std::vector<std::string> actions[2];  // [0] fine_grained, [1] legacy: view + modify + features
};

struct CatalogInfo {
  std::vector<PageInfo> pages;
  std::vector<std::string> actions;  // every action, both sets
};

CatalogInfo ReadCatalogInfo(const Json& catalog) {
  CatalogInfo info;
  std::set<std::string> all;
  for (const Json& p : catalog["pages"]) {
    PageInfo page;
    page.id = p["id"].get<std::string>();
    const char* sets[2] = {"fine_grained", "legacy"};
    for (int s = 0; s < 2; ++s) {
      for (const char* level : {"view", "modify"}) {
        for (const Json& a : p[sets[s]][level]) page.actions[s].push_back(a.get<std::string>());
      }
      if (p.contains("features")) {
        for (const Json& f : p["features"]) {
          for (const Json& a : f[sets[s]]) page.actions[s].push_back(a.get<std::string>());
        }
      }
      all.insert(page.actions[s].begin(), page.actions[s].end());
    }
    info.pages.push_back(std::move(page));
  }
  info.actions.assign(all.begin(), all.end());
  return info;
}

// Non-white-space characters, as IAM counts policy size.
size_t PolicyChars(const std::string& doc) {
  return std::count_if(doc.begin(), doc.end(),
                       [](char c) { return c != ' ' && c != '\n' && c != '\t' && c != '\r'; });
}

class Generator {
 public:
  Generator(uint32_t seed, const CatalogInfo& catalog, const std::vector<std::string>& aws_arns)
      : rng_(seed), catalog_(catalog), aws_arns_(aws_arns) {}

  Json MakeWorld();
  // Puts `world`'s account (kAccount) in an organization that kOtherAccount
  // manages: under 0 to 2 OUs, with 1 to 3 generated SCPs attached at random
  // levels and FullAWSAccess sometimes detached. For the SCP digest check
  // only (the reference evaluator knows no organizations).
  void AddOrganization(Json& world);
  std::vector<RefRequest> MakeRequests(const Json& world, int n);
  // A request context of the kind MakeRequests sends.
  std::vector<std::pair<std::string, std::vector<std::string>>> RequestContext();

 private:
  // Portable draws (std::mt19937 is fully specified; distributions are not).
  size_t Below(size_t n) { return n == 0 ? 0 : rng_() % n; }
  bool Chance(double p) { return (rng_() % 10000) < p * 10000; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }
  std::string MangleCase(std::string s) {
    for (char& c : s) {
      if (!Chance(0.5)) continue;
      if (c >= 'a' && c <= 'z') {
        c = static_cast<char>(c - 'a' + 'A');
      } else if (c >= 'A' && c <= 'Z') {
        c = static_cast<char>(c - 'A' + 'a');
      }
    }
    return s;
  }

  std::string ActionPattern();
  std::string ResourcePattern();
  Json Condition();
  Json Statement(int index);
  std::string PolicyDocument();
  Json Entity(const std::string& arn, bool principal, size_t inline_limit);

  std::mt19937 rng_;
  const CatalogInfo& catalog_;
  const std::vector<std::string>& aws_arns_;
  // Per world: a few pages the policies and requests favour, so that
  // allows, denies and boundaries meet often enough.
  std::vector<const PageInfo*> hot_pages_;
  std::vector<std::string> hot_actions_;
  std::vector<std::string> resources_;
  std::vector<std::string> policy_arns_;  // customer managed
};

std::string Generator::ActionPattern() {
  if (Chance(0.05)) return "*";
  std::string a = Chance(0.7) ? Pick(hot_actions_) : Pick(catalog_.actions);
  if (Chance(0.02)) a = "billing:UpdateIAMAccessPreference";
  const size_t colon = a.find(':');
  const std::string service = a.substr(0, colon);
  std::string name = a.substr(colon + 1);
  std::string out;
  switch (Below(8)) {
    case 3:
      out = service + ":*";
      break;
    case 4:
      out = absl::StrCat(service, ":", name.substr(0, 1 + Below(name.size())), "*");
      break;
    case 5:
      out = absl::StrCat(service, ":*", name.substr(Below(name.size())));
      break;
    case 6:
      name[Below(name.size())] = '?';
      out = absl::StrCat(service, ":", name);
      break;
    case 7: {
      size_t start = Below(name.size());
      size_t len = 1 + Below(std::min<size_t>(4, name.size() - start));
      out = absl::StrCat(service, ":*", name.substr(start, len), "*");
      break;
    }
    default:
      out = a;
  }
  return Chance(0.2) ? MangleCase(out) : out;
}

std::string Generator::ResourcePattern() {
  if (Chance(0.5)) return "*";
  std::string base = Pick(resources_);
  // Mutations cut text anywhere: keep them off the "${...}" literal.
  const bool exact = Chance(0.25);
  while (!exact && base.find("${") != std::string::npos) base = Pick(resources_);
  std::vector<std::string> seg;
  {
    size_t start = 0;
    for (int i = 0; i < 5; ++i) {
      size_t colon = base.find(':', start);
      seg.push_back(base.substr(start, colon - start));
      start = colon + 1;
    }
    seg.push_back(base.substr(start));
  }
  auto join = [&] { return absl::StrJoin(seg, ":"); };
  const std::string& res = seg[5];
  const std::string type = res.substr(0, res.find('/'));
  switch (exact ? 0 : Below(9)) {
    case 1:
      seg[4] = "*";
      return join();
    case 2:
      seg[3] = Chance(0.5) ? "*" : "us-*";
      return join();
    case 3:
      seg[5] = type + "/*";
      return join();
    case 4:
      seg[5] = res.substr(0, 1 + Below(res.size())) + "*";
      return join();
    case 5:
      seg[5][Below(res.size())] = '?';
      return join();
    case 6: {
      // Fewer than six parts: the final '*' runs across the colons.
      size_t keep = 2 + Below(4);  // arn:aws[:service[:region[:account]]]
      std::string out;
      for (size_t i = 0; i < keep; ++i) absl::StrAppend(&out, seg[i], ":");
      if (Chance(0.5)) out.pop_back();  // "arn:aws:budgets*" rather than "arn:aws:budgets:*"
      return out + "*";
    }
    case 7: {
      static const std::vector<std::string> kVariableParts = {
          "budget/${aws:username}",
          "budget/${AWS:UserName}",
          "budget/${aws:PrincipalTag/team}",
          "budget/${aws:PrincipalTag/team, 'Monthly'}",
          "budget/${aws:username}*",
          "budget/${*}",
          "budget/M${?}nthly",
          "budget/${aws:RequestedRegion, 'alice'}",
      };
      return absl::StrCat("arn:aws:budgets::", kAccount, ":", Pick(kVariableParts));
    }
    case 8:
      seg[5] = MangleCase(res);  // resources are case-sensitive
      return join();
    default:
      return base;
  }
}

Json Generator::Condition() {
  enum Kind { kIp, kBool, kNum, kStr, kMulti };
  struct KeySpec {
    const char* key;
    Kind kind;
  };
  static const std::vector<KeySpec> kKeys = {
      {"aws:SourceIp", kIp},           {"aws:MultiFactorAuthPresent", kBool},
      {"aws:SecureTransport", kBool},  {"aws:MultiFactorAuthAge", kNum},
      {"aws:RequestedRegion", kStr},   {"aws:username", kStr},
      {"aws:PrincipalTag/team", kStr}, {"aws:TagKeys", kMulti},
  };
  static const std::vector<Json> kIps = {"10.0.0.0/8",     "192.0.2.0/24", "203.0.113.7",
                                         "203.0.113.0/28", "0.0.0.0/0",    "10.1.2.3/32",
                                         "172.16.0.0/12",  "10.1.2.3/8"};
  static const std::vector<Json> kBools = {"true", "false", true, false};
  static const std::vector<Json> kNums = {"3600", 3600, "300.5", "0", "-1", "86400", 7200};
  static const std::vector<Json> kStrs = {
      "us-east-1",
      "us-*",
      "US-EAST-1",
      "eu-west-?",
      "alice",
      "Alice",
      "a*",
      "bob",
      "finance",
      "fin*",
      "ops",
      "Monthly",
      "*",
      "${*}",
      "${aws:username}",
      "${AWS:UserName}",
      "${aws:PrincipalTag/team}",
      "${aws:PrincipalTag/team, 'ops'}",
      "${aws:RequestedRegion}",
      "us-east-1${?}",
  };
  static const std::vector<Json> kTagKeys = {"env",   "team", "Env",
                                             "cost*", "t?am", "${aws:PrincipalTag/team, 'team'}"};
  static const std::vector<std::string> kStringOps = {
      "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
      "StringLike",   "StringNotLike"};
  static const std::vector<std::string> kNumOps = {"NumericLessThan", "NumericEquals",
                                                   "NumericNotEquals", "NumericGreaterThanEquals"};

  Json condition = Json::object();
  const size_t clauses = 1 + Below(2);
  for (size_t c = 0; c < clauses; ++c) {
    const KeySpec& spec = Pick(kKeys);
    std::string key = Chance(0.15) ? MangleCase(spec.key) : spec.key;
    std::string op;
    const std::vector<Json>* pool = nullptr;
    if (Chance(0.12)) {
      op = "Null";
      pool = &kBools;
    } else {
      switch (spec.kind) {
        case kIp:
          op = Chance(0.6) ? "IpAddress" : "NotIpAddress";
          pool = &kIps;
          break;
        case kBool:
          op = "Bool";
          pool = &kBools;
          break;
        case kNum:
          op = Pick(kNumOps);
          pool = &kNums;
          break;
        case kStr:
          op = Pick(kStringOps);
          pool = &kStrs;
          break;
        case kMulti:
          op = Pick(kStringOps);
          pool = &kTagKeys;
          break;
      }
      if (Chance(0.2)) op += "IfExists";
      if (Chance(spec.kind == kMulti ? 0.85 : 0.08)) {
        op = (Chance(0.5) ? "ForAnyValue:" : "ForAllValues:") + op;
      }
    }
    const size_t n = op == "Null" ? 1 : 1 + Below(3);
    Json values = Json::array();
    for (size_t i = 0; i < n; ++i) values.push_back(Pick(*pool));
    condition[op][key] = (n == 1 && Chance(0.5)) ? values[0] : values;
  }
  return condition;
}

Json Generator::Statement(int index) {
  Json st = Json::object();
  if (Chance(0.3)) st["Sid"] = absl::StrCat("S", index);
  st["Effect"] = Chance(0.62) ? "Allow" : "Deny";
  Json actions = Json::array();
  if (Chance(0.12)) {
    // Every action of a page, so that multi-action pages can be allowed.
    const PageInfo* page = Pick(hot_pages_);
    for (const std::string& a : page->actions[Below(2)]) actions.push_back(a);
  } else {
    const size_t n = 1 + Below(3);
    for (size_t i = 0; i < n; ++i) actions.push_back(ActionPattern());
  }
  const char* action_key = Chance(0.12) ? "NotAction" : "Action";
  st[action_key] = (actions.size() == 1 && Chance(0.5)) ? actions[0] : actions;
  Json resources = Json::array();
  const size_t nr = 1 + Below(2);
  for (size_t i = 0; i < nr; ++i) resources.push_back(ResourcePattern());
  const char* resource_key = Chance(0.12) ? "NotResource" : "Resource";
  st[resource_key] = (resources.size() == 1 && Chance(0.5)) ? resources[0] : resources;
  if (Chance(0.35)) {
    st["Condition"] = Condition();
  } else if (Chance(0.02)) {
    st["Condition"] = Json::object();  // empty: unconditional
  }
  return st;
}

void Generator::AddOrganization(Json& world) {
  bool has_other = false;
  for (const Json& a : world["accounts"]) has_other = has_other || a["id"] == kOtherAccount;
  if (!has_other) world["accounts"].push_back({{"id", kOtherAccount}});
  std::vector<std::string> levels = {"r-diff"};
  Json ous = Json::array();
  const size_t depth = Below(3);
  for (size_t i = 0; i < depth; ++i) {
    const std::string ou = absl::StrCat("ou-diff-level", i, "ab");
    ous.push_back({{"id", ou}, {"name", absl::StrCat("Level", i)}, {"parent", levels.back()}});
    levels.push_back(ou);
  }
  std::vector<std::string> targets = levels;
  targets.push_back(kAccount);
  Json scps = Json::array(), attach = Json::array(), detach = Json::array();
  std::set<std::string> attached;  // targets with a generated SCP
  const size_t n = 1 + Below(3);
  for (size_t i = 0; i < n; ++i) {
    const std::string id = absl::StrCat("p-generated", i);
    std::string document = PolicyDocument();
    while (document.size() > 5120) document = PolicyDocument();
    scps.push_back({{"id", id}, {"name", absl::StrCat("Generated", i)}, {"document", document}});
    const std::string& target = Pick(targets);
    attach.push_back({{"policy", id}, {"target", target}});
    attached.insert(target);
  }
  // A target keeps at least one SCP (Organizations refuses to detach the last).
  for (const std::string& target : attached) {
    if (Chance(0.5)) detach.push_back({{"policy", "p-FullAWSAccess"}, {"target", target}});
  }
  Json member = {{"id", kAccount}, {"parent", levels.back()}, {"joined", "invited"}};
  Json organization = {{"id", "o-differential1"},
                       {"management_account", kOtherAccount},
                       {"root_id", "r-diff"},
                       {"organizational_units", ous},
                       {"accounts", Json::array({member})}};
  // Now and then SCPs are off: nothing binds the members.
  organization["scps_enabled"] = Chance(0.9);
  if (organization["scps_enabled"]) {
    organization["scps"] = scps;
    organization["attach"] = attach;
    organization["detach"] = detach;
  }
  world["organizations"] = Json::array({organization});
}

std::string Generator::PolicyDocument() {
  Json doc = Json::object();
  const size_t v = Below(10);
  if (v < 6) {
    doc["Version"] = "2012-10-17";
  } else if (v < 9) {
    doc["Version"] = "2008-10-17";
  }  // else no Version: 2008-10-17
  const size_t n = 1 + Below(3);
  if (n == 1 && Chance(0.3)) {
    doc["Statement"] = Statement(0);
  } else {
    Json list = Json::array();
    for (size_t i = 0; i < n; ++i) list.push_back(Statement(static_cast<int>(i)));
    doc["Statement"] = list;
  }
  return doc.dump();
}

Json Generator::Entity(const std::string& arn, bool principal, size_t inline_limit) {
  Json e = Json::object();
  e["arn"] = arn;
  Json attached = Json::array();
  const size_t na = Below(3);
  for (size_t i = 0; i < na; ++i) {
    std::string p = (!policy_arns_.empty() && Chance(0.65)) ? Pick(policy_arns_) : Pick(aws_arns_);
    if (std::find(attached.begin(), attached.end(), p) == attached.end()) attached.push_back(p);
  }
  e["attached_policies"] = attached;
  Json inline_policies = Json::array();
  const size_t ni = Below(3);
  size_t total = 0;
  for (size_t i = 0; i < ni; ++i) {
    std::string doc = PolicyDocument();
    if (total + PolicyChars(doc) > inline_limit) break;  // IAM's aggregate inline limit
    total += PolicyChars(doc);
    inline_policies.push_back({{"name", absl::StrCat("inline", i)}, {"document", doc}});
  }
  e["inline_policies"] = inline_policies;
  if (principal) {
    static const std::vector<std::string> kTeams = {"finance", "ops", "Monthly", "alice",
                                                    "Finance"};
    Json tags = Json::object();
    if (Chance(0.6)) tags["team"] = Pick(kTeams);
    if (Chance(0.2)) tags["env"] = "prod";
    e["tags"] = tags;
    if (Chance(0.3)) {
      e["permissions_boundary"] =
          (!policy_arns_.empty() && Chance(0.7)) ? Pick(policy_arns_) : Pick(aws_arns_);
    }
  }
  return e;
}

Json Generator::MakeWorld() {
  hot_pages_.clear();
  hot_actions_.clear();
  for (int i = 0; i < 3; ++i) hot_pages_.push_back(&Pick(catalog_.pages));
  for (const PageInfo* p : hot_pages_) {
    for (const auto& set : p->actions)
      hot_actions_.insert(hot_actions_.end(), set.begin(), set.end());
  }
  const std::string a = kAccount;
  resources_ = {
      "arn:aws:budgets::" + a + ":budget/Monthly",
      "arn:aws:budgets::" + a + ":budget/monthly",
      "arn:aws:budgets::" + a + ":budget/alice",
      "arn:aws:budgets::" + a + ":budget/finance",
      "arn:aws:budgets::" + a + ":budget/Monthly/action/a1",
      "arn:aws:budgets::" + a + ":budget/*",
      // Policy text taken literally under 2008-10-17 (no ':' in the resource
      // part: whether a '*' there matches ':' is not documented).
      "arn:aws:budgets::" + a + ":budget/${*}",
      "arn:aws:budgets::" + a + ":budget/${team}",
      "arn:aws:ce::" + a + ":anomalymonitor/m-1",
      "arn:aws:cur:us-east-1:" + a + ":definition/report1",
      "arn:aws:billing::" + a + ":billingview/primary",
      "arn:aws:savingsplans::" + a + ":savingsplan/sp-1",
      "arn:aws:payments::" + a + ":paymentinstrument/pi-1",
      "arn:aws:purchase-orders::" + a + ":purchase-order/po-1",
      std::string("arn:aws:budgets::") + kOtherAccount + ":budget/Monthly",
  };

  Json world = Json::object();
  Json account = {{"id", a}, {"name", "differential"}};
  if (Chance(0.85)) account["iam_access_to_billing"] = Chance(0.7);
  if (Chance(0.85)) account["console_action_set"] = Chance(0.6) ? "FINE_GRAINED" : "LEGACY";
  if (Chance(0.9)) account["cost_explorer_enabled"] = Chance(0.8);
  world["accounts"] = Json::array({account});
  if (Chance(0.2)) world["accounts"].push_back({{"id", kOtherAccount}});

  policy_arns_.clear();
  Json managed = Json::array();
  const size_t np = Below(4);
  for (size_t i = 0; i < np; ++i) {
    std::string arn =
        absl::StrCat("arn:aws:iam::", a, ":policy/", Chance(0.3) ? "limits/" : "", "P", i);
    policy_arns_.push_back(arn);
    managed.push_back({{"arn", arn}, {"document", PolicyDocument()}});
  }
  world["managed_policies"] = managed;

  static const std::vector<std::string> kPaths = {"", "", "finance/", "a/b/"};
  Json groups = Json::array();
  std::vector<std::string> group_names;
  for (const char* name : {"admins", "billing", "readers"}) {
    if (!Chance(0.4)) continue;
    group_names.push_back(name);
    groups.push_back(
        Entity(absl::StrCat("arn:aws:iam::", a, ":group/", Pick(kPaths), name), false, 5120));
  }
  world["groups"] = groups;

  Json users = Json::array();
  for (const char* name : {"alice", "bob", "carol", "Eve"}) {
    if (!Chance(0.55) && !(users.empty() && std::string(name) == "Eve")) continue;
    Json u = Entity(absl::StrCat("arn:aws:iam::", a, ":user/", Pick(kPaths), name), true, 2048);
    Json member_of = Json::array();
    for (const std::string& g : group_names) {
      if (Chance(0.5)) member_of.push_back(g);
    }
    u["groups"] = member_of;
    users.push_back(u);
  }
  world["users"] = users;

  Json roles = Json::array();
  for (const char* name : {"Auditor", "FinanceRole"}) {
    if (!Chance(0.5)) continue;
    roles.push_back(
        Entity(absl::StrCat("arn:aws:iam::", a, ":role/", Pick(kPaths), name), true, 10240));
  }
  world["roles"] = roles;
  return world;
}

std::vector<std::pair<std::string, std::vector<std::string>>> Generator::RequestContext() {
  std::vector<std::pair<std::string, std::vector<std::string>>> ctx;
  auto add = [&](const std::string& key, std::vector<std::string> values) {
    if (Chance(0.04)) values.clear();  // present, with no values
    ctx.emplace_back(Chance(0.2) ? MangleCase(key) : key, std::move(values));
  };
  using V = std::vector<std::string>;
  if (Chance(0.6)) {
    add("aws:SourceIp", {Pick(V{"10.1.2.3", "192.0.2.55", "203.0.113.7", "203.0.113.20", "8.8.8.8",
                                "172.20.1.1"})});
  }
  if (Chance(0.5)) add("aws:MultiFactorAuthPresent", {Chance(0.5) ? "true" : "false"});
  if (Chance(0.5)) add("aws:SecureTransport", {Chance(0.5) ? "true" : "false"});
  if (Chance(0.4)) add("aws:MultiFactorAuthAge", {Pick(V{"0", "300", "3600", "7200", "86400"})});
  if (Chance(0.5)) {
    static const V kRegions = {"us-east-1",       "eu-west-1", "US-EAST-1", "alice",
                               "${aws:username}", "*",         "finance",   "us-east-1?"};
    V values = {Pick(kRegions)};
    if (Chance(0.05)) values.push_back(Pick(kRegions));  // multivalued: a set operator is needed
    add("aws:RequestedRegion", values);
  }
  if (Chance(0.5)) {
    static const std::vector<V> kTagKeys = {
        {}, {"env"}, {"team", "env"}, {"costcenter"}, {"Env", "other"}, {"team"}};
    add("aws:TagKeys", Pick(kTagKeys));
  }
  return ctx;
}

std::vector<RefRequest> Generator::MakeRequests(const Json& world, int n) {
  std::vector<std::string> users, roles;
  for (const Json& u : world["users"]) users.push_back(u["arn"].get<std::string>());
  for (const Json& r : world["roles"]) roles.push_back(r["arn"].get<std::string>());
  const bool has_other = world["accounts"].size() > 1;
  const std::string root = absl::StrCat("arn:aws:iam::", kAccount, ":root");
  std::vector<RefRequest> out;
  for (int i = 0; i < n; ++i) {
    RefRequest r;
    const size_t who = Below(100);
    if (who < 12 || (users.empty() && roles.empty())) {
      r.principal = root;
    } else if (who < 60 || roles.empty()) {
      r.principal = users.empty() ? root : Pick(users);
    } else if (who < 85) {
      r.principal = Pick(roles);
    } else if (who < 93) {
      std::string role = Pick(roles);
      r.principal = absl::StrCat("arn:aws:sts::", kAccount, ":assumed-role/",
                                 role.substr(role.rfind('/') + 1), "/session-", i);
    } else if (who < 96) {
      r.principal = absl::StrCat("arn:aws:iam::", kAccount, ":user/nobody");
    } else if (who < 98) {
      r.principal = "arn:aws:iam::999999999999:user/alice";
    } else {
      r.principal = absl::StrCat("arn:aws:iam::", kAccount, ":user/wrong/path/alice");
    }
    const size_t where = Below(100);
    if (where < 5) {
      r.account_id = kAccount;
    } else if (where < 8) {
      r.account_id = has_other ? kOtherAccount : "000000000000";
    }
    if (Chance(0.55)) {
      r.page_id = Chance(0.6) ? Pick(hot_pages_)->id : Pick(catalog_.pages).id;
      r.modify = Chance(0.4);
    } else {
      const size_t what = Below(100);
      if (what < 50) {
        r.action = Pick(hot_actions_);
      } else if (what < 90) {
        r.action = Pick(catalog_.actions);
      } else if (what < 95) {
        r.action = "billing:UpdateIAMAccessPreference";
      } else {
        r.action = Chance(0.5) ? "iam:ListUsers" : "s3:GetObject";
      }
      if (Chance(0.1)) r.action = MangleCase(r.action);
      const size_t res = Below(100);
      if (res < 10) {
        r.resource = "*";
      } else if (res >= 45) {
        r.resource = Pick(resources_);
      }
    }
    r.context = RequestContext();
    out.push_back(std::move(r));
  }
  return out;
}

pdp::v1::AuthorizeRequest ToProto(const RefRequest& r) {
  pdp::v1::AuthorizeRequest p;
  p.set_principal(r.principal);
  p.set_account_id(r.account_id);
  if (!r.page_id.empty()) {
    p.mutable_page()->set_page_id(r.page_id);
    p.mutable_page()->set_access(r.modify ? pdp::v1::MODIFY : pdp::v1::VIEW);
  } else {
    p.mutable_action()->set_action(r.action);
    p.mutable_action()->set_resource(r.resource);
  }
  for (const auto& [key, values] : r.context) {
    pdp::v1::ContextValue& v = (*p.mutable_context()->mutable_keys())[key];
    for (const std::string& s : values) v.add_values(s);
  }
  return p;
}

std::string Describe(const RefRequest& r) {
  Json j = {{"principal", r.principal}};
  if (!r.account_id.empty()) j["account"] = r.account_id;
  if (!r.page_id.empty()) {
    j["page"] = r.page_id;
    j["access"] = r.modify ? "MODIFY" : "VIEW";
  } else {
    j["action"] = r.action;
    if (!r.resource.empty()) j["resource"] = r.resource;
  }
  Json ctx = Json::object();
  for (const auto& [k, v] : r.context) ctx[k] = v;
  j["context"] = ctx;
  return j.dump();
}

class DifferentialTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    catalog_json_ = new Json(ReadJson(SourcePath("data/page-catalog.json")));
    aws_json_ = new Json(ReadJson(SourcePath("data/aws-managed-policies.json")));
    auto catalog = PageCatalog::FromFile(SourcePath("data/page-catalog.json"));
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    auto aws = LoadAwsManagedPoliciesFile(SourcePath("data/aws-managed-policies.json"));
    ASSERT_TRUE(aws.ok()) << aws.status();
    initial_ = new SnapshotPtr(Snapshot::Initial(*catalog, *aws));
  }
  static void TearDownTestSuite() {
    delete catalog_json_;
    delete aws_json_;
    delete initial_;
  }

  static absl::StatusOr<SnapshotPtr> Build(const Json& world) {
    auto changes = WorldToChanges(world.dump());
    if (!changes.ok()) return changes.status();
    SnapshotBuilder builder(*initial_);
    for (const pdp::v1::Change& c : *changes) {
      absl::Status s = ApplyWireChange(builder, c);
      if (!s.ok()) return s;
    }
    return builder.Finish();
  }

  static Json* catalog_json_;
  static Json* aws_json_;
  static SnapshotPtr* initial_;
};

Json* DifferentialTest::catalog_json_ = nullptr;
Json* DifferentialTest::aws_json_ = nullptr;
SnapshotPtr* DifferentialTest::initial_ = nullptr;

uint32_t EnvOr(const char* name, uint32_t fallback) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback
                                    : static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
}

TEST_F(DifferentialTest, EngineAgreesWithReferenceEvaluator) {
  const CatalogInfo info = ReadCatalogInfo(*catalog_json_);
  std::vector<std::string> aws_arns;
  for (const Json& p : (*aws_json_)["policies"]) aws_arns.push_back(p["arn"].get<std::string>());
  const ReferenceEvaluator reference(*catalog_json_, *aws_json_);

  const uint32_t base_seed = EnvOr("PDP_DIFF_SEED", kDefaultSeed);
  const uint32_t worlds = EnvOr("PDP_DIFF_WORLDS", kDefaultWorlds);
  const auto start = std::chrono::steady_clock::now();
  std::map<std::string, int> reasons;
  int cases = 0, mismatches = 0, with_features = 0;
  for (uint32_t w = 0; w < worlds && mismatches < 5; ++w) {
    const uint32_t seed = base_seed + w;
    Generator gen(seed, info, aws_arns);
    const Json world = gen.MakeWorld();
    const std::vector<RefRequest> requests = gen.MakeRequests(world, kRequestsPerWorld);
    absl::StatusOr<SnapshotPtr> snapshot = Build(world);
    ASSERT_TRUE(snapshot.ok()) << "seed " << seed
                               << ": the generated world was refused: " << snapshot.status()
                               << "\nworld: " << world.dump(2);
    for (const RefRequest& req : requests) {
      ++cases;
      absl::StatusOr<pdp::v1::Decision> d = Decide(**snapshot, ToProto(req));
      ASSERT_TRUE(d.ok()) << "seed " << seed << ": " << d.status() << "\nrequest: " << Describe(req)
                          << "\nworld: " << world.dump(2);
      const RefDecision ref = reference.Decide(world, req);
      std::vector<std::string> features(d->available_features().begin(),
                                        d->available_features().end());
      const std::string reason = pdp::v1::Reason_Name(d->reason());
      ++reasons[reason];
      with_features += features.empty() ? 0 : 1;
      const bool allow = d->effect() == pdp::v1::ALLOW;
      // The generated contexts are all acceptable: a refusal is a mismatch.
      if (ref.error.empty() && allow == ref.allow && reason == ref.reason &&
          features == ref.features) {
        continue;
      }
      ++mismatches;
      pdp::v1::Explanation explanation;
      (void)Decide(**snapshot, ToProto(req), &explanation);
      ADD_FAILURE() << "engine and reference disagree (seed " << seed
                    << "; rerun with PDP_DIFF_SEED=" << seed << " PDP_DIFF_WORLDS=1)\n"
                    << "engine:    " << (allow ? "ALLOW " : "DENY ") << reason << " features ["
                    << absl::StrJoin(features, ",") << "]\n"
                    << "reference: "
                    << (ref.error.empty() ? "" : "INVALID_ARGUMENT " + ref.error + " / ")
                    << (ref.allow ? "ALLOW " : "DENY ") << ref.reason << " features ["
                    << absl::StrJoin(ref.features, ",") << "]\n"
                    << "request: " << Describe(req) << "\nworld: " << world.dump(2)
                    << "\nengine explanation:\n"
                    << explanation.DebugString();
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "differential: " << cases << " requests over " << worlds << " worlds (seeds "
            << base_seed << ".." << base_seed + worlds - 1 << ") in " << seconds << " s; "
            << with_features << " with available features\n";
  for (const auto& [reason, n] : reasons) std::cout << "  " << reason << ": " << n << "\n";
  EXPECT_EQ(mismatches, 0);

  // The generator must keep reaching every gate (guards against a generator
  // that degenerates into one answer).
  if (worlds >= kDefaultWorlds) {
    for (const char* r :
         {"ROOT_USER", "ALLOWED_BY_POLICY", "EXPLICIT_DENY", "IMPLICIT_DENY", "BOUNDARY_NO_ALLOW",
          "IAM_ACCESS_NOT_ACTIVATED", "ROOT_ONLY", "UNKNOWN_PRINCIPAL", "UNKNOWN_ACCOUNT",
          "CROSS_ACCOUNT", "ACCESS_LEVEL_NOT_OFFERED"}) {
      EXPECT_GE(reasons[r], 20) << r;
    }
    EXPECT_GE(cases, 5000);
  }
}

// Digests (principal_digest.h: the principal's policies, and the SCP chain
// of an organization member) settle page decisions with set operations;
// they must answer exactly as evaluating every statement does. Each call
// decides every page at both access levels for `principals` of `world`,
// with the generator's request context, both ways, and counts.
struct DigestComparison {
  int decisions = 0;
  int settled = 0;      // VIEW decisions whose policies the digest settles
  int scp_settled = 0;  // VIEW decisions of SCP-bound principals the SCP digest settles
  int scp_bound = 0;    // VIEW decisions of SCP-bound principals
  int mismatches = 0;
};

pdp::v1::RequestContext WireContext(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& keys) {
  pdp::v1::RequestContext wire;
  for (const auto& [key, values] : keys) {
    for (const std::string& v : values) (*wire.mutable_keys())[key].add_values(v);
  }
  return wire;
}

void CompareDigestsWithStatements(const Json& world, const Snapshot& snapshot,
                                  const CallerContext& context,
                                  const std::vector<std::string>& principals, uint32_t seed,
                                  DigestComparison& out) {
  for (const std::string& arn : principals) {
    ResolvedPrincipal principal;
    ASSERT_TRUE(ResolvePrincipal(snapshot, arn, "", principal).ok()) << arn;
    if (principal.deny != Reason::kUnspecified) continue;  // another account's
    std::vector<std::pair<Verdict, Verdict>> by_statements;
    DecideAllPages(snapshot, principal, context, {.evaluate_statements = true},
                   [&](const CatalogPage&, const Verdict& view, const Verdict& modify) {
                     by_statements.emplace_back(view, modify);
                   });
    size_t i = 0;
    const PrincipalDigest* digest = principal.view ? principal.view->digest.get() : nullptr;
    ASSERT_TRUE(principal.is_root || digest != nullptr) << arn;
    const bool legacy = principal.account->settings.console_action_set == ConsoleActionSet::kLegacy;
    const bool scp_bound = principal.scp_bound && principal.placement != nullptr;
    DecideAllPages(
        snapshot, principal, context, {},
        [&](const CatalogPage& page, const Verdict& view, const Verdict& modify) {
          const auto& [want_view, want_modify] = by_statements[i++];
          out.decisions += 2;
          const ActionRequirements& req = legacy ? page.legacy : page.fine_grained;
          if (digest != nullptr) {
            out.settled +=
                !req.view_ids.Intersects(digest->identity.unsure | digest->boundary.unsure);
          }
          if (scp_bound) {
            ++out.scp_bound;
            out.scp_settled += !req.view_ids.Intersects(principal.placement->scp_digest.unsure);
          }
          if (view == want_view && modify == want_modify) return;
          ++out.mismatches;
          ADD_FAILURE() << "seed " << seed << " " << arn << " " << page.id << ": digests gave view "
                        << static_cast<int>(view.reason) << "/" << view.features << ", modify "
                        << static_cast<int>(modify.reason) << "/" << modify.features
                        << "; statements gave view " << static_cast<int>(want_view.reason) << "/"
                        << want_view.features << ", modify " << static_cast<int>(want_modify.reason)
                        << "/" << want_modify.features << "\nworld: " << world.dump(2);
        });
  }
}

// CompareDigestsWithStatements over the generated worlds (PDP_DIFF_SEED,
// PDP_DIFF_WORLDS, at most 400): every user and role of each. With
// `with_organization`, each world's account is first put in a generated
// organization (Generator::AddOrganization) and its root user is decided
// too (SCPs bind a member's root user).
void CompareDigestsOverWorlds(const Json& catalog_json, const Json& aws_json,
                              absl::StatusOr<SnapshotPtr> (*build)(const Json&),
                              bool with_organization, uint32_t& worlds, DigestComparison& out) {
  const CatalogInfo info = ReadCatalogInfo(catalog_json);
  std::vector<std::string> aws_arns;
  for (const Json& p : aws_json["policies"]) aws_arns.push_back(p["arn"].get<std::string>());
  const uint32_t base_seed = EnvOr("PDP_DIFF_SEED", kDefaultSeed);
  worlds = std::min<uint32_t>(EnvOr("PDP_DIFF_WORLDS", kDefaultWorlds), 400);
  for (uint32_t w = 0; w < worlds && out.mismatches < 5; ++w) {
    const uint32_t seed = base_seed + w;
    Generator gen(seed, info, aws_arns);
    Json world = gen.MakeWorld();
    std::vector<std::string> principals;
    if (with_organization) {
      gen.AddOrganization(world);
      principals.push_back(absl::StrCat("arn:aws:iam::", kAccount, ":root"));
    }
    absl::StatusOr<SnapshotPtr> snapshot = build(world);
    ASSERT_TRUE(snapshot.ok()) << "seed " << seed << ": " << snapshot.status() << "\n"
                               << world.dump(2);
    const pdp::v1::RequestContext wire_context = WireContext(gen.RequestContext());
    const ProtoCallerContext context(wire_context);
    ASSERT_TRUE(ValidateCallerContext(context).ok());
    for (const char* kind : {"users", "roles"}) {
      for (const Json& e : world[kind]) principals.push_back(e["arn"].get<std::string>());
    }
    CompareDigestsWithStatements(world, **snapshot, context, principals, seed, out);
  }
}

// Conditions, wildcards, NotAction, resource patterns, boundaries, missing
// policies: the principals' digests.
TEST_F(DifferentialTest, DigestsDecideAsEvaluatingStatementsDoes) {
  uint32_t worlds = 0;
  DigestComparison counts;
  CompareDigestsOverWorlds(*catalog_json_, *aws_json_, Build, false, worlds, counts);
  if (HasFatalFailure()) return;
  std::cout << "digests: " << counts.decisions << " decisions over " << worlds << " worlds, "
            << counts.settled << " VIEW decisions settled by the digest alone\n";
  EXPECT_EQ(counts.mismatches, 0);
  // Both paths must be exercised: most decisions settled by digests, some
  // not (conditions and resource variables).
  EXPECT_GT(counts.settled, counts.decisions / 4);
  EXPECT_LT(counts.settled, counts.decisions / 2);
}

// The same in an organization with generated SCPs: gate 3's digest
// (organization_state.h).
TEST_F(DifferentialTest, ScpDigestsDecideAsEvaluatingStatementsDoes) {
  uint32_t worlds = 0;
  DigestComparison counts;
  CompareDigestsOverWorlds(*catalog_json_, *aws_json_, Build, true, worlds, counts);
  if (HasFatalFailure()) return;
  std::cout << "SCP digests: " << counts.decisions << " decisions over " << worlds << " worlds, "
            << counts.scp_bound << " VIEW decisions bound by SCPs, " << counts.scp_settled
            << " of them settled by the SCP digest alone\n";
  EXPECT_EQ(counts.mismatches, 0);
  // Both paths must be exercised: SCP-bound decisions settled by the chain's
  // digest, and some that are not (conditions and resource variables).
  EXPECT_GT(counts.scp_bound, counts.decisions / 4);
  EXPECT_GT(counts.scp_settled, counts.scp_bound / 4);
  EXPECT_LT(counts.scp_settled, counts.scp_bound);
}

// The reference evaluator on documented examples, so that agreement with it
// means something.
TEST_F(DifferentialTest, ReferenceFollowsTheDocumentedRules) {
  const ReferenceEvaluator reference(*catalog_json_, *aws_json_);
  const std::string a = kAccount;
  auto world_with = [&](const Json& doc, bool variables = true) {
    Json d = doc;
    d["Version"] = variables ? "2012-10-17" : "2008-10-17";
    return Json{{"accounts", {{{"id", a}, {"iam_access_to_billing", true}}}},
                {"users",
                 {{{"arn", "arn:aws:iam::" + a + ":user/alice"},
                   {"tags", {{"team", "finance"}}},
                   {"inline_policies", {{{"name", "p"}, {"document", d.dump()}}}}}}}};
  };
  auto allow = [](Json condition, const std::string& resource = "*") {
    Json st = {{"Effect", "Allow"}, {"Action", "budgets:View*"}, {"Resource", resource}};
    if (!condition.is_null()) st["Condition"] = condition;
    return Json{{"Statement", {st}}};
  };
  auto decide = [&](const Json& world,
                    std::vector<std::pair<std::string, std::vector<std::string>>> ctx = {},
                    const std::string& resource = "") {
    RefRequest r;
    r.principal = "arn:aws:iam::" + a + ":user/alice";
    r.action = "budgets:ViewBudget";
    r.resource = resource;
    r.context = std::move(ctx);
    return reference.Decide(world, r).reason;
  };
  const std::string budget = "arn:aws:budgets::" + a + ":budget/alice";
  EXPECT_EQ(decide(world_with(allow(nullptr))), "ALLOWED_BY_POLICY");
  // Resource variables, and 2008-10-17 taking them literally.
  Json by_name = allow(nullptr, "arn:aws:budgets::" + a + ":budget/${aws:username}");
  EXPECT_EQ(decide(world_with(by_name), {}, budget), "ALLOWED_BY_POLICY");
  EXPECT_EQ(decide(world_with(by_name, false), {}, budget), "IMPLICIT_DENY");
  // Missing keys: positive false, negated true, IfExists true.
  EXPECT_EQ(decide(world_with(allow({{"StringEquals", {{"aws:RequestedRegion", "x"}}}}))),
            "IMPLICIT_DENY");
  EXPECT_EQ(decide(world_with(allow({{"StringNotEquals", {{"aws:RequestedRegion", "x"}}}}))),
            "ALLOWED_BY_POLICY");
  EXPECT_EQ(decide(world_with(allow({{"StringEqualsIfExists", {{"aws:RequestedRegion", "x"}}}}))),
            "ALLOWED_BY_POLICY");
  // Set operators on a missing or empty key.
  EXPECT_EQ(decide(world_with(allow({{"ForAllValues:StringEquals", {{"aws:TagKeys", "x"}}}}))),
            "ALLOWED_BY_POLICY");
  EXPECT_EQ(decide(world_with(allow({{"ForAnyValue:StringEquals", {{"aws:TagKeys", "x"}}}})),
                   {{"aws:TagKeys", {}}}),
            "IMPLICIT_DENY");
  EXPECT_EQ(decide(world_with(allow({{"ForAllValues:StringLike", {{"aws:TagKeys", "e*"}}}})),
                   {{"aws:TagKeys", {"env", "eu"}}}),
            "ALLOWED_BY_POLICY");
  // Variables in condition values, with defaults; key names any case.
  EXPECT_EQ(decide(world_with(allow(
                       {{"StringEquals", {{"AWS:RequestedRegion", "${aws:PrincipalTag/team}"}}}})),
                   {{"aws:requestedregion", {"finance"}}}),
            "ALLOWED_BY_POLICY");
  EXPECT_EQ(decide(world_with(allow({{"StringEquals",
                                      {{"aws:RequestedRegion", "${aws:PrincipalTag/x, 'd'}"}}}})),
                   {{"aws:RequestedRegion", {"d"}}}),
            "ALLOWED_BY_POLICY");
  EXPECT_EQ(decide(world_with(allow({{"IpAddress", {{"aws:SourceIp", "10.0.0.0/8"}}}})),
                   {{"aws:SourceIp", {"10.200.1.1"}}}),
            "ALLOWED_BY_POLICY");
  EXPECT_EQ(decide(world_with(allow({{"NumericLessThan", {{"aws:MultiFactorAuthAge", "3600"}}}})),
                   {{"aws:MultiFactorAuthAge", {"3600"}}}),
            "IMPLICIT_DENY");
  EXPECT_EQ(decide(world_with(allow({{"Null", {{"aws:SourceIp", "true"}}}}))), "ALLOWED_BY_POLICY");

  // Fail closed: a value the operator cannot read never lets an Allow apply
  // and always lets a Deny apply, negated operators included.
  auto allow_and_deny = [](const Json& deny_condition) {
    return Json{{"Statement",
                 {{{"Effect", "Allow"}, {"Action", "budgets:View*"}, {"Resource", "*"}},
                  {{"Effect", "Deny"},
                   {"Action", "budgets:View*"},
                   {"Resource", "*"},
                   {"Condition", deny_condition}}}}};
  };
  for (const char* bad : {"garbage", "", "0", "no", " false", "yes"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(
        decide(world_with(allow_and_deny({{"Bool", {{"kms:GrantIsForAWSResource", "false"}}}})),
               {{"kms:GrantIsForAWSResource", {bad}}}),
        "EXPLICIT_DENY");
    EXPECT_EQ(decide(world_with(allow({{"Bool", {{"kms:GrantIsForAWSResource", "false"}}}})),
                     {{"kms:GrantIsForAWSResource", {bad}}}),
              "IMPLICIT_DENY");
  }
  EXPECT_EQ(decide(world_with(allow_and_deny({{"Bool", {{"kms:GrantIsForAWSResource", false}}}})),
                   {{"kms:GrantIsForAWSResource", {"TRUE"}}}),
            "ALLOWED_BY_POLICY");
  for (const char* bad : {"garbage", "", "arn:aws:s3", "blocked-x", "aws:s3:::blocked-x"}) {
    SCOPED_TRACE(bad);
    for (const char* op : {"ArnLike", "ArnNotLike", "ArnEquals", "ArnNotEquals"}) {
      EXPECT_EQ(decide(world_with(allow_and_deny(
                           {{op, {{"ec2:SourceInstanceARN", "arn:aws:s3:::blocked-*"}}}})),
                       {{"ec2:SourceInstanceARN", {bad}}}),
                "EXPLICIT_DENY")
          << op;
    }
  }
  EXPECT_EQ(decide(world_with(allow_and_deny(
                       {{"ArnLike", {{"ec2:SourceInstanceARN", "arn:aws:s3:::blocked-*"}}}})),
                   {{"ec2:SourceInstanceARN", {"arn:aws:s3:::blocked-x"}}}),
            "EXPLICIT_DENY");
  EXPECT_EQ(decide(world_with(allow_and_deny(
                       {{"ArnLike", {{"ec2:SourceInstanceARN", "arn:aws:s3:::blocked-*"}}}})),
                   {{"ec2:SourceInstanceARN", {"arn:aws:s3:::open-x"}}}),
            "ALLOWED_BY_POLICY");
  // Per segment: the region segment must match too.
  EXPECT_EQ(
      decide(world_with(allow(
                 {{"ArnLike", {{"ec2:SourceInstanceARN", "arn:aws:ec2:us-*:*:instance/*"}}}})),
             {{"ec2:SourceInstanceARN", {"arn:aws:ec2:eu-west-1:111122223333:instance/i-1"}}}),
      "IMPLICIT_DENY");
  EXPECT_EQ(
      decide(world_with(allow(
                 {{"ArnLike", {{"ec2:SourceInstanceARN", "arn:aws:ec2:us-*:*:instance/*"}}}})),
             {{"ec2:SourceInstanceARN", {"arn:aws:ec2:us-east-1:111122223333:instance/i-1"}}}),
      "ALLOWED_BY_POLICY");
  // Dates: ISO 8601 and epoch seconds compare as instants.
  const Json after_2030 = {
      {"DateGreaterThan", {{"s3:object-lock-retain-until-date", "2030-01-01T00:00:00Z"}}}};
  EXPECT_EQ(decide(world_with(allow(after_2030)),
                   {{"s3:object-lock-retain-until-date", {"2030-01-01T00:00:01Z"}}}),
            "ALLOWED_BY_POLICY");
  EXPECT_EQ(
      decide(world_with(allow(after_2030)), {{"s3:object-lock-retain-until-date", {"1893456000"}}}),
      "IMPLICIT_DENY");  // exactly 2030-01-01T00:00:00Z
  EXPECT_EQ(
      decide(world_with(allow(after_2030)), {{"s3:object-lock-retain-until-date", {"1893456001"}}}),
      "ALLOWED_BY_POLICY");
  EXPECT_EQ(decide(world_with(allow_and_deny(after_2030)),
                   {{"s3:object-lock-retain-until-date", {"2030-13-01T00:00:00Z"}}}),
            "EXPLICIT_DENY");
  // IPv6 ranges; an address of the other family is outside.
  EXPECT_EQ(decide(world_with(allow({{"IpAddress", {{"custom:ClientIp", "2001:db8::/32"}}}})),
                   {{"custom:ClientIp", {"2001:DB8:0:0:0:0:0:1"}}}),
            "ALLOWED_BY_POLICY");
  EXPECT_EQ(decide(world_with(allow({{"IpAddress", {{"custom:ClientIp", "2001:db8::/32"}}}})),
                   {{"custom:ClientIp", {"2001:db9::1"}}}),
            "IMPLICIT_DENY");
  EXPECT_EQ(decide(world_with(allow({{"NotIpAddress", {{"custom:ClientIp", "10.0.0.0/8"}}}})),
                   {{"custom:ClientIp", {"::1"}}}),
            "ALLOWED_BY_POLICY");
  EXPECT_EQ(
      decide(world_with(allow_and_deny({{"NotIpAddress", {{"custom:ClientIp", "10.0.0.0/8"}}}})),
             {{"custom:ClientIp", {"2001:db8:::1"}}}),
      "EXPLICIT_DENY");
  // ForAnyValue: one unreadable value makes a Deny apply.
  EXPECT_EQ(decide(world_with(allow_and_deny(
                       {{"ForAnyValue:NumericGreaterThan", {{"s3:max-keys", "1000"}}}})),
                   {{"s3:max-keys", {"5", "nan"}}}),
            "EXPLICIT_DENY");

  // The request context is checked before anything else.
  auto refused = [&](std::vector<std::pair<std::string, std::vector<std::string>>> ctx) {
    RefRequest r;
    r.principal = "arn:aws:iam::" + a + ":user/alice";
    r.action = "budgets:ViewBudget";
    r.context = std::move(ctx);
    return reference.Decide(world_with(allow(nullptr)), r).error;
  };
  EXPECT_EQ(refused({{"aws:RequestedRegion", {"us-east-1"}}}), "");
  EXPECT_EQ(
      refused({{"aws:RequestedRegion", {"us-east-1"}}, {"AWS:REQUESTEDREGION", {"eu-west-1"}}}),
      "context.keys[AWS:REQUESTEDREGION]");
  EXPECT_EQ(refused({{"aws:MultiFactorAuthPresent", {"no"}}}),
            "context.keys[aws:MultiFactorAuthPresent].values[0]");
  EXPECT_EQ(refused({{"aws:MultiFactorAuthPresent", {"true", "true"}}}),
            "context.keys[aws:MultiFactorAuthPresent]");  // AWS sends one value
  EXPECT_EQ(refused({{"aws:VpcSourceIp", {"10.0.0.1/8"}}}),
            "context.keys[aws:VpcSourceIp].values[0]");
  EXPECT_EQ(refused({{"AWS:SOURCEIP", {"10.0.0.256"}}}), "context.keys[AWS:SOURCEIP].values[0]");
  EXPECT_EQ(refused({{"aws:SourceArn", {"arn:aws:s3"}}}), "context.keys[aws:SourceArn].values[0]");
  EXPECT_EQ(refused({{"aws:EpochTime", {"12abc"}}}), "context.keys[aws:EpochTime].values[0]");
  EXPECT_EQ(refused({{"aws:CurrentTime", {"2026-01-02T03:04:05Z"}}, {"aws:EpochTime", {"0"}}}), "");
  EXPECT_EQ(refused({{"aws:PrincipalTag/team", {"x"}}}), "context.keys[aws:PrincipalTag/team]");
  EXPECT_EQ(refused({{std::string(256, 'k'), {"x"}}}), "");
  EXPECT_EQ(refused({{std::string(257, 'k'), {"x"}}}),
            "context.keys[" + std::string(257, 'k') + "]");
  EXPECT_EQ(refused({{"k", {std::string(2048, 'v')}}}), "");
  EXPECT_EQ(refused({{"k", {std::string(2049, 'v')}}}), "context.keys[k].values[0]");
  EXPECT_EQ(refused({{"k", std::vector<std::string>(64, "v")}}), "");
  EXPECT_EQ(refused({{"k", std::vector<std::string>(65, "v")}}), "context.keys[k]");
  std::vector<std::pair<std::string, std::vector<std::string>>> many;
  for (int i = 0; i < 64; ++i) many.push_back({absl::StrCat("k", i), {}});
  EXPECT_EQ(refused(many), "");
  many.push_back({"k64", {}});
  EXPECT_EQ(refused(many), "context.keys");
  std::vector<std::pair<std::string, std::vector<std::string>>> big;
  for (int i = 0; i < 16; ++i) big.push_back({absl::StrCat("k", i), {std::string(2048, 'v')}});
  EXPECT_EQ(refused(big), "context");  // 32 KiB of values plus the keys
}

}  // namespace
}  // namespace pdp::difftest
