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
      auto ctx = SIGNY_TRY(make_context(r.global, pass));
      api::ImageOptions images;
      if (!o->relocation_map.empty()) images.relocation_map = o->relocation_map;
      images.allow_unpinned = o->allow_unpinned;
      const std::string& ref = o->args.back();
      if (!o->in_toto && (!o->in_toto_dir.empty() || o->inspection_timeout > 0 || o->inspection_memory > 0))
        return fail(Errc::usage, "--in-toto-dir, --inspection-timeout and --inspection-memory go with --in-toto");
      auto res = thick ? SIGNY_TRY(api::verify_thick(ctx, o->args.front(), ref, images)) : SIGNY_TRY(api::verify_thin(ctx, ref, images));
      for (const auto& w : res.warnings) log::warn(w);
      std::optional<api::InTotoVerifyResult> chain;
      if (o->in_toto) {
        api::InTotoVerifyOptions opts;
        if (!o->in_toto_dir.empty()) opts.dir = o->in_toto_dir;
        if (o->inspection_timeout > 0)
          opts.run.limits.wall = std::chrono::milliseconds(static_cast<std::int64_t>(o->inspection_timeout * 1000));
        if (o->inspection_memory > 0) opts.run.limits.memory = o->inspection_memory << 20;
        std::optional<std::filesystem::path> file;
        if (thick) file = o->args.front();
        chain = SIGNY_TRY(api::verify_bundle_intoto(ctx, ref, res, file, opts).map_error([&](Error e) {
          return e.context("in-toto verification of " + res.gun + ":" + res.target);
        }));
        for (const auto& w : chain->summary.warnings) log::warn(w);
      }
      if (r.global.output == OutputFormat::json) {
        nlohmann::json j{{"verified", true}, {"gun", res.gun}, {"target", res.target}, {"role", res.role},
                         {"length", res.digests.length}, {"sha256", hex_encode(res.digests.sha256)},
                         {"sha512", hex_encode(res.digests.sha512)}, {"trusted_on_first_use", res.trusted_on_first_use},
                         {"images", images_json(res.images)}};
        if (chain)
          j["in_toto"] = {{"verified", true}, {"layout", chain->layout}, {"layout_keys_from", chain->layout_keys_from},
                          {"layout_keys", chain->layout_keys}, {"links", chain->links}, {"storage", chain->storage},
                          {"links_verified", chain->summary.links_verified},
                          {"inspections_run", chain->summary.inspections_run}, {"warnings", chain->summary.warnings}};
        print_json(j);
      } else {
        std::cout << "Verified " << (thick ? o->args.front() + " against " : std::string()) << res.gun << ":" << res.target
                  << " (signed by " << res.role << ")\n  length  " << res.digests.length << "\n  sha256  "
                  << hex_encode(res.digests.sha256) << "\n  sha512  " << hex_encode(res.digests.sha512) << "\n";
        if (!res.images.empty()) {
          std::cout << "Images (run these digest-pinned references):\n";
          print_images_text(res.images);
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
