// The test PKI's certificates parse, carry what was asked for, and verify
// against their CA only (an expired one fails as expired).
#include "tests/support/test_pki.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

namespace pdp::testing {
namespace {

struct X509Deleter {
  void operator()(X509* p) const { X509_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

X509Ptr LoadCert(const std::string& path) {
  FILE* f = fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  X509* c = PEM_read_X509(f, nullptr, nullptr, nullptr);
  fclose(f);
  return X509Ptr(c);
}

bool KeyMatches(const CertFiles& files) {
  X509Ptr cert = LoadCert(files.cert_path);
  FILE* f = fopen(files.key_path.c_str(), "r");
  if (f == nullptr || !cert) return false;
  EVP_PKEY* key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  fclose(f);
  bool ok = key != nullptr && X509_check_private_key(cert.get(), key) == 1;
  EVP_PKEY_free(key);
  return ok;
}

// X509_verify_cert of `leaf` against `ca` for `purpose`
// (X509_PURPOSE_SSL_SERVER / _CLIENT); returns X509_V_OK or the error.
int Verify(const std::string& leaf, const std::string& ca, int purpose) {
  X509Ptr leaf_cert = LoadCert(leaf);
  X509Ptr ca_cert = LoadCert(ca);
  if (!leaf_cert || !ca_cert) return -1;
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca_cert.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf_cert.get(), nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  int rc = X509_verify_cert(ctx);
  int err = X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  if (rc == 1) return X509_V_OK;
  return err == X509_V_OK ? -2 : err;
}

class TestPkiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/test-pki-" + std::to_string(getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto pki = MakeTestPki(dir_);
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = *pki;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  TestPki pki_;
};

TEST_F(TestPkiTest, EveryFileIsPemAndEveryKeyMatchesItsCertificate) {
  for (const CertFiles* f : {&pki_.ca, &pki_.other_ca, &pki_.server, &pki_.client,
                             &pki_.expired_server, &pki_.other_client}) {
    EXPECT_NE(ReadFileOrEmpty(f->cert_path).find("-----BEGIN CERTIFICATE-----"), std::string::npos)
        << f->cert_path;
    EXPECT_NE(ReadFileOrEmpty(f->key_path).find("-----BEGIN PRIVATE KEY-----"), std::string::npos)
        << f->key_path;
    EXPECT_TRUE(KeyMatches(*f)) << f->cert_path;
  }
}

TEST_F(TestPkiTest, LeavesVerifyAgainstTheirCaForTheirPurposeOnly) {
  EXPECT_EQ(Verify(pki_.server.cert_path, pki_.ca.cert_path, X509_PURPOSE_SSL_SERVER), X509_V_OK);
  EXPECT_EQ(Verify(pki_.client.cert_path, pki_.ca.cert_path, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_EQ(Verify(pki_.other_client.cert_path, pki_.other_ca.cert_path, X509_PURPOSE_SSL_CLIENT),
            X509_V_OK);
  // Extended key usage: a server certificate is not a client's, and back.
  EXPECT_EQ(Verify(pki_.server.cert_path, pki_.ca.cert_path, X509_PURPOSE_SSL_CLIENT),
            X509_V_ERR_INVALID_PURPOSE);
  EXPECT_EQ(Verify(pki_.client.cert_path, pki_.ca.cert_path, X509_PURPOSE_SSL_SERVER),
            X509_V_ERR_INVALID_PURPOSE);
}

TEST_F(TestPkiTest, TheOtherCaVerifiesNoneOfTheFirstCasLeaves) {
  EXPECT_EQ(Verify(pki_.server.cert_path, pki_.other_ca.cert_path, X509_PURPOSE_SSL_SERVER),
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  EXPECT_EQ(Verify(pki_.other_client.cert_path, pki_.ca.cert_path, X509_PURPOSE_SSL_CLIENT),
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST_F(TestPkiTest, TheExpiredCertificateFailsAsExpired) {
  EXPECT_EQ(Verify(pki_.expired_server.cert_path, pki_.ca.cert_path, X509_PURPOSE_SSL_SERVER),
            X509_V_ERR_CERT_HAS_EXPIRED);
}

TEST_F(TestPkiTest, SubjectAndAlternativeNamesAreAsAsked) {
  X509Ptr server = LoadCert(pki_.server.cert_path);
  ASSERT_TRUE(server);
  EXPECT_EQ(X509_check_host(server.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(server.get(), "example.com", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(server.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(server.get(), "::1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(server.get(), "10.0.0.1", 0), 0);
  char cn[64] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(server.get()), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "localhost");

  X509Ptr client = LoadCert(pki_.client.cert_path);
  ASSERT_TRUE(client);
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(client.get(), NID_subject_alt_name, nullptr, nullptr));
  ASSERT_NE(names, nullptr);
  std::vector<std::string> uris;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_URI) {
      uris.emplace_back(
          reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.uniformResourceIdentifier)),
          ASN1_STRING_length(n->d.uniformResourceIdentifier));
    }
  }
  GENERAL_NAMES_free(names);
  EXPECT_EQ(uris, std::vector<std::string>{"spiffe://billing-pdp.test/client"});
}

TEST_F(TestPkiTest, ABadIpAddressIsRefused) {
  auto ca = TestCa::Create(dir_, "third-ca");
  ASSERT_TRUE(ca.ok()) << ca.status();
  LeafSpec spec;
  spec.common_name = "x";
  spec.ip_addresses = {"not-an-ip"};
  auto leaf = ca->Issue(spec, "bad");
  EXPECT_EQ(leaf.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace pdp::testing
