#include "signy/intoto/record.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "signy/crypto/digest.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/file.hpp"
#include "signy/util/parallel.hpp"
#include "signy/util/text.hpp"

namespace signy::intoto {
namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) noexcept : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }
  explicit operator bool() const noexcept { return fd_ >= 0; }

 private:
  int fd_;
};

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    char32_t cp = len == 2 ? (b & 0x1f) : len == 3 ? (b & 0x0f) : (b & 0x07);
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp > 0x10ffff || (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

std::string errno_text(int e) { return std::strerror(e); }

struct Walker {
  int base;
  std::string base_name;  // for messages
  std::size_t max;
  std::vector<std::string> files;               // keys, relative to base
  // For a file found as a regular file (not through a link): its directory, kept open, so that
  // hashing opens one name there (openat O_NOFOLLOW) instead of resolving the whole key again.
  // -1: opened by key below base (a link, or past kMaxDirs directories).
  std::vector<int> file_dir;
  std::vector<Fd> dirs;
  static constexpr std::size_t kMaxDirs = 256;
  std::set<std::pair<dev_t, ino_t>> ancestry;  // directories being walked (link cycles)

  tl::unexpected<Error> error(Errc code, const std::string& rel, const std::string& why) const {
    return fail(code, "recording " + escape_control(base_name) + ": " + escape_control(rel) + ": " + why);
  }

  // Walks the directory open as `dir` whose key prefix is `rel` ("" for base).
  Status walk(Fd dir, const std::string& rel) {
    struct stat st {};
    if (::fstat(dir.get(), &st) != 0) return error(Errc::io_error, rel.empty() ? "." : rel, errno_text(errno));
    // os.walk (no onerror) ignores a directory it cannot list, and os.path.isfile is false for
    // every name in one it cannot search: either way nothing below it is recorded.
    if (::faccessat(dir.get(), ".", R_OK | X_OK, AT_EACCESS) != 0 && errno == EACCES) return {};
    auto id = std::make_pair(st.st_dev, st.st_ino);
    if (!ancestry.insert(id).second)
      return error(Errc::unsafe_archive, rel, "a symbolic link leads back to a directory above it");
    int raw = dir.release();
    DIR* d = ::fdopendir(raw);
    if (!d) {
      int err = errno;
      ::close(raw);
      return error(Errc::io_error, rel.empty() ? "." : rel, errno_text(err));
    }
    struct Closer {
      DIR* d;
      ~Closer() { ::closedir(d); }
    } closer{d};  // closedir closes the descriptor
    std::vector<std::pair<std::string, bool>> subdirs;  // name, via a link
    int kept = -1;  // this directory's index in dirs, made on its first regular file
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
      if (!valid_utf8(name)) return error(Errc::unsupported_value, key, "the name is not UTF-8");
      // Pruned or dropped by its name before anything is resolved: runlib matches the excludes
      // against the names os.walk lists, so an excluded link is never followed, wherever it leads.
      if (excluded_by_default(name)) continue;
      unsigned char type = e->d_type;
      if (type == DT_UNKNOWN) {
        struct stat lst {};
        if (::fstatat(::dirfd(d), e->d_name, &lst, AT_SYMLINK_NOFOLLOW) != 0) return error(Errc::io_error, key, errno_text(errno));
        type = S_ISDIR(lst.st_mode) ? DT_DIR : S_ISREG(lst.st_mode) ? DT_REG : S_ISLNK(lst.st_mode) ? DT_LNK : DT_FIFO;
      }
      if (type == DT_LNK) {
        // Resolve it below base: what it points at decides (os.walk / os.path.isfile follow it).
        Fd target(open_beneath(base, key.c_str(), O_PATH));
        if (!target) {
          int err = errno;
          if (err == ENOENT || err == ENOTDIR || err == ELOOP || err == EACCES)
            continue;  // broken, a loop, or behind a directory we may not search: os.path.isfile is false
          if (err == EXDEV) return error(Errc::unsafe_archive, key, "a symbolic link that leads outside the directory");
          return error(Errc::io_error, key, errno_text(err));
        }
        struct stat tst {};
        if (::fstat(target.get(), &tst) != 0) return error(Errc::io_error, key, errno_text(errno));
        type = S_ISDIR(tst.st_mode) ? DT_DIR : S_ISREG(tst.st_mode) ? DT_REG : DT_FIFO;
      }
      if (type == DT_DIR) {
        subdirs.emplace_back(std::string(name), e->d_type == DT_LNK);
      } else if (type == DT_REG) {
        if (files.size() >= max)
          return fail(Errc::too_large, "recording " + escape_control(base_name) + ": more than " + std::to_string(max) + " files");
        int where = -1;
        if (e->d_type == DT_REG) {
          if (kept < 0 && dirs.size() < kMaxDirs) {
            Fd copy(::fcntl(::dirfd(d), F_DUPFD_CLOEXEC, 0));
            if (copy) {
              dirs.push_back(std::move(copy));
              kept = static_cast<int>(dirs.size() - 1);
            }
          }
          where = kept;
        }
        files.push_back(std::move(key));
        file_dir.push_back(where);
      }  // FIFOs, sockets, devices: skipped (not isfile)
    }
    for (auto& [name, via_link] : subdirs) {
      std::string key = rel.empty() ? name : rel + "/" + name;
      Fd sub(via_link ? open_beneath(base, key.c_str(), O_RDONLY | O_DIRECTORY)
                      : ::openat(::dirfd(d), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub && errno == EACCES) continue;  // unreadable: os.walk ignores it
      if (!sub) return error(Errc::io_error, key, errno_text(errno));
      SIGNY_TRY_VOID(walk(std::move(sub), key));
    }
    ancestry.erase(id);
    return {};
  }
};

// sha256 of the regular file `key` below base, read with one buffer; `dir` >= 0: the file's
// directory, where its last component is opened without following a link.
Result<std::string> hash_file(int base, int dir, const std::string& key, std::vector<std::uint8_t>& buf) {
  constexpr int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY;
  auto slash = key.rfind('/');
  const char* name = key.c_str() + (slash == std::string::npos ? 0 : slash + 1);
  // O_NOATIME: a file just written by the inspection would otherwise have its access time set
  // (relatime) on this first read; refused (EPERM) for a file someone else owns.
  Fd fd(dir >= 0 ? ::openat(dir, name, flags | O_NOATIME | O_NOFOLLOW | O_CLOEXEC)
                 : open_beneath(base, key.c_str(), flags | O_NOATIME));
  if (!fd && errno == EPERM)
    fd = Fd(dir >= 0 ? ::openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC) : open_beneath(base, key.c_str(), flags));
  if (!fd) return fail(Errc::io_error, key + ": " + errno_text(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail(Errc::io_error, key + ": " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) return fail(Errc::io_error, key + ": no longer a regular file");
  crypto::Sha256Hasher h;
  std::uint64_t total = 0;
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::io_error, key + ": " + errno_text(errno));
    }
    if (n == 0) break;
    h.update(std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)));
    total += static_cast<std::uint64_t>(n);
    // A read of a regular file stops short only at its end: a short read that brings the bytes
    // to exactly the size fstat gave is the end, and the read that would return 0 (half the reads
    // of small files) is saved. Size 0 (procfs, some FUSE files report it whatever they hold) or
    // any other count: read on to the 0, as the reference does.
    if (static_cast<std::size_t>(n) < buf.size() && st.st_size > 0 && total == static_cast<std::uint64_t>(st.st_size))
      break;
  }
  auto d = h.finish();
  return hex_encode(d);
}

}  // namespace

bool excluded_by_default(std::string_view c) noexcept {
  // "*.link*", ".git", "*.pyc", "*~": '*' matches any run of characters within the component.
  return c.find(".link") != std::string_view::npos || c == ".git" || c.ends_with(".pyc") || c.ends_with('~');
}

Result<ArtifactMap> record_artifacts(const std::filesystem::path& base, const RecordOptions& options) {
  Fd root(::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return fail(Errc::io_error, "recording " + escape_control(base.string()) + ": " + errno_text(errno));
  Walker w{root.get(), base.string(), options.max_artifacts, {}, {}, {}, {}};
  Fd top(::dup(root.get()));
  if (!top) return fail(Errc::io_error, "recording " + escape_control(base.string()) + ": " + errno_text(errno));
  SIGNY_TRY_VOID(w.walk(std::move(top), ""));

  std::vector<std::string> digests(w.files.size());
  std::mutex mu;
  std::optional<Error> first_error;
  // A thread costs more than a few small files.
  parallel_for(w.files.size(), w.files.size() < 64 ? 1 : options.threads, [&](std::size_t i) {
    thread_local std::vector<std::uint8_t> buf(64 * 1024);
    auto h = hash_file(root.get(), w.file_dir[i] < 0 ? -1 : w.dirs[static_cast<std::size_t>(w.file_dir[i])].get(),
                       w.files[i], buf);
    if (!h) {
      std::lock_guard lock(mu);
      if (!first_error) first_error = h.error();
      return false;
    }
    digests[i] = std::move(*h);
    return true;
  });
  if (first_error) {
    first_error->message = "recording " + escape_control(base.string()) + ": " + escape_control(first_error->message);
    return tl::unexpected(std::move(*first_error));
  }
  // runlib: key = filepath.replace("\\", "/"), then artifacts_dict[key] = ...: files are in
  // os.walk's order (a directory's files, then its subdirectories, in readdir order), so when two
  // names meet ("x\\y" and x/y) the later one wins, as there.
  ArtifactMap out;
  for (std::size_t i = 0; i < w.files.size(); ++i) {
    std::replace(w.files[i].begin(), w.files[i].end(), '\\', '/');
    out.insert_or_assign(std::move(w.files[i]), HashDict{{"sha256", std::move(digests[i])}});
  }
  return out;
}

}  // namespace signy::intoto
