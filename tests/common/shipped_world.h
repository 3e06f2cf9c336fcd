// A world file of data/ (demo-world.yaml, demo-org-world.yaml) applied to
// the shipped catalogue and AWS managed policies, for tests that decide on
// it. Links pdp_engine and pdp_world.
#ifndef PDP_TESTS_COMMON_SHIPPED_WORLD_H_
#define PDP_TESTS_COMMON_SHIPPED_WORLD_H_

#include <string>

#include "common/world/world_file.h"
#include "gtest/gtest.h"
#include "tests/common/test_support.h"

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

}  // namespace pdp::test

#endif  // PDP_TESTS_COMMON_SHIPPED_WORLD_H_
