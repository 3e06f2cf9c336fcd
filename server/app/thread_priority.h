// Background threads (WhoCan/WhatIf answers, checkpoints) run at a lower CPU
// priority than the threads serving Authorize and writes, so that on a
// small machine the requests waiting on those come first.
#ifndef PDP_SERVER_APP_THREAD_PRIORITY_H_
#define PDP_SERVER_APP_THREAD_PRIORITY_H_

#include "absl/strings/string_view.h"

namespace pdp {

// Gives the calling thread (only it) niceness `nice` (0 to 19). Lowering
// one's own priority needs no privilege; if it fails anyway the thread
// still runs, only without yielding to the others, and a line on stderr
// says so, naming `what`.
void LowerThisThreadPriority(int nice, absl::string_view what);

}  // namespace pdp

#endif  // PDP_SERVER_APP_THREAD_PRIORITY_H_
