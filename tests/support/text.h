// Small helpers for tests that read text output (reports, CLI output).
#ifndef PDP_TESTS_SUPPORT_TEXT_H_
#define PDP_TESTS_SUPPORT_TEXT_H_

#include <string>

namespace pdp::testing {

// How many times `needle` (not empty) occurs in `haystack`, overlapping
// occurrences included.
inline int CountOccurrences(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

}  // namespace pdp::testing

#endif  // PDP_TESTS_SUPPORT_TEXT_H_
