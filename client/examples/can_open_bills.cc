// Asks billing-pdp whether a principal may open the Bills page, once with a
// blocking call and once asynchronously.
//   can_open_bills [SERVER] PRINCIPAL_ARN
// Prints the decision; exits 0 when allowed, 1 when denied or on any error
// (IsAllowed-style fail-closed behaviour).
#include <chrono>
#include <cstdio>
#include <future>
#include <string>

#include "billing_pdp/authorization_client.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: can_open_bills [SERVER] PRINCIPAL_ARN\n");
    return 2;
  }
  pdp::ClientOptions options;
  if (argc > 2) options.target = argv[1];
  pdp::AuthorizationClient client(options);
  pdp::PageQuery query;
  query.principal = argv[argc - 1];
  query.page_id = "billing_bills";
  absl::StatusOr<pdp::Decision> decision = client.Authorize(query);
  if (!decision.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(decision.status().message()).c_str());
    return 1;
  }
  std::printf("%s %s\n", decision->allowed ? "ALLOW" : "DENY", decision->reason_name().c_str());

  // The same question without holding this thread: the callback runs once,
  // on a gRPC thread (here it only hands the answer back to main). A server
  // would return to its own work instead of waiting.
  std::promise<bool> allowed;
  client.IsAllowedAsync(query, pdp::CallOptions{.timeout = std::chrono::milliseconds(500)},
                        [&allowed](bool yes, absl::Status why) {
                          if (!why.ok()) {
                            std::fprintf(stderr, "async error: %s\n",
                                         std::string(why.message()).c_str());
                          }
                          allowed.set_value(yes);
                        });
  const bool async_allowed = allowed.get_future().get();
  std::printf("async: %s\n", async_allowed ? "ALLOW" : "DENY");
  return decision->allowed && async_allowed ? 0 : 1;
}
