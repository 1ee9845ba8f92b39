#include "signy/sys/sandbox.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "sys/pipes.hpp"

namespace signy::sys {
namespace {
using detail::Fd;
using Clock = std::chrono::steady_clock;

constexpr const char* kPath = "/usr/local/bin:/usr/bin:/bin";
// How often the supervisor looks: a scan of /proc costs ~1 ms of CPU with 100 processes, so
// every 10 ms during the first second (most fork bombs and allocations are quick), then 50 ms.
constexpr auto kTick = std::chrono::milliseconds(10);
constexpr auto kSlowTick = std::chrono::milliseconds(50);

std::string errno_text(int e = errno) { return std::strerror(e); }

// argv[0] on the fixed PATH: the first regular executable file of that name.
std::string resolve(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  std::string_view dirs = kPath;
  while (!dirs.empty()) {
    auto colon = dirs.find(':');
    std::string candidate = std::string(dirs.substr(0, colon)) + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
  }
  return {};
}

// Fields of /proc/PID/stat after the command name (which may hold spaces and ')'): state (3),
// parent (4), threads (20), start time (22), rss in pages (24). Plain calls: read every tick.
struct Stat {
  char state = 0;
  pid_t ppid = 0;
  long threads = 1;
  std::uint64_t start = 0, rss_pages = 0;
};
bool read_stat(pid_t pid, Stat& st) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[1024];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  char* p = std::strrchr(buf, ')');
  if (!p || p[1] != ' ' || !p[2]) return false;
  st.state = p[2];
  p += 3;
  for (int field = 4; field <= 24; ++field) {
    char* end = nullptr;
    long long v = std::strtoll(p, &end, 10);  // signed: field 8 (tty group) may be -1
    if (end == p) return false;
    if (field == 4) st.ppid = static_cast<pid_t>(v);
    if (field == 20) st.threads = static_cast<long>(v);
    if (field == 22) st.start = static_cast<std::uint64_t>(v);
    if (field == 24) st.rss_pages = static_cast<std::uint64_t>(v);
    p = end;
  }
  return true;
}

// Appends the children of one task (/proc/PID/task/TID/children, "1 2 3 ").
void task_children(pid_t pid, pid_t tid, std::vector<pid_t>& out) {
  char path[96];
  std::snprintf(path, sizeof path, "/proc/%d/task/%d/children", static_cast<int>(pid), static_cast<int>(tid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  const char* p = text.c_str();
  while (*p) {
    char* end = nullptr;
    long v = std::strtol(p, &end, 10);
    if (end == p) break;
    if (v > 0) out.push_back(static_cast<pid_t>(v));
    p = end;
  }
}

// The children of every thread of a process (a thread's fork is that thread's child).
void children(pid_t pid, long threads, std::vector<pid_t>& out) {
  if (threads <= 1) return task_children(pid, pid, out);
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/task", static_cast<int>(pid));
  DIR* d = ::opendir(path);
  if (!d) return;
  while (auto* e = ::readdir(d)) {
    char* end = nullptr;
    long tid = std::strtol(e->d_name, &end, 10);
    if (tid > 0 && *end == '\0') task_children(pid, static_cast<pid_t>(tid), out);
  }
  ::closedir(d);
}

struct ProcInfo {
  pid_t pid;
  pid_t ppid;
  std::uint64_t rss_bytes;
  bool zombie;
};

// The inspection's processes. While it runs this process is a child subreaper
// (PR_SET_CHILD_SUBREAPER), so whatever the command starts stays below us whatever it does
// (setsid, setpgid, double forks): an orphan is reparented to us, not to init. The tree is the
// command and its descendants, plus our own children that are not the command and were neither
// there before it started nor started before it (orphans of the tree), and theirs. Only these
// processes are read: not the whole of /proc.
class Tree {
 public:
  Tree(pid_t leader, std::vector<pid_t> before) : leader_(leader), before_(std::move(before)), self_(::getpid()) {
    Stat st;
    if (read_stat(leader, st)) start_ = st.start;
  }
  pid_t self() const noexcept { return self_; }

  std::vector<ProcInfo> members() const {
    static const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    std::vector<ProcInfo> found;
    std::vector<pid_t> queue{leader_};
    std::vector<pid_t> ours;
    Stat self;
    children(self_, read_stat(self_, self) ? self.threads : 2, ours);
    const std::size_t orphans_from = queue.size();
    for (pid_t p : ours)
      if (p != leader_ && std::find(before_.begin(), before_.end(), p) == before_.end()) queue.push_back(p);
    const std::size_t orphans_end = queue.size();
    std::vector<pid_t> seen;
    for (std::size_t i = 0; i < queue.size(); ++i) {
      pid_t pid = queue[i];
      if (std::find(seen.begin(), seen.end(), pid) != seen.end()) continue;  // moved during the walk
      seen.push_back(pid);
      Stat st;
      if (!read_stat(pid, st)) continue;  // gone
      if (i >= orphans_from && i < orphans_end && st.start < start_) continue;  // not the command's
      found.push_back({pid, st.ppid, st.rss_pages * page, st.state == 'Z'});
      if (st.state != 'Z') children(pid, st.threads, queue);
    }
    return found;
  }

  // SIGKILL to every process of the tree, the command included (not reaped: the caller does),
  // reaping the orphans we inherit, until none but the command's zombie remains.
  void kill_all() const {
    for (int round = 0; round < 1000 && kill_round(true); ++round)
      std::this_thread::sleep_for(std::chrono::microseconds(500));
  }

  // For kill_running, on another thread than the supervisor's: SIGKILL to the tree, looking again
  // for what forked meanwhile, for at most `budget`; nothing is reaped (the supervisor reaps, or
  // whoever inherits them when the process exits), so no pid is freed under the supervisor's feet.
  void kill_now(std::chrono::milliseconds budget) const {
    const auto until = Clock::now() + budget;
    while (kill_round(false) && Clock::now() < until) std::this_thread::sleep_for(std::chrono::microseconds(500));
  }

  // One look: SIGKILL to every live member; with `reap`, zombies of ours but the command's are
  // reaped. True while something is left to wait for (a live process, or with `reap` a zombie
  // other than the command's: one whose parent is still being killed waits a round).
  bool kill_round(bool reap) const {
    bool pending = false;
    for (const auto& p : members()) {
      if (!p.zombie) {
        ::kill(p.pid, SIGKILL);
        pending = true;
      } else if (reap && p.pid != leader_) {
        if (p.ppid == self_) ::waitpid(p.pid, nullptr, WNOHANG);
        pending = true;
      }
    }
    return pending;
  }

  // Orphans that ended during the run: reaped now so that they are not counted.
  void reap_orphans(const std::vector<ProcInfo>& found) const {
    for (const auto& p : found)
      if (p.zombie && p.pid != leader_ && p.ppid == self_) ::waitpid(p.pid, nullptr, WNOHANG);
  }

 private:
  pid_t leader_;
  std::vector<pid_t> before_;
  pid_t self_;
  std::uint64_t start_ = 0;
};

// The tree of the run under way, for kill_running on another thread: published once the tree
// exists, withdrawn before its leader is reaped (after that its pid may name another process).
std::mutex running_mutex;
const Tree* running = nullptr;
class Running {
 public:
  explicit Running(const Tree& tree) {
    std::lock_guard lock(running_mutex);
    running = &tree;
  }
  void end() {
    std::lock_guard lock(running_mutex);
    running = nullptr;
  }
  ~Running() { end(); }
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;
};

// PR_SET_CHILD_SUBREAPER for the duration of a run, then as it was.
class Subreaper {
 public:
  Subreaper() {
    int was = 0;
    if (::prctl(PR_GET_CHILD_SUBREAPER, &was) == 0) was_ = was != 0;
    set_ = !was_ && ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0;
  }
  ~Subreaper() {
    if (set_) ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  }
  bool active() const noexcept { return was_ || set_; }
  Subreaper(const Subreaper&) = delete;
  Subreaper& operator=(const Subreaper&) = delete;

 private:
  bool was_ = false, set_ = false;
};

std::uint64_t open_descriptors(pid_t pid) {
  std::uint64_t n = 0;
  DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (!d) return 0;
  while (auto* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n;
}

// Tasks (threads count) the real user runs now: RLIMIT_NPROC counts them all, so the
// inspection's ceiling is that plus its own allowance.
std::uint64_t user_tasks(uid_t uid) {
  std::uint64_t tasks = 0;
  DIR* proc = ::opendir("/proc");
  if (!proc) return 0;
  while (auto* e = ::readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/status");
    std::string line;
    bool mine = false;
    while (std::getline(in, line)) {
      if (line.rfind("Uid:", 0) == 0) mine = std::strtoul(line.c_str() + 4, nullptr, 10) == uid;
      if (mine && line.rfind("Threads:", 0) == 0) tasks += std::strtoull(line.c_str() + 8, nullptr, 10);
    }
  }
  ::closedir(proc);
  return tasks;
}

struct Child {
  std::string path;
  std::vector<std::string> env_storage;
  std::vector<char*> argv, envp;
  struct rlimit cpu, as, fsize, nofile, nproc;
  bool set_nproc = false;
  pid_t parent = 0;  // the supervising process
};

// Between fork and exec: async-signal-safe calls only (signy may have threads). Any failure is
// reported on `report` (fd 3, close-on-exec) as {stage, errno}, which the parent reads.
[[noreturn]] void exec_child(const Child& c, const char* work_dir, int devnull, int out, int err, int report) {
  // Move our four descriptors above the ones being assigned, then put them in place.
  int fds[4] = {devnull, out, err, report};
  for (int& fd : fds) fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 10);
  int e = 0;
  if (fds[0] < 0 || fds[1] < 0 || fds[2] < 0 || fds[3] < 0 || ::dup2(fds[0], 0) < 0 || ::dup2(fds[1], 1) < 0 ||
      ::dup2(fds[2], 2) < 0 || ::dup3(fds[3], 3, O_CLOEXEC) < 0)
    e = errno ? errno : EBADF;
  if (e == 0 && ::close_range(4, ~0U, 0) != 0) {
    for (int fd = 4; fd < 65536; ++fd) ::close(fd);
  }
  // Signals at their defaults (signy ignores SIGPIPE; an ignored SIGXFSZ would survive exec).
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; ++s) ::sigaction(s, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (e == 0 && ::setsid() < 0) e = errno;
  // Should signy die, even by SIGKILL, the command dies with it instead of running on with no
  // supervisor (its wall-clock limit is the supervisor's); checked against a parent that died
  // before the request took effect.
  if (e == 0 && ::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) e = errno;
  if (e == 0 && ::getppid() != c.parent) e = ESRCH;
  if (e == 0 && (::setrlimit(RLIMIT_CPU, &c.cpu) != 0 || ::setrlimit(RLIMIT_AS, &c.as) != 0 ||
                 ::setrlimit(RLIMIT_FSIZE, &c.fsize) != 0 || ::setrlimit(RLIMIT_NOFILE, &c.nofile) != 0 ||
                 (c.set_nproc && ::setrlimit(RLIMIT_NPROC, &c.nproc) != 0)))
    e = errno;
  struct rlimit no_core {0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);  // SIGXCPU and SIGXFSZ would dump core into the work dir
  int stage = 0;  // setting up
  if (e == 0 && ::chdir(work_dir) != 0) {
    e = errno;
    stage = 1;
  }
  if (e == 0) {
    ::execve(c.path.c_str(), c.argv.data(), c.envp.data());
    e = errno;
    stage = 2;
  }
  int report_words[2] = {stage, e};
  (void)!::write(3, report_words, sizeof report_words);
  ::_exit(127);
}

}  // namespace

std::string_view limit_name(Limit limit) noexcept {
  switch (limit) {
    case Limit::none: return "";
    case Limit::timeout: return "timeout";
    case Limit::cpu: return "cpu";
    case Limit::memory: return "memory";
    case Limit::file_size: return "file size";
    case Limit::open_files: return "open files";
    case Limit::processes: return "processes";
    case Limit::output: return "output";
  }
  return "";
}

Result<BoundedResult> run_bounded(const std::vector<std::string>& argv, const Limits& limits,
                                  const std::filesystem::path& work_dir) {
  if (argv.empty() || argv[0].empty()) return fail(Errc::usage, "inspection: no command");
  if (limits.wall.count() <= 0 || limits.cpu.count() <= 0 || limits.memory == 0 || limits.file_size == 0 ||
      limits.open_files < 4 || limits.processes == 0 || limits.output == 0)
    return fail(Errc::usage, "inspection limits: every limit must be positive (open files at least 4)");
  Child c;
  c.path = resolve(argv[0]);
  if (c.path.empty()) return fail(Errc::not_found, "inspection command " + argv[0] + " is not on " + kPath);
  c.env_storage = {"PATH=" + std::string(kPath), "HOME=" + work_dir.string(), "LANG=C"};
  for (auto& v : c.env_storage) c.envp.push_back(v.data());
  c.envp.push_back(nullptr);
  for (const auto& a : argv) c.argv.push_back(const_cast<char*>(a.c_str()));
  c.argv.push_back(nullptr);
  // Limits only go down: a value above the current hard limit (which an unprivileged process
  // cannot raise) is that hard limit.
  auto lowered = [](int resource, std::uint64_t soft, std::uint64_t hard) {
    struct rlimit now {};
    ::getrlimit(resource, &now);
    auto clamp = [&](std::uint64_t v) -> rlim_t {
      rlim_t r = v >= RLIM_INFINITY ? RLIM_INFINITY : static_cast<rlim_t>(v);
      return now.rlim_max != RLIM_INFINITY && r > now.rlim_max ? now.rlim_max : r;
    };
    return rlimit{clamp(soft), clamp(hard)};
  };
  auto plus_one = [](std::uint64_t v) { return v >= RLIM_INFINITY - 1 ? v : v + 1; };
  auto cpu = static_cast<std::uint64_t>(limits.cpu.count());
  c.cpu = lowered(RLIMIT_CPU, cpu, plus_one(cpu));  // SIGXCPU at the limit, SIGKILL a second later
  c.as = lowered(RLIMIT_AS, limits.memory, limits.memory);
  c.fsize = lowered(RLIMIT_FSIZE, limits.file_size, limits.file_size);
  // The kernel ceilings for descriptors and processes are one above the limit, so that a command
  // reaching them is seen by the supervisor holding one too many, and named.
  c.nofile = lowered(RLIMIT_NOFILE, plus_one(limits.open_files), plus_one(limits.open_files));
  // RLIMIT_NPROC counts every task of the real user, and root ignores it. For anyone else it is a
  // hard ceiling: what the user runs now plus the allowance. The limit that holds for everyone is
  // the supervisor's count of the tree below.
  if (uid_t uid = ::getuid(); uid != 0) {
    c.set_nproc = true;
    auto n = plus_one(user_tasks(uid) + limits.processes);
    c.nproc = lowered(RLIMIT_NPROC, n, n);
  }

  Fd devnull{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
  if (devnull.fd < 0) return fail(Errc::io_error, "/dev/null: " + errno_text());
  detail::Pipe out, err, report;
  SIGNY_TRY_VOID(detail::make_pipe(out));
  SIGNY_TRY_VOID(detail::make_pipe(err));
  SIGNY_TRY_VOID(detail::make_pipe(report));
  std::string dir = work_dir.string();
  // One bounded run at a time, and no other child of sys while it runs (pipes.hpp).
  std::lock_guard children_guard(detail::children_lock());
  std::vector<pid_t> before;  // children of ours from before: not the inspection's
  {
    Stat self;
    children(::getpid(), read_stat(::getpid(), self) ? self.threads : 2, before);
  }
  Subreaper subreaper;
  if (!subreaper.active())
    return fail(Errc::io_error, "cannot run " + argv[0] + ": PR_SET_CHILD_SUBREAPER: " + errno_text());
  c.parent = ::getpid();
  auto start = Clock::now();
  pid_t pid = ::fork();
  if (pid < 0) return fail(Errc::io_error, "cannot run " + argv[0] + ": fork: " + errno_text());
  if (pid == 0) exec_child(c, dir.c_str(), devnull.fd, out.write.fd, err.write.fd, report.write.fd);
  // Published at once (its start time is the fork's): kill_running reaches the command from its
  // first instruction on.
  const Tree tree(pid, std::move(before));
  Running published(tree);
  out.write.close();
  err.write.close();
  report.write.close();
  devnull.close();

  // The exec report: end of file means execve succeeded.
  int child_report[2] = {0, 0};
  ssize_t got;
  while ((got = ::read(report.read.fd, child_report, sizeof child_report)) < 0 && errno == EINTR) {
  }
  if (got == static_cast<ssize_t>(sizeof child_report)) {
    published.end();
    detail::reap(pid);
    std::string where = child_report[0] == 1   ? "entering " + dir
                        : child_report[0] == 2 ? std::string("starting it")
                                               : std::string("setting up its limits");
    return fail(Errc::io_error, "cannot run " + argv[0] + ": " + where + ": " + errno_text(child_report[1]));
  }

  ::fcntl(out.read.fd, F_SETFL, O_NONBLOCK);
  ::fcntl(err.read.fd, F_SETFL, O_NONBLOCK);
  // Readable when the leader ends, so that its end is seen at once rather than at the next look.
  Fd leader_fd{static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))};
  BoundedResult result;
  auto deadline = start + limits.wall;
  bool leader_done = false;
  int status = 0;
  struct rusage usage {};
  auto trip = [&](Limit l) {
    if (result.tripped == Limit::none) result.tripped = l;
    if (!leader_done) {
      std::lock_guard lock(running_mutex);  // not while kill_running signals
      tree.kill_all();  // once reaped, its pid names nothing of ours
    }
  };
  while (out.read.fd >= 0 || err.read.fd >= 0 || !leader_done) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      trip(Limit::timeout);
      break;
    }
    pollfd fds[3] = {{out.read.fd, POLLIN, 0}, {err.read.fd, POLLIN, 0},  // a negative fd is skipped
                     {leader_done ? -1 : leader_fd.fd, POLLIN, 0}};
    auto tick = Clock::now() - start < std::chrono::seconds(1) ? kTick : kSlowTick;
    ::poll(fds, 3, static_cast<int>(std::min(left, tick).count()));
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
        detail::read_capped(out.read, result.out, limits.output) == detail::ReadState::over_cap) {
      result.out_truncated = true;
      trip(Limit::output);
      break;
    }
    if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
        detail::read_capped(err.read, result.err, limits.output) == detail::ReadState::over_cap) {
      result.err_truncated = true;
      trip(Limit::output);
      break;
    }
    if (!leader_done) {
      auto members = tree.members();
      {
        std::lock_guard lock(running_mutex);  // kill_running signals no pid freed meanwhile
        tree.reap_orphans(members);
      }
      std::uint64_t live = 0, resident = 0;
      bool fd_ceiling = false;
      for (const auto& m : members) {
        ++live;
        resident += m.rss_bytes;
        if (!m.zombie && !fd_ceiling) fd_ceiling = open_descriptors(m.pid) > limits.open_files;
      }
      if (live > limits.processes) {
        trip(Limit::processes);
        break;
      }
      if (resident > limits.memory) {
        trip(Limit::memory);
        break;
      }
      if (fd_ceiling) {
        trip(Limit::open_files);
        break;
      }
      // The leader ended: nothing it started may outlive it. Kill the rest, then read to the end.
      // WNOWAIT: the leader stays unreaped (its pid is not reused) while we kill.
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) {
        leader_done = true;
        {
          std::lock_guard lock(running_mutex);
          tree.kill_all();
        }
        published.end();
        status = detail::reap(pid, &usage);
      }
    }
  }
  // Every descendant is killed and every orphan reaped before the leader is reaped.
  if (!leader_done) {
    {
      std::lock_guard lock(running_mutex);
      tree.kill_all();
    }
    published.end();
    status = detail::reap(pid, &usage);
  }
  result.wall = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
    double cpu_used = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                      static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    if (result.tripped == Limit::none) {
      if (result.signal == SIGXCPU || (result.signal == SIGKILL && cpu_used >= static_cast<double>(cpu)))
        result.tripped = Limit::cpu;
      else if (result.signal == SIGXFSZ)
        result.tripped = Limit::file_size;
    }
  }
  return result;
}

void kill_running(AfterKill after) noexcept {
  std::unique_lock lock(running_mutex);
  try {
    if (running) running->kill_now(std::chrono::milliseconds(100));
  } catch (...) {  // reading /proc allocates: nothing more can be done on the way out
  }
  // hold: the supervisor stays where it is (it reaps, reports and starts nothing more) until the
  // process ends, which the caller is about to do.
  if (after == AfterKill::hold) (void)lock.release();
}

namespace {
// Removes `name` under `parent` without following links: a directory is made 0700 and opened
// (detail::open_dir_listable: a command may have left it 000), emptied, then removed. Depth is capped (a hostile
// command can nest directories deeper than any path).
bool remove_at(int parent, const char* name, int depth) {
  if (::unlinkat(parent, name, 0) == 0 || errno == ENOENT) return true;
  if (depth > 256) return false;
  int fd = detail::open_dir_listable(parent, name, false);
  if (fd < 0) return false;
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return false;
  }
  bool ok = true;
  while (auto* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    ok = remove_at(::dirfd(d), e->d_name, depth + 1) && ok;
  }
  ::closedir(d);
  return ::unlinkat(parent, name, AT_REMOVEDIR) == 0 && ok;
}
}  // namespace

Result<PrivateDir> PrivateDir::create(std::string_view prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string base = tmp && *tmp == '/' ? tmp : "/tmp";
  std::string tmpl = base + "/" + std::string(prefix) + "-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return fail(Errc::io_error, "cannot create a directory in " + base + ": " + errno_text());
  return PrivateDir(std::filesystem::path(tmpl));  // mkdtemp makes it 0700
}

PrivateDir::~PrivateDir() {
  if (path_.empty()) return;
  remove_at(AT_FDCWD, path_.c_str(), 0);
}

}  // namespace signy::sys
