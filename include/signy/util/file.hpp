// File helpers. Every write into the trust directory is atomic: a temporary file in the same
// directory, fsync, rename; a failure leaves the previous content (or nothing) in place.
#pragma once
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "signy/util/result.hpp"

namespace signy {

// Reading files (issue 7 item 4): every file is opened with O_NONBLOCK (a FIFO without a writer
// cannot block the open), must be a regular file by fstat(2) of the opened descriptor (a FIFO,
// device, socket or directory is refused: "<path>: not a regular file (FIFO)", Errc::io_error),
// and is read with a cap.

// Reads a whole (small) file, refusing anything larger than max_size bytes.
Result<std::string> read_file_limited(const std::filesystem::path& path, std::uintmax_t max_size);

// The same refusal for a file another library opens (a CA bundle libcurl reads): stat(2) only,
// so it narrows the window rather than closing it.
Status check_regular_file(const std::filesystem::path& path);

// Writes data to path atomically with the given permission bits (e.g. 0600): a temporary file
// ".<name>.tmp-XXXXXX", locked (flock) by its writer until it is renamed to path. It is made in
// temp_dir when given (on the same file system: a staging directory outside a served tree), else
// beside path.
Status atomic_write(const std::filesystem::path& path, std::string_view data, unsigned mode,
                    const std::filesystem::path& temp_dir = {});

// Whether a file name is one of atomic_write's temporary names.
bool is_temp_file_name(std::string_view name);
// Removes the temporary files under dir (recursively) that no live writer holds: those left by a
// run that was killed before its rename. Best effort; returns how many it removed.
std::size_t remove_stale_temp_files(const std::filesystem::path& dir);

// openat2(2) of `path` below `dirfd` (RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, plus `resolve`,
// e.g. RESOLVE_NO_SYMLINKS): a symbolic link is followed only while it stays below dirfd, ".."
// and absolute paths cannot leave it (EXDEV). O_CLOEXEC is added to `flags`; `mode` is used with
// O_CREAT. Retried on EINTR and EAGAIN; -1 with errno otherwise.
int open_beneath(int dirfd, const char* path, int flags, std::uint64_t resolve = 0, unsigned mode = 0);

// Creates path and missing parents with the given mode (e.g. 0700); existing directories are
// left as they are.
Status make_private_dirs(const std::filesystem::path& path, unsigned mode = 0700);

// Refuses a file that group or others can read or write (key files must be 0600 or stricter).
Status check_private_file(const std::filesystem::path& path);
// read_file_limited for a private file: one descriptor, opened without following a symbolic link,
// decides both the checks of check_private_file (regular, owner-only mode) and the bytes read.
Result<std::string> read_private_file(const std::filesystem::path& path, std::uintmax_t max_size);
// The same for a directory of private files (the key store's private/, 0700): a listable or
// writable key directory leaks or swaps keys.
Status check_private_dir(const std::filesystem::path& dir);

}  // namespace signy

namespace signy {

// A regular file opened for one sequential read pass (for streaming digests): never reads it
// whole, and never more than a limit: its size when opened unless limit() sets another.
class FileReader {
 public:
  static Result<FileReader> open(const std::filesystem::path& path);
  FileReader(FileReader&& other) noexcept
      : fd_(other.fd_), path_(std::move(other.path_)), size_(other.size_), limit_(other.limit_), read_(other.read_) {
    other.fd_ = -1;
  }
  FileReader& operator=(FileReader&&) = delete;
  FileReader(const FileReader&) = delete;
  ~FileReader();

  // Returns the number of bytes read into buf, 0 at end of file. At most limit() bytes are
  // delivered; when the file holds more, the read after them fails ("<path>: longer than N
  // bytes", Errc::io_error), having taken one byte more from the file to tell.
  Result<std::size_t> read(std::span<std::uint8_t> buf);
  const std::filesystem::path& path() const { return path_; }
  // The file's size when it was opened (fstat).
  std::uint64_t size() const { return size_; }
  void limit(std::uint64_t max_bytes) { limit_ = max_bytes; }
  // Bytes taken from the file so far (delivered, plus the one that told it was longer).
  std::uint64_t bytes_read() const { return read_; }

 private:
  FileReader(int fd, std::filesystem::path path, std::uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size), limit_(size) {}
  int fd_;
  std::filesystem::path path_;
  std::uint64_t size_ = 0;
  std::uint64_t limit_ = 0;
  std::uint64_t read_ = 0;
};

}  // namespace signy
