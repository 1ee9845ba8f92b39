// The docker config is read like every other file (issue 7 item 4): a FIFO in its place is refused
// at once instead of blocking the command; a missing one still means no credentials.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <future>

#include "signy/net/auth.hpp"
#include "testsupport.hpp"

using namespace signy;
using namespace std::chrono_literals;

TEST_CASE("a docker config that is a FIFO or a device is refused without blocking") {
  ::unsetenv("SIGNY_AUTH");
  TempDir d;
  auto fifo = d.path() / "config.json";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto fut = std::async(std::launch::async, [&] { return net::find_credentials("127.0.0.1:4443", fifo.string()); });
  bool blocked = fut.wait_for(5s) != std::future_status::ready;
  if (blocked) {  // release the blocked open(2) so that the test fails instead of hanging
    int w = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (w >= 0) ::close(w);
  }
  auto r = fut.get();
  CHECK(!blocked);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::io_error);
  CHECK(r.error().message == fifo.string() + ": not a regular file (FIFO)");
  auto dev = net::find_credentials("127.0.0.1:4443", std::string("/dev/zero"));
  REQUIRE(!dev);
  CHECK(dev.error().message == "/dev/zero: not a regular file (character device)");
  auto missing = net::find_credentials("127.0.0.1:4443", (d.path() / "none.json").string());
  REQUIRE(missing);
  CHECK(!*missing);
}
