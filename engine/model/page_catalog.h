// The page catalogue: which IAM actions each console page needs, per action
// set. Data, loaded at start-up (see docs/data-formats.md); immutable after
// loading and safe to share between threads.
#ifndef PDP_ENGINE_MODEL_PAGE_CATALOG_H_
#define PDP_ENGINE_MODEL_PAGE_CATALOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/model/action_set.h"
#include "engine/policy/action_key.h"

namespace pdp {

// The catalogue's vocabulary, numbered as its pdp.v1 counterparts (Access,
// ConsoleActionSet, Console) so the server's mapping (server/wire) is a
// checked cast; none has an "unspecified" value: the engine never holds one.
enum class Access : uint8_t { kView = 1, kModify = 2 };
// Which actions an account's console checks: the fine-grained ones
// (billing:, invoicing:, ...) or the retired aws-portal: ones.
enum class ConsoleActionSet : uint8_t { kFineGrained = 1, kLegacy = 2 };
enum class Console : uint8_t { kBilling = 1, kCostManagement = 2, kOther = 3 };

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
  // The catalogue's "modify" list as written (display case, in order, a
  // view action included if it is named again), for the API's Page.
  std::vector<std::string> modify_listed;
  // The same actions by number (empty when the catalogue numbers none).
  ActionSet view_ids;
  ActionSet modify_ids;
};

struct CatalogFeature {
  std::string id;
  std::string title;
  Access access = Access::kView;
  std::vector<CatalogAction> fine_grained;
  std::vector<CatalogAction> legacy;
  ActionSet fine_grained_ids;  // by number, as ActionRequirements
  ActionSet legacy_ids;
};

// A page's features fit one word of a decision (Verdict::features): the
// catalogue refuses a page with more.
inline constexpr size_t kMaxFeaturesPerPage = 32;

// One page as the catalogue describes it (docs/data-formats.md); the API's
// pdp.v1.Page is built from it at the server's edge (server/wire).
struct CatalogPage {
  std::string id;
  Console console = Console::kOther;
  std::string title;
  bool iam_access_gated = false;
  bool shows_cost_explorer_data = false;
  std::string confidence;  // "documented" or "derived"
  std::string notes;
  std::string source;
  ActionRequirements fine_grained;
  ActionRequirements legacy;
  std::vector<CatalogFeature> features;

  const ActionRequirements& For(ConsoleActionSet set) const {
    return set == ConsoleActionSet::kLegacy ? legacy : fine_grained;
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
