#include "sys/pipes.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace signy::sys::detail {

void Fd::close() {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

Result<void> make_pipe(Pipe& p) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail(Errc::io_error, "pipe: " + std::string(std::strerror(errno)));
  p.read.close();
  p.write.close();
  p.read.fd = fds[0];
  p.write.fd = fds[1];
  return {};
}

ReadState read_capped(Fd& fd, std::string& out, std::size_t cap) {
  char buf[4096];
  ssize_t r = ::read(fd.fd, buf, sizeof buf);
  if (r > 0) {
    auto n = static_cast<std::size_t>(r);
    std::size_t room = cap > out.size() ? cap - out.size() : 0;
    out.append(buf, n < room ? n : room);
    return n > room ? ReadState::over_cap : ReadState::open;
  }
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return ReadState::open;
  fd.close();
  return ReadState::closed;
}

std::mutex& children_lock() {
  static std::mutex m;
  return m;
}

int reap(pid_t pid, struct rusage* usage) {
  int status = 0;
  while (::wait4(pid, &status, 0, usage) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace signy::sys::detail
