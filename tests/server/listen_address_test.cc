// Which --listen addresses may serve without TLS and an admin token.
#include "server/grpc/listen_address.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pdp {
namespace {

using ::testing::HasSubstr;

TEST(ListenAddressTest, LoopbackLiteralsLocalhostAndUnixSocketsAreLocal) {
  for (const char* address :
       {"127.0.0.1:50051", "127.1.2.3:1", "127.255.255.255:65535", "127.0.0.1:0", "localhost:1",
        "LocalHost:7401", "[::1]:1", "[0:0:0:0:0:0:0:1]:1", "[::0001]:1", "[::ffff:127.0.0.1]:1",
        "[::ffff:127.9.8.7]:1", "unix:/x", "unix:///run/pdp.sock", "unix:relative.sock",
        "unix-abstract:pdp"}) {
    EXPECT_TRUE(CheckLocalOnlyListenAddress(address).ok())
        << address << ": " << CheckLocalOnlyListenAddress(address);
  }
}

// The message says why each is refused.
void ExpectRefused(const std::string& address, const std::string& why) {
  absl::Status s = CheckLocalOnlyListenAddress(address);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << address;
  EXPECT_THAT(std::string(s.message()), HasSubstr(why)) << address;
  EXPECT_THAT(std::string(s.message()), HasSubstr("only unix: sockets, localhost and loopback IP"))
      << address;
}

TEST(ListenAddressTest, HostNamesAreRefusedEvenWhenTheyLookLikeLoopback) {
  for (const char* address : {"127.0.0.1.nip.io:1", "localhost.evil.com:1", "localhost.:1",
                              "my-host:7401", "127.example.com:1", "127.1:1", "127.0.0.01:1"}) {
    ExpectRefused(address, "is a host name other than localhost");
  }
}

TEST(ListenAddressTest, AddressesOtherMachinesReachAreRefused) {
  ExpectRefused("0.0.0.0:1", "\"0.0.0.0:1\" is not a loopback address");
  ExpectRefused("10.0.0.1:1", "is not a loopback address");
  ExpectRefused("128.0.0.1:1", "is not a loopback address");
  ExpectRefused("[::]:1", "is not the IPv6 loopback address");
  ExpectRefused("[::2]:1", "is not the IPv6 loopback address");
  ExpectRefused("[fe80::1]:1", "is not the IPv6 loopback address");
  ExpectRefused("[::ffff:10.0.0.1]:1", "is not the IPv6 loopback address");
  ExpectRefused("[::1%lo]:1", "is not the IPv6 loopback address");
}

TEST(ListenAddressTest, MalformedAddressesAreRefused) {
  ExpectRefused("127.0.0.1", "has no :PORT");
  ExpectRefused("localhost", "has no :PORT");
  ExpectRefused("[::1]", "has no :PORT");
  ExpectRefused("[::1", "has no ']'");
  ExpectRefused("127.0.0.1:", "has no valid port");
  ExpectRefused("localhost:http", "has no valid port");
  ExpectRefused("127.0.0.1:65536", "has no valid port");
  ExpectRefused("127.0.0.1:-1", "has no valid port");
  ExpectRefused("[::1]:x", "has no valid port");
  ExpectRefused("[::1]x:1", "has no :PORT");
  ExpectRefused("::1:50051", "without brackets");
  ExpectRefused("", "has no :PORT");
  ExpectRefused("unix:", "names no socket");
  ExpectRefused("dns:///localhost:1", "is not HOST:PORT");
  ExpectRefused("ipv4:127.0.0.1:1", "is not HOST:PORT");
  ExpectRefused("localhost/x:1", "is not HOST:PORT");
}

TEST(ListenAddressTest, AHugeAddressIsQuotedShort) {
  absl::Status s = CheckLocalOnlyListenAddress(std::string(100000, 'h') + ":1");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_LT(s.message().size(), 500u);
}

}  // namespace
}  // namespace pdp
