#include "common/engine/snapshot_builder.h"

#include <algorithm>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "common/base/strings.h"
#include "common/engine/builder_errors.h"
#include "common/engine/change_address.h"
#include "common/engine/wire_decide.h"
#include "common/policy/policy_compiler.h"

namespace pdp {
namespace {

using pdp::v1::Change;

// Settings as stored: the defaults of unset fields made explicit.
pdp::v1::AccountSettings WithDefaults(pdp::v1::AccountSettings settings) {
  if (settings.console_action_set() == pdp::v1::CONSOLE_ACTION_SET_UNSPECIFIED) {
    settings.set_console_action_set(pdp::v1::FINE_GRAINED);
  }
  if (!settings.has_linked_account_access()) settings.set_linked_account_access(true);
  return settings;
}

bool IsInlinePolicyName(absl::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    if (c <= ' ' || c > '~' || c == '\\' || c == '/' || c == '*' || c == '?') return false;
  }
  return true;
}

}  // namespace

// The per-change handlers; a nested class so they may use the builder's
// copy-on-write helpers.
class SnapshotBuilder::Ops {
 public:
  explicit Ops(SnapshotBuilder& b) : b_(b) {}

  // ---- accounts -------------------------------------------------------
  absl::Status CreateAccount(const pdp::v1::CreateAccountRequest& c) {
    const pdp::v1::Account& a = c.account();
    if (!IsAccountId(a.id())) return FieldError("account.id", "must be exactly 12 digits");
    if (a.name().size() > 256) return FieldError("account.name", "is longer than 256 characters");
    if (b_.next_->FindAccount(a.id()) != nullptr) {
      if (c.allow_existing()) return KeepExisting(c);
      return FieldError("account.id", absl::StrCat("account ", a.id(), " already exists"),
                        absl::StatusCode::kAlreadyExists);
    }
    auto state = std::make_shared<AccountState>();
    state->id = a.id();
    state->name = a.name();
    state->settings = WithDefaults(a.settings());
    if (!pdp::v1::ConsoleActionSet_IsValid(state->settings.console_action_set())) {
      return FieldError("account.settings.console_action_set", "unknown action set");
    }
    state->modified_revision = b_.revision_;
    b_.touched_[a.id()] = state;
    b_.written_.insert(a.id());
    b_.affected_.insert(a.id());
    b_.next_->accounts_.Set(a.id(), state);
    return absl::OkStatus();
  }

  // create_account with allow_existing on an existing account: its settings
  // are never changed here (they need UpdateAccountSettings, whose actor
  // rules say who may change each one; a world file re-applied must not
  // undo what the root user turned on). Only a name given and different is
  // taken; otherwise the change is a no-op.
  absl::Status KeepExisting(const pdp::v1::CreateAccountRequest& c) {
    const AccountState* current = b_.next_->FindAccount(c.account().id());
    if (c.account().name().empty() || current->name == c.account().name()) return b_.Unchanged();
    AccountState* account = b_.MutableAccount(c.account().id(), /*views_change=*/false);
    account->name = c.account().name();
    account->modified_revision = b_.revision_;
    return absl::OkStatus();
  }

  absl::StatusOr<AccountState*> ExistingAccount(absl::string_view field, absl::string_view id,
                                                bool views_change = true) {
    if (!IsAccountId(id)) return FieldError(field, "must be exactly 12 digits");
    AccountState* account = b_.MutableAccount(id, views_change);
    if (account == nullptr) return NotFound(field, absl::StrCat("account ", id));
    return account;
  }

  absl::Status UpdateAccount(const pdp::v1::UpdateAccountRequest& c) {
    absl::StatusOr<AccountState*> account =
        ExistingAccount("account_id", c.account_id(), /*views_change=*/false);
    if (!account.ok()) return account.status();
    absl::Status s = CheckEtag("etag", c.etag(), (*account)->etag());
    if (!s.ok()) return s;
    if (c.name().size() > 256) return FieldError("name", "is longer than 256 characters");
    if ((*account)->name == c.name()) return b_.Unchanged();
    (*account)->name = c.name();
    (*account)->modified_revision = b_.revision_;
    return absl::OkStatus();
  }

  absl::Status DeleteAccount(const pdp::v1::DeleteAccountRequest& c) {
    absl::StatusOr<AccountState*> account = ExistingAccount("account_id", c.account_id());
    if (!account.ok()) return account.status();
    absl::Status s = CheckEtag("etag", c.etag(), (*account)->etag());
    if (!s.ok()) return s;
    if (!(*account)->organization_id.empty()) {
      return Refuse(absl::StatusCode::kFailedPrecondition, "account_id",
                    absl::StrCat("account ", c.account_id(), " is in organization ",
                                 (*account)->organization_id, "; remove it from there first"),
                    "ACCOUNT_IN_ORGANIZATION");
    }
    b_.touched_.erase(c.account_id());
    b_.next_->accounts_.Erase(c.account_id());
    return absl::OkStatus();
  }

  absl::Status UpdateAccountSettings(const pdp::v1::UpdateAccountSettingsRequest& c) {
    absl::StatusOr<AccountState*> account =
        ExistingAccount("account_id", c.account_id(), /*views_change=*/false);
    if (!account.ok()) return account.status();
    const OrganizationState* org = b_.next_->OrganizationOf(**account);
    const bool member = org != nullptr && org->management_account_id != c.account_id();
    bool set_iam = false, set_action_set = false, set_ce = false, set_linked = false;
    if (c.update_mask().empty()) {
      // Omitted is not "reset": without a mask, which settings the caller
      // meant to change is unknown, and resetting the others would undo
      // changes made by someone else (the root user's IAM access).
      return FieldError("update_mask",
                        "is required: name the settings to change (\"iam_access_to_billing\", "
                        "\"console_action_set\", \"cost_explorer_enabled\", "
                        "\"linked_account_access\"); the others keep their values");
    }
    for (int i = 0; i < c.update_mask_size(); ++i) {
      const std::string& f = c.update_mask(i);
      bool* flag = f == "iam_access_to_billing"   ? &set_iam
                   : f == "console_action_set"    ? &set_action_set
                   : f == "cost_explorer_enabled" ? &set_ce
                   : f == "linked_account_access" ? &set_linked
                                                  : nullptr;
      if (flag == nullptr) {
        return FieldError(absl::StrCat("update_mask[", i, "]"),
                          "must be \"iam_access_to_billing\", \"console_action_set\", "
                          "\"cost_explorer_enabled\" or \"linked_account_access\"");
      }
      *flag = true;
    }
    // In the mask with its zero value (CONSOLE_ACTION_SET_UNSPECIFIED) means
    // "back to the default", FINE_GRAINED, as for a field-mask update in
    // general and as CreateAccount reads it: the two agree.
    if (set_action_set && !pdp::v1::ConsoleActionSet_IsValid(c.settings().console_action_set())) {
      return FieldError("settings.console_action_set",
                        "must be FINE_GRAINED, LEGACY or CONSOLE_ACTION_SET_UNSPECIFIED (the "
                        "default, FINE_GRAINED)");
    }
    if (member && (set_ce || set_linked)) {
      return Refuse(
          absl::StatusCode::kFailedPrecondition, "update_mask",
          absl::StrCat("account ", c.account_id(), " is a member of organization ", org->id,
                       "; its Cost Explorer settings are set in the management "
                       "account ",
                       org->management_account_id),
          "MANAGED_BY_ORGANIZATION");
    }
    if (c.actor().empty()) {
      return FieldError("actor", "is required: the principal the change is made on behalf of");
    }
    absl::StatusOr<IamArn> actor = ParsePrincipalArn(c.actor());
    if (!actor.ok()) return AtField("actor", actor.status());
    if (actor->account != c.account_id()) {
      return Refuse(
          absl::StatusCode::kPermissionDenied, "actor",
          absl::StrCat("only principals of account ", c.account_id(), " may change its settings"),
          "ACTOR_NOT_IN_ACCOUNT");
    }
    const bool actor_is_root = actor->kind == IamArnKind::kRoot;
    if (set_iam && !actor_is_root) {
      return Refuse(absl::StatusCode::kPermissionDenied, "actor",
                    absl::StrCat("only the root user of account ", c.account_id(), " (",
                                 RootArn(c.account_id()),
                                 ") can change iam_access_to_billing; IAM users and roles "
                                 "cannot, whatever their policies"),
                    "ROOT_USER_REQUIRED");
    }
    if (!actor_is_root) {
      // Authorized by billing-pdp's own decision, on the state before this
      // batch (a batch cannot grant itself the right to change settings).
      if (set_action_set) {
        absl::Status s = CheckActorAllowed(c.actor(), "aws-portal:UpdateConsoleActionSetEnforced",
                                           "console_action_set");
        if (!s.ok()) return s;
      }
      if (set_ce || set_linked) {
        absl::Status s =
            CheckActorAllowed(c.actor(), "ce:UpdatePreferences", "the Cost Explorer settings");
        if (!s.ok()) return s;
      }
    }
    absl::Status s = CheckEtag("etag", c.etag(), (*account)->etag());
    if (!s.ok()) return s;
    pdp::v1::AccountSettings settings = (*account)->settings;
    if (set_iam) settings.set_iam_access_to_billing(c.settings().iam_access_to_billing());
    if (set_action_set) {
      settings.set_console_action_set(WithDefaults(c.settings()).console_action_set());
    }
    if (set_ce) settings.set_cost_explorer_enabled(c.settings().cost_explorer_enabled());
    if (set_linked) {
      // Unset in the request means on, as when Cost Explorer is enabled.
      settings.set_linked_account_access(!c.settings().has_linked_account_access() ||
                                         c.settings().linked_account_access());
    }
    if (settings.SerializeAsString() == (*account)->settings.SerializeAsString()) {
      return b_.Unchanged();  // already so: the etag stays
    }
    (*account)->settings = std::move(settings);
    (*account)->modified_revision = b_.revision_;
    return absl::OkStatus();
  }

  absl::Status CheckActorAllowed(const std::string& actor, const std::string& action,
                                 absl::string_view what) {
    pdp::v1::AuthorizeRequest req;
    req.set_principal(actor);
    req.mutable_action()->set_action(action);
    absl::StatusOr<pdp::v1::Decision> d = Decide(*b_.base_, req);
    if (d.ok() && d->effect() == pdp::v1::ALLOW) return absl::OkStatus();
    return Refuse(
        absl::StatusCode::kPermissionDenied, "actor",
        absl::StrCat(actor, " is not allowed ", action, " (needed to change ", what,
                     d.ok() ? absl::StrCat("; decision: ", pdp::v1::Reason_Name(d->reason())) : "",
                     ")"),
        "NOT_AUTHORIZED");
  }

  // ---- users, groups, roles --------------------------------------------
  struct EntityInput {
    IamArnKind kind;
    absl::string_view field;  // "user", "group", "role"
    const std::string* arn;
    const google::protobuf::RepeatedPtrField<std::string>* groups;  // users only
    const google::protobuf::RepeatedPtrField<std::string>* attached;
    const google::protobuf::RepeatedPtrField<pdp::v1::InlinePolicy>* inline_policies;
    const google::protobuf::Map<std::string, std::string>* tags;  // may be null
    const std::string* etag;
    bool replace;
    bool allow_missing;
    const std::string* boundary;   // users and roles; may be null
    const std::string* unique_id;  // may be empty: keep it, or make one up
  };

  absl::Status PutEntity(const EntityInput& in) {
    std::string f(in.field);
    absl::StatusOr<IamArn> arn = ParseIamArnOfKind(*in.arn, in.kind);
    if (!arn.ok()) return AtField(f + ".arn", arn.status());
    absl::StatusOr<AccountState*> account = ExistingAccount(f + ".arn", arn->account);
    if (!account.ok()) return account.status();
    std::string key = EntityKey(in.kind, arn->name);
    auto existing = (*account)->entities.find(key);
    if (existing != (*account)->entities.end()) {
      if (!in.replace) {
        return FieldError(f + ".arn",
                          absl::StrCat("a ", in.field, " named ", arn->name,
                                       " already exists (names are unique ignoring case)"),
                          absl::StatusCode::kAlreadyExists);
      }
      absl::Status s = CheckEtag(f + ".etag", *in.etag, existing->second->etag());
      if (!s.ok()) return s;
    } else if (in.replace && !in.allow_missing) {
      return NotFound(f + ".arn", ShortInput(*in.arn));
    }
    auto rec = std::make_shared<EntityRecord>();
    rec->kind = in.kind;
    rec->arn = arn->ToString();
    rec->name = arn->name;
    rec->modified_revision = b_.revision_;
    absl::Status id =
        AssignUniqueId(f + ".unique_id", in,
                       existing != (*account)->entities.end() ? existing->second.get() : nullptr,
                       arn->account, key, *rec);
    if (!id.ok()) return id;
    if (in.boundary != nullptr && !in.boundary->empty()) {
      absl::Status s = CheckAttachable(f + ".permissions_boundary", *in.boundary, arn->account);
      if (!s.ok()) return s;
      rec->permissions_boundary = *in.boundary;
    }
    if (in.groups != nullptr) {
      if (static_cast<size_t>(in.groups->size()) > b_.limits_.max_groups_per_user) {
        return Refuse(
            absl::StatusCode::kFailedPrecondition, f + ".groups",
            absl::StrCat("a user can be in at most ", b_.limits_.max_groups_per_user, " groups"),
            "LIMIT_EXCEEDED");
      }
      absl::flat_hash_set<std::string> seen;
      for (int i = 0; i < in.groups->size(); ++i) {
        std::string gpath = absl::StrCat(f, ".groups[", i, "]");
        const std::string& g = in.groups->Get(i);
        if (!IsValidIamName(g, 128)) return FieldError(gpath, "must be a group name");
        if ((*account)->FindEntity(IamArnKind::kGroup, g) == nullptr) {
          return NotFound(gpath, absl::StrCat("group ", g, " in account ", arn->account));
        }
        if (seen.insert(AsciiLower(g)).second) rec->groups.push_back(g);
      }
    }
    absl::Status s = SetAttached(*rec, **account, *in.attached, f + ".attached_policies");
    if (!s.ok()) return s;
    absl::flat_hash_set<std::string> names;
    for (int i = 0; i < in.inline_policies->size(); ++i) {
      const pdp::v1::InlinePolicy& p = in.inline_policies->Get(i);
      std::string ipath = absl::StrCat(f, ".inline_policies[", i, "]");
      absl::StatusOr<InlinePolicyRecord> r = MakeInline(ipath, p.name(), p.document());
      if (!r.ok()) return r.status();
      if (!names.insert(p.name()).second) return FieldError(ipath + ".name", "duplicate name");
      rec->inline_policies.push_back(std::move(*r));
    }
    if (in.tags != nullptr) {
      s = CopyTags(f + ".tags", *in.tags, rec->tags);
      if (!s.ok()) return s;
    }
    s = CheckInlineTotal(*rec, f + ".inline_policies");
    if (!s.ok()) return s;
    if (existing != (*account)->entities.end() && SameContent(*existing->second, *rec)) {
      return b_.Unchanged();  // replacing with what is there changes nothing (nor the etag)
    }
    (*account)->entities[key] = std::move(rec);
    return absl::OkStatus();
  }

  // IAM's tag rules (users, roles, session tags): at most max_tags, keys 1
  // to 128 characters, values at most 256, no two keys that differ only in
  // case (aws:PrincipalTag/<key> is matched case-insensitively, so which of
  // the two a policy saw would be arbitrary). `field` names the tags map.
  absl::Status CopyTags(const std::string& field,
                        const google::protobuf::Map<std::string, std::string>& tags,
                        std::map<std::string, std::string>& out) const {
    if (tags.size() > b_.limits_.max_tags) {
      return Refuse(absl::StatusCode::kFailedPrecondition, field,
                    absl::StrCat("at most ", b_.limits_.max_tags, " tags"), "LIMIT_EXCEEDED");
    }
    std::map<std::string, std::string> lower_to_key;
    for (const auto& [k, v] : tags) {
      auto [it, inserted] = lower_to_key.emplace(AsciiLower(k), k);
      if (!inserted) {
        const auto [first, second] = std::minmax(it->second, k);
        return FieldError(absl::StrCat(field, "[", ShortInput(first), "]"),
                          absl::StrCat("and ", field, "[", ShortInput(second),
                                       "] differ only in case; tag keys are case-insensitive"));
      }
    }
    for (const auto& [k, v] : tags) {
      if (k.empty() || k.size() > 128) {
        return FieldError(absl::StrCat(field, "[", ShortInput(k), "]"),
                          "tag keys are 1 to 128 characters");
      }
      if (v.size() > 256) {
        return FieldError(absl::StrCat(field, "[", k, "]"),
                          "tag values are at most 256 characters");
      }
      out[k] = v;
    }
    return absl::OkStatus();
  }

  // IAM's aggregate limit on an entity's inline policies.
  absl::Status CheckInlineTotal(const EntityRecord& e, const std::string& field) const {
    size_t limit = e.kind == IamArnKind::kUser    ? b_.limits_.max_inline_chars_user
                   : e.kind == IamArnKind::kGroup ? b_.limits_.max_inline_chars_group
                                                  : b_.limits_.max_inline_chars_role;
    size_t total = 0;
    for (const InlinePolicyRecord& p : e.inline_policies) total += NonWhitespaceLength(p.document);
    if (total <= limit) return absl::OkStatus();
    return Refuse(absl::StatusCode::kFailedPrecondition, field,
                  absl::StrCat("the inline policies of a ", IamArnKindName(e.kind), " total ",
                               total, " characters (white space not counted); at most ", limit),
                  "LIMIT_EXCEEDED");
  }

  static absl::string_view UniqueIdPrefix(IamArnKind kind) {
    return kind == IamArnKind::kUser ? "AIDA" : kind == IamArnKind::kGroup ? "AGPA" : "AROA";
  }

  // The entity's unique id: an existing entity keeps its own (naming
  // another is refused: IAM never changes one); a new one takes the id the
  // caller gave (an import keeps AWS's) if no other entity of any account
  // has it, or a made-up one.
  absl::Status AssignUniqueId(const std::string& field, const EntityInput& in,
                              const EntityRecord* existing, absl::string_view account_id,
                              absl::string_view key, EntityRecord& rec) {
    const std::string given = in.unique_id != nullptr ? *in.unique_id : std::string();
    if (!given.empty()) {
      absl::string_view prefix = UniqueIdPrefix(in.kind);
      const bool well_formed =
          given.size() >= 16 && given.size() <= 128 && absl::StartsWith(given, prefix) &&
          std::all_of(given.begin(), given.end(),
                      [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
      if (!well_formed) {
        return FieldError(field, absl::StrCat("a ", in.field, "'s unique id is ", prefix,
                                              " followed by upper-case letters and digits, 16 "
                                              "to 128 characters in all"));
      }
    }
    if (existing != nullptr) {
      if (!given.empty() && given != existing->unique_id) {
        return Refuse(absl::StatusCode::kFailedPrecondition, field,
                      absl::StrCat("this ", in.field, "'s unique id is ", existing->unique_id,
                                   "; unique ids never change (delete the ", in.field,
                                   " and create it again to give it another)"),
                      "UNIQUE_ID_CHANGED");
      }
      rec.unique_id = existing->unique_id;
      return absl::OkStatus();
    }
    if (!given.empty()) {
      if (const EntityRecord* holder = b_.HolderOfUniqueId(given); holder != nullptr) {
        // Another account's principal is not named: the caller may not be
        // allowed to see that account.
        absl::StatusOr<IamArn> holder_arn = ParseIamArn(holder->arn);
        const bool same_account = holder_arn.ok() && holder_arn->account == account_id;
        return FieldError(field,
                          same_account ? absl::StrCat("is already the unique id of ", holder->arn)
                                       : "is already the unique id of a principal in another "
                                         "account",
                          absl::StatusCode::kAlreadyExists);
      }
      rec.unique_id = given;
    } else {
      // Made-up ids are derived from the ARN and the revision, so a replay
      // of the same batches gives the same ids; a clash with an id somebody
      // chose (even on purpose) moves on to the next candidate.
      for (int attempt = 0;; ++attempt) {
        rec.unique_id = MadeUpUniqueId(in.kind, rec.arn, attempt);
        if (b_.HolderOfUniqueId(rec.unique_id) == nullptr) break;
      }
    }
    b_.new_unique_ids_[rec.unique_id] = absl::StrCat(account_id, "/", key);
    return absl::OkStatus();
  }

  // IAM-style unique ids: a kind prefix and 17 characters, derived from the
  // ARN, the revision that created the entity and the attempt.
  std::string MadeUpUniqueId(IamArnKind kind, const std::string& arn, int attempt) const {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (char c : attempt == 0 ? absl::StrCat(arn, "#", b_.revision_)
                               : absl::StrCat(arn, "#", b_.revision_, "#", attempt)) {
      h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    }
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    std::string id(UniqueIdPrefix(kind));
    for (int i = 0; i < 17; ++i) {
      id += kAlphabet[h & 31];
      h = (h >> 5) | (h << 59);
      h *= 0x9E3779B97F4A7C15ull;
    }
    return id;
  }

  static bool SameContent(const EntityRecord& a, const EntityRecord& b) {
    if (a.kind != b.kind || a.arn != b.arn || a.groups != b.groups || a.attached != b.attached ||
        a.tags != b.tags || a.permissions_boundary != b.permissions_boundary ||
        a.inline_policies.size() != b.inline_policies.size()) {
      return false;
    }
    for (size_t i = 0; i < a.inline_policies.size(); ++i) {
      if (a.inline_policies[i].name != b.inline_policies[i].name ||
          a.inline_policies[i].document != b.inline_policies[i].document) {
        return false;
      }
    }
    return true;
  }

  absl::Status SetAttached(EntityRecord& rec, const AccountState& account,
                           const google::protobuf::RepeatedPtrField<std::string>& attached,
                           const std::string& field) {
    if (static_cast<size_t>(attached.size()) > b_.limits_.max_attached_policies) {
      return Refuse(absl::StatusCode::kFailedPrecondition, field,
                    absl::StrCat("at most ", b_.limits_.max_attached_policies,
                                 " managed policies can be attached"),
                    "LIMIT_EXCEEDED");
    }
    for (int i = 0; i < attached.size(); ++i) {
      std::string apath = absl::StrCat(field, "[", i, "]");
      absl::Status s = CheckAttachable(apath, attached.Get(i), account.id);
      if (!s.ok()) return s;
      if (std::find(rec.attached.begin(), rec.attached.end(), attached.Get(i)) ==
          rec.attached.end()) {
        rec.attached.push_back(attached.Get(i));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckAttachable(const std::string& field, const std::string& policy_arn,
                               const std::string& account_id) {
    absl::StatusOr<IamArn> arn = ParseIamArnOfKind(policy_arn, IamArnKind::kPolicy);
    if (!arn.ok()) return AtField(field, arn.status());
    if (arn->account != "aws" && arn->account != account_id) {
      return FieldError(field, "a customer managed policy can only be attached in its own account");
    }
    if (b_.next_->FindPolicy(policy_arn) == nullptr) return NotFound(field, ShortInput(policy_arn));
    return absl::OkStatus();
  }

  absl::StatusOr<InlinePolicyRecord> MakeInline(const std::string& field, const std::string& name,
                                                const std::string& document) {
    if (!IsInlinePolicyName(name)) {
      return FieldError(field + ".name",
                        "must be 1 to 128 printable characters without spaces, \\ / * or ?");
    }
    absl::StatusOr<CompiledPolicyPtr> compiled = CompilePolicy(document);
    if (!compiled.ok()) return AtField(field + ".document", compiled.status());
    return InlinePolicyRecord{name, document, *compiled};
  }

  struct EntityRef {
    AccountState* account;
    EntityRecord* entity;
    std::string previous_etag;
    // The record before the copy, and where the copy is (valid until the
    // account's entities change), so a change that turns out to change
    // nothing can put the original back (Keep).
    std::shared_ptr<const EntityRecord> original;
    std::shared_ptr<const EntityRecord>* slot;
  };

  // The change found nothing to change in the entity: its record (and etag)
  // stays as it was.
  absl::Status Keep(const EntityRef& ref) {
    *ref.slot = ref.original;
    return b_.Unchanged();
  }

  // Finds a user, group or role for change and makes it writable.
  absl::StatusOr<EntityRef> MutableEntity(absl::string_view field, const std::string& arn_text,
                                          bool principals_only = false) {
    absl::StatusOr<IamArn> arn = ParseIamArn(arn_text);
    if (!arn.ok()) return AtField(field, arn.status());
    if (arn->kind != IamArnKind::kUser && arn->kind != IamArnKind::kRole &&
        (principals_only || arn->kind != IamArnKind::kGroup)) {
      return FieldError(field, principals_only ? "must be a user or role ARN"
                                               : "must be a user, group or role ARN");
    }
    absl::StatusOr<AccountState*> account = ExistingAccount(field, arn->account);
    if (!account.ok()) return account.status();
    auto it = (*account)->entities.find(EntityKey(arn->kind, arn->name));
    if (it == (*account)->entities.end() || it->second->arn != arn_text) {
      return NotFound(field, ShortInput(arn_text));
    }
    std::string previous_etag = it->second->etag();
    std::shared_ptr<const EntityRecord> original = it->second;
    auto copy = std::make_shared<EntityRecord>(*it->second);
    copy->modified_revision = b_.revision_;
    EntityRecord* raw = copy.get();
    it->second = std::move(copy);
    return EntityRef{*account, raw, std::move(previous_etag), std::move(original), &it->second};
  }

  absl::Status DeleteEntity(const pdp::v1::DeleteEntityRequest& c) {
    auto found = MutableEntity("arn", c.arn());
    if (!found.ok()) return found.status();
    auto [account, entity, previous_etag, original, slot] = *found;
    absl::Status s = CheckEtag("etag", c.etag(), previous_etag);
    if (!s.ok()) return s;
    if (entity->kind == IamArnKind::kGroup) {
      std::string group_lower = AsciiLower(entity->name);
      for (auto& [key, rec] : account->entities) {
        if (rec->kind != IamArnKind::kUser) continue;
        auto& g = rec->groups;
        if (std::none_of(g.begin(), g.end(),
                         [&](const std::string& n) { return AsciiLower(n) == group_lower; })) {
          continue;
        }
        auto copy = std::make_shared<EntityRecord>(*rec);
        std::erase_if(copy->groups,
                      [&](const std::string& n) { return AsciiLower(n) == group_lower; });
        copy->modified_revision = b_.revision_;
        rec = std::move(copy);
      }
    }
    if (entity->kind == IamArnKind::kRole) {
      std::string prefix = AsciiLower(entity->name) + "/";
      absl::erase_if(account->sessions,
                     [&](const auto& kv) { return absl::StartsWith(kv.first, prefix); });
    }
    account->entities.erase(EntityKey(entity->kind, entity->name));
    return absl::OkStatus();
  }

  // ---- role sessions ----------------------------------------------------
  absl::Status PutRoleSession(const pdp::v1::PutRoleSessionRequest& c) {
    const pdp::v1::RoleSession& in = c.session();
    absl::StatusOr<IamArn> arn = ParseIamArnOfKind(in.arn(), IamArnKind::kAssumedRole);
    if (!arn.ok()) return AtField("session.arn", arn.status());
    absl::StatusOr<AccountState*> account = ExistingAccount("session.arn", arn->account);
    if (!account.ok()) return account.status();
    if ((*account)->FindEntity(IamArnKind::kRole, arn->name) == nullptr) {
      return NotFound("session.arn", absl::StrCat("role ", arn->name));
    }
    std::string key = SessionKey(arn->name, arn->session);
    auto existing = (*account)->sessions.find(key);
    if (existing != (*account)->sessions.end()) {
      absl::Status s = CheckEtag("session.etag", in.etag(), existing->second->etag());
      if (!s.ok()) return s;
    }
    auto rec = std::make_shared<SessionRecord>();
    rec->arn = arn->ToString();
    rec->role_name = arn->name;
    rec->session_name = arn->session;
    rec->modified_revision = b_.revision_;
    if (in.policy_arns_size() > 10) {
      return Refuse(absl::StatusCode::kFailedPrecondition, "session.policy_arns",
                    "at most 10 managed session policies", "LIMIT_EXCEEDED");
    }
    for (int i = 0; i < in.policy_arns_size(); ++i) {
      absl::Status s = CheckAttachable(absl::StrCat("session.policy_arns[", i, "]"),
                                       in.policy_arns(i), arn->account);
      if (!s.ok()) return s;
      rec->policy_arns.push_back(in.policy_arns(i));
    }
    if (!in.policy().empty()) {
      absl::StatusOr<CompiledPolicyPtr> compiled = CompilePolicy(in.policy());
      if (!compiled.ok()) return AtField("session.policy", compiled.status());
      rec->policy = in.policy();
      rec->policy_compiled = *compiled;
    }
    absl::Status tags = CopyTags("session.tags", in.tags(), rec->tags);
    if (!tags.ok()) return tags;
    if (existing != (*account)->sessions.end()) {
      const SessionRecord& old = *existing->second;
      if (old.arn == rec->arn && old.role_name == rec->role_name &&
          old.session_name == rec->session_name && old.policy_arns == rec->policy_arns &&
          old.policy == rec->policy && old.tags == rec->tags) {
        return b_.Unchanged();  // registered as it is: the etag stays
      }
    }
    (*account)->sessions[key] = std::move(rec);
    return absl::OkStatus();
  }

  absl::Status DeleteRoleSession(const pdp::v1::DeleteRoleSessionRequest& c) {
    absl::StatusOr<IamArn> arn = ParseIamArnOfKind(c.arn(), IamArnKind::kAssumedRole);
    if (!arn.ok()) return AtField("arn", arn.status());
    absl::StatusOr<AccountState*> account = ExistingAccount("arn", arn->account);
    if (!account.ok()) return account.status();
    if ((*account)->sessions.erase(SessionKey(arn->name, arn->session)) == 0) {
      return NotFound("arn", ShortInput(c.arn()));
    }
    return absl::OkStatus();
  }

  // ---- managed policies -------------------------------------------------
  struct PolicyRef {
    AccountState* account;
    ManagedPolicyRecord* policy;
    std::string previous_etag;
    std::shared_ptr<const ManagedPolicyRecord> original;  // as EntityRef
    std::shared_ptr<const ManagedPolicyRecord>* slot;
  };

  absl::Status Keep(const PolicyRef& ref) {
    *ref.slot = ref.original;
    return b_.Unchanged();
  }

  absl::StatusOr<PolicyRef> MutablePolicy(absl::string_view field, const std::string& arn_text) {
    absl::StatusOr<IamArn> arn = ParseIamArnOfKind(arn_text, IamArnKind::kPolicy);
    if (!arn.ok()) return AtField(field, arn.status());
    if (arn->account == "aws") {
      return Refuse(absl::StatusCode::kPermissionDenied, field,
                    "AWS managed policies are read-only", "AWS_MANAGED_READ_ONLY");
    }
    absl::StatusOr<AccountState*> account = ExistingAccount(field, arn->account);
    if (!account.ok()) return account.status();
    auto it = (*account)->policies.find(EntityKey(IamArnKind::kPolicy, arn->name));
    if (it == (*account)->policies.end() || it->second->arn != arn_text) {
      return NotFound(field, ShortInput(arn_text));
    }
    std::string previous_etag = it->second->etag();
    std::shared_ptr<const ManagedPolicyRecord> original = it->second;
    auto copy = std::make_shared<ManagedPolicyRecord>(*it->second);
    copy->modified_revision = b_.revision_;
    ManagedPolicyRecord* raw = copy.get();
    it->second = std::move(copy);
    return PolicyRef{*account, raw, std::move(previous_etag), std::move(original), &it->second};
  }

  absl::StatusOr<CompiledPolicyPtr> CompileManaged(const std::string& field,
                                                   const std::string& document) {
    return CompileManaged(field, document, b_.limits_.max_managed_policy_chars);
  }
  absl::StatusOr<CompiledPolicyPtr> CompileManaged(const std::string& field,
                                                   const std::string& document, size_t max_chars) {
    CompileOptions options;
    options.max_non_whitespace_chars = max_chars;
    absl::StatusOr<CompiledPolicyPtr> compiled = CompilePolicy(document, options);
    if (!compiled.ok()) return AtField(field, compiled.status());
    return compiled;
  }

  absl::Status AddVersion(ManagedPolicyRecord& p, const std::string& document,
                          CompiledPolicyPtr compiled, bool set_default, bool make_room) {
    if (p.versions.size() >= b_.limits_.max_policy_versions) {
      if (!make_room) {
        return Refuse(
            absl::StatusCode::kFailedPrecondition, "policy_arn",
            absl::StrCat("a managed policy keeps at most ", b_.limits_.max_policy_versions,
                         " versions; delete a non-default version first"),
            "LIMIT_EXCEEDED");
      }
      auto oldest = std::find_if(p.versions.begin(), p.versions.end(), [&](const auto& v) {
        return v.version_id() != p.default_version_id;
      });
      if (oldest != p.versions.end()) p.versions.erase(oldest);
    }
    pdp::v1::PolicyVersion v;
    v.set_version_id(absl::StrCat("v", p.next_version++));
    v.set_document(document);
    p.versions.push_back(v);
    if (set_default) {
      p.default_version_id = v.version_id();
      p.default_compiled = std::move(compiled);
    }
    return absl::OkStatus();
  }

  absl::Status CreatePolicy(const pdp::v1::CreatePolicyRequest& c) {
    absl::StatusOr<IamArn> arn = ParseIamArnOfKind(c.arn(), IamArnKind::kPolicy);
    if (!arn.ok()) return AtField("arn", arn.status());
    if (arn->account == "aws") {
      return Refuse(absl::StatusCode::kPermissionDenied, "arn",
                    "AWS managed policies are shipped as data and cannot be created",
                    "AWS_MANAGED_READ_ONLY");
    }
    if (c.description().size() > 1000)
      return FieldError("description", "is longer than 1000 characters");
    absl::StatusOr<AccountState*> account = ExistingAccount("arn", arn->account);
    if (!account.ok()) return account.status();
    absl::StatusOr<CompiledPolicyPtr> compiled = CompileManaged("document", c.document());
    if (!compiled.ok()) return compiled.status();
    std::string key = EntityKey(IamArnKind::kPolicy, arn->name);
    if ((*account)->policies.contains(key)) {
      if (!c.allow_existing()) {
        return FieldError("arn", absl::StrCat("policy ", arn->name, " already exists"),
                          absl::StatusCode::kAlreadyExists);
      }
      const ManagedPolicyRecord& current = *(*account)->policies.at(key);
      if (current.arn == c.arn() && current.description == c.description()) {
        for (const auto& v : current.versions) {
          if (v.version_id() == current.default_version_id && v.document() == c.document()) {
            return b_.Unchanged();  // keep the record (and its etag)
          }
        }
      }
      auto found = MutablePolicy("arn", c.arn());
      if (!found.ok()) return found.status();
      ManagedPolicyRecord* p = found->policy;
      p->description = c.description();
      for (const auto& v : p->versions) {
        if (v.version_id() == p->default_version_id && v.document() == c.document()) {
          return absl::OkStatus();
        }
      }
      return AddVersion(*p, c.document(), *compiled, true, true);
    }
    auto rec = std::make_shared<ManagedPolicyRecord>();
    rec->arn = arn->ToString();
    rec->description = c.description();
    rec->modified_revision = b_.revision_;
    rec->next_version = 1;
    absl::Status s = AddVersion(*rec, c.document(), *compiled, true, false);
    if (!s.ok()) return s;
    (*account)->policies[key] = std::move(rec);
    return absl::OkStatus();
  }

  // A put's versions checked (ids "v<N>", none twice, exactly one
  // default, each document compiled within `max_chars`) as a new record of
  // `arn` with its versions in number order. Field paths are the put's own.
  absl::StatusOr<std::shared_ptr<ManagedPolicyRecord>> RecordFromPut(
      const pdp::v1::PutPolicyRequest& c, const IamArn& arn, size_t max_chars) {
    if (c.description().size() > 1000)
      return FieldError("description", "is longer than 1000 characters");
    if (c.versions().empty()) return FieldError("versions", "a policy needs at least one version");
    if (static_cast<size_t>(c.versions_size()) > b_.limits_.max_policy_versions) {
      return Refuse(absl::StatusCode::kFailedPrecondition, "versions",
                    absl::StrCat("a managed policy keeps at most ", b_.limits_.max_policy_versions,
                                 " versions"),
                    "LIMIT_EXCEEDED");
    }
    // Versions in number order, each checked; exactly one default.
    std::vector<std::pair<int64_t, const pdp::v1::PolicyVersion*>> numbered;
    const pdp::v1::PolicyVersion* default_version = nullptr;
    CompiledPolicyPtr default_compiled;
    for (int i = 0; i < c.versions_size(); ++i) {
      const pdp::v1::PolicyVersion& v = c.versions(i);
      const std::string vpath = absl::StrCat("versions[", i, "]");
      absl::string_view id = v.version_id();
      int64_t n = 0;
      if (id.size() < 2 || id.size() > 10 || id[0] != 'v' || id[1] == '0' ||
          !absl::SimpleAtoi(id.substr(1), &n) ||
          !std::all_of(id.begin() + 1, id.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
        return FieldError(vpath + ".version_id", "must be v1, v2, ... (no leading zero)");
      }
      for (const auto& [m, other] : numbered) {
        if (m == n) return FieldError(vpath + ".version_id", "appears twice");
      }
      absl::StatusOr<CompiledPolicyPtr> compiled =
          CompileManaged(vpath + ".document", v.document(), max_chars);
      if (!compiled.ok()) return compiled.status();
      if (v.is_default()) {
        if (default_version != nullptr) {
          return FieldError(vpath + ".is_default", "only one version can be the default");
        }
        default_version = &v;
        default_compiled = *compiled;
      }
      numbered.emplace_back(n, &v);
    }
    if (default_version == nullptr) return FieldError("versions", "no version is the default");
    std::sort(numbered.begin(), numbered.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    auto rec = std::make_shared<ManagedPolicyRecord>();
    rec->arn = arn.ToString();
    rec->description = c.description();
    rec->modified_revision = b_.revision_;
    rec->next_version = static_cast<int>(numbered.back().first) + 1;
    for (const auto& [n, v] : numbered) {
      pdp::v1::PolicyVersion& out = rec->versions.emplace_back();
      out.set_version_id(v->version_id());
      out.set_document(v->document());
    }
    rec->default_version_id = default_version->version_id();
    rec->default_compiled = std::move(default_compiled);
    return rec;
  }

  // Whether a put would leave `current` as it is: the same description,
  // versions (ids and documents, in order) and default.
  static bool SameContent(const ManagedPolicyRecord& current, const ManagedPolicyRecord& put) {
    if (current.description != put.description ||
        current.default_version_id != put.default_version_id ||
        current.versions.size() != put.versions.size()) {
      return false;
    }
    for (size_t i = 0; i < put.versions.size(); ++i) {
      if (current.versions[i].version_id() != put.versions[i].version_id() ||
          current.versions[i].document() != put.versions[i].document()) {
        return false;
      }
    }
    return true;
  }

  absl::Status PutPolicy(const pdp::v1::PutPolicyRequest& c) {
    absl::StatusOr<IamArn> arn = ParseIamArnOfKind(c.arn(), IamArnKind::kPolicy);
    if (!arn.ok()) return AtField("arn", arn.status());
    if (arn->account == "aws") {
      return Refuse(absl::StatusCode::kPermissionDenied, "arn",
                    "AWS managed policies are not written with put_policy (use "
                    "put_aws_managed_policy, admins only)",
                    "AWS_MANAGED_READ_ONLY");
    }
    if (c.description().size() > 1000)
      return FieldError("description", "is longer than 1000 characters");
    absl::StatusOr<AccountState*> account = ExistingAccount("arn", arn->account);
    if (!account.ok()) return account.status();
    absl::StatusOr<std::shared_ptr<ManagedPolicyRecord>> rec =
        RecordFromPut(c, *arn, b_.limits_.max_managed_policy_chars);
    if (!rec.ok()) return rec.status();

    std::string key = EntityKey(IamArnKind::kPolicy, arn->name);
    auto it = (*account)->policies.find(key);
    if (it != (*account)->policies.end()) {
      const ManagedPolicyRecord& current = *it->second;
      if (current.arn != c.arn()) {
        return FieldError("arn",
                          absl::StrCat("policy ", arn->name, " already exists as ", current.arn,
                                       " (names are unique ignoring case)"),
                          absl::StatusCode::kAlreadyExists);
      }
      absl::Status s = CheckEtag("etag", c.etag(), current.etag());
      if (!s.ok()) return s;
      if (SameContent(current, **rec)) return b_.Unchanged();
      (*rec)->next_version = std::max((*rec)->next_version, current.next_version);
    }
    (*account)->policies[key] = *std::move(rec);
    return absl::OkStatus();
  }

  // An AWS managed policy for every account. The same checks as PutPolicy
  // but the document size, whose quota is AWS's own policies' (their
  // documents are larger than a customer's may be).
  absl::Status PutAwsManagedPolicy(const pdp::v1::PutPolicyRequest& c) {
    absl::StatusOr<IamArn> arn = ParseIamArnOfKind(c.arn(), IamArnKind::kPolicy);
    if (!arn.ok()) return AtField("arn", arn.status());
    if (arn->account != "aws") {
      return FieldError("arn",
                        "must be an AWS managed policy ARN, arn:<partition>:iam::aws:policy/... "
                        "(a customer managed policy is put with put_policy)");
    }
    if (arn->ToString() != c.arn()) {
      return FieldError("arn", absl::StrCat("must be written as ", arn->ToString()));
    }
    absl::StatusOr<std::shared_ptr<ManagedPolicyRecord>> rec =
        RecordFromPut(c, *arn, b_.limits_.max_aws_managed_policy_chars);
    if (!rec.ok()) return rec.status();
    (*rec)->aws_managed = true;
    const AwsPolicyMap& current_map = b_.next_->aws_policies();
    auto it = current_map.find(c.arn());
    if (it != current_map.end()) {
      const ManagedPolicyRecord& current = *it->second;
      absl::Status s = CheckEtag("etag", c.etag(), current.etag());
      if (!s.ok()) return s;
      if (SameContent(current, **rec)) return b_.Unchanged();
      (*rec)->next_version = std::max((*rec)->next_version, current.next_version);
    }
    b_.PutAwsPolicy(*std::move(rec));
    return absl::OkStatus();
  }

  absl::Status UpdatePolicy(const pdp::v1::UpdatePolicyRequest& c) {
    auto found = MutablePolicy("arn", c.arn());
    if (!found.ok()) return found.status();
    absl::Status s = CheckEtag("etag", c.etag(), found->previous_etag);
    if (!s.ok()) return s;
    if (c.description().size() > 1000)
      return FieldError("description", "is longer than 1000 characters");
    if (found->policy->description == c.description()) return Keep(*found);
    found->policy->description = c.description();
    return absl::OkStatus();
  }

  absl::Status DeletePolicy(const pdp::v1::DeletePolicyRequest& c) {
    auto found = MutablePolicy("arn", c.arn());
    if (!found.ok()) return found.status();
    absl::Status s = CheckEtag("etag", c.etag(), found->previous_etag);
    if (!s.ok()) return s;
    AccountState* account = found->account;
    for (const auto& [key, e] : account->entities) {
      if (std::find(e->attached.begin(), e->attached.end(), c.arn()) != e->attached.end() ||
          e->permissions_boundary == c.arn()) {
        return Refuse(absl::StatusCode::kFailedPrecondition, "arn",
                      absl::StrCat("policy is still attached to ", e->arn,
                                   " (as a policy or permissions boundary); detach it first"),
                      "DELETE_CONFLICT");
      }
    }
    for (const auto& [key, session] : account->sessions) {
      const auto& arns = session->policy_arns;
      if (std::find(arns.begin(), arns.end(), c.arn()) != arns.end()) {
        return Refuse(absl::StatusCode::kFailedPrecondition, "arn",
                      absl::StrCat("policy is a session policy of ", session->arn,
                                   "; delete the session first"),
                      "DELETE_CONFLICT");
      }
    }
    absl::StatusOr<IamArn> arn = ParseIamArn(c.arn());
    account->policies.erase(EntityKey(IamArnKind::kPolicy, arn->name));
    return absl::OkStatus();
  }

  absl::Status CreatePolicyVersion(const pdp::v1::CreatePolicyVersionRequest& c) {
    auto found = MutablePolicy("policy_arn", c.policy_arn());
    if (!found.ok()) return found.status();
    absl::StatusOr<CompiledPolicyPtr> compiled = CompileManaged("document", c.document());
    if (!compiled.ok()) return compiled.status();
    return AddVersion(*found->policy, c.document(), *compiled, c.set_as_default(), false);
  }

  absl::Status SetDefaultPolicyVersion(const pdp::v1::SetDefaultPolicyVersionRequest& c) {
    auto found = MutablePolicy("policy_arn", c.policy_arn());
    if (!found.ok()) return found.status();
    ManagedPolicyRecord* p = found->policy;
    for (const auto& v : p->versions) {
      if (v.version_id() == c.version_id()) {
        if (p->default_version_id == v.version_id()) return Keep(*found);  // already the default
        absl::StatusOr<CompiledPolicyPtr> compiled = CompileManaged("version_id", v.document());
        if (!compiled.ok()) return compiled.status();
        p->default_version_id = v.version_id();
        p->default_compiled = *compiled;
        return absl::OkStatus();
      }
    }
    return NotFound("version_id", absl::StrCat("version ", ShortInput(c.version_id())));
  }

  absl::Status DeletePolicyVersion(const pdp::v1::DeletePolicyVersionRequest& c) {
    auto found = MutablePolicy("policy_arn", c.policy_arn());
    if (!found.ok()) return found.status();
    ManagedPolicyRecord* p = found->policy;
    if (c.version_id() == p->default_version_id) {
      return Refuse(absl::StatusCode::kFailedPrecondition, "version_id",
                    "the default version cannot be deleted; make another version the default "
                    "or delete the policy",
                    "DELETE_CONFLICT");
    }
    auto it = std::find_if(p->versions.begin(), p->versions.end(),
                           [&](const auto& v) { return v.version_id() == c.version_id(); });
    if (it == p->versions.end())
      return NotFound("version_id", absl::StrCat("version ", ShortInput(c.version_id())));
    p->versions.erase(it);
    return absl::OkStatus();
  }

  // ---- inline policies, attachments, membership --------------------------
  absl::Status PutInlinePolicy(const pdp::v1::PutInlinePolicyRequest& c) {
    auto found = MutableEntity("entity_arn", c.entity_arn());
    if (!found.ok()) return found.status();
    absl::StatusOr<InlinePolicyRecord> r = MakeInline("", c.name(), c.document());
    if (!r.ok()) {
      // MakeInline's paths start with '.', drop it for a top-level message.
      google::rpc::BadRequest br;
      if (GetBadRequest(r.status(), &br) && br.field_violations_size() > 0) {
        std::string field = br.field_violations(0).field().substr(1);
        return FieldError(field, br.field_violations(0).description(), r.status().code());
      }
      return r.status();
    }
    auto& list = found->entity->inline_policies;
    auto same = std::find_if(list.begin(), list.end(),
                             [&](const InlinePolicyRecord& p) { return p.name == c.name(); });
    if (same != list.end() && same->document == r->document) return Keep(*found);
    if (same != list.end()) {
      *same = std::move(*r);
    } else {
      list.push_back(std::move(*r));
    }
    return CheckInlineTotal(*found->entity, "document");
  }

  absl::Status DeleteInlinePolicy(const pdp::v1::DeleteInlinePolicyRequest& c) {
    auto found = MutableEntity("entity_arn", c.entity_arn());
    if (!found.ok()) return found.status();
    auto& list = found->entity->inline_policies;
    size_t before = list.size();
    std::erase_if(list, [&](const InlinePolicyRecord& p) { return p.name == c.name(); });
    if (list.size() == before)
      return NotFound("name", absl::StrCat("inline policy ", ShortInput(c.name())));
    return absl::OkStatus();
  }

  absl::Status AttachPolicy(const pdp::v1::AttachPolicyRequest& c) {
    auto found = MutableEntity("entity_arn", c.entity_arn());
    if (!found.ok()) return found.status();
    EntityRecord* entity = found->entity;
    absl::Status s = CheckAttachable("policy_arn", c.policy_arn(), found->account->id);
    if (!s.ok()) return s;
    if (std::find(entity->attached.begin(), entity->attached.end(), c.policy_arn()) !=
        entity->attached.end()) {
      return Keep(*found);  // attaching twice is a no-op, as in IAM
    }
    if (entity->attached.size() >= b_.limits_.max_attached_policies) {
      return Refuse(absl::StatusCode::kFailedPrecondition, "policy_arn",
                    absl::StrCat(c.entity_arn(), " already has ", b_.limits_.max_attached_policies,
                                 " managed policies attached"),
                    "LIMIT_EXCEEDED");
    }
    entity->attached.push_back(c.policy_arn());
    return absl::OkStatus();
  }

  absl::Status DetachPolicy(const pdp::v1::DetachPolicyRequest& c) {
    auto found = MutableEntity("entity_arn", c.entity_arn());
    if (!found.ok()) return found.status();
    auto& list = found->entity->attached;
    auto it = std::find(list.begin(), list.end(), c.policy_arn());
    if (it == list.end())
      return NotFound("policy_arn", absl::StrCat(ShortInput(c.policy_arn()), " attachment"));
    list.erase(it);
    return absl::OkStatus();
  }

  absl::Status Membership(const std::string& user_arn, const std::string& group, bool add) {
    absl::StatusOr<IamArn> arn = ParseIamArnOfKind(user_arn, IamArnKind::kUser);
    if (!arn.ok()) return AtField("user_arn", arn.status());
    auto found = MutableEntity("user_arn", user_arn, true);
    if (!found.ok()) return found.status();
    AccountState* account = found->account;
    EntityRecord* user = found->entity;
    if (!IsValidIamName(group, 128)) return FieldError("group_name", "must be a group name");
    if (account->FindEntity(IamArnKind::kGroup, group) == nullptr) {
      return NotFound("group_name", absl::StrCat("group ", group));
    }
    std::string lower = AsciiLower(group);
    auto it = std::find_if(user->groups.begin(), user->groups.end(),
                           [&](const std::string& g) { return AsciiLower(g) == lower; });
    if (add) {
      if (it != user->groups.end()) return Keep(*found);  // already a member
      if (user->groups.size() >= b_.limits_.max_groups_per_user) {
        return Refuse(
            absl::StatusCode::kFailedPrecondition, "group_name",
            absl::StrCat("a user can be in at most ", b_.limits_.max_groups_per_user, " groups"),
            "LIMIT_EXCEEDED");
      }
      user->groups.push_back(group);
    } else {
      if (it == user->groups.end()) return NotFound("group_name", "membership");
      user->groups.erase(it);
    }
    return absl::OkStatus();
  }

 private:
  SnapshotBuilder& b_;
};

absl::Status SetWorldLimit(WorldLimits& limits, absl::string_view name, size_t value) {
  if (value == 0) return absl::InvalidArgumentError(absl::StrCat("quota ", name, " must be > 0"));
  size_t* field = name == "groups_per_user"            ? &limits.max_groups_per_user
                  : name == "attached_policies"        ? &limits.max_attached_policies
                  : name == "policy_versions"          ? &limits.max_policy_versions
                  : name == "managed_policy_chars"     ? &limits.max_managed_policy_chars
                  : name == "inline_chars_user"        ? &limits.max_inline_chars_user
                  : name == "inline_chars_group"       ? &limits.max_inline_chars_group
                  : name == "inline_chars_role"        ? &limits.max_inline_chars_role
                  : name == "tags"                     ? &limits.max_tags
                  : name == "scp_bytes"                ? &limits.max_scp_bytes
                  : name == "scps_per_target"          ? &limits.max_scps_per_target
                  : name == "aws_managed_policy_chars" ? &limits.max_aws_managed_policy_chars
                                                       : nullptr;
  if (field == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown quota ", name));
  *field = value;
  return absl::OkStatus();
}

SnapshotBuilder::SnapshotBuilder(SnapshotPtr base, WorldLimits limits)
    : base_(std::move(base)),
      next_(std::make_shared<Snapshot>(*base_)),
      limits_(limits),
      revision_(base_->revision() + 1) {
  next_->revision_ = revision_;
}

AccountState* SnapshotBuilder::MutableAccount(absl::string_view id, bool views_change) {
  if (views_change) views_dirty_.insert(std::string(id));
  auto t = touched_.find(id);
  if (t != touched_.end()) return t->second.get();
  affected_.insert(std::string(id));
  auto it = next_->accounts_.find(id);
  if (it == next_->accounts_.end()) return nullptr;
  auto copy = std::make_shared<AccountState>(*it->second);
  AccountState* raw = copy.get();
  next_->accounts_.Set(std::string(id), copy);
  written_.insert(std::string(id));
  touched_[std::string(id)] = std::move(copy);
  return raw;
}

AccountState* SnapshotBuilder::RestoreAccount(absl::string_view id, bool views_change) {
  if (AccountState* existing = MutableAccount(id, views_change); existing != nullptr) {
    return existing;
  }
  auto state = std::make_shared<AccountState>();
  state->id = std::string(id);
  AccountState* raw = state.get();
  next_->accounts_.Set(std::string(id), state);
  written_.insert(std::string(id));
  touched_[std::string(id)] = std::move(state);
  return raw;
}

void SnapshotBuilder::RestoreAccountImage(std::shared_ptr<AccountState> account) {
  const std::string& id = account->id;
  affected_.insert(id);
  written_.insert(id);
  views_dirty_.insert(id);
  next_->accounts_.Set(id, account);
  touched_.insert_or_assign(id, std::move(account));
}

void SnapshotBuilder::RestoreErasedAccount(absl::string_view id) {
  affected_.insert(std::string(id));
  written_.insert(std::string(id));
  views_dirty_.erase(id);
  touched_.erase(id);
  next_->accounts_.Erase(std::string(id));
}

void SnapshotBuilder::PutAwsPolicy(std::shared_ptr<const ManagedPolicyRecord> policy) {
  if (aws_copy_ == nullptr) {
    aws_copy_ = std::make_shared<AwsPolicyMap>(*next_->aws_policies_);
    next_->aws_policies_ = aws_copy_;
  }
  std::string arn = policy->arn;
  (*aws_copy_)[arn] = std::move(policy);
  aws_changed_.insert(std::move(arn));
  aws_users_pending_ = true;
}

std::vector<std::string> SnapshotBuilder::AwsPolicyUsers(bool sessions) const {
  std::vector<std::string> ids;
  if (aws_changed_.empty()) return ids;
  for (const auto& [id, account] : next_->accounts_) {
    bool uses = false;
    for (const auto& [key, e] : account->entities) {
      uses = aws_changed_.contains(e->permissions_boundary) ||
             std::any_of(e->attached.begin(), e->attached.end(),
                         [&](const std::string& a) { return aws_changed_.contains(a); });
      if (uses) break;
    }
    for (auto it = account->sessions.begin(); sessions && !uses && it != account->sessions.end();
         ++it) {
      const auto& arns = it->second->policy_arns;
      uses = std::any_of(arns.begin(), arns.end(),
                         [&](const std::string& a) { return aws_changed_.contains(a); });
    }
    if (uses) ids.push_back(id);
  }
  return ids;
}

const absl::btree_set<std::string>& SnapshotBuilder::affected_accounts() const {
  if (aws_users_pending_) {
    for (std::string& id : AwsPolicyUsers(/*sessions=*/true)) affected_.insert(std::move(id));
    aws_users_pending_ = false;
  }
  return affected_;
}

void SnapshotBuilder::RebuildViewsOfAwsPolicyUsers() {
  // Sessions' managed policies are looked up when deciding; only views
  // hold compiled policies.
  for (const std::string& id : AwsPolicyUsers(/*sessions=*/false)) {
    if (!touched_.contains(id)) {
      auto copy = std::make_shared<AccountState>(*next_->accounts_.find(id)->second);
      next_->accounts_.Set(id, copy);
      touched_[id] = std::move(copy);
    }
    views_dirty_.insert(id);
  }
}

OrganizationState* SnapshotBuilder::RestoreOrganization(absl::string_view id) {
  if (OrganizationState* existing = MutableOrganization(id); existing != nullptr) return existing;
  auto org = std::make_shared<OrganizationState>();
  org->id = std::string(id);
  OrganizationState* raw = org.get();
  next_->organizations_[std::string(id)] = org;
  touched_orgs_[std::string(id)] = std::move(org);
  return raw;
}

void SnapshotBuilder::RestoreErasedOrganization(absl::string_view id) {
  if (OrganizationState* org = MutableOrganization(id); org == nullptr) return;
  touched_orgs_.erase(id);
  next_->organizations_.erase(std::string(id));
}

absl::Status SnapshotBuilder::Apply(const Change& change, pdp::v1::ChangeResult* result) {
  ChangeAddress address = AddressOf(change);
  if (!change.etag().empty()) {
    std::optional<std::string> current = EtagOf(*next_, address);
    if (!current.has_value()) {
      return NotFound(
          "etag", absl::StrCat("the object the change addresses (", ShortInput(address.name), ")"));
    }
    absl::Status s = CheckEtag("etag", change.etag(), *current);
    if (!s.ok()) return s;
  }
  assigned_name_.clear();
  unchanged_ = false;
  change_org_ = nullptr;
  absl::Status s = ApplyKind(change);
  if (!s.ok()) return s;
  if (!unchanged_) changed_ = true;
  if (result != nullptr) {
    result->set_unchanged(unchanged_);
    if (!assigned_name_.empty()) {
      if (address.kind == ChangeAddress::Kind::kScp) address.scp_id = assigned_name_;
      if (change.kind_case() == Change::kCreateOrganization) {
        address.organization_id = assigned_name_;
      }
      address.name = assigned_name_;
    }
    result->set_name(address.name);
    results_.emplace_back(result, std::move(address));
  }
  return absl::OkStatus();
}

absl::Status SnapshotBuilder::ApplyKind(const Change& change) {
  Ops ops(*this);
  using pdp::v1::Change;
  switch (change.kind_case()) {
    case Change::kCreateAccount:
      return ops.CreateAccount(change.create_account());
    case Change::kUpdateAccount:
      return ops.UpdateAccount(change.update_account());
    case Change::kDeleteAccount:
      return ops.DeleteAccount(change.delete_account());
    case Change::kUpdateAccountSettings:
      return ops.UpdateAccountSettings(change.update_account_settings());
    case Change::kPutUser: {
      const auto& c = change.put_user();
      return ops.PutEntity({IamArnKind::kUser, "user", &c.user().arn(), &c.user().groups(),
                            &c.user().attached_policies(), &c.user().inline_policies(),
                            &c.user().tags(), &c.user().etag(), c.replace(), c.allow_missing(),
                            &c.user().permissions_boundary(), &c.user().unique_id()});
    }
    case Change::kPutGroup: {
      const auto& c = change.put_group();
      return ops.PutEntity({IamArnKind::kGroup, "group", &c.group().arn(), nullptr,
                            &c.group().attached_policies(), &c.group().inline_policies(), nullptr,
                            &c.group().etag(), c.replace(), c.allow_missing(), nullptr,
                            &c.group().unique_id()});
    }
    case Change::kPutRole: {
      const auto& c = change.put_role();
      return ops.PutEntity({IamArnKind::kRole, "role", &c.role().arn(), nullptr,
                            &c.role().attached_policies(), &c.role().inline_policies(),
                            &c.role().tags(), &c.role().etag(), c.replace(), c.allow_missing(),
                            &c.role().permissions_boundary(), &c.role().unique_id()});
    }
    case Change::kDeleteEntity:
      return ops.DeleteEntity(change.delete_entity());
    case Change::kCreatePolicy:
      return ops.CreatePolicy(change.create_policy());
    case Change::kUpdatePolicy:
      return ops.UpdatePolicy(change.update_policy());
    case Change::kDeletePolicy:
      return ops.DeletePolicy(change.delete_policy());
    case Change::kPutPolicy:
      return ops.PutPolicy(change.put_policy());
    case Change::kPutAwsManagedPolicy:
      return ops.PutAwsManagedPolicy(change.put_aws_managed_policy());
    case Change::kCreatePolicyVersion:
      return ops.CreatePolicyVersion(change.create_policy_version());
    case Change::kSetDefaultPolicyVersion:
      return ops.SetDefaultPolicyVersion(change.set_default_policy_version());
    case Change::kDeletePolicyVersion:
      return ops.DeletePolicyVersion(change.delete_policy_version());
    case Change::kPutInlinePolicy:
      return ops.PutInlinePolicy(change.put_inline_policy());
    case Change::kDeleteInlinePolicy:
      return ops.DeleteInlinePolicy(change.delete_inline_policy());
    case Change::kAttachPolicy:
      return ops.AttachPolicy(change.attach_policy());
    case Change::kDetachPolicy:
      return ops.DetachPolicy(change.detach_policy());
    case Change::kAddUserToGroup:
      return ops.Membership(change.add_user_to_group().user_arn(),
                            change.add_user_to_group().group_name(), true);
    case Change::kRemoveUserFromGroup:
      return ops.Membership(change.remove_user_from_group().user_arn(),
                            change.remove_user_from_group().group_name(), false);
    case Change::kPutRoleSession:
      return ops.PutRoleSession(change.put_role_session());
    case Change::kDeleteRoleSession:
      return ops.DeleteRoleSession(change.delete_role_session());
    case Change::kCreateOrganization:
    case Change::kUpdateOrganization:
    case Change::kDeleteOrganization:
    case Change::kCreateOrganizationalUnit:
    case Change::kUpdateOrganizationalUnit:
    case Change::kDeleteOrganizationalUnit:
    case Change::kCreateMemberAccount:
    case Change::kInviteAccount:
    case Change::kMoveAccount:
    case Change::kRemoveAccount:
    case Change::kCreateScp:
    case Change::kUpdateScp:
    case Change::kDeleteScp:
    case Change::kAttachScp:
    case Change::kDetachScp:
      return ApplyOrganizationChange(change);
    case Change::KIND_NOT_SET:
      break;
  }
  return FieldError("kind", "the change is empty");
}

void SnapshotBuilder::RebuildViews(AccountState& account) const {
  account.views.clear();
  account.views_by_arn.clear();
  // An account's principals mostly share a few policies (their groups',
  // the same AWS managed ones): each ARN is looked up once.
  absl::flat_hash_map<absl::string_view, CompiledPolicyPtr> found;
  auto compiled = [&](const std::string& arn) -> const CompiledPolicyPtr& {
    auto [it, inserted] = found.try_emplace(arn);
    if (inserted) {
      const ManagedPolicyRecord* p = next_->FindPolicy(arn);
      it->second = p ? p->default_compiled : DenyEverythingPolicy();
    }
    return it->second;
  };
  auto add_policies = [&](const EntityRecord& e, PrincipalView& view) {
    for (const InlinePolicyRecord& p : e.inline_policies) {
      view.policies.push_back({p.compiled, absl::StrCat(e.arn, "#inline/", p.name), e.arn});
    }
    for (const std::string& arn : e.attached) {
      // Attachments are checked when written and policies cannot be deleted
      // while attached, so a miss means an AWS managed policy left the data
      // files after it was attached: the principal fails closed (whatever
      // the policy denied stays denied).
      view.policies.push_back({compiled(arn), arn, e.arn});
    }
  };
  for (const auto& [key, entity] : account.entities) {
    if (entity->kind == IamArnKind::kGroup) continue;
    auto view = std::make_shared<PrincipalView>();
    view->entity = entity;
    view->service_linked = absl::StrContains(entity->arn, ":role/aws-service-role/");
    add_policies(*entity, *view);
    if (!entity->permissions_boundary.empty()) {
      view->boundary.push_back(
          {compiled(entity->permissions_boundary), entity->permissions_boundary, entity->arn});
    }
    for (const std::string& g : entity->groups) {
      const EntityRecord* group = account.FindEntity(IamArnKind::kGroup, g);
      if (group != nullptr) add_policies(*group, *view);
    }
    account.views_by_arn.emplace(entity->arn, view.get());
    account.views.emplace_hint(account.views.end(), key, std::move(view));  // in key order
  }
}

void SnapshotBuilder::DropUnchangedCopies() {
  // Every change that changes an account's header moves its
  // modified_revision, and every change to its records replaces or removes
  // a record, so equal headers and the same record pointers mean the batch
  // left the account as it was.
  auto same_records = [](const auto& a, const auto& b) {
    if (a.size() != b.size()) return false;
    for (auto x = a.begin(), y = b.begin(); x != a.end(); ++x, ++y) {
      if (x->first != y->first || x->second != y->second) return false;
    }
    return true;
  };
  for (auto it = touched_.begin(); it != touched_.end();) {
    auto next = std::next(it);
    const AccountState& after = *it->second;
    auto before = base_->accounts_.find(it->first);
    if (before != base_->accounts_.end()) {
      const AccountState& b = *before->second;
      if (b.modified_revision == after.modified_revision && b.name == after.name &&
          b.organization_id == after.organization_id &&
          b.settings.SerializeAsString() == after.settings.SerializeAsString() &&
          same_records(b.entities, after.entities) && same_records(b.policies, after.policies) &&
          same_records(b.sessions, after.sessions)) {
        next_->accounts_.Set(it->first, before->second);
        written_.erase(it->first);
        views_dirty_.erase(it->first);
        touched_.erase(it);
      }
    }
    it = next;
  }
  // Every organization change that changes something moves the
  // organization's modified_revision (OrgOps).
  for (auto it = touched_orgs_.begin(); it != touched_orgs_.end();) {
    auto next = std::next(it);
    auto before = base_->organizations_.find(it->first);
    if (before != base_->organizations_.end() &&
        before->second->modified_revision == it->second->modified_revision) {
      next_->organizations_[it->first] = before->second;
      touched_orgs_.erase(it);
    }
    it = next;
  }
}

const EntityRecord* SnapshotBuilder::HolderOfUniqueId(absl::string_view unique_id) const {
  // Where the id was given out, this batch or before; the entity there
  // holds it only if this batch has not since deleted it.
  auto holds = [&](absl::string_view where) -> const EntityRecord* {
    const size_t slash = where.find('/');
    const AccountState* account = next_->FindAccount(where.substr(0, slash));
    if (account == nullptr) return nullptr;
    auto e = account->entities.find(where.substr(slash + 1));
    return e != account->entities.end() && e->second->unique_id == unique_id ? e->second.get()
                                                                             : nullptr;
  };
  if (auto it = new_unique_ids_.find(unique_id); it != new_unique_ids_.end()) {
    if (const EntityRecord* e = holds(it->second)) return e;
  }
  auto it = base_->unique_ids_.find(unique_id);
  return it == base_->unique_ids_.end() ? nullptr : holds(it->second);
}

void SnapshotBuilder::IndexUniqueIds() {
  auto find = [](const AccountState* a, const std::string& key) -> const EntityRecord* {
    if (a == nullptr) return nullptr;
    auto it = a->entities.find(key);
    return it == a->entities.end() ? nullptr : it->second.get();
  };
  SharedMap<std::string>& index = next_->unique_ids_;
  // Ids that left: removed only where the index still points at the entity
  // that had them (another account of the batch may have taken one over).
  for (const std::string& id : written_) {
    const AccountState* before = base_->FindAccount(id);
    const AccountState* after = next_->FindAccount(id);
    if (before == nullptr) continue;
    for (const auto& [key, e] : before->entities) {
      const EntityRecord* now = find(after, key);
      if (now == e.get() || (now != nullptr && now->unique_id == e->unique_id)) continue;
      auto at = index.find(e->unique_id);
      if (at != index.end() && at->second == absl::StrCat(id, "/", key)) index.Erase(e->unique_id);
    }
  }
  for (const std::string& id : written_) {
    const AccountState* before = base_->FindAccount(id);
    const AccountState* after = next_->FindAccount(id);
    if (after == nullptr) continue;
    for (const auto& [key, e] : after->entities) {
      const EntityRecord* was = find(before, key);
      if (was == e.get() || e->unique_id.empty() ||
          (was != nullptr && was->unique_id == e->unique_id)) {
        continue;
      }
      index.Set(e->unique_id, absl::StrCat(id, "/", key));
    }
  }
  new_unique_ids_.clear();
}

SnapshotPtr SnapshotBuilder::Finish() {
  DropUnchangedCopies();
  RebuildViewsOfAwsPolicyUsers();
  IndexUniqueIds();
  for (auto& [result, address] : results_) result->set_etag(EtagOf(*next_, address).value_or(""));
  results_.clear();
  std::vector<AccountState*> dirty;
  for (auto& [id, account] : touched_) {
    if (views_dirty_.contains(id)) dirty.push_back(account.get());
  }
  views_dirty_.clear();
  // Each account's views depend only on its own state and the policies
  // (which no rebuild changes), so a large batch (a checkpoint's every
  // account) is rebuilt on all cores, each thread a slice of accounts.
  const size_t threads =
      dirty.size() < 4096 ? 1 : std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
  auto rebuild_slice = [&](size_t slice) {
    for (size_t i = slice; i < dirty.size(); i += threads) RebuildViews(*dirty[i]);
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(rebuild_slice, t);
  rebuild_slice(0);
  for (std::thread& h : helpers) h.join();
  FinishOrganizations();
  touched_.clear();
  return std::move(next_);
}

}  // namespace pdp
