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
};

}  // namespace pdp

#endif  // BILLING_PDP_CLIENT_OPTIONS_H_
