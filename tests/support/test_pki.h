// Certificates made at test time (no checked-in keys that expire or leak):
// a CA and leaf certificates it signs, written as PEM files into a directory
// the test owns, with the OpenSSL C API.
//
// Keys are ECDSA P-256 (fast to make; gRPC and OpenSSL accept them). Not for
// anything but tests: keys are written unencrypted.
//
// Thread-safety: a TestCa may be used from one thread at a time; distinct
// objects are independent.
#ifndef PDP_TESTS_SUPPORT_TEST_PKI_H_
#define PDP_TESTS_SUPPORT_TEST_PKI_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace pdp::testing {

// A certificate and its private key on disk.
struct CertFiles {
  std::string cert_path;  // PEM certificate
  std::string key_path;   // PEM private key (PKCS#8, unencrypted)
};

enum class KeyUsage {
  kServer,  // extendedKeyUsage serverAuth
  kClient,  // extendedKeyUsage clientAuth
};

struct LeafSpec {
  std::string common_name;
  std::vector<std::string> dns_names;     // e.g. "localhost"
  std::vector<std::string> ip_addresses;  // e.g. "127.0.0.1", "::1"
  std::vector<std::string> uris;          // e.g. "spiffe://example.org/ctl"
  // Validity window relative to now: [now + not_before, now + not_after].
  // Both negative makes a certificate that has already expired.
  std::chrono::seconds not_before = -std::chrono::hours(1);
  std::chrono::seconds not_after = std::chrono::hours(24);
  KeyUsage usage = KeyUsage::kServer;
};

class TestCa {
 public:
  // Makes a CA (key + self-signed certificate, CN `name`, valid from an
  // hour ago for ten days) and writes it to `dir`/`name`.crt and .key.
  // `dir` must exist. Errors: INTERNAL from OpenSSL, or the file that could
  // not be written.
  static absl::StatusOr<TestCa> Create(const std::string& dir, const std::string& name);

  TestCa(TestCa&&) noexcept;
  TestCa& operator=(TestCa&&) noexcept;
  ~TestCa();

  // Issues a leaf certificate signed by this CA and writes it to
  // `dir`/`file_stem`.crt and .key (`dir` as given to Create). INVALID_ARGUMENT
  // for an IP address that does not parse.
  absl::StatusOr<CertFiles> Issue(const LeafSpec& spec, const std::string& file_stem);

  const CertFiles& files() const { return files_; }

 private:
  struct Impl;
  TestCa(std::unique_ptr<Impl> impl, std::string dir, CertFiles files);

  std::unique_ptr<Impl> impl_;
  std::string dir_;
  CertFiles files_;
};

// The usual set for TLS tests, all in one directory:
//   ca        — the CA the server and clients trust
//   other_ca  — an unrelated CA (a client trusting only it must fail)
//   server    — CN localhost, SANs localhost, 127.0.0.1, ::1 (serverAuth)
//   client    — CN pdp-test-client, SAN spiffe://billing-pdp.test/client
//               (clientAuth)
//   expired_server — like server but valid only in the past
//   other_client   — a client certificate signed by other_ca
struct TestPki {
  CertFiles ca;
  CertFiles other_ca;
  CertFiles server;
  CertFiles client;
  CertFiles expired_server;
  CertFiles other_client;
};
absl::StatusOr<TestPki> MakeTestPki(const std::string& dir);

// Whole file as a string (for PEM contents); empty on failure.
std::string ReadFileOrEmpty(const std::string& path);

}  // namespace pdp::testing

#endif  // PDP_TESTS_SUPPORT_TEST_PKI_H_
