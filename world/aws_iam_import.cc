#include "world/aws_iam_import.h"

#include <utility>

#include "absl/container/btree_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/arn.h"
#include "base/errors.h"
#include "nlohmann/json.hpp"

namespace pdp {
namespace {

using Json = nlohmann::json;

// Reading AWS's JSON: fields are optional unless said otherwise, unknown
// fields are ignored (AWS adds fields over time), and every error names the
// path in the file.
std::string Join(const std::string& path, const char* key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

absl::StatusOr<std::string> Text(const Json& obj, const std::string& path, const char* key,
                                 bool required) {
  const std::string kpath = Join(path, key);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) return FieldError(kpath, "is required");
    return std::string();
  }
  if (!it->is_string()) return FieldError(kpath, "must be a string");
  return it->get<std::string>();
}

// A list field: absent or null is empty.
absl::StatusOr<const Json*> List(const Json& obj, const std::string& path, const char* key) {
  static const Json kEmpty = Json::array();
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return &kEmpty;
  if (!it->is_array()) return FieldError(Join(path, key), "must be a list");
  return &*it;
}

absl::Status MustBeObject(const Json& item, const std::string& path) {
  return item.is_object() ? absl::OkStatus() : FieldError(path, "must be an object");
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<std::string> Document(const Json& obj, const std::string& path, const char* key) {
  const std::string kpath = Join(path, key);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return FieldError(kpath, "is required");
  if (it->is_object()) return it->dump();
  if (!it->is_string()) return FieldError(kpath, "must be a policy object or a string");
  absl::StatusOr<std::string> text = AwsPolicyDocumentText(it->get<std::string>());
  if (!text.ok()) return AtField(kpath, text.status());
  return text;
}

// Whether two JSON texts hold the same value (object members in any
// order). Text that does not parse is never the same as anything.
bool SameJson(const std::string& a, const std::string& b) {
  if (a == b) return true;
  nlohmann::json x = nlohmann::json::parse(a, nullptr, /*allow_exceptions=*/false);
  nlohmann::json y = nlohmann::json::parse(b, nullptr, /*allow_exceptions=*/false);
  return !x.is_discarded() && !y.is_discarded() && x == y;
}

class Importer {
 public:
  explicit Importer(const AwsIamImportOptions& options) : options_(options) {
    out_.account_id = options.account_id;
  }

  absl::StatusOr<AwsIamImport> Run(absl::string_view json) {
    Json root = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded()) {
      return FieldError("",
                        "is not JSON (the output of aws iam get-account-authorization-details)");
    }
    if (!root.is_object()) return FieldError("", "must be a JSON object");
    if (auto t = root.find("IsTruncated"); t != root.end() && t->is_boolean() && t->get<bool>()) {
      return FieldError("IsTruncated",
                        "the file is one page of a longer listing; save every page (the AWS CLI "
                        "does unless --max-items or --no-paginate is given)");
    }
    // The account first: every entity's ARN is checked against it.
    for (const char* list : {"UserDetailList", "GroupDetailList", "RoleDetailList"}) {
      absl::Status s = FindAccount(root, list);
      if (!s.ok()) return s;
    }
    if (out_.account_id.empty()) {
      return FieldError("UserDetailList",
                        "no user, group or role says which account this is; "
                        "name it (--account)");
    }
    pdp::v1::Change account;
    account.mutable_create_account()->mutable_account()->set_id(out_.account_id);
    account.mutable_create_account()->set_allow_existing(true);
    Add(std::move(account), "");

    absl::Status s = Policies(root);
    if (s.ok()) s = Entities(root, "GroupDetailList", IamArnKind::kGroup);
    if (s.ok()) s = Entities(root, "UserDetailList", IamArnKind::kUser);
    if (s.ok()) s = Entities(root, "RoleDetailList", IamArnKind::kRole);
    if (!s.ok()) return s;
    s = MissingAwsPolicies();
    if (!s.ok()) return s;
    if (options_.prune_existing.has_value()) {
      s = AddAwsIamPrune(*options_.prune_existing, out_);
      if (!s.ok()) return s;
    }
    return std::move(out_);
  }

 private:
  void Add(pdp::v1::Change change, std::string path) {
    out_.changes.push_back(std::move(change));
    out_.item_paths.push_back(std::move(path));
  }

  // The account of every user, group and role; all must agree (with
  // --account when given).
  absl::Status FindAccount(const Json& root, const char* list_name) {
    absl::StatusOr<const Json*> list = List(root, "", list_name);
    if (!list.ok()) return list.status();
    for (size_t i = 0; i < (*list)->size(); ++i) {
      const std::string path = absl::StrCat(list_name, "[", i, "]");
      const Json& item = (**list)[i];
      absl::Status s = MustBeObject(item, path);
      if (!s.ok()) return s;
      absl::StatusOr<std::string> arn_text = Text(item, path, "Arn", true);
      if (!arn_text.ok()) return arn_text.status();
      absl::StatusOr<IamArn> arn = ParseIamArn(*arn_text);
      if (!arn.ok()) return AtField(path + ".Arn", arn.status());
      if (out_.account_id.empty()) out_.account_id = arn->account;
      if (arn->account != out_.account_id) {
        return FieldError(path + ".Arn",
                          absl::StrCat("is in account ", arn->account, ", not ", out_.account_id,
                                       " (one file describes one account)"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Policies(const Json& root) {
    absl::StatusOr<const Json*> list = List(root, "", "Policies");
    if (!list.ok()) return list.status();
    for (size_t i = 0; i < (*list)->size(); ++i) {
      const std::string path = absl::StrCat("Policies[", i, "]");
      const Json& item = (**list)[i];
      absl::Status s = MustBeObject(item, path);
      if (!s.ok()) return s;
      absl::StatusOr<std::string> arn_text = Text(item, path, "Arn", true);
      if (!arn_text.ok()) return arn_text.status();
      absl::StatusOr<IamArn> arn = ParseIamArnOfKind(*arn_text, IamArnKind::kPolicy);
      if (!arn.ok()) return AtField(path + ".Arn", arn.status());
      // AWS's own (the file has them when AWS managed policies are
      // included): put for every account, so attachments of them work
      // whether or not the server bundles them.
      const bool aws_managed = arn->account == "aws";
      if (!aws_managed && arn->account != out_.account_id) {
        return FieldError(path + ".Arn", absl::StrCat("is a policy of account ", arn->account,
                                                      ", not ", out_.account_id));
      }
      if (aws_managed && !carried_aws_.insert(*arn_text).second) {
        return FieldError(path + ".Arn", "appears twice in Policies");
      }
      pdp::v1::Change change;
      pdp::v1::PutPolicyRequest* put =
          aws_managed ? change.mutable_put_aws_managed_policy() : change.mutable_put_policy();
      put->set_arn(*arn_text);
      absl::StatusOr<std::string> description = Text(item, path, "Description", false);
      if (!description.ok()) return description.status();
      put->set_description(*description);
      absl::StatusOr<const Json*> versions = List(item, path, "PolicyVersionList");
      if (!versions.ok()) return versions.status();
      if ((*versions)->empty()) {
        return FieldError(path + ".PolicyVersionList",
                          "has no versions (save the file with the policies' versions: the "
                          "command's default output has them)");
      }
      for (size_t v = 0; v < (*versions)->size(); ++v) {
        const std::string vpath = absl::StrCat(path, ".PolicyVersionList[", v, "]");
        const Json& version = (**versions)[v];
        s = MustBeObject(version, vpath);
        if (!s.ok()) return s;
        pdp::v1::PolicyVersion* out = put->add_versions();
        absl::StatusOr<std::string> id = Text(version, vpath, "VersionId", true);
        if (!id.ok()) return id.status();
        absl::StatusOr<std::string> doc = Document(version, vpath, "Document");
        if (!doc.ok()) return doc.status();
        out->set_version_id(*id);
        out->set_document(*doc);
        auto is_default = version.find("IsDefaultVersion");
        if (is_default != version.end() && !is_default->is_null()) {
          if (!is_default->is_boolean()) {
            return FieldError(vpath + ".IsDefaultVersion", "must be true or false");
          }
          out->set_is_default(is_default->get<bool>());
        }
      }
      if (aws_managed) {
        ++out_.counts.aws_managed_policies;
        if (ServerHolds(*put)) {
          ++out_.counts.aws_managed_policies_held;
          continue;
        }
      } else {
        out_.imported_keys.insert(absl::StrCat("policy/", absl::AsciiStrToLower(arn->name)));
        ++out_.counts.policies;
      }
      Add(std::move(change), path);
    }
    return absl::OkStatus();
  }

  absl::Status Entities(const Json& root, const char* list_name, IamArnKind kind) {
    absl::StatusOr<const Json*> list = List(root, "", list_name);
    if (!list.ok()) return list.status();
    const char* id_key = kind == IamArnKind::kUser    ? "UserId"
                         : kind == IamArnKind::kGroup ? "GroupId"
                                                      : "RoleId";
    const char* inline_key = kind == IamArnKind::kUser    ? "UserPolicyList"
                             : kind == IamArnKind::kGroup ? "GroupPolicyList"
                                                          : "RolePolicyList";
    for (size_t i = 0; i < (*list)->size(); ++i) {
      const std::string path = absl::StrCat(list_name, "[", i, "]");
      const Json& item = (**list)[i];
      absl::StatusOr<std::string> arn_text = Text(item, path, "Arn", true);
      if (!arn_text.ok()) return arn_text.status();
      absl::StatusOr<IamArn> arn = ParseIamArnOfKind(*arn_text, kind);
      if (!arn.ok()) return AtField(path + ".Arn", arn.status());
      absl::StatusOr<std::string> unique_id = Text(item, path, id_key, false);
      if (!unique_id.ok()) return unique_id.status();

      pdp::v1::Change change;
      google::protobuf::RepeatedPtrField<std::string>* attached;
      google::protobuf::RepeatedPtrField<pdp::v1::InlinePolicy>* inline_policies;
      google::protobuf::Map<std::string, std::string>* tags = nullptr;
      std::string* boundary = nullptr;
      if (kind == IamArnKind::kUser) {
        pdp::v1::PutUserRequest* put = change.mutable_put_user();
        put->set_replace(true);
        put->set_allow_missing(true);
        pdp::v1::User* u = put->mutable_user();
        u->set_arn(*arn_text);
        u->set_unique_id(*unique_id);
        absl::StatusOr<const Json*> groups = List(item, path, "GroupList");
        if (!groups.ok()) return groups.status();
        for (size_t g = 0; g < (*groups)->size(); ++g) {
          const Json& name = (**groups)[g];
          if (!name.is_string()) {
            return FieldError(absl::StrCat(path, ".GroupList[", g, "]"), "must be a group name");
          }
          u->add_groups(name.get<std::string>());
        }
        attached = u->mutable_attached_policies();
        inline_policies = u->mutable_inline_policies();
        tags = u->mutable_tags();
        boundary = u->mutable_permissions_boundary();
        ++out_.counts.users;
      } else if (kind == IamArnKind::kGroup) {
        pdp::v1::PutGroupRequest* put = change.mutable_put_group();
        put->set_replace(true);
        put->set_allow_missing(true);
        pdp::v1::Group* g = put->mutable_group();
        g->set_arn(*arn_text);
        g->set_unique_id(*unique_id);
        attached = g->mutable_attached_policies();
        inline_policies = g->mutable_inline_policies();
        ++out_.counts.groups;
      } else {
        pdp::v1::PutRoleRequest* put = change.mutable_put_role();
        put->set_replace(true);
        put->set_allow_missing(true);
        pdp::v1::Role* r = put->mutable_role();
        r->set_arn(*arn_text);
        r->set_unique_id(*unique_id);
        attached = r->mutable_attached_policies();
        inline_policies = r->mutable_inline_policies();
        tags = r->mutable_tags();
        boundary = r->mutable_permissions_boundary();
        ++out_.counts.roles;
      }
      absl::Status s = Attached(item, path, attached);
      if (s.ok()) s = Inline(item, path, inline_key, inline_policies);
      if (s.ok() && tags != nullptr) s = Tags(item, path, tags);
      if (s.ok() && boundary != nullptr) s = Boundary(item, path, boundary);
      if (!s.ok()) return s;
      out_.imported_keys.insert(
          absl::StrCat(IamArnKindName(kind), "/", absl::AsciiStrToLower(arn->name)));
      Add(std::move(change), path);
    }
    return absl::OkStatus();
  }

  // Whether the server has this AWS managed policy exactly as `put` would
  // make it (versions compared as a set of id and document: the server
  // keeps them in number order). Documents are compared as JSON values, not
  // as text: a bundled policy's document is the bundle's text, the file's
  // is AWS's, and the two spell the same document differently.
  bool ServerHolds(const pdp::v1::PutPolicyRequest& put) const {
    auto it = options_.server_aws_policies.find(put.arn());
    if (it == options_.server_aws_policies.end()) return false;
    const pdp::v1::ManagedPolicy& held = it->second;
    if (held.description() != put.description() || held.versions_size() != put.versions_size()) {
      return false;
    }
    absl::btree_map<std::string, std::pair<std::string, bool>> versions;
    for (const auto& v : held.versions()) {
      versions[v.version_id()] = {v.document(), v.version_id() == held.default_version_id()};
    }
    for (const auto& v : put.versions()) {
      auto h = versions.find(v.version_id());
      if (h == versions.end() || h->second.second != v.is_default() ||
          !SameJson(h->second.first, v.document())) {
        return false;
      }
    }
    return true;
  }

  // An AWS managed policy that neither the server nor the file has is
  // remembered (all are reported together); anything else goes to the
  // server, which checks it.
  bool Usable(const std::string& policy_arn, const std::string& path) {
    if (!absl::StartsWith(policy_arn, "arn:aws:iam::aws:policy/") &&
        !absl::StartsWith(policy_arn, "arn:aws-cn:iam::aws:policy/") &&
        !absl::StartsWith(policy_arn, "arn:aws-us-gov:iam::aws:policy/")) {
      return true;
    }
    if (options_.available_aws_policies.contains(policy_arn) || carried_aws_.contains(policy_arn)) {
      return true;
    }
    missing_aws_[policy_arn].push_back(path);
    return false;
  }

  absl::Status Attached(const Json& item, const std::string& path,
                        google::protobuf::RepeatedPtrField<std::string>* out) {
    absl::StatusOr<const Json*> list = List(item, path, "AttachedManagedPolicies");
    if (!list.ok()) return list.status();
    for (size_t i = 0; i < (*list)->size(); ++i) {
      const std::string apath = absl::StrCat(path, ".AttachedManagedPolicies[", i, "]");
      absl::Status s = MustBeObject((**list)[i], apath);
      if (!s.ok()) return s;
      absl::StatusOr<std::string> arn = Text((**list)[i], apath, "PolicyArn", true);
      if (!arn.ok()) return arn.status();
      if (Usable(*arn, apath + ".PolicyArn")) out->Add(std::string(*arn));
    }
    return absl::OkStatus();
  }

  absl::Status Inline(const Json& item, const std::string& path, const char* key,
                      google::protobuf::RepeatedPtrField<pdp::v1::InlinePolicy>* out) {
    absl::StatusOr<const Json*> list = List(item, path, key);
    if (!list.ok()) return list.status();
    for (size_t i = 0; i < (*list)->size(); ++i) {
      const std::string ipath = absl::StrCat(path, ".", key, "[", i, "]");
      absl::Status s = MustBeObject((**list)[i], ipath);
      if (!s.ok()) return s;
      absl::StatusOr<std::string> name = Text((**list)[i], ipath, "PolicyName", true);
      if (!name.ok()) return name.status();
      absl::StatusOr<std::string> doc = Document((**list)[i], ipath, "PolicyDocument");
      if (!doc.ok()) return doc.status();
      pdp::v1::InlinePolicy* p = out->Add();
      p->set_name(*name);
      p->set_document(*doc);
      ++out_.counts.inline_policies;
    }
    return absl::OkStatus();
  }

  static absl::Status Tags(const Json& item, const std::string& path,
                           google::protobuf::Map<std::string, std::string>* out) {
    absl::StatusOr<const Json*> list = List(item, path, "Tags");
    if (!list.ok()) return list.status();
    for (size_t i = 0; i < (*list)->size(); ++i) {
      const std::string tpath = absl::StrCat(path, ".Tags[", i, "]");
      absl::Status s = MustBeObject((**list)[i], tpath);
      if (!s.ok()) return s;
      absl::StatusOr<std::string> key = Text((**list)[i], tpath, "Key", true);
      if (!key.ok()) return key.status();
      absl::StatusOr<std::string> value = Text((**list)[i], tpath, "Value", false);
      if (!value.ok()) return value.status();
      if (!out->insert({*key, *value}).second) {
        return FieldError(tpath + ".Key", absl::StrCat("tag ", QuoteInput(*key), " appears twice"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Boundary(const Json& item, const std::string& path, std::string* out) {
    auto it = item.find("PermissionsBoundary");
    if (it == item.end() || it->is_null()) return absl::OkStatus();
    const std::string bpath = path + ".PermissionsBoundary";
    absl::Status s = MustBeObject(*it, bpath);
    if (!s.ok()) return s;
    absl::StatusOr<std::string> arn = Text(*it, bpath, "PermissionsBoundaryArn", true);
    if (!arn.ok()) return arn.status();
    if (Usable(*arn, bpath + ".PermissionsBoundaryArn")) *out = *arn;
    return absl::OkStatus();
  }

  absl::Status MissingAwsPolicies() {
    if (missing_aws_.empty()) return absl::OkStatus();
    std::vector<std::string> arns;
    for (const auto& [arn, paths] : missing_aws_) arns.push_back(arn);
    if (options_.allow_missing_aws_policies) {
      for (const auto& [arn, paths] : missing_aws_) {
        out_.warnings.push_back(absl::StrCat(
            "AWS managed policy ", arn,
            " is neither known to the server nor in the file's Policies; left out of ",
            paths.size(), " attachment(s), first ", paths.front(), ": it grants nothing here"));
      }
      return absl::OkStatus();
    }
    const std::string& first = missing_aws_.begin()->second.front();
    return FieldError(
        first,
        absl::StrCat(
            arns.size(), " AWS managed ", arns.size() == 1 ? "policy is" : "policies are",
            " neither known to the server nor in the file's Policies: ", absl::StrJoin(arns, ", "),
            " (export with AWS managed policies included, e.g. `aws iam "
            "get-account-authorization-details` without --filter, add them to the "
            "server's AWS managed policies file, or import with "
            "--allow-missing-aws-policies)"),
        absl::StatusCode::kNotFound);
  }

  const AwsIamImportOptions& options_;
  AwsIamImport out_;
  absl::flat_hash_set<std::string> carried_aws_;  // AWS managed policies in Policies
  // Missing AWS managed policy -> where the file attaches it (ordered, so
  // messages are stable).
  absl::btree_map<std::string, std::vector<std::string>> missing_aws_;
};

}  // namespace

absl::StatusOr<std::string> AwsPolicyDocumentText(absl::string_view text) {
  absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(text);
  if (trimmed.empty() || trimmed.front() == '{') return std::string(text);
  // URL-encoded (RFC 3986): %XX escapes; '+' is itself.
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return FieldError("", absl::StrCat("has a bad percent escape at character ", i,
                                         " (neither a JSON object nor URL-encoded JSON)"));
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

absl::StatusOr<AwsIamImport> ImportAwsIamAuthorizationDetails(absl::string_view json,
                                                              const AwsIamImportOptions& options) {
  return Importer(options).Run(json);
}

absl::Status AddAwsIamPrune(const std::vector<std::string>& existing, AwsIamImport& import) {
  if (import.counts.deletions > 0) {
    return absl::FailedPreconditionError("the import already has its deletions");
  }
  std::vector<std::string> entities, policies;
  for (const std::string& arn_text : existing) {
    absl::StatusOr<IamArn> arn = ParseIamArn(arn_text);
    if (!arn.ok() || arn->account != import.account_id) continue;
    if (arn->kind != IamArnKind::kUser && arn->kind != IamArnKind::kGroup &&
        arn->kind != IamArnKind::kRole && arn->kind != IamArnKind::kPolicy) {
      continue;
    }
    const std::string key =
        absl::StrCat(IamArnKindName(arn->kind), "/", absl::AsciiStrToLower(arn->name));
    if (import.imported_keys.contains(key)) continue;
    (arn->kind == IamArnKind::kPolicy ? policies : entities).push_back(arn_text);
  }
  auto add = [&](pdp::v1::Change c, const std::string& arn) {
    import.changes.push_back(std::move(c));
    import.item_paths.push_back(absl::StrCat("--prune ", arn));
  };
  // Entities first: deleting them detaches the policies deleted next.
  for (const std::string& arn : entities) {
    pdp::v1::Change c;
    c.mutable_delete_entity()->set_arn(arn);
    add(std::move(c), arn);
  }
  for (const std::string& arn : policies) {
    pdp::v1::Change c;
    c.mutable_delete_policy()->set_arn(arn);
    add(std::move(c), arn);
  }
  import.counts.deletions = static_cast<int>(entities.size() + policies.size());
  return absl::OkStatus();
}

}  // namespace pdp
