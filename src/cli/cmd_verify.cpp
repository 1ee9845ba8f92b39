// signy verify --thick --local FILE REF
#include <iostream>

#include "cli/cli.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/log.hpp"

namespace signy::cli {

void register_verify(Registry& r) {
  struct Opts {
    bool thick = false, local = false;
    std::string file, ref;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = r.app.add_subcommand("verify", "Verify a bundle against its trusted TUF target (exit 1 if refused)");
  cmd->footer("Example: signy verify --thick --local bundle.tgz localhost:5000/org/app:v1");
  cmd->add_flag("--thick", o->thick, "FILE is a thick bundle archive");
  cmd->add_flag("--local", o->local, "Verify a local file (not pulled from a registry)");
  cmd->add_option("FILE", o->file, "Bundle file")->required();
  cmd->add_option("REF", o->ref, "Reference, e.g. localhost:5000/org/app:v1")->required();
  cmd->callback([&r, o] {
    r.run = [&r, o]() -> Status {
      if (!o->thick || !o->local)
        return fail(Errc::usage, "only local thick bundles (--thick --local) can be verified in this version");
      keystore::EnvPromptPassphrase pass;
      auto ctx = SIGNY_TRY(make_context(r.global, pass));
      auto res = SIGNY_TRY(api::verify_thick(ctx, o->file, o->ref));
      for (const auto& w : res.warnings) log::warn(w);
      if (r.global.output == OutputFormat::json) {
        print_json({{"verified", true}, {"gun", res.gun}, {"target", res.target}, {"role", res.role},
                    {"length", res.digests.length}, {"sha256", hex_encode(res.digests.sha256)},
                    {"sha512", hex_encode(res.digests.sha512)}, {"trusted_on_first_use", res.trusted_on_first_use}});
      } else {
        std::cout << "Verified " << o->file << " against " << res.gun << ":" << res.target << " (signed by " << res.role
                  << ")\n  length  " << res.digests.length << "\n  sha256  " << hex_encode(res.digests.sha256)
                  << "\n  sha512  " << hex_encode(res.digests.sha512) << "\n";
      }
      return {};
    };
  });
}

}  // namespace signy::cli
