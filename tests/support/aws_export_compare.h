// Compares a world file (what `pdpctl export` writes) with the AWS export it
// was imported from (examples/aws/...: `aws organizations` outputs in a
// directory, `aws iam get-account-authorization-details` per account), by
// meaning, not by text: every user, group and role (ARN and path, unique
// id, tags, boundary, inline policies by name and parsed document, attached
// policies, group membership), every customer managed policy (description,
// every version, the default), the organization tree (root, OUs, members
// and how they joined), the SCPs and exactly their attachments, and the AWS
// managed policies the IAM files carry (the import puts them world-wide).
//
// For tests. Pure functions of their inputs plus the files they read;
// thread-compatible.
#ifndef PDP_TESTS_SUPPORT_AWS_EXPORT_COMPARE_H_
#define PDP_TESTS_SUPPORT_AWS_EXPORT_COMPARE_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace pdp::testing {

// A world file (YAML or JSON) as JSON: a quoted scalar is a string, a plain
// one true/false a boolean, anything else a string. INVALID_ARGUMENT when it
// does not parse.
absl::StatusOr<nlohmann::json> ReadWorldFile(const std::string& path);

struct AwsExport {
  std::string organization_dir;        // empty: no organization to compare
  std::vector<std::string> iam_files;  // one account each
  // AWS managed policies the import left out (--allow-missing-aws-policies
  // on a server that lacks them): neither they nor their attachments are
  // expected in the world.
  std::set<std::string> left_out_policies;
};

// Every difference, one readable line each ("user arn:...: tags ..."); empty
// when the world says all the export says and no more principals or
// policies in the export's accounts. A file that cannot be read is a
// difference too.
std::vector<std::string> CompareWorldWithAwsExport(const nlohmann::json& world,
                                                   const AwsExport& aws);

}  // namespace pdp::testing

#endif  // PDP_TESTS_SUPPORT_AWS_EXPORT_COMPARE_H_
