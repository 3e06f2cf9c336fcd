#include "world/world_file.h"

#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "engine/policy/policy_json.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace pdp {
namespace {

// YAML -> JSON keeping every plain scalar a string except true/false/null,
// so 12-digit account ids stay strings and policy text is unchanged.
absl::StatusOr<Json> YamlToJson(const YAML::Node& node, const std::string& path) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return Json(nullptr);
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      if (node.Tag() != "!") {  // unquoted
        if (s == "true" || s == "True") return Json(true);
        if (s == "false" || s == "False") return Json(false);
        if (s == "null" || s == "~") return Json(nullptr);
      }
      return Json(s);
    }
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (size_t i = 0; i < node.size(); ++i) {
        absl::StatusOr<Json> v = YamlToJson(node[i], absl::StrCat(path, "[", i, "]"));
        if (!v.ok()) return v;
        out.push_back(std::move(*v));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
          return FieldError(path, "mapping keys must be plain strings");
        }
        std::string key = kv.first.Scalar();
        std::string kpath = path.empty() ? key : absl::StrCat(path, ".", key);
        if (out.contains(key)) return FieldError(kpath, "duplicate key");
        absl::StatusOr<Json> v = YamlToJson(kv.second, kpath);
        if (!v.ok()) return v;
        out[key] = std::move(*v);
      }
      return out;
    }
  }
  return Json(nullptr);
}

class WorldReader {
 public:
  absl::StatusOr<std::vector<pdp::v1::Change>> Read(const Json& root) {
    if (!root.is_object()) return FieldError("", "a world file must be a mapping");
    static constexpr absl::string_view kSections[] = {
        "accounts", "organizations", "managed_policies", "groups",
        "users",    "roles",         "role_sessions"};
    absl::Status s = CheckKnownFields(root, "",
                                      {kSections[0], kSections[1], kSections[2], kSections[3],
                                       kSections[4], kSections[5], kSections[6]});
    if (!s.ok()) return s;
    // Order matters: accounts (and accounts created through organizations),
    // policies and groups must exist before what refers to them.
    for (absl::string_view section : kSections) {
      if (!root.contains(section)) continue;
      const Json& list = root[std::string(section)];
      if (!list.is_array()) return FieldError(section, "must be a list");
      for (size_t i = 0; i < list.size(); ++i) {
        std::string path = absl::StrCat(section, "[", i, "]");
        s = section == "organizations" ? ReadOrganization(list[i], path)
                                       : ReadItem(section, list[i], path);
        if (!s.ok()) return s;
      }
    }
    return std::move(changes_);
  }

 private:
  static absl::StatusOr<std::string> Str(const Json& obj, const std::string& path,
                                         absl::string_view key, bool required) {
    std::string kpath = absl::StrCat(path, ".", key);
    if (!obj.contains(key) || obj[std::string(key)].is_null()) {
      if (required) return FieldError(kpath, "is required");
      return std::string();
    }
    const Json& v = obj[std::string(key)];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number()) return v.dump();
    return FieldError(kpath, "must be a string");
  }

  static absl::Status StrList(const Json& obj, const std::string& path, absl::string_view key,
                              google::protobuf::RepeatedPtrField<std::string>* out) {
    if (!obj.contains(key) || obj[std::string(key)].is_null()) return absl::OkStatus();
    const Json& v = obj[std::string(key)];
    std::string kpath = absl::StrCat(path, ".", key);
    if (!v.is_array()) return FieldError(kpath, "must be a list of strings");
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string())
        return FieldError(absl::StrCat(kpath, "[", i, "]"), "must be a string");
      out->Add(v[i].get<std::string>());
    }
    return absl::OkStatus();
  }

  static absl::StatusOr<std::string> Document(const Json& obj, const std::string& path) {
    std::string kpath = path + ".document";
    if (!obj.contains("document")) return FieldError(kpath, "is required");
    const Json& d = obj["document"];
    if (d.is_string()) return d.get<std::string>();
    if (d.is_object()) return d.dump();
    return FieldError(kpath, "must be a policy object or a JSON string");
  }

  static absl::Status Versions(const Json& list, const std::string& path,
                               google::protobuf::RepeatedPtrField<pdp::v1::PolicyVersion>* out) {
    if (!list.is_array()) return FieldError(path, "must be a list of versions");
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string vpath = absl::StrCat(path, "[", i, "]");
      absl::Status s = CheckKnownFields(list[i], vpath, {"version_id", "document", "is_default"});
      if (!s.ok()) return s;
      pdp::v1::PolicyVersion* v = out->Add();
      absl::StatusOr<std::string> id = Str(list[i], vpath, "version_id", true);
      if (!id.ok()) return id.status();
      absl::StatusOr<std::string> doc = Document(list[i], vpath);
      if (!doc.ok()) return doc.status();
      v->set_version_id(*id);
      v->set_document(*doc);
      absl::StatusOr<std::optional<bool>> is_default = Bool(list[i], vpath, "is_default");
      if (!is_default.ok()) return is_default.status();
      v->set_is_default(is_default->value_or(false));
    }
    return absl::OkStatus();
  }

  static absl::Status Inline(const Json& obj, const std::string& path,
                             google::protobuf::RepeatedPtrField<pdp::v1::InlinePolicy>* out) {
    if (!obj.contains("inline_policies") || obj["inline_policies"].is_null()) {
      return absl::OkStatus();
    }
    const Json& list = obj["inline_policies"];
    std::string lpath = path + ".inline_policies";
    if (!list.is_array()) return FieldError(lpath, "must be a list");
    for (size_t i = 0; i < list.size(); ++i) {
      std::string ipath = absl::StrCat(lpath, "[", i, "]");
      absl::Status s = CheckKnownFields(list[i], ipath, {"name", "document"});
      if (!s.ok()) return s;
      absl::StatusOr<std::string> name = Str(list[i], ipath, "name", true);
      if (!name.ok()) return name.status();
      absl::StatusOr<std::string> doc = Document(list[i], ipath);
      if (!doc.ok()) return doc.status();
      pdp::v1::InlinePolicy* p = out->Add();
      p->set_name(*name);
      p->set_document(*doc);
    }
    return absl::OkStatus();
  }

  static absl::Status Tags(const Json& obj, const std::string& path,
                           google::protobuf::Map<std::string, std::string>* out) {
    if (!obj.contains("tags") || obj["tags"].is_null()) return absl::OkStatus();
    const Json& tags = obj["tags"];
    if (!tags.is_object()) return FieldError(path + ".tags", "must be a mapping of strings");
    for (const auto& [k, v] : tags.items()) {
      if (v.is_string()) {
        (*out)[k] = v.get<std::string>();
      } else if (v.is_number() || v.is_boolean()) {
        (*out)[k] = v.dump();
      } else {
        return FieldError(absl::StrCat(path, ".tags.", k), "must be a string");
      }
    }
    return absl::OkStatus();
  }

  static absl::StatusOr<std::optional<bool>> Bool(const Json& obj, const std::string& path,
                                                  absl::string_view key) {
    if (!obj.contains(key) || obj[std::string(key)].is_null()) return std::optional<bool>();
    if (!obj[std::string(key)].is_boolean()) {
      return FieldError(absl::StrCat(path, ".", key), "must be true or false");
    }
    return std::optional<bool>(obj[std::string(key)].get<bool>());
  }

  void Add(pdp::v1::Change change, std::string path) {
    changes_.push_back(std::move(change));
    item_paths_.push_back(std::move(path));
  }

  // A list under `key` of mappings with the given fields; `read` turns
  // each into changes.
  template <typename Fn>
  absl::Status ForEach(const Json& obj, const std::string& path, absl::string_view key,
                       std::initializer_list<absl::string_view> fields, Fn read) {
    if (!obj.contains(key) || obj[std::string(key)].is_null()) return absl::OkStatus();
    const Json& list = obj[std::string(key)];
    std::string lpath = absl::StrCat(path, ".", key);
    if (!list.is_array()) return FieldError(lpath, "must be a list");
    for (size_t i = 0; i < list.size(); ++i) {
      std::string ipath = absl::StrCat(lpath, "[", i, "]");
      absl::Status s = CheckKnownFields(list[i], ipath, fields);
      if (!s.ok()) return s;
      s = read(list[i], ipath);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }

  // An organization: created with its management account (which must be in
  // the accounts section), then its OUs, member accounts (created through
  // the organization, or invited existing accounts), SCPs, and SCP
  // attachments and detachments, in that order. Every change reconciles
  // (allow_existing; detach: allow_missing), so a file applied again
  // changes only what differs from it.
  absl::Status ReadOrganization(const Json& item, const std::string& path) {
    absl::Status s =
        CheckKnownFields(item, path,
                         {"id", "management_account", "root_id", "scps_enabled",
                          "organizational_units", "accounts", "scps", "attach", "detach"});
    if (!s.ok()) return s;
    absl::StatusOr<std::string> id = Str(item, path, "id", true);
    if (!id.ok()) return id.status();
    absl::StatusOr<std::string> management = Str(item, path, "management_account", true);
    if (!management.ok()) return management.status();
    absl::StatusOr<std::string> root = Str(item, path, "root_id", true);
    if (!root.ok()) return root.status();
    absl::StatusOr<std::optional<bool>> scps = Bool(item, path, "scps_enabled");
    if (!scps.ok()) return scps.status();
    pdp::v1::Change change;
    auto* create = change.mutable_create_organization();
    create->set_organization_id(*id);
    create->set_management_account_id(*management);
    create->set_root_id(*root);
    create->set_scps_enabled(scps->value_or(false));
    create->set_allow_existing(true);
    Add(std::move(change), path);
    s = ForEach(item, path, "organizational_units", {"id", "name", "parent"},
                [&](const Json& ou, const std::string& opath) -> absl::Status {
                  pdp::v1::Change c;
                  auto* create_ou = c.mutable_create_organizational_unit();
                  create_ou->set_organization_id(*id);
                  absl::StatusOr<std::string> ou_id = Str(ou, opath, "id", true);
                  if (!ou_id.ok()) return ou_id.status();
                  absl::StatusOr<std::string> name = Str(ou, opath, "name", true);
                  if (!name.ok()) return name.status();
                  absl::StatusOr<std::string> parent = Str(ou, opath, "parent", true);
                  if (!parent.ok()) return parent.status();
                  create_ou->set_ou_id(*ou_id);
                  create_ou->set_name(*name);
                  create_ou->set_parent_id(*parent);
                  create_ou->set_allow_existing(true);
                  Add(std::move(c), opath);
                  return absl::OkStatus();
                });
    if (!s.ok()) return s;
    s = ForEach(
        item, path, "accounts", {"id", "name", "parent", "joined", "iam_user_access_to_billing"},
        [&](const Json& a, const std::string& apath) -> absl::Status {
          absl::StatusOr<std::string> account = Str(a, apath, "id", true);
          if (!account.ok()) return account.status();
          absl::StatusOr<std::string> parent = Str(a, apath, "parent", false);
          if (!parent.ok()) return parent.status();
          absl::StatusOr<std::string> joined = Str(a, apath, "joined", true);
          if (!joined.ok()) return joined.status();
          absl::StatusOr<std::string> name = Str(a, apath, "name", false);
          if (!name.ok()) return name.status();
          absl::StatusOr<std::string> access = Str(a, apath, "iam_user_access_to_billing", false);
          if (!access.ok()) return access.status();
          pdp::v1::Change c;
          if (*joined == "created") {
            auto* m = c.mutable_create_member_account();
            m->set_organization_id(*id);
            m->set_account_id(*account);
            m->set_name(*name);
            m->set_parent_id(*parent);
            m->set_allow_existing(true);
            if (*access == "DENY") {
              m->set_iam_user_access_to_billing(pdp::v1::IAM_USER_ACCESS_DENY);
            } else if (!access->empty() && *access != "ALLOW") {
              return FieldError(apath + ".iam_user_access_to_billing", "must be ALLOW or DENY");
            }
          } else if (*joined == "invited") {
            if (!access->empty() || !name->empty()) {
              return FieldError(apath,
                                "an invited account keeps its own name and settings "
                                "(set them in the accounts section)");
            }
            auto* m = c.mutable_invite_account();
            m->set_organization_id(*id);
            m->set_account_id(*account);
            m->set_parent_id(*parent);
            m->set_allow_existing(true);
          } else {
            return FieldError(apath + ".joined", "must be \"created\" or \"invited\"");
          }
          Add(std::move(c), apath);
          return absl::OkStatus();
        });
    if (!s.ok()) return s;
    s = ForEach(item, path, "scps", {"id", "name", "description", "document"},
                [&](const Json& p, const std::string& ppath) -> absl::Status {
                  pdp::v1::Change c;
                  auto* scp = c.mutable_create_scp();
                  scp->set_organization_id(*id);
                  absl::StatusOr<std::string> pid = Str(p, ppath, "id", true);
                  if (!pid.ok()) return pid.status();
                  absl::StatusOr<std::string> name = Str(p, ppath, "name", true);
                  if (!name.ok()) return name.status();
                  absl::StatusOr<std::string> description = Str(p, ppath, "description", false);
                  if (!description.ok()) return description.status();
                  absl::StatusOr<std::string> doc = Document(p, ppath);
                  if (!doc.ok()) return doc.status();
                  scp->set_policy_id(*pid);
                  scp->set_name(*name);
                  scp->set_description(*description);
                  scp->set_document(*doc);
                  scp->set_allow_existing(true);
                  Add(std::move(c), ppath);
                  return absl::OkStatus();
                });
    if (!s.ok()) return s;
    for (bool attach : {true, false}) {
      s = ForEach(item, path, attach ? "attach" : "detach", {"policy", "target"},
                  [&](const Json& a, const std::string& apath) -> absl::Status {
                    absl::StatusOr<std::string> policy = Str(a, apath, "policy", true);
                    if (!policy.ok()) return policy.status();
                    absl::StatusOr<std::string> target = Str(a, apath, "target", true);
                    if (!target.ok()) return target.status();
                    pdp::v1::Change c;
                    if (attach) {
                      auto* r = c.mutable_attach_scp();
                      r->set_organization_id(*id);
                      r->set_policy_id(*policy);
                      r->set_target_id(*target);
                      r->set_allow_existing(true);
                    } else {
                      auto* r = c.mutable_detach_scp();
                      r->set_organization_id(*id);
                      r->set_policy_id(*policy);
                      r->set_target_id(*target);
                      r->set_allow_missing(true);
                    }
                    Add(std::move(c), apath);
                    return absl::OkStatus();
                  });
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status ReadItem(absl::string_view section, const Json& item, const std::string& path) {
    pdp::v1::Change change;
    absl::Status s;
    if (section == "accounts") {
      s = CheckKnownFields(item, path,
                           {"id", "name", "iam_access_to_billing", "console_action_set",
                            "cost_explorer_enabled", "linked_account_access"});
      if (!s.ok()) return s;
      auto* c = change.mutable_create_account();
      c->set_allow_existing(true);
      absl::StatusOr<std::string> id = Str(item, path, "id", true);
      if (!id.ok()) return id.status();
      absl::StatusOr<std::string> name = Str(item, path, "name", false);
      if (!name.ok()) return name.status();
      c->mutable_account()->set_id(*id);
      c->mutable_account()->set_name(*name);
      auto* settings = c->mutable_account()->mutable_settings();
      if (item.contains("iam_access_to_billing")) {
        if (!item["iam_access_to_billing"].is_boolean()) {
          return FieldError(path + ".iam_access_to_billing", "must be true or false");
        }
        settings->set_iam_access_to_billing(item["iam_access_to_billing"].get<bool>());
      }
      absl::StatusOr<std::optional<bool>> ce = Bool(item, path, "cost_explorer_enabled");
      if (!ce.ok()) return ce.status();
      if (ce->has_value()) settings->set_cost_explorer_enabled(**ce);
      absl::StatusOr<std::optional<bool>> linked = Bool(item, path, "linked_account_access");
      if (!linked.ok()) return linked.status();
      if (linked->has_value()) settings->set_linked_account_access(**linked);
      absl::StatusOr<std::string> set = Str(item, path, "console_action_set", false);
      if (!set.ok()) return set.status();
      if (!set->empty()) {
        pdp::v1::ConsoleActionSet value;
        // CONSOLE_ACTION_SET_UNSPECIFIED is the default (FINE_GRAINED), as in
        // CreateAccount and UpdateAccountSettings.
        if (!pdp::v1::ConsoleActionSet_Parse(*set, &value)) {
          return FieldError(path + ".console_action_set", "must be FINE_GRAINED or LEGACY");
        }
        settings->set_console_action_set(value);
      }
    } else if (section == "managed_policies") {
      s = CheckKnownFields(item, path, {"arn", "description", "document", "versions"});
      if (!s.ok()) return s;
      absl::StatusOr<std::string> arn = Str(item, path, "arn", true);
      if (!arn.ok()) return arn.status();
      absl::StatusOr<std::string> description = Str(item, path, "description", false);
      if (!description.ok()) return description.status();
      // arn:<partition>:iam::aws:policy/...: an AWS managed policy for every
      // account (an export of one an import carried).
      const bool aws_managed = absl::StrContains(*arn, ":iam::aws:policy/");
      if (item.contains("versions")) {
        // Every version with its id and the default (an export, or data
        // from AWS): the policy is put exactly so.
        if (item.contains("document")) {
          return FieldError(path + ".document", "give either document or versions, not both");
        }
        auto* c =
            aws_managed ? change.mutable_put_aws_managed_policy() : change.mutable_put_policy();
        c->set_arn(*arn);
        c->set_description(*description);
        s = Versions(item["versions"], path + ".versions", c->mutable_versions());
        if (!s.ok()) return s;
      } else if (aws_managed) {
        // One document: version v1, the default.
        absl::StatusOr<std::string> doc = Document(item, path);
        if (!doc.ok()) return doc.status();
        auto* c = change.mutable_put_aws_managed_policy();
        c->set_arn(*arn);
        c->set_description(*description);
        pdp::v1::PolicyVersion* v = c->add_versions();
        v->set_version_id("v1");
        v->set_document(*doc);
        v->set_is_default(true);
      } else {
        auto* c = change.mutable_create_policy();
        c->set_allow_existing(true);
        absl::StatusOr<std::string> doc = Document(item, path);
        if (!doc.ok()) return doc.status();
        c->set_arn(*arn);
        c->set_description(*description);
        c->set_document(*doc);
      }
    } else if (section == "role_sessions") {
      s = CheckKnownFields(item, path, {"arn", "policy_arns", "policy", "tags"});
      if (!s.ok()) return s;
      auto* session = change.mutable_put_role_session()->mutable_session();
      absl::StatusOr<std::string> arn = Str(item, path, "arn", true);
      if (!arn.ok()) return arn.status();
      session->set_arn(*arn);
      s = StrList(item, path, "policy_arns", session->mutable_policy_arns());
      if (!s.ok()) return s;
      if (item.contains("policy") && !item["policy"].is_null()) {
        const Json& d = item["policy"];
        if (!d.is_string() && !d.is_object()) {
          return FieldError(path + ".policy", "must be a policy object or a JSON string");
        }
        session->set_policy(d.is_string() ? d.get<std::string>() : d.dump());
      }
      s = Tags(item, path, session->mutable_tags());
      if (!s.ok()) return s;
    } else {
      bool user = section == "users", group = section == "groups";
      if (user) {
        s = CheckKnownFields(item, path,
                             {"arn", "groups", "attached_policies", "inline_policies", "tags",
                              "permissions_boundary", "unique_id"});
      } else if (group) {
        s = CheckKnownFields(item, path,
                             {"arn", "attached_policies", "inline_policies", "unique_id"});
      } else {
        s = CheckKnownFields(item, path,
                             {"arn", "attached_policies", "inline_policies", "tags",
                              "permissions_boundary", "unique_id"});
      }
      if (!s.ok()) return s;
      absl::StatusOr<std::string> arn = Str(item, path, "arn", true);
      if (!arn.ok()) return arn.status();
      absl::StatusOr<std::string> unique_id = Str(item, path, "unique_id", false);
      if (!unique_id.ok()) return unique_id.status();
      google::protobuf::RepeatedPtrField<std::string>* attached;
      google::protobuf::RepeatedPtrField<pdp::v1::InlinePolicy>* inline_policies;
      google::protobuf::Map<std::string, std::string>* tags = nullptr;
      if (user) {
        auto* c = change.mutable_put_user();
        c->set_replace(true);
        c->set_allow_missing(true);
        c->mutable_user()->set_arn(*arn);
        c->mutable_user()->set_unique_id(*unique_id);
        s = StrList(item, path, "groups", c->mutable_user()->mutable_groups());
        if (!s.ok()) return s;
        absl::StatusOr<std::string> boundary = Str(item, path, "permissions_boundary", false);
        if (!boundary.ok()) return boundary.status();
        c->mutable_user()->set_permissions_boundary(*boundary);
        attached = c->mutable_user()->mutable_attached_policies();
        inline_policies = c->mutable_user()->mutable_inline_policies();
        tags = c->mutable_user()->mutable_tags();
      } else if (group) {
        auto* c = change.mutable_put_group();
        c->set_replace(true);
        c->set_allow_missing(true);
        c->mutable_group()->set_arn(*arn);
        c->mutable_group()->set_unique_id(*unique_id);
        attached = c->mutable_group()->mutable_attached_policies();
        inline_policies = c->mutable_group()->mutable_inline_policies();
      } else {
        auto* c = change.mutable_put_role();
        c->set_replace(true);
        c->set_allow_missing(true);
        c->mutable_role()->set_arn(*arn);
        c->mutable_role()->set_unique_id(*unique_id);
        absl::StatusOr<std::string> boundary = Str(item, path, "permissions_boundary", false);
        if (!boundary.ok()) return boundary.status();
        c->mutable_role()->set_permissions_boundary(*boundary);
        attached = c->mutable_role()->mutable_attached_policies();
        inline_policies = c->mutable_role()->mutable_inline_policies();
        tags = c->mutable_role()->mutable_tags();
      }
      s = StrList(item, path, "attached_policies", attached);
      if (!s.ok()) return s;
      s = Inline(item, path, inline_policies);
      if (!s.ok()) return s;
      if (tags != nullptr) {
        s = Tags(item, path, tags);
        if (!s.ok()) return s;
      }
    }
    changes_.push_back(std::move(change));
    item_paths_.push_back(path);
    return absl::OkStatus();
  }

 public:
  const std::vector<std::string>& item_paths() const { return item_paths_; }

 private:
  std::vector<pdp::v1::Change> changes_;
  std::vector<std::string> item_paths_;
};

}  // namespace

absl::StatusOr<std::vector<pdp::v1::Change>> WorldToChanges(absl::string_view text,
                                                            std::vector<std::string>* item_paths) {
  YAML::Node node;
  try {
    node = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return FieldError("", absl::StrCat("not valid YAML or JSON: line ", e.mark.line + 1,
                                       ", column ", e.mark.column + 1, ": ", e.msg));
  }
  absl::StatusOr<Json> json = YamlToJson(node, "");
  if (!json.ok()) return json.status();
  WorldReader reader;
  absl::StatusOr<std::vector<pdp::v1::Change>> changes = reader.Read(*json);
  if (changes.ok() && item_paths != nullptr) *item_paths = reader.item_paths();
  return changes;
}

absl::StatusOr<std::vector<pdp::v1::Change>> ReadWorldFile(const std::string& path,
                                                           std::vector<std::string>* item_paths) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read world file ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  absl::StatusOr<std::vector<pdp::v1::Change>> changes = WorldToChanges(ss.str(), item_paths);
  if (!changes.ok()) {
    return absl::Status(changes.status().code(),
                        absl::StrCat(path, ": ", changes.status().message()));
  }
  return changes;
}

}  // namespace pdp
