#include "world/aws_organizations_import.h"

#include <deque>
#include <utility>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "nlohmann/json.hpp"
#include "world/world_file.h"

namespace pdp {
namespace {

using Json = nlohmann::json;

constexpr char kFullAwsAccess[] = "p-FullAWSAccess";
// AWS allows 1,000 OUs per organization; a bound well above it stops a
// malformed export (an OU listed under itself) from running away.
constexpr size_t kMaxOus = 10000;

// Ids name files of the export ("list-accounts-for-parent/<id>.json"):
// only AWS's id characters, so an id can never reach outside the export.
bool IsFileSafeId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

// One parsed export file and how to name places in it.
struct File {
  std::string name;
  Json json;
  std::string At(const std::string& json_path) const {
    return json_path.empty() ? name : absl::StrCat(name, ": ", json_path);
  }
};

class OrganizationImporter {
 public:
  explicit OrganizationImporter(const ExportFileReader& read) : read_(read) {}

  absl::StatusOr<AwsOrganizationsImport> Run() {
    absl::StatusOr<File> described = Open("describe-organization.json");
    if (!described.ok()) return described.status();
    absl::StatusOr<const Json*> org = Object(*described, described->json, "Organization");
    if (!org.ok()) return org.status();
    absl::StatusOr<std::string> org_id = Text(*described, **org, "Organization", "Id");
    if (!org_id.ok()) return org_id.status();
    absl::StatusOr<std::string> management =
        Text(*described, **org, "Organization", "MasterAccountId");
    if (!management.ok()) return management.status();
    out_.organization_id = *org_id;
    management_ = *management;

    absl::StatusOr<File> roots = Open("list-roots.json");
    if (!roots.ok()) return roots.status();
    absl::StatusOr<const Json*> root_list = List(*roots, roots->json, "", "Roots");
    if (!root_list.ok()) return root_list.status();
    if ((*root_list)->size() != 1) {
      return FieldError(roots->At("Roots"), "an organization has exactly one root");
    }
    const Json& root = (**root_list)[0];
    absl::StatusOr<std::string> root_id = Text(*roots, root, "Roots[0]", "Id");
    if (!root_id.ok()) return root_id.status();
    if (!IsFileSafeId(*root_id)) return FieldError(roots->At("Roots[0].Id"), "is not a root id");
    root_id_ = *root_id;
    absl::StatusOr<bool> scps_enabled = ScpsEnabled(*roots, root);
    if (!scps_enabled.ok()) return scps_enabled.status();

    world_org_ = {{"id", *org_id},
                  {"management_account", management_},
                  {"root_id", root_id_},
                  {"scps_enabled", *scps_enabled},
                  {"organizational_units", Json::array()},
                  {"accounts", Json::array()},
                  {"scps", Json::array()},
                  {"attach", Json::array()},
                  {"detach", Json::array()}};
    world_accounts_ = Json::array();
    absl::Status s = Tree();
    if (s.ok() && *scps_enabled) s = Policies();
    if (!s.ok()) return s;
    return Changes();
  }

 private:
  absl::StatusOr<File> Open(const std::string& name) {
    std::optional<std::string> text = read_(name);
    if (!text.has_value()) {
      return FieldError(name, "is missing from the export (docs/data-formats.md lists the files)",
                        absl::StatusCode::kNotFound);
    }
    File f{name, Json::parse(*text, nullptr, /*allow_exceptions=*/false)};
    if (f.json.is_discarded() || !f.json.is_object()) {
      return FieldError(name, "is not the JSON object the AWS CLI prints");
    }
    if (f.json.contains("NextToken")) {
      return FieldError(f.At("NextToken"),
                        "the file is one page of a longer listing; save every page (the AWS CLI "
                        "does unless --max-items or --no-paginate is given)");
    }
    return f;
  }

  static std::string Join(const std::string& path, const char* key) {
    return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
  }

  static absl::StatusOr<const Json*> Object(const File& f, const Json& parent, const char* key) {
    auto it = parent.find(key);
    if (it == parent.end() || !it->is_object()) return FieldError(f.At(key), "must be an object");
    return &*it;
  }

  static absl::StatusOr<const Json*> List(const File& f, const Json& parent,
                                          const std::string& path, const char* key) {
    auto it = parent.find(key);
    if (it == parent.end() || !it->is_array()) {
      return FieldError(f.At(Join(path, key)), "must be a list");
    }
    return &*it;
  }

  static absl::StatusOr<std::string> Text(const File& f, const Json& obj, const std::string& path,
                                          const char* key, bool required = true) {
    if (!obj.is_object()) return FieldError(f.At(path), "must be an object");
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      if (!required) return std::string();
      return FieldError(f.At(Join(path, key)), "is required");
    }
    if (!it->is_string()) return FieldError(f.At(Join(path, key)), "must be a string");
    return it->get<std::string>();
  }

  // SCPs are on when the root lists the policy type as ENABLED.
  static absl::StatusOr<bool> ScpsEnabled(const File& f, const Json& root) {
    auto types = root.find("PolicyTypes");
    if (types == root.end() || types->is_null()) return false;
    if (!types->is_array()) return FieldError(f.At("Roots[0].PolicyTypes"), "must be a list");
    for (const Json& t : *types) {
      if (t.is_object() && t.value("Type", "") == "SERVICE_CONTROL_POLICY" &&
          t.value("Status", "") == "ENABLED") {
        return true;
      }
    }
    return false;
  }

  // The root, then OUs breadth first (parents before children), with the
  // accounts under each.
  absl::Status Tree() {
    std::deque<std::string> parents = {root_id_};
    targets_.push_back(root_id_);
    while (!parents.empty()) {
      const std::string parent = parents.front();
      parents.pop_front();
      absl::StatusOr<File> ous =
          Open(absl::StrCat("list-organizational-units-for-parent/", parent, ".json"));
      if (!ous.ok()) return ous.status();
      absl::StatusOr<const Json*> list = List(*ous, ous->json, "", "OrganizationalUnits");
      if (!list.ok()) return list.status();
      for (size_t i = 0; i < (*list)->size(); ++i) {
        const std::string path = absl::StrCat("OrganizationalUnits[", i, "]");
        absl::StatusOr<std::string> id = Text(*ous, (**list)[i], path, "Id");
        if (!id.ok()) return id.status();
        absl::StatusOr<std::string> name = Text(*ous, (**list)[i], path, "Name");
        if (!name.ok()) return name.status();
        if (!IsFileSafeId(*id)) return FieldError(ous->At(Join(path, "Id")), "is not an OU id");
        if (!seen_.insert(*id).second || *id == root_id_) {
          return FieldError(ous->At(Join(path, "Id")), "is listed twice in the tree");
        }
        if (seen_.size() > kMaxOus) {
          return FieldError(ous->At(path), absl::StrCat("more than ", kMaxOus, " OUs"));
        }
        Push("organizational_units", {{"id", *id}, {"name", *name}, {"parent", parent}},
             ous->At(path));
        ++out_.organizational_units;
        targets_.push_back(*id);
        parents.push_back(*id);
      }
      absl::Status s = Accounts(parent);
      if (!s.ok()) return s;
    }
    // The management account (named from its listing when it has one).
    Json management = {{"id", management_}};
    if (auto name = names_.find(management_); name != names_.end()) {
      management["name"] = name->second;
    }
    world_accounts_.insert(world_accounts_.begin(), management);
    account_sources_.insert(account_sources_.begin(), "describe-organization.json");
    return absl::OkStatus();
  }

  absl::Status Accounts(const std::string& parent) {
    absl::StatusOr<File> f = Open(absl::StrCat("list-accounts-for-parent/", parent, ".json"));
    if (!f.ok()) return f.status();
    absl::StatusOr<const Json*> list = List(*f, f->json, "", "Accounts");
    if (!list.ok()) return list.status();
    for (size_t i = 0; i < (*list)->size(); ++i) {
      const std::string path = absl::StrCat("Accounts[", i, "]");
      const Json& a = (**list)[i];
      absl::StatusOr<std::string> id = Text(*f, a, path, "Id");
      if (!id.ok()) return id.status();
      absl::StatusOr<std::string> name = Text(*f, a, path, "Name", false);
      if (!name.ok()) return name.status();
      absl::StatusOr<std::string> joined = Text(*f, a, path, "JoinedMethod");
      if (!joined.ok()) return joined.status();
      if (!seen_.insert(*id).second) {
        return FieldError(f->At(Join(path, "Id")), "is listed twice in the tree");
      }
      names_[*id] = *name;
      if (*id == management_) continue;  // the organization's own account, not a member
      if (*joined != "CREATED" && *joined != "INVITED") {
        return FieldError(f->At(Join(path, "JoinedMethod")), "must be CREATED or INVITED");
      }
      Json member = {{"id", *id}, {"parent", parent}};
      if (*joined == "CREATED") {
        member["joined"] = "created";
        if (!name->empty()) member["name"] = *name;
      } else {
        // An invited account keeps its own record: it must exist, so it
        // is in the accounts section (created there if missing).
        member["joined"] = "invited";
        Json account = {{"id", *id}};
        if (!name->empty()) account["name"] = *name;
        world_accounts_.push_back(account);
        account_sources_.push_back(f->At(path));
      }
      Push("accounts", member, f->At(path));
      ++out_.accounts;
      targets_.push_back(*id);
    }
    return absl::OkStatus();
  }

  // Every SCP but FullAWSAccess (the server has its own) is created, and
  // every SCP is attached exactly where AWS lists it.
  absl::Status Policies() {
    absl::StatusOr<File> f = Open("list-policies.json");
    if (!f.ok()) return f.status();
    absl::StatusOr<const Json*> list = List(*f, f->json, "", "Policies");
    if (!list.ok()) return list.status();
    for (size_t i = 0; i < (*list)->size(); ++i) {
      const std::string path = absl::StrCat("Policies[", i, "]");
      absl::StatusOr<std::string> id = Text(*f, (**list)[i], path, "Id");
      if (!id.ok()) return id.status();
      if (!IsFileSafeId(*id)) return FieldError(f->At(Join(path, "Id")), "is not a policy id");
      if (*id != kFullAwsAccess) {
        absl::Status s = Describe(*id);
        if (!s.ok()) return s;
      }
      absl::Status s = Targets(*id);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status Describe(const std::string& id) {
    absl::StatusOr<File> f = Open(absl::StrCat("describe-policy/", id, ".json"));
    if (!f.ok()) return f.status();
    absl::StatusOr<const Json*> policy = Object(*f, f->json, "Policy");
    if (!policy.ok()) return policy.status();
    absl::StatusOr<const Json*> summary = Object(*f, **policy, "PolicySummary");
    if (!summary.ok()) return AtField("Policy", summary.status());
    absl::StatusOr<std::string> name = Text(*f, **summary, "Policy.PolicySummary", "Name");
    if (!name.ok()) return name.status();
    absl::StatusOr<std::string> description =
        Text(*f, **summary, "Policy.PolicySummary", "Description", false);
    if (!description.ok()) return description.status();
    absl::StatusOr<std::string> content = Text(*f, **policy, "Policy", "Content");
    if (!content.ok()) return content.status();
    Push("scps",
         {{"id", id}, {"name", *name}, {"description", *description}, {"document", *content}},
         f->At("Policy"));
    ++out_.scps;
    return absl::OkStatus();
  }

  absl::Status Targets(const std::string& id) {
    absl::StatusOr<File> f = Open(absl::StrCat("list-targets-for-policy/", id, ".json"));
    if (!f.ok()) return f.status();
    absl::StatusOr<const Json*> list = List(*f, f->json, "", "Targets");
    if (!list.ok()) return list.status();
    absl::flat_hash_set<std::string> listed;
    for (size_t i = 0; i < (*list)->size(); ++i) {
      const std::string path = absl::StrCat("Targets[", i, "]");
      absl::StatusOr<std::string> target = Text(*f, (**list)[i], path, "TargetId");
      if (!target.ok()) return target.status();
      // SCPs never limit the management account; its attachments do nothing.
      if (*target == management_) continue;
      if (std::find(targets_.begin(), targets_.end(), *target) == targets_.end()) {
        return FieldError(f->At(Join(path, "TargetId")),
                          "is neither the root, an OU nor a member account of the export");
      }
      listed.insert(*target);
      Push("attach", {{"policy", id}, {"target", *target}}, f->At(path));
      ++out_.attachments;
    }
    for (const std::string& target : targets_) {
      if (listed.contains(target)) continue;
      Push("detach", {{"policy", id}, {"target", target}},
           absl::StrCat(f->name, ": not listed, so detached from ", target));
    }
    return absl::OkStatus();
  }

  void Push(const char* section, Json item, std::string source) {
    Json& list = world_org_[section];
    sources_[absl::StrCat("organizations[0].", section, "[", list.size(), "]")] = std::move(source);
    list.push_back(std::move(item));
  }

  absl::StatusOr<AwsOrganizationsImport> Changes() {
    Json world = {{"accounts", world_accounts_}, {"organizations", Json::array({world_org_})}};
    for (size_t i = 0; i < account_sources_.size(); ++i) {
      sources_[absl::StrCat("accounts[", i, "]")] = account_sources_[i];
    }
    sources_["organizations[0]"] = "describe-organization.json";
    std::vector<std::string> world_paths;
    absl::StatusOr<std::vector<pdp::v1::Change>> changes =
        WorldToChanges(world.dump(), &world_paths);
    if (!changes.ok()) {
      // What AWS gave is not valid here (an id of another shape, a name too
      // long): say it about the export, not the intermediate world.
      return absl::Status(changes.status().code(),
                          absl::StrCat("the export does not make a valid organization: ",
                                       changes.status().message()));
    }
    out_.changes = std::move(*changes);
    for (const std::string& p : world_paths) {
      auto it = sources_.find(p);
      out_.item_paths.push_back(it == sources_.end() ? p : it->second);
    }
    return std::move(out_);
  }

  const ExportFileReader& read_;
  AwsOrganizationsImport out_;
  std::string management_;
  std::string root_id_;
  Json world_org_;
  Json world_accounts_;
  std::vector<std::string> account_sources_;
  // The root, OUs and members, in tree order: where SCPs can be attached.
  std::vector<std::string> targets_;
  absl::flat_hash_set<std::string> seen_;
  absl::flat_hash_map<std::string, std::string> names_;    // account id -> name
  absl::flat_hash_map<std::string, std::string> sources_;  // world path -> export place
};

}  // namespace

absl::StatusOr<AwsOrganizationsImport> ImportAwsOrganization(const ExportFileReader& read) {
  return OrganizationImporter(read).Run();
}

}  // namespace pdp
