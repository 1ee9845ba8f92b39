// signy key rotate GUN ROLE [--server-managed] [--key FILE]
#include <iostream>

#include "cli/cli.hpp"

namespace signy::cli {

void register_key_rotate(Registry& r, CLI::App& key) {
  struct Opts {
    std::string gun, role, key_file;
    bool server_managed = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = key.add_subcommand(
      "rotate", "Replace a collection's root, targets, snapshot or timestamp key and publish the new root (notary key rotate)");
  cmd->add_option("GUN", o->gun, "Collection, e.g. localhost:5000/org/app")->required();
  cmd->add_option("ROLE", o->role, "root, targets, snapshot or timestamp")->required();
  cmd->add_flag("-r,--server-managed", o->server_managed,
                "Ask the Notary server to rotate its snapshot or timestamp key (the timestamp key is always the server's)");
  cmd->add_option("--key", o->key_file,
                  "Rotate to this PEM private key (imported into the trust dir) instead of a new one; root keys encrypted, "
                  "ECDSA or RSA")
      ->type_name("FILE");
  cmd->footer("\nExample:\n  signy key rotate localhost:5000/org/app targets\n  signy --server https://notary:4443 key rotate "
              "localhost:5000/org/app snapshot -r");
  cmd->callback([&r, o] {
    r.run = [&r, o]() -> Status {
      keystore::EnvPromptPassphrase pass;
      auto ctx = SIGNY_TRY(make_context(r.global, pass));
      api::RotateOptions opts;
      opts.server_managed = o->server_managed;
      if (!o->key_file.empty()) opts.key_file = o->key_file;
      auto res = SIGNY_TRY(api::rotate_key(ctx, o->gun, o->role, opts));
      if (r.global.output == OutputFormat::json) {
        print_json({{"gun", res.gun}, {"role", res.role}, {"key_id", res.key_id}, {"stored_key_id", res.stored_key_id},
                    {"server_managed", res.server_managed}, {"root_version", res.root_version}});
      } else {
        std::cout << "Rotated the " << res.role << " key of " << res.gun << " to " << res.key_id
                  << (res.server_managed ? " (held by the server)" : "") << " (root version " << res.root_version << ")\n";
        if (!res.stored_key_id.empty() && res.stored_key_id != res.key_id)
          std::cout << "  private key " << res.stored_key_id << " in the trust dir\n";
      }
      return {};
    };
  });
}

}  // namespace signy::cli
