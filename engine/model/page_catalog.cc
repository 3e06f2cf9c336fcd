#include "engine/model/page_catalog.h"

#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "base/glob.h"
#include "base/strings.h"
#include "engine/policy/policy_json.h"

namespace pdp {
namespace {

bool IsPageIdChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

absl::StatusOr<std::string> GetString(const Json& obj, const std::string& path,
                                      absl::string_view key, bool required) {
  std::string kpath = absl::StrCat(path, ".", key);
  if (!obj.contains(key)) {
    if (required) return FieldError(kpath, "is required");
    return std::string();
  }
  if (!obj[std::string(key)].is_string()) return FieldError(kpath, "must be a string");
  return obj[std::string(key)].get<std::string>();
}

// Appends `key`'s actions to `out`, and their names as written to `listed`
// when given.
absl::Status ReadActions(const Json& obj, const std::string& path, absl::string_view key,
                         std::vector<CatalogAction>& out,
                         std::vector<std::string>* listed = nullptr) {
  std::string kpath = absl::StrCat(path, ".", key);
  if (!obj.contains(key)) return absl::OkStatus();
  const Json& list = obj[std::string(key)];
  if (!list.is_array()) return FieldError(kpath, "must be an array of actions");
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string ipath = absl::StrCat(kpath, "[", i, "]");
    if (!list[i].is_string()) return FieldError(ipath, "must be a string");
    std::string a = list[i].get<std::string>();
    if (!IsConcreteAction(a)) {
      return FieldError(ipath, "must be \"service:Action\" without wildcards");
    }
    std::string lower = AsciiLower(a);
    if (!seen.insert(lower).second) return FieldError(ipath, "duplicate action");
    if (listed != nullptr) listed->push_back(a);
    out.push_back({lower, std::move(a)});
  }
  return absl::OkStatus();
}

absl::Status ReadActionSet(const Json& page, const std::string& path, absl::string_view key,
                           ActionRequirements& req) {
  std::string kpath = absl::StrCat(path, ".", key);
  if (!page.contains(key)) return FieldError(kpath, "is required");
  const Json& set = page[std::string(key)];
  absl::Status s = CheckKnownFields(set, kpath, {"view", "modify"});
  if (!s.ok()) return s;
  s = ReadActions(set, kpath, "view", req.view);
  if (!s.ok()) return s;
  if (req.view.empty()) {
    return FieldError(absl::StrCat(kpath, ".view"),
                      "must list at least one action (an empty list would open the "
                      "page to everybody)");
  }
  std::vector<CatalogAction> modify_only;
  s = ReadActions(set, kpath, "modify", modify_only, &req.modify_listed);
  if (!s.ok()) return s;
  req.offers_modify = !modify_only.empty();
  req.modify = req.view;
  for (CatalogAction& a : modify_only) {
    bool dup = false;
    for (const CatalogAction& v : req.view) dup = dup || v.lower == a.lower;
    if (!dup) req.modify.push_back(std::move(a));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<const PageCatalog>> PageCatalog::FromJson(absl::string_view text) {
  absl::StatusOr<Json> json = ParseStrictJson(text);
  if (!json.ok()) return json.status();
  absl::Status s = CheckKnownFields(*json, "", {"catalog_version", "pages"});
  if (!s.ok()) return s;
  auto catalog = std::make_shared<PageCatalog>();
  if (json->contains("catalog_version")) {
    if (!(*json)["catalog_version"].is_string()) {
      return FieldError("catalog_version", "must be a string");
    }
    catalog->version_ = (*json)["catalog_version"].get<std::string>();
  }
  if (!json->contains("pages") || !(*json)["pages"].is_array() || (*json)["pages"].empty()) {
    return FieldError("pages", "must be a non-empty array");
  }
  const Json& pages = (*json)["pages"];
  for (size_t i = 0; i < pages.size(); ++i) {
    std::string path = absl::StrCat("pages[", i, "]");
    const Json& p = pages[i];
    s = CheckKnownFields(p, path,
                         {"id", "console", "title", "iam_access_gated", "shows_cost_explorer_data",
                          "confidence", "fine_grained", "legacy", "features", "notes", "source"});
    if (!s.ok()) return s;
    CatalogPage page;
    absl::StatusOr<std::string> id = GetString(p, path, "id", true);
    if (!id.ok()) return id.status();
    if (id->empty() || id->size() > 64)
      return FieldError(path + ".id", "must be 1 to 64 characters");
    for (char c : *id) {
      if (!IsPageIdChar(c)) return FieldError(path + ".id", "may contain only a-z, 0-9 and _");
    }
    if (catalog->index_.contains(*id)) return FieldError(path + ".id", "duplicate page id");
    page.id = *id;
    absl::StatusOr<std::string> console = GetString(p, path, "console", true);
    if (!console.ok()) return console.status();
    if (*console == "BILLING") {
      page.console = Console::kBilling;
    } else if (*console == "COST_MANAGEMENT") {
      page.console = Console::kCostManagement;
    } else if (*console == "OTHER") {
      page.console = Console::kOther;
    } else {
      return FieldError(path + ".console", "must be BILLING, COST_MANAGEMENT or OTHER");
    }
    for (absl::string_view key : {"title", "notes", "source"}) {
      absl::StatusOr<std::string> v = GetString(p, path, key, key == "title");
      if (!v.ok()) return v.status();
      if (key == "title") page.title = *v;
      if (key == "notes") page.notes = *v;
      if (key == "source") page.source = *v;
    }
    for (absl::string_view key : {"iam_access_gated", "shows_cost_explorer_data"}) {
      std::string kpath = absl::StrCat(path, ".", key);
      if (!p.contains(key) || !p[std::string(key)].is_boolean()) {
        return FieldError(kpath, "is required and must be true or false");
      }
      bool v = p[std::string(key)].get<bool>();
      if (key == "iam_access_gated")
        page.iam_access_gated = v;
      else
        page.shows_cost_explorer_data = v;
    }
    absl::StatusOr<std::string> confidence = GetString(p, path, "confidence", true);
    if (!confidence.ok()) return confidence.status();
    if (*confidence != "documented" && *confidence != "derived") {
      return FieldError(path + ".confidence", "must be \"documented\" or \"derived\"");
    }
    page.confidence = *confidence;
    s = ReadActionSet(p, path, "fine_grained", page.fine_grained);
    if (!s.ok()) return s;
    s = ReadActionSet(p, path, "legacy", page.legacy);
    if (!s.ok()) return s;
    if (p.contains("features")) {
      const Json& features = p["features"];
      if (!features.is_array()) return FieldError(path + ".features", "must be an array");
      if (features.size() > kMaxFeaturesPerPage) {
        // A decision carries a page's available features as one word's bits.
        return FieldError(path + ".features",
                          absl::StrCat("at most ", kMaxFeaturesPerPage, " features per page"));
      }
      for (size_t f = 0; f < features.size(); ++f) {
        std::string fpath = absl::StrCat(path, ".features[", f, "]");
        s = CheckKnownFields(features[f], fpath,
                             {"id", "title", "access", "fine_grained", "legacy"});
        if (!s.ok()) return s;
        CatalogFeature feature;
        absl::StatusOr<std::string> fid = GetString(features[f], fpath, "id", true);
        if (!fid.ok()) return fid.status();
        absl::StatusOr<std::string> title = GetString(features[f], fpath, "title", false);
        if (!title.ok()) return title.status();
        absl::StatusOr<std::string> access = GetString(features[f], fpath, "access", true);
        if (!access.ok()) return access.status();
        if (*access != "VIEW" && *access != "MODIFY") {
          return FieldError(fpath + ".access", "must be VIEW or MODIFY");
        }
        feature.id = *fid;
        feature.title = *title;
        feature.access = *access == "MODIFY" ? Access::kModify : Access::kView;
        s = ReadActions(features[f], fpath, "fine_grained", feature.fine_grained);
        if (!s.ok()) return s;
        s = ReadActions(features[f], fpath, "legacy", feature.legacy);
        if (!s.ok()) return s;
        if (feature.fine_grained.empty() || feature.legacy.empty()) {
          return FieldError(fpath, "needs at least one action in fine_grained and in legacy");
        }
        page.features.push_back(std::move(feature));
      }
    }
    catalog->index_[*id] = catalog->pages_.size();
    catalog->pages_.push_back(std::move(page));
  }
  catalog->NumberActions();
  return std::shared_ptr<const PageCatalog>(std::move(catalog));
}

void PageCatalog::NumberActions() {
  absl::flat_hash_map<std::string, uint16_t> ids;
  auto each_list = [&](auto visit) {
    for (CatalogPage& page : pages_) {
      for (ActionRequirements* req : {&page.fine_grained, &page.legacy}) {
        visit(req->view, req->view_ids);
        visit(req->modify, req->modify_ids);
      }
      for (CatalogFeature& f : page.features) {
        visit(f.fine_grained, f.fine_grained_ids);
        visit(f.legacy, f.legacy_ids);
      }
    }
  };
  each_list([&](const std::vector<CatalogAction>& actions, ActionSet&) {
    for (const CatalogAction& a : actions) {
      if (ids.try_emplace(a.lower, static_cast<uint16_t>(ids.size())).second) {
        numbered_.push_back(a);
      }
    }
  });
  if (numbered_.size() > ActionSet::kCapacity) {
    numbered_.clear();  // too many to number: decisions evaluate statements
    return;
  }
  for (CatalogAction& a : numbered_) a.id = ids.at(a.lower);
  each_list([&](std::vector<CatalogAction>& actions, ActionSet& set) {
    for (CatalogAction& a : actions) {
      a.id = ids.at(a.lower);
      set.Add(a.id);
    }
  });
}

absl::StatusOr<std::shared_ptr<const PageCatalog>> PageCatalog::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read page catalogue ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  absl::StatusOr<std::shared_ptr<const PageCatalog>> c = FromJson(ss.str());
  if (!c.ok()) {
    return absl::Status(c.status().code(), absl::StrCat(path, ": ", c.status().message()));
  }
  return c;
}

const CatalogPage* PageCatalog::Find(absl::string_view page_id) const {
  auto it = index_.find(page_id);
  return it == index_.end() ? nullptr : &pages_[it->second];
}

}  // namespace pdp
