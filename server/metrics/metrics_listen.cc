#include "server/metrics/metrics_listen.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "server/grpc/listen_address.h"

namespace pdp {
namespace {

absl::Status Bad(absl::string_view address, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("--metrics-listen ", QuoteInput(address), " ", why,
                                                 " (give IPV4:PORT, e.g. 127.0.0.1:9464)"));
}

}  // namespace

absl::StatusOr<std::string> CheckMetricsListenAddress(absl::string_view address,
                                                      bool tls_configured) {
  // Debian's civetweb, which serves the page, is built without IPv6.
  if (absl::StartsWith(address, "[")) {
    return Bad(address, "is an IPv6 address, which the metrics HTTP server cannot serve");
  }
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return Bad(address, "has no :PORT");
  const absl::string_view host = address.substr(0, colon);
  const absl::string_view port = address.substr(colon + 1);
  int port_number = 0;
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != absl::string_view::npos ||
      !absl::SimpleAtoi(port, &port_number) || port_number > 65535) {
    return Bad(address, "has no valid port (0 to 65535)");
  }
  in_addr a4{};
  if (inet_pton(AF_INET, std::string(host).c_str(), &a4) != 1) {
    return Bad(address, "does not start with an IPv4 address (host names are not accepted)");
  }
  if (!tls_configured) {
    // The literal forms left are exactly those the --listen rule judges.
    if (!CheckLocalOnlyListenAddress(address).ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "refusing to serve metrics on ", QuoteInput(address),
          " on a server without TLS (--tls-cert, --tls-key): it is not a loopback address; "
          "only 127.0.0.0/8 may serve metrics without it"));
    }
  }
  return std::string(address);
}

}  // namespace pdp
