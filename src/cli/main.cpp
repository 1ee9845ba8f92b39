// signy entry point: parses the command line, runs the selected command, and maps the error's
// category to the exit code documented in README.md ("Exit codes"). Every message printed here
// is signy's own (no library's wording) with control bytes escaped (escape_control).
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <system_error>
#include <thread>

#include "cli/cli.hpp"
#include "signy/api/intoto.hpp"
#include "signy/util/log.hpp"
#include "signy/util/text.hpp"

namespace signy::cli {

std::filesystem::path GlobalOptions::trust_dir_path() const {
  if (!trust_dir.empty()) return trust_dir;
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : ".") / ".signy";
}

// Invalid UTF-8 (a file name, a server's text) becomes U+FFFD instead of an exception.
void print_json(const nlohmann::json& j) {
  std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace signy::cli

namespace {
using namespace signy;

// Option types in words: CLI11 shows validators as "TEXT:{a,b}" or "ENUM:value in {json->1,...}".
class Formatter : public CLI::Formatter {
 public:
  std::string make_option_opts(const CLI::Option* opt) const override {
    if (!opt->get_option_text().empty() || opt->get_type_size() == 0) return CLI::Formatter::make_option_opts(opt);
    std::string type = opt->get_type_name();
    // CLI11 appends ":<validator>" to the type; a colon inside brackets is the type's own
    // (--insecure-registry HOST[:PORT]).
    std::size_t colon = std::string::npos;
    for (std::size_t i = 0, depth = 0; i < type.size() && colon == std::string::npos; ++i) {
      if (type[i] == '[') ++depth;
      else if (type[i] == ']' && depth > 0) --depth;
      else if (type[i] == ':' && depth == 0) colon = i;
    }
    if (colon != std::string::npos) {
      std::string rest = type.substr(colon + 1);
      type = type.substr(0, colon);
      if (rest.size() > 2 && rest.front() == '{' && rest.back() == '}' && rest.find("->") == std::string::npos) {
        type = rest.substr(1, rest.size() - 2);  // IsMember: {ecdsa,ed25519,rsa} -> ecdsa|ed25519|rsa
        for (auto& c : type)
          if (c == ',') c = '|';
      }
    }
    std::string out = " " + type;
    if (!opt->get_default_str().empty()) out += " (default " + opt->get_default_str() + ")";
    if (opt->get_required()) out += " (required)";
    return out;
  }
};

bool g_json_output = false;

// The -o json "category" of an error: the exit code's meaning (README, "Exit codes").

int report(const Error& e) {
  std::string message = escape_control(e.message);
  bool usage = e.category() == ErrorCategory::usage && message.rfind("usage", 0) != 0;
  std::fprintf(stderr, "signy: %s%s\n", usage ? "usage: " : "", message.c_str());
  if (g_json_output) {
    // The same failure for programs reading -o json: one object on stdout.
    cli::print_json({{"error",
                      {{"code", errc_name(e.code)}, {"category", category_name(e.category())}, {"message", message}}}});
  }
  return exit_code(e.category());
}

// -o/--output json as given on the command line, for errors before (or while) it is parsed.
bool json_requested(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") break;
    if ((a == "-o" || a == "--output") && i + 1 < argc) {
      std::string v = argv[++i];
      for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (v == "json") return true;
    } else if (a == "-ojson" || a == "--output=json" || a == "-o=json") {
      return true;
    }
  }
  return false;
}

// The innermost command selected on the command line ("signy key" for `signy key frobnicate`).
const CLI::App* innermost(const CLI::App& app, std::string& name) {
  const CLI::App* at = &app;
  name = "signy";
  for (;;) {
    auto subs = at->get_subcommands();
    if (subs.empty()) return at;
    at = subs.front();
    name += " " + at->get_name();
  }
}

// CLI11's parse errors in signy's words; the offending text is quoted (and escaped by report).
Error parse_error(const CLI::App& app, const CLI::ParseError& e) {
  std::string cmd;
  const CLI::App* at = innermost(app, cmd);
  std::string see = "; see " + cmd + " --help";
  if (dynamic_cast<const CLI::ExtrasError*>(&e) || dynamic_cast<const CLI::RequiredError*>(&e)) {
    auto extras = app.remaining(true);  // with fallthrough, a subcommand's extras reach the top
    if (!extras.empty()) {
      const auto& first = extras.front();
      if (at->get_require_subcommand_min() > 0 && !first.empty() && first.front() != '-')
        return Error{Errc::usage, "unknown command \"" + first + "\"" + see};
      return Error{Errc::usage, "unexpected argument \"" + first + "\"" + see};
    }
    if (at->get_require_subcommand_min() > 0 && at->get_subcommands().empty())
      return Error{Errc::usage, "a command is required" + see};
  }
  std::string why = e.what();
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e)) {
    // "--timeout: 1 required TEXT missing": the option's name, in our words.
    if (auto colon = why.find(": "); colon != std::string::npos && why.find(" required ") != std::string::npos)
      return Error{Errc::usage, why.substr(0, colon) + " needs a value" + see};
  }
  if (dynamic_cast<const CLI::ValidationError*>(&e)) {
    // IsMember: "--type: dsa not in {ecdsa,ed25519,rsa}".
    auto colon = why.find(": "), in = why.find(" not in {");
    if (colon != std::string::npos && in != std::string::npos && in > colon && why.back() == '}') {
      std::string choices = why.substr(in + 9, why.size() - in - 10);
      for (std::size_t p = 0; (p = choices.find(',', p)) != std::string::npos; p += 2) choices.replace(p, 1, ", ");
      return Error{Errc::usage, why.substr(0, colon) + ": \"" + why.substr(colon + 2, in - colon - 2) + "\" is not one of " +
                                    choices + see};
    }
  }
  // The rest (a missing or bad value): CLI11's text names the option and the value; its
  // "Run with --help" advice is replaced by ours.
  if (auto run = why.find("Run with --help"); run != std::string::npos) why.erase(run);
  while (!why.empty() && (why.back() == ' ' || why.back() == '\n')) why.pop_back();
  return Error{Errc::usage, why + see};
}

// The text of a std::filesystem error without the library's wording: "<path>: <what>: <why>".
Error filesystem_error(const std::filesystem::filesystem_error& e) {
  std::string what = e.what();
  constexpr std::string_view kPrefix = "filesystem error: ";
  if (what.rfind(kPrefix, 0) == 0) what.erase(0, kPrefix.size());
  if (auto bracket = what.find(" ["); bracket != std::string::npos) what.erase(bracket);
  std::string path = e.path1().string();
  return Error{Errc::io_error, path.empty() ? what : path + ": " + what};
}

// SIGINT, SIGTERM, SIGHUP, SIGQUIT: an in-toto inspection under way is killed, with everything
// it started, before signy dies of the signal. Its command leads a session of its own, which a terminal's
// Ctrl-C or a CI runner's SIGTERM to signy's process group does not reach, and its wall-clock
// limit dies with signy's supervisor. The signals are blocked in every thread (this runs before
// any is started) and taken by one that waits for them; one that is ignored stays ignored.
sigset_t termination_signals;

// The thread that waits for them: the inspection is killed (and its supervisor held), then signy
// dies of the signal as it would have without this thread (the shell sees 128+N).
void waiter() {
  int sig = 0;
  if (::sigwait(&termination_signals, &sig) != 0) return;
  api::abandon_inspection();
  ::signal(sig, SIG_DFL);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  ::pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
  ::raise(sig);
  std::_Exit(128 + sig);
}

void end_inspections_on_termination() {
  sigset_t& set = termination_signals;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
    struct sigaction now {};
    if (::sigaction(sig, nullptr, &now) == 0 && now.sa_handler != SIG_IGN) sigaddset(&set, sig);
  }
  if (::pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return;
  try {
    std::thread(waiter).detach();
  } catch (const std::system_error&) {  // no thread to be had: the signals act as they did
    ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  }
}
}  // namespace

int main(int argc, char** argv) {
  end_inspections_on_termination();
  cli::GlobalOptions global;
  cli::Action run;
  g_json_output = json_requested(argc, argv);
  CLI::App app{"signy: sign and verify Cloud Native Application Bundles (CNAB Security, cnab-spec 300-303)", "signy"};
  app.formatter(std::make_shared<Formatter>());
  app.require_subcommand(1);
  app.fallthrough();
  app.footer("Example: signy -d /tmp/trust sign --thick bundle.tgz localhost:5000/org/app:v1");
  app.add_option("-d,--dir", global.trust_dir, "Trust directory (default ~/.signy)")->type_name("DIR");
  app.add_option("--log", global.log_level, "Log level")->option_text("error|warn|info|debug (default warn)");
  app.add_option("--server", global.server, "Trust server: https://host:port (Notary) or file:///path (default file://<dir>/server)")
      ->type_name("URL");
  app.add_option("--map", global.map_file,
                 "TAP 4 map: which repositories must agree on a target (default <dir>/map.json when it exists)")
      ->type_name("FILE");
  app.add_option("--tlscacert", global.tls_ca_file, "Trust only this CA for the server's TLS certificate")->type_name("FILE");
  app.add_option("--registry-ca", global.registry_ca_file,
                 "Trust only this CA for every registry's TLS certificate (default: /etc/docker/certs.d/HOST[:PORT]/ca.crt, else the system's)")
      ->type_name("FILE");
  app.add_option("--insecure-registry", global.insecure_registries,
                 "Talk plain HTTP to this registry (loopback registries are, unless --registry-ca or certs.d names a CA); repeatable")
      ->type_name("HOST[:PORT]");
  app.add_option("--policy", global.policy_file,
                 "Verification policy (default <dir>/policy.json when it exists, else strict for every bundle; docs/security/policy.md)")
      ->type_name("FILE");
  std::string timeout;
  app.add_option("-t,--timeout", timeout,
                 "Network timeout: seconds, or a Go duration (90s, 1m30s, 250ms, 2h; at most 24h)")
      ->option_text("DURATION (default 30s)");
  std::string output = "text";
  app.add_option("-o,--output", output, "Output format (json: errors too, as {\"error\": {...}} on stdout)")
      ->option_text("text|json (default text)");

  cli::Registry registry{app, global, run};
  cli::register_version(registry);
  cli::register_digest(registry);
  cli::register_key(registry);
  cli::register_bundle(registry);
  cli::register_sign(registry);
  cli::register_verify(registry);
  cli::register_image(registry);
  cli::register_list(registry);
  cli::register_delete(registry);
  cli::register_layout(registry);
  cli::register_intoto(registry);
  cli::register_hook(registry);
  cli::register_policy(registry);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --version and friends
    return report(parse_error(app, e));
  }
  for (auto& c : output) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (output != "text" && output != "json")
    return report(Error{Errc::usage, "-o/--output: \"" + output + "\" is not text or json"});
  global.output = output == "json" ? cli::OutputFormat::json : cli::OutputFormat::text;
  g_json_output = global.output == cli::OutputFormat::json;
  if (!timeout.empty()) {
    // Go durations as the original signy took them (time.ParseDuration); plain integers are seconds.
    auto d = parse_duration(timeout);
    if (!d) return report(d.error().context("-t/--timeout"));
    if (*d < std::chrono::milliseconds(1) || *d > std::chrono::hours(24))
      return report(Error{Errc::usage, "-t/--timeout: \"" + timeout + "\" is not between 1ms and 24h"});
    global.timeout_ms = std::chrono::ceil<std::chrono::milliseconds>(*d).count();
  }
  auto lvl = log::parse_level(global.log_level);
  if (!lvl) return report(lvl.error());
  log::set_level(*lvl);
  if (!run) return report(Error{Errc::usage, "no command given (see signy --help)"});
  try {
    auto st = run();
    if (!st && global.json_written) g_json_output = false;  // its document already says why
    if (!st) return report(st.error());
  } catch (const std::bad_alloc&) {
    return report(Error{Errc::internal, "out of memory"});
  } catch (const std::filesystem::filesystem_error& e) {
    return report(filesystem_error(e));  // local I/O, not a bug
  } catch (const nlohmann::json::exception& e) {
    std::string why = e.what();  // "[json.exception.type_error.316] invalid UTF-8 byte ..."
    if (auto end = why.find("] "); why.rfind("[json.exception", 0) == 0 && end != std::string::npos) why.erase(0, end + 2);
    return report(Error{Errc::internal, "unexpected JSON error (a bug, please report it): " + why});
  } catch (const std::exception& e) {
    return report(Error{Errc::internal, std::string("unexpected error (a bug, please report it): ") + e.what()});
  }
  return global.exit_code.value_or(0);
}
