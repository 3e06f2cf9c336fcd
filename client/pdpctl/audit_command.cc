#include "client/pdpctl/audit_command.h"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "client/pdpctl/cli.h"
#include "google/protobuf/util/time_util.h"

namespace pdpctl {

using google::protobuf::util::TimeUtil;

absl::Status ParseAuditSince(const std::string& since, pdp::v1::ListAuditEventsRequest* request) {
  const bool digits = !since.empty() && std::all_of(since.begin(), since.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
  if (digits) {
    int64_t revision = 0;
    if (!absl::SimpleAtoi(since, &revision)) {
      return absl::InvalidArgumentError("--since: the revision is too large");
    }
    request->set_since_revision(revision);
    return absl::OkStatus();
  }
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, since, &time, &error)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--since takes a revision or an RFC 3339 time such as 2026-12-05T10:00:00Z (", error, ")"));
  }
  *request->mutable_since_time() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<pdp::v1::AuditEvent>> ReadAudit(const pdp::AdminClient& admin,
                                                           pdp::v1::ListAuditEventsRequest request,
                                                           size_t limit) {
  std::vector<pdp::v1::AuditEvent> events;
  if (request.page_size() == 0) request.set_page_size(1000);
  while (true) {
    absl::StatusOr<pdp::v1::ListAuditEventsResponse> page =
        admin.Call(&pdp::v1::AdminService::Stub::ListAuditEvents, request);
    if (!page.ok()) return page.status();
    for (const pdp::v1::AuditEvent& e : page->events()) {
      if (limit != 0 && events.size() == limit) return events;
      events.push_back(e);
    }
    if (page->next_page_token().empty() || (limit != 0 && events.size() == limit)) {
      return events;
    }
    request.set_page_token(page->next_page_token());
  }
}

std::string AuditLine(const pdp::v1::AuditEvent& event) {
  const pdp::v1::BatchAudit& a = event.audit();
  if (!event.has_audit()) {
    return absl::StrCat(event.revision(), "  (no audit entry: committed before the audit log)");
  }
  std::string line =
      absl::StrCat(event.revision(), "  ", TimeUtil::ToString(a.commit_time()), "  ", a.caller(),
                   " (", a.role(), a.credential().empty() ? "" : ", ", a.credential(), ")");
  if (!a.peer().empty()) absl::StrAppend(&line, "  ", a.peer());
  absl::StrAppend(&line, "  ", a.method(), "  ", a.change_count(),
                  a.change_count() == 1 ? " change" : " changes");
  if (a.accounts_size() > 0)
    absl::StrAppend(&line, "  accounts=", absl::StrJoin(a.accounts(), ","));
  if (a.organizations_size() > 0) {
    absl::StrAppend(&line, "  organizations=", absl::StrJoin(a.organizations(), ","));
  }
  if (a.actors_size() > 0) absl::StrAppend(&line, "  actors=", absl::StrJoin(a.actors(), ","));
  if (!event.request_id().empty()) absl::StrAppend(&line, "  request_id=", event.request_id());
  return line;
}

}  // namespace pdpctl

namespace pdpctl {
namespace {

struct AuditFlags {
  std::string since, caller, account;
  int64_t limit = 0;
};

int Audit(Context& ctx, const AuditFlags& f) {
  pdp::v1::ListAuditEventsRequest request;
  if (!f.since.empty()) {
    absl::Status since = ParseAuditSince(f.since, &request);
    if (!since.ok()) throw UsageError(std::string(since.message()));
  }
  request.set_caller(f.caller);
  request.set_account_id(f.account);
  absl::StatusOr<std::vector<pdp::v1::AuditEvent>> events =
      ReadAudit(pdp::AdminClient(ctx.options), request, static_cast<size_t>(f.limit));
  if (!events.ok()) return Fail(ctx, events.status());
  if (ctx.json) {
    pdp::v1::ListAuditEventsResponse all;
    for (pdp::v1::AuditEvent& e : *events) *all.add_events() = std::move(e);
    all.clear_revision();
    PrintJson(all);
  } else {
    for (const pdp::v1::AuditEvent& e : *events) std::printf("%s\n", AuditLine(e).c_str());
  }
  return kOk;
}

}  // namespace

void AddAuditCommand(CLI::App& app, Context& ctx) {
  auto f = std::make_shared<AuditFlags>();
  CLI::App* cmd = app.add_subcommand(
      "audit", "who committed each batch, on whose behalf and when, oldest first; admins only");
  cmd->add_option("--since", f->since, "a revision, or an RFC 3339 time (2026-12-05T10:00:00Z)");
  cmd->add_option("--caller", f->caller, "only this caller's batches");
  cmd->add_option("--account", f->account, "only batches touching this account");
  cmd->add_option("--limit", f->limit, "at most N events (0: every event)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([&ctx, f] { ctx.run = [&ctx, f] { return Audit(ctx, *f); }; });
}

}  // namespace pdpctl
