// Hand-written seed inputs for the request fuzzer (request_fuzzer.h): one of
// each kind of request the world is about, encoded with request_codec.h.
#ifndef PDP_TESTS_FUZZ_REQUEST_FUZZ_SEEDS_H_
#define PDP_TESTS_FUZZ_REQUEST_FUZZ_SEEDS_H_

#include <string>
#include <vector>

namespace pdp::fuzz {

std::vector<std::string> RequestFuzzSeeds();

}  // namespace pdp::fuzz

#endif  // PDP_TESTS_FUZZ_REQUEST_FUZZ_SEEDS_H_
