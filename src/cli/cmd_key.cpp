// signy key generate | list | import | export (rotate: cmd_key_rotate.cpp)
#include <cstdio>
#include <iostream>

#include "cli/cli.hpp"
#include "signy/crypto/notary_keys.hpp"
#include "signy/crypto/sslib.hpp"
#include "signy/keystore/keystore.hpp"
#include "signy/util/file.hpp"
#include "signy/util/log.hpp"

namespace signy::cli {
namespace {

Status check_role(const std::string& role) { return keystore::check_role_name(role); }

nlohmann::json info_json(const keystore::KeyInfo& k) {
  return {{"key_id", k.key_id}, {"role", k.role}, {"gun", k.gun}, {"file", k.file.string()}};
}

}  // namespace

void register_key(Registry& r) {
  auto* key = r.app.add_subcommand("key", "Manage the private keys in the trust directory");
  key->footer("Example: signy key list");
  key->require_subcommand(1);

  struct GenOpts {
    std::string role, gun, type = "ecdsa";
  };
  auto gen = std::make_shared<GenOpts>();
  auto* g = key->add_subcommand("generate", "Create a key (encrypted PKCS#8, Notary's format)");
  g->footer("Example: SIGNY_TARGETS_PASSPHRASE=... signy key generate --role targets --gun localhost:5000/org/app");
  g->add_option("--role", gen->role, "root, targets, snapshot, timestamp or targets/<name>")->required();
  g->add_option("--gun", gen->gun, "Collection the key belongs to (targets and snapshot keys)");
  g->add_option("--type", gen->type, "ecdsa (default), ed25519 or rsa")->check(CLI::IsMember({"ecdsa", "ed25519", "rsa"}));
  g->callback([&r, gen] {
    r.run = [&r, gen]() -> Status {
      SIGNY_TRY_VOID(check_role(gen->role));
      auto alg = SIGNY_TRY(crypto::parse_algorithm(gen->type));
      // Root keys sign x509 certificates (notary root rules): Ed25519 cannot.
      if (gen->role == "root" && alg == crypto::KeyAlgorithm::ed25519)
        return fail(Errc::usage, "root keys must be ecdsa or rsa (Notary root certificates)");
      keystore::EnvPromptPassphrase pass;
      auto store = SIGNY_TRY(keystore::KeyStore::open(r.global.trust_dir_path(), pass));
      auto info = SIGNY_TRY(store.generate(gen->role, gen->gun, alg));
      if (r.global.output == OutputFormat::json) {
        auto j = info_json(info);
        j["type"] = gen->type;
        print_json(j);
      } else {
        std::cout << "Generated " << gen->type << " " << info.role << " key " << info.key_id << "\n";
      }
      return {};
    };
  });

  auto* l = key->add_subcommand("list", "List the keys in the trust directory (nothing is decrypted)");
  l->footer("Example: signy -o json key list");
  l->callback([&r] {
    r.run = [&r]() -> Status {
      keystore::EnvPromptPassphrase pass;
      auto store = SIGNY_TRY(keystore::KeyStore::open(r.global.trust_dir_path(), pass));
      // One unreadable or unparsable file is a warning naming it, not the end of the listing.
      std::vector<Error> skipped;
      auto keys = SIGNY_TRY(store.list(&skipped));
      for (const auto& e : skipped) log::warn(e.message);
      if (r.global.output == OutputFormat::json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& k : keys) arr.push_back(info_json(k));
        print_json(arr);
        return {};
      }
      if (keys.empty()) {
        std::cout << "No keys in " << store.dir().string() << "\n";
        return {};
      }
      std::printf("%-18s %-40s %s\n", "ROLE", "GUN", "KEY ID");
      for (const auto& k : keys) std::printf("%-18s %-40s %s\n", k.role.c_str(), k.gun.c_str(), k.key_id.c_str());
      return {};
    };
  });

  struct ImportOpts {
    std::string file, role, gun;
  };
  auto imp = std::make_shared<ImportOpts>();
  auto* i = key->add_subcommand("import", "Import a PEM private key (Notary's files, PKCS#8, SEC1, PKCS#1)");
  i->footer("Example: SIGNY_ROOT_PASSPHRASE=... signy key import root.key --role root");
  i->add_option("FILE", imp->file, "PEM file")->required();
  i->add_option("--role", imp->role, "Role; must equal the file's role header when it has one");
  i->add_option("--gun", imp->gun, "GUN of a targets, snapshot or timestamp key; must equal the file's gun header when it has one");
  i->callback([&r, imp] {
    r.run = [&r, imp]() -> Status {
      if (!imp->role.empty()) SIGNY_TRY_VOID(check_role(imp->role));
      auto pem = SIGNY_TRY(keystore::read_key_file(imp->file));
      keystore::EnvPromptPassphrase pass;
      auto store = SIGNY_TRY(keystore::KeyStore::open(r.global.trust_dir_path(), pass));
      auto info = store.import_pem(pem, imp->role.empty() ? std::nullopt : std::optional(imp->role),
                                   imp->gun.empty() ? std::nullopt : std::optional(imp->gun));
      if (!info) return tl::unexpected(info.error().context(imp->file));
      if (r.global.output == OutputFormat::json)
        print_json(info_json(*info));
      else
        std::cout << "Imported " << info->role << " key " << info->key_id << "\n";
      return {};
    };
  });

  struct ExportOpts {
    std::string key_id, format = "notary";
  };
  auto exp = std::make_shared<ExportOpts>();
  auto* e = key->add_subcommand("export", "Print a key's public part as Notary key JSON or a securesystemslib key dict");
  e->footer("Example: signy key export \"$(signy -o json key list | jq -r '.[0].key_id')\" --format in-toto");
  e->add_option("KEYID", exp->key_id, "Key ID (see signy key list)")->required();
  e->add_option("--format", exp->format, "notary (default) or in-toto")->check(CLI::IsMember({"notary", "in-toto"}));
  e->callback([&r, exp] {
    r.run = [&r, exp]() -> Status {
      keystore::EnvPromptPassphrase pass;
      auto store = SIGNY_TRY(keystore::KeyStore::open(r.global.trust_dir_path(), pass));
      auto key = SIGNY_TRY(store.load(exp->key_id));
      nlohmann::json out;
      if (exp->format == "notary") {
        out = crypto::notary_public_key(key).to_json();
      } else {
        out = SIGNY_TRY(crypto::sslib_public_key(key)).to_json();
      }
      std::cout << out.dump() << "\n";
      return {};
    };
  });

  register_key_rotate(r, *key);
}

}  // namespace signy::cli
