#include "engine/policy/compiled_policy.h"

#include "absl/strings/str_split.h"
#include "base/glob.h"
#include "base/strings.h"

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

bool ActionMatcher::Matches(const ActionKey& action) const {
  if (all_) return true;
  if (literals_.contains(action)) return true;
  return MatchesWildcard(action.text);
}

bool ActionMatcher::MatchesWildcard(absl::string_view action_lower) const {
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
  patterns_.push_back({std::string(pattern), std::vector<bool>(pattern.size(), false)});
}

namespace {

// Splits an ARN into at most six parts; the sixth keeps its colons.
std::vector<absl::string_view> ArnParts(absl::string_view arn) {
  return absl::StrSplit(arn, absl::MaxSplits(':', 5));
}

// Matches the part of `p` from `start`, `len` characters long, against
// `text`, without copying the part.
bool PartMatches(const ResolvedPattern& p, size_t start, size_t len, absl::string_view text) {
  return GlobMatchWith(absl::string_view(p.text).substr(start, len), text,
                       [&](size_t i) { return !p.literal[start + i]; });
}

// Matches per ARN part; literal flags keep substituted '*' and '?' literal.
bool ArnPatternMatches(const ResolvedPattern& pattern, absl::string_view resource) {
  std::vector<absl::string_view> r = ArnParts(resource);
  if (r.size() != 6) {
    // Not an ARN (e.g. the "*" of a console page request): only a pattern
    // that matches the whole text matches it.
    return GlobMatchResolved(pattern, resource);
  }
  // Pattern parts at the first five colons.
  std::vector<std::pair<size_t, size_t>> parts;  // start, length
  size_t start = 0;
  for (size_t i = 0; i < pattern.text.size() && parts.size() < 5; ++i) {
    if (pattern.text[i] == ':') {
      parts.emplace_back(start, i - start);
      start = i + 1;
    }
  }
  parts.emplace_back(start, pattern.text.size() - start);
  if (parts.size() < 6) {
    // A pattern with fewer parts matches when its last part ends with '*',
    // which then runs across the remaining colons.
    const auto [last_start, last_len] = parts.back();
    if (last_len == 0 || pattern.text[last_start + last_len - 1] != '*' ||
        pattern.literal[last_start + last_len - 1]) {
      return false;
    }
    size_t offset = 0;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      if (!PartMatches(pattern, parts[i].first, parts[i].second, r[i])) return false;
      offset += r[i].size() + 1;
    }
    return PartMatches(pattern, last_start, last_len, resource.substr(offset));
  }
  for (size_t i = 0; i < 6; ++i) {
    if (!PartMatches(pattern, parts[i].first, parts[i].second, r[i])) return false;
  }
  return true;
}

}  // namespace

void ResourceMatcher::Add(std::string prefix, VariableTemplate resource_part) {
  templates_.emplace_back(std::move(prefix), std::move(resource_part));
}

bool ResourceMatcher::Matches(absl::string_view resource, const RequestContext& context) const {
  if (all_) return true;
  for (const ResolvedPattern& p : patterns_) {
    if (ArnPatternMatches(p, resource)) return true;
  }
  for (const auto& [prefix, t] : templates_) {
    std::optional<ResolvedPattern> resolved = t.Resolve(context);
    if (!resolved) continue;
    resolved->text.insert(0, prefix);
    resolved->literal.insert(resolved->literal.begin(), prefix.size(), false);
    if (ArnPatternMatches(*resolved, resource)) return true;
  }
  return false;
}

}  // namespace pdp
