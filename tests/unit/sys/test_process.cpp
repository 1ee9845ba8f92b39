// Running helper programs: input given, output captured and capped, a deadline, no shell.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <thread>

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

TEST_CASE("a helper that hangs is killed with its whole process group") {
  // The helper starts a sleeping child that keeps standard output open, as a shell script
  // helper calling another program does, then hangs itself.
  char tmpl[] = "/tmp/signy-pgid-XXXXXX";
  int fd = ::mkstemp(tmpl);
  REQUIRE(fd >= 0);
  ::close(fd);
  std::string pidfile = tmpl;
  auto t0 = std::chrono::steady_clock::now();
  auto r = sys::run({"sh", "-c", "sleep 30 & echo $! >" + pidfile + "; wait"}, "", 300ms, 1024);
  CHECK(r.error().code == Errc::network);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  std::ifstream in(pidfile);
  pid_t child = 0;
  in >> child;
  ::unlink(pidfile.c_str());
  REQUIRE(child > 0);
  // Dead: no such process, or a zombie (its new parent may reap it late, or never in a container).
  auto dead = [child] {
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string pid, comm, state;
    if (!(stat >> pid >> comm >> state)) return true;
    return state == "Z" || state == "X";
  };
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    gone = dead();
    if (!gone) std::this_thread::sleep_for(20ms);
  }
  if (!gone) ::kill(child, SIGKILL);
  CHECK(gone);
}

TEST_CASE("a helper starts with no signal blocked and SIGPIPE at its default, whatever signy's threads hold") {
  // signy's CLI blocks SIGINT, SIGTERM and SIGHUP in every thread (a thread waits for them) and
  // ignores SIGPIPE: a helper inheriting either could not be interrupted, or not die of a pipe.
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  REQUIRE(::pthread_sigmask(SIG_BLOCK, &block, &old) == 0);
  struct sigaction ignore {}, was {};
  ignore.sa_handler = SIG_IGN;
  REQUIRE(::sigaction(SIGPIPE, &ignore, &was) == 0);
  auto r = sys::run({"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"}, "", std::chrono::seconds(5), 4096);
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::sigaction(SIGPIPE, &was, nullptr);
  REQUIRE(r);
  REQUIRE(r->exit_code == 0);
  CHECK(r->output.find("SigBlk:\t0000000000000000\n") != std::string::npos);
  // SIGPIPE is signal 13: bit 12 of SigIgn.
  const auto ign = r->output.substr(r->output.find("SigIgn:\t") + 8, 16);
  CHECK((std::stoull(ign, nullptr, 16) & (1ull << (SIGPIPE - 1))) == 0);
}
