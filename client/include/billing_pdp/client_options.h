// Connection settings shared by AuthorizationClient and AdminClient.
#ifndef BILLING_PDP_CLIENT_OPTIONS_H_
#define BILLING_PDP_CLIENT_OPTIONS_H_

#include <chrono>
#include <memory>
#include <string>

#include "grpcpp/security/credentials.h"

namespace pdp {

struct ClientOptions {
  // host:port of billing-pdp-server.
  std::string target = "127.0.0.1:50051";
  // Null means plaintext (loopback development); use grpc::SslCredentials
  // for anything else.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  // Deadline of every call unless the call is given its own.
  std::chrono::milliseconds timeout{1000};
  // Bearer token for AdminService (the server's --admin-token-file).
  std::string admin_token;
  // Largest response accepted (gRPC's default is 4 MiB): an ApplyChanges of
  // many changes answers with one result each, and a Watch message is as
  // large as the batch it carries. Requests are not limited on this side
  // (the server's --max-request-bytes, 64 MiB by default, is).
  int max_receive_message_bytes = 64 << 20;
};

}  // namespace pdp

#endif  // BILLING_PDP_CLIENT_OPTIONS_H_
