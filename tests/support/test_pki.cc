#include "tests/support/test_pki.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace pdp::testing {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

// The first queued OpenSSL error, for messages.
absl::Status OpenSslError(const std::string& what) {
  char buf[256] = "no OpenSSL error queued";
  unsigned long e = ERR_get_error();
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return absl::InternalError(absl::StrCat(what, ": ", buf));
}

absl::StatusOr<PkeyPtr> NewKey() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("EVP_EC_gen");
  return key;
}

// Adds one X509v3 extension written in openssl.cnf syntax, e.g.
// (NID_basic_constraints, "critical,CA:TRUE").
absl::Status AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return OpenSslError(absl::StrCat("extension ", OBJ_nid2sn(nid), "=", value));
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return OpenSslError("X509_add_ext");
  return absl::OkStatus();
}

// A certificate for `key` with subject CN=`cn`, serial random, validity
// [now+not_before, now+not_after]; issuer and extensions are the caller's.
absl::StatusOr<X509Ptr> NewCert(EVP_PKEY* key, const std::string& cn, long not_before_s,
                                long not_after_s) {
  X509Ptr cert(X509_new());
  if (!cert) return OpenSslError("X509_new");
  if (X509_set_version(cert.get(), 2) != 1) return OpenSslError("X509_set_version");
  std::unique_ptr<BIGNUM, BnFree> serial(BN_new());
  if (!serial || BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return OpenSslError("serial number");
  }
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), not_before_s) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), not_after_s) == nullptr) {
    return OpenSslError("validity");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("billing-pdp tests"), -1,
                                 -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) != 1) {
    return OpenSslError("subject name");
  }
  if (X509_set_pubkey(cert.get(), key) != 1) return OpenSslError("X509_set_pubkey");
  return cert;
}

absl::Status WritePem(const std::string& path, X509* cert, EVP_PKEY* key) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_file(path.c_str(), "w"));
  if (!bio) return absl::InternalError(absl::StrCat("cannot write ", path));
  int ok = cert != nullptr
               ? PEM_write_bio_X509(bio.get(), cert)
               : PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  if (ok != 1) return OpenSslError(absl::StrCat("writing ", path));
  if (BIO_flush(bio.get()) != 1) return absl::InternalError(absl::StrCat("flushing ", path));
  if (key != nullptr) chmod(path.c_str(), 0600);
  return absl::OkStatus();
}

absl::Status WritePair(const CertFiles& files, X509* cert, EVP_PKEY* key) {
  if (auto s = WritePem(files.cert_path, cert, nullptr); !s.ok()) return s;
  return WritePem(files.key_path, nullptr, key);
}

// subjectAltName in openssl.cnf syntax; INVALID_ARGUMENT for a name that
// would not survive it (a comma) or an IP address that does not parse.
absl::StatusOr<std::string> SubjectAltNames(const LeafSpec& spec) {
  std::vector<std::string> parts;
  auto add = [&](const char* kind, const std::string& v) -> absl::Status {
    if (v.empty() || v.find(',') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("bad ", kind, " name '", v, "'"));
    }
    parts.push_back(absl::StrCat(kind, ":", v));
    return absl::OkStatus();
  };
  for (const auto& d : spec.dns_names) {
    if (auto s = add("DNS", d); !s.ok()) return s;
  }
  for (const auto& ip : spec.ip_addresses) {
    unsigned char buf[16];
    if (inet_pton(AF_INET, ip.c_str(), buf) != 1 && inet_pton(AF_INET6, ip.c_str(), buf) != 1) {
      return absl::InvalidArgumentError(absl::StrCat("bad IP address '", ip, "'"));
    }
    if (auto s = add("IP", ip); !s.ok()) return s;
  }
  for (const auto& u : spec.uris) {
    if (auto s = add("URI", u); !s.ok()) return s;
  }
  return absl::StrJoin(parts, ",");
}

}  // namespace

struct TestCa::Impl {
  PkeyPtr key;
  X509Ptr cert;
};

TestCa::TestCa(std::unique_ptr<Impl> impl, std::string dir, CertFiles files)
    : impl_(std::move(impl)), dir_(std::move(dir)), files_(std::move(files)) {}
TestCa::TestCa(TestCa&&) noexcept = default;
TestCa& TestCa::operator=(TestCa&&) noexcept = default;
TestCa::~TestCa() = default;

absl::StatusOr<TestCa> TestCa::Create(const std::string& dir, const std::string& name) {
  auto impl = std::make_unique<Impl>();
  auto key = NewKey();
  if (!key.ok()) return key.status();
  impl->key = *std::move(key);
  auto cert = NewCert(impl->key.get(), name, -3600, 10 * 24 * 3600);
  if (!cert.ok()) return cert.status();
  impl->cert = *std::move(cert);
  X509* c = impl->cert.get();
  if (X509_set_issuer_name(c, X509_get_subject_name(c)) != 1) {
    return OpenSslError("X509_set_issuer_name");
  }
  for (auto [nid, value] : {std::pair<int, const char*>{NID_basic_constraints, "critical,CA:TRUE"},
                            {NID_key_usage, "critical,keyCertSign,cRLSign"},
                            {NID_subject_key_identifier, "hash"}}) {
    if (auto s = AddExtension(c, c, nid, value); !s.ok()) return s;
  }
  if (X509_sign(c, impl->key.get(), EVP_sha256()) == 0) return OpenSslError("X509_sign");
  CertFiles files{absl::StrCat(dir, "/", name, ".crt"), absl::StrCat(dir, "/", name, ".key")};
  if (auto s = WritePair(files, c, impl->key.get()); !s.ok()) return s;
  return TestCa(std::move(impl), dir, std::move(files));
}

absl::StatusOr<CertFiles> TestCa::Issue(const LeafSpec& spec, const std::string& file_stem) {
  auto san = SubjectAltNames(spec);
  if (!san.ok()) return san.status();
  auto key = NewKey();
  if (!key.ok()) return key.status();
  auto cert = NewCert(key->get(), spec.common_name, static_cast<long>(spec.not_before.count()),
                      static_cast<long>(spec.not_after.count()));
  if (!cert.ok()) return cert.status();
  X509* c = cert->get();
  X509* issuer = impl_->cert.get();
  if (X509_set_issuer_name(c, X509_get_subject_name(issuer)) != 1) {
    return OpenSslError("X509_set_issuer_name");
  }
  std::vector<std::pair<int, std::string>> exts = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature,keyAgreement"},
      {NID_ext_key_usage, spec.usage == KeyUsage::kServer ? "serverAuth" : "clientAuth"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid:always"},
  };
  if (!san->empty()) exts.emplace_back(NID_subject_alt_name, *san);
  for (const auto& [nid, value] : exts) {
    if (auto s = AddExtension(c, issuer, nid, value); !s.ok()) return s;
  }
  if (X509_sign(c, impl_->key.get(), EVP_sha256()) == 0) return OpenSslError("X509_sign");
  CertFiles files{absl::StrCat(dir_, "/", file_stem, ".crt"),
                  absl::StrCat(dir_, "/", file_stem, ".key")};
  if (auto s = WritePair(files, c, key->get()); !s.ok()) return s;
  return files;
}

absl::StatusOr<TestPki> MakeTestPki(const std::string& dir) {
  auto ca = TestCa::Create(dir, "test-ca");
  if (!ca.ok()) return ca.status();
  auto other = TestCa::Create(dir, "other-ca");
  if (!other.ok()) return other.status();
  TestPki pki;
  pki.ca = ca->files();
  pki.other_ca = other->files();

  LeafSpec server;
  server.common_name = "localhost";
  server.dns_names = {"localhost"};
  server.ip_addresses = {"127.0.0.1", "::1"};
  auto s = ca->Issue(server, "server");
  if (!s.ok()) return s.status();
  pki.server = *s;

  LeafSpec expired = server;
  expired.not_before = -std::chrono::hours(48);
  expired.not_after = -std::chrono::hours(24);
  s = ca->Issue(expired, "expired-server");
  if (!s.ok()) return s.status();
  pki.expired_server = *s;

  LeafSpec client;
  client.common_name = "pdp-test-client";
  client.uris = {"spiffe://billing-pdp.test/client"};
  client.usage = KeyUsage::kClient;
  s = ca->Issue(client, "client");
  if (!s.ok()) return s.status();
  pki.client = *s;
  s = other->Issue(client, "other-client");
  if (!s.ok()) return s.status();
  pki.other_client = *s;
  return pki;
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace pdp::testing
