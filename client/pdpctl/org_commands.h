// `pdpctl org ...` and `pdpctl scp ...` writes, turned into the one Change
// each sends through ApplyChanges. Pure (no I/O but reading a policy file),
// so the command line is tested without a server.
#ifndef PDP_CLIENT_PDPCTL_ORG_COMMANDS_H_
#define PDP_CLIENT_PDPCTL_ORG_COMMANDS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pdp/v1/changes.pb.h"

namespace pdpctl {

struct OrgCommandLine {
  std::string group;                         // "org" or "scp"
  std::vector<std::string> words;            // subcommand and its positional arguments
  std::map<std::string, std::string> flags;  // --name VALUE ...
};

// The change a write subcommand makes; INVALID_ARGUMENT naming what is
// wrong (missing argument or required flag, unknown flag, unreadable file).
// `scp update` without --description leaves update_scp.description empty,
// which the server takes as "no description": a caller that means to keep
// the current one fills it in (pdpctl does).
absl::StatusOr<pdp::v1::Change> OrgChange(const OrgCommandLine& line);

// The whole file (INVALID_ARGUMENT "cannot read PATH" when it cannot be).
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Whether the subcommand only reads (org show/list, scp list).
bool IsOrgRead(const OrgCommandLine& line);

// The subcommands in one list, for reading (pdpctl prints CLI11 help now,
// org_cli.cc); org_commands_test checks it agrees with OrgChange.
inline constexpr char kOrgUsage[] =
    R"(  org create MANAGEMENT_ACCOUNT [--id o-..] [--root-id r-..] [--scps on|off]
  org show ORG | org list
  org set-scps ORG on|off [--etag E]  enable (FullAWSAccess everywhere) or disable SCPs
  org delete ORG [--etag E]         once only the management account is left
  org create-ou ORG --parent ROOT_OR_OU --name NAME [--id ou-..]
  org rename-ou ORG OU --name NAME | org delete-ou ORG OU
  org create-account ORG ACCOUNT [--name NAME] [--parent ID] [--iam-access allow|deny]
  org invite ORG ACCOUNT [--parent ID]   an existing account joins, keeping its settings
  org move ORG ACCOUNT --to PARENT | org remove ORG ACCOUNT
  scp create ORG --name NAME --file POLICY.json [--id p-..] [--description TEXT]
  scp update ORG POLICY [--name NAME] [--file POLICY.json] [--description TEXT] [--etag E]
  scp delete ORG POLICY [--etag E] | scp list ORG
  scp attach ORG POLICY TARGET | scp detach ORG POLICY TARGET   (TARGET: root, OU or account)
                          each write is one ApplyChanges change; --request-id ID makes a retry
                          safe. scp update without --description keeps the current one
)";

}  // namespace pdpctl

#endif  // PDP_CLIENT_PDPCTL_ORG_COMMANDS_H_
