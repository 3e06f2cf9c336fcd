// The condition keys a caller sends with a request (aws:SourceIp,
// aws:CurrentTime, service keys, ...), as the engine reads them: an
// interface, so the server can hand its wire message over without copying
// it, and tests and tools can pass plain maps.
#ifndef PDP_ENGINE_DECIDE_CALLER_CONTEXT_H_
#define PDP_ENGINE_DECIDE_CALLER_CONTEXT_H_

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace pdp {

// Read-only and not owning. Implementations must visit every key exactly
// once, in a stable order, and be safe to read from several threads at once
// (the engine only reads).
class CallerContext {
 public:
  // One key's values, by pointer: the implementation keeps them alive.
  using Values = absl::Span<const std::string* const>;
  using Visitor = absl::FunctionRef<void(absl::string_view key, Values values)>;

  virtual ~CallerContext() = default;
  virtual size_t size() const = 0;  // number of keys
  virtual void ForEach(Visitor visit) const = 0;
};

// No keys: what most requests send.
class EmptyCallerContext final : public CallerContext {
 public:
  size_t size() const override { return 0; }
  void ForEach(Visitor) const override {}
};

}  // namespace pdp

#endif  // PDP_ENGINE_DECIDE_CALLER_CONTEXT_H_
