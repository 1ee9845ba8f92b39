// signy list GUN
#include <cstdio>

#include "cli/cli.hpp"
#include "signy/util/encoding.hpp"

namespace signy::cli {

void register_list(Registry& r) {
  auto gun = std::make_shared<std::string>();
  auto* cmd = r.app.add_subcommand("list", "List the signed targets of a collection");
  cmd->add_option("GUN", *gun, "Collection, e.g. localhost:5000/org/app")->required();
  cmd->callback([&r, gun] {
    r.run = [&r, gun]() -> Status {
      keystore::EnvPromptPassphrase pass;
      auto ctx = SIGNY_TRY(make_context(r.global, pass));
      auto targets = SIGNY_TRY(api::list_targets(ctx, *gun));
      auto sha = [](const tuf::FileMeta& m) {
        auto it = m.hashes.find("sha256");
        return it == m.hashes.end() ? std::string("-") : hex_encode(it->second);
      };
      if (r.global.output == OutputFormat::json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& t : targets) arr.push_back({{"name", t.name}, {"sha256", sha(t.meta)}, {"length", t.meta.length}, {"role", t.role}});
        print_json(arr);
        return {};
      }
      if (targets.empty()) {
        std::printf("No targets present in this repository.\n");
        return {};
      }
      std::printf("%-20s %-64s %12s  %s\n", "NAME", "DIGEST", "SIZE (BYTES)", "ROLE");
      for (const auto& t : targets)
        std::printf("%-20s %-64s %12lld  %s\n", t.name.c_str(), sha(t.meta).c_str(), static_cast<long long>(t.meta.length), t.role.c_str());
      return {};
    };
  });
}

}  // namespace signy::cli
