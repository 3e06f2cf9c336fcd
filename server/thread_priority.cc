#include "server/thread_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace pdp {

void LowerThisThreadPriority(int nice, absl::string_view what) {
  // On Linux, setpriority on a thread id changes that thread only.
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), nice) != 0) {
    std::fprintf(stderr, "billing-pdp-server: cannot lower the %s thread's priority: %s\n",
                 std::string(what).c_str(), std::strerror(errno));
  }
}

}  // namespace pdp
