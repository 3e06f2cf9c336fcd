// The page catalogue: which IAM actions each console page needs, per action
// set. Data, loaded at start-up (see docs/data-formats.md); immutable after
// loading and safe to share between threads.
#ifndef PDP_COMMON_ENGINE_PAGE_CATALOG_H_
#define PDP_COMMON_ENGINE_PAGE_CATALOG_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pdp/v1/types.pb.h"

namespace pdp {

// An action as the engine uses it: lower-cased for matching, original case
// for explanations.
struct CatalogAction {
  std::string lower;
  std::string display;
};

struct ActionRequirements {
  std::vector<CatalogAction> view;    // needed for VIEW
  std::vector<CatalogAction> modify;  // view + modify actions: needed for MODIFY
  bool offers_modify = false;
};

struct CatalogFeature {
  std::string id;
  pdp::v1::Access access = pdp::v1::VIEW;
  std::vector<CatalogAction> fine_grained;
  std::vector<CatalogAction> legacy;
};

struct CatalogPage {
  pdp::v1::Page proto;
  ActionRequirements fine_grained;
  ActionRequirements legacy;
  std::vector<CatalogFeature> features;

  const ActionRequirements& For(pdp::v1::ConsoleActionSet set) const {
    return set == pdp::v1::LEGACY ? legacy : fine_grained;
  }
};

class PageCatalog {
 public:
  // Parses and validates catalogue JSON. Errors name the JSON path.
  static absl::StatusOr<std::shared_ptr<const PageCatalog>> FromJson(absl::string_view json);
  static absl::StatusOr<std::shared_ptr<const PageCatalog>> FromFile(const std::string& path);

  const CatalogPage* Find(absl::string_view page_id) const;
  const std::vector<CatalogPage>& pages() const { return pages_; }
  const std::string& version() const { return version_; }

 private:
  std::string version_;
  std::vector<CatalogPage> pages_;
  absl::flat_hash_map<std::string, size_t> index_;
};

}  // namespace pdp

#endif  // PDP_COMMON_ENGINE_PAGE_CATALOG_H_
