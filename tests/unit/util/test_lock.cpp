// FileLock (util/lock.hpp) and the temporary files of atomic_write (util/file.hpp).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>

#include "signy/util/file.hpp"
#include "signy/util/lock.hpp"
#include "testsupport.hpp"

using namespace signy;
namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {
struct HeldFd {
  int fd;
  explicit HeldFd(const fs::path& p) : fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC)) { REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0); }
  ~HeldFd() { ::close(fd); }
};
std::size_t entries(const fs::path& dir) { return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), {})); }
}  // namespace

TEST_CASE("FileLock creates a 0600 lock file, records the pid and excludes a second holder until released") {
  TempDir dir;
  auto path = dir.path() / "a.lock";
  auto first = FileLock::acquire(path, milliseconds(0));
  REQUIRE(first);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(read_file_limited(path, 64).value() == std::to_string(::getpid()) + "\n");

  // flock(2) excludes another open file description, even in the same process.
  auto start = std::chrono::steady_clock::now();
  auto second = FileLock::acquire(path, milliseconds(150));
  auto waited = std::chrono::steady_clock::now() - start;
  REQUIRE(!second);
  CHECK(second.error().code == Errc::lock_timeout);
  CHECK(category_of(second.error().code) == ErrorCategory::local_io);
  CHECK(second.error().message.find(path.string() + " is still locked by process " + std::to_string(::getpid()) + " after 0.1 s") == 0);
  CHECK(waited >= milliseconds(150));
  CHECK(waited < milliseconds(2000));

  { auto moved = std::move(*first); }  // released with the last owner
  auto third = FileLock::acquire(path, milliseconds(0));
  CHECK(third);
}

TEST_CASE("FileLock names another holder that recorded no pid") {
  TempDir dir;
  auto path = dir.path() / "b.lock";
  REQUIRE(atomic_write(path, "", 0600));
  HeldFd other(path);
  auto r = FileLock::acquire(path, milliseconds(20));
  REQUIRE(!r);
  CHECK(r.error().message.find("is still locked by another process") != std::string::npos);
}

TEST_CASE("FileLock refuses a symbolic link, a directory and a FIFO at the lock path") {
  TempDir dir;
  auto target = dir.path() / "target";
  REQUIRE(atomic_write(target, "", 0600));
  fs::create_symlink(target, dir.path() / "link.lock");
  auto r = FileLock::acquire(dir.path() / "link.lock", milliseconds(0));
  REQUIRE(!r);
  CHECK(r.error().code == Errc::io_error);
  CHECK(r.error().message.find("is a symbolic link") != std::string::npos);

  fs::create_directory(dir.path() / "dir.lock");
  CHECK(!FileLock::acquire(dir.path() / "dir.lock", milliseconds(0)));

  REQUIRE(::mkfifo((dir.path() / "fifo.lock").c_str(), 0600) == 0);
  auto f = FileLock::acquire(dir.path() / "fifo.lock", milliseconds(0));  // must not block
  REQUIRE(!f);
  CHECK(f.error().message.find("is not a regular file") != std::string::npos);
}

TEST_CASE("is_temp_file_name matches atomic_write's names only") {
  CHECK(is_temp_file_name(".targets.json.tmp-Ab12Cd"));
  CHECK(is_temp_file_name(".x.tmp-000000"));
  CHECK(!is_temp_file_name("targets.json.tmp-Ab12Cd"));  // no leading dot
  CHECK(!is_temp_file_name(".targets.json.tmp-Ab12C"));  // five characters
  CHECK(!is_temp_file_name(".targets.json.tmp-Ab12Cd7"));
  CHECK(!is_temp_file_name(".targets.json.tmp-Ab.2Cd"));
  CHECK(!is_temp_file_name(".tmp-Ab12Cd"));
  CHECK(!is_temp_file_name("targets.json"));
  CHECK(!is_temp_file_name(".lock"));
}

TEST_CASE("remove_stale_temp_files removes orphans only") {
  TempDir dir;
  auto d = dir.path();
  fs::create_directories(d / "targets");
  REQUIRE(atomic_write(d / ".root.json.tmp-Orphan", "partial", 0600));
  REQUIRE(atomic_write(d / "targets" / ".releases.json.tmp-Orph02", "partial", 0600));
  REQUIRE(atomic_write(d / ".snapshot.json.tmp-InUse1", "partial", 0600));
  REQUIRE(atomic_write(d / "root.json", "kept", 0600));
  REQUIRE(atomic_write(d / "other", "kept", 0600));
  fs::create_directory(d / ".dir.tmp-Direct");                        // not a regular file
  fs::create_symlink(d / "root.json", d / ".link.json.tmp-Symlnk");  // never followed
  HeldFd live(d / ".snapshot.json.tmp-InUse1");                     // its writer is running

  CHECK(remove_stale_temp_files(d) == 2);
  CHECK(!fs::exists(d / ".root.json.tmp-Orphan"));
  CHECK(!fs::exists(d / "targets" / ".releases.json.tmp-Orph02"));
  CHECK(fs::exists(d / ".snapshot.json.tmp-InUse1"));
  CHECK(fs::exists(d / "root.json"));
  CHECK(fs::exists(d / "other"));
  CHECK(fs::is_directory(d / ".dir.tmp-Direct"));
  CHECK(fs::is_symlink(d / ".link.json.tmp-Symlnk"));
  CHECK(read_file_limited(d / "root.json", 64).value() == "kept");
  CHECK(remove_stale_temp_files(d / "missing") == 0);
}

TEST_CASE("atomic_write with a staging directory leaves nothing there or beside the file") {
  TempDir dir;
  auto served = dir.path() / "served";
  auto staging = dir.path() / "staging";
  fs::create_directories(served);
  fs::create_directories(staging);
  REQUIRE(atomic_write(served / "timestamp.json", "one", 0644, staging));
  REQUIRE(atomic_write(served / "timestamp.json", "two", 0644, staging));
  CHECK(read_file_limited(served / "timestamp.json", 64).value() == "two");
  struct stat st {};
  REQUIRE(::stat((served / "timestamp.json").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
  CHECK(entries(served) == 1);
  CHECK(entries(staging) == 0);
  auto r = atomic_write(served / "x", "data", 0644, dir.path() / "no-staging");
  REQUIRE(!r);
  CHECK(r.error().message.find("cannot create a temporary file in") != std::string::npos);
}
