#include <cstdlib>
#include <iostream>

#include "cli/cli.hpp"
#include "signy/util/text.hpp"

namespace signy::cli {

Result<api::Context> make_context(const GlobalOptions& g, keystore::PassphraseSource& pass) {
  api::Context ctx;
  std::error_code ec;
  ctx.trust_dir = std::filesystem::absolute(g.trust_dir_path(), ec);  // needs the working directory
  if (ec) return fail(Errc::io_error, "trust directory " + g.trust_dir_path().string() + ": " + ec.message());
  ctx.server = g.server;
  ctx.passphrases = &pass;
  ctx.http.ca_file = g.tls_ca_file;
  ctx.http.timeout_ms = g.timeout_ms;
  ctx.registry.http.timeout_ms = g.timeout_ms;
  ctx.registry.ca_file = g.registry_ca_file;
  ctx.registry.insecure_registries = g.insecure_registries;
  // The one reference time for every expiry check of this command.
  ctx.now = std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
  ctx.updater.pinning = SIGNY_TRY(api::load_trust_pinning(ctx.trust_dir));
  // How long a writer waits for another's lock: whole seconds, 0 = do not wait.
  if (const char* v = std::getenv("SIGNY_LOCK_TIMEOUT"); v && *v) {
    std::string_view text(v);
    if (text.size() > 6 || text.find_first_not_of("0123456789") != std::string_view::npos)
      return fail(Errc::usage, "SIGNY_LOCK_TIMEOUT must be whole seconds (0 to 999999)");
    ctx.lock_wait = std::chrono::seconds(std::stol(std::string(text)));
  }
  return ctx;
}

Result<api::Environment> make_environment(const GlobalOptions& g, keystore::PassphraseSource& pass) {
  api::Environment env;
  env.context = SIGNY_TRY(make_context(g, pass));
  if (!g.policy_file.empty())
    env.policy = SIGNY_TRY(policy::load(g.policy_file).map_error([](Error e) { return e.context("--policy"); }));
  return env;
}

void print_images_text(const std::vector<cnab::VerifiedImage>& images) {
  // Names come from bundle.json: escaped, so that one line is one image whatever they hold.
  for (const auto& i : images) std::cout << "  " << escape_control(i.name) << "  " << escape_control(i.reference) << "\n";
}

nlohmann::json images_json(const std::vector<cnab::VerifiedImage>& images) {
  auto list = nlohmann::json::array();
  for (const auto& i : images) list.push_back({{"name", i.name}, {"image", i.image}, {"reference", i.reference}});
  return list;
}

}  // namespace signy::cli
