// Exclusive advisory locks between signy processes: flock(2) on a lock file. Writers hold one per
// collection in the trust dir, one for the trust dir's keys, and one per file:// repository
// (docs/architecture.md "Concurrent writers"); readers take none, since every file is replaced
// atomically. The kernel releases a lock when its holder exits, even by kill -9, so a lock is
// never stale; lock files are never deleted (deleting one while it is held would let a second
// writer lock a new file of the same name).
#pragma once
#include <chrono>
#include <filesystem>

#include "signy/util/result.hpp"

namespace signy {

class FileLock {
 public:
  // Opens `path` (created 0600 when missing; a symbolic link or anything but a regular file is
  // refused), takes an exclusive lock, waiting at most `wait`, and writes this process's pid into
  // it. A lock still held after `wait` is Errc::lock_timeout, naming the file and the holder's
  // pid as it recorded it.
  static Result<FileLock> acquire(const std::filesystem::path& path, std::chrono::milliseconds wait);

  FileLock(FileLock&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();  // releases the lock

  const std::filesystem::path& path() const { return path_; }

 private:
  FileLock(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::filesystem::path path_;
};

// How long a writer waits for a lock unless told otherwise (SIGNY_LOCK_TIMEOUT).
inline constexpr std::chrono::milliseconds kDefaultLockWait{60'000};

}  // namespace signy
