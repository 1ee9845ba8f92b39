// signy image sign REF | signy image verify REF: container images in Docker Content Trust's form
// (target = tag; length and sha256 of the manifest bytes), so `docker trust` and `notary lookup` read them.
#include <iostream>

#include "cli/cli.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/log.hpp"

namespace signy::cli {

void register_image(Registry& r) {
  auto* image = r.app.add_subcommand("image", "Sign and verify container images in a registry (Docker Content Trust's format)");
  image->require_subcommand(1);
  image->footer("Examples:\n  signy image sign localhost:5000/org/tool:1.0\n  signy image verify localhost:5000/org/tool:1.0");

  auto ref_sign = std::make_shared<std::string>();
  auto* sign = image->add_subcommand("sign", "Sign the manifest REF's tag points to now, as target TAG of the collection HOST/REPO");
  sign->footer("Example: signy image sign localhost:5000/org/tool:1.0");
  sign->add_option("REF", *ref_sign, "Image reference with a tag, e.g. localhost:5000/org/tool:1.0")->required();
  sign->callback([&r, ref_sign] {
    r.run = [&r, ref_sign]() -> Status {
      keystore::EnvPromptPassphrase pass;
      auto ctx = SIGNY_TRY(make_context(r.global, pass));
      auto res = SIGNY_TRY(api::sign_image(ctx, *ref_sign));
      if (r.global.output == OutputFormat::json) {
        print_json({{"gun", res.gun}, {"target", res.target}, {"length", res.digests.length},
                    {"sha256", hex_encode(res.digests.sha256)}, {"role", res.role},
                    {"targets_version", res.targets_version}, {"initialized", res.initialized}, {"reference", res.reference}, {"media_type", res.media_type}});
      } else {
        if (res.initialized) std::cout << "Created the trust collection " << res.gun << "\n";
        std::cout << "Signed " << res.reference << " as " << res.gun << ":" << res.target << " (" << res.role << " version "
                  << res.targets_version << ")\n  length  " << res.digests.length << "\n";
      }
      return {};
    };
  });

  auto ref_verify = std::make_shared<std::string>();
  auto* verify = image->add_subcommand(
      "verify", "Check REF's signed target against the registry's manifest and print the digest-pinned reference to run (exit 1 if refused)");
  verify->footer("Example: signy image verify localhost:5000/org/tool:1.0");
  verify->add_option("REF", *ref_verify, "Image reference with a tag, e.g. localhost:5000/org/tool:1.0")->required();
  verify->callback([&r, ref_verify] {
    r.run = [&r, ref_verify]() -> Status {
      keystore::EnvPromptPassphrase pass;
      auto ctx = SIGNY_TRY(make_context(r.global, pass));
      auto res = SIGNY_TRY(api::verify_image(ctx, *ref_verify));
      for (const auto& w : res.warnings) log::warn(w);
      if (r.global.output == OutputFormat::json) {
        print_json({{"verified", true}, {"gun", res.gun}, {"target", res.target}, {"role", res.role},
                    {"length", res.digests.length}, {"sha256", hex_encode(res.digests.sha256)},
                    {"reference", res.reference}, {"media_type", res.media_type},
                    {"trusted_on_first_use", res.trusted_on_first_use}});
      } else {
        std::cout << res.reference << "\n";
      }
      return {};
    };
  });
}

}  // namespace signy::cli
