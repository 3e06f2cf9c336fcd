// The account changes as SnapshotBuilder takes them (pdp.v1 Change kinds
// create_account, update_account, delete_account, update_account_settings):
// plain values with the API's field names, so the builder's field paths
// ("account.settings.console_action_set") are the API's. Values are kept as
// sent, unset and unknown ones included: the builder judges them, so a
// change fails exactly as the API documents.
#ifndef PDP_ENGINE_WRITE_ACCOUNT_CHANGE_TYPES_H_
#define PDP_ENGINE_WRITE_ACCOUNT_CHANGE_TYPES_H_

#include <optional>
#include <string>
#include <vector>

namespace pdp {

// Settings as a change names them.
struct SettingsInput {
  bool iam_access_to_billing = false;
  // ConsoleActionSet's number as sent (page_catalog.h numbers it as
  // pdp.v1): 0 is unset, the default (FINE_GRAINED); any number but 0, 1
  // and 2 is unknown and refused.
  int console_action_set = 0;
  bool cost_explorer_enabled = false;
  std::optional<bool> linked_account_access;  // unset: on
};

struct AccountInput {
  std::string id;
  std::string name;
  SettingsInput settings;
};

struct CreateAccountChange {
  AccountInput account;
  bool allow_existing = false;
};

struct UpdateAccountChange {
  std::string account_id;
  std::string name;
  std::string etag;
};

struct DeleteAccountChange {
  std::string account_id;
  std::string etag;
};

struct UpdateAccountSettingsChange {
  std::string account_id;
  SettingsInput settings;
  std::vector<std::string> update_mask;  // the settings' field names
  std::string actor;                     // principal ARN the change is made on behalf of
  std::string etag;
};

}  // namespace pdp

#endif  // PDP_ENGINE_WRITE_ACCOUNT_CHANGE_TYPES_H_
