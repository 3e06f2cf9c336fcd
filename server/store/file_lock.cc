#include "server/store/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace pdp {
namespace {

// The process holding a flock on the file `fd` is open on, from /proc/locks
// (lines like "3: FLOCK  ADVISORY  WRITE 1234 08:02:56789 0 EOF"); -1 when
// it does not say (no /proc, or the holder let go meanwhile).
long FlockHolder(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return -1;
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    char kind[16], mode[16], access[16];
    long pid;
    unsigned dev_major, dev_minor;
    unsigned long inode;
    if (line.find("->") != std::string::npos) continue;  // a waiter, not a holder
    const char* fields = std::strchr(line.c_str(), ':');
    if (fields == nullptr) continue;
    if (std::sscanf(fields + 1, "%15s %15s %15s %ld %x:%x:%lu", kind, mode, access, &pid,
                    &dev_major, &dev_minor, &inode) != 7) {
      continue;
    }
    if (std::strcmp(kind, "FLOCK") == 0 && inode == st.st_ino && dev_major == major(st.st_dev) &&
        dev_minor == minor(st.st_dev)) {
      return pid;
    }
  }
  return -1;
}

}  // namespace

absl::StatusOr<std::unique_ptr<FileLock>> FileLock::Acquire(const std::string& path) {
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) return std::unique_ptr<FileLock>(new FileLock(fd));
  const int err = errno;
  absl::Status status;
  if (err == EWOULDBLOCK) {
    const long holder = FlockHolder(fd);
    status = absl::FailedPreconditionError(
        absl::StrCat(path, " is in use by another writer (",
                     holder == getpid() ? "another store in this process"
                     : holder > 0       ? absl::StrCat("process ", holder)
                                        : std::string("another process"),
                     " holds its lock)"));
  } else {
    status = absl::UnavailableError(absl::StrCat("cannot lock ", path, ": ", std::strerror(err)));
  }
  close(fd);
  return status;
}

FileLock::~FileLock() { close(fd_); }

}  // namespace pdp
