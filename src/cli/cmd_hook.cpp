// signy hook pre-install [--env] [--deadline DURATION]: the pre-install hook (api/hook.hpp,
// docs/security/hook.md). One JSON verdict on stdout whatever happens once the command line is
// parsed; exit 0 only for allow. A watchdog thread answers deny and exits when the deadline passes.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <thread>

#include "cli/cli.hpp"
#include "signy/api/hook.hpp"
#include "signy/api/intoto.hpp"
#include "signy/util/log.hpp"
#include "signy/util/text.hpp"

namespace signy::cli {
namespace {

// Exactly one verdict leaves the process: the main path's or the watchdog's, whichever is first.
class Answer {
 public:
  // Writes the verdict (one line of JSON) and the one-line reason of a deny on stderr; false when
  // the watchdog already answered.
  bool give(const api::Report& report) {
    std::lock_guard lock(mutex_);
    if (answered_) return false;
    answered_ = true;
    write(report);
    cv_.notify_all();
    return true;
  }
  // The watchdog: at the deadline, deny and end the process (exit 4) unless answered by then.
  void watch(std::chrono::steady_clock::time_point deadline, std::string deadline_text) {
    thread_ = std::thread([this, deadline, deadline_text] {
      std::unique_lock lock(mutex_);
      if (cv_.wait_until(lock, deadline, [this] { return answered_; })) return;
      answered_ = true;
      auto report = api::hook_denied(Error{Errc::network, "the hook's deadline (" + deadline_text + ") passed before a verdict"},
                                     api::Denial::infrastructure, request_ ? &*request_ : nullptr);
      write(report);
      api::abandon_inspection();  // an inspection under way dies with the hook
      std::_Exit(api::hook_exit_code(report));  // fail closed now: nothing of the late run may matter
    });
  }
  void set_request(const api::HookRequest& request) {
    std::lock_guard lock(mutex_);
    request_ = request;
  }
  ~Answer() {
    if (thread_.joinable()) {
      {
        std::lock_guard lock(mutex_);
        answered_ = true;
      }
      cv_.notify_all();
      thread_.join();
    }
  }

 private:
  static void write(const api::Report& report) {
    std::string line = api::hook_verdict(report).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
    if (report.verdict != api::Verdict::allow)
      std::fprintf(stderr, "signy: hook: deny (%s): %s\n", std::string(api::denial_name(report.denial)).c_str(),
                   escape_control(report.reason).c_str());
    std::fflush(stderr);
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  bool answered_ = false;
  std::optional<api::HookRequest> request_;
  std::thread thread_;
};

// stdin, at most kMaxHookRequestBytes (one byte more tells an oversized request).
Result<std::string> read_request() {
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::io_error, std::string("request: reading stdin: ") + std::strerror(errno));
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > api::kMaxHookRequestBytes)
      return fail(Errc::too_large, "request: larger than " + std::to_string(api::kMaxHookRequestBytes) + " bytes");
  }
  if (text.empty()) return fail(Errc::malformed_json, "request: stdin is empty (a JSON request, or --env)");
  return text;
}

api::Denial request_denial(const Error& e) {
  auto c = e.category();
  return c == ErrorCategory::usage || c == ErrorCategory::bad_input ? api::Denial::bad_request : api::Denial::infrastructure;
}

api::Report run_pre_install(const GlobalOptions& global, bool from_env, Answer& answer) {
  auto request = from_env ? api::hook_request_from_env([](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  })
                          : read_request().and_then([](const std::string& text) { return api::parse_hook_request(text); });
  if (!request) return api::hook_denied(request.error(), request_denial(request.error()));
  answer.set_request(*request);
  keystore::EnvPromptPassphrase pass;  // verification needs no key; never prompts
  // The trust dir, the flags and --policy: a file that is missing or unreadable is configuration
  // (bad_request), as a malformed one is.
  auto env = make_environment(global, pass);
  if (!env) {
    auto c = env.error().category();
    bool config = c == ErrorCategory::usage || c == ErrorCategory::bad_input || c == ErrorCategory::local_io;
    return api::hook_denied(env.error(), config ? api::Denial::bad_request : api::Denial::infrastructure, &*request);
  }
  return api::run_hook(*request, *env);
}

}  // namespace

void register_hook(Registry& r) {
  auto* hook = r.app.add_subcommand("hook", "Runtime hooks (docs/security/hook.md)");
  hook->require_subcommand(1);
  struct Opts {
    bool env = false;
    std::string deadline = "5m";
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = hook->add_subcommand(
      "pre-install",
      "Decide whether a CNAB runtime may run an action of a bundle: reads one JSON request on stdin (or --env), verifies "
      "the bundle, its images and its policy, and writes one JSON verdict on stdout (protocol version 1). Exit 0 allow, "
      "1 denied by verification, 2 bad request or configuration, 3 not signed, 4 infrastructure or deadline");
  cmd->footer(
      "Example:\n  echo '{\"action\":\"install\",\"bundle\":{\"reference\":\"localhost:5000/org/app:v1\"}}' | signy hook pre-install");
  cmd->add_flag("--env", o->env,
                "Read the request from the CNAB runtime variables (CNAB_ACTION, CNAB_INSTALLATION_NAME, CNAB_BUNDLE_NAME, "
                "CNAB_BUNDLE_VERSION) and SIGNY_BUNDLE_REFERENCE, SIGNY_BUNDLE_PATH, SIGNY_RELOCATION_MAP, SIGNY_RUNTIME");
  cmd->add_option("--deadline", o->deadline,
                  "Deny (exit 4) when no verdict is reached by then: seconds or a Go duration (at most 24h)")
      ->option_text("DURATION (default 5m)");
  cmd->callback([&r, o] {
    r.run = [&r, o]() -> Status {
      auto d = parse_duration(o->deadline);
      if (!d) return tl::unexpected(d.error().context("--deadline"));
      if (*d < std::chrono::milliseconds(1) || *d > std::chrono::hours(24))
        return fail(Errc::usage, "--deadline: \"" + o->deadline + "\" is not between 1ms and 24h");
      Answer answer;
      answer.watch(std::chrono::steady_clock::now() + *d, o->deadline);
      api::Report report;
      try {
        report = run_pre_install(r.global, o->env, answer);
      } catch (const std::bad_alloc&) {
        report = api::hook_denied(Error{Errc::internal, "out of memory"}, api::Denial::infrastructure);
      } catch (const std::exception& e) {
        report = api::hook_denied(Error{Errc::internal, std::string("unexpected error (a bug, please report it): ") + e.what()},
                                  api::Denial::infrastructure);
      }
      for (const auto& w : report.warnings) log::warn(w);
      answer.give(report);
      r.global.exit_code = api::hook_exit_code(report);
      return {};
    };
  });
}

}  // namespace signy::cli
