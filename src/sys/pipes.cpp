#include "sys/pipes.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "signy/util/file.hpp"

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

namespace {
int open_nofollow(int at, const char* path, int flags, bool beneath) {
  if (!beneath) return ::openat(at, path, flags | O_NOFOLLOW | O_CLOEXEC);
  return open_beneath(at, path, flags | O_NOFOLLOW, RESOLVE_NO_SYMLINKS);
}
}  // namespace

int open_dir_listable(int at, const char* path, bool beneath) {
  Fd where(open_nofollow(at, path, O_PATH, beneath));
  struct stat st {};
  if (where.fd < 0 || ::fstat(where.fd, &st) != 0 || !S_ISDIR(st.st_mode)) return -1;
  if ((st.st_mode & 0700) != 0700) {
    // The inode the O_PATH descriptor holds, whatever its name now points at.
    std::string self = "/proc/self/fd/" + std::to_string(where.fd);
    if (::chmod(self.c_str(), 0700) != 0) ::fchmodat(at, path, 0700, AT_SYMLINK_NOFOLLOW);
  }
  Fd dir(open_nofollow(at, path, O_RDONLY | O_DIRECTORY, beneath));
  struct stat again {};
  if (dir.fd < 0 || ::fstat(dir.fd, &again) != 0 || again.st_dev != st.st_dev || again.st_ino != st.st_ino) return -1;
  int fd = dir.fd;
  dir.fd = -1;
  return fd;
}

}  // namespace signy::sys::detail
