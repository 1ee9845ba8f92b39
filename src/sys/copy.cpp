#include "signy/sys/copy.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "signy/util/file.hpp"
#include "signy/util/parallel.hpp"
#include "signy/util/text.hpp"
#include "sys/pipes.hpp"

namespace signy::sys {
namespace {
using detail::Fd;

std::string errno_text(int e) { return std::strerror(e); }

constexpr mode_t kModeBits = 0777;  // no set-ID, no sticky bit

struct Job {
  std::string rel;  // the same relative path in both trees
  mode_t mode;
};

struct Copier {
  int src_root, dst_root;
  std::string what;  // for messages
  std::vector<Job> files;

  tl::unexpected<Error> error(Errc code, const std::string& rel, const std::string& why) const {
    return fail(code, "copying " + escape_control(what) + ": " + escape_control(rel) + ": " + why);
  }

  // Directory `rel` of the source, open as `dir`; its copy exists.
  Status walk(int dir, const std::string& rel, int depth) {
    if (depth > 256) return error(Errc::unsafe_archive, rel, "directories nested deeper than 256");
    int dup = ::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dup < 0) return error(Errc::io_error, rel, errno_text(errno));
    DIR* d = ::fdopendir(dup);
    if (!d) {
      int err = errno;
      ::close(dup);
      return error(Errc::io_error, rel, errno_text(err));
    }
    struct Closer {
      DIR* d;
      ~Closer() { ::closedir(d); }
    } closer{d};
    std::vector<std::string> subdirs;
    for (;;) {
      errno = 0;
      struct dirent* e = ::readdir(d);
      if (!e) {
        if (errno != 0) return error(Errc::io_error, rel.empty() ? "." : rel, errno_text(errno));
        break;
      }
      std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string key = rel.empty() ? std::string(name) : rel + "/" + std::string(name);
      struct stat st {};
      if (::fstatat(dir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) return error(Errc::io_error, key, errno_text(errno));
      if (S_ISREG(st.st_mode)) {
        files.push_back({std::move(key), st.st_mode & kModeBits});
      } else if (S_ISDIR(st.st_mode)) {
        if (::mkdirat(dst_root, key.c_str(), (st.st_mode & kModeBits) | S_IRWXU) != 0)
          return error(Errc::io_error, key, errno_text(errno));
        subdirs.emplace_back(name);
      } else if (S_ISLNK(st.st_mode)) {
        Fd target(open_beneath(src_root, key.c_str(), O_PATH));
        if (target.fd < 0) {
          if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) continue;  // broken: left out (recording skips it)
          if (errno == EXDEV) return error(Errc::unsafe_archive, key, "a symbolic link that leads outside the directory");
          return error(Errc::io_error, key, errno_text(errno));
        }
        std::string text(4096, '\0');
        ssize_t n = ::readlinkat(dir, e->d_name, text.data(), text.size());
        if (n < 0) return error(Errc::io_error, key, errno_text(errno));
        text.resize(static_cast<std::size_t>(n));
        if (::symlinkat(text.c_str(), dst_root, key.c_str()) != 0) return error(Errc::io_error, key, errno_text(errno));
      } else {
        return error(Errc::unsafe_archive, key, "not a regular file, directory or symbolic link");
      }
    }
    for (const auto& name : subdirs) {
      std::string key = rel.empty() ? name : rel + "/" + name;
      Fd sub(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (sub.fd < 0) return error(Errc::io_error, key, errno_text(errno));
      SIGNY_TRY_VOID(walk(sub.fd, key, depth + 1));
    }
    return {};
  }
};

// The bytes of src (a regular file) into dst: in the kernel, without a user-space buffer.
Status copy_bytes(int src, int dst) {
  bool range = true;
  for (;;) {
    ssize_t n = range ? ::copy_file_range(src, nullptr, dst, nullptr, 1 << 30, 0) : ::sendfile(dst, src, nullptr, 1 << 30);
    if (n == 0) return {};
    if (n < 0) {
      if (errno == EINTR) continue;
      if (range && (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS)) {
        range = false;  // another file system: sendfile works between any two regular files
        continue;
      }
      return fail(Errc::io_error, errno_text(errno));
    }
  }
}

// in: the source, open; checked to be a regular file here.
Status copy_one(int in_fd, int dst_dir, const char* dst_name, mode_t mode) {
  Fd in(in_fd);
  if (in.fd < 0) return fail(Errc::io_error, errno_text(errno));
  struct stat st {};
  if (::fstat(in.fd, &st) != 0) return fail(Errc::io_error, errno_text(errno));
  if (!S_ISREG(st.st_mode)) return fail(Errc::unsafe_archive, "no longer a regular file");
  Fd out(open_beneath(dst_dir, dst_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, RESOLVE_NO_SYMLINKS, mode));
  if (out.fd < 0) return fail(Errc::io_error, errno_text(errno));
  SIGNY_TRY_VOID(copy_bytes(in.fd, out.fd));
  if (::fchmod(out.fd, mode) != 0) return fail(Errc::io_error, errno_text(errno));  // past the umask
  return {};
}

}  // namespace

Status copy_tree(const std::filesystem::path& from, const std::filesystem::path& to, unsigned threads) {
  std::string what = from.string();
  Fd dst(::open(to.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dst.fd < 0) return fail(Errc::io_error, "copying into " + escape_control(to.string()) + ": " + errno_text(errno));
  struct stat st {};
  if (::stat(from.c_str(), &st) != 0) return fail(Errc::io_error, "copying " + escape_control(what) + ": " + errno_text(errno));
  if (S_ISREG(st.st_mode)) {
    std::string name = from.filename().string();
    if (name.empty() || name == "." || name == "..") return fail(Errc::usage, "copying " + escape_control(what) + ": no file name");
    auto st2 = copy_one(::open(from.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC), dst.fd, name.c_str(),
                        st.st_mode & kModeBits);
    if (!st2) return fail(st2.error().code, "copying " + escape_control(what) + ": " + st2.error().message);
    return {};
  }
  if (!S_ISDIR(st.st_mode))
    return fail(Errc::unsafe_archive, "copying " + escape_control(what) + ": not a regular file or directory");
  Fd src(::open(from.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (src.fd < 0) return fail(Errc::io_error, "copying " + escape_control(what) + ": " + errno_text(errno));
  Copier c{src.fd, dst.fd, what, {}};
  SIGNY_TRY_VOID(c.walk(src.fd, "", 0));

  std::mutex mu;
  std::optional<Error> first;
  parallel_for(c.files.size(), c.files.size() < 64 ? 1 : threads, [&](std::size_t i) {
    const Job& j = c.files[i];
    // Only real directories lead there (links were recreated, not followed).
    auto s = copy_one(open_beneath(src.fd, j.rel.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, RESOLVE_NO_SYMLINKS),
                      dst.fd, j.rel.c_str(), j.mode);
    if (s) return true;
    std::lock_guard lock(mu);
    if (!first) first = Error{s.error().code, "copying " + escape_control(what) + ": " + escape_control(j.rel) + ": " + s.error().message};
    return false;
  });
  if (first) return tl::unexpected(std::move(*first));
  return {};
}

void clear_tree(const std::filesystem::path& dir, unsigned threads) {
  Fd root(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));  // only a base: listing it may need a chmod
  if (root.fd < 0) return;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> queue{std::string(".")};  // directories to empty, relative to dir
  unsigned busy = 0;
  auto empty_one = [&](const std::string& rel, std::vector<std::string>& subdirs) {
    Fd d(detail::open_dir_listable(root.fd, rel.c_str(), true));  // a command may have left it 000
    if (d.fd < 0) return;
    int list_fd = ::openat(d.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* listing = list_fd < 0 ? nullptr : ::fdopendir(list_fd);
    if (!listing) {
      if (list_fd >= 0) ::close(list_fd);
      return;
    }
    while (struct dirent* e = ::readdir(listing)) {
      std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      if (e->d_type == DT_DIR || ((e->d_type == DT_UNKNOWN) && ::unlinkat(d.fd, e->d_name, 0) != 0 && errno == EISDIR))
        subdirs.push_back(rel == "." ? std::string(name) : rel + "/" + std::string(name));
      else if (e->d_type != DT_UNKNOWN)
        ::unlinkat(d.fd, e->d_name, 0);
    }
    ::closedir(listing);
  };
  auto work = [&] {
    std::vector<std::string> subdirs;
    std::unique_lock lock(mu);
    for (;;) {
      cv.wait(lock, [&] { return !queue.empty() || busy == 0; });
      if (queue.empty()) return;  // nothing queued and nobody who could queue more
      std::string rel = std::move(queue.front());
      queue.pop_front();
      ++busy;
      lock.unlock();
      subdirs.clear();
      empty_one(rel, subdirs);
      lock.lock();
      for (auto& s : subdirs) queue.push_back(std::move(s));
      --busy;
      cv.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < std::max(1u, threads); ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

}  // namespace signy::sys
