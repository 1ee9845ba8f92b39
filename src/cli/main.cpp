// signy entry point: parses the command line, runs the selected command, and maps the error's
// category to the exit code documented in README.md ("Exit codes").
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/cli.hpp"
#include "signy/util/log.hpp"

namespace signy::cli {

std::filesystem::path GlobalOptions::trust_dir_path() const {
  if (!trust_dir.empty()) return trust_dir;
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : ".") / ".signy";
}

void print_json(const nlohmann::json& j) { std::cout << j.dump(2) << '\n'; }

}  // namespace signy::cli

namespace {
int report(const signy::Error& e) {
  bool usage = e.category() == signy::ErrorCategory::usage && e.message.rfind("usage", 0) != 0;
  std::fprintf(stderr, "signy: %s%s\n", usage ? "usage: " : "", e.message.c_str());
  return signy::exit_code(e.category());
}
}  // namespace

int main(int argc, char** argv) {
  using namespace signy;
  cli::GlobalOptions global;
  cli::Action run;
  CLI::App app{"signy: sign and verify Cloud Native Application Bundles (CNAB Security, cnab-spec 300-303)", "signy"};
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("-d,--dir", global.trust_dir, "Trust directory (default ~/.signy)");
  app.add_option("--log", global.log_level, "Log level: error, warn, info, debug")->default_val("warn");
  app.add_option("--server", global.server, "Trust server: https://host:port (Notary) or file:///path (default file://<dir>/server)");
  app.add_option("--tlscacert", global.tls_ca_file, "Trust only this CA for the server's TLS certificate");
  app.add_option("-t,--timeout", global.timeout_seconds, "Network timeout in seconds")->check(CLI::Range(1, 3600));
  std::map<std::string, cli::OutputFormat> formats{{"text", cli::OutputFormat::text},
                                                   {"json", cli::OutputFormat::json}};
  app.add_option("-o,--output", global.output, "Output format: text or json")
      ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case));

  cli::Registry registry{app, global, run};
  cli::register_version(registry);
  cli::register_digest(registry);
  cli::register_key(registry);
  cli::register_bundle(registry);
  cli::register_sign(registry);
  cli::register_verify(registry);
  cli::register_list(registry);
  cli::register_delete(registry);

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
    std::string msg = e.what();
    std::fprintf(stderr, "signy: usage: %s (see signy --help)\n", msg.c_str());
    return exit_code(ErrorCategory::usage);
  }
  auto lvl = log::parse_level(global.log_level);
  if (!lvl) return report(lvl.error());
  log::set_level(*lvl);
  if (!run) return report(Error{Errc::usage, "no command given (see signy --help)"});
  try {
    auto st = run();
    if (!st) return report(st.error());
  } catch (const std::bad_alloc&) {
    return report(Error{Errc::internal, "out of memory"});
  } catch (const std::exception& e) {
    return report(Error{Errc::internal, std::string("internal error: ") + e.what()});
  }
  return 0;
}
