// Import from AWS Organizations' own output: the JSON the AWS CLI prints
// for an organization, saved one file per command (docs/data-formats.md,
// "Importing from AWS", lists the commands), becomes one batch of changes
// that makes the organization as AWS has it: its management account, root,
// OUs, member accounts (created or invited), SCPs and exactly the SCP
// attachments AWS lists (FullAWSAccess included: it is detached wherever
// AWS does not list it).
//
// The files, by path relative to the export directory:
//   describe-organization.json
//   list-roots.json
//   list-organizational-units-for-parent/<parent id>.json   (the root and every OU)
//   list-accounts-for-parent/<parent id>.json               (the root and every OU)
//   list-policies.json                     (--filter SERVICE_CONTROL_POLICY)
//   describe-policy/<policy id>.json       (every SCP but FullAWSAccess)
//   list-targets-for-policy/<policy id>.json (every SCP)
//
// The batch reconciles like a world file: importing the same export again
// changes nothing. Pure: the caller reads the files. Thread-safe.
#ifndef PDP_WORLD_AWS_ORGANIZATIONS_IMPORT_H_
#define PDP_WORLD_AWS_ORGANIZATIONS_IMPORT_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pdp/v1/changes.pb.h"

namespace pdp {

// Reads one file of the export by relative path: its text, or nullopt when
// it does not exist.
using ExportFileReader = std::function<std::optional<std::string>(const std::string& path)>;

struct AwsOrganizationsImport {
  std::string organization_id;
  std::vector<pdp::v1::Change> changes;  // one atomic batch
  // For each change, where it came from ("list-accounts-for-parent/r-ab12.json
  // Accounts[3]"), to name it in the server's errors.
  std::vector<std::string> item_paths;
  int organizational_units = 0;
  int accounts = 0;  // members besides the management account
  int scps = 0;      // besides FullAWSAccess
  int attachments = 0;
};

// INVALID_ARGUMENT naming the file and JSON path of the first problem
// ("list-roots.json: Roots[0].Id"); NOT_FOUND naming a file the export
// lacks (a parent's listing, a policy's description or targets).
absl::StatusOr<AwsOrganizationsImport> ImportAwsOrganization(const ExportFileReader& read);

}  // namespace pdp

#endif  // PDP_WORLD_AWS_ORGANIZATIONS_IMPORT_H_
