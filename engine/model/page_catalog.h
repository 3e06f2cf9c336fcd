// The page catalogue: which IAM actions each console page needs, per action
// set. Data, loaded at start-up (see docs/data-formats.md); immutable after
// loading and safe to share between threads.
#ifndef PDP_ENGINE_MODEL_PAGE_CATALOG_H_
#define PDP_ENGINE_MODEL_PAGE_CATALOG_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/model/action_set.h"
#include "engine/policy/action_key.h"
#include "pdp/v1/types.pb.h"

namespace pdp {

// An action as the engine uses it: lower-cased for matching, original case
// for explanations. The hash of `lower` is computed once, here, because a
// decision looks the action up in every policy of the principal.
struct CatalogAction {
  CatalogAction() : lower_hash(EmptyHash()) {}
  CatalogAction(std::string lower_name, std::string display_name)
      : lower(std::move(lower_name)),
        display(std::move(display_name)),
        lower_hash(HashActionName(lower)) {}

  ActionKey key() const { return {lower, lower_hash}; }

  std::string lower;
  std::string display;
  size_t lower_hash;  // HashActionName(lower): do not change `lower` alone
  // The catalogue's number for `lower` (the same for every page naming it),
  // or kNoId: a raw action from a request, or a catalogue too large to number.
  static constexpr uint16_t kNoId = 0xffff;
  uint16_t id = kNoId;

 private:
  // Hashed once: every request that names a page default-constructs one.
  static size_t EmptyHash() {
    static const size_t hash = HashActionName("");
    return hash;
  }
};

struct ActionRequirements {
  std::vector<CatalogAction> view;    // needed for VIEW
  std::vector<CatalogAction> modify;  // view + modify actions: needed for MODIFY
  bool offers_modify = false;
  // The same actions by number (empty when the catalogue numbers none).
  ActionSet view_ids;
  ActionSet modify_ids;
};

struct CatalogFeature {
  std::string id;
  pdp::v1::Access access = pdp::v1::VIEW;
  std::vector<CatalogAction> fine_grained;
  std::vector<CatalogAction> legacy;
  ActionSet fine_grained_ids;  // by number, as ActionRequirements
  ActionSet legacy_ids;
};

// A page's features fit one word of a decision (Verdict::features): the
// catalogue refuses a page with more.
inline constexpr size_t kMaxFeaturesPerPage = 32;

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
  // Every distinct action the catalogue names, lower-cased, indexed by
  // CatalogAction::id; empty when there are more than ActionSet::kCapacity
  // (then no action has an id).
  const std::vector<CatalogAction>& numbered_actions() const { return numbered_; }
  const std::string& version() const { return version_; }

 private:
  std::string version_;
  std::vector<CatalogPage> pages_;
  absl::flat_hash_map<std::string, size_t> index_;
  std::vector<CatalogAction> numbered_;

  void NumberActions();
};

}  // namespace pdp

#endif  // PDP_ENGINE_MODEL_PAGE_CATALOG_H_
