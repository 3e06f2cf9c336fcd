// gRPC's own log lines (gpr_log: transport errors, failed TLS handshakes)
// go through the server's log, as event "grpc" with fields file and line,
// so stderr holds only lines of the configured form (a JSON reader never
// meets one of gRPC's plain-text lines). Rate-limited as kind "grpc": a port
// scanner's failed handshakes cannot flood the log. Which of them gRPC
// emits at all is still GRPC_VERBOSITY's (ERROR unless set).
#ifndef PDP_SERVER_LOG_GRPC_LOG_H_
#define PDP_SERVER_LOG_GRPC_LOG_H_

namespace pdp {

// Call once, before gRPC starts logging (main, before building the server).
void RouteGrpcLogToServerLog();

}  // namespace pdp

#endif  // PDP_SERVER_LOG_GRPC_LOG_H_
