// Admits or refuses every call of every service before any handler runs:
// gRPC calls Process with the call's metadata (":path" included) and the
// connection's auth context, and a refusal ends the call with its code and
// message. Installed on the server's credentials whenever callers are
// configured, so a method added later is checked like the others
// (MethodAccess: unknown methods need an admin).
//
// Non-blocking (runs on gRPC's own thread: it only hashes a token and looks
// it up); thread-safe. `authenticator` must outlive the server.
#ifndef PDP_SERVER_GRPC_CALLER_AUTH_PROCESSOR_H_
#define PDP_SERVER_GRPC_CALLER_AUTH_PROCESSOR_H_

#include "grpcpp/security/auth_metadata_processor.h"
#include "server/grpc/authenticator.h"
#include "server/metrics/server_metrics.h"

namespace pdp {

class CallerAuthProcessor final : public grpc::AuthMetadataProcessor {
 public:
  // `metrics` (may be null): refusals are counted there; must outlive the
  // server.
  explicit CallerAuthProcessor(const Authenticator* authenticator, ServerMetrics* metrics = nullptr)
      : authenticator_(authenticator), metrics_(metrics) {}

  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& metadata, grpc::AuthContext* connection,
                       OutputMetadata* consumed, OutputMetadata* response) override;

 private:
  const Authenticator* authenticator_;
  ServerMetrics* metrics_;
};

}  // namespace pdp

#endif  // PDP_SERVER_GRPC_CALLER_AUTH_PROCESSOR_H_
