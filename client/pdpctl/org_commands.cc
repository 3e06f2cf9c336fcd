#include "client/pdpctl/org_commands.h"

#include <fstream>
#include <initializer_list>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace pdpctl {
namespace {

using pdp::v1::Change;

absl::Status Bad(absl::string_view message) { return absl::InvalidArgumentError(message); }

// Checks the word count and the flags a subcommand accepts.
absl::Status Expect(const OrgCommandLine& line, size_t words, absl::string_view usage,
                    std::initializer_list<const char*> flags) {
  if (line.words.size() != words) {
    return Bad(absl::StrCat("usage: pdpctl ", line.group, " ", usage));
  }
  for (const auto& [name, value] : line.flags) {
    bool known = false;
    for (const char* f : flags) known = known || name == f;
    if (!known) {
      return Bad(absl::StrCat("unknown flag --", name, " for ", line.group, " ", line.words[0]));
    }
  }
  return absl::OkStatus();
}

std::string Flag(const OrgCommandLine& line, const std::string& name) {
  auto it = line.flags.find(name);
  return it == line.flags.end() ? "" : it->second;
}

// Flags a subcommand cannot do without: refused here, naming the flag, rather
// than sent for the server to refuse with a field path the user never typed.
absl::Status Require(const OrgCommandLine& line, std::initializer_list<const char*> flags) {
  for (const char* f : flags) {
    if (Flag(line, f).empty()) {
      return Bad(absl::StrCat(line.group, " ", line.words[0], " needs --", f));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> OnOff(const std::string& word) {
  if (word == "on") return true;
  if (word == "off") return false;
  return Bad(absl::StrCat("expected on or off, not \"", word, "\""));
}

absl::StatusOr<Change> OrgWrite(const OrgCommandLine& line) {
  const std::string& sub = line.words[0];
  const auto& w = line.words;
  Change c;
  absl::Status s;
  if (sub == "create") {
    s = Expect(line, 2, "create MANAGEMENT_ACCOUNT [--id o-..] [--root-id r-..] [--scps on|off]",
               {"id", "root-id", "scps"});
    if (!s.ok()) return s;
    auto* r = c.mutable_create_organization();
    r->set_management_account_id(w[1]);
    r->set_organization_id(Flag(line, "id"));
    r->set_root_id(Flag(line, "root-id"));
    if (line.flags.count("scps")) {
      absl::StatusOr<bool> on = OnOff(Flag(line, "scps"));
      if (!on.ok()) return on.status();
      r->set_scps_enabled(*on);
    }
  } else if (sub == "set-scps") {
    s = Expect(line, 3, "set-scps ORG on|off", {"etag"});
    if (!s.ok()) return s;
    absl::StatusOr<bool> on = OnOff(w[2]);
    if (!on.ok()) return on.status();
    auto* r = c.mutable_update_organization();
    r->set_organization_id(w[1]);
    r->set_scps_enabled(*on);
    r->set_etag(Flag(line, "etag"));
  } else if (sub == "delete") {
    s = Expect(line, 2, "delete ORG", {"etag"});
    if (!s.ok()) return s;
    c.mutable_delete_organization()->set_organization_id(w[1]);
    c.mutable_delete_organization()->set_etag(Flag(line, "etag"));
  } else if (sub == "create-ou") {
    s = Expect(line, 2, "create-ou ORG --parent ROOT_OR_OU --name NAME [--id ou-..]",
               {"parent", "name", "id"});
    if (s.ok()) s = Require(line, {"parent", "name"});
    if (!s.ok()) return s;
    auto* r = c.mutable_create_organizational_unit();
    r->set_organization_id(w[1]);
    r->set_parent_id(Flag(line, "parent"));
    r->set_name(Flag(line, "name"));
    r->set_ou_id(Flag(line, "id"));
  } else if (sub == "rename-ou") {
    s = Expect(line, 3, "rename-ou ORG OU --name NAME", {"name"});
    if (s.ok()) s = Require(line, {"name"});
    if (!s.ok()) return s;
    auto* r = c.mutable_update_organizational_unit();
    r->set_organization_id(w[1]);
    r->set_ou_id(w[2]);
    r->set_name(Flag(line, "name"));
  } else if (sub == "delete-ou") {
    s = Expect(line, 3, "delete-ou ORG OU", {});
    if (!s.ok()) return s;
    c.mutable_delete_organizational_unit()->set_organization_id(w[1]);
    c.mutable_delete_organizational_unit()->set_ou_id(w[2]);
  } else if (sub == "create-account") {
    s = Expect(line, 3,
               "create-account ORG ACCOUNT [--name NAME] [--parent ID] [--iam-access allow|deny]",
               {"name", "parent", "iam-access"});
    if (!s.ok()) return s;
    auto* r = c.mutable_create_member_account();
    r->set_organization_id(w[1]);
    r->set_account_id(w[2]);
    r->set_name(Flag(line, "name"));
    r->set_parent_id(Flag(line, "parent"));
    std::string access = Flag(line, "iam-access");
    if (access == "deny") {
      r->set_iam_user_access_to_billing(pdp::v1::IAM_USER_ACCESS_DENY);
    } else if (access == "allow") {
      r->set_iam_user_access_to_billing(pdp::v1::IAM_USER_ACCESS_ALLOW);
    } else if (!access.empty()) {
      return Bad("--iam-access is allow or deny");
    }
  } else if (sub == "invite") {
    s = Expect(line, 3, "invite ORG ACCOUNT [--parent ID]", {"parent"});
    if (!s.ok()) return s;
    auto* r = c.mutable_invite_account();
    r->set_organization_id(w[1]);
    r->set_account_id(w[2]);
    r->set_parent_id(Flag(line, "parent"));
  } else if (sub == "move") {
    s = Expect(line, 3, "move ORG ACCOUNT --to PARENT", {"to"});
    if (s.ok()) s = Require(line, {"to"});
    if (!s.ok()) return s;
    auto* r = c.mutable_move_account();
    r->set_organization_id(w[1]);
    r->set_account_id(w[2]);
    r->set_destination_parent_id(Flag(line, "to"));
  } else if (sub == "remove") {
    s = Expect(line, 3, "remove ORG ACCOUNT", {});
    if (!s.ok()) return s;
    c.mutable_remove_account()->set_organization_id(w[1]);
    c.mutable_remove_account()->set_account_id(w[2]);
  } else {
    return Bad(absl::StrCat("unknown subcommand: org ", sub));
  }
  return c;
}

absl::StatusOr<Change> ScpWrite(const OrgCommandLine& line) {
  const std::string& sub = line.words[0];
  const auto& w = line.words;
  Change c;
  absl::Status s;
  if (sub == "create" || sub == "update") {
    bool create = sub == "create";
    // A create has no etag to check (and an --id only a create can choose),
    // so neither is accepted where it would be silently ignored.
    s = create ? Expect(line, 2,
                        "create ORG --name NAME --file POLICY.json [--id p-..] [--description T]",
                        {"name", "file", "id", "description"})
               : Expect(line, 3,
                        "update ORG POLICY [--name NAME] [--file POLICY.json] [--description T] "
                        "[--etag E]",
                        {"name", "file", "description", "etag"});
    if (s.ok() && create) s = Require(line, {"name", "file"});
    if (s.ok() && !create && !line.flags.count("name") && !line.flags.count("file") &&
        !line.flags.count("description")) {
      s = Bad("scp update needs --name, --file or --description");
    }
    if (!s.ok()) return s;
    std::string document;
    if (!Flag(line, "file").empty()) {
      absl::StatusOr<std::string> doc = ReadFile(Flag(line, "file"));
      if (!doc.ok()) return doc.status();
      document = *doc;
    }
    if (create) {
      auto* r = c.mutable_create_scp();
      r->set_organization_id(w[1]);
      r->set_policy_id(Flag(line, "id"));
      r->set_name(Flag(line, "name"));
      r->set_description(Flag(line, "description"));
      r->set_document(document);
    } else {
      auto* r = c.mutable_update_scp();
      r->set_organization_id(w[1]);
      r->set_policy_id(w[2]);
      r->set_name(Flag(line, "name"));
      r->set_description(Flag(line, "description"));
      r->set_document(document);
      r->set_etag(Flag(line, "etag"));
    }
  } else if (sub == "delete") {
    s = Expect(line, 3, "delete ORG POLICY [--etag E]", {"etag"});
    if (!s.ok()) return s;
    c.mutable_delete_scp()->set_organization_id(w[1]);
    c.mutable_delete_scp()->set_policy_id(w[2]);
    c.mutable_delete_scp()->set_etag(Flag(line, "etag"));
  } else if (sub == "attach" || sub == "detach") {
    s = Expect(line, 4, absl::StrCat(sub, " ORG POLICY TARGET"), {});
    if (!s.ok()) return s;
    pdp::v1::AttachScpRequest r;
    r.set_organization_id(w[1]);
    r.set_policy_id(w[2]);
    r.set_target_id(w[3]);
    if (sub == "attach") {
      *c.mutable_attach_scp() = r;
    } else {
      c.mutable_detach_scp()->set_organization_id(w[1]);
      c.mutable_detach_scp()->set_policy_id(w[2]);
      c.mutable_detach_scp()->set_target_id(w[3]);
    }
  } else {
    return Bad(absl::StrCat("unknown subcommand: scp ", sub));
  }
  return c;
}

}  // namespace

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Bad(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool IsOrgRead(const OrgCommandLine& line) {
  if (line.words.empty()) return false;
  if (line.group == "org") return line.words[0] == "show" || line.words[0] == "list";
  return line.words[0] == "list";
}

absl::StatusOr<pdp::v1::Change> OrgChange(const OrgCommandLine& line) {
  if (line.words.empty()) return Bad(absl::StrCat("usage: pdpctl ", line.group, " SUBCOMMAND ..."));
  if (line.group == "org") return OrgWrite(line);
  if (line.group == "scp") return ScpWrite(line);
  return Bad(absl::StrCat("unknown command ", line.group));
}

}  // namespace pdpctl
