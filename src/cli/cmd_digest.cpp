// signy digest FILE: length, SHA-256 and SHA-512 of a file in one streaming pass.
#include <iostream>

#include "cli/cli.hpp"
#include "signy/api/progress.hpp"
#include "signy/util/encoding.hpp"

namespace signy::cli {

void register_digest(Registry& r) {
  auto* cmd = r.app.add_subcommand("digest", "Print the length, SHA-256 and SHA-512 of a file (streamed)");
  cmd->footer("Example: signy digest bundle.tgz");
  auto file = std::make_shared<std::string>();
  cmd->add_option("FILE", *file, "File to hash")->required();
  cmd->callback([&r, file] {
    r.run = [&r, file]() -> Status {
      api::Context ctx;  // no trust dir: only the progress line
      ctx.progress = terminal_progress(r.global);
      auto d = SIGNY_TRY(api::digest_file(ctx, *file));
      if (r.global.output == OutputFormat::json) {
        print_json({{"length", d.length}, {"sha256", hex_encode(d.sha256)}, {"sha512", hex_encode(d.sha512)}});
      } else {
        std::cout << "length  " << d.length << "\nsha256  " << hex_encode(d.sha256) << "\nsha512  "
                  << hex_encode(d.sha512) << '\n';
      }
      return {};
    };
  });
}

}  // namespace signy::cli
