// Which --listen addresses may serve without TLS and an admin token: only
// those that no other machine can reach. Kept apart from main so that the
// rule is tested on its own.
#ifndef PDP_SERVER_GRPC_LISTEN_ADDRESS_H_
#define PDP_SERVER_GRPC_LISTEN_ADDRESS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace pdp {

// OK when `address` (gRPC's listening address form) is reachable from this
// machine only:
//   - a unix socket: "unix:PATH", "unix-abstract:NAME";
//   - "localhost:PORT" (any letter case);
//   - a loopback IP literal with a port: "127.x.y.z:PORT" (127.0.0.0/8),
//     "[::1]:PORT" (any spelling of ::1), "[::ffff:127.x.y.z]:PORT" (an
//     IPv4-mapped loopback address).
// Any other host name is refused even when it names loopback today: it is
// resolved when the server starts (DNS, /etc/hosts), so
// "127.0.0.1.nip.io" or "localhost.example.com" may well be a public
// address. FAILED_PRECONDITION otherwise, the message saying why (a host
// name, an address that is not loopback, a missing or bad port, an IPv6
// address without brackets). Thread-safe; does no I/O.
absl::Status CheckLocalOnlyListenAddress(absl::string_view address);

}  // namespace pdp

#endif  // PDP_SERVER_GRPC_LISTEN_ADDRESS_H_
