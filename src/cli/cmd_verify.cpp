// signy verify REF (a thin bundle in its registry) | signy verify --thick --local FILE REF
#include <iostream>

#include "cli/cli.hpp"
#include "signy/api/intoto_dist.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/log.hpp"

namespace signy::cli {
namespace {
std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : std::string(sep)) + i;
  return out;
}
}  // namespace

void register_verify(Registry& r) {
  struct Opts {
    bool thick = false, local = false, allow_unpinned = false;
    std::vector<std::string> args;
    std::string relocation_map;
    bool in_toto = false;
    std::string in_toto_dir;
    double inspection_timeout = 0;
    std::uint64_t inspection_memory = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = r.app.add_subcommand(
      "verify",
      "Verify a bundle against its trusted TUF target, then every image it names (exit 1 if refused), and print the "
      "digest-pinned image references a runtime must run, one per line: a thin bundle is pulled from its registry by "
      "REF; a thick one is a local archive (--thick --local FILE REF)");
  cmd->footer(
      "Examples:\n  signy verify localhost:5000/org/app:v1\n  signy verify --thick --local bundle.tgz localhost:5000/org/app:v1");
  cmd->add_flag("--thick", o->thick, "FILE is a thick bundle archive");
  cmd->add_flag("--local", o->local, "Verify a local file (not pulled from a registry)");
  cmd->add_option("--relocation-map", o->relocation_map,
                  "Resolve images through this relocation-mapping.json (original image -> relocated reference)")
      ->type_name("FILE");
  cmd->add_flag("--allow-unpinned", o->allow_unpinned,
                "Accept images without contentDigest (each named in a warning; the image's tag is trusted as it resolves now)");
  cmd->add_flag("--in-toto", o->in_toto,
                "Then verify the bundle's in-toto supply chain published through TUF (cnab-spec 301): the layout and its "
                "key as targets signs them, the links the bundle's target lists, inspections run with bounded resources");
  cmd->add_option("--in-toto-dir", o->in_toto_dir,
                  "With --in-toto: read the in-toto files from DIR (offline), by sha256 or name; checked against TUF all the same")
      ->type_name("DIR");
  cmd->add_option("--inspection-timeout", o->inspection_timeout, "With --in-toto: wall-clock seconds per inspection (default 60)")
      ->type_name("S")
      ->check(CLI::Range(0.001, 86400.0));
  cmd->add_option("--inspection-memory", o->inspection_memory, "With --in-toto: address space per inspection in MiB (default 1024)")
      ->type_name("MIB")
      ->check(CLI::Range(std::uint64_t{16}, std::uint64_t{1} << 20));
  cmd->add_option("ARGS", o->args, "[FILE] REF: a thick bundle file (with --thick --local), and the reference, e.g. localhost:5000/org/app:v1")
      ->required()
      ->expected(1, 2);
  cmd->callback([&r, o] {
    r.run = [&r, o]() -> Status {
      bool thick = o->thick || o->local;
      if (thick && (!o->thick || !o->local))
        return fail(Errc::usage, "a thick bundle is verified from a local file: give both --thick and --local");
      if (thick && o->args.size() != 2) return fail(Errc::usage, "verify --thick --local takes FILE REF");
      if (!thick && o->args.size() != 1)
        return fail(Errc::usage, "verify of a thin bundle takes only REF (a local archive: --thick --local FILE REF)");
      keystore::EnvPromptPassphrase pass;
      if (!o->in_toto && (!o->in_toto_dir.empty() || o->inspection_timeout > 0 || o->inspection_memory > 0))
        return fail(Errc::usage, "--in-toto-dir, --inspection-timeout and --inspection-memory go with --in-toto");
      auto env = SIGNY_TRY(make_environment(r.global, pass));
      api::BundleRequest req;
      req.reference = o->args.back();
      if (thick) req.thick_file = o->args.front();
      if (!o->relocation_map.empty()) req.images.relocation_map = o->relocation_map;
      req.images.allow_unpinned = o->allow_unpinned;
      req.require_in_toto = o->in_toto;
      if (!o->in_toto_dir.empty()) req.in_toto.dir = o->in_toto_dir;
      if (o->inspection_timeout > 0)
        req.in_toto.run.limits.wall = std::chrono::milliseconds(static_cast<std::int64_t>(o->inspection_timeout * 1000));
      if (o->inspection_memory > 0) req.in_toto.run.limits.memory = o->inspection_memory << 20;
      // One workflow (api::verify_bundle): the policy decides; a deny is its error, exit code by category.
      auto rep = api::verify_bundle(req, env);
      for (const auto& w : rep.warnings) log::warn(w);
      if (rep.verdict != api::Verdict::allow)
        return tl::unexpected(rep.error.value_or(Error{Errc::internal, "verification denied without an error: " + rep.reason}));
      const auto& chain = rep.in_toto;
      // Allowed without every check passing: level skip, or audit with failures logged.
      const bool verified = rep.level != policy::Level::skip && !rep.error;
      if (r.global.output == OutputFormat::json) {
        auto checks = nlohmann::json::array();
        for (const auto& c : rep.checks) {
          nlohmann::json jc{{"name", c.name}, {"status", std::string(api::check_status_name(c.status))}, {"detail", c.detail}};
          if (c.error) jc["error"] = std::string(errc_name(*c.error));
          checks.push_back(std::move(jc));
        }
        nlohmann::json j{{"verified", verified}, {"verdict", "allow"}, {"gun", rep.gun}, {"target", rep.target}, {"role", rep.role},
                         {"role_version", rep.role_version}, {"length", rep.bundle.length}, {"sha256", hex_encode(rep.bundle.sha256)},
                         {"sha512", hex_encode(rep.bundle.sha512)}, {"trusted_on_first_use", rep.trusted_on_first_use},
                         {"images", images_json(rep.images)},
                         {"policy", {{"name", rep.policy_name}, {"scope", rep.policy_scope}, {"level", std::string(policy::level_name(rep.level))}}},
                         {"checks", checks}, {"warnings", rep.warnings}};
        if (chain)
          j["in_toto"] = {{"verified", true}, {"layout", chain->layout}, {"layout_keys_from", chain->layout_keys_from},
                          {"layout_keys", chain->layout_keys}, {"links", chain->links}, {"storage", chain->storage},
                          {"links_verified", chain->summary.links_verified},
                          {"inspections_run", chain->summary.inspections_run}, {"warnings", chain->summary.warnings}};
        print_json(j);
      } else {
        if (!verified) {
          std::cout << "Not verified, allowed by policy " << rep.policy_name << ": " << rep.reason << "\n";
          return {};
        }
        std::cout << "Verified " << (thick ? o->args.front() + " against " : std::string()) << rep.gun << ":" << rep.target
                  << " (signed by " << rep.role << ")\n  length  " << rep.bundle.length << "\n  sha256  "
                  << hex_encode(rep.bundle.sha256) << "\n  sha512  " << hex_encode(rep.bundle.sha512) << "\n";
        if (!rep.images.empty()) {
          std::cout << "Images (run these digest-pinned references):\n";
          print_images_text(rep.images);
        }
        if (chain)
          std::cout << "in-toto: verified layout " << chain->layout << " (layout key" << (chain->layout_keys.size() == 1 ? " " : "s ")
                    << join(chain->layout_keys, ", ") << ", from " << (chain->layout_keys_from == "root" ? "root.json" : "targets")
                    << "), " << chain->summary.links_verified << " links, "
                    << chain->summary.inspections_run << " inspections (files from " << chain->storage << ")\n";
      }
      return {};
    };
  });
}

}  // namespace signy::cli
