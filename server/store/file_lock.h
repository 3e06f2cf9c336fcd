// An exclusive advisory lock on a file, held for the object's life: how a
// SQLite store makes sure one process at a time writes it (two servers on
// one file would each serve their own, diverging, history).
//
// flock(2), not fcntl(2) locks: SQLite uses fcntl locks on the same file,
// and the two kinds do not interact on Linux. The lock's descriptor is
// closed only when the object goes (after the store's SQLite connections
// close: closing any descriptor of a file drops the process's fcntl locks
// on it). A process that dies releases the lock with it.
//
// Thread-safety: the object is immutable once made.
#ifndef PDP_SERVER_STORE_FILE_LOCK_H_
#define PDP_SERVER_STORE_FILE_LOCK_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace pdp {

class FileLock {
 public:
  // Opens `path` (creating an empty file, mode 0644 less the umask, when
  // there is none) and takes the lock without waiting. FAILED_PRECONDITION
  // when another open file (another process, or another store in this one)
  // holds it, the message naming the file and, when /proc/locks tells, the
  // holder's process id; UNAVAILABLE when the file cannot be opened or
  // locked.
  static absl::StatusOr<std::unique_ptr<FileLock>> Acquire(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  const int fd_;
};

}  // namespace pdp

#endif  // PDP_SERVER_STORE_FILE_LOCK_H_
