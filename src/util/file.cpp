#include "signy/util/file.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "signy/util/log.hpp"

namespace signy {

int open_beneath(int dirfd, const char* path, int flags, std::uint64_t resolve, unsigned mode) {
  struct open_how how {};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | resolve;
  int fd;
  do {
    fd = static_cast<int>(::syscall(SYS_openat2, dirfd, path, &how, sizeof how));
  } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  return fd;
}
namespace fs = std::filesystem;

namespace {
std::string errno_text(int err) { return std::strerror(err); }

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "directory";
  if (S_ISFIFO(mode)) return "FIFO";
  if (S_ISCHR(mode)) return "character device";
  if (S_ISBLK(mode)) return "block device";
  if (S_ISSOCK(mode)) return "socket";
  if (S_ISLNK(mode)) return "symbolic link";
  return "unknown file type";
}

Error not_regular(const fs::path& path, mode_t mode) {
  return Error{Errc::io_error, path.string() + ": not a regular file (" + file_kind(mode) + ")"};
}

// A missing file is not_found, unless the name exists as a symlink to nothing: callers that treat
// "absent" specially (the cached root: first use) must not take a dangling link for absence.
Error open_error(const fs::path& path, int err) {
  struct stat lst {};
  if (err == ENOENT && ::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode))
    return Error{Errc::io_error, "cannot open " + path.string() + ": dangling symbolic link"};
  return Error{err == ENOENT ? Errc::not_found : Errc::io_error, "cannot open " + path.string() + ": " + errno_text(err)};
}

// Opens a regular file for reading (issue 7 item 4). O_NONBLOCK: opening a FIFO that has no writer
// returns at once instead of blocking. stat(2) first spares a device the open itself; fstat(2) of
// the descriptor is what decides (the name may have changed in between). O_NONBLOCK is then
// cleared: regular files ignore it, but nothing downstream should see a non-blocking descriptor.
// `no_follow`: a symbolic link is refused (O_NOFOLLOW), for files whose owner and mode matter.
Result<int> open_regular(const fs::path& path, struct stat& st, bool no_follow = false) {
  if ((no_follow ? ::lstat(path.c_str(), &st) : ::stat(path.c_str(), &st)) == 0 && !S_ISREG(st.st_mode))
    return tl::unexpected(not_regular(path, st.st_mode));
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | (no_follow ? O_NOFOLLOW : 0));
  if (fd < 0) return tl::unexpected(open_error(path, errno));
  Fd f{fd};
  if (::fstat(fd, &st) != 0) return fail(Errc::io_error, "cannot stat " + path.string() + ": " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) return tl::unexpected(not_regular(path, st.st_mode));
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
    return fail(Errc::io_error, "cannot read " + path.string() + ": " + errno_text(errno));
  f.fd = -1;
  return fd;
}
}  // namespace

namespace {
// The rest of a capped read, from a descriptor open_regular gave and its fstat.
Result<std::string> read_open_file(const Fd& f, const struct stat& st, const fs::path& path, std::uintmax_t max_size) {
  if (static_cast<std::uintmax_t>(st.st_size) > max_size)
    return fail(Errc::too_large, path.string() + " is larger than " + std::to_string(max_size) + " bytes");
  std::string out;
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (true) {
    if (done == out.size()) {
      if (out.size() >= max_size + 1) break;
      out.resize(std::min<std::uintmax_t>(out.size() + 4096, max_size + 1));  // file may have grown
    }
    ssize_t n = ::read(f.fd, out.data() + done, out.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::io_error, "cannot read " + path.string() + ": " + errno_text(errno));
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  if (done > max_size)
    return fail(Errc::too_large, path.string() + " is larger than " + std::to_string(max_size) + " bytes");
  out.resize(done);
  return out;
}
}  // namespace

Result<std::string> read_file_limited(const fs::path& path, std::uintmax_t max_size) {
  struct stat st {};
  Fd f{SIGNY_TRY(open_regular(path, st))};
  return read_open_file(f, st, path, max_size);
}

Status check_regular_file(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return tl::unexpected(open_error(path, errno));
  if (!S_ISREG(st.st_mode)) return tl::unexpected(not_regular(path, st.st_mode));
  return {};
}

Status atomic_write(const fs::path& path, std::string_view data, unsigned mode, const fs::path& temp_dir) {
  fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  fs::path tdir = temp_dir.empty() ? dir : temp_dir;
  for (int attempt = 1;; ++attempt) {
    std::string tmpl = (tdir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
    int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) return fail(Errc::io_error, "cannot create a temporary file in " + tdir.string() + ": " + errno_text(errno));
    Fd f{fd};
    auto cleanup = [&](std::string why) {
      ::unlink(tmpl.c_str());
      return fail(Errc::io_error, "cannot write " + path.string() + ": " + why);
    };
    // Locked until renamed: remove_stale_temp_files leaves the file of a live writer alone.
    while (::flock(fd, LOCK_EX) != 0)
      if (errno != EINTR) return cleanup(errno_text(errno));
    if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) return cleanup(errno_text(errno));
    std::size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(fd, data.data() + done, data.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return cleanup(errno_text(errno));
      }
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) return cleanup(errno_text(errno));
    if (::rename(tmpl.c_str(), path.c_str()) != 0) {
      int err = errno;
      // A cleaner may have taken the file in the instant between mkostemp and flock: write again.
      std::error_code ec;
      if (err == ENOENT && attempt < 3 && ::access(tmpl.c_str(), F_OK) != 0 && fs::is_directory(dir, ec)) continue;
      ::unlink(tmpl.c_str());
      return fail(Errc::io_error, "cannot write " + path.string() + ": " + errno_text(err));
    }
    break;  // the data is durable (fsync): closing the descriptor only releases the lock
  }
  // Make the rename durable.
  Fd d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd >= 0) ::fsync(d.fd);
  return {};
}

bool is_temp_file_name(std::string_view name) {
  // "." + <file name> + ".tmp-" + six characters of mkostemp.
  constexpr std::string_view tag = ".tmp-";
  if (name.size() < 1 + 1 + tag.size() + 6 || name.front() != '.') return false;
  if (name.substr(name.size() - 6 - tag.size(), tag.size()) != tag) return false;
  auto suffix = name.substr(name.size() - 6);
  return std::all_of(suffix.begin(), suffix.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

std::size_t remove_stale_temp_files(const fs::path& dir) {
  std::size_t removed = 0;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (it.depth() > 8) it.disable_recursion_pending();
    auto name = it->path().filename().string();
    if (!is_temp_file_name(name)) continue;
    Fd f{::open(it->path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)};
    struct stat st {}, now {};
    if (f.fd < 0 || ::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (::flock(f.fd, LOCK_EX | LOCK_NB) != 0) continue;  // its writer is still running
    // Still the same file under that name (not renamed away and replaced meanwhile).
    if (::lstat(it->path().c_str(), &now) != 0 || now.st_ino != st.st_ino || now.st_dev != st.st_dev) continue;
    if (::unlink(it->path().c_str()) == 0) {
      ++removed;
      log::info("removed " + it->path().string() + ", a temporary file left by an interrupted run");
    } else {
      log::warn("cannot remove the temporary file " + it->path().string() + ": " + errno_text(errno));
    }
  }
  return removed;
}

Status make_private_dirs(const fs::path& path, unsigned mode) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return {};
  if (!path.parent_path().empty() && path.parent_path() != path) {
    SIGNY_TRY_VOID(make_private_dirs(path.parent_path(), mode));
  }
  if (::mkdir(path.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST)
    return fail(Errc::io_error, "cannot create directory " + path.string() + ": " + errno_text(errno));
  if (!fs::is_directory(path, ec)) return fail(Errc::io_error, path.string() + " is not a directory");
  return {};
}

namespace {
// Group or other bits on a private file or directory: one message, with the chmod that fixes it.
Status check_owner_only(const fs::path& path, mode_t mode, const char* what, const char* fix) {
  if ((mode & 077) == 0) return {};
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return fail(Errc::bad_permissions, path.string() + " has mode " + buf + ", " + what +
                                          " must not be accessible by group or others (" + fix + ")");
}
}  // namespace

Status check_private_file(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return fail(Errc::io_error, "cannot stat " + path.string() + ": " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) return fail(Errc::bad_permissions, path.string() + " is not a regular file");
  return check_owner_only(path, st.st_mode, "private key files", "chmod 600");
}

Result<std::string> read_private_file(const fs::path& path, std::uintmax_t max_size) {
  struct stat st {};
  Fd f{SIGNY_TRY(open_regular(path, st, /*no_follow=*/true))};
  SIGNY_TRY_VOID(check_owner_only(path, st.st_mode, "private key files", "chmod 600"));
  return read_open_file(f, st, path, max_size);
}

Status check_private_dir(const fs::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return fail(Errc::io_error, "cannot stat " + dir.string() + ": " + errno_text(errno));
  if (!S_ISDIR(st.st_mode)) return fail(Errc::bad_permissions, dir.string() + " is not a directory");
  return check_owner_only(dir, st.st_mode, "the private key directory", "chmod 700");
}

}  // namespace signy

namespace signy {

Result<FileReader> FileReader::open(const fs::path& path) {
  struct stat st {};
  int fd = SIGNY_TRY(open_regular(path, st));
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return FileReader(fd, path, static_cast<std::uint64_t>(st.st_size));
}

FileReader::~FileReader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::size_t> FileReader::read(std::span<std::uint8_t> buf) {
  auto longer = [&] {
    return fail(Errc::io_error, path_.string() + ": longer than " + std::to_string(limit_) + " bytes" +
                                    (limit_ >= size_ ? " (it grew while it was read)" : ""));
  };
  if (read_ > limit_) return longer();
  // At the limit, one more byte tells a longer file from one that ends there.
  std::uint8_t probe = 0;
  std::span<std::uint8_t> into = read_ == limit_ ? std::span<std::uint8_t>(&probe, 1) : buf.first(std::min<std::uint64_t>(buf.size(), limit_ - read_));
  std::size_t done = 0;
  while (done < into.size()) {
    ssize_t n = ::read(fd_, into.data() + done, into.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::io_error, "cannot read " + path_.string() + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  read_ += done;
  if (read_ > limit_) return longer();
  return done;
}

}  // namespace signy
