// signy list GUN
#include <cstdio>

#include "cli/cli.hpp"
#include "signy/util/encoding.hpp"
#include "signy/util/text.hpp"

namespace signy::cli {

void register_list(Registry& r) {
  auto gun = std::make_shared<std::string>();
  auto* cmd = r.app.add_subcommand("list", "List the signed targets of a collection");
  cmd->footer("Example: signy -o json list localhost:5000/org/app");
  cmd->add_option("GUN", *gun, "Collection, e.g. localhost:5000/org/app")->required();
  cmd->callback([&r, gun] {
    r.run = [&r, gun]() -> Status {
      keystore::EnvPromptPassphrase pass;
      auto ctx = SIGNY_TRY(make_context(r.global, pass));
      auto sha = [](const tuf::FileMeta& m) {
        auto h = m.hashes.get("sha256");
        return h.empty() ? std::string("-") : hex_encode(h);
      };
      return api::list_targets(ctx, *gun, [&](const std::vector<tuf::Updater::TargetView>& targets) {
        if (r.global.output == OutputFormat::json) {
          // One line per target as it is formatted, not one document built in memory.
          std::fputs("[", stdout);
          bool first = true;
          for (const auto& t : targets) {
            nlohmann::json o{{"name", t.name}, {"sha256", sha(*t.meta)}, {"length", t.meta->length}, {"role", t.role}};
            std::printf("%s\n  %s", first ? "" : ",", o.dump().c_str());
            first = false;
          }
          std::fputs(first ? "]\n" : "\n]\n", stdout);
          return;
        }
        if (targets.empty()) {
          std::printf("No targets present in this repository.\n");
          return;
        }
        std::printf("%-20s %-64s %12s  %s\n", "NAME", "DIGEST", "SIZE (BYTES)", "ROLE");
        // Names and roles are the signers' text: control bytes escaped for the terminal.
        for (const auto& t : targets)
          std::printf("%-20s %-64s %12lld  %s\n", escape_control(t.name).c_str(), sha(*t.meta).c_str(),
                      static_cast<long long>(t.meta->length), escape_control(t.role).c_str());
      });
    };
  });
}

}  // namespace signy::cli
