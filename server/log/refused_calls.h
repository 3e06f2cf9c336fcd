// One log line (event "refused") for each call the server refuses: any
// call that ends with an error status, whatever refused it (the caller
// check before any handler, a handler's validation, a limit). A DENY is an
// answer, not a refusal: decisions go to the decision log (decision_log.h).
// A call the client cancelled is not logged either.
//
// Fields: method, code (e.g. "PERMISSION_DENIED"), reason (the ErrorInfo
// reason, "" if none), peer when known; msg is the status message (which
// never holds a credential: refusals name callers, not tokens).
//
// Level by code: what the caller got wrong or asked for (INVALID_ARGUMENT,
// NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE)
// is info; refusals worth an operator's eye (UNAUTHENTICATED,
// PERMISSION_DENIED, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED, UNAVAILABLE)
// are warning; the server's own faults (INTERNAL, UNKNOWN, DATA_LOSS,
// UNIMPLEMENTED) are error.
//
// Rate-limited (Logger::LogLimited): refused AuthorizationService calls and
// refused calls of the other services are two kinds, each at most
// kLimitedLinesPerSecond lines a second, so a flood of bad Authorize calls
// neither fills the disk nor hides a refused admin call.
//
// Thread-safe.
#ifndef PDP_SERVER_LOG_REFUSED_CALLS_H_
#define PDP_SERVER_LOG_REFUSED_CALLS_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/server_interceptor.h"
#include "grpcpp/support/status.h"

namespace pdp {

// `method` is gRPC's path ("/pdp.v1.AdminService/CreateUser"); it may come
// from the client (a path no service has) and is cut like every value.
void LogRefusedCall(absl::string_view method, const absl::Status& status, absl::string_view peer);
// The same for a status already in gRPC's form (the reason is read from its
// details).
void LogRefusedCall(absl::string_view method, const grpc::Status& status, absl::string_view peer);

// Logs the refused calls of every service but AuthorizationService, whose
// calls log their own at their one exit (no per-call interceptor on the hot
// path: the factory returns none for it).
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
RefusedCallLoggingInterceptor();

}  // namespace pdp

#endif  // PDP_SERVER_LOG_REFUSED_CALLS_H_
