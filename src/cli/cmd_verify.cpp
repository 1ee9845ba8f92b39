// signy verify REF (a thin bundle in its registry) | signy verify --thick --local FILE REF
#include <iostream>

#include "cli/cli.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/log.hpp"

namespace signy::cli {

void register_verify(Registry& r) {
  struct Opts {
    bool thick = false, local = false, allow_unpinned = false;
    std::vector<std::string> args;
    std::string relocation_map;
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
      auto res = thick ? SIGNY_TRY(api::verify_thick(ctx, o->args.front(), ref, images)) : SIGNY_TRY(api::verify_thin(ctx, ref, images));
      for (const auto& w : res.warnings) log::warn(w);
      if (r.global.output == OutputFormat::json) {
        print_json({{"verified", true}, {"gun", res.gun}, {"target", res.target}, {"role", res.role},
                    {"length", res.digests.length}, {"sha256", hex_encode(res.digests.sha256)},
                    {"sha512", hex_encode(res.digests.sha512)}, {"trusted_on_first_use", res.trusted_on_first_use},
                    {"images", images_json(res.images)}});
      } else {
        std::cout << "Verified " << (thick ? o->args.front() + " against " : std::string()) << res.gun << ":" << res.target
                  << " (signed by " << res.role << ")\n  length  " << res.digests.length << "\n  sha256  "
                  << hex_encode(res.digests.sha256) << "\n  sha512  " << hex_encode(res.digests.sha512) << "\n";
        if (!res.images.empty()) {
          std::cout << "Images (run these digest-pinned references):\n";
          print_images_text(res.images);
        }
      }
      return {};
    };
  });
}

}  // namespace signy::cli
