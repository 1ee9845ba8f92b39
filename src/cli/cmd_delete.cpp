// signy delete GUN [--remote]
#include <cstdio>

#include "cli/cli.hpp"

namespace signy::cli {

void register_delete(Registry& r) {
  struct Opts {
    std::string gun;
    bool remote = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = r.app.add_subcommand("delete", "Forget a collection's trust data (and delete it on the server with --remote)");
  cmd->footer("Example: signy delete --remote localhost:5000/org/app");
  cmd->add_option("GUN", o->gun, "Collection, e.g. localhost:5000/org/app")->required();
  cmd->add_flag("--remote", o->remote, "Also delete the collection's metadata on the server (notary delete --remote)");
  cmd->callback([&r, o] {
    r.run = [&r, o]() -> Status {
      keystore::EnvPromptPassphrase pass;
      auto ctx = SIGNY_TRY(make_context(r.global, pass));
      SIGNY_TRY_VOID(api::delete_collection(ctx, o->gun, o->remote));
      if (r.global.output == OutputFormat::json) {
        print_json({{"gun", o->gun}, {"deleted", true}, {"remote", o->remote}});
      } else {
        std::printf("Deleted the trust data of %s%s\n", o->gun.c_str(), o->remote ? " (local and on the server)" : " (local)");
      }
      return {};
    };
  });
}

}  // namespace signy::cli
