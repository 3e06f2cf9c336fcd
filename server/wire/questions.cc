#include "server/wire/questions.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/container/btree_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/arn.h"
#include "base/errors.h"
#include "base/strings.h"
#include "engine/decide/principal_context.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace pdp {
namespace {

using pdp::v1::AccessDifference;
using pdp::v1::Decision;

constexpr char kRootKind[] = "root";

// Root first, then by ARN: the order WhoCan and AccessDifferences report.
bool PrincipalBefore(const AccountPrincipal& a, const AccountPrincipal& b) {
  const bool a_root = a.kind == kRootKind, b_root = b.kind == kRootKind;
  if (a_root != b_root) return a_root;
  return a.arn < b.arn;
}

// The principals of an account in either snapshot (each ARN once), in
// PrincipalsOf order.
std::vector<AccountPrincipal> PrincipalsOfEither(const AccountState* before,
                                                 const AccountState* after) {
  absl::btree_map<std::string, std::string> kinds;  // arn -> kind
  for (const AccountState* account : {before, after}) {
    if (account == nullptr) continue;
    for (AccountPrincipal& p : PrincipalsOf(*account)) kinds.emplace(p.arn, std::move(p.kind));
  }
  std::vector<AccountPrincipal> out;
  out.reserve(kinds.size());
  for (auto& [arn, kind] : kinds) out.push_back({arn, std::move(kind)});
  std::stable_sort(out.begin(), out.end(), PrincipalBefore);
  return out;
}

bool SameOutcome(const Decision& a, const Decision& b) {
  return a.effect() == b.effect() && a.reason() == b.reason();
}

// WhoCan page tokens: base64url of "wc1:<query><check>:<last ARN decided>",
// <query> a fingerprint of the query and <check> one of <query> and the ARN
// (16 hex digits each), so a token cut short or altered is refused rather
// than read as another place to resume from.
constexpr absl::string_view kTokenPrefix = "wc1:";
constexpr size_t kHexChars = 16;

// 64-bit FNV-1a: unlike absl::Hash it is the same in every process, so a
// token works on every replica running this version.
uint64_t Fnv1a(absl::string_view bytes, uint64_t hash = 14695981039346656037ULL) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::string Hex(uint64_t v) { return absl::StrCat(absl::Hex(v, absl::kZeroPad16)); }

// What must stay the same from page to page: everything but page_size,
// page_token and min_revision.
std::string QueryFingerprint(const pdp::v1::WhoCanRequest& request) {
  pdp::v1::WhoCanRequest query = request;
  query.clear_page_size();
  query.clear_page_token();
  query.clear_min_revision();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);  // context.keys is a map
    query.SerializeToCodedStream(&coded);
  }
  return Hex(Fnv1a(bytes));
}

std::string TokenCheck(absl::string_view fingerprint, absl::string_view arn) {
  return Hex(Fnv1a(arn, Fnv1a(fingerprint)));
}

std::string PageToken(absl::string_view fingerprint, absl::string_view last_arn) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kTokenPrefix, fingerprint, TokenCheck(fingerprint, last_arn), ":", last_arn));
}

// The ARN a page token resumes after. The token is never quoted back: it is
// the caller's input, of any size.
absl::StatusOr<std::string> TokenPosition(const std::string& token, absl::string_view fingerprint) {
  std::string text;
  const size_t arn_at = kTokenPrefix.size() + 2 * kHexChars + 1;
  bool valid = token.size() <= kMaxPageTokenBytes && absl::WebSafeBase64Unescape(token, &text) &&
               absl::StartsWith(text, kTokenPrefix) && text.size() > arn_at &&
               text[arn_at - 1] == ':';
  const absl::string_view view(text);
  const absl::string_view query = valid ? view.substr(kTokenPrefix.size(), kHexChars) : "";
  const absl::string_view arn = valid ? view.substr(arn_at) : "";
  valid =
      valid && view.substr(kTokenPrefix.size() + kHexChars, kHexChars) == TokenCheck(query, arn);
  if (!valid) {
    return FieldError("page_token",
                      "is not a WhoCan page token (pass next_page_token as it was returned)");
  }
  if (query != fingerprint) {
    return FieldError("page_token",
                      "belongs to another query: account_id, the target, the context and "
                      "include_denied must stay the same from page to page");
  }
  return std::string(arn);
}

// A principal other than the root user, pointing into the snapshot.
struct PrincipalRef {
  const std::string* arn;
  const char* kind;
};

// The first `limit` principals other than the root user whose ARN sorts
// after `*after` (all when null), in ARN order; `*more` tells whether there
// were others. A selection, then a sort of what is selected: a page of a
// large account costs a pass over it, not a sort of all of it.
std::vector<PrincipalRef> PrincipalsAfter(const AccountState& account, const std::string* after,
                                          size_t limit, bool* more) {
  std::vector<PrincipalRef> out;
  auto keep = [&](const std::string& arn, const char* kind) {
    if (after == nullptr || arn > *after) out.push_back({&arn, kind});
  };
  for (const auto& [key, entity] : account.entities) {
    if (entity->kind == IamArnKind::kUser) keep(entity->arn, "user");
    if (entity->kind == IamArnKind::kRole) keep(entity->arn, "role");
  }
  for (const auto& [key, session] : account.sessions) keep(session->arn, "role_session");
  auto by_arn = [](const PrincipalRef& a, const PrincipalRef& b) { return *a.arn < *b.arn; };
  *more = out.size() > limit;
  if (*more) {
    std::nth_element(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(limit), out.end(),
                     by_arn);
    out.resize(limit);
  }
  std::sort(out.begin(), out.end(), by_arn);
  return out;
}

}  // namespace

absl::StatusOr<pdp::v1::ListAccessiblePagesResponse> AccessiblePages(
    const Snapshot& snapshot, const pdp::v1::ListAccessiblePagesRequest& request,
    const DecideOptions& options) {
  pdp::v1::ListAccessiblePagesResponse response;
  absl::Status status = FillAccessiblePages(snapshot, request, options, &response);
  if (!status.ok()) return status;
  return response;
}

absl::Status FillAccessiblePages(const Snapshot& snapshot,
                                 const pdp::v1::ListAccessiblePagesRequest& request,
                                 const DecideOptions& options,
                                 pdp::v1::ListAccessiblePagesResponse* response) {
  ResolvedPrincipal principal;
  absl::Status status =
      ResolvePrincipal(snapshot, request.principal(), request.account_id(), principal);
  if (!status.ok()) return status;
  const ProtoCallerContext context(request.context());
  status = ValidateCallerContext(context);
  if (!status.ok()) return status;
  response->set_revision(snapshot.revision());
  DecideAllPages(snapshot, principal, context, options,
                 [&](const CatalogPage& page, const Verdict& view, const Verdict& modify) {
                   if (!request.include_denied() && !view.allowed() && !modify.allowed()) return;
                   pdp::v1::PageAccess* access = response->add_pages();
                   access->set_page_id(page.id);
                   access->set_title(page.title);
                   access->set_console(static_cast<pdp::v1::Console>(page.console));
                   ToWire(view, &page, *access->mutable_view());
                   ToWire(modify, &page, *access->mutable_modify());
                 });
  return absl::OkStatus();
}

std::vector<AccountPrincipal> PrincipalsOf(const AccountState& account) {
  std::vector<AccountPrincipal> out;
  out.reserve(1 + account.entities.size() + account.sessions.size());
  out.push_back({RootArn(account.id), kRootKind});
  for (const auto& [key, entity] : account.entities) {
    if (entity->kind == IamArnKind::kUser) out.push_back({entity->arn, "user"});
    if (entity->kind == IamArnKind::kRole) out.push_back({entity->arn, "role"});
  }
  for (const auto& [key, session] : account.sessions) {
    out.push_back({session->arn, "role_session"});
  }
  std::sort(out.begin(), out.end(), PrincipalBefore);
  return out;
}

absl::StatusOr<pdp::v1::WhoCanResponse> WhoCan(const Snapshot& snapshot,
                                               const pdp::v1::WhoCanRequest& request,
                                               const DecideOptions& options, int max_evaluated) {
  const std::string& account_id = request.account_id();
  if (account_id.empty()) return FieldError("account_id", "is required");
  if (!IsAccountId(account_id)) return FieldError("account_id", "must be exactly 12 digits");
  if (request.page_size() < 0 || request.page_size() > kMaxWhoCanPageSize) {
    return FieldError("page_size", absl::StrCat("must be between 0 and ", kMaxWhoCanPageSize,
                                                " (0: ", kDefaultWhoCanPageSize, ")"));
  }
  const int page_size = request.page_size() == 0 ? kDefaultWhoCanPageSize : request.page_size();
  const std::string fingerprint = QueryFingerprint(request);
  std::string resume_after;
  if (!request.page_token().empty()) {
    absl::StatusOr<std::string> position = TokenPosition(request.page_token(), fingerprint);
    if (!position.ok()) return position.status();
    resume_after = std::move(*position);
  }

  // One AuthorizeRequest, re-aimed at each principal. Its target and context
  // fields have the same names as WhoCanRequest's, so the field paths of
  // Decide's errors name the WhoCanRequest fields as they are.
  pdp::v1::AuthorizeRequest ask;
  ask.set_account_id(account_id);
  switch (request.target_case()) {
    case pdp::v1::WhoCanRequest::kPage:
      *ask.mutable_page() = request.page();
      break;
    case pdp::v1::WhoCanRequest::kAction:
      *ask.mutable_action() = request.action();
      break;
    case pdp::v1::WhoCanRequest::TARGET_NOT_SET:
      break;  // Decide names the missing target
  }
  *ask.mutable_context() = request.context();

  // The root user first: this validates the target and the context (the
  // caller's bugs) before an unknown account is reported.
  ask.set_principal(RootArn(account_id));
  absl::StatusOr<Decision> root = Decide(snapshot, ask, nullptr, options);
  if (!root.ok()) return root.status();
  const AccountState* account = snapshot.FindAccount(account_id);
  if (account == nullptr) {
    return FieldError("account_id", absl::StrCat("account ", account_id, " does not exist"),
                      absl::StatusCode::kNotFound);
  }

  pdp::v1::WhoCanResponse response;
  response.set_revision(snapshot.revision());
  // This call's principals: the root user on the first page, then at most
  // max_evaluated in all, in PrincipalsOf order, after the token's place.
  const std::string root_arn = RootArn(account_id);
  const bool first_page = request.page_token().empty();
  const bool after_root = !first_page && resume_after != root_arn;
  const size_t budget = static_cast<size_t>(std::max(max_evaluated, 1)) - (first_page ? 1 : 0);
  bool more = false;
  std::vector<PrincipalRef> principals =
      PrincipalsAfter(*account, after_root ? &resume_after : nullptr, budget, &more);
  if (first_page) principals.insert(principals.begin(), PrincipalRef{&root_arn, kRootKind});
  for (size_t i = 0; i < principals.size(); ++i) {
    // Checked before deciding the next one, so a page that ends with the
    // last principal has no token.
    if (i > 0 && response.principals_size() >= page_size) {
      response.set_next_page_token(PageToken(fingerprint, *principals[i - 1].arn));
      return response;
    }
    const PrincipalRef& p = principals[i];
    absl::StatusOr<Decision> d = root;
    if (p.arn != &root_arn) {
      ask.set_principal(*p.arn);
      d = Decide(snapshot, ask, nullptr, options);
    }
    if (!d.ok()) {
      // Stored principals always parse; an error here is our own bug.
      return absl::InternalError(
          absl::StrCat("deciding for stored principal ", *p.arn, ": ", d.status().message()));
    }
    if (!request.include_denied() && d->effect() != pdp::v1::ALLOW) continue;
    pdp::v1::PrincipalDecision* out = response.add_principals();
    out->set_principal(*p.arn);
    out->set_kind(p.kind);
    *out->mutable_decision() = std::move(*d);
  }
  // Every principal this call could decide for is decided: more remain
  // only past its budget.
  if (more && !principals.empty()) {
    response.set_next_page_token(PageToken(fingerprint, *principals.back().arn));
  }
  return response;
}

absl::StatusOr<std::vector<AccessDifference>> AccessDifferences(
    const Snapshot& before, const Snapshot& after, const std::vector<std::string>& account_ids,
    size_t limit, bool* truncated, const DecideOptions& options) {
  if (truncated != nullptr) *truncated = false;
  for (size_t i = 0; i < account_ids.size(); ++i) {
    if (!IsAccountId(account_ids[i])) {
      return FieldError(absl::StrCat("account_ids[", i, "]"), "must be exactly 12 digits");
    }
  }
  std::vector<std::string> accounts = account_ids;
  std::sort(accounts.begin(), accounts.end());
  accounts.erase(std::unique(accounts.begin(), accounts.end()), accounts.end());

  const pdp::v1::RequestContext no_context;
  std::vector<AccessDifference> out;
  for (const std::string& account_id : accounts) {
    for (const AccountPrincipal& p :
         PrincipalsOfEither(before.FindAccount(account_id), after.FindAccount(account_id))) {
      absl::StatusOr<std::vector<PageDecision>> was =
          DecideAllPages(before, p.arn, account_id, no_context, options);
      if (!was.ok()) return was.status();
      absl::StatusOr<std::vector<PageDecision>> will =
          DecideAllPages(after, p.arn, account_id, no_context, options);
      if (!will.ok()) return will.status();
      if (was->size() != will->size()) {
        return absl::FailedPreconditionError("the snapshots have different page catalogues");
      }
      for (size_t i = 0; i < was->size(); ++i) {
        const PageDecision& b = (*was)[i];
        const PageDecision& a = (*will)[i];
        if (b.page->id != a.page->id) {
          return absl::FailedPreconditionError("the snapshots have different page catalogues");
        }
        for (const auto& [access, old_decision, new_decision] :
             {std::tuple{pdp::v1::VIEW, &b.view, &a.view},
              std::tuple{pdp::v1::MODIFY, &b.modify, &a.modify}}) {
          if (SameOutcome(*old_decision, *new_decision)) continue;
          if (out.size() >= limit) {
            if (truncated != nullptr) *truncated = true;
            return out;
          }
          AccessDifference& d = out.emplace_back();
          d.set_principal(p.arn);
          d.set_account_id(account_id);
          d.set_page_id(b.page->id);
          d.set_access(access);
          *d.mutable_before() = *old_decision;
          *d.mutable_after() = *new_decision;
        }
      }
    }
  }
  return out;
}

}  // namespace pdp
