// Commands that change the world or follow its changes: apply, watch,
// settings; and validate (a policy document checked by the server).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "billing_pdp/admin_client.h"
#include "client/pdpctl/cli.h"
#include "client/pdpctl/org_commands.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "world/world_file.h"

namespace pdpctl {
namespace {

// A change set is a JSON object with a top-level "changes" key (an
// ApplyChangesRequest); anything else is a world file.
bool IsChangeSet(const std::string& text) {
  google::protobuf::Struct object;
  return google::protobuf::util::JsonStringToMessage(text, &object).ok() &&
         object.fields().contains("changes");
}

// Reads FILE as a change set or a world file, as the request to send.
absl::StatusOr<pdp::v1::ApplyChangesRequest> ReadApplyFile(const std::string& path,
                                                           bool* change_set) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  pdp::v1::ApplyChangesRequest request;
  *change_set = IsChangeSet(*text);
  if (*change_set) {
    auto parsed = google::protobuf::util::JsonStringToMessage(*text, &request);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": not a change set (ApplyChangesRequest in proto JSON): ",
                       std::string(parsed.message())));
    }
    return request;
  }
  absl::StatusOr<std::vector<pdp::v1::Change>> changes = pdp::ReadWorldFile(path);
  if (!changes.ok()) return changes.status();
  for (auto& c : *changes) *request.add_changes() = std::move(c);
  return request;
}

int Apply(Context& ctx, const std::string& path, const std::string& request_id) {
  bool change_set = false;
  absl::StatusOr<pdp::v1::ApplyChangesRequest> request = ReadApplyFile(path, &change_set);
  if (!request.ok()) return Fail(ctx, request.status());
  if (!request_id.empty()) request->set_request_id(request_id);
  absl::StatusOr<pdp::v1::ApplyChangesResponse> r =
      pdp::AdminClient(ctx.options).ApplyChanges(*request);
  if (!r.ok()) return Fail(ctx, r.status());
  if (ctx.json) {  // world file or change set: the response, a result per change
    PrintJson(*r);
    return kOk;
  }
  const auto revision = static_cast<long long>(r->revision());
  int unchanged = 0;
  for (const auto& result : r->results()) unchanged += result.unchanged() ? 1 : 0;
  if (r->replayed()) {
    std::printf("request %s was already applied: revision %lld (nothing changed now)\n",
                request->request_id().c_str(), revision);
  } else if (unchanged == request->changes_size()) {
    // A controller's steady state: everything already as asked, no revision made.
    std::printf("nothing to change: all %d changes from %s already hold at revision %lld\n",
                request->changes_size(), path.c_str(), revision);
  } else {
    std::printf("applied %d changes from %s: revision %lld", request->changes_size() - unchanged,
                path.c_str(), revision);
    std::printf(unchanged > 0 ? " (%d more already held)\n" : "\n", unchanged);
  }
  if (change_set) {
    for (int i = 0; i < r->results_size(); ++i) {
      const auto& result = r->results(i);
      std::printf("  [%d] %s %s%s\n", i, result.name().c_str(),
                  result.etag().empty() ? "(deleted)" : ("etag " + result.etag()).c_str(),
                  result.unchanged() ? " (unchanged)" : "");
    }
  }
  return kOk;
}

// Prints each committed batch as one JSON line until interrupted, the
// server ends the stream, or `count` batches. JSON lines in either mode.
int Watch(Context& ctx, int64_t from, int64_t count) {
  std::unique_ptr<pdp::ChangeWatch> watch = pdp::AdminClient(ctx.options).Watch(from);
  pdp::v1::WatchResponse batch;
  for (int64_t seen = 0; count == 0 || seen < count; ++seen) {
    if (!watch->Next(&batch)) {
      absl::Status ended = watch->Finish();
      return ended.ok() ? kOk : Fail(ctx, ended);
    }
    std::printf("%s\n", ToJson(batch, /*one_line=*/true).c_str());
    std::fflush(stdout);  // a line as soon as it commits, also into a pipe
  }
  return kOk;
}

// `settings SUBCOMMAND`: the account setting it changes (its update_mask).
struct Setting {
  const char* subcommand;
  const char* field;
  const char* help;
};
constexpr Setting kSettings[] = {
    {"set-iam-access", "iam_access_to_billing",
     "turn \"Activate IAM Access\" on or off (only the account's root may)"},
    {"set-cost-explorer", "cost_explorer_enabled",
     "Cost Explorer on or off (a management or standalone account; its root or a principal "
     "allowed ce:UpdatePreferences)"},
    {"set-linked-access", "linked_account_access",
     "member accounts' access to Cost Explorer (as set-cost-explorer)"},
};

int SetSetting(Context& ctx, const std::string& field, const std::string& account,
               const std::string& value, const std::string& actor) {
  pdp::v1::UpdateAccountSettingsRequest request;
  request.set_account_id(account);
  request.set_actor(actor);
  request.add_update_mask(field);
  const bool on = value == "on";
  pdp::v1::AccountSettings* settings = request.mutable_settings();
  if (field == "iam_access_to_billing") settings->set_iam_access_to_billing(on);
  if (field == "cost_explorer_enabled") settings->set_cost_explorer_enabled(on);
  if (field == "linked_account_access") settings->set_linked_account_access(on);
  absl::StatusOr<pdp::v1::Account> updated =
      pdp::AdminClient(ctx.options).Call(&pdp::AdminClient::Stub::UpdateAccountSettings, request);
  if (!updated.ok()) return Fail(ctx, updated.status());
  if (ctx.json) {
    PrintJson(*updated);
    return kOk;
  }
  const pdp::v1::AccountSettings& now = updated->settings();
  // linked_account_access unset means on (types.proto).
  bool now_on = !now.has_linked_account_access() || now.linked_account_access();
  if (field == "iam_access_to_billing") now_on = now.iam_access_to_billing();
  if (field == "cost_explorer_enabled") now_on = now.cost_explorer_enabled();
  std::printf("account %s: %s is %s (etag %s)\n", updated->id().c_str(), field.c_str(),
              now_on ? "on" : "off", updated->etag().c_str());
  return kOk;
}

int Validate(Context& ctx, const std::string& path, bool inline_policy) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return Fail(ctx, text.status());
  pdp::v1::ValidatePolicyRequest request;
  request.set_document(*text);
  request.set_kind(inline_policy ? pdp::v1::ValidatePolicyRequest::INLINE
                                 : pdp::v1::ValidatePolicyRequest::MANAGED);
  auto r = pdp::AdminClient(ctx.options).Call(&pdp::AdminClient::Stub::ValidatePolicy, request);
  if (!r.ok()) return Fail(ctx, r.status());
  bool has_error = false;
  for (const auto& f : r->findings()) {
    has_error = has_error || f.severity() == pdp::v1::PolicyFinding::ERROR;
  }
  if (ctx.json) {
    PrintJson(*r);
  } else if (r->findings().empty()) {
    std::printf("%s: no findings\n", path.c_str());
  } else {
    for (const auto& f : r->findings()) {
      std::printf("%s %s at %s: %s\n", pdp::v1::PolicyFinding::Severity_Name(f.severity()).c_str(),
                  f.code().c_str(), f.path().empty() ? "(document)" : f.path().c_str(),
                  f.message().c_str());
    }
  }
  return has_error ? kUsage : kOk;
}

}  // namespace

void AddWriteCommands(CLI::App& app, Context& ctx) {
  {
    struct ApplyFlags {
      std::string file, request_id;
    };
    auto f = std::make_shared<ApplyFlags>();
    CLI::App* cmd = app.add_subcommand(
        "apply",
        "apply a world file (YAML or JSON) or a change set (an ApplyChangesRequest in proto "
        "JSON) as one atomic batch; prints the revision (and each change's name and etag)");
    cmd->add_option("FILE", f->file, "world file or change set")->required();
    cmd->add_option("--request-id", f->request_id,
                    "idempotency key: a retry of a committed batch is not applied twice");
    cmd->callback(
        [&ctx, f] { ctx.run = [&ctx, f] { return Apply(ctx, f->file, f->request_id); }; });
  }
  {
    auto from = std::make_shared<int64_t>(0), count = std::make_shared<int64_t>(0);
    CLI::App* cmd = app.add_subcommand(
        "watch",
        "print committed batches as JSON lines, one per revision, from --from (default: only new "
        "ones) until interrupted (or --count batches)");
    cmd->add_option("--from", *from, "first revision")->check(CLI::NonNegativeNumber);
    cmd->add_option("--count", *count, "stop after N batches (0: never)")
        ->check(CLI::NonNegativeNumber);
    cmd->callback([&ctx, from, count] {
      ctx.run = [&ctx, from, count] { return Watch(ctx, *from, *count); };
    });
  }
  {
    CLI::App* settings = app.add_subcommand("settings", "change an account's billing settings");
    settings->require_subcommand(1);
    for (const Setting& s : kSettings) {
      struct SettingFlags {
        std::string account, value, actor;
      };
      auto f = std::make_shared<SettingFlags>();
      CLI::App* cmd = settings->add_subcommand(s.subcommand, s.help);
      cmd->add_option("ACCOUNT", f->account, "12-digit account ID")->required();
      cmd->add_option("VALUE", f->value, "on or off")
          ->required()
          ->check(CLI::IsMember({"on", "off"}));
      cmd->add_option("--actor", f->actor, "the principal the change is made on behalf of (ARN)")
          ->required();
      const std::string field = s.field;
      cmd->callback([&ctx, f, field] {
        ctx.run = [&ctx, f, field] {
          return SetSetting(ctx, field, f->account, f->value, f->actor);
        };
      });
    }
  }
  {
    struct ValidateFlags {
      std::string file;
      bool inline_policy = false;
    };
    auto f = std::make_shared<ValidateFlags>();
    CLI::App* cmd = app.add_subcommand(
        "validate", "check a policy document: errors and warnings (exit 0 if no error, 2 if one)");
    cmd->add_option("FILE", f->file, "policy document (JSON)")->required();
    cmd->add_flag("--inline", f->inline_policy, "an inline policy (no managed-policy size quota)");
    cmd->callback(
        [&ctx, f] { ctx.run = [&ctx, f] { return Validate(ctx, f->file, f->inline_policy); }; });
  }
}

}  // namespace pdpctl
