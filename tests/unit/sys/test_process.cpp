// Running helper programs: input given, output captured and capped, a deadline, no shell.
#include <catch2/catch.hpp>

#include "signy/sys/process.hpp"

using namespace signy;
using namespace std::chrono_literals;

TEST_CASE("a helper gets its input and its output is captured, whatever it exits with") {
  auto r = sys::run({"sh", "-c", "read x; echo \"got $x\"; exit 3"}, "hello\n", 5s, 1024).value();
  CHECK(r.output == "got hello\n");
  CHECK(r.exit_code == 3);
  // Arguments are not interpreted by a shell.
  auto e = sys::run({"echo", "$HOME;", "`id`"}, "", 5s, 1024).value();
  CHECK(e.output == "$HOME; `id`\n");
}

TEST_CASE("a missing, endless or stalled helper is an error of its own") {
  CHECK(sys::run({"signy-no-such-helper-xyz"}, "", 5s, 1024).error().code == Errc::not_found);
  CHECK(sys::run({"yes"}, "", 5s, 4096).error().code == Errc::too_large);
  auto t0 = std::chrono::steady_clock::now();
  auto stalled = sys::run({"sleep", "30"}, "", 300ms, 1024);
  CHECK(stalled.error().code == Errc::network);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  // A helper that never reads a large input does not block us.
  CHECK(sys::run({"true"}, std::string(1 << 20, 'x'), 5s, 1024));
}
