// The wire API of the decision engine: pdp.v1 requests, decisions and
// explanations mapped to and from the engine's own types
// (engine/decide/decide.h), in one place. The server's handlers, the
// questions (questions.h), the access matrix, pdpctl and the tests use it;
// the engine itself never does (it is in pdp_wire, which the engine does not
// link: issue 14). Thread-safe like Decide().
#ifndef PDP_SERVER_WIRE_WIRE_DECIDE_H_
#define PDP_SERVER_WIRE_WIRE_DECIDE_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/decide/caller_context.h"
#include "engine/decide/decide.h"
#include "engine/decide/decision_trace.h"
#include "engine/decide/decision_types.h"
#include "engine/model/snapshot.h"
#include "pdp/v1/decision.pb.h"

namespace pdp {

// A pdp.v1.RequestContext read in place (it must outlive this view).
class ProtoCallerContext final : public CallerContext {
 public:
  explicit ProtoCallerContext(const pdp::v1::RequestContext& context) : context_(context) {}
  size_t size() const override { return context_.keys_size(); }
  void ForEach(Visitor visit) const override;

 private:
  const pdp::v1::RequestContext& context_;
};

pdp::v1::Effect ToWire(Effect effect);
pdp::v1::Reason ToWire(Reason reason);

// `verdict` as a Decision about `page` (null for an action target: no
// features), into `out` (cleared first).
void ToWire(const Verdict& verdict, const CatalogPage* page, pdp::v1::Decision& out);
pdp::v1::Decision ToWire(const Verdict& verdict, const CatalogPage* page);
// `trace` as an Explanation, appended to `out`.
void ToWire(const DecisionTrace& trace, pdp::v1::Explanation& out);

// The request's target: page (page_id, then access: VIEW or MODIFY) or
// action, into `target` (freshly constructed; it points into `request`).
// INVALID_ARGUMENT naming the field; `target` when neither is set.
absl::Status TargetOf(const PageCatalog& catalog, const pdp::v1::AuthorizeRequest& request,
                      Target& target);

// A whole request, in the order errors are reported: the principal and
// account_id, the target, the context. Fills `principal` and `target`
// (freshly constructed; both point into `snapshot` and `request`).
absl::Status PrepareRequest(const Snapshot& snapshot, const pdp::v1::AuthorizeRequest& request,
                            ResolvedPrincipal& principal, Target& target);

// Decides one request. INVALID_ARGUMENT (with the field path) for requests
// that are the caller's bug: malformed ARN or account id, unknown page, no
// target, a context over its limits. When `explanation` is given it
// receives every gate and every statement considered.
absl::StatusOr<pdp::v1::Decision> Decide(const Snapshot& snapshot,
                                         const pdp::v1::AuthorizeRequest& request,
                                         pdp::v1::Explanation* explanation = nullptr,
                                         const DecideOptions& options = {});

struct PageDecision {
  const CatalogPage* page;
  pdp::v1::Decision view;
  pdp::v1::Decision modify;
};

// VIEW and MODIFY decisions for every catalogue page, in catalogue order,
// resolving the principal once. Same answers as Decide() page by page.
absl::StatusOr<std::vector<PageDecision>> DecideAllPages(const Snapshot& snapshot,
                                                         absl::string_view principal,
                                                         absl::string_view account_id,
                                                         const pdp::v1::RequestContext& context,
                                                         const DecideOptions& options = {});

// The same for `pages` only (pointers into snapshot.catalog(), in the order
// given): a principal resolved once, asked about a few columns.
absl::StatusOr<std::vector<PageDecision>> DecidePages(const Snapshot& snapshot,
                                                      absl::string_view principal,
                                                      absl::string_view account_id,
                                                      const pdp::v1::RequestContext& context,
                                                      const std::vector<const CatalogPage*>& pages,
                                                      const DecideOptions& options = {});

}  // namespace pdp

#endif  // PDP_SERVER_WIRE_WIRE_DECIDE_H_
