// Pieces shared by the two process runners (process.cpp: credential helpers; sandbox.cpp:
// in-toto inspections): an owned descriptor, a close-on-exec pipe, a capped non-blocking read,
// and reaping a child; opening a directory that a command left unreadable, to remove it.
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <mutex>
#include <string>

#include "signy/util/result.hpp"

struct rusage;

namespace signy::sys::detail {

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { close(); }
  void close();
};

struct Pipe {
  Fd read, write;
};
// Both ends close-on-exec; the caller dups the child's end into place.
Result<void> make_pipe(Pipe& p);

enum class ReadState { open, closed, over_cap };
// One read from a non-blocking descriptor into `out`, which never grows past `cap`: bytes beyond
// it are dropped and reported as over_cap. End of file or an error closes the descriptor.
ReadState read_capped(Fd& fd, std::string& out, std::size_t cap);

// Held by each runner for as long as its child lives: while run_bounded makes this process a
// child subreaper, every new child of ours is the inspection's (or an orphan of it), never a
// credential helper's that process.cpp waits for.
std::mutex& children_lock();

// waitpid/wait4 retried on EINTR; the raw status (and the child's resource usage if asked).
int reap(pid_t pid, struct rusage* usage = nullptr);

// Opens the directory `path` (below `at`) O_RDONLY for listing after making it 0700: a command
// may have left it 000, which even its owner cannot open until then. Never follows a link: an
// O_PATH open (`beneath`: openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, else O_NOFOLLOW on the
// last component) must be a directory, its mode is changed through /proc/self/fd (fchmodat
// AT_SYMLINK_NOFOLLOW without /proc), and the second open must be the same inode. -1 on failure.
int open_dir_listable(int at, const char* path, bool beneath);

}  // namespace signy::sys::detail
