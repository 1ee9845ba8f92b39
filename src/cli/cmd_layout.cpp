// signy layout sign LAYOUT GUN --out FILE [--key KEYID]
#include <iostream>

#include "cli/cli.hpp"
#include "signy/api/intoto.hpp"
#include "signy/intoto/metadata.hpp"
#include "signy/util/file.hpp"
#include "signy/util/log.hpp"

namespace signy::cli {

void register_layout(Registry& r) {
  auto* layout = r.app.add_subcommand("layout", "Sign in-toto layouts with a collection's root key or a layout key");
  layout->require_subcommand(1);
  struct Opts {
    std::string layout, gun, out, key;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = layout->add_subcommand(
      "sign", "Sign an in-toto layout with the root keys of GUN's trusted root.json that the trust dir holds, or with --key");
  cmd->add_option("LAYOUT", o->layout, "The layout's signed object, or a whole metablock (its signatures are replaced)")->required();
  cmd->add_option("GUN", o->gun, "Collection whose root keys sign, e.g. localhost:5000/org/app")->required();
  cmd->add_option("--out", o->out, "Where to write the signed layout (in-toto's format)")->required()->type_name("FILE");
  cmd->add_option("--key", o->key, "A dedicated layout key in the trust dir by key ID (ecdsa, ed25519 or rsa) instead of the root keys")
      ->type_name("KEYID");
  cmd->footer("\nExample:\n  signy layout sign layout.json localhost:5000/org/app --out root.layout\n"
              "  signy key export ROOTKEYID --format in-toto >root.pub   # in-toto-verify --layout-keys root.pub -t ecdsa");
  cmd->callback([&r, o] {
    r.run = [&r, o]() -> Status {
      keystore::EnvPromptPassphrase pass;
      auto ctx = SIGNY_TRY(make_context(r.global, pass));
      auto bytes = read_file_limited(o->layout, intoto::kMaxMetadataBytes);
      if (!bytes) return tl::unexpected(bytes.error().context(o->layout));
      api::LayoutSignOptions opts;
      if (!o->key.empty()) opts.key_id = o->key;
      auto res = api::sign_layout(ctx, *bytes, o->gun, opts);
      if (!res) return tl::unexpected(res.error().context(o->layout));
      if (res->was_metablock)
        log::warn(o->layout + " is a signed metablock: its " + std::to_string(res->replaced_signatures) +
                  " signature(s) are replaced by the new one(s)");
      SIGNY_TRY_VOID(atomic_write(o->out, res->file, 0644));
      if (r.global.output == OutputFormat::json) {
        print_json({{"gun", res->gun}, {"out", o->out}, {"keyids", res->keyids}, {"key_ids", res->key_ids},
                    {"key", o->key.empty() ? "root" : "layout"}, {"replaced_signatures", res->replaced_signatures}});
      } else {
        // The trust dir's key ID (signy key list) and the in-toto one (key export --format in-toto).
        std::cout << "Signed " << o->out << " for " << res->gun << " with " << (o->key.empty() ? "root" : "layout") << " key";
        for (std::size_t i = 0; i < res->keyids.size(); ++i)
          std::cout << (i ? ", " : " ") << res->key_ids[i] << " (in-toto key ID " << res->keyids[i] << ")";
        std::cout << "\n";
      }
      return {};
    };
  });
}

}  // namespace signy::cli
