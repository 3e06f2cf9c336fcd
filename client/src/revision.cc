#include "billing_pdp/revision.h"

#include <string>

#include "absl/strings/numbers.h"

namespace pdp {

std::optional<int64_t> ResponseRevision(const grpc::ClientContext& ctx) {
  const auto& trailers = ctx.GetServerTrailingMetadata();
  auto it = trailers.find(kRevisionTrailer);
  if (it == trailers.end()) return std::nullopt;
  int64_t revision = 0;
  if (!absl::SimpleAtoi(std::string(it->second.data(), it->second.size()), &revision)) {
    return std::nullopt;
  }
  return revision;
}

}  // namespace pdp
