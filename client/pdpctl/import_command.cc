// `pdpctl import aws-iam FILE` and `pdpctl import aws-organizations DIR`:
// AWS's own output (docs/data-formats.md, "Importing from AWS") turned
// into one atomic batch by world/aws_*_import and applied.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/bounded_file.h"
#include "billing_pdp/admin_client.h"
#include "billing_pdp/status.h"
#include "client/pdpctl/admin_reads.h"
#include "client/pdpctl/cli.h"
#include "world/aws_iam_import.h"
#include "world/aws_organizations_import.h"

namespace pdpctl {
namespace {

// AWS's largest accounts export tens of megabytes; a file past this is not
// an authorization-details export.
constexpr std::uintmax_t kMaxImportFileBytes = 256u << 20;

absl::StatusOr<std::string> ReadBounded(const std::string& path) {
  return pdp::ReadFileAtMost(path, kMaxImportFileBytes, "an import file");
}

// What is wrong with the input (a missing file, a bad field, AWS managed
// policies the server lacks) is the input's problem: exit 2, as any bad
// input, with where it is.
absl::Status BadInput(const std::string& source, const absl::Status& status) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", status.message()));
}

// The server names a bad change "changes[i]...": say which part of the
// input it came from.
absl::Status WithSource(const absl::Status& status, const std::vector<std::string>& sources) {
  if (status.ok()) return status;
  for (const std::string& field : pdp::ServerErrorFields(status)) {
    int64_t i = -1;
    if (!absl::StartsWith(field, "changes[")) continue;
    const size_t close = field.find(']');
    if (close == std::string::npos || !absl::SimpleAtoi(field.substr(8, close - 8), &i) || i < 0 ||
        static_cast<size_t>(i) >= sources.size()) {
      continue;
    }
    absl::Status traced(status.code(), absl::StrCat(status.message(), " (from ", sources[i], ")"));
    // The server's details (reason, field paths) stay with the message.
    status.ForEachPayload(
        [&](absl::string_view url, const absl::Cord& payload) { traced.SetPayload(url, payload); });
    return traced;
  }
  return status;
}

// Applies the batch and says what happened; the response in JSON mode.
int ApplyImport(Context& ctx, const pdp::AdminClient& admin, const std::string& what,
                pdp::v1::ApplyChangesRequest request, const std::vector<std::string>& sources,
                const std::string& summary) {
  std::fprintf(stderr, "pdpctl: sending %d changes (%s)\n", request.changes_size(),
               summary.c_str());
  absl::StatusOr<pdp::v1::ApplyChangesResponse> r = admin.ApplyChanges(request);
  if (!r.ok()) return Fail(ctx, WithSource(r.status(), sources));
  if (ctx.json) {
    PrintJson(*r);
    return kOk;
  }
  int unchanged = 0;
  for (const auto& result : r->results()) unchanged += result.unchanged() ? 1 : 0;
  const auto revision = static_cast<long long>(r->revision());
  if (unchanged == request.changes_size()) {
    std::printf("%s: nothing to change, all %d changes already hold at revision %lld\n",
                what.c_str(), request.changes_size(), revision);
  } else {
    std::printf("%s: %s; %d changes applied (%d already held): revision %lld\n", what.c_str(),
                summary.c_str(), request.changes_size() - unchanged, unchanged, revision);
  }
  return kOk;
}

struct IamFlags {
  std::string file, account, request_id;
  bool allow_missing = false;
  bool prune = false;
};

// The ARNs of what the account has now, for --prune (none if the account
// does not exist yet).
absl::StatusOr<std::vector<std::string>> ExistingArns(const pdp::AdminClient& admin,
                                                      const std::string& account) {
  std::vector<std::string> arns;
  absl::StatusOr<pdp::v1::ListUsersResponse> users =
      ListAll(admin, &pdp::AdminClient::Stub::ListUsers, account, 0);
  if (!users.ok() && users.status().code() == absl::StatusCode::kNotFound) return arns;
  if (!users.ok()) return users.status();
  for (const auto& u : users->users()) arns.push_back(u.arn());
  auto groups = ListAll(admin, &pdp::AdminClient::Stub::ListGroups, account, 0);
  if (!groups.ok()) return groups.status();
  for (const auto& g : groups->groups()) arns.push_back(g.arn());
  auto roles = ListAll(admin, &pdp::AdminClient::Stub::ListRoles, account, 0);
  if (!roles.ok()) return roles.status();
  for (const auto& r : roles->roles()) arns.push_back(r.arn());
  auto policies = ListAll(admin, &pdp::AdminClient::Stub::ListPolicies, account, 0);
  if (!policies.ok()) return policies.status();
  for (const auto& p : policies->policies()) arns.push_back(p.arn());
  return arns;
}

int ImportAwsIam(Context& ctx, const IamFlags& f) {
  std::fprintf(stderr, "pdpctl: reading %s\n", f.file.c_str());
  absl::StatusOr<std::string> text = ReadBounded(f.file);
  if (!text.ok()) return Fail(ctx, text.status());
  pdp::AdminClient admin(ctx.options);
  pdp::AwsIamImportOptions options;
  options.account_id = f.account;
  options.allow_missing_aws_policies = f.allow_missing;
  // The AWS managed policies this server has.
  auto aws = ListAll(admin, &pdp::AdminClient::Stub::ListPolicies, "aws", 0);
  if (!aws.ok()) return Fail(ctx, aws.status());
  for (const auto& p : aws->policies()) {
    options.available_aws_policies.insert(p.arn());
    options.server_aws_policies[p.arn()] = p;
  }
  absl::StatusOr<pdp::AwsIamImport> imported =
      pdp::ImportAwsIamAuthorizationDetails(*text, options);
  if (!imported.ok()) return Fail(ctx, BadInput(f.file, imported.status()));
  if (f.prune) {
    // The account is known once the file is parsed; the deletions are
    // added to that one parse.
    absl::StatusOr<std::vector<std::string>> existing = ExistingArns(admin, imported->account_id);
    if (!existing.ok()) return Fail(ctx, existing.status());
    absl::Status pruned = pdp::AddAwsIamPrune(*existing, *imported);
    if (!pruned.ok()) return Fail(ctx, pruned);
  }
  for (const std::string& w : imported->warnings) {
    std::fprintf(stderr, "pdpctl: warning: %s\n", w.c_str());
  }
  const pdp::AwsIamImportCounts& n = imported->counts;
  const std::string summary =
      absl::StrCat(n.users, " users, ", n.groups, " groups, ", n.roles, " roles, ", n.policies,
                   " customer managed policies, ", n.aws_managed_policies, " AWS managed policies",
                   n.aws_managed_policies_held > 0
                       ? absl::StrCat(" (", n.aws_managed_policies_held, " as the server has them)")
                       : "",
                   ", ", n.inline_policies, " inline policies",
                   f.prune ? absl::StrCat(", ", n.deletions, " deleted") : "");
  pdp::v1::ApplyChangesRequest request;
  for (auto& c : imported->changes) *request.add_changes() = std::move(c);
  request.set_request_id(f.request_id);
  return ApplyImport(ctx, admin, absl::StrCat("account ", imported->account_id), std::move(request),
                     imported->item_paths, summary);
}

struct OrgFlags {
  std::string dir, request_id;
};

int ImportAwsOrganizations(Context& ctx, const OrgFlags& f) {
  // Paths come from ids in the files: never outside DIR.
  pdp::ExportFileReader read = [&f](const std::string& path) -> std::optional<std::string> {
    if (path.empty() || path[0] == '/' || absl::StrContains(path, "..")) return std::nullopt;
    const std::string full = absl::StrCat(f.dir, "/", path);
    if (!std::filesystem::is_regular_file(full)) return std::nullopt;
    absl::StatusOr<std::string> text = ReadBounded(full);
    if (!text.ok()) return std::nullopt;
    return *std::move(text);
  };
  std::fprintf(stderr, "pdpctl: reading the export in %s\n", f.dir.c_str());
  absl::StatusOr<pdp::AwsOrganizationsImport> imported = pdp::ImportAwsOrganization(read);
  if (!imported.ok()) return Fail(ctx, BadInput(f.dir, imported.status()));
  const std::string summary = absl::StrCat(imported->organizational_units, " OUs, ",
                                           imported->accounts, " member accounts, ", imported->scps,
                                           " SCPs, ", imported->attachments, " SCP attachments");
  pdp::v1::ApplyChangesRequest request;
  for (auto& c : imported->changes) *request.add_changes() = std::move(c);
  request.set_request_id(f.request_id);
  return ApplyImport(ctx, pdp::AdminClient(ctx.options),
                     absl::StrCat("organization ", imported->organization_id), std::move(request),
                     imported->item_paths, summary);
}

}  // namespace

void AddImportCommand(CLI::App& app, Context& ctx) {
  CLI::App* import = app.add_subcommand(
      "import", "load AWS's own output (README \"Importing from AWS\") as one atomic batch");
  import->require_subcommand(1);
  {
    auto f = std::make_shared<IamFlags>();
    CLI::App* cmd = import->add_subcommand(
        "aws-iam",
        "an account's users, groups, roles and customer managed policies from the JSON of `aws "
        "iam get-account-authorization-details`; importing it again changes nothing");
    cmd->add_option("FILE", f->file, "the command's JSON output")->required();
    cmd->add_option("--account", f->account,
                    "the account the file describes (default: the account of its ARNs)");
    cmd->add_flag("--allow-missing-aws-policies", f->allow_missing,
                  "leave out attachments of AWS managed policies the server does not have "
                  "(with a warning) instead of refusing the import");
    cmd->add_flag("--prune", f->prune,
                  "delete the account's users, groups, roles and customer managed policies the "
                  "file does not have");
    cmd->add_option("--request-id", f->request_id,
                    "idempotency key: a retry of a committed import is not applied twice");
    cmd->callback([&ctx, f] { ctx.run = [&ctx, f] { return ImportAwsIam(ctx, *f); }; });
  }
  {
    auto f = std::make_shared<OrgFlags>();
    CLI::App* cmd = import->add_subcommand(
        "aws-organizations",
        "an organization (root, OUs, members, SCPs and their attachments) from a directory of "
        "AWS CLI outputs; importing it again changes nothing");
    cmd->add_option("DIR", f->dir, "the export directory")
        ->required()
        ->check(CLI::ExistingDirectory);
    cmd->add_option("--request-id", f->request_id,
                    "idempotency key: a retry of a committed import is not applied twice");
    cmd->callback([&ctx, f] { ctx.run = [&ctx, f] { return ImportAwsOrganizations(ctx, *f); }; });
  }
}

}  // namespace pdpctl
