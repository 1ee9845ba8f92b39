// Bounded reads: every file signy reads is opened without blocking, must be a regular file, and is
// read with a cap (issue 7 item 4). A FIFO without a writer used to block open(2) forever, so the
// FIFO cases run the call on a thread and, if it has not returned in time, open the write end to
// release it and fail the test instead of hanging.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <thread>

#include "signy/util/file.hpp"
#include "testsupport.hpp"

using namespace signy;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Runs f on a thread; if it is still blocked after 5 s on the FIFO `fifo`, opens its write end so
// that it returns, and reports the hang.
template <class F>
auto run_unblocking(const fs::path& fifo, F f) -> decltype(f()) {
  auto fut = std::async(std::launch::async, f);
  if (fut.wait_for(5s) == std::future_status::timeout) {
    int w = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (w >= 0) ::close(w);
    auto r = fut.get();
    FAIL("blocked on the FIFO " << fifo.string());
    return r;
  }
  return fut.get();
}

fs::path make_fifo(const TempDir& d) {
  auto p = d.path() / "fifo";
  REQUIRE(::mkfifo(p.c_str(), 0600) == 0);
  return p;
}

}  // namespace

TEST_CASE("read_file_limited refuses a FIFO without blocking, naming it") {
  TempDir d;
  auto fifo = make_fifo(d);
  auto r = run_unblocking(fifo, [&] { return read_file_limited(fifo, 1024); });
  REQUIRE(!r);
  CHECK(r.error().code == Errc::io_error);
  CHECK(r.error().message == fifo.string() + ": not a regular file (FIFO)");
}

TEST_CASE("read_file_limited refuses devices, directories and sockets with what they are") {
  TempDir d;
  auto r = read_file_limited("/dev/zero", 1024);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::io_error);
  CHECK(r.error().message == "/dev/zero: not a regular file (character device)");

  auto dir = read_file_limited(d.path(), 1024);
  REQUIRE(!dir);
  CHECK(dir.error().message == d.path().string() + ": not a regular file (directory)");

  // A symbolic link is followed: what it points to is judged.
  fs::create_symlink("/dev/null", d.path() / "null");
  auto link = read_file_limited(d.path() / "null", 1024);
  REQUIRE(!link);
  CHECK(link.error().message == (d.path() / "null").string() + ": not a regular file (character device)");

  // A Unix socket cannot be opened (ENXIO): still one line naming the file.
  auto sock_path = d.path() / "sock";
  int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(s >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, sock_path.c_str(), sizeof addr.sun_path - 1);
  REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  auto sock = read_file_limited(sock_path, 1024);
  ::close(s);
  REQUIRE(!sock);
  CHECK(sock.error().code == Errc::io_error);
  CHECK(sock.error().message == sock_path.string() + ": not a regular file (socket)");
}

TEST_CASE("read_file_limited still reads regular files and caps them") {
  TempDir d;
  REQUIRE(atomic_write(d.path() / "f", "hello", 0600));
  CHECK(read_file_limited(d.path() / "f", 5).value() == "hello");
  CHECK(read_file_limited(d.path() / "f", 4).error().code == Errc::too_large);
  CHECK(read_file_limited(d.path() / "missing", 4).error().code == Errc::not_found);
  // A dangling symlink is not a missing file: the name exists.
  fs::create_symlink(d.path() / "gone", d.path() / "dangling");
  auto dangling = read_file_limited(d.path() / "dangling", 4);
  REQUIRE(!dangling);
  CHECK(dangling.error().code == Errc::io_error);
  CHECK(dangling.error().message == "cannot open " + (d.path() / "dangling").string() + ": dangling symbolic link");
}

TEST_CASE("FileReader refuses a FIFO and a device instead of reading forever") {
  TempDir d;
  auto fifo = make_fifo(d);
  auto r = run_unblocking(fifo, [&] { return FileReader::open(fifo); });
  REQUIRE(!r);
  CHECK(r.error().code == Errc::io_error);
  CHECK(r.error().message == fifo.string() + ": not a regular file (FIFO)");

  auto zero = FileReader::open("/dev/zero");
  REQUIRE(!zero);
  CHECK(zero.error().message == "/dev/zero: not a regular file (character device)");
  auto dir = FileReader::open(d.path());
  REQUIRE(!dir);
  CHECK(dir.error().message == d.path().string() + ": not a regular file (directory)");
}

TEST_CASE("FileReader with a limit reads at most limit + 1 bytes of a huge sparse file") {
  TempDir d;
  auto path = d.path() / "sparse";
  {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::ftruncate(fd, off_t{1} << 40) == 0);  // 1 TiB of holes: hashing it would take hours
    ::close(fd);
  }
  auto reader = FileReader::open(path);
  REQUIRE(reader);
  CHECK(reader->size() == (std::uint64_t{1} << 40));
  reader->limit(1000);
  std::vector<std::uint8_t> buf(300);
  std::uint64_t delivered = 0;
  Result<std::size_t> n;
  while ((n = reader->read(buf)) && *n > 0 && delivered <= (1u << 20)) delivered += *n;  // fail, not hang
  CHECK(delivered == 1000);
  REQUIRE(!n);
  CHECK(n.error().code == Errc::io_error);
  CHECK(n.error().message == path.string() + ": longer than 1000 bytes");
  CHECK(reader->bytes_read() == 1001);  // what was taken from the file: the limit and one byte
}

TEST_CASE("FileReader delivers a regular file exactly and stops at a file that grew") {
  TempDir d;
  auto path = d.path() / "f";
  REQUIRE(atomic_write(path, std::string(5000, 'x'), 0600));
  auto reader = FileReader::open(path);
  REQUIRE(reader);
  CHECK(reader->size() == 5000);
  std::vector<std::uint8_t> buf(4096);
  CHECK(reader->read(buf).value() == 4096);
  // The file grows after it was opened: the default limit is its size at open.
  {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, "more", 4) == 4);
    ::close(fd);
  }
  CHECK(reader->read(buf).value() == 904);
  auto n = reader->read(buf);
  REQUIRE(!n);
  CHECK(n.error().message == path.string() + ": longer than 5000 bytes (it grew while it was read)");

  auto exact = FileReader::open(path);
  REQUIRE(exact);
  std::uint64_t total = 0;
  Result<std::size_t> m;
  while ((m = exact->read(buf)) && *m > 0) total += *m;
  REQUIRE(m);
  CHECK(total == 5004);
}

TEST_CASE("check_regular_file names what a path is without opening it") {
  TempDir d;
  CHECK(check_regular_file("/dev/zero").error().message == "/dev/zero: not a regular file (character device)");
  CHECK(check_regular_file(d.path()).error().message == d.path().string() + ": not a regular file (directory)");
  CHECK(check_regular_file(d.path() / "missing").error().code == Errc::not_found);
  REQUIRE(atomic_write(d.path() / "f", "x", 0600));
  CHECK(check_regular_file(d.path() / "f"));
}
