// Turns fuzzer bytes into an AuthorizeRequest against the fixed world of
// request_fuzz_world.json, and hand-written requests into such bytes (the
// seeds). Every byte string decodes to some request: bytes past the end read
// as 0, so mutations never waste an input on a parse error.
//
// Layout (each item one byte unless said otherwise):
//   principal   index into Principals() (modulo its size)
//   target      index into Targets()
//   account     % 8: 0-4 the principal's own (empty), 5 111122223333,
//               6 444455556666, 7 000000000000 (no such account)
//   then context entries, until the bytes run out or 80 entries:
//     key       < 0xE0: one of the first OrdinaryKeyCount() keys of Keys();
//               0xE0-0xEF: NumberedKey(next byte), a string key (so that
//               more than 64 distinct keys can be sent); 0xF0-0xFF: one of
//               the special keys after the ordinary ones (principal-derived
//               keys, empty and 256- and 257-byte keys)
//     case      < 0xE0 as written; 0xE0-0xEF upper case; 0xF0-0xF7 lower case;
//               0xF8-0xFF a mask byte follows: letter i flips case when bit
//               (i % 8) is set (rare, so that most inputs are not refused
//               for keys equal but for case)
//     count     < 0xF0, % 8: 0-4 one value, 5 none, 6 two, 7 three (mostly one:
//               AWS's own keys take one); 0xF0-0xFD: 4-17; 0xFE: 64; 0xFF: 65
//               (64 and 65 repeat one value: the limit's boundary)
//     values    < 0xA0: GoodValues() of the key's type; 0xA0-0xCF:
//               BadValues() (JunkPool() for string keys); 0xD0-0xDF:
//               JunkPool(); 0xE0-0xEF: a long value (2047, 2048, 2049 or
//               1024 bytes; bit 0x04 makes it a well-formed ARN for ARN keys
//               and a denied region for string keys); 0xF0-0xFF: raw, a
//               length byte then the bytes -- only for string, Bool and ARN
//               keys, whose grammar is pinned down exactly (others take a
//               JunkPool() value instead).
//   An entry whose key repeats one already present (exactly) replaces it, as
//   in a protobuf map. Values stop being added once the context would pass
//   24,000 bytes counting 4 per value and 8 per key of overhead: the 32 KiB
//   context limit is never reached by accident of accounting.
#ifndef PDP_TESTS_FUZZ_REQUEST_CODEC_H_
#define PDP_TESTS_FUZZ_REQUEST_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "pdp/v1/decision.pb.h"
#include "tests/differential/reference_evaluator.h"

namespace pdp::fuzz {

using difftest::RefType;

struct KeySpec {
  std::string name;
  RefType type;  // picks the value pool
};

struct Target {
  std::string page_id;  // set: a page request
  bool modify = false;
  std::string action;    // else an action request
  std::string resource;  // empty: "*"
};

const std::vector<std::string>& Principals();
const std::vector<Target>& Targets();
const std::vector<KeySpec>& Keys();
// Keys()[0, OrdinaryKeyCount()): keys a caller may send; the rest are the
// special keys (refused, or at a length boundary), picked less often.
size_t OrdinaryKeyCount();
// "aws:RequestTag/k<n>": any number of distinct, unguarded string keys.
std::string NumberedKey(int n);
// The long value a value byte 0xE0-0xEF stands for.
std::string LongValue(RefType type, uint8_t v);
// Values of a type that are well formed (GoodValues) and malformed
// boundary cases (BadValues; none for kString). Each list is checked against
// the reference's grammar (difftest::RefWellFormed) when the fuzzer starts.
const std::vector<std::string>& GoodValues(RefType type);
const std::vector<std::string>& BadValues(RefType type);
// Values malformed for every type but kString.
const std::vector<std::string>& JunkPool();

pdp::v1::AuthorizeRequest DecodeRequest(const uint8_t* data, size_t size);

// A request spelled with names, for hand-written seeds.
struct SeedRequest {
  std::string principal;  // one of Principals()
  std::string page_id;    // a page of Targets(), or
  bool modify = false;
  std::string action;  // an action of Targets() (with this resource)
  std::string resource;
  int account = 0;  // the account byte
  struct Entry {
    std::string key;          // one of Keys(), as written there
    bool upper_case = false;  // the key in upper case
    // Each from the key type's pools, JunkPool() or a LongValue(); 64 or 65
    // values must be equal.
    std::vector<std::string> values;
  };
  std::vector<Entry> context;
};

// The bytes that decode to `seed`. Aborts (naming it) when a name or value
// is not in the tables: seeds are code, a typo must not pass silently.
std::string EncodeRequest(const SeedRequest& seed);

}  // namespace pdp::fuzz

#endif  // PDP_TESTS_FUZZ_REQUEST_CODEC_H_
