#include "server/metrics/metrics_listen.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "server/listen_address.h"

namespace pdp {
namespace {

absl::Status Bad(absl::string_view address, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("--metrics-listen ", QuoteInput(address), " ", why,
                   " (give IPV4:PORT or [IPV6]:PORT, e.g. 127.0.0.1:9464)"));
}

}  // namespace

absl::StatusOr<std::string> CheckMetricsListenAddress(absl::string_view address,
                                                      bool tls_configured) {
  absl::string_view host, port;
  bool v6 = false;
  if (absl::StartsWith(address, "[")) {
    const size_t close = address.find(']');
    if (close == absl::string_view::npos || address.substr(close + 1, 1) != ":") {
      return Bad(address, "is not [IPV6]:PORT");
    }
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
    v6 = true;
  } else {
    const size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) return Bad(address, "has no :PORT");
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  int port_number = 0;
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != absl::string_view::npos ||
      !absl::SimpleAtoi(port, &port_number) || port_number > 65535) {
    return Bad(address, "has no valid port (0 to 65535)");
  }
  const std::string host_text(host);
  if (v6) {
    in6_addr a6{};
    if (inet_pton(AF_INET6, host_text.c_str(), &a6) != 1) {
      return Bad(address, "has no IPv6 address between its brackets");
    }
  } else {
    in_addr a4{};
    if (inet_pton(AF_INET, host_text.c_str(), &a4) != 1) {
      return Bad(address, "does not start with an IPv4 address (host names are not accepted)");
    }
  }
  if (!tls_configured) {
    // The literal forms left are exactly those the --listen rule judges.
    if (!CheckLocalOnlyListenAddress(address).ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "refusing to serve metrics on ", QuoteInput(address),
          " on a server without TLS (--tls-cert, --tls-key): it is not a loopback address; "
          "only 127.0.0.0/8 and [::1] may serve metrics without it"));
    }
  }
  return std::string(address);
}

}  // namespace pdp
