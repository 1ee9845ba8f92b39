// Bounded runs of untrusted commands (in-toto inspections): each limit proven with a real program
// from the base system; every command here is harmless even if its limit failed to hold (a
// short wall clock bounds them all).
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "signy/sys/process.hpp"
#include "signy/sys/sandbox.hpp"

using namespace signy;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {
sys::Limits quick() {
  sys::Limits l;
  l.wall = 5s;
  return l;
}

pid_t read_pid(const fs::path& p) {
  pid_t pid = 0;
  std::ifstream(p) >> pid;
  return pid;
}

// Processes whose group is pgid and that are not zombies (a zombie waits for init to reap it).
int live_in_group(pid_t pgid) {
  int n = 0;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::ifstream in(e.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 1));
    char state = 0;
    long ppid = 0, pgrp = 0;
    rest >> state >> ppid >> pgrp;
    if (pgrp == pgid && state != 'Z') ++n;
  }
  return n;
}
}  // namespace

TEST_CASE("sandbox: a private directory is 0700 and goes away with everything in it") {
  auto outside = sys::PrivateDir::create().value();
  std::ofstream(outside.path() / "keep") << "x";
  fs::path where;
  {
    auto dir = sys::PrivateDir::create().value();
    where = dir.path();
    struct stat st {};
    REQUIRE(::stat(where.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    // A command may leave unwritable directories and a link pointing outside: removal copes
    // with the first and never follows the second.
    auto r = sys::run_bounded({"sh", "-c", "mkdir -p a/b && touch a/b/f && chmod 0 a/b a && ln -s " +
                                               outside.path().string() + " link"},
                              quick(), where)
                 .value();
    CHECK(r.succeeded());
  }
  CHECK_FALSE(fs::exists(where));
  CHECK(fs::exists(outside.path() / "keep"));
}

TEST_CASE("sandbox: no shell, a fixed PATH, a scrubbed environment, stdin /dev/null, no inherited descriptor") {
  auto dir = sys::PrivateDir::create().value();
  auto r = sys::run_bounded({"env"}, quick(), dir.path()).value();
  CHECK(r.exit_code == 0);
  CHECK(r.out == "PATH=/usr/local/bin:/usr/bin:/bin\nHOME=" + dir.path().string() + "\nLANG=C\n");
  // Arguments reach the program as they are.
  CHECK(sys::run_bounded({"echo", "$HOME;", "`id`"}, quick(), dir.path()).value().out == "$HOME; `id`\n");
  // The working directory is the one given.
  CHECK(sys::run_bounded({"pwd"}, quick(), dir.path()).value().out == dir.path().string() + "\n");
  // A descriptor this process holds without close-on-exec is not passed on.
  int leak = ::open("/dev/null", O_RDONLY);
  REQUIRE(leak >= 3);
  auto fds = sys::run_bounded({"sh", "-c", "readlink /proc/$$/fd/0; ls /proc/$$/fd"}, quick(), dir.path());
  ::close(leak);
  CHECK(fds.value().out == "/dev/null\n0\n1\n2\n");
  CHECK(sys::run_bounded({"signy-no-such-inspection"}, quick(), dir.path()).error().code == Errc::not_found);
  CHECK(sys::run_bounded({}, quick(), dir.path()).error().code == Errc::usage);
  auto no_dir = sys::run_bounded({"true"}, quick(), dir.path() / "missing");
  CHECK(no_dir.error().code == Errc::io_error);
  CHECK(no_dir.error().message == "cannot run true: entering " + (dir.path() / "missing").string() +
                                      ": No such file or directory");
  std::ofstream(dir.path() / "data") << "not a program";  // 0644: a name with '/' is relative to the work dir
  auto not_exec = sys::run_bounded({"./data"}, quick(), dir.path());
  CHECK(not_exec.error().message == "cannot run ./data: starting it: Permission denied");
  // Limits above what this process may have are lowered to its hard limits, not refused.
  auto huge = quick();
  huge.open_files = huge.memory = huge.file_size = huge.processes = ~std::uint64_t{0};
  CHECK(sys::run_bounded({"true"}, huge, dir.path()).value().succeeded());
  // Exit code and standard error are reported apart from the limits.
  auto failed = sys::run_bounded({"sh", "-c", "echo no >&2; exit 3"}, quick(), dir.path()).value();
  CHECK(failed.exit_code == 3);
  CHECK(failed.err == "no\n");
  CHECK(failed.tripped == sys::Limit::none);
  CHECK_FALSE(failed.succeeded());
}

TEST_CASE("sandbox: an endless loop is stopped by the wall clock, and by the CPU limit") {
  auto dir = sys::PrivateDir::create().value();
  auto l = quick();
  l.wall = 500ms;
  auto wall = sys::run_bounded({"sh", "-c", "while :; do :; done"}, l, dir.path()).value();
  CHECK(wall.tripped == sys::Limit::timeout);
  CHECK(wall.signal == SIGKILL);
  CHECK(wall.wall < 2s);
  auto sleeper = sys::run_bounded({"sleep", "30"}, l, dir.path()).value();
  CHECK(sleeper.tripped == sys::Limit::timeout);
  CHECK(sleeper.wall < 2s);

  l.wall = 10s;
  l.cpu = 1s;
  auto cpu = sys::run_bounded({"sh", "-c", "while :; do :; done"}, l, dir.path()).value();
  CHECK(cpu.tripped == sys::Limit::cpu);
  CHECK(cpu.signal == SIGXCPU);
  CHECK(cpu.wall < 8s);  // one second of CPU, however busy the machine
  CHECK(sys::limit_name(cpu.tripped) == "cpu");
}

TEST_CASE("sandbox: a fork bomb is stopped by the process limit and its whole group is gone") {
  auto dir = sys::PrivateDir::create().value();
  auto l = quick();
  l.processes = 16;
  auto r = sys::run_bounded({"sh", "-c", "echo $$ >pgid; while :; do sleep 10 & done"}, l, dir.path()).value();
  CHECK(r.tripped == sys::Limit::processes);
  CHECK(r.wall < 3s);
  pid_t pgid = read_pid(dir.path() / "pgid");
  REQUIRE(pgid > 1);
  // No survivor: kill(-pgid, 0) fails once the reparented zombies are reaped; live ones never.
  CHECK(live_in_group(pgid) == 0);
  bool gone = false;
  for (int i = 0; i < 20 && !gone; ++i) {
    gone = ::kill(-pgid, 0) != 0 && errno == ESRCH;
    if (!gone) std::this_thread::sleep_for(10ms);
  }
  if (!gone) WARN("zombies of group " << pgid << " are waiting for init to reap them");
  CHECK(live_in_group(pgid) == 0);
  // Nothing the command started outlives it: a background child is killed when it exits.
  auto quick_exit = sys::run_bounded({"sh", "-c", "echo $$ >leader; sleep 30 & echo $! >left"}, quick(), dir.path()).value();
  CHECK(quick_exit.succeeded());
  CHECK(quick_exit.wall < 2s);
  pid_t leader = read_pid(dir.path() / "leader");
  REQUIRE(leader > 1);
  bool left_gone = live_in_group(leader) == 0;
  if (!left_gone) ::kill(read_pid(dir.path() / "left"), SIGKILL);
  CHECK(left_gone);
  // A process that only left the group (setpgid: bash's job control; dash makes no group without
  // a terminal) is found in the session.
  auto jc = sys::run_bounded({"bash", "-c", "set -m; sleep 30 & echo $! >bg; cut -d' ' -f5 /proc/$!/stat >bgpgid; sleep 30"}, [&] {
    auto w = quick();
    w.wall = 300ms;
    return w;
  }(), dir.path()).value();
  CHECK(jc.tripped == sys::Limit::timeout);
  pid_t bg = read_pid(dir.path() / "bg");
  REQUIRE(bg > 1);
  CHECK(read_pid(dir.path() / "bgpgid") == bg);  // a group of its own
  bool bg_gone = live_in_group(bg) == 0;
  if (!bg_gone) ::kill(bg, SIGKILL);
  CHECK(bg_gone);
}

TEST_CASE("sandbox: memory past the limit cannot be had, alone or by many processes") {
  auto dir = sys::PrivateDir::create().value();
  auto l = quick();
  l.memory = 256u << 20;
  // One allocation past the address-space limit fails inside the command (ENOMEM: Python's
  // MemoryError); the same command under the default limit succeeds.
  const std::vector<std::string> big = {"python3", "-c", "bytearray(512 << 20)"};
  auto r = sys::run_bounded(big, l, dir.path()).value();
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("MemoryError") != std::string::npos);
  CHECK(sys::run_bounded(big, quick(), dir.path()).value().succeeded());
  // A shell reading endless zeros into a variable.
  auto sh = sys::run_bounded({"sh", "-c", "x=$(head -c 400000000 /dev/zero | tr '\\0' x); echo ${#x}"}, l, dir.path()).value();
  CHECK_FALSE(sh.succeeded());
  // Four processes of 80 MiB each, every one under the per-process limit: the group's resident
  // total is over it and the supervisor stops them.
  l.memory = 200u << 20;
  l.wall = 15s;
  auto many = sys::run_bounded(
                  {"sh", "-c",
                   "for i in 1 2 3 4; do python3 -c 'import time; b = b\"x\" * (80 << 20); time.sleep(5)' & done; wait"},
                  l, dir.path())
                  .value();
  CHECK(many.tripped == sys::Limit::memory);
  CHECK(many.wall < 10s);
}

TEST_CASE("sandbox: an endless file is stopped by the file-size limit") {
  auto dir = sys::PrivateDir::create().value();
  auto l = quick();
  l.file_size = 1u << 20;
  auto r = sys::run_bounded({"sh", "-c", "exec cat /dev/zero >big"}, l, dir.path()).value();
  CHECK(r.tripped == sys::Limit::file_size);
  CHECK(r.signal == SIGXFSZ);
  CHECK(fs::file_size(dir.path() / "big") == (1u << 20));
}

TEST_CASE("sandbox: descriptors past the limit cannot be opened, and holding one more than the limit is stopped") {
  auto dir = sys::PrivateDir::create().value();
  auto l = quick();
  l.open_files = 32;
  l.wall = 15s;
  // The kernel's ceiling is the limit plus one (EMFILE past it), so that holding one too many is
  // possible and seen.
  CHECK(sys::run_bounded({"sh", "-c", "ulimit -n"}, l, dir.path()).value().out == "33\n");
  auto r = sys::run_bounded({"python3", "-c",
                             "import os, time\n"
                             "n = []\n"
                             "try:\n"
                             "    while True: n.append(os.open('/dev/null', os.O_RDONLY))\n"
                             "except OSError: pass\n"
                             "time.sleep(30)\n"},
                            l, dir.path())
               .value();
  CHECK(r.tripped == sys::Limit::open_files);
  CHECK(r.wall < 10s);
}

TEST_CASE("sandbox: endless output is capped on each stream") {
  auto dir = sys::PrivateDir::create().value();
  auto l = quick();
  l.output = 64u << 10;
  auto out = sys::run_bounded({"yes"}, l, dir.path()).value();
  CHECK(out.tripped == sys::Limit::output);
  CHECK(out.out.size() == (64u << 10));
  CHECK(out.out_truncated);
  auto err = sys::run_bounded({"sh", "-c", "yes >&2"}, l, dir.path()).value();
  CHECK(err.tripped == sys::Limit::output);
  CHECK(err.err.size() == (64u << 10));
  CHECK(err.err_truncated);
  CHECK_FALSE(err.out_truncated);
  // Exactly the cap is not over it.
  auto exact = sys::run_bounded({"head", "-c", std::to_string(64u << 10), "/dev/zero"}, l, dir.path()).value();
  CHECK(exact.succeeded());
  CHECK_FALSE(exact.out_truncated);
}

// Our children, every thread's (/proc/self/task/*/children): reaped ones are not listed.
std::vector<pid_t> our_children() {
  std::vector<pid_t> pids;
  for (const auto& t : fs::directory_iterator("/proc/self/task")) {
    std::ifstream in(t.path() / "children");
    pid_t p = 0;
    while (in >> p) pids.push_back(p);
  }
  return pids;
}

TEST_CASE("sandbox: a process that leaves the session (setsid, a daemon's double fork) is still killed") {
  // signy is a child subreaper for the run: an orphan comes back to us, not to init, and the
  // tree below us is walked, whatever sessions and groups it made.
  auto dir = sys::PrivateDir::create().value();
  auto r = sys::run_bounded({"sh", "-c", "setsid sh -c 'echo $$ >escaped; exec sleep 30' </dev/null >/dev/null 2>&1 & "
                                         "(setsid sh -c 'echo $$ >daemon; exec sleep 30' </dev/null >/dev/null 2>&1 &); "
                                         "while [ ! -s escaped ] || [ ! -s daemon ]; do sleep 0.01; done"},
                            quick(), dir.path())
               .value();
  CHECK(r.succeeded());
  CHECK(r.wall < 3s);
  for (const char* name : {"escaped", "daemon"}) {
    pid_t p = read_pid(dir.path() / name);
    REQUIRE(p > 1);
    bool gone = ::kill(p, 0) != 0 && errno == ESRCH;  // killed and reaped: not even a zombie
    if (!gone) ::kill(p, SIGKILL);
    CHECK(gone);
  }
  CHECK(our_children().empty());
  int subreaper = -1;
  REQUIRE(::prctl(PR_GET_CHILD_SUBREAPER, &subreaper) == 0);
  CHECK(subreaper == 0);  // only for the run

  // A fork bomb of new sessions is counted and killed like any other.
  auto l = quick();
  l.processes = 16;
  auto bomb = sys::run_bounded({"sh", "-c", "while :; do setsid sleep 10 & done"}, l, dir.path()).value();
  CHECK(bomb.tripped == sys::Limit::processes);
  CHECK(bomb.wall < 3s);
  CHECK(our_children().empty());
  // Orphans of a command that exits at once are killed and reaped too.
  auto quick_exit = sys::run_bounded({"sh", "-c", "(setsid sleep 30 &); (sleep 30 &)"}, quick(), dir.path()).value();
  CHECK(quick_exit.succeeded());
  CHECK(our_children().empty());
}

TEST_CASE("sandbox: other children of the process are not taken for the inspection's") {
  // A credential helper (sys::run) started on another thread during an inspection waits for the
  // inspection to end (one runner at a time while we are a subreaper), then runs and is reaped by
  // its own runner, with its own exit code.
  auto dir = sys::PrivateDir::create().value();
  std::optional<Result<sys::RunResult>> helper;
  std::thread other;
  auto l = quick();
  other = std::thread([&] {
    std::this_thread::sleep_for(50ms);
    helper = sys::run({"sh", "-c", "exit 7"}, "", 5s, 1024);
  });
  auto r = sys::run_bounded({"sh", "-c", "sleep 0.3; (setsid sleep 30 &)"}, l, dir.path());
  other.join();
  CHECK(r.value().succeeded());
  REQUIRE(helper.has_value());
  REQUIRE(helper->has_value());
  CHECK((*helper)->exit_code == 7);
  // A child started before the inspection (not through sys) is not touched by it.
  pid_t mine = ::fork();
  if (mine == 0) {
    ::pause();
    ::_exit(0);
  }
  REQUIRE(mine > 0);
  l.processes = 8;
  auto bomb = sys::run_bounded({"sh", "-c", "while :; do sleep 10 & done"}, l, dir.path()).value();
  CHECK(bomb.tripped == sys::Limit::processes);
  CHECK(::kill(mine, 0) == 0);
  CHECK(our_children() == std::vector<pid_t>{mine});
  ::kill(mine, SIGKILL);
  int st = 0;
  CHECK(::waitpid(mine, &st, 0) == mine);
}

TEST_CASE("sandbox: kill_running, from another thread, kills the run's whole tree now (the hook's deadline)") {
  // AfterKill::release throughout: hold (what an exiting caller uses) would block every later run
  // of this test binary.
  const auto release = sys::AfterKill::release;
  sys::kill_running(release);  // no run under way: nothing
  auto dir = sys::PrivateDir::create().value();
  auto l = quick();
  l.wall = 20s;
  std::optional<Result<sys::BoundedResult>> r;
  std::thread run([&] {
    r = sys::run_bounded({"sh", "-c", "setsid sh -c 'echo $$ >escaped; exec sleep 30' </dev/null >/dev/null 2>&1 & "
                                      "sleep 30 & echo $! >child; wait"},
                         l, dir.path());
  });
  struct Stop {  // whatever fails below, the run ends and its thread is joined
    std::thread& t;
    ~Stop() {
      if (t.joinable()) {
        sys::kill_running(sys::AfterKill::release);
        t.join();
      }
    }
  } stop{run};
  const auto t0 = std::chrono::steady_clock::now();
  while (!(fs::exists(dir.path() / "escaped") && fs::file_size(dir.path() / "escaped") > 0 &&
           fs::exists(dir.path() / "child") && fs::file_size(dir.path() / "child") > 0) &&
         std::chrono::steady_clock::now() - t0 < 10s)
    std::this_thread::sleep_for(5ms);
  const pid_t escaped = read_pid(dir.path() / "escaped"), child = read_pid(dir.path() / "child");
  REQUIRE(escaped > 1);
  REQUIRE(child > 1);
  sys::kill_running(release);
  // Killed now: not left to the wall clock (20 s). (The run, still supervising, reaps them.)
  for (pid_t p : {escaped, child}) {
    bool dead = false;
    for (int i = 0; i < 400 && !dead; ++i) {
      std::ifstream stat("/proc/" + std::to_string(p) + "/stat");
      std::string line;
      dead = !std::getline(stat, line) || line.substr(line.rfind(')') + 2, 1) == "Z";
      if (!dead) std::this_thread::sleep_for(5ms);
    }
    CHECK(dead);
  }
  run.join();
  REQUIRE(r);
  REQUIRE(*r);
  CHECK((*r)->signal == SIGKILL);
  CHECK((*r)->wall < 5s);
  CHECK(our_children().empty());
  sys::kill_running(release);  // the run is over: nothing again
}
