// SHA-256 (OpenSSL's libcrypto), for checksums that must be the same in
// every process and on every machine: checkpoint chunks and the request
// fingerprints kept with batches.
#ifndef PDP_SERVER_STORE_SHA256_H_
#define PDP_SERVER_STORE_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

namespace pdp {

// The 32-byte digest of `bytes`.
std::string Sha256(absl::string_view bytes);

}  // namespace pdp

#endif  // PDP_SERVER_STORE_SHA256_H_
