#include "server/grpc/listen_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/errors.h"

namespace pdp {
namespace {

absl::Status NotLocal(absl::string_view why) {
  return absl::FailedPreconditionError(
      absl::StrCat(why,
                   "; only unix: sockets, localhost and loopback IP literals (127.0.0.0/8, "
                   "[::1]) may serve without them"));
}

bool IsPort(absl::string_view text) {
  int port = 0;
  return !text.empty() && text.size() <= 5 &&
         text.find_first_not_of("0123456789") == absl::string_view::npos &&
         absl::SimpleAtoi(text, &port) && port <= 65535;
}

bool IsLoopbackV4(absl::string_view host) {
  in_addr a{};
  return inet_pton(AF_INET, std::string(host).c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

// ::1, or ::ffff:127.x.y.z (an IPv4-mapped loopback address).
bool IsLoopbackV6(absl::string_view host) {
  in6_addr a{};
  if (inet_pton(AF_INET6, std::string(host).c_str(), &a) != 1) return false;
  return IN6_IS_ADDR_LOOPBACK(&a) || (IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127);
}

}  // namespace

absl::Status CheckLocalOnlyListenAddress(absl::string_view address) {
  for (absl::string_view scheme : {"unix:", "unix-abstract:"}) {
    if (absl::StartsWith(address, scheme)) {
      if (address.size() == scheme.size())
        return NotLocal(absl::StrCat(scheme, " names no socket"));
      return absl::OkStatus();
    }
  }
  const std::string shown = QuoteInput(address);
  // Other gRPC URI forms (dns:///..., ipv4:...) are not plain HOST:PORT.
  if (absl::StrContains(address, "/") || absl::StartsWith(address, "dns:") ||
      absl::StartsWith(address, "ipv4:") || absl::StartsWith(address, "ipv6:")) {
    return NotLocal(absl::StrCat(shown, " is not HOST:PORT, [IPV6]:PORT or unix:PATH"));
  }
  absl::string_view host, port;
  if (absl::StartsWith(address, "[")) {
    const size_t close = address.find(']');
    if (close == absl::string_view::npos) {
      return NotLocal(absl::StrCat(shown, " has no ']' after its IPv6 address"));
    }
    host = address.substr(1, close - 1);
    absl::string_view rest = address.substr(close + 1);
    if (!absl::ConsumePrefix(&rest, ":")) {
      return NotLocal(absl::StrCat(shown, " has no :PORT"));
    }
    port = rest;
    if (!IsPort(port)) return NotLocal(absl::StrCat(shown, " has no valid port (0 to 65535)"));
    if (!IsLoopbackV6(host)) {
      return NotLocal(absl::StrCat(shown, " is not the IPv6 loopback address"));
    }
    return absl::OkStatus();
  }
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return NotLocal(absl::StrCat(shown, " has no :PORT"));
  host = address.substr(0, colon);
  port = address.substr(colon + 1);
  if (host.find(':') != absl::string_view::npos) {
    return NotLocal(
        absl::StrCat(shown, " looks like an IPv6 address without brackets ([ADDR]:PORT)"));
  }
  if (!IsPort(port)) return NotLocal(absl::StrCat(shown, " has no valid port (0 to 65535)"));
  if (absl::EqualsIgnoreCase(host, "localhost") || IsLoopbackV4(host)) return absl::OkStatus();
  in_addr any{};
  if (inet_pton(AF_INET, std::string(host).c_str(), &any) == 1) {
    return NotLocal(absl::StrCat(shown, " is not a loopback address"));
  }
  return NotLocal(absl::StrCat(
      QuoteInput(host),
      " is a host name other than localhost: it is resolved at start-up and may name an "
      "address other machines can reach"));
}

}  // namespace pdp
