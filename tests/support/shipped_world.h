// A world file of data/ (demo-world.yaml, demo-org-world.yaml) applied to
// the shipped catalogue and AWS managed policies, for tests that decide on
// it, and page requests. Links pdp_engine and pdp_world.
#ifndef PDP_TESTS_SUPPORT_SHIPPED_WORLD_H_
#define PDP_TESTS_SUPPORT_SHIPPED_WORLD_H_

#include <string>

#include "gtest/gtest.h"
#include "pdp/v1/authorization.pb.h"
#include "tests/support/test_support.h"
#include "world/world_file.h"

namespace pdp::test {

// Null, with a test failure naming why, when the file cannot be read or
// applied.
inline SnapshotPtr ShippedWorld(const std::string& file) {
  auto changes = ReadWorldFile(DataPath(file));
  EXPECT_TRUE(changes.ok()) << changes.status();
  if (!changes.ok()) return nullptr;
  absl::StatusOr<SnapshotPtr> s = ApplyBatch(EmptyShippedSnapshot(), *changes);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : nullptr;
}

// A request for `page` at `access`, for `principal` in `account` (empty:
// the principal's own).
inline pdp::v1::AuthorizeRequest PageRequest(const std::string& principal, const std::string& page,
                                             pdp::v1::Access access = pdp::v1::VIEW,
                                             const std::string& account = "") {
  pdp::v1::AuthorizeRequest r;
  r.set_principal(principal);
  r.set_account_id(account);
  r.mutable_page()->set_page_id(page);
  r.mutable_page()->set_access(access);
  return r;
}

}  // namespace pdp::test

#endif  // PDP_TESTS_SUPPORT_SHIPPED_WORLD_H_
