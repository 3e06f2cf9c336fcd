// Import from AWS's own format: the JSON that
// `aws iam get-account-authorization-details` prints (UserDetailList,
// GroupDetailList, RoleDetailList, Policies) becomes one batch of changes
// that makes one account's users, groups, roles and customer managed
// policies exactly as AWS has them: paths, tags, permissions boundaries,
// inline and attached policies, group membership, every policy version with
// its id and the default, and AWS's unique ids (so aws:userid conditions
// match as in AWS).
//
// The batch reconciles, like a world file: importing the same data again
// changes nothing (no revision), changed entities are replaced, and with
// `prune_existing` what the account has but the file no longer does is
// deleted.
//
// AWS managed policies the file carries (its Policies list has them, with
// every version, when the export includes AWS managed policies) are put
// for every account (put_aws_managed_policy) before anything attaches
// them, so attachments of them work whether or not the server bundles
// them.
//
// Pure: no I/O, no server. Thread-safe (no shared state).
#ifndef PDP_WORLD_AWS_IAM_IMPORT_H_
#define PDP_WORLD_AWS_IAM_IMPORT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pdp/v1/changes.pb.h"

namespace pdp {

struct AwsIamImportOptions {
  // The account the file describes. Empty: the account of the ARNs in the
  // file (all must be of one account). Given: every ARN must be of it.
  std::string account_id;
  // AWS managed policies the server has (ListPolicies{parent:"aws"}). An
  // attachment or boundary naming one that neither the server nor the
  // file's Policies has is an error that lists every such ARN, unless
  // `allow_missing_aws_policies`: then it is left out, with a warning (a
  // policy the server does not have grants nothing).
  absl::flat_hash_set<std::string> available_aws_policies;
  // Optional: those of them with their content (ListPolicies{parent:"aws"}
  // gives it). An AWS managed policy the file carries exactly as the server
  // has it (description, versions, default) is not put again: the batch
  // then needs no admin for it (a controller may not put AWS managed
  // policies, which reach every account).
  absl::flat_hash_map<std::string, pdp::v1::ManagedPolicy> server_aws_policies;
  bool allow_missing_aws_policies = false;
  // --prune: the ARNs of the users, groups, roles and customer managed
  // policies the account has now; those the file does not have are
  // deleted (entities first, which detaches them, then policies). When
  // the account is not known before parsing, parse once without it and
  // call AddAwsIamPrune.
  std::optional<std::vector<std::string>> prune_existing;
};

struct AwsIamImportCounts {
  int users = 0;
  int groups = 0;
  int roles = 0;
  int policies = 0;                   // customer managed
  int aws_managed_policies = 0;       // carried by the file, put for every account
  int aws_managed_policies_held = 0;  // of those, as the server has them: not put
  int inline_policies = 0;            // of users, groups and roles
  int deletions = 0;                  // --prune
};

struct AwsIamImport {
  std::string account_id;
  // One atomic batch, in dependency order: the account (created if
  // missing, its settings left alone), managed policies (AWS's and the
  // customer's, as the file lists them), groups,
  // users, roles, then deletions.
  std::vector<pdp::v1::Change> changes;
  // For each change, the path in the file it came from
  // ("UserDetailList[3]"), to name it in the server's errors.
  std::vector<std::string> item_paths;
  std::vector<std::string> warnings;
  AwsIamImportCounts counts;
  // What the file has in the account: "user/<lower-case name>", "group/...",
  // "role/...", "policy/..." (customer managed), for --prune.
  absl::flat_hash_set<std::string> imported_keys;
};

// INVALID_ARGUMENT with the JSON path of the first problem
// ("UserDetailList[2].Arn"); NOT_FOUND (field "AttachedManagedPolicies")
// naming every AWS managed policy the server does not have.
absl::StatusOr<AwsIamImport> ImportAwsIamAuthorizationDetails(absl::string_view json,
                                                              const AwsIamImportOptions& options);

// --prune on a parsed import: appends the deletions of what `existing`
// (ARNs the account has now, any account's ignored) names and the file
// does not have, entities first, and counts them. FAILED_PRECONDITION if
// `import` already has deletions.
absl::Status AddAwsIamPrune(const std::vector<std::string>& existing, AwsIamImport& import);

// A policy document as AWS gives it: a JSON object (the CLI decodes it) or
// a string, URL-encoded (the API) or not. INVALID_ARGUMENT for a bad
// percent escape.
absl::StatusOr<std::string> AwsPolicyDocumentText(absl::string_view encoded_or_json);

}  // namespace pdp

#endif  // PDP_WORLD_AWS_IAM_IMPORT_H_
