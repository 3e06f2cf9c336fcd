#include "server/app/thread_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/log/logger.h"

namespace pdp {

void LowerThisThreadPriority(int nice, absl::string_view what) {
  // On Linux, setpriority on a thread id changes that thread only.
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), nice) != 0) {
    log::Warning("thread_priority", absl::StrCat("cannot lower the ", what,
                                                 " thread's priority: ", std::strerror(errno)));
  }
}

}  // namespace pdp
