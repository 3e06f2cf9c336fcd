#include "tests/fuzz/request_fuzz_seeds.h"

#include "tests/fuzz/request_codec.h"

namespace pdp::fuzz {
namespace {

constexpr char kAlice[] = "arn:aws:iam::111122223333:user/alice";
constexpr char kBob[] = "arn:aws:iam::111122223333:user/bob";
constexpr char kCarol[] = "arn:aws:iam::111122223333:user/carol";
constexpr char kFinanceRole[] = "arn:aws:iam::111122223333:role/FinanceRole";
constexpr char kReadOnly[] = "arn:aws:iam::111122223333:role/audit/ReadOnly";
constexpr char kSession[] = "arn:aws:sts::111122223333:assumed-role/FinanceRole/fuzz-session";
constexpr char kRoot[] = "arn:aws:iam::111122223333:root";

using Entry = SeedRequest::Entry;

// What an allowed request of the world carries: on the network, with MFA.
std::vector<Entry> Good() {
  return {{"aws:SourceIp", false, {"10.1.2.3"}}, {"aws:MultiFactorAuthPresent", false, {"true"}}};
}

std::vector<Entry> With(std::vector<Entry> base, const std::vector<Entry>& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

SeedRequest Page(const char* principal, const char* page, std::vector<Entry> context,
                 bool modify = false) {
  SeedRequest s;
  s.principal = principal;
  s.page_id = page;
  s.modify = modify;
  s.context = std::move(context);
  return s;
}

SeedRequest Action(const char* principal, const char* action, std::vector<Entry> context,
                   const char* resource = "") {
  SeedRequest s;
  s.principal = principal;
  s.action = action;
  s.resource = resource;
  s.context = std::move(context);
  return s;
}

}  // namespace

std::vector<std::string> RequestFuzzSeeds() {
  std::vector<SeedRequest> seeds = {
      // ALLOW: every guard passes.
      Page(kAlice, "billing_bills", Good()),
      // Bool with a non-boolean value: refused (well-known key) or a Deny
      // that applies (any other key).
      Page(kAlice, "billing_bills",
           {{"aws:SourceIp", false, {"10.1.2.3"}},
            {"aws:MultiFactorAuthPresent", false, {"garbage"}}}),
      Page(kAlice, "billing_bills", With(Good(), {{"kms:GrantIsForAWSResource", false, {"no"}}})),
      Page(kAlice, "billing_home",
           With(Good(), {{"kms:GrantIsForAWSResource", false, {" false"}}})),
      // Keys equal but for case: refused, whatever the values.
      Action(kBob, "budgets:ViewBudget",
             With(Good(), {{"aws:SecureTransport", false, {"true"}},
                           {"aws:RequestedRegion", false, {"us-east-1"}},
                           {"aws:RequestedRegion", true, {"eu-west-1"}}})),
      Action(kBob, "budgets:ViewBudget",
             With(Good(), {{"aws:SecureTransport", false, {"true"}},
                           {"aws:RequestedRegion", false, {"us-east-1"}}}),
             "arn:aws:budgets::111122223333:budget/monthly"),
      // ARNs: not an ARN under a negated operator and in a set.
      Action(kFinanceRole, "cur:PutReportDefinition",
             With(Good(), {{"ec2:SourceInstanceARN", false, {"blocked-x"}}})),
      Action(kFinanceRole, "cur:PutReportDefinition",
             {{"aws:SourceIp", false, {"2001:db8::1"}},
              {"custom:SourceArns", false, {"arn:aws:s3:::ok-bucket", "garbage"}}}),
      Action(kFinanceRole, "tax:PutTaxRegistration",
             With(Good(), {{"aws:SourceArn", false, {"arn:aws:s3:::blocked-bucket"}}})),
      // Numbers and dates.
      Action(kReadOnly, "billing:GetBillingData",
             {{"aws:SourceIp", false, {"192.0.2.55"}},
              {"aws:EpochTime", false, {"1767323045"}},
              {"aws:MultiFactorAuthAge", false, {"300"}}}),
      Action(kReadOnly, "billing:GetBillingData",
             {{"aws:SourceIp", false, {"192.0.2.55"}},
              {"aws:EpochTime", false, {"1767323045"}},
              {"s3:max-keys", false, {"nan"}}}),
      Page(kAlice, "billing_bills",
           With(Good(), {{"aws:CurrentTime", false, {"2031-06-01T00:00:00Z"}}})),
      Page(kAlice, "billing_bills",
           With(Good(), {{"s3:object-lock-retain-until-date", false, {"2026-02-30T00:00:00Z"}}})),
      // Sets: one bad member is enough to deny.
      Page(kAlice, "billing_budgets",
           With(Good(), {{"aws:TagKeys", false, {"env", "secret-project"}}}), true),
      Page(kAlice, "billing_bills",
           With(Good(), {{"custom:ForwardedFor", false, {"10.1.2.3", "203.0.113.7"}}})),
      Action(kBob, "ce:GetCostAndUsage", With(Good(), {{"aws:TagKeys", false, {"env", "team"}}})),
      // Boundary, role session, root, a key billing-pdp derives itself.
      Page(kCarol, "billing_payments", Good(), true),
      Action(kSession, "ce:GetCostAndUsage", Good()),
      Page(kRoot, "billing_bills", {{"kms:GrantIsForAWSResource", false, {"no"}}}),
      Page(kAlice, "billing_bills", With(Good(), {{"aws:username", true, {"team"}}})),
  };
  // At the context's limits: 64 keys, 64 values, a 2,048-byte value (one
  // more of any is refused).
  std::vector<Entry> many_keys = Good();
  for (int i = 0; many_keys.size() < 64; ++i) many_keys.push_back({NumberedKey(i), false, {"env"}});
  seeds.push_back(Page(kAlice, "billing_bills", many_keys));
  seeds.push_back(
      Page(kAlice, "billing_bills",
           With(Good(), {{"aws:TagKeys", false, std::vector<std::string>(64, "env")},
                         {"aws:UserAgent", false, {LongValue(RefType::kString, 0xE1)}},
                         {"custom:SourceArns", false, {LongValue(RefType::kArn, 0xE5)}}})));
  seeds.push_back(
      Page(kAlice, "billing_bills",
           With(Good(), {{"aws:RequestedRegion", false, {LongValue(RefType::kString, 0xE5)}}})));
  std::vector<std::string> out;
  for (const SeedRequest& s : seeds) out.push_back(EncodeRequest(s));
  return out;
}

}  // namespace pdp::fuzz
