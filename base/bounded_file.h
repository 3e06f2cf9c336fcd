// Reading a whole input file with a size limit: files named by a user (an
// import, a decision-test file) are read into memory, so each kind has its
// ceiling and a larger one is refused before it is read.
#ifndef PDP_BASE_BOUNDED_FILE_H_
#define PDP_BASE_BOUNDED_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace pdp {

// The contents of `path`. INVALID_ARGUMENT, naming the path, when it cannot
// be read ("PATH: cannot read the file (why)") or holds more than
// `max_bytes` ("PATH is N bytes; <what> is at most M"). Thread-safe (no
// shared state).
absl::StatusOr<std::string> ReadFileAtMost(const std::string& path, std::uintmax_t max_bytes,
                                           const std::string& what);

}  // namespace pdp

#endif  // PDP_BASE_BOUNDED_FILE_H_
