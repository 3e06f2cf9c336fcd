#include "common/policy/compiled_policy.h"

#include "absl/strings/str_split.h"
#include "common/base/glob.h"
#include "common/base/strings.h"

namespace pdp {

void ActionMatcher::Add(absl::string_view pattern) {
  if (pattern == "*") {
    all_ = true;
    return;
  }
  std::string lower = AsciiLower(pattern);
  if (HasWildcard(lower)) {
    wildcards_.push_back(std::move(lower));
  } else {
    literals_.insert(std::move(lower));
  }
}

bool ActionMatcher::Matches(absl::string_view action_lower) const {
  if (all_) return true;
  if (literals_.contains(action_lower)) return true;
  for (const std::string& w : wildcards_) {
    if (GlobMatch(w, action_lower)) return true;
  }
  return false;
}

void ResourceMatcher::Add(absl::string_view pattern) {
  if (pattern == "*") {
    all_ = true;
    return;
  }
  patterns_.emplace_back(pattern);
}

namespace {

// Splits an ARN into at most six parts; the sixth keeps its colons.
std::vector<absl::string_view> ArnParts(absl::string_view arn) {
  return absl::StrSplit(arn, absl::MaxSplits(':', 5));
}

bool ArnPatternMatches(absl::string_view pattern, absl::string_view resource) {
  std::vector<absl::string_view> p = ArnParts(pattern);
  std::vector<absl::string_view> r = ArnParts(resource);
  if (r.size() != 6) {
    // Not an ARN (e.g. the "*" of a console page request): only a pattern
    // that matches the whole text matches it.
    return GlobMatch(pattern, resource);
  }
  if (p.size() < 6) {
    // A pattern with fewer parts matches when its last part ends with '*',
    // which then runs across the remaining colons.
    if (p.empty() || p.back().empty() || p.back().back() != '*') return false;
    for (size_t i = 0; i + 1 < p.size(); ++i) {
      if (!GlobMatch(p[i], r[i])) return false;
    }
    size_t start = 0;
    for (size_t i = 0; i + 1 < p.size(); ++i) start += r[i].size() + 1;
    return GlobMatch(p.back(), resource.substr(start));
  }
  for (size_t i = 0; i < 6; ++i) {
    if (!GlobMatch(p[i], r[i])) return false;
  }
  return true;
}

}  // namespace

bool ResourceMatcher::Matches(absl::string_view resource) const {
  if (all_) return true;
  for (const std::string& p : patterns_) {
    if (ArnPatternMatches(p, resource)) return true;
  }
  return false;
}

}  // namespace pdp
