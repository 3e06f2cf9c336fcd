// The engine's own API (decide.h): a principal resolved once and asked about
// many targets, a caller context read through the CallerContext interface,
// and a Verdict whose features are bits. The wire API (wire_decide.h) is the
// reference: it resolves and parses per request, as Authorize always did.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/decide/decide.h"
#include "engine/decide/principal_context.h"
#include "gtest/gtest.h"
#include "server/wire/questions.h"
#include "server/wire/wire_decide.h"
#include "tests/support/shipped_world.h"
#include "tests/support/test_support.h"
#include "world/world_file.h"

namespace pdp {
namespace {

using Keys = std::map<std::string, std::vector<std::string>>;

// A caller context that is not the wire message: a plain ordered map.
class MapCallerContext final : public CallerContext {
 public:
  explicit MapCallerContext(Keys keys) : keys_(std::move(keys)) {
    for (const auto& [key, values] : keys_) {
      std::vector<const std::string*>& ptrs = pointers_[key];
      for (const std::string& v : values) ptrs.push_back(&v);
    }
  }
  size_t size() const override { return keys_.size(); }
  void ForEach(Visitor visit) const override {
    for (const auto& [key, ptrs] : pointers_) visit(key, Values(ptrs.data(), ptrs.size()));
  }

 private:
  Keys keys_;
  std::map<std::string, std::vector<const std::string*>> pointers_;
};

SnapshotPtr Demo() { return test::ShippedWorld("demo-world.yaml"); }

using test::PageRequest;

// Every principal of the demo world, resolved once, asked about every page
// at both levels: the same decisions (features included) as one wire
// request per page.
TEST(EngineDecideTest, OnePrincipalResolvedOnceDecidesEveryPageAsSeparateRequestsDo) {
  SnapshotPtr demo = Demo();
  ASSERT_NE(demo, nullptr);
  int principals = 0, allowed = 0, with_features = 0;
  for (const auto& [id, account] : demo->accounts()) {
    for (const AccountPrincipal& p : PrincipalsOf(*account)) {
      ResolvedPrincipal resolved;
      ASSERT_TRUE(ResolvePrincipal(*demo, p.arn, "", resolved).ok()) << p.arn;
      ++principals;
      DecideAllPages(
          *demo, resolved, EmptyCallerContext(), {},
          [&](const CatalogPage& page, const Verdict& view, const Verdict& modify) {
            for (const auto& [access, verdict] :
                 {std::pair{pdp::v1::VIEW, view}, std::pair{pdp::v1::MODIFY, modify}}) {
              absl::StatusOr<pdp::v1::Decision> alone =
                  Decide(*demo, PageRequest(p.arn, page.id, access));
              ASSERT_TRUE(alone.ok()) << alone.status();
              EXPECT_EQ(ToWire(verdict, &page).SerializeAsString(), alone->SerializeAsString())
                  << p.arn << " " << page.id;
              allowed += verdict.allowed();
              with_features += verdict.features != 0;
            }
          });
    }
  }
  EXPECT_GE(principals, 10);
  EXPECT_GT(allowed, 0);
  EXPECT_GT(with_features, 0);
}

// Bit i of Verdict::features is page.features[i]: the wire decision lists
// exactly those ids, in catalogue order.
TEST(EngineDecideTest, FeatureBitsAreThePagesFeaturesInOrder) {
  SnapshotPtr demo = Demo();
  ASSERT_NE(demo, nullptr);
  ResolvedPrincipal dave;
  ASSERT_TRUE(ResolvePrincipal(*demo, "arn:aws:iam::111111111111:user/dave", "", dave).ok());
  Target target;
  ASSERT_TRUE(PageTarget(demo->catalog(), "billing_bills", Access::kView, target).ok());
  const Verdict v = Decide(*demo, dave, target, EmptyCallerContext());
  ASSERT_TRUE(v.allowed());
  ASSERT_NE(v.features, 0u);
  std::vector<std::string> from_bits;
  for (size_t i = 0; i < target.page->features.size(); ++i) {
    if (v.features & (1u << i)) from_bits.push_back(target.page->features[i].id);
  }
  EXPECT_EQ(v.features >> target.page->features.size(), 0u) << "a bit past the page's features";
  const pdp::v1::Decision wire = ToWire(v, target.page);
  EXPECT_EQ(
      std::vector<std::string>(wire.available_features().begin(), wire.available_features().end()),
      from_bits);
  // An action target has no features, whatever the verdict.
  Target action;
  ASSERT_TRUE(ActionTarget("budgets:ViewBudget", "", action).ok());
  EXPECT_EQ(Decide(*demo, dave, action, EmptyCallerContext()).features, 0u);
}

// Any CallerContext implementation is validated and read as the wire one:
// a condition on aws:SourceIp allows from inside its range only, and a key
// derived from the principal is refused with the same field path.
TEST(EngineDecideTest, AnyCallerContextIsValidatedAndReadAsTheWireOne) {
  const std::string user = "arn:aws:iam::111111111111:user/office";
  absl::StatusOr<SnapshotPtr> world = test::ApplyBatch(
      test::EmptyShippedSnapshot(),
      {test::CreateAccount("111111111111", true), test::NewUser(user),
       test::PutInline(user, "from-the-office",
                       test::PolicyJson({test::StatementJson(
                           "Allow", {"budgets:ViewBudget"}, "*", "",
                           R"({"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}})")}))});
  ASSERT_TRUE(world.ok()) << world.status();
  ResolvedPrincipal resolved;
  ASSERT_TRUE(ResolvePrincipal(**world, user, "", resolved).ok());
  Target target;
  ASSERT_TRUE(ActionTarget("budgets:ViewBudget", "", target).ok());
  for (const auto& [ip, reason] : {std::pair{"192.0.2.7", Reason::kAllowedByPolicy},
                                   std::pair{"198.51.100.7", Reason::kImplicitDeny}}) {
    const MapCallerContext mine(Keys{{"aws:SourceIp", {ip}}});
    ASSERT_TRUE(ValidateCallerContext(mine).ok());
    pdp::v1::AuthorizeRequest wire;
    wire.set_principal(user);
    wire.mutable_action()->set_action("budgets:ViewBudget");
    (*wire.mutable_context()->mutable_keys())["aws:SourceIp"].add_values(ip);
    absl::StatusOr<pdp::v1::Decision> reference = Decide(**world, wire);
    ASSERT_TRUE(reference.ok()) << reference.status();
    const Verdict v = Decide(**world, resolved, target, mine);
    EXPECT_EQ(v.reason, reason) << ip;
    EXPECT_EQ(ToWire(v.reason), reference->reason()) << ip;
  }
  const MapCallerContext forged(Keys{{"aws:username", {"root"}}});
  test::ExpectError(ValidateCallerContext(forged), absl::StatusCode::kInvalidArgument,
                    "context.keys[aws:username]");
  const MapCallerContext twice(
      Keys{{"aws:SourceIp", {"192.0.2.7"}}, {"AWS:SOURCEIP", {"192.0.2.8"}}});
  test::ExpectError(ValidateCallerContext(twice), absl::StatusCode::kInvalidArgument,
                    "context.keys[AWS:SOURCEIP]");
}

// A denial at resolution holds for every target, and the trace names it.
TEST(EngineDecideTest, AnUnknownPrincipalIsDeniedForEveryTargetWithItsReason) {
  SnapshotPtr demo = Demo();
  ASSERT_NE(demo, nullptr);
  ResolvedPrincipal nobody;
  ASSERT_TRUE(ResolvePrincipal(*demo, "arn:aws:iam::111111111111:user/nobody", "", nobody).ok());
  EXPECT_EQ(nobody.deny, Reason::kUnknownPrincipal);
  int pages = 0;
  DecideAllPages(*demo, nobody, EmptyCallerContext(), {},
                 [&](const CatalogPage&, const Verdict& view, const Verdict& modify) {
                   ++pages;
                   EXPECT_EQ(view.reason, Reason::kUnknownPrincipal);
                   EXPECT_EQ(modify.reason, Reason::kUnknownPrincipal);
                   EXPECT_FALSE(view.allowed() || modify.allowed());
                 });
  EXPECT_EQ(pages, static_cast<int>(demo->catalog().pages().size()));
  Target target;
  ASSERT_TRUE(PageTarget(demo->catalog(), "billing_bills", Access::kView, target).ok());
  DecisionTrace trace;
  Decide(*demo, nobody, target, EmptyCallerContext(), {}, &trace);
  ASSERT_EQ(trace.gates.size(), 1u);
  EXPECT_EQ(trace.gates[0].gate, "resolve");
  EXPECT_EQ(trace.gates[0].outcome, GateOutcome::kDenied);
  EXPECT_NE(trace.gates[0].detail.find("nobody"), std::string::npos) << trace.gates[0].detail;
  EXPECT_TRUE(trace.context.empty());
}

TEST(EngineDecideTest, ReasonNamesAreTheApis) {
  for (int r = 0; r <= static_cast<int>(kLastReason); ++r) {
    const Reason reason = static_cast<Reason>(r);
    EXPECT_EQ(std::string(ReasonName(reason)), pdp::v1::Reason_Name(ToWire(reason))) << r;
  }
}

}  // namespace
}  // namespace pdp
