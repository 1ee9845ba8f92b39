// signy key ... (filled in when the keystore module lands)
#include "cli/cli.hpp"
namespace signy::cli {
void register_key(Registry&) {}
}  // namespace signy::cli
