// Heap allocations on Decide's untraced path: ceilings that may only go
// down. The untraced path runs on every Authorize; anything it allocates
// that no caller reads (a gate's explanation, a copy of the request) is
// cost without value. What remains is the Decision itself: its
// available_features strings.
//
// This binary replaces the global operator new to count the calls made on
// the test's thread while a measurement is open.
#include <cstddef>
#include <cstdlib>
#include <new>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/wire/wire_decide.h"
#include "tests/support/shipped_world.h"
#include "tests/support/test_support.h"
#include "world/world_file.h"

namespace {
thread_local bool counting = false;
thread_local int allocations = 0;
}  // namespace

// Not inlined: GCC would otherwise pair the std::malloc it sees with the
// library's operator delete and warn (-Wmismatched-new-delete).
__attribute__((noinline)) void* operator new(std::size_t size) {
  if (counting) ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
// operator delete stays the library's, which frees with std::free: the
// match for std::malloc above. (Sanitizer builds leave this test out: their
// allocator owns both operators; tests/engine/CMakeLists.txt.)

namespace pdp {
namespace {

SnapshotPtr World(const std::string& file) { return test::ShippedWorld(file); }

using test::PageRequest;

struct Counted {
  pdp::v1::Decision decision;
  int allocations = 0;
};

// Decide once to warm up (protobuf's lazily made defaults), then count the
// allocations of a second, identical call, the result's destruction
// excluded.
Counted Count(const Snapshot& snapshot, const pdp::v1::AuthorizeRequest& request) {
  { absl::StatusOr<pdp::v1::Decision> warm = Decide(snapshot, request); }
  allocations = 0;
  counting = true;
  absl::StatusOr<pdp::v1::Decision> d = Decide(snapshot, request);
  counting = false;
  Counted out;
  out.allocations = allocations;
  EXPECT_TRUE(d.ok()) << d.status();
  if (d.ok()) out.decision = *d;
  return out;
}

// A Decision with n available features: the repeated field's array, and
// per feature its string object and, for an id over the small-string
// buffer, the characters.
int FeatureCeiling(const pdp::v1::Decision& d) {
  return d.available_features_size() == 0 ? 0 : 1 + 2 * d.available_features_size();
}

TEST(DecideAllocationsTest, ADeniedGateAllocatesNothing) {
  SnapshotPtr demo = World("demo-world.yaml");
  ASSERT_NE(demo, nullptr);
  // AdministratorAccess where "Activate IAM Access" is off.
  Counted gate = Count(
      *demo, PageRequest("arn:aws:iam::222222222222:user/admin", "billing_bills", pdp::v1::VIEW));
  EXPECT_EQ(gate.decision.reason(), pdp::v1::IAM_ACCESS_NOT_ACTIVATED);
  EXPECT_EQ(gate.allocations, 0);
  // MODIFY of a page that has nothing to modify.
  Counted modify = Count(
      *demo, PageRequest("arn:aws:iam::111111111111:user/dave", "billing_home", pdp::v1::MODIFY));
  EXPECT_EQ(modify.decision.reason(), pdp::v1::ACCESS_LEVEL_NOT_OFFERED);
  EXPECT_EQ(modify.allocations, 0);
}

TEST(DecideAllocationsTest, AnAllowAllocatesOnlyItsFeatures) {
  SnapshotPtr demo = World("demo-world.yaml");
  ASSERT_NE(demo, nullptr);
  for (const std::string principal :
       {"arn:aws:iam::111111111111:user/dave", "arn:aws:iam::111111111111:root"}) {
    Counted c = Count(*demo, PageRequest(principal, "billing_bills", pdp::v1::VIEW));
    EXPECT_EQ(c.decision.effect(), pdp::v1::ALLOW) << principal;
    EXPECT_GT(c.decision.available_features_size(), 0) << principal;
    EXPECT_LE(c.allocations, FeatureCeiling(c.decision)) << principal;
  }
}

TEST(DecideAllocationsTest, AnOrganizationMembersAllowBuildsNoGateDetail) {
  SnapshotPtr org = World("demo-org-world.yaml");
  ASSERT_NE(org, nullptr);
  // A member account: SCPs bind, and every level allows.
  Counted c = Count(
      *org, PageRequest("arn:aws:iam::222222222222:user/admin", "billing_bills", pdp::v1::VIEW));
  EXPECT_EQ(c.decision.effect(), pdp::v1::ALLOW);
  EXPECT_LE(c.allocations, FeatureCeiling(c.decision));
}

TEST(DecideAllocationsTest, ARawActionAllocatesOnlyItsLowerCasedCopy) {
  SnapshotPtr demo = World("demo-world.yaml");
  ASSERT_NE(demo, nullptr);
  pdp::v1::AuthorizeRequest r;
  r.set_principal("arn:aws:iam::111111111111:user/dave");
  r.mutable_action()->set_action("budgets:ViewBudget");
  r.mutable_action()->set_resource("arn:aws:budgets::111111111111:budget/monthly-total");
  Counted c = Count(*demo, r);
  EXPECT_EQ(c.decision.effect(), pdp::v1::ALLOW);
  // The action lower-cased and as given (each over the small-string buffer).
  EXPECT_LE(c.allocations, 2);
}

// The engine's own API (decide.h): a principal resolved, a page target, a
// Verdict whose features are bits. On the requests most calls make, nothing
// at all is allocated, resolution included.
int EngineAllocations(const Snapshot& snapshot, absl::string_view principal, absl::string_view page,
                      Access access, Verdict& verdict) {
  auto decide = [&] {
    ResolvedPrincipal resolved;
    Target target;
    EXPECT_TRUE(ResolvePrincipal(snapshot, principal, "", resolved).ok());
    EXPECT_TRUE(PageTarget(snapshot.catalog(), page, access, target).ok());
    return Decide(snapshot, resolved, target, EmptyCallerContext());
  };
  decide();  // warm up
  allocations = 0;
  counting = true;
  verdict = decide();
  counting = false;
  return allocations;
}

TEST(DecideAllocationsTest, TheEngineApiAllocatesNothingForUsersRootAndGates) {
  SnapshotPtr demo = World("demo-world.yaml");
  ASSERT_NE(demo, nullptr);
  struct Case {
    const char* principal;
    const char* page;
    Reason reason;
  };
  for (const Case& c : {
           Case{"arn:aws:iam::111111111111:user/dave", "billing_bills", Reason::kAllowedByPolicy},
           Case{"arn:aws:iam::111111111111:root", "billing_bills", Reason::kRootUser},
           Case{"arn:aws:iam::222222222222:user/admin", "billing_bills",
                Reason::kIamAccessNotActivated},
           Case{"arn:aws:iam::111111111111:user/auditor-bob", "billing_payment_methods",
                Reason::kExplicitDeny},
       }) {
    Verdict v;
    EXPECT_EQ(EngineAllocations(*demo, c.principal, c.page, Access::kView, v), 0) << c.principal;
    EXPECT_EQ(v.reason, c.reason) << c.principal << " " << c.page;
  }
}

// The counter itself counts: a test that could not fail would prove nothing.
TEST(DecideAllocationsTest, TheCounterSeesAnAllocation) {
  allocations = 0;
  counting = true;
  std::string* s = new std::string(absl::StrCat("more than fifteen characters ", 42));
  counting = false;
  EXPECT_GE(allocations, 2);
  delete s;
}

}  // namespace
}  // namespace pdp
