#include "engine/model/snapshot.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "base/strings.h"
#include "engine/policy/policy_compiler.h"
#include "engine/policy/policy_json.h"

namespace pdp {

std::string EntityKey(IamArnKind kind, absl::string_view name) {
  return absl::StrCat(IamArnKindName(kind), "/", AsciiLower(name));
}

namespace {

// map.find(EntityKey(kind, name)) with the key built on the stack, not in a
// new string: FindView runs on every request.
template <typename Map>
typename Map::const_iterator FindByEntityKey(const Map& map, IamArnKind kind,
                                             absl::string_view name) {
  char buf[160];
  const absl::string_view kind_name = IamArnKindName(kind);
  if (kind_name.size() + 1 + name.size() > sizeof(buf)) return map.find(EntityKey(kind, name));
  char* p = std::copy(kind_name.begin(), kind_name.end(), buf);
  *p++ = '/';
  for (char c : name) *p++ = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return map.find(absl::string_view(buf, static_cast<size_t>(p - buf)));
}

}  // namespace

const EntityRecord* AccountState::FindEntity(IamArnKind kind, absl::string_view name) const {
  auto it = FindByEntityKey(entities, kind, name);
  return it == entities.end() ? nullptr : it->second.get();
}

std::string SessionKey(absl::string_view role_name, absl::string_view session_name) {
  return absl::StrCat(AsciiLower(role_name), "/", session_name);
}

const EntityRecord* AccountState::FindByUniqueId(absl::string_view unique_id) const {
  if (unique_id.empty()) return nullptr;
  for (const auto& [key, entity] : entities) {
    if (entity->unique_id == unique_id) return entity.get();
  }
  return nullptr;
}

const SessionRecord* AccountState::FindSession(absl::string_view role_name,
                                               absl::string_view session_name) const {
  auto it = sessions.find(SessionKey(role_name, session_name));
  return it == sessions.end() ? nullptr : it->second.get();
}

const PrincipalView* AccountState::FindView(IamArnKind kind, absl::string_view name) const {
  auto it = FindByEntityKey(views, kind, name);
  return it == views.end() ? nullptr : it->second.get();
}

std::shared_ptr<const Snapshot> Snapshot::Initial(std::shared_ptr<const PageCatalog> catalog,
                                                  std::shared_ptr<const AwsPolicyMap> aws) {
  auto s = std::make_shared<Snapshot>();
  s->catalog_ = std::move(catalog);
  s->aws_policies_ = aws ? std::move(aws) : std::make_shared<AwsPolicyMap>();
  s->DigestAwsPolicies();
  return s;
}

void Snapshot::DigestAwsPolicies() {
  auto digests = std::make_shared<PolicyDigestMap>();
  if (!catalog_->numbered_actions().empty()) {
    for (const auto& [arn, policy] : *aws_policies_) {
      const CompiledPolicy* compiled = policy->default_compiled.get();
      digests->try_emplace(compiled, DigestPolicy(compiled, *catalog_));
    }
  }
  aws_digests_ = std::move(digests);
}

const AccountState* Snapshot::FindAccount(absl::string_view id) const {
  const std::shared_ptr<const AccountState>* account = accounts_.FindValue(id);
  return account == nullptr ? nullptr : account->get();
}

const EntityRecord* Snapshot::HolderOfUniqueId(const UniqueIdIndex& index, const Snapshot& state,
                                               absl::string_view unique_id) {
  const EntityRecord* holder = nullptr;
  index.AnyAccount(unique_id, [&](absl::string_view account_id) {
    const AccountState* account = state.FindAccount(account_id);
    holder = account == nullptr ? nullptr : account->FindByUniqueId(unique_id);
    return holder != nullptr;
  });
  return holder;
}

const EntityRecord* Snapshot::FindByUniqueId(absl::string_view unique_id) const {
  return HolderOfUniqueId(unique_ids_, *this, unique_id);
}

const OrganizationState* Snapshot::FindOrganization(absl::string_view id) const {
  auto it = organizations_.find(id);
  return it == organizations_.end() ? nullptr : it->second.get();
}

const AccountSettings& Snapshot::CostExplorerSettingsOf(const AccountState& account) const {
  const OrganizationState* org = OrganizationOf(account);
  if (org != nullptr && org->management_account_id != account.id) {
    const AccountState* management = FindAccount(org->management_account_id);
    if (management != nullptr) return management->settings;
  }
  return account.settings;
}

const ManagedPolicyRecord* Snapshot::FindPolicy(absl::string_view arn) const {
  absl::StatusOr<IamArn> parsed = ParseIamArnOfKind(arn, IamArnKind::kPolicy);
  if (!parsed.ok()) return nullptr;
  if (parsed->account == "aws") {
    auto it = aws_policies_->find(arn);
    return it == aws_policies_->end() ? nullptr : it->second.get();
  }
  const AccountState* account = FindAccount(parsed->account);
  if (account == nullptr) return nullptr;
  auto it = account->policies.find(EntityKey(IamArnKind::kPolicy, parsed->name));
  if (it == account->policies.end() || it->second->arn != arn) return nullptr;
  return it->second.get();
}

absl::StatusOr<std::shared_ptr<const AwsPolicyMap>> LoadAwsManagedPolicies(absl::string_view text) {
  absl::StatusOr<Json> json = ParseStrictJson(text);
  if (!json.ok()) return json.status();
  if (!json->is_object() || !json->contains("policies") || !(*json)["policies"].is_array()) {
    return FieldError("policies", "must be an array");
  }
  auto map = std::make_shared<AwsPolicyMap>();
  const Json& list = (*json)["policies"];
  for (size_t i = 0; i < list.size(); ++i) {
    std::string path = absl::StrCat("policies[", i, "]");
    const Json& p = list[i];
    if (!p.is_object() || !p.contains("arn") || !p["arn"].is_string() || !p.contains("document")) {
      return FieldError(path, "needs \"arn\" and \"document\"");
    }
    absl::Status fields =
        CheckKnownFields(p, path, {"arn", "description", "version_id", "document"});
    if (!fields.ok()) return fields;
    auto rec = std::make_shared<ManagedPolicyRecord>();
    rec->arn = p["arn"].get<std::string>();
    absl::StatusOr<IamArn> arn = ParseIamArnOfKind(rec->arn, IamArnKind::kPolicy);
    if (!arn.ok()) return AtField(path + ".arn", arn.status());
    if (arn->account != "aws") return FieldError(path + ".arn", "account must be \"aws\"");
    if (p.contains("description") && p["description"].is_string()) {
      rec->description = p["description"].get<std::string>();
    }
    rec->default_version_id = "v1";
    if (p.contains("version_id") && p["version_id"].is_string()) {
      rec->default_version_id = p["version_id"].get<std::string>();
    }
    std::string document =
        p["document"].is_string() ? p["document"].get<std::string>() : p["document"].dump();
    absl::StatusOr<CompiledPolicyPtr> compiled = CompilePolicy(document);
    if (!compiled.ok()) return AtField(path + ".document", compiled.status());
    rec->default_compiled = *compiled;
    rec->aws_managed = true;
    rec->versions.push_back({rec->default_version_id, std::move(document)});
    if (map->contains(rec->arn)) return FieldError(path + ".arn", "duplicate policy");
    (*map)[rec->arn] = std::move(rec);
  }
  return std::shared_ptr<const AwsPolicyMap>(std::move(map));
}

absl::StatusOr<std::shared_ptr<const AwsPolicyMap>> LoadAwsManagedPoliciesFile(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = LoadAwsManagedPolicies(ss.str());
  if (!r.ok())
    return absl::Status(r.status().code(), absl::StrCat(path, ": ", r.status().message()));
  return r;
}

}  // namespace pdp
