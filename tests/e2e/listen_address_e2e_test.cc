// The server refuses to serve without TLS and callers on an address
// other machines might reach, host names that look like loopback included.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/server_process.h"

namespace pdp::testing {
namespace {

using ::testing::HasSubstr;

// Runs the server on `listen` (under `timeout`, so a server that wrongly
// starts is killed: exit 124); returns its exit code.
int RunServer(const std::string& listen, std::string* output) {
  return RunCommand({"/usr/bin/timeout", "20", BinaryPath("server/billing-pdp-server"), "--listen",
                     listen, "--store", "memory"},
                    output);
}

TEST(ListenAddressE2eTest, AHostNameThatLooksLikeLoopbackIsRefused) {
  for (const char* listen : {"127.0.0.1.nip.io:0", "localhost.evil.com:0"}) {
    std::string output;
    EXPECT_EQ(RunServer(listen, &output), 2) << output;
    EXPECT_THAT(output, HasSubstr(std::string("refusing to serve on ") + listen +
                                  " without TLS and callers"));
    EXPECT_THAT(output, HasSubstr("is a host name other than localhost"));
    EXPECT_THAT(output, HasSubstr("only unix: sockets, localhost and loopback IP literals"));
  }
}

TEST(ListenAddressE2eTest, AnyAddressAndMalformedOnesAreRefused) {
  std::string output;
  EXPECT_EQ(RunServer("0.0.0.0:0", &output), 2) << output;
  // A log line (text form): the quotes in its msg are escaped.
  EXPECT_THAT(output, HasSubstr("\\\"0.0.0.0:0\\\" is not a loopback address"));
  output.clear();
  EXPECT_EQ(RunServer("[::]:0", &output), 2) << output;
  EXPECT_THAT(output, HasSubstr("is not the IPv6 loopback address"));
  output.clear();
  EXPECT_EQ(RunServer("127.0.0.1", &output), 2) << output;
  EXPECT_THAT(output, HasSubstr("has no :PORT"));
}

TEST(ListenAddressE2eTest, AnotherLoopbackAddressAndLocalhostServe) {
  // Up for two seconds, then stopped by timeout's SIGTERM (exit 124).
  for (const char* listen : {"127.0.0.2:0", "localhost:0"}) {
    std::string output;
    EXPECT_EQ(RunCommand({"/usr/bin/timeout", "2", BinaryPath("server/billing-pdp-server"),
                          "--listen", listen, "--store", "memory"},
                         &output),
              124)
        << output;
    EXPECT_THAT(output, HasSubstr("listening on")) << listen;
    EXPECT_THAT(output, ::testing::Not(HasSubstr("refusing"))) << listen;
  }
}

}  // namespace
}  // namespace pdp::testing
