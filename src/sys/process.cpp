#include "signy/sys/process.hpp"
#include "signy/util/secret.hpp"
#include "sys/pipes.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

extern char** environ;

namespace signy::sys {
using detail::Fd;

Result<RunResult> run(const std::vector<std::string>& argv, std::string_view input, std::chrono::milliseconds timeout,
                      std::size_t max_output) {
  if (argv.empty()) return fail(Errc::internal, "run: no program");
  std::lock_guard children(detail::children_lock());  // not while an inspection runs (sandbox.cpp)
  detail::Pipe in, out;
  SIGNY_TRY_VOID(detail::make_pipe(in));
  SIGNY_TRY_VOID(detail::make_pipe(out));
  Fd &in_r = in.read, &in_w = in.write, &out_r = out.read, &out_w = out.write;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_r.fd, 0);
  posix_spawn_file_actions_adddup2(&fa, out_w.fd, 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // The helper leads a process group of its own, so that on the deadline everything it started
  // (a script's children keep our pipe open) is killed with it: kill(-pgid).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Signals as a program expects them: none blocked (signy's CLI blocks the termination signals
  // in its threads) and SIGPIPE at its default (signy ignores it); others as signy got them.
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    if (rc == ENOENT) return fail(Errc::not_found, argv[0] + " is not on PATH");
    return fail(Errc::io_error, "cannot run " + argv[0] + ": " + std::strerror(rc));
  }
  in_r.close();
  out_w.close();
  ::fcntl(in_w.fd, F_SETFL, O_NONBLOCK);
  ::fcntl(out_r.fd, F_SETFL, O_NONBLOCK);
  ::signal(SIGPIPE, SIG_IGN);  // a helper that exits without reading must not kill us
  RunResult result;
  std::size_t sent = 0;
  if (input.empty()) in_w.close();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<Error> error;
  while (out_r.fd >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      error = Error{Errc::network, argv[0] + " did not answer within " + std::to_string(timeout.count()) + " ms"};
      break;
    }
    pollfd fds[2] = {{out_r.fd, POLLIN, 0}, {in_w.fd, POLLOUT, 0}};
    int n = ::poll(fds, in_w.fd >= 0 ? 2 : 1, static_cast<int>(left));
    if (n < 0 && errno != EINTR) {
      error = Error{Errc::io_error, "poll: " + std::string(std::strerror(errno))};
      break;
    }
    if (in_w.fd >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = ::write(in_w.fd, input.data() + sent, input.size() - sent);
      if (w > 0) sent += static_cast<std::size_t>(w);
      if (w < 0 && errno != EAGAIN) in_w.close();
      if (sent == input.size()) in_w.close();
    }
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
        detail::read_capped(out_r, result.output, max_output) == detail::ReadState::over_cap) {
      error = Error{Errc::too_large, argv[0] + " wrote more than " + std::to_string(max_output) + " bytes"};
      break;
    }
  }
  // The group is still ours to kill: its leader is not yet reaped (a zombie at worst).
  if (error) ::kill(-pid, SIGKILL);
  int status = detail::reap(pid);
  if (error) {
    secure_wipe(result.output.data(), result.output.size());
    return tl::unexpected(*error);
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace signy::sys
