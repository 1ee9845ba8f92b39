// signy sign --thick FILE REF
#include <iostream>

#include "cli/cli.hpp"
#include "signy/util/encoding.hpp"

namespace signy::cli {

void register_sign(Registry& r) {
  struct Opts {
    bool thick = false;
    std::string file, ref;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = r.app.add_subcommand("sign", "Sign a bundle as a TUF target of its collection");
  cmd->add_flag("--thick", o->thick, "FILE is a thick bundle archive (hashed as is)");
  cmd->add_option("FILE", o->file, "Bundle file")->required();
  cmd->add_option("REF", o->ref, "Reference, e.g. localhost:5000/org/app:v1 (GUN and tag)")->required();
  cmd->callback([&r, o] {
    r.run = [&r, o]() -> Status {
      if (!o->thick) return fail(Errc::usage, "only thick bundles (--thick) can be signed in this version");
      keystore::EnvPromptPassphrase pass;
      auto ctx = SIGNY_TRY(make_context(r.global, pass));
      auto res = SIGNY_TRY(api::sign_thick(ctx, o->file, o->ref));
      if (r.global.output == OutputFormat::json) {
        print_json({{"gun", res.gun}, {"target", res.target}, {"length", res.digests.length},
                    {"sha256", hex_encode(res.digests.sha256)}, {"sha512", hex_encode(res.digests.sha512)},
                    {"targets_version", res.targets_version}, {"initialized", res.initialized}});
      } else {
        if (res.initialized) std::cout << "Created the trust collection " << res.gun << "\n";
        std::cout << "Signed " << o->file << " as " << res.gun << ":" << res.target << " (targets version "
                  << res.targets_version << ")\n  length  " << res.digests.length << "\n  sha256  "
                  << hex_encode(res.digests.sha256) << "\n";
      }
      return {};
    };
  });
}

}  // namespace signy::cli
