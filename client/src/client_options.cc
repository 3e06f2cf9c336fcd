#include "billing_pdp/client_options.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace pdp {
namespace {

// The file's contents; INVALID_ARGUMENT naming `what` and the file.
absl::StatusOr<std::string> ReadPemFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", what, " ", path, ": ", std::strerror(errno)));
  }
  // A CA bundle is a few hundred KiB at most; anything larger is not one.
  constexpr size_t kMaxPemBytes = 4 << 20;
  std::string text;
  char chunk[64 << 10];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxPemBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " ", path, " is larger than ", kMaxPemBytes, " bytes"));
    }
  }
  if (in.bad()) return absl::InvalidArgumentError(absl::StrCat("cannot read ", what, " ", path));
  return text;
}

// PEM holding a certificate / a private key: the shape only (gRPC parses
// them at the handshake and would fail there with a vaguer message).
bool HasCertificate(const std::string& pem) {
  return absl::StrContains(pem, "-----BEGIN CERTIFICATE-----");
}
bool HasPrivateKey(const std::string& pem) {
  return absl::StrContains(pem, "-----BEGIN ") && absl::StrContains(pem, "PRIVATE KEY-----");
}

// A file that must hold a PEM certificate (`what` names it in errors).
absl::StatusOr<std::string> ReadCertificateFile(const std::string& path, const char* what) {
  absl::StatusOr<std::string> pem = ReadPemFile(path, what);
  if (pem.ok() && !HasCertificate(*pem)) {
    return absl::InvalidArgumentError(absl::StrCat(what, " ", path, " holds no PEM certificate"));
  }
  return pem;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const ClientOptions& options) {
  if (!options.tls.has_value()) {
    return options.credentials ? options.credentials : grpc::InsecureChannelCredentials();
  }
  if (options.credentials) {
    return absl::InvalidArgumentError("ClientOptions: set tls or credentials, not both");
  }
  const TlsOptions& tls = *options.tls;
  grpc::SslCredentialsOptions ssl;
  if (!tls.ca_file.empty()) {
    auto pem = ReadCertificateFile(tls.ca_file, "TLS CA file");
    if (!pem.ok()) return pem.status();
    ssl.pem_root_certs = *std::move(pem);
  } else if (!tls.ca_pem.empty()) {
    if (!HasCertificate(tls.ca_pem)) {
      return absl::InvalidArgumentError("TlsOptions.ca_pem holds no PEM certificate");
    }
    ssl.pem_root_certs = tls.ca_pem;
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        "a TLS client certificate and its key go together (cert_file and key_file)");
  }
  if (!tls.cert_file.empty()) {
    auto cert = ReadCertificateFile(tls.cert_file, "TLS client certificate");
    if (!cert.ok()) return cert.status();
    auto key = ReadPemFile(tls.key_file, "TLS client key");
    if (!key.ok()) return key.status();
    if (!HasPrivateKey(*key)) {
      return absl::InvalidArgumentError(
          absl::StrCat("TLS client key ", tls.key_file, " holds no PEM private key"));
    }
    ssl.pem_cert_chain = *std::move(cert);
    ssl.pem_private_key = *std::move(key);
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace pdp
