// The managed policy changes as SnapshotBuilder takes them (pdp.v1 Change
// kinds create_policy, update_policy, delete_policy, put_policy,
// put_aws_managed_policy, create_policy_version, set_default_policy_version,
// delete_policy_version): plain values with the API's field names, so the
// builder's field paths ("versions[1].version_id") are the API's. Values are
// kept as sent; the builder checks them.
#ifndef PDP_ENGINE_WRITE_POLICY_CHANGE_TYPES_H_
#define PDP_ENGINE_WRITE_POLICY_CHANGE_TYPES_H_

#include <string>
#include <vector>

namespace pdp {

struct CreatePolicyChange {
  std::string arn;
  std::string description;
  std::string document;  // becomes version v1, the default
  bool allow_existing = false;
};

// A version as a put names it.
struct PolicyVersionInput {
  std::string version_id;
  std::string document;
  bool is_default = false;
};

// put_policy and put_aws_managed_policy: a policy with exactly these
// versions.
struct PutPolicyChange {
  std::string arn;
  std::string description;
  std::vector<PolicyVersionInput> versions;
  std::string etag;
};
// put_aws_managed_policy as its own type, so an EngineChange (change.h)
// says which kind it is.
struct PutAwsManagedPolicyChange : PutPolicyChange {};

struct UpdatePolicyChange {
  std::string arn;
  std::string description;
  std::string etag;
};

struct DeletePolicyChange {
  std::string arn;
  std::string etag;
};

struct CreatePolicyVersionChange {
  std::string policy_arn;
  std::string document;
  bool set_as_default = false;
};

struct SetDefaultPolicyVersionChange {
  std::string policy_arn;
  std::string version_id;
};

struct DeletePolicyVersionChange {
  std::string policy_arn;
  std::string version_id;
};

}  // namespace pdp

#endif  // PDP_ENGINE_WRITE_POLICY_CHANGE_TYPES_H_
