#include "signy/keystore/keystore.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <tuple>
#include <cstdlib>

#include "signy/crypto/notary_keys.hpp"
#include "signy/util/file.hpp"

namespace signy::keystore {
namespace fs = std::filesystem;
namespace {

constexpr std::uintmax_t kMaxKeyFile = 64u << 10;

bool valid_key_id(std::string_view id) {
  return id.size() == 64 && id.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// Reads one line from the terminal with echo off.
Result<SecretString> prompt(int fd, const std::string& text) {
  (void)!::write(fd, text.data(), text.size());
  termios old{};
  bool tty = ::tcgetattr(fd, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string line;
  char c;
  while (line.size() < 1024 && ::read(fd, &c, 1) == 1 && c != '\n') line += c;
  if (tty) ::tcsetattr(fd, TCSAFLUSH, &old);
  (void)!::write(fd, "\n", 1);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return SecretString(std::move(line));
}

}  // namespace

bool role_has_gun(std::string_view role) {
  return role == "targets" || role == "snapshot" || role == "timestamp";
}

std::string_view EnvPromptPassphrase::env_var_for(std::string_view role) {
  if (role == "root") return "SIGNY_ROOT_PASSPHRASE";
  if (role == "targets") return "SIGNY_TARGETS_PASSPHRASE";
  if (role == "snapshot" || role == "timestamp") return "SIGNY_SNAPSHOT_PASSPHRASE";
  return "SIGNY_RELEASES_PASSPHRASE";
}

Result<SecretString> EnvPromptPassphrase::get(std::string_view role, std::string_view key_id, bool creating) {
  std::string var(env_var_for(role));
  if (const char* v = std::getenv(var.c_str()); v != nullptr && *v != '\0') return SecretString(std::string(v));
  int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return fail(Errc::no_passphrase, "no passphrase for the " + std::string(role) + " key: set " + var + " (no terminal to ask on)");
  std::string what = std::string(role) + " key " + std::string(key_id.substr(0, 16));
  auto first = prompt(fd, creating ? "Enter a passphrase for the new " + what + ": " : "Enter the passphrase for the " + what + ": ");
  if (creating && first && first->size() < 8) {
    ::close(fd);
    return fail(Errc::no_passphrase, "passphrases must have at least 8 characters");
  }
  if (creating && first) {
    auto again = prompt(fd, "Repeat the passphrase: ");
    if (!again || again->view() != first->view()) {
      ::close(fd);
      return fail(Errc::no_passphrase, "the passphrases do not match");
    }
  }
  ::close(fd);
  return first;
}

Result<KeyStore> KeyStore::open(fs::path dir, PassphraseSource& passphrases) {
  SIGNY_TRY_VOID(make_private_dirs(dir / "private"));
  return KeyStore(std::move(dir), passphrases);
}

Result<KeyInfo> KeyStore::generate(std::string_view role, std::string_view gun, crypto::KeyAlgorithm alg) {
  auto key = SIGNY_TRY(crypto::PrivateKey::generate(alg));
  return store(key, role, gun);
}

Result<KeyInfo> KeyStore::store(const crypto::PrivateKey& key, std::string_view role, std::string_view gun) {
  if (role.empty() || role.find_first_of("\r\n:") != std::string_view::npos || gun.find_first_of("\r\n") != std::string_view::npos)
    return fail(Errc::usage, "invalid role or GUN for a key");
  std::string id = crypto::notary_public_key(key).key_id();
  auto pass = SIGNY_TRY(passphrases_->get(role, id, true));
  auto pem = SIGNY_TRY(encode_notary_pem(key, role, gun, pass));
  fs::path file = private_dir() / (id + ".key");
  std::error_code ec;
  if (fs::exists(file, ec)) return fail(Errc::already_exists, "key " + id + " is already in " + private_dir().string());
  SIGNY_TRY_VOID(atomic_write(file, pem, 0600));
  return KeyInfo{id, std::string(role), role_has_gun(role) ? std::string(gun) : std::string(),
                 std::string(crypto::algorithm_name(key.algorithm())), file};
}

Result<std::vector<KeyInfo>> KeyStore::list() const {
  std::vector<KeyInfo> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(private_dir(), ec)) {
    const auto& p = entry.path();
    if (p.extension() != ".key" || !valid_key_id(p.stem().string())) continue;
    auto text = read_file_limited(p, kMaxKeyFile);
    if (!text) return tl::unexpected(text.error());
    auto block = peek_key_file(*text);
    if (!block) return tl::unexpected(block.error().context(p.string()));
    KeyInfo info{p.stem().string(), block->headers["role"], block->headers["gun"], "?", p};
    out.push_back(std::move(info));
  }
  if (ec) return fail(Errc::io_error, "cannot list " + private_dir().string() + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const KeyInfo& a, const KeyInfo& b) {
    return std::tie(a.role, a.gun, a.key_id) < std::tie(b.role, b.gun, b.key_id);
  });
  return out;
}

Result<crypto::PrivateKey> KeyStore::load(std::string_view key_id) const {
  if (!valid_key_id(key_id)) return fail(Errc::usage, "\"" + std::string(key_id.substr(0, 70)) + "\" is not a key ID");
  fs::path file = private_dir() / (std::string(key_id) + ".key");
  auto text = read_file_limited(file, kMaxKeyFile);
  if (!text) {
    if (text.error().code == Errc::not_found) return fail(Errc::not_found, "no key " + std::string(key_id) + " in " + private_dir().string());
    return tl::unexpected(text.error());
  }
  SIGNY_TRY_VOID(check_private_file(file));
  auto block = peek_key_file(*text);
  if (!block) return tl::unexpected(block.error().context(file.string()));
  std::string role = block->headers["role"];
  bool encrypted = block->type == "ENCRYPTED PRIVATE KEY";
  if (role == "root" && !encrypted) return fail(Errc::malformed_key, file.string() + ": root keys must be encrypted");
  std::optional<SecretString> pass;
  if (encrypted) pass = SIGNY_TRY(passphrases_->get(role, key_id, false));
  auto decoded = decode_notary_pem(*text, pass ? &*pass : nullptr);
  if (!decoded) return tl::unexpected(decoded.error().context("decrypting " + file.string()));
  if (crypto::notary_public_key(decoded->key).key_id() != key_id)
    return fail(Errc::malformed_key, file.string() + ": the key does not match its file name");
  return std::move(decoded->key);
}

Result<std::optional<KeyInfo>> KeyStore::find(std::string_view role, std::string_view gun) const {
  auto keys = SIGNY_TRY(list());
  for (auto& k : keys)
    if (k.role == role && (gun.empty() || !role_has_gun(role) || k.gun == gun)) return std::optional<KeyInfo>(std::move(k));
  return std::optional<KeyInfo>();
}

Result<KeyInfo> KeyStore::import_pem(std::string_view pem, std::optional<std::string> role_in, std::optional<std::string> gun_in) {
  auto block = SIGNY_TRY(peek_key_file(pem));
  std::string role = role_in ? *role_in : block.headers["role"];
  std::string gun = gun_in ? *gun_in : block.headers["gun"];
  if (role.empty()) return fail(Errc::usage, "the key file has no role header: give --role");
  bool encrypted = block.type == "ENCRYPTED PRIVATE KEY";
  // Notary cryptoservice.CheckRootKeyIsEncrypted: a root key never travels in clear.
  if (role == "root" && !encrypted) return fail(Errc::malformed_key, "root keys must be encrypted to be imported");
  std::optional<SecretString> pass;
  if (encrypted) pass = SIGNY_TRY(passphrases_->get(role, "(import)", false));
  auto decoded = decode_notary_pem(pem, pass ? &*pass : nullptr);
  if (!decoded) return tl::unexpected(decoded.error().context("importing key"));
  // Importing a key that is already here is not an error (the same key, same ID), unless the
  // stored copy says another role.
  std::string id = crypto::notary_public_key(decoded->key).key_id();
  fs::path existing = private_dir() / (id + ".key");
  if (std::error_code ec; fs::exists(existing, ec)) {
    auto text = SIGNY_TRY(read_file_limited(existing, kMaxKeyFile));
    auto header = SIGNY_TRY(peek_key_file(text));
    if (header.headers["role"] != role)
      return fail(Errc::already_exists, "key " + id + " is already in " + private_dir().string() + " with role " +
                                            header.headers["role"].substr(0, 64));
    return KeyInfo{id, role, header.headers["gun"], std::string(crypto::algorithm_name(decoded->key.algorithm())), existing};
  }
  return store(decoded->key, role, gun);
}

}  // namespace signy::keystore
