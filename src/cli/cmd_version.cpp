// signy version
#include <openssl/crypto.h>
#include <sodium.h>

#include <iostream>

#include "cli/cli.hpp"
#include "signy/version.hpp"

namespace signy::cli {

void register_version(Registry& r) {
  auto* cmd = r.app.add_subcommand("version", "Print the version of signy and of the libraries it uses");
  cmd->footer("Example: signy version");
  cmd->callback([&r] {
    r.run = [&r]() -> Status {
      if (r.global.output == OutputFormat::json) {
        print_json({{"version", SIGNY_VERSION}, {"openssl", OpenSSL_version(OPENSSL_VERSION_STRING)},
                    {"libsodium", sodium_version_string()}});
      } else {
        std::cout << "signy " << SIGNY_VERSION << " (OpenSSL " << OpenSSL_version(OPENSSL_VERSION_STRING)
                  << ", libsodium " << sodium_version_string() << ")\n";
      }
      return {};
    };
  });
}

}  // namespace signy::cli
