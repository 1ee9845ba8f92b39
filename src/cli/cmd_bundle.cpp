// signy bundle check FILE / signy bundle canonicalize FILE [--out PATH]
// cnab-spec 101: bundle.json MUST be canonical JSON; cnab-go writes RFC 8785 (JCS).
#include <iostream>

#include "cli/cli.hpp"
#include "signy/cjson/cjson.hpp"
#include "signy/util/file.hpp"

namespace signy::cli {
namespace {
constexpr std::uintmax_t kMaxBundleJson = 16u << 20;  // a bundle.json is metadata, not content
}

void register_bundle(Registry& r) {
  auto* bundle = r.app.add_subcommand("bundle", "Work with CNAB bundle.json files");
  bundle->footer("Example: signy bundle check bundle.json");
  bundle->require_subcommand(1);

  auto* check = bundle->add_subcommand("check", "Exit 0 if FILE is canonical JSON (cnab-spec 101), 3 if not");
  check->footer("Example: signy bundle check bundle.json");
  auto check_file = std::make_shared<std::string>();
  check->add_option("FILE", *check_file, "bundle.json")->required();
  check->callback([&r, check_file] {
    r.run = [&r, check_file]() -> Status {
      auto bytes = SIGNY_TRY(read_file_limited(*check_file, kMaxBundleJson));
      auto st = cjson::check_cnab_canonical(bytes);
      if (!st) return tl::unexpected(st.error().context(*check_file));
      if (r.global.output == OutputFormat::json)
        print_json({{"file", *check_file}, {"canonical", true}});
      else
        std::cout << *check_file << ": canonical\n";
      return {};
    };
  });

  auto* canon = bundle->add_subcommand("canonicalize", "Write the canonical form of a bundle.json");
  canon->footer("Example: signy bundle canonicalize bundle.json --out bundle.canonical.json");
  auto in = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  canon->add_option("FILE", *in, "bundle.json")->required();
  canon->add_option("--out", *out, "Write to this file (atomically) instead of standard output")->type_name("FILE");
  canon->callback([&r, in, out] {
    r.run = [in, out]() -> Status {
      auto bytes = SIGNY_TRY(read_file_limited(*in, kMaxBundleJson));
      auto parsed = cjson::parse_strict(bytes);
      if (!parsed) return tl::unexpected(parsed.error().context(*in));
      auto canonical = cjson::cnab_canonical(*parsed);
      if (!canonical) return tl::unexpected(canonical.error().context(*in));
      if (out->empty()) {
        std::cout << *canonical;
        std::cout.flush();
        if (!std::cout) return fail(Errc::io_error, "writing standard output failed");
        return {};
      }
      return atomic_write(*out, *canonical, 0644);
    };
  });
}

}  // namespace signy::cli
