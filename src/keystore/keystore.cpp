#include "signy/keystore/keystore.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <tuple>

#include "signy/crypto/notary_keys.hpp"
#include "signy/util/file.hpp"
#include "signy/util/log.hpp"

namespace signy::keystore {

Result<std::string> read_key_file(const std::filesystem::path& path) { return read_file_limited(path, kMaxKeyFile); }
namespace fs = std::filesystem;
namespace {


bool valid_key_id(std::string_view id) {
  return id.size() == 64 && id.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// Reads one line from the terminal with echo off. Echo goes off (and earlier typeahead is
// discarded) before the prompt shows, so that nothing typed after the prompt is lost.
Result<SecretString> prompt(int fd, const std::string& text) {
  termios old{};
  bool tty = ::tcgetattr(fd, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  (void)!::write(fd, text.data(), text.size());
  std::string line;
  line.reserve(1025);  // no reallocation leaves a copy of the passphrase behind
  char c;
  while (line.size() < 1024 && ::read(fd, &c, 1) == 1 && c != '\n') line += c;
  if (tty) ::tcsetattr(fd, TCSAFLUSH, &old);
  (void)!::write(fd, "\n", 1);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return SecretString(std::move(line));
}

void say(int fd, const std::string& text) { (void)!::write(fd, text.data(), text.size()); }

// Non-printable bytes of a header value escaped, for error messages.
std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace

bool role_has_gun(std::string_view role) {
  return role == "targets" || role == "snapshot" || role == "timestamp";
}

Status check_role_name(std::string_view role) {
  if (role == "root" || role == "targets" || role == "snapshot" || role == "timestamp") return {};
  // Delegations: notary's "targets/" + [-a-z0-9_/]+.
  if (role.rfind("targets/", 0) == 0 && role.size() > 8 && role.size() < 256 && role.back() != '/' &&
      role.find("//") == std::string_view::npos &&
      role.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_/") == std::string_view::npos)
    return {};
  return fail(Errc::usage, "unknown role \"" + printable(role.substr(0, 64)) +
                               "\" (root, targets, snapshot, timestamp, targets/<name>)");
}

std::string_view EnvPromptPassphrase::env_var_for(std::string_view role) {
  if (role == "root") return "SIGNY_ROOT_PASSPHRASE";
  if (role == "targets") return "SIGNY_TARGETS_PASSPHRASE";
  if (role == "snapshot" || role == "timestamp") return "SIGNY_SNAPSHOT_PASSPHRASE";
  return "SIGNY_RELEASES_PASSPHRASE";
}

Result<SecretString> PassphraseSource::retry(std::string_view, std::string_view, int) {
  return fail(Errc::wrong_passphrase, "wrong passphrase");
}

Result<SecretString> EnvPromptPassphrase::get(std::string_view role, std::string_view key_id, bool creating) {
  std::string var(env_var_for(role));
  if (const char* v = std::getenv(var.c_str()); v != nullptr && *v != '\0') {
    SecretString pass{std::string(v)};
    // The terminal's rule holds for the environment too: a new key gets no short passphrase.
    if (creating && pass.size() < kMinPassphrase)
      return fail(Errc::no_passphrase, var + " is shorter than " + std::to_string(kMinPassphrase) +
                                           " characters, the minimum for a new key's passphrase");
    return pass;
  }
  int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return fail(Errc::no_passphrase, "no passphrase for the " + printable(role.substr(0, 64)) + " key: set " + var + " (no terminal to ask on)");
  // The role may come from a key file's header: escaped before it reaches the terminal.
  std::string what = printable(role.substr(0, 64)) + " key " + printable(key_id.substr(0, 16));
  if (!creating) {
    auto pass = prompt(fd, "Enter the passphrase for the " + what + ": ");
    ::close(fd);
    return pass;
  }
  for (int attempt = 1; attempt <= kPromptAttempts; ++attempt) {
    auto first = prompt(fd, "Enter a passphrase for the new " + what + ": ");
    if (!first) break;
    if (first->size() < kMinPassphrase) {
      say(fd, "Passphrases must have at least " + std::to_string(kMinPassphrase) + " characters.\n");
      continue;
    }
    auto again = prompt(fd, "Repeat the passphrase: ");
    if (again && again->view() == first->view()) {
      ::close(fd);
      return first;
    }
    say(fd, "The passphrases do not match.\n");
  }
  ::close(fd);
  return fail(Errc::no_passphrase, "no passphrase for the new " + printable(role.substr(0, 64)) + " key after " +
                                       std::to_string(kPromptAttempts) + " attempts (at least " +
                                       std::to_string(kMinPassphrase) + " characters, typed twice the same)");
}

Result<SecretString> EnvPromptPassphrase::retry(std::string_view role, std::string_view key_id, int failed) {
  std::string var(env_var_for(role));
  if (const char* v = std::getenv(var.c_str()); v != nullptr && *v != '\0')
    return fail(Errc::wrong_passphrase, "wrong passphrase (from " + var + ")");
  if (failed >= kPromptAttempts)
    return fail(Errc::wrong_passphrase, "wrong passphrase (" + std::to_string(failed) + " attempts)");
  int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return fail(Errc::wrong_passphrase, "wrong passphrase");
  say(fd, "Wrong passphrase, try again.\n");
  auto pass = prompt(fd, "Enter the passphrase for the " + printable(role.substr(0, 64)) + " key " + printable(key_id.substr(0, 16)) + ": ");
  ::close(fd);
  return pass;
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
  SIGNY_TRY_VOID(check_private_dir(private_dir()));
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

Result<std::vector<KeyInfo>> KeyStore::list(std::vector<Error>* skipped) const {
  std::vector<KeyInfo> out;
  auto skip = [&](Error e) {
    if (skipped)
      skipped->push_back(std::move(e));
    else if (warned_.insert(e.message).second)  // once per store, however often it is listed
      log::warn("skipping a key file: " + e.message);
  };
  if (auto dir_ok = check_private_dir(private_dir()); !dir_ok) skip(dir_ok.error());
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(private_dir(), ec)) {
    const auto& p = entry.path();
    if (p.extension() != ".key" || !valid_key_id(p.stem().string())) continue;
    auto text = read_file_limited(p, kMaxKeyFile);
    if (!text) {
      skip(text.error());
      continue;
    }
    auto block = peek_key_file(*text);
    if (!block) {
      skip(block.error().context(p.string()));
      continue;
    }
    KeyInfo info{p.stem().string(), block->headers["role"], block->headers["gun"], "?", p};
    // Header values are printed by key list: a role that is none, or a GUN with control bytes
    // (terminal escapes), makes the file one to skip, not to show.
    if (!info.role.empty()) {
      if (auto role_ok = check_role_name(info.role); !role_ok) {
        skip(role_ok.error().context(p.string()));
        continue;
      }
    }
    if (printable(info.gun) != info.gun) {
      skip(Error{Errc::malformed_pem, p.string() + ": the gun header holds non-printable bytes"});
      continue;
    }
    out.push_back(std::move(info));
  }
  if (ec) return fail(Errc::io_error, "cannot list " + private_dir().string() + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const KeyInfo& a, const KeyInfo& b) {
    return std::tie(a.role, a.gun, a.key_id) < std::tie(b.role, b.gun, b.key_id);
  });
  return out;
}

Result<DecodedKey> KeyStore::decrypt(std::string_view pem, const PemBlock& block, std::string_view role, std::string_view key_id) const {
  if (block.type != "ENCRYPTED PRIVATE KEY") return decode_notary_pem(pem, nullptr);
  auto pass = SIGNY_TRY(passphrases_->get(role, key_id, false));
  for (int failed = 1;; ++failed) {
    auto decoded = decode_notary_pem(pem, &pass);
    if (decoded || decoded.error().code != Errc::wrong_passphrase) return decoded;
    pass = SIGNY_TRY(passphrases_->retry(role, key_id, failed));
  }
}

Result<crypto::PrivateKey> KeyStore::load(std::string_view key_id) const {
  if (!valid_key_id(key_id)) return fail(Errc::usage, "\"" + printable(key_id.substr(0, 70)) + "\" is not a key ID");
  SIGNY_TRY_VOID(check_private_dir(private_dir()));
  fs::path file = private_dir() / (std::string(key_id) + ".key");
  // One descriptor for the checks and the read: no symbolic link, regular, owner-only (0600).
  auto text = read_private_file(file, kMaxKeyFile);
  if (!text) {
    if (text.error().code == Errc::not_found) return fail(Errc::not_found, "no key " + std::string(key_id) + " in " + private_dir().string());
    return tl::unexpected(text.error());
  }
  auto block = peek_key_file(*text);
  if (!block) return tl::unexpected(block.error().context(file.string()));
  std::string role = block->headers["role"];
  bool encrypted = block->type == "ENCRYPTED PRIVATE KEY";
  if (role == "root" && !encrypted) return fail(Errc::malformed_key, file.string() + ": root keys must be encrypted");
  auto decoded = decrypt(*text, *block, role, key_id);
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
  // The file's headers and the flags must agree; where one is absent the other decides. Notary
  // (trustmanager.ImportKeys) takes the flags only as fallbacks and silently prefers the header;
  // signy refuses the disagreement instead of guessing which was meant.
  const std::string header_role = block.headers.count("role") ? block.headers["role"] : "";
  const std::string header_gun = block.headers.count("gun") ? block.headers["gun"] : "";
  if (role_in && !header_role.empty() && *role_in != header_role)
    return fail(Errc::usage, "the key file's role header says \"" + printable(header_role.substr(0, 64)) + "\", not \"" +
                                 printable(role_in->substr(0, 64)) + "\"");
  std::string role = role_in ? *role_in : header_role;
  if (role.empty()) return fail(Errc::usage, "the key file has no role header: give --role");
  SIGNY_TRY_VOID(check_role_name(role));
  std::string gun;
  if (role_has_gun(role)) {
    if (gun_in && !header_gun.empty() && *gun_in != header_gun)
      return fail(Errc::usage, "the key file's gun header says \"" + printable(header_gun.substr(0, 200)) + "\", not \"" +
                                   printable(gun_in->substr(0, 200)) + "\"");
    gun = gun_in ? *gun_in : header_gun;
    // notary checkValidity: a canonical role's key without a GUN cannot be placed.
    if (gun.empty()) return fail(Errc::usage, "a " + role + " key belongs to one collection: the file has no gun header, give --gun");
  } else if (gun_in) {
    return fail(Errc::usage, (role == "root" ? std::string("root") : "delegation") + " keys belong to no collection: drop --gun");
  }
  bool encrypted = block.type == "ENCRYPTED PRIVATE KEY";
  // Notary cryptoservice.CheckRootKeyIsEncrypted: a root key never travels in clear.
  if (role == "root" && !encrypted) return fail(Errc::malformed_key, "root keys must be encrypted to be imported");
  auto decoded = decrypt(pem, block, role, "(import)");
  if (!decoded) return tl::unexpected(decoded.error().context("importing key"));
  // Importing a key that is already here is not an error (the same key, same ID), unless the
  // stored copy says another role or GUN.
  std::string id = crypto::notary_public_key(decoded->key).key_id();
  fs::path existing = private_dir() / (id + ".key");
  if (std::error_code ec; fs::exists(existing, ec)) {
    auto text = SIGNY_TRY(read_file_limited(existing, kMaxKeyFile));
    auto header = SIGNY_TRY(peek_key_file(text));
    if (header.headers["role"] != role || (role_has_gun(role) && header.headers["gun"] != gun))
      return fail(Errc::already_exists, "key " + id + " is already in " + private_dir().string() + " with role " +
                                            printable(header.headers["role"].substr(0, 64)) +
                                            (role_has_gun(role) ? " and gun " + printable(header.headers["gun"].substr(0, 200)) : ""));
    return KeyInfo{id, role, header.headers["gun"], std::string(crypto::algorithm_name(decoded->key.algorithm())), existing};
  }
  return store(decoded->key, role, gun);
}

}  // namespace signy::keystore
