#include "engine/decide/principal_context.h"

#include <algorithm>

#include "absl/container/inlined_vector.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "base/strings.h"
#include "engine/policy/well_known_keys.h"

namespace pdp {

bool IsPrincipalDerivedKey(absl::string_view key) {
  for (absl::string_view exact : {"aws:username", "aws:userid", "aws:principalarn",
                                  "aws:principalaccount", "aws:principaltype"}) {
    if (absl::EqualsIgnoreCase(key, exact)) return true;
  }
  return absl::StartsWithIgnoreCase(key, "aws:principaltag/") ||
         absl::StartsWithIgnoreCase(key, "aws:principalorg");
}

absl::Status ValidateCallerContext(const CallerContext& context) {
  if (context.size() == 0) return absl::OkStatus();
  if (context.size() > static_cast<size_t>(kMaxContextKeys)) {
    return FieldError("context.keys", absl::StrCat("at most ", kMaxContextKeys, " keys"));
  }
  size_t total = 0;
  // Keys seen so far, to find two that differ only in case (at most 64: a
  // pairwise comparison costs less than hashing lower-cased copies).
  absl::InlinedVector<absl::string_view, 16> seen;
  absl::Status error;
  context.ForEach([&](absl::string_view key, CallerContext::Values values) {
    if (!error.ok()) return;  // the first error is the one reported
    error = [&]() -> absl::Status {
      // Only when there is an error to name (this runs on every decision).
      auto field = [key] { return absl::StrCat("context.keys[", ShortInput(key), "]"); };
      if (key.empty() || key.size() > kMaxContextKeyBytes) {
        return FieldError(field(), absl::StrCat("keys are 1 to ", kMaxContextKeyBytes, " bytes"));
      }
      if (IsPrincipalDerivedKey(key)) {
        return FieldError(field(),
                          "is derived from the principal by billing-pdp and cannot be set by the "
                          "caller");
      }
      for (absl::string_view other : seen) {
        if (other.size() == key.size() && absl::EqualsIgnoreCase(other, key)) {
          // Named in a stable order, whatever the map's iteration order.
          // (std::minmax returns references: both operands must outlive it.)
          const absl::string_view this_key = key;
          const auto [first, second] = std::minmax(other, this_key);
          return FieldError(absl::StrCat("context.keys[", ShortInput(first), "]"),
                            absl::StrCat("and context.keys[", ShortInput(second),
                                         "] differ only in case; condition keys are "
                                         "case-insensitive, so send one of them"));
        }
      }
      seen.push_back(key);
      if (values.size() > static_cast<size_t>(kMaxContextValues)) {
        return FieldError(field(), absl::StrCat("at most ", kMaxContextValues, " values"));
      }
      const std::optional<KeyType> type = WellKnownKeyType(key);
      if (type.has_value() && values.size() > 1) {
        return FieldError(field(), "is single-valued: send at most one value");
      }
      total += key.size();
      for (size_t i = 0; i < values.size(); ++i) {
        const std::string& v = *values[i];
        auto value_field = [&] { return absl::StrCat(field(), ".values[", i, "]"); };
        if (v.size() > kMaxContextValueBytes) {
          return FieldError(value_field(),
                            absl::StrCat("values are at most ", kMaxContextValueBytes, " bytes"));
        }
        if (type.has_value() && !ValueHasType(*type, v)) {
          return FieldError(value_field(), absl::StrCat("must be ", KeyTypeName(*type)));
        }
        total += v.size();
      }
      if (total > kMaxContextBytes) {
        return FieldError("context.keys", absl::StrCat("at most ", kMaxContextBytes,
                                                       " bytes of keys and values in all"));
      }
      return absl::OkStatus();
    }();
  });
  return error;
}

RequestContext BuildRequestContext(const CallerContext& caller, const PrincipalFacts& p,
                                   std::optional<absl::Time> now) {
  RequestContext ctx;
  caller.ForEach([&ctx](absl::string_view key, CallerContext::Values values) {
    std::vector<std::string> copies;
    copies.reserve(values.size());
    for (const std::string* v : values) copies.push_back(*v);
    ctx.Set(key, std::move(copies));
  });
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
