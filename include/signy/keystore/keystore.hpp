// The trust directory's private keys, compatible with Notary's (notary trustmanager/,
// tuf/utils/pkcs8.go): <dir>/private/<canonical key ID>.key, encrypted PKCS#8 PEM with "gun:" and
// "role:" headers, files 0600 in 0700 directories, every write atomic. `notary -d DIR` reads what
// signy writes and signy reads what notary writes.
#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "signy/crypto/keys.hpp"
#include "signy/util/secret.hpp"

namespace signy::keystore {

// Where passphrases come from. `creating` is true when a new key is being encrypted.
class PassphraseSource {
 public:
  virtual ~PassphraseSource() = default;
  virtual Result<SecretString> get(std::string_view role, std::string_view key_id, bool creating) = 0;
  // Asked after the passphrase of an existing key turned out wrong `failed` times (1, 2, ...):
  // another passphrase to try, or an error to give up with. By default there is no second try.
  virtual Result<SecretString> retry(std::string_view role, std::string_view key_id, int failed);
};

// The minimum length of a passphrase that encrypts a new key, from the terminal or the environment.
constexpr std::size_t kMinPassphrase = 8;
// Tries at the terminal, as notary's passphrase retriever allows: for a new key (too short or not
// repeated the same), and for an existing key (wrong passphrase).
constexpr int kPromptAttempts = 3;

// SIGNY_ROOT_PASSPHRASE, SIGNY_TARGETS_PASSPHRASE, SIGNY_SNAPSHOT_PASSPHRASE (also timestamp),
// SIGNY_RELEASES_PASSPHRASE (targets/releases and every other delegation); else a prompt on the
// terminal with echo off (twice for a new key); else Errc::no_passphrase. A new key's passphrase
// needs kMinPassphrase characters from either source. A wrong passphrase from the environment is
// final; at the terminal it is asked for again, kPromptAttempts times in all.
class EnvPromptPassphrase : public PassphraseSource {
 public:
  Result<SecretString> get(std::string_view role, std::string_view key_id, bool creating) override;
  Result<SecretString> retry(std::string_view role, std::string_view key_id, int failed) override;
  static std::string_view env_var_for(std::string_view role);
};

struct PemBlock {
  std::string type;                            // "ENCRYPTED PRIVATE KEY", "PRIVATE KEY", ...
  std::map<std::string, std::string> headers;  // "role", "gun", "path"
  Bytes der;
};
// Parses the one PEM block of a key file (RFC 1421 headers allowed), with strict size limits.
// Text before it is ignored (as by Go's pem.Decode and OpenSSL); a second block or anything but
// whitespace after it is refused.
Result<PemBlock> parse_pem(std::string_view text);

// Notary's key file: PKCS#8 wrapped as Notary writes it (ECDSA version 1, RSA without NULL
// parameters, Ed25519 under OID 1.3.6.1.4.1.11591.15.1 as public||seed||public), encrypted with
// PBES2 / PBKDF2-HMAC-SHA1 (2048 iterations, 8-byte salt, no PRF field) / AES-256-CBC.
Result<std::string> encode_notary_pem(const crypto::PrivateKey& key, std::string_view role, std::string_view gun,
                                      const SecretString& passphrase);
struct DecodedKey {
  crypto::PrivateKey key;
  std::string role, gun;
  bool encrypted = false;
};
// passphrase may be null for an unencrypted file.
Result<DecodedKey> decode_notary_pem(std::string_view pem, const SecretString* passphrase);
// The size limit of a key file (PEM), and a capped read of one given on the command line
// (`key import`, `--root-key`, `key rotate --key`): a regular file of at most kMaxKeyFile bytes.
inline constexpr std::uintmax_t kMaxKeyFile = 64u << 10;
Result<std::string> read_key_file(const std::filesystem::path& path);
// Reads role and gun headers and whether the key is encrypted, without decrypting.
Result<PemBlock> peek_key_file(std::string_view pem);

struct KeyInfo {
  std::string key_id;  // canonical key ID (the file name)
  std::string role;
  std::string gun;
  std::string algorithm;  // "ecdsa", "ed25519", "rsa", or "?" when only the header was read
  std::filesystem::path file;
};

class KeyStore {
 public:
  // Creates <dir> and <dir>/private with mode 0700 when missing.
  static Result<KeyStore> open(std::filesystem::path dir, PassphraseSource& passphrases);

  Result<KeyInfo> generate(std::string_view role, std::string_view gun, crypto::KeyAlgorithm alg);
  // Encrypts and writes a key (atomically); refuses to overwrite a different file.
  Result<KeyInfo> store(const crypto::PrivateKey& key, std::string_view role, std::string_view gun);
  // Keys in the store, from their headers (nothing is decrypted); sorted by role then ID. A file
  // that cannot be read or parsed is skipped: its error goes to `skipped` when given, else to
  // the log as a warning, so that one bad file does not hide the other keys.
  Result<std::vector<KeyInfo>> list(std::vector<Error>* skipped = nullptr) const;
  Result<crypto::PrivateKey> load(std::string_view key_id) const;
  // The first key with this role (and GUN, when one is given and the role carries one).
  Result<std::optional<KeyInfo>> find(std::string_view role, std::string_view gun = {}) const;
  // Imports a PEM private key: Notary's files (incl. `path:` header), `notary key generate -o`
  // output, PKCS#8, SEC1 or PKCS#1. Root keys must be encrypted on input. `role` and `gun` (the
  // command's flags) must agree with the file's role and gun headers; where one is absent the
  // other decides. targets, snapshot and timestamp keys need a GUN; root and delegation keys take
  // none (a gun header on them is dropped, as Notary does).
  Result<KeyInfo> import_pem(std::string_view pem, std::optional<std::string> role, std::optional<std::string> gun);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  KeyStore(std::filesystem::path dir, PassphraseSource& p) : dir_(std::move(dir)), passphrases_(&p) {}
  std::filesystem::path private_dir() const { return dir_ / "private"; }
  // Decodes a key file, asking for its passphrase (again on a wrong one, as the source allows).
  Result<DecodedKey> decrypt(std::string_view pem, const PemBlock& block, std::string_view role, std::string_view key_id) const;
  std::filesystem::path dir_;
  PassphraseSource* passphrases_;
  mutable std::set<std::string> warned_;  // list() warnings already given
};

// Notary's header rules: root and delegations carry no gun (trustmanager/keystore.go AddKey).
bool role_has_gun(std::string_view role);
// root, targets, snapshot, timestamp or a delegation "targets/<name>" (notary's [-a-z0-9_/]+).
Status check_role_name(std::string_view role);

}  // namespace signy::keystore
