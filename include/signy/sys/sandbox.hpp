// Running an untrusted command with bounded resources: in-toto inspections (cnab-spec 303
// SHOULD; issue 9 item 4). The command runs without a shell, argv[0] found on a fixed PATH, in a
// private working directory the caller prepared (PrivateDir), with a scrubbed environment
// (PATH=/usr/local/bin:/usr/bin:/bin, HOME=<work dir>, LANG=C, nothing inherited), standard
// input /dev/null, no other inherited descriptor, all signals at their defaults, as the leader of
// a new session and process group, killed should signy die (PR_SET_PDEATHSIG SIGKILL). For the run the calling process is a child subreaper
// (PR_SET_CHILD_SUBREAPER, reset afterwards): every process the command starts stays below us,
// even one that calls setsid or whose parent exits (an orphan comes back to us, not to init), and
// the supervisor finds them by walking that tree (/proc/PID/task/TID/children), never the whole
// of /proc. The limits, and who enforces each:
//
//   wall     supervisor: past it the tree is killed                  default 60 s
//   cpu      kernel RLIMIT_CPU per process (SIGXCPU, then SIGKILL)    default 30 s
//   memory   kernel RLIMIT_AS per process (allocations fail: ENOMEM), default 1 GiB
//            and supervisor: the tree's resident total
//   file     kernel RLIMIT_FSIZE per file written (SIGXFSZ)           default 1 GiB
//   files    supervisor: a process holding more; kernel              default 256
//            RLIMIT_NOFILE one above (EMFILE)
//   procs    supervisor: more processes in the tree; kernel          default 64
//            RLIMIT_NPROC as a backstop for non-root users
//   output   supervisor: bytes captured on stdout, and on stderr     default 1 MiB each
//
// The supervisor (the calling thread) looks every 10 ms for the first second, then every 50 ms
// (a look reads a few /proc files per process of the tree). When a limit trips, and when the
// command itself ends, every process of the tree gets SIGKILL and every orphan is reaped before
// run_bounded returns; the result names the limit. A per-process kernel limit is named when the
// command died of it (SIGXCPU, SIGXFSZ); a limit that only made a call fail (ENOMEM, EMFILE,
// EAGAIN) shows as the command's failure, since only the program saw it.
// One bounded run at a time per process, and sys::run waits for it (neither starts a child while
// the other's runs), so no other child of sys is taken for the inspection's. Children that the
// process has before the run are left alone; a caller that starts children by other means while
// an inspection runs (or a signy that is PID 1 of a container, which inherits every orphan of its
// namespace) may have those that start during the run counted, killed and reaped with it.
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "signy/util/result.hpp"

namespace signy::sys {

struct Limits {
  std::chrono::milliseconds wall{60'000};
  std::chrono::seconds cpu{30};
  std::uint64_t memory = std::uint64_t{1} << 30;     // bytes
  std::uint64_t file_size = std::uint64_t{1} << 30;  // bytes, per file
  std::uint64_t open_files = 256;                    // per process
  std::uint64_t processes = 64;                      // in the tree below signy, the command included
  std::size_t output = std::size_t{1} << 20;         // bytes captured per stream
};

enum class Limit { none, timeout, cpu, memory, file_size, open_files, processes, output };
// "timeout", "cpu", "memory", "file size", "open files", "processes", "output"; "" for none.
std::string_view limit_name(Limit limit) noexcept;

struct BoundedResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that ended the command, 0 if it exited
  std::string out, err;
  bool out_truncated = false, err_truncated = false;
  Limit tripped = Limit::none;
  std::chrono::milliseconds wall{0};
  bool succeeded() const noexcept { return tripped == Limit::none && exit_code == 0; }
};

// Errc::not_found when argv[0] is not on the fixed PATH (a name with '/' is used as given,
// relative to work_dir), Errc::usage for an empty argv or a zero limit, Errc::io_error when the
// command cannot be started. A tripped limit or a non-zero exit is a result, not an error.
Result<BoundedResult> run_bounded(const std::vector<std::string>& argv, const Limits& limits,
                                  const std::filesystem::path& work_dir);

// For a process that must end while run_bounded runs on another thread (the hook's deadline):
// SIGKILL to every process of the run's tree (the command is reached from its fork on), looking
// again for what forked meanwhile for at most 100 ms, without waiting for the run to return and
// without reaping (the supervisor does, or whoever inherits them once the caller exits). Without
// it the command would outlive signy, with no supervisor left to enforce the wall-clock limit.
// Nothing when no run is under way. AfterKill::hold (for a caller about to exit) then keeps the
// run's supervisor blocked for good, so that it reports, reaps and starts nothing more; release
// lets the run return (the command died of SIGKILL).
enum class AfterKill { release, hold };
void kill_running(AfterKill after = AfterKill::hold) noexcept;

// A private temporary directory (mode 0700, under $TMPDIR or /tmp) removed with its contents when
// the object goes away; removal never follows a symbolic link and restores write permission on
// directories the command made unwritable.
class PrivateDir {
 public:
  static Result<PrivateDir> create(std::string_view prefix = "signy-inspection");
  PrivateDir(PrivateDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  PrivateDir& operator=(PrivateDir&&) = delete;
  PrivateDir(const PrivateDir&) = delete;
  ~PrivateDir();
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  explicit PrivateDir(std::filesystem::path p) : path_(std::move(p)) {}
  std::filesystem::path path_;
};

}  // namespace signy::sys
