// The version billing-pdp was built as: the CMake project version and, when
// built from a git checkout, `git describe --always --dirty` as it was when
// CMake configured the build (a later commit shows only after a re-configure).
// Constant strings; safe from any thread.
#ifndef PDP_BASE_VERSION_H_
#define PDP_BASE_VERSION_H_

#include <string>

namespace pdp {

// "0.11.0": the project version from CMakeLists.txt.
const char* ProjectVersion();

// "25ee2a9-dirty", or "" when the source was not a git checkout (a tarball).
const char* GitDescribe();

// What --version prints after the program's name: "0.11.0 (git 25ee2a9)",
// or "0.11.0" without git.
std::string VersionString();

}  // namespace pdp

#endif  // PDP_BASE_VERSION_H_
