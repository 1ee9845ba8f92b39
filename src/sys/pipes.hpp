// Pieces shared by the two process runners (process.cpp: credential helpers; sandbox.cpp:
// in-toto inspections): an owned descriptor, a close-on-exec pipe, a capped non-blocking read,
// and reaping a child.
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

}  // namespace signy::sys::detail
