#include "signy/util/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "signy/util/log.hpp"

namespace signy {
namespace fs = std::filesystem;

namespace {

// The pid the holder wrote into the lock file, or "" when there is none (yet).
std::string recorded_holder(int fd) {
  char buf[24] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return {};
  std::string s(buf, static_cast<std::size_t>(n));
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string::npos) return {};
  return s;
}

std::string holder_text(int fd) {
  auto pid = recorded_holder(fd);
  return pid.empty() ? "another process" : "process " + pid;
}

}  // namespace

Result<FileLock> FileLock::acquire(const fs::path& path, std::chrono::milliseconds wait) {
  // O_NONBLOCK: a FIFO planted at the path must not block the open (it is then refused below).
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0600);
  if (fd < 0) {
    int err = errno;
    if (err == ELOOP) return fail(Errc::io_error, "lock file " + path.string() + " is a symbolic link");
    return fail(Errc::io_error, "cannot open the lock file " + path.string() + ": " + std::strerror(err));
  }
  FileLock lock(fd, path);  // closes fd on every return below
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(Errc::io_error, "cannot stat the lock file " + path.string() + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fail(Errc::io_error, "lock file " + path.string() + " is not a regular file");

  auto deadline = std::chrono::steady_clock::now() + wait;
  auto pause = std::chrono::milliseconds(2);
  bool told = false;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    if (err == EINTR) continue;
    if (err != EWOULDBLOCK)
      return fail(Errc::io_error, "cannot lock " + path.string() + ": " + std::strerror(err));
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      char secs[32];
      std::snprintf(secs, sizeof secs, "%.1f", static_cast<double>(wait.count()) / 1000.0);
      return fail(Errc::lock_timeout, path.string() + " is still locked by " + holder_text(fd) + " after " + secs +
                                          " s: another signy is writing the same data (SIGNY_LOCK_TIMEOUT sets the wait in seconds)");
    }
    if (!told) {
      log::info("waiting for " + path.string() + " (locked by " + holder_text(fd) + ")");
      told = true;
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
  // Who holds it, for the message of a writer that gives up waiting.
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
    log::debug("cannot record the pid in " + path.string() + ": " + std::strerror(errno));
  return lock;
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

}  // namespace signy
