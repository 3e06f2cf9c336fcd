// A small fuzzing driver for the request fuzz target, for builds without
// libFuzzer (GCC, the normal build; registered as the CTest test
// request_fuzz). Deterministic: the seed inputs (request_fuzz_seeds.h), then
// mutations drawn from a PRNG seeded with $FUZZ_SEED, for $FUZZ_SECONDS.
// Without coverage feedback it keeps a mutant when its outcome signature
// (answer, principal, malformed guarded value, key count bucket) is
// new. A violation aborts inside the target; the input is written first to
// $FUZZ_ARTIFACT_DIR/request-fuzz-crash (default: the working directory).
//
//   request_fuzz_driver                        fuzz (FUZZ_SECONDS=20, FUZZ_SEED=1)
//   request_fuzz_driver FILE...                run these inputs (reproduce a crash)
//   request_fuzz_driver --write-seeds DIR      write the seeds (for libFuzzer)
//
// Also FUZZ_MAX_LEN (default 1024): the longest input made.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fuzz/request_fuzz_seeds.h"
#include "tests/fuzz/request_fuzzer.h"

namespace {

// The input being run, for the crash handler.
const std::string* g_current = nullptr;
char g_artifact[4096];

void OnCrash(int sig) {
  if (g_current != nullptr) {
    int fd = open(g_artifact, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ssize_t ignored = write(fd, g_current->data(), g_current->size());
      (void)ignored;
      close(fd);
      const char msg[] = "request_fuzz_driver: the input is in ";
      ignored = write(2, msg, sizeof msg - 1);
      ignored = write(2, g_artifact, strlen(g_artifact));
      ignored = write(2, "\n", 1);
    }
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

long EnvLong(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback : std::strtol(v, nullptr, 10);
}

pdp::fuzz::RunResult Run(const std::string& input) {
  g_current = &input;
  pdp::fuzz::RunResult r =
      pdp::fuzz::RunRequestInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  g_current = nullptr;
  return r;
}

std::string Signature(const std::string& input, const pdp::fuzz::RunResult& r) {
  const size_t k = r.keys;
  const int bucket = k == 0 ? 0 : k < 4 ? 1 : k < 16 ? 2 : k < 64 ? 3 : k == 64 ? 4 : 5;
  const int principal = input.empty() ? 0 : static_cast<uint8_t>(input[0]) % 12;
  return r.outcome + "|" + std::to_string(principal) + "|" + std::to_string(r.malformed_guard) +
         "|" + std::to_string(bucket);
}

class Mutator {
 public:
  Mutator(uint64_t seed, size_t max_len) : rng_(seed), max_len_(max_len) {}

  std::string Mutate(const std::string& parent, const std::vector<std::string>& corpus) {
    std::string s = parent;
    const int ops = 1 + static_cast<int>(Below(4));
    for (int i = 0; i < ops; ++i) Once(s, corpus);
    if (s.size() > max_len_) s.resize(max_len_);
    return s;
  }

  size_t Below(size_t n) { return n == 0 ? 0 : rng_() % n; }

 private:
  uint8_t Interesting() {
    static const uint8_t kBytes[] = {0x00, 0x01, 0x02, 0x03, 0x7F, 0x80, 0xDF, 0xE0, 0xE1, 0xE2,
                                     0xE4, 0xE5, 0xE6, 0xEF, 0xF0, 0xF3, 0xFD, 0xFE, 0xFF};
    return kBytes[Below(sizeof kBytes)];
  }

  void Once(std::string& s, const std::vector<std::string>& corpus) {
    switch (Below(9)) {
      case 0:  // flip a bit
        if (!s.empty()) s[Below(s.size())] ^= static_cast<char>(1u << Below(8));
        break;
      case 1:  // a random byte
        if (!s.empty()) s[Below(s.size())] = static_cast<char>(Below(256));
        break;
      case 2:  // an interesting byte (the codec's boundaries)
        if (!s.empty()) s[Below(s.size())] = static_cast<char>(Interesting());
        break;
      case 3: {  // insert random bytes
        std::string ins;
        for (size_t n = 1 + Below(4); n > 0; --n) ins.push_back(static_cast<char>(Below(256)));
        s.insert(Below(s.size() + 1), ins);
        break;
      }
      case 4:  // erase a range
        if (!s.empty()) {
          const size_t at = Below(s.size());
          s.erase(at, 1 + Below(8));
        }
        break;
      case 5: {  // splice in a piece of another input
        const std::string& other = corpus[Below(corpus.size())];
        if (other.size() > 3) {
          const size_t from = 3 + Below(other.size() - 3);
          const size_t len = 1 + Below(other.size() - from);
          s.insert(Below(s.size() + 1), other.substr(from, len));
        }
        break;
      }
      case 6:  // repeat a range (more context entries)
        if (s.size() > 3) {
          const size_t from = 3 + Below(s.size() - 3);
          const size_t len = 1 + Below(std::min<size_t>(16, s.size() - from));
          const std::string piece = s.substr(from, len);
          for (size_t n = 1 + Below(8); n > 0; --n) s += piece;
        }
        break;
      case 7: {  // append an entry: key, case, count, values
        s.push_back(static_cast<char>(Below(256)));
        s.push_back(static_cast<char>(Below(4)));
        if (s.back() == 3) s.push_back(static_cast<char>(Below(256)));
        const uint8_t count = Below(8) == 0 ? Interesting() : static_cast<uint8_t>(Below(4));
        s.push_back(static_cast<char>(count));
        for (size_t n = count < 4 ? count : 1; n > 0; --n) {
          s.push_back(static_cast<char>(Below(3) == 0 ? Interesting() : Below(256)));
        }
        break;
      }
      default:  // truncate
        if (s.size() > 3) s.resize(3 + Below(s.size() - 3));
        break;
    }
  }

  std::mt19937_64 rng_;
  size_t max_len_;
};

int WriteSeeds(const std::string& dir) {
  std::filesystem::create_directories(dir);
  const std::vector<std::string> seeds = pdp::fuzz::RequestFuzzSeeds();
  for (size_t i = 0; i < seeds.size(); ++i) {
    std::ofstream(std::filesystem::path(dir) / ("seed-" + std::to_string(i)), std::ios::binary)
        << seeds[i];
  }
  std::printf("request_fuzz_driver: %zu seeds in %s\n", seeds.size(), dir.c_str());
  return 0;
}

int RunFiles(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "request_fuzz_driver: cannot read %s\n", argv[i]);
      return 2;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::printf("%s: %s\n", argv[i], Run(ss.str()).outcome.c_str());
  }
  return 0;
}

int Fuzz() {
  const long seconds = EnvLong("FUZZ_SECONDS", 20);
  const uint64_t seed = static_cast<uint64_t>(EnvLong("FUZZ_SEED", 1));
  const size_t max_len = static_cast<size_t>(EnvLong("FUZZ_MAX_LEN", 1024));
  std::vector<std::string> corpus = pdp::fuzz::RequestFuzzSeeds();
  std::set<std::string> signatures;
  std::map<std::string, long> outcomes;
  long runs = 0;
  for (const std::string& s : corpus) {
    const pdp::fuzz::RunResult r = Run(s);
    signatures.insert(Signature(s, r));
    ++outcomes[r.outcome];
    ++runs;
  }
  std::printf("request_fuzz_driver: %zu seeds passed; fuzzing for %ld s from FUZZ_SEED=%llu\n",
              corpus.size(), seconds, static_cast<unsigned long long>(seed));
  std::fflush(stdout);

  Mutator mutator(seed, max_len);
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::seconds(seconds);
  constexpr size_t kMaxCorpus = 20000;
  long malformed = 0, duplicates = 0, allowed = 0;
  while (true) {
    if (runs % 64 == 0 && std::chrono::steady_clock::now() >= deadline) break;
    const std::string& parent = corpus[mutator.Below(corpus.size())];
    std::string child = mutator.Mutate(parent, corpus);
    const pdp::fuzz::RunResult r = Run(child);
    ++runs;
    ++outcomes[r.outcome];
    malformed += r.malformed_guard;
    duplicates += r.case_duplicate;
    allowed += r.outcome.rfind("ALLOW", 0) == 0;
    if (signatures.insert(Signature(child, r)).second && corpus.size() < kMaxCorpus) {
      corpus.push_back(std::move(child));
    }
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("request_fuzz_driver: %ld runs in %.1f s (%.0f/s), corpus %zu, %zu signatures\n",
              runs, elapsed, runs / elapsed, corpus.size(), signatures.size());
  std::printf("  %ld with a malformed guarded value, %ld with keys equal but for case\n", malformed,
              duplicates);
  for (const auto& [outcome, n] : outcomes) std::printf("  %-40s %ld\n", outcome.c_str(), n);
  // The mutations must keep reaching the interesting places (a driver or
  // codec that degenerated into one answer would pass vacuously).
  int missing = 0;
  for (const char* must : {"ALLOW ALLOWED_BY_POLICY", "ALLOW ROOT_USER", "DENY EXPLICIT_DENY",
                           "DENY IMPLICIT_DENY", "INVALID_ARGUMENT"}) {
    if (outcomes[must] == 0) {
      std::printf("request_fuzz_driver: no %s outcome: the driver degenerated\n", must);
      ++missing;
    }
  }
  if (malformed == 0 || duplicates == 0 || allowed == 0) {
    std::printf("request_fuzz_driver: no malformed guarded value, case duplicate or ALLOW\n");
    ++missing;
  }
  return missing == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const char* dir = std::getenv("FUZZ_ARTIFACT_DIR");
  std::snprintf(g_artifact, sizeof g_artifact, "%s/request-fuzz-crash",
                dir != nullptr && *dir != '\0' ? dir : ".");
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) signal(sig, OnCrash);
  if (argc == 3 && std::strcmp(argv[1], "--write-seeds") == 0) return WriteSeeds(argv[2]);
  if (argc > 1 && argv[1][0] == '-') {
    std::fprintf(stderr,
                 "usage: request_fuzz_driver [FILE... | --write-seeds DIR]\n"
                 "environment: FUZZ_SECONDS (20), FUZZ_SEED (1), FUZZ_MAX_LEN (1024), "
                 "FUZZ_ARTIFACT_DIR (.)\n");
    return 2;
  }
  if (argc > 1) return RunFiles(argc, argv);
  return Fuzz();
}
