#include "tests/support/aws_export_compare.h"

#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "yaml-cpp/yaml.h"

namespace pdp::testing {
namespace {

using Json = nlohmann::json;

Json FromYaml(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& item : node) out.push_back(FromYaml(item));
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& kv : node) out[kv.first.Scalar()] = FromYaml(kv.second);
      return out;
    }
    case YAML::NodeType::Scalar:
      // Export quotes every string ("!" is the tag of a quoted scalar).
      if (node.Tag() != "!" && (node.Scalar() == "true" || node.Scalar() == "false")) {
        return node.Scalar() == "true";
      }
      return node.Scalar();
    default:
      return nullptr;
  }
}

std::optional<Json> ReadJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  Json j = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A policy document as either side has it: an object, a JSON string, or
// (AWS's API) URL-encoded JSON. Null when it is none of them.
Json Document(const Json& doc) {
  if (doc.is_object()) return doc;
  if (!doc.is_string()) return nullptr;
  std::string text = doc.get<std::string>();
  if (!text.empty() && text[0] == '%') {
    std::string decoded;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '%' && i + 2 < text.size() && Hex(text[i + 1]) >= 0 && Hex(text[i + 2]) >= 0) {
        decoded += static_cast<char>(Hex(text[i + 1]) * 16 + Hex(text[i + 2]));
        i += 2;
      } else {
        decoded += text[i];
      }
    }
    text = decoded;
  }
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? Json(nullptr) : parsed;
}

std::string Str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// j[key], or null: operator[] on a const json must not meet a missing key.
const Json& Field(const Json& j, const char* key) {
  static const Json kNull = nullptr;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

const Json& ListOf(const Json& j, const char* key) {
  static const Json kEmpty = Json::array();
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : kEmpty;
}

std::string Show(const std::set<std::string>& s) {
  return absl::StrCat("[", absl::StrJoin(s, ", "), "]");
}

std::string Show(const std::map<std::string, std::string>& m) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : m) parts.push_back(absl::StrCat(k, "=", v));
  return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
}

class Comparer {
 public:
  Comparer(const Json& world, const AwsExport& aws) : world_(world), aws_(aws) {}

  std::vector<std::string> Run() {
    for (const char* section : {"users", "groups", "roles", "managed_policies"}) {
      for (const Json& item : ListOf(world_, section)) {
        world_by_arn_[section][Str(item, "arn")] = &item;
      }
    }
    for (const std::string& file : aws_.iam_files) Iam(file);
    // AWS managed policies in the world (put, so exported) come from a file.
    for (const auto& [arn, item] : world_by_arn_["managed_policies"]) {
      if (absl::StartsWith(arn, "arn:aws:iam::aws:") && !aws_seen_.contains(arn) &&
          !aws_.iam_files.empty()) {
        Diff("managed_policies ", arn, ": in the world, not in any IAM file");
      }
    }
    if (!aws_.organization_dir.empty()) Organization();
    return std::move(diffs_);
  }

 private:
  template <typename... Parts>
  void Diff(const Parts&... parts) {
    diffs_.push_back(absl::StrCat(parts...));
  }

  template <typename T>
  void Expect(const std::string& what, const T& want, const T& got) {
    if (want != got) Diff(what, ": AWS has ", Show(want), ", the world ", Show(got));
  }

  void ExpectText(const std::string& what, const std::string& want, const std::string& got) {
    if (want != got) Diff(what, ": AWS has \"", want, "\", the world \"", got, "\"");
  }

  std::set<std::string> Kept(const std::set<std::string>& arns) const {
    std::set<std::string> out;
    for (const auto& a : arns) {
      if (!aws_.left_out_policies.contains(a)) out.insert(a);
    }
    return out;
  }

  static std::set<std::string> Strings(const Json& list) {
    std::set<std::string> out;
    for (const Json& s : list) {
      if (s.is_string()) out.insert(s.get<std::string>());
    }
    return out;
  }

  void Inline(const std::string& what, const Json& aws_list, const Json& world_list) {
    std::map<std::string, Json> want, got;
    for (const Json& p : aws_list)
      want[Str(p, "PolicyName")] = Document(Field(p, "PolicyDocument"));
    for (const Json& p : world_list) got[Str(p, "name")] = Document(Field(p, "document"));
    for (const auto& [name, doc] : want) {
      auto it = got.find(name);
      if (it == got.end()) {
        Diff(what, ": inline policy ", name, " is missing");
      } else if (doc.is_null() || it->second != doc) {
        Diff(what, ": inline policy ", name, " differs: AWS ", doc.dump(), ", the world ",
             it->second.dump());
      }
    }
    for (const auto& [name, doc] : got) {
      if (!want.contains(name)) Diff(what, ": inline policy ", name, " is not in AWS's");
    }
  }

  // A user, group or role of the AWS file against the world's.
  void Entity(const std::string& account, const Json& e, const char* section, const char* kind,
              const char* name_key, const char* id_key, const char* inline_key) {
    const std::string arn = Str(e, "Arn");
    const std::string what = absl::StrCat(kind, " ", arn);
    // The path is part of the ARN: check they agree in the source.
    const std::string from_path =
        absl::StrCat("arn:aws:iam::", account, ":", kind, Str(e, "Path"), Str(e, name_key));
    if (from_path != arn) Diff(what, ": Path and name make ", from_path);
    seen_[section].insert(arn);
    auto it = world_by_arn_[section].find(arn);
    if (it == world_by_arn_[section].end()) {
      Diff(what, ": not in the world");
      return;
    }
    const Json& w = *it->second;
    ExpectText(what + ": unique id", Str(e, id_key), Str(w, "unique_id"));
    std::set<std::string> attached;
    for (const Json& a : ListOf(e, "AttachedManagedPolicies")) attached.insert(Str(a, "PolicyArn"));
    Expect(what + ": attached policies", Kept(attached), Strings(ListOf(w, "attached_policies")));
    Inline(what, ListOf(e, inline_key), ListOf(w, "inline_policies"));
    if (std::string(kind) == "group") return;
    std::map<std::string, std::string> tags, world_tags;
    for (const Json& t : ListOf(e, "Tags")) tags[Str(t, "Key")] = Str(t, "Value");
    if (auto wt = w.find("tags"); wt != w.end() && wt->is_object()) {
      for (const auto& [k, v] : wt->items())
        world_tags[k] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    Expect(what + ": tags", tags, world_tags);
    std::string boundary;
    if (auto b = e.find("PermissionsBoundary"); b != e.end() && b->is_object()) {
      boundary = Str(*b, "PermissionsBoundaryArn");
      if (aws_.left_out_policies.contains(boundary)) boundary.clear();
    }
    ExpectText(what + ": permissions boundary", boundary, Str(w, "permissions_boundary"));
    if (std::string(kind) == "user") {
      Expect(what + ": groups", Strings(ListOf(e, "GroupList")), Strings(ListOf(w, "groups")));
    }
  }

  // A customer managed policy of `account`, or ("aws") an AWS managed one
  // the file carries (the import puts it for every account).
  void Policy(const std::string& account, const Json& p) {
    const std::string arn = Str(p, "Arn");
    const std::string what = "policy " + arn;
    const std::string from_path =
        absl::StrCat("arn:aws:iam::", account, ":policy", Str(p, "Path"), Str(p, "PolicyName"));
    if (from_path != arn) Diff(what, ": Path and name make ", from_path);
    (account == "aws" ? aws_seen_ : seen_["managed_policies"]).insert(arn);
    auto it = world_by_arn_["managed_policies"].find(arn);
    if (it == world_by_arn_["managed_policies"].end()) {
      Diff(what, ": not in the world");
      return;
    }
    const Json& w = *it->second;
    ExpectText(what + ": description", Str(p, "Description"), Str(w, "description"));
    // version id -> (default, document)
    std::map<std::string, std::pair<bool, Json>> want, got;
    for (const Json& v : ListOf(p, "PolicyVersionList")) {
      want[Str(v, "VersionId")] = {v.value("IsDefaultVersion", false),
                                   Document(Field(v, "Document"))};
    }
    if (w.contains("versions")) {
      for (const Json& v : ListOf(w, "versions")) {
        got[Str(v, "version_id")] = {v.value("is_default", false), Document(Field(v, "document"))};
      }
    } else {
      got["v1"] = {true, Document(w.value("document", Json()))};  // what `document` makes
    }
    const std::string default_id = Str(p, "DefaultVersionId");
    if (!want.contains(default_id) || !want[default_id].first) {
      Diff(what, ": DefaultVersionId ", default_id, " is not the version marked default");
    }
    for (const auto& [id, version] : want) {
      auto g = got.find(id);
      if (g == got.end()) {
        Diff(what, ": version ", id, " is missing");
        continue;
      }
      if (g->second.first != version.first) {
        Diff(what, ": version ", id, version.first ? " is" : " is not",
             " the default in AWS, the world says otherwise");
      }
      if (version.second.is_null() || g->second.second != version.second) {
        Diff(what, ": version ", id, " document differs: AWS ", version.second.dump(),
             ", the world ", g->second.second.dump());
      }
    }
    for (const auto& [id, version] : got) {
      if (!want.contains(id)) Diff(what, ": version ", id, " is not in AWS's");
    }
  }

  void Iam(const std::string& file) {
    std::optional<Json> details = ReadJson(file);
    if (!details.has_value()) {
      Diff(file, ": cannot read");
      return;
    }
    // The account: of the first ARN in the file.
    std::string account;
    for (const char* list : {"UserDetailList", "GroupDetailList", "RoleDetailList"}) {
      for (const Json& e : ListOf(*details, list)) {
        const std::string arn = Str(e, "Arn");  // arn:aws:iam::ACCOUNT:...
        if (account.empty() && arn.size() > 25) account = arn.substr(13, 12);
      }
    }
    const std::string prefix = absl::StrCat("arn:aws:iam::", account, ":");
    for (const char* section : {"users", "groups", "roles", "managed_policies"}) {
      seen_[section].clear();
    }
    for (const Json& u : ListOf(*details, "UserDetailList")) {
      Entity(account, u, "users", "user", "UserName", "UserId", "UserPolicyList");
    }
    for (const Json& g : ListOf(*details, "GroupDetailList")) {
      Entity(account, g, "groups", "group", "GroupName", "GroupId", "GroupPolicyList");
    }
    for (const Json& r : ListOf(*details, "RoleDetailList")) {
      Entity(account, r, "roles", "role", "RoleName", "RoleId", "RolePolicyList");
    }
    for (const Json& p : ListOf(*details, "Policies")) {
      if (absl::StartsWith(Str(p, "Arn"), "arn:aws:iam::aws:")) {
        if (!aws_.left_out_policies.contains(Str(p, "Arn"))) Policy("aws", p);
      } else {
        Policy(account, p);
      }
    }
    // And nothing more in this account.
    for (const char* section : {"users", "groups", "roles", "managed_policies"}) {
      for (const auto& [arn, item] : world_by_arn_[section]) {
        if (absl::StartsWith(arn, prefix) && !seen_[section].contains(arn)) {
          Diff(section, " ", arn, ": in the world, not in ", file);
        }
      }
    }
  }

  void Organization() {
    const std::string dir = aws_.organization_dir + "/";
    std::optional<Json> described = ReadJson(dir + "describe-organization.json");
    std::optional<Json> roots = ReadJson(dir + "list-roots.json");
    std::optional<Json> policies = ReadJson(dir + "list-policies.json");
    if (!described || !roots || !policies) {
      Diff(dir, ": cannot read describe-organization, list-roots or list-policies");
      return;
    }
    const Json& org = (*described)["Organization"];
    const std::string org_id = Str(org, "Id"), management = Str(org, "MasterAccountId");
    const Json* w = nullptr;
    for (const Json& o : ListOf(world_, "organizations")) {
      if (Str(o, "id") == org_id) w = &o;
    }
    if (w == nullptr) {
      Diff("organization ", org_id, ": not in the world");
      return;
    }
    const std::string what = "organization " + org_id;
    ExpectText(what + ": management account", management, Str(*w, "management_account"));
    const Json& root = (*roots)["Roots"][0];
    const std::string root_id = Str(root, "Id");
    ExpectText(what + ": root", root_id, Str(*w, "root_id"));
    bool scps = false;
    for (const Json& t : ListOf(root, "PolicyTypes")) {
      scps = scps || (Str(t, "Type") == "SERVICE_CONTROL_POLICY" && Str(t, "Status") == "ENABLED");
    }
    if (w->value("scps_enabled", false) != scps) Diff(what, ": scps_enabled differs");

    // The tree, breadth first from the root: OUs and members.
    std::map<std::string, std::string> account_names;  // the world's accounts section
    for (const Json& a : ListOf(world_, "accounts")) account_names[Str(a, "id")] = Str(a, "name");
    std::set<std::string> want_ous, got_ous, want_members, got_members, targets = {root_id};
    std::vector<std::string> parents = {root_id};
    for (size_t next = 0; next < parents.size() && next < 10000; ++next) {
      const std::string parent = parents[next];
      std::optional<Json> ous =
          ReadJson(dir + "list-organizational-units-for-parent/" + parent + ".json");
      std::optional<Json> accounts = ReadJson(dir + "list-accounts-for-parent/" + parent + ".json");
      if (!ous || !accounts) {
        Diff(dir, ": cannot read the listings of ", parent);
        continue;
      }
      for (const Json& ou : ListOf(*ous, "OrganizationalUnits")) {
        want_ous.insert(absl::StrCat(Str(ou, "Id"), " ", Str(ou, "Name"), " under ", parent));
        parents.push_back(Str(ou, "Id"));
        targets.insert(Str(ou, "Id"));
      }
      for (const Json& a : ListOf(*accounts, "Accounts")) {
        const std::string id = Str(a, "Id");
        if (id == management) {
          ExpectText(what + ": management account's name", Str(a, "Name"), account_names[id]);
          continue;
        }
        targets.insert(id);
        const std::string joined = Str(a, "JoinedMethod") == "CREATED" ? "created" : "invited";
        want_members.insert(absl::StrCat(id, " ", Str(a, "Name"), " ", joined, " under ", parent));
      }
    }
    for (const Json& ou : ListOf(*w, "organizational_units")) {
      got_ous.insert(
          absl::StrCat(Str(ou, "id"), " ", Str(ou, "name"), " under ", Str(ou, "parent")));
    }
    for (const Json& m : ListOf(*w, "accounts")) {
      const std::string id = Str(m, "id");
      // A created member's name is in the organization section; an
      // invited one's in the accounts section.
      const std::string name = Str(m, "joined") == "created" ? Str(m, "name") : account_names[id];
      got_members.insert(
          absl::StrCat(id, " ", name, " ", Str(m, "joined"), " under ", Str(m, "parent")));
    }
    Expect(what + ": OUs", want_ous, got_ous);
    Expect(what + ": members", want_members, got_members);

    // SCPs and where they are attached.
    std::map<std::string, const Json*> world_scps;
    for (const Json& s : ListOf(*w, "scps")) world_scps[Str(s, "id")] = &s;
    std::set<std::string> want_attach, got_attach, want_detach, got_detach;
    for (const Json& a : ListOf(*w, "attach")) {
      got_attach.insert(absl::StrCat(Str(a, "policy"), " on ", Str(a, "target")));
    }
    for (const Json& d : ListOf(*w, "detach")) {
      got_detach.insert(absl::StrCat(Str(d, "policy"), " on ", Str(d, "target")));
    }
    std::set<std::string> aws_scps;
    for (const Json& p : ListOf(*policies, "Policies")) {
      const std::string id = Str(p, "Id");
      std::optional<Json> listed = ReadJson(dir + "list-targets-for-policy/" + id + ".json");
      if (!listed) {
        Diff(dir, ": cannot read the targets of ", id);
        continue;
      }
      std::set<std::string> on;
      for (const Json& t : ListOf(*listed, "Targets")) {
        if (Str(t, "TargetId") != management) on.insert(Str(t, "TargetId"));
      }
      if (id == "p-FullAWSAccess") {  // on everything it is not detached from
        for (const std::string& t : targets) {
          if (!on.contains(t)) want_detach.insert(absl::StrCat(id, " on ", t));
        }
        continue;
      }
      aws_scps.insert(id);
      for (const std::string& t : on) want_attach.insert(absl::StrCat(id, " on ", t));
      std::optional<Json> description = ReadJson(dir + "describe-policy/" + id + ".json");
      auto ws = world_scps.find(id);
      if (!description || ws == world_scps.end()) {
        Diff("SCP ", id, ": ", !description ? "cannot read its description" : "not in the world");
        continue;
      }
      const Json& summary = (*description)["Policy"]["PolicySummary"];
      ExpectText("SCP " + id + ": name", Str(summary, "Name"), Str(*ws->second, "name"));
      ExpectText("SCP " + id + ": description", Str(summary, "Description"),
                 Str(*ws->second, "description"));
      const Json want_doc = Document((*description)["Policy"]["Content"]);
      const Json got_doc = Document(ws->second->value("document", Json()));
      if (want_doc.is_null() || want_doc != got_doc) {
        Diff("SCP ", id, ": document differs: AWS ", want_doc.dump(), ", the world ",
             got_doc.dump());
      }
    }
    for (const auto& [id, scp] : world_scps) {
      if (!aws_scps.contains(id)) Diff("SCP ", id, ": in the world, not in the export");
    }
    Expect(what + ": SCP attachments", want_attach, got_attach);
    Expect(what + ": FullAWSAccess detached from", want_detach, got_detach);
  }

  const Json& world_;
  const AwsExport& aws_;
  std::vector<std::string> diffs_;
  // section -> ARN -> the world's item
  std::map<std::string, std::map<std::string, const Json*>> world_by_arn_;
  // section -> ARNs of the IAM file being compared
  std::map<std::string, std::set<std::string>> seen_;
  // AWS managed policies any IAM file carries
  std::set<std::string> aws_seen_;
};

}  // namespace

absl::StatusOr<nlohmann::json> ReadWorldFile(const std::string& path) {
  try {
    return FromYaml(YAML::LoadFile(path));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  }
}

std::vector<std::string> CompareWorldWithAwsExport(const nlohmann::json& world,
                                                   const AwsExport& aws) {
  return Comparer(world, aws).Run();
}

}  // namespace pdp::testing
