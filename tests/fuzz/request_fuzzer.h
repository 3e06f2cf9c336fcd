// The request-path fuzz target: bytes -> an AuthorizeRequest (request_codec.h)
// against the fixed world tests/fuzz/request_fuzz_world.json, decided by the
// engine (pdp::Decide) and by the reference evaluator
// (tests/differential/reference_evaluator.h). Invariants, each checked on
// every input; a violation prints the request, both answers and the engine's
// explanation, then aborts:
//   (a) agreement: both refuse the request (the engine with
//       INVALID_ARGUMENT), or both decide it with the same effect, reason
//       and available features;
//   (b) fail closed: for any principal but a root user, a request in which a
//       key read by a Deny statement of the world (a "guarded" key) carries a
//       value malformed for that Deny's operator type (Bool, Arn*,
//       IpAddress, Date*, Numeric*) is refused or DENIED, never ALLOWED;
//       a request with two keys equal but for ASCII case, or with a key
//       derived from the principal, is refused.
// (b) does not trust the reference: it reads the Deny statements from the
// world file itself and only borrows the reference's value grammars.
//
// Built two ways: with clang and libFuzzer (LLVMFuzzerTestOneInput,
// scripts/fuzz request) and with the project's compiler as a plain program
// with its own mutation driver (request_fuzz_driver.cc, a CTest test).
// Not thread-safe: one input at a time.
#ifndef PDP_TESTS_FUZZ_REQUEST_FUZZER_H_
#define PDP_TESTS_FUZZ_REQUEST_FUZZER_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace pdp::fuzz {

struct RunResult {
  // "ALLOW ALLOWED_BY_POLICY", "DENY EXPLICIT_DENY", ..., or "INVALID_ARGUMENT".
  std::string outcome;
  bool malformed_guard = false;  // a guarded key carried a malformed value
  bool case_duplicate = false;   // two keys equal but for case
  size_t keys = 0;               // context keys sent
};

// Runs one input; aborts on a violation. Loads the world on first use
// (aborting with a message if the data files cannot be read).
RunResult RunRequestInput(const uint8_t* data, size_t size);

}  // namespace pdp::fuzz

#endif  // PDP_TESTS_FUZZ_REQUEST_FUZZER_H_
