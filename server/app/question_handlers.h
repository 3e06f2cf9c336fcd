// WhoCan and WhatIf: the AuthorizationService questions that decide for
// many principals at once (server/wire/questions.h). Both read the state
// only; WhatIf builds its proposed snapshot privately and never commits or
// publishes it, so the server's revision is the same after the call.
//
// Both honour min_revision (WhatIf: the largest of its own and its
// questions') by waiting until `deadline` for the server to reach it (the
// service waits first, without a thread, so the handlers find it reached).
// They can be heavy (every principal of an account, or of an organization,
// times every page) and so run on the QuestionExecutor, never on the
// completion queues that serve Authorize. WhoCan answers one page, and
// decides for at most kMaxWhoCanEvaluated principals per call
// (server/wire/questions.h); so does each of WhatIf's who_can questions,
// on each side.
#ifndef PDP_SERVER_APP_QUESTION_HANDLERS_H_
#define PDP_SERVER_APP_QUESTION_HANDLERS_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "engine/write/snapshot_builder.h"
#include "pdp/v1/authorization.pb.h"
#include "server/app/world_state.h"

namespace pdp {

// Most changes in one WhatIf call (as in ApplyChanges).
inline constexpr int kMaxWhatIfChanges = 100000;
// Most questions (authorize + list_accessible_pages + who_can) in one call.
inline constexpr int kMaxWhatIfQuestions = 1000;
// Most differences returned; beyond it differences_truncated is set.
inline constexpr size_t kMaxWhatIfDifferences = 10000;

// What WhatIf can check without the state (sizes, diff account ids, every
// min_revision), and the revision it waits for: the largest of its own and
// its questions'. INVALID_ARGUMENT with the field path otherwise.
absl::StatusOr<int64_t> CheckWhatIf(const pdp::v1::WhatIfRequest& request);

absl::Status HandleWhoCan(const WorldState& state, const pdp::v1::WhoCanRequest& request,
                          absl::Time deadline, pdp::v1::WhoCanResponse* response);

// Applies request.changes to the current snapshot with `limits` (the
// server's quotas, as its writes use), then answers each question against
// both. Errors name their place: "changes[3].put_user.user.arn" (the change
// does not apply, as ApplyChanges would report it), "authorize[2].principal",
// "who_can[0].page.page_id", "diff_account_ids[1]". Decisions on the
// proposed state carry revision 0: it is never committed. A who_can account
// that exists on one side only is answered with no principals on the other.
absl::Status HandleWhatIf(const WorldState& state, const WorldLimits& limits,
                          const pdp::v1::WhatIfRequest& request, absl::Time deadline,
                          pdp::v1::WhatIfResponse* response);

}  // namespace pdp

#endif  // PDP_SERVER_APP_QUESTION_HANDLERS_H_
