// Which --metrics-listen values are accepted. /metrics is plain HTTP without
// authentication (the embedded server has no TLS): it shows counts only,
// never a principal or anything else from a request, but like --listen it
// is kept to loopback unless the server is deployed with TLS (--tls-cert),
// i.e. on purpose on a network, where only the scraper should reach it.
#ifndef PDP_SERVER_METRICS_METRICS_LISTEN_H_
#define PDP_SERVER_METRICS_METRICS_LISTEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pdp {

// `address` is IPV4:PORT (an IPv4 literal: the HTTP server binds to
// literals only, and Debian builds it without IPv6; port 0 picks a free
// one). Returns it in the form the HTTP server binds to. INVALID_ARGUMENT
// for anything else (a host name, an IPv6 address, a unix socket, a bad
// port); FAILED_PRECONDITION for an address that
// is not loopback while `tls_configured` is false, the message saying why
// (server/grpc/listen_address.h's rule). Thread-safe; no I/O.
absl::StatusOr<std::string> CheckMetricsListenAddress(absl::string_view address,
                                                      bool tls_configured);

}  // namespace pdp

#endif  // PDP_SERVER_METRICS_METRICS_LISTEN_H_
