#include "common/engine/decide.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/base/errors.h"
#include "common/base/glob.h"
#include "common/base/strings.h"

namespace pdp {
namespace {

using pdp::v1::Decision;
using pdp::v1::Explanation;
using pdp::v1::GateTrace;
using pdp::v1::Reason;

constexpr absl::string_view kAnyResource = "*";

// Who is asking, about which account, resolved once per request.
struct Subject {
  IamArn arn;
  const AccountState* account = nullptr;  // the target account
  const PrincipalView* view = nullptr;    // users and roles
  bool is_root = false;
  Reason deny = pdp::v1::REASON_UNSPECIFIED;  // set when resolving denies
  std::string deny_detail;
};

struct Target {
  const CatalogPage* page = nullptr;
  pdp::v1::Access access = pdp::v1::VIEW;
  CatalogAction action;  // raw action requests
  std::string resource = std::string(kAnyResource);
};

void AddGate(Explanation* ex, absl::string_view gate, GateTrace::Outcome outcome,
             absl::string_view detail) {
  if (ex == nullptr) return;
  GateTrace* g = ex->add_gates();
  g->set_gate(std::string(gate));
  g->set_outcome(outcome);
  g->set_detail(std::string(detail));
}

Decision Make(pdp::v1::Effect effect, Reason reason, int64_t revision) {
  Decision d;
  d.set_effect(effect);
  d.set_reason(reason);
  d.set_revision(revision);
  return d;
}

absl::StatusOr<Subject> Resolve(const Snapshot& snapshot, absl::string_view principal,
                                absl::string_view account_id) {
  if (principal.empty()) return FieldError("principal", "is required");
  absl::StatusOr<IamArn> arn = ParsePrincipalArn(principal);
  if (!arn.ok()) return AtField("principal", arn.status());
  if (!account_id.empty() && !IsAccountId(account_id)) {
    return FieldError("account_id", "must be exactly 12 digits (or empty for the principal's own)");
  }
  Subject s;
  s.arn = std::move(*arn);
  s.is_root = s.arn.kind == IamArnKind::kRoot;
  const AccountState* home = snapshot.FindAccount(s.arn.account);
  // Accounts here are in the aws partition; the same account id in another
  // partition is another account, which this world does not hold.
  if (s.arn.partition != "aws") {
    s.deny = pdp::v1::UNKNOWN_PRINCIPAL;
    s.deny_detail = absl::StrCat("partition ", s.arn.partition, " is not served here");
    return s;
  }
  if (home == nullptr) {
    s.deny = pdp::v1::UNKNOWN_PRINCIPAL;
    s.deny_detail = absl::StrCat("account ", s.arn.account, " of the principal is not known");
    return s;
  }
  if (!s.is_root) {
    IamArnKind kind = s.arn.kind == IamArnKind::kAssumedRole ? IamArnKind::kRole : s.arn.kind;
    s.view = home->FindView(kind, s.arn.name);
    // Users and roles must match by their full ARN (path included); a role
    // session names only the role.
    if (s.view == nullptr ||
        (s.arn.kind != IamArnKind::kAssumedRole && s.view->entity->arn != principal)) {
      s.deny = pdp::v1::UNKNOWN_PRINCIPAL;
      s.deny_detail = absl::StrCat(principal, " does not exist");
      return s;
    }
  }
  absl::string_view target = account_id.empty() ? absl::string_view(s.arn.account) : account_id;
  s.account = snapshot.FindAccount(target);
  if (s.account == nullptr) {
    s.deny = pdp::v1::UNKNOWN_ACCOUNT;
    s.deny_detail = absl::StrCat("account ", target, " is not known");
  } else if (target != s.arn.account) {
    s.deny = pdp::v1::CROSS_ACCOUNT;
    s.deny_detail = absl::StrCat("a principal of account ", s.arn.account,
                                 " cannot use the billing pages of account ", target);
  }
  return s;
}

absl::StatusOr<Target> ParseTarget(const Snapshot& snapshot, const pdp::v1::AuthorizeRequest& r) {
  Target t;
  switch (r.target_case()) {
    case pdp::v1::AuthorizeRequest::kPage: {
      t.page = snapshot.catalog().Find(r.page().page_id());
      if (r.page().page_id().empty()) return FieldError("page.page_id", "is required");
      if (t.page == nullptr) {
        return FieldError("page.page_id", absl::StrCat("unknown page \"", r.page().page_id(),
                                                       "\" (ListPages shows the catalogue)"));
      }
      if (r.page().access() != pdp::v1::VIEW && r.page().access() != pdp::v1::MODIFY) {
        return FieldError("page.access", "must be VIEW or MODIFY");
      }
      t.access = r.page().access();
      return t;
    }
    case pdp::v1::AuthorizeRequest::kAction: {
      const std::string& a = r.action().action();
      size_t colon = a.find(':');
      if (a.empty()) return FieldError("action.action", "is required");
      if (colon == std::string::npos || colon == 0 || colon + 1 == a.size() ||
          a.find(':', colon + 1) != std::string::npos || HasWildcard(a) || a.size() > 256) {
        return FieldError("action.action", "must be \"service:Action\" without wildcards");
      }
      t.action = {AsciiLower(a), a};
      const std::string& res = r.action().resource();
      if (!res.empty() && res != "*") {
        std::vector<absl::string_view> parts = absl::StrSplit(res, absl::MaxSplits(':', 5));
        if (parts.size() != 6 || parts[0] != "arn" || res.size() > 2048) {
          return FieldError(
              "action.resource",
              "must be an ARN (arn:partition:service:region:account:resource) or empty");
        }
        t.resource = res;
      }
      return t;
    }
    case pdp::v1::AuthorizeRequest::TARGET_NOT_SET:
      break;
  }
  return FieldError("target", "set either page (page_id and access) or action");
}

struct ActionOutcome {
  bool allowed = false;
  bool denied = false;
};

// Evaluates one action against the principal's identity policies.
ActionOutcome EvaluateAction(const PrincipalView& view, const CatalogAction& action,
                             absl::string_view resource, pdp::v1::ActionTrace* trace) {
  ActionOutcome out;
  for (const PolicyBinding& b : view.policies) {
    if (b.policy == nullptr) {
      out.denied = true;  // fail closed on a dangling attachment
      if (trace) {
        auto* st = trace->add_statements();
        st->set_policy(b.name);
        st->set_via(b.via);
        st->set_effect(pdp::v1::DENY);
        st->set_matched(true);
        st->set_note("policy missing from the state: treated as a deny (fail closed)");
      }
      if (!trace) return out;
      continue;
    }
    for (const CompiledStatement& s : b.policy->statements) {
      bool action_ok = s.MatchesAction(action.lower);
      bool resource_ok = action_ok && s.MatchesResource(resource);
      bool is_deny = s.effect == StatementEffect::kDeny;
      bool applies = action_ok && resource_ok && (is_deny || !s.has_condition);
      if (applies) {
        if (is_deny) {
          out.denied = true;
        } else {
          out.allowed = true;
        }
      }
      if (trace && action_ok) {
        auto* st = trace->add_statements();
        st->set_policy(b.name);
        st->set_via(b.via);
        st->set_sid(s.sid);
        st->set_index(s.index);
        st->set_effect(is_deny ? pdp::v1::DENY : pdp::v1::ALLOW);
        st->set_matched(applies);
        if (!resource_ok) {
          st->set_note(absl::StrCat(s.not_resource ? "NotResource" : "Resource", " does not match ",
                                    resource));
        } else if (s.has_condition) {
          st->set_note(is_deny ? "Condition not evaluated yet: the deny applies (fail closed)"
                               : "Condition not evaluated yet: this allow does not apply "
                                 "(fail closed)");
        } else {
          st->set_note(is_deny ? "explicit deny" : "allows");
        }
      }
      if (out.denied && trace == nullptr) return out;
    }
  }
  return out;
}

// Gate 7 over a list of actions: explicit deny anywhere, else all allowed.
Reason EvaluateIdentity(const PrincipalView& view, const std::vector<CatalogAction>& actions,
                        absl::string_view resource, Explanation* ex) {
  bool any_denied = false, all_allowed = true;
  for (const CatalogAction& a : actions) {
    pdp::v1::ActionTrace* trace = nullptr;
    if (ex) {
      trace = ex->add_actions();
      trace->set_action(a.display);
      trace->set_resource(std::string(resource));
    }
    ActionOutcome o = EvaluateAction(view, a, resource, trace);
    if (trace) trace->set_effect(o.allowed && !o.denied ? pdp::v1::ALLOW : pdp::v1::DENY);
    any_denied = any_denied || o.denied;
    all_allowed = all_allowed && o.allowed;
    if (any_denied && ex == nullptr) break;
  }
  if (any_denied) return pdp::v1::EXPLICIT_DENY;
  return all_allowed ? pdp::v1::ALLOWED_BY_POLICY : pdp::v1::IMPLICIT_DENY;
}

void AddAvailableFeatures(const Subject& subject, const Target& target, Decision& d) {
  pdp::v1::ConsoleActionSet set = subject.account->settings.console_action_set();
  for (const CatalogFeature& f : target.page->features) {
    if (f.access == pdp::v1::MODIFY && target.access != pdp::v1::MODIFY) continue;
    bool ok = subject.is_root ||
              EvaluateIdentity(*subject.view, set == pdp::v1::LEGACY ? f.legacy : f.fine_grained,
                               kAnyResource, nullptr) == pdp::v1::ALLOWED_BY_POLICY;
    if (ok) d.add_available_features(f.id);
  }
}

Decision DecideTarget(const Snapshot& snapshot, const Subject& subject, const Target& target,
                      Explanation* ex) {
  const int64_t rev = snapshot.revision();
  if (subject.deny != pdp::v1::REASON_UNSPECIFIED) {
    AddGate(ex, "resolve", GateTrace::DENIED, subject.deny_detail);
    return Make(pdp::v1::DENY, subject.deny, rev);
  }
  const std::vector<CatalogAction>* actions;
  std::vector<CatalogAction> single;
  if (target.page != nullptr) {
    const ActionRequirements& req =
        target.page->For(subject.account->settings.console_action_set());
    if (target.access == pdp::v1::MODIFY && !req.offers_modify) {
      AddGate(ex, "resolve", GateTrace::DENIED,
              absl::StrCat("page ", target.page->proto.id(), " has nothing to modify"));
      return Make(pdp::v1::DENY, pdp::v1::ACCESS_LEVEL_NOT_OFFERED, rev);
    }
    actions = target.access == pdp::v1::MODIFY ? &req.modify : &req.view;
  } else {
    single.push_back(target.action);
    actions = &single;
  }
  if (ex) {
    for (const CatalogAction& a : *actions) ex->add_required_actions(a.display);
  }
  if (ex) {
    AddGate(ex, "resolve", GateTrace::PASSED,
            absl::StrCat(subject.arn.ToString(), " in account ", subject.account->id));
  }

  for (const CatalogAction& a : *actions) {
    if (!subject.is_root && IsRootOnlyAction(a.lower)) {
      AddGate(ex, "root_only", GateTrace::DENIED,
              absl::StrCat(a.display, " can only be performed by the account's root user"));
      return Make(pdp::v1::DENY, pdp::v1::ROOT_ONLY, rev);
    }
  }
  AddGate(ex, "root_only", GateTrace::PASSED, "no root-only action required");

  Decision d;
  if (subject.is_root) {
    AddGate(ex, "root_user", GateTrace::ALLOWED, "the root user has full access to its account");
    d = Make(pdp::v1::ALLOW, pdp::v1::ROOT_USER, rev);
  } else {
    AddGate(ex, "root_user", GateTrace::SKIPPED, "not the root user");
    if (target.page != nullptr && target.page->proto.iam_access_gated()) {
      if (!subject.account->settings.iam_access_to_billing()) {
        AddGate(ex, "iam_access", GateTrace::DENIED,
                "\"Activate IAM Access\" is off for this account; only its root user can turn "
                "it on");
        return Make(pdp::v1::DENY, pdp::v1::IAM_ACCESS_NOT_ACTIVATED, rev);
      }
      AddGate(ex, "iam_access", GateTrace::PASSED, "IAM access to billing is activated");
    } else {
      AddGate(ex, "iam_access", GateTrace::SKIPPED,
              target.page ? "this page is not controlled by the IAM access setting"
                          : "API actions are not controlled by the IAM access setting");
    }
    Reason r = EvaluateIdentity(*subject.view, *actions, target.resource, ex);
    if (r != pdp::v1::ALLOWED_BY_POLICY) {
      AddGate(ex, "identity_policies", GateTrace::DENIED,
              r == pdp::v1::EXPLICIT_DENY ? "a statement explicitly denies a required action"
                                          : "no statement allows every required action");
      return Make(pdp::v1::DENY, r, rev);
    }
    AddGate(ex, "identity_policies", GateTrace::ALLOWED, "every required action is allowed");
    d = Make(pdp::v1::ALLOW, pdp::v1::ALLOWED_BY_POLICY, rev);
  }
  if (target.page != nullptr) AddAvailableFeatures(subject, target, d);
  return d;
}

}  // namespace

bool IsRootOnlyAction(absl::string_view action_lower) {
  return action_lower == "billing:updateiamaccesspreference";
}

absl::StatusOr<Decision> Decide(const Snapshot& snapshot, const pdp::v1::AuthorizeRequest& request,
                                Explanation* explanation) {
  absl::StatusOr<Subject> subject = Resolve(snapshot, request.principal(), request.account_id());
  if (!subject.ok()) return subject.status();
  absl::StatusOr<Target> target = ParseTarget(snapshot, request);
  if (!target.ok()) return target.status();
  return DecideTarget(snapshot, *subject, *target, explanation);
}

absl::StatusOr<std::vector<PageDecision>> DecideAllPages(const Snapshot& snapshot,
                                                         absl::string_view principal,
                                                         absl::string_view account_id,
                                                         const pdp::v1::RequestContext& context) {
  absl::StatusOr<Subject> subject = Resolve(snapshot, principal, account_id);
  if (!subject.ok()) return subject.status();
  std::vector<PageDecision> out;
  out.reserve(snapshot.catalog().pages().size());
  for (const CatalogPage& page : snapshot.catalog().pages()) {
    Target t;
    t.page = &page;
    t.access = pdp::v1::VIEW;
    PageDecision pd{&page, DecideTarget(snapshot, *subject, t, nullptr), {}};
    t.access = pdp::v1::MODIFY;
    pd.modify = DecideTarget(snapshot, *subject, t, nullptr);
    out.push_back(std::move(pd));
  }
  return out;
}

}  // namespace pdp
