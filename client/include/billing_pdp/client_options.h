// Connection settings shared by AuthorizationClient and AdminClient.
#ifndef BILLING_PDP_CLIENT_OPTIONS_H_
#define BILLING_PDP_CLIENT_OPTIONS_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"

namespace pdp {

// TLS to the server, and optionally a client certificate (mutual TLS).
// Files are read when the channel is made (MakeChannelCredentials).
struct TlsOptions {
  // CAs trusted to sign the server's certificate: a PEM file, or the PEM
  // itself in ca_pem. Both empty: the system's roots (gRPC's default).
  std::string ca_file;
  std::string ca_pem;
  // The client's certificate chain and private key (PEM files), presented
  // to a server that asks for one (mTLS). Both or neither.
  std::string cert_file;
  std::string key_file;
  // The name the server's certificate must carry (and the :authority and
  // SNI sent), instead of the host in `target`, e.g. when connecting to an
  // IP address with a certificate issued for a DNS name.
  std::string server_name;
};

struct ClientOptions {
  // host:port of billing-pdp-server.
  std::string target = "127.0.0.1:50051";
  // TLS with these settings when set (`credentials` must then be null).
  std::optional<TlsOptions> tls;
  // Other channel credentials (e.g. your own grpc::SslCredentials). With
  // neither this nor `tls`: plaintext (loopback development only).
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  // Deadline of every call unless the call is given its own.
  std::chrono::milliseconds timeout{1000};
  // Bearer token sent with every call of AuthorizationClient, AdminClient
  // and ChangeWatch ("authorization: Bearer TOKEN"): the server's admin
  // token or a named caller's token. Never logged by the library.
  std::string token;
  // Deprecated alias of `token`, used when `token` is empty.
  std::string admin_token;
  // Largest response accepted (gRPC's default is 4 MiB): an ApplyChanges of
  // many changes answers with one result each, and a Watch message is as
  // large as the batch it carries. Requests are not limited on this side
  // (the server's --max-request-bytes, 64 MiB by default, is).
  int max_receive_message_bytes = 64 << 20;

  // Reconnecting after the server went away: gRPC waits between attempts,
  // growing from 100 ms up to this bound (gRPC's own default grows to 120 s,
  // so calls could fail for many seconds after the server is back). Calls made
  // while disconnected fail fast with UNAVAILABLE (they do not wait for the
  // connection). Channels made by NewChannel retry reads (never writes) that
  // fail with UNAVAILABLE: at most 3 attempts, 0.1 s then 0.2 s apart
  // (+-20%), all within the call's deadline (see kReadRetryServiceConfig);
  // retry writes yourself, with a request id.
  std::chrono::milliseconds max_reconnect_backoff{1000};

  // The token sent: `token`, else `admin_token`.
  const std::string& BearerToken() const { return token.empty() ? admin_token : token; }
};

// Per-call settings, as the last argument of every call (sync and async).
struct CallOptions {
  // This call's deadline, from when it starts; zero: ClientOptions::timeout.
  std::chrono::milliseconds timeout{0};
  // Read your own writes: the server answers once it has reached this
  // revision (e.g. one a write returned), else the call fails when its
  // deadline comes. Combined with a query's own min_revision, the larger
  // wins. 0: no wait. Negative: INVALID_ARGUMENT, nothing is sent. On a
  // method whose request has no min_revision (writes, ListPages, Watch) a
  // non-zero value is INVALID_ARGUMENT too, rather than silently ignored.
  int64_t min_revision = 0;
};

// The channel credentials the options ask for: `credentials` if set, TLS
// from `tls` if set, else plaintext. INVALID_ARGUMENT, naming the option and
// file, when both `credentials` and `tls` are set, when a TLS file cannot be
// read or does not hold what it should (a PEM certificate for ca_file,
// ca_pem and cert_file; a PEM private key for key_file; only the PEM shape
// is checked here, a damaged one fails the handshake with UNAVAILABLE), or
// when only one of cert_file and key_file is given.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const ClientOptions& options);

}  // namespace pdp

#endif  // BILLING_PDP_CLIENT_OPTIONS_H_
