#include "base/arn.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pdp {
namespace {

using ::testing::HasSubstr;

std::string Repeat(char c, size_t n) { return std::string(n, c); }

void ExpectInvalid(absl::string_view arn, absl::string_view why_substring) {
  absl::StatusOr<IamArn> parsed = ParseIamArn(arn);
  ASSERT_FALSE(parsed.ok()) << arn << " parsed as " << parsed->ToString();
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << arn;
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(std::string(why_substring))) << arn;
}

TEST(ParseIamArnTest, Root) {
  absl::StatusOr<IamArn> a = ParseIamArn("arn:aws:iam::123456789012:root");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->kind, IamArnKind::kRoot);
  EXPECT_EQ(a->partition, "aws");
  EXPECT_EQ(a->account, "123456789012");
  EXPECT_EQ(a->path, "");
  EXPECT_EQ(a->name, "");
  EXPECT_EQ(a->session, "");
}

TEST(ParseIamArnTest, UserWithoutPath) {
  absl::StatusOr<IamArn> a = ParseIamArn("arn:aws:iam::123456789012:user/alice");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->kind, IamArnKind::kUser);
  EXPECT_EQ(a->account, "123456789012");
  EXPECT_EQ(a->path, "/");
  EXPECT_EQ(a->name, "alice");
}

TEST(ParseIamArnTest, UserWithPath) {
  absl::StatusOr<IamArn> a = ParseIamArn("arn:aws:iam::123456789012:user/division/team/alice");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->kind, IamArnKind::kUser);
  EXPECT_EQ(a->path, "/division/team/");
  EXPECT_EQ(a->name, "alice");
}

TEST(ParseIamArnTest, GroupRoleAndPolicy) {
  absl::StatusOr<IamArn> g = ParseIamArn("arn:aws:iam::123456789012:group/finance/billing-admins");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->kind, IamArnKind::kGroup);
  EXPECT_EQ(g->path, "/finance/");
  EXPECT_EQ(g->name, "billing-admins");

  absl::StatusOr<IamArn> r = ParseIamArn("arn:aws:iam::123456789012:role/FinanceAuditor");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind, IamArnKind::kRole);
  EXPECT_EQ(r->path, "/");
  EXPECT_EQ(r->name, "FinanceAuditor");

  absl::StatusOr<IamArn> p = ParseIamArn("arn:aws:iam::123456789012:policy/DenyPaymentMethods");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->kind, IamArnKind::kPolicy);
  EXPECT_EQ(p->account, "123456789012");
  EXPECT_EQ(p->name, "DenyPaymentMethods");
}

TEST(ParseIamArnTest, AwsManagedPolicyHasAccountAws) {
  absl::StatusOr<IamArn> p = ParseIamArn("arn:aws:iam::aws:policy/job-function/Billing");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->kind, IamArnKind::kPolicy);
  EXPECT_EQ(p->account, "aws");
  EXPECT_EQ(p->path, "/job-function/");
  EXPECT_EQ(p->name, "Billing");
}

TEST(ParseIamArnTest, AccountAwsOnlyForPolicies) {
  ExpectInvalid("arn:aws:iam::aws:user/alice", "12 digits");
  ExpectInvalid("arn:aws:iam::aws:role/r", "12 digits");
  ExpectInvalid("arn:aws:iam::aws:group/g", "12 digits");
  ExpectInvalid("arn:aws:iam::aws:root", "12 digits");
  ExpectInvalid("arn:aws:sts::aws:assumed-role/r/session", "12 digits");
}

TEST(ParseIamArnTest, AssumedRole) {
  absl::StatusOr<IamArn> a =
      ParseIamArn("arn:aws:sts::123456789012:assumed-role/FinanceAuditor/alice@example.com");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->kind, IamArnKind::kAssumedRole);
  EXPECT_EQ(a->account, "123456789012");
  EXPECT_EQ(a->name, "FinanceAuditor");
  EXPECT_EQ(a->session, "alice@example.com");
  EXPECT_EQ(a->path, "");
}

TEST(ParseIamArnTest, AssumedRoleShapeErrors) {
  ExpectInvalid("arn:aws:sts::123456789012:assumed-role/OnlyRole", "ROLE/SESSION");
  ExpectInvalid("arn:aws:sts::123456789012:user/alice", "assumed-role");
  ExpectInvalid("arn:aws:sts::123456789012:assumed-role//session", "role name");
  ExpectInvalid("arn:aws:sts::123456789012:assumed-role/r/x", "2 to 64");
  ExpectInvalid("arn:aws:sts::123456789012:assumed-role/r/" + Repeat('s', 65), "2 to 64");
  ExpectInvalid("arn:aws:sts::123456789012:assumed-role/r/bad session", "session name");
  ExpectInvalid("arn:aws:sts::123456789012:assumed-role/r/a/b", "session name");
  ExpectInvalid("arn:aws:sts::123456789012:assumed-role/" + Repeat('r', 65) + "/session",
                "role name");
  EXPECT_TRUE(ParseIamArn("arn:aws:sts::123456789012:assumed-role/r/ab").ok());
  EXPECT_TRUE(ParseIamArn("arn:aws:sts::123456789012:assumed-role/" + Repeat('r', 64) + "/" +
                          Repeat('s', 64))
                  .ok());
}

TEST(ParseIamArnTest, AcceptsTheThreePartitions) {
  for (const char* partition : {"aws", "aws-cn", "aws-us-gov"}) {
    std::string arn = std::string("arn:") + partition + ":iam::123456789012:user/alice";
    absl::StatusOr<IamArn> a = ParseIamArn(arn);
    ASSERT_TRUE(a.ok()) << arn << ": " << a.status();
    EXPECT_EQ(a->partition, partition);
    EXPECT_EQ(a->ToString(), arn);
  }
}

TEST(ParseIamArnTest, RejectsOtherPartitions) {
  for (const char* partition : {"", "AWS", "aws-iso", "aws-iso-b", "azure", "aws-cn "}) {
    ExpectInvalid(std::string("arn:") + partition + ":iam::123456789012:user/alice", "partition");
  }
}

TEST(ParseIamArnTest, RejectsBadAccountIds) {
  for (const char* account : {"", "12345678901", "1234567890123", "12345678901a", "-12345678901",
                              " 123456789012", "１２３４５６７８９０１２"}) {
    std::string user = std::string("arn:aws:iam::") + account + ":user/alice";
    ExpectInvalid(user, "12 digits");
    ExpectInvalid(std::string("arn:aws:iam::") + account + ":root", "12 digits");
    ExpectInvalid(std::string("arn:aws:iam::") + account + ":policy/p", "12 digits");
    ExpectInvalid(std::string("arn:aws:sts::") + account + ":assumed-role/r/session", "12 digits");
  }
}

TEST(ParseIamArnTest, RejectsWrongShapes) {
  EXPECT_EQ(ParseIamArn("").status().code(), absl::StatusCode::kInvalidArgument);
  ExpectInvalid("not-an-arn", "arn:partition:service:region:account:resource");
  ExpectInvalid("arn:aws:iam::123456789012", "arn:partition:service:region:account:resource");
  ExpectInvalid("urn:aws:iam::123456789012:root", "arn:partition");
  ExpectInvalid("arn:aws:s3::123456789012:user/alice", "service must be iam or sts");
  ExpectInvalid("arn:aws:iam:us-east-1:123456789012:user/alice", "no region");
  ExpectInvalid("arn:aws:sts:us-east-1:123456789012:assumed-role/r/s", "no region");
  ExpectInvalid("arn:aws:iam::123456789012:instance-profile/p", "expected root");
  ExpectInvalid("arn:aws:iam::123456789012:rootx", "expected root");
  ExpectInvalid("arn:aws:iam::123456789012:root/x", "expected root");
  ExpectInvalid("arn:aws:iam::123456789012:user", "expected root");
  ExpectInvalid("arn:aws:iam::123456789012:user/", "invalid user name");
  ExpectInvalid("arn:aws:iam::123456789012:user/path/", "invalid user name");
  ExpectInvalid("arn:aws:iam::123456789012:" + std::string(2100, 'x'), "2048");
}

TEST(ParseIamArnTest, NameCharacters) {
  EXPECT_TRUE(ParseIamArn("arn:aws:iam::123456789012:user/A-z_0+9=,.@x").ok());
  for (const char* bad : {"alice smith", "alice#1", "alice*", "al?ce", "alice:x", "ä"}) {
    ExpectInvalid(std::string("arn:aws:iam::123456789012:user/") + bad, "invalid user name");
  }
}

TEST(ParseIamArnTest, NameLengthLimitsPerKind) {
  struct Limit {
    const char* type;
    size_t max;
  };
  for (const Limit& l :
       {Limit{"user", 64}, Limit{"role", 64}, Limit{"group", 128}, Limit{"policy", 128}}) {
    std::string prefix = std::string("arn:aws:iam::123456789012:") + l.type + "/";
    absl::StatusOr<IamArn> ok = ParseIamArn(prefix + Repeat('n', l.max));
    EXPECT_TRUE(ok.ok()) << l.type << " of " << l.max << ": " << ok.status();
    ExpectInvalid(prefix + Repeat('n', l.max + 1), std::string("invalid ") + l.type + " name");
  }
}

TEST(ParseIamArnTest, PathRules) {
  const std::string prefix = "arn:aws:iam::123456789012:user";
  // 512 characters of path (both slashes included) is the maximum.
  std::string path512 = "/" + Repeat('p', 510) + "/";
  ASSERT_EQ(path512.size(), 512u);
  absl::StatusOr<IamArn> a = ParseIamArn(prefix + path512 + "alice");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->path, path512);
  ExpectInvalid(prefix + "/" + Repeat('p', 511) + "/alice", "invalid path");
  // Printable ASCII only.
  ExpectInvalid(prefix + "/a b/alice", "invalid path");
  ExpectInvalid(prefix + "/a\x7f/alice", "invalid path");
  ExpectInvalid(prefix + "/caf\xc3\xa9/alice", "invalid path");
  // Printable punctuation is fine.
  EXPECT_TRUE(ParseIamArn(prefix + "/a!~#/alice").ok());
}

TEST(ParsePrincipalArnTest, AcceptsPrincipalKinds) {
  for (const char* arn :
       {"arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:user/alice",
        "arn:aws:iam::123456789012:role/r", "arn:aws:sts::123456789012:assumed-role/r/session"}) {
    EXPECT_TRUE(ParsePrincipalArn(arn).ok()) << arn;
  }
}

TEST(ParsePrincipalArnTest, GroupsAndPoliciesAreNotPrincipals) {
  for (const char* arn : {"arn:aws:iam::123456789012:group/g", "arn:aws:iam::123456789012:policy/p",
                          "arn:aws:iam::aws:policy/AdministratorAccess"}) {
    absl::StatusOr<IamArn> a = ParsePrincipalArn(arn);
    ASSERT_FALSE(a.ok()) << arn;
    EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(a.status().message()), HasSubstr("not a principal"));
  }
  // Malformed ARNs keep their own message.
  absl::StatusOr<IamArn> bad = ParsePrincipalArn("arn:aws:iam::1:user/alice");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("12 digits"));
}

TEST(ParseIamArnOfKindTest, RequiresTheKind) {
  EXPECT_TRUE(ParseIamArnOfKind("arn:aws:iam::123456789012:role/r", IamArnKind::kRole).ok());
  absl::StatusOr<IamArn> a =
      ParseIamArnOfKind("arn:aws:iam::123456789012:user/r", IamArnKind::kRole);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(a.status().message()), HasSubstr("expected a role ARN"));
  EXPECT_FALSE(ParseIamArnOfKind("arn:aws:iam::123456789012:root", IamArnKind::kUser).ok());
  EXPECT_TRUE(
      ParseIamArnOfKind("arn:aws:iam::aws:policy/ReadOnlyAccess", IamArnKind::kPolicy).ok());
}

TEST(IamArnTest, ToStringRoundTripsEveryForm) {
  for (const char* text : {
           "arn:aws:iam::123456789012:root",
           "arn:aws-cn:iam::123456789012:root",
           "arn:aws:iam::123456789012:user/alice",
           "arn:aws:iam::123456789012:user/a/b/alice",
           "arn:aws-us-gov:iam::123456789012:group/finance/billing-admins",
           "arn:aws:iam::123456789012:group/g",
           "arn:aws:iam::123456789012:role/service-role/r",
           "arn:aws:iam::123456789012:policy/p",
           "arn:aws:iam::aws:policy/job-function/Billing",
           "arn:aws:sts::123456789012:assumed-role/r/session-1",
       }) {
    absl::StatusOr<IamArn> a = ParseIamArn(text);
    ASSERT_TRUE(a.ok()) << text << ": " << a.status();
    EXPECT_EQ(a->ToString(), text);
    absl::StatusOr<IamArn> again = ParseIamArn(a->ToString());
    ASSERT_TRUE(again.ok()) << text;
    EXPECT_EQ(again->kind, a->kind);
    EXPECT_EQ(again->partition, a->partition);
    EXPECT_EQ(again->account, a->account);
    EXPECT_EQ(again->path, a->path);
    EXPECT_EQ(again->name, a->name);
    EXPECT_EQ(again->session, a->session);
  }
}

TEST(IamArnTest, ToStringOfBuiltValue) {
  IamArn a;
  a.kind = IamArnKind::kRole;
  a.partition = "aws";
  a.account = "123456789012";
  a.path = "/ops/";
  a.name = "deployer";
  EXPECT_EQ(a.ToString(), "arn:aws:iam::123456789012:role/ops/deployer");
}

TEST(RootArnTest, BuildsTheRootUsersArn) {
  EXPECT_EQ(RootArn("111111111111"), "arn:aws:iam::111111111111:root");
  absl::StatusOr<IamArn> a = ParsePrincipalArn(RootArn("222222222222"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->kind, IamArnKind::kRoot);
  EXPECT_EQ(a->account, "222222222222");
}

TEST(IamArnKindNameTest, NamesAsInArns) {
  EXPECT_EQ(IamArnKindName(IamArnKind::kRoot), "root");
  EXPECT_EQ(IamArnKindName(IamArnKind::kUser), "user");
  EXPECT_EQ(IamArnKindName(IamArnKind::kGroup), "group");
  EXPECT_EQ(IamArnKindName(IamArnKind::kRole), "role");
  EXPECT_EQ(IamArnKindName(IamArnKind::kAssumedRole), "assumed-role");
  EXPECT_EQ(IamArnKindName(IamArnKind::kPolicy), "policy");
}

TEST(IsValidIamNameTest, CharactersAndLength) {
  EXPECT_TRUE(IsValidIamName("billing-admins", 128));
  EXPECT_TRUE(IsValidIamName("a+b=c,d.e@f_g-h", 64));
  EXPECT_FALSE(IsValidIamName("", 64));
  EXPECT_FALSE(IsValidIamName("a/b", 64));
  EXPECT_FALSE(IsValidIamName("a b", 64));
  EXPECT_TRUE(IsValidIamName(Repeat('x', 10), 10));
  EXPECT_FALSE(IsValidIamName(Repeat('x', 11), 10));
}

}  // namespace
}  // namespace pdp
