#include "common/engine/principal_context.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "common/base/strings.h"

namespace pdp {

bool IsPrincipalDerivedKey(absl::string_view key) {
  for (absl::string_view exact : {"aws:username", "aws:userid", "aws:principalarn",
                                  "aws:principalaccount", "aws:principaltype"}) {
    if (absl::EqualsIgnoreCase(key, exact)) return true;
  }
  return absl::StartsWithIgnoreCase(key, "aws:principaltag/") ||
         absl::StartsWithIgnoreCase(key, "aws:principalorg");
}

absl::Status ValidateCallerContext(const pdp::v1::RequestContext& context) {
  if (context.keys_size() > kMaxContextKeys) {
    return FieldError("context.keys", absl::StrCat("at most ", kMaxContextKeys, " keys"));
  }
  for (const auto& [key, values] : context.keys()) {
    // Only when there is an error to name (this runs on every decision).
    auto field = [&key = key] { return absl::StrCat("context.keys[", ShortInput(key), "]"); };
    if (key.empty() || key.size() > 256) return FieldError(field(), "keys are 1 to 256 characters");
    if (IsPrincipalDerivedKey(key)) {
      return FieldError(field(),
                        "is derived from the principal by billing-pdp and cannot be set by the "
                        "caller");
    }
    if (values.values_size() > kMaxContextValues) {
      return FieldError(field(), absl::StrCat("at most ", kMaxContextValues, " values"));
    }
  }
  return absl::OkStatus();
}

RequestContext BuildRequestContext(const pdp::v1::RequestContext& caller, const PrincipalFacts& p,
                                   std::optional<absl::Time> now) {
  RequestContext ctx;
  for (const auto& [key, values] : caller.keys()) {
    ctx.Set(key, std::vector<std::string>(values.values().begin(), values.values().end()));
  }
  const IamArn& arn = *p.arn;
  ctx.Set("aws:PrincipalAccount", arn.account);
  // Tag keys are case-insensitive (case preserved): lower-case key -> value.
  std::map<std::string, std::string> tags;
  switch (arn.kind) {
    case IamArnKind::kRoot:
      ctx.Set("aws:PrincipalArn", RootArn(arn.account));
      ctx.Set("aws:PrincipalType", std::string("Account"));
      ctx.Set("aws:userid", arn.account);
      break;
    case IamArnKind::kUser:
      ctx.Set("aws:PrincipalArn", p.entity->arn);
      ctx.Set("aws:PrincipalType", std::string("User"));
      ctx.Set("aws:username", p.entity->name);
      ctx.Set("aws:userid", p.entity->unique_id);
      for (const auto& [k, v] : p.entity->tags) tags[AsciiLower(k)] = v;
      break;
    case IamArnKind::kRole:
    case IamArnKind::kAssumedRole:
      // For a role session IAM reports the role's ARN as aws:PrincipalArn.
      ctx.Set("aws:PrincipalArn", p.entity->arn);
      ctx.Set("aws:PrincipalType", std::string("AssumedRole"));
      ctx.Set("aws:userid", arn.kind == IamArnKind::kAssumedRole
                                ? absl::StrCat(p.entity->unique_id, ":", arn.session)
                                : p.entity->unique_id);
      for (const auto& [k, v] : p.entity->tags) tags[AsciiLower(k)] = v;
      if (p.session != nullptr) {
        // A session tag overrides the role tag with the same key in any case.
        for (const auto& [k, v] : p.session->tags) tags[AsciiLower(k)] = v;
      }
      break;
    default:
      break;
  }
  for (const auto& [k, v] : tags) ctx.Set(absl::StrCat("aws:PrincipalTag/", k), v);
  if (p.organization != nullptr) {
    ctx.Set("aws:PrincipalOrgID", p.organization->id);
    if (p.placement != nullptr) ctx.Set("aws:PrincipalOrgPaths", p.placement->org_path);
  }
  if (now.has_value()) {
    if (ctx.Find("aws:CurrentTime") == nullptr) {
      ctx.Set("aws:CurrentTime", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", *now, absl::UTCTimeZone()));
    }
    if (ctx.Find("aws:EpochTime") == nullptr) {
      ctx.Set("aws:EpochTime", std::to_string(absl::ToUnixSeconds(*now)));
    }
  }
  return ctx;
}

}  // namespace pdp
