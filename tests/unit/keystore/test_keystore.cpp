#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "signy/crypto/notary_keys.hpp"
#include "signy/crypto/sslib.hpp"
#include "signy/keystore/keystore.hpp"
#include "signy/util/file.hpp"
#include "testsupport.hpp"

using namespace signy;
using namespace signy::keystore;

namespace {
class FixedPassphrase : public PassphraseSource {
 public:
  std::map<std::string, std::string> by_role;
  std::string fallback = "correct horse battery";
  int calls = 0;
  Result<SecretString> get(std::string_view role, std::string_view, bool) override {
    ++calls;
    auto it = by_role.find(std::string(role));
    return SecretString(it == by_role.end() ? fallback : it->second);
  }
};

// A DER walk good enough to find the PBES2 parameters of an EncryptedPrivateKeyInfo.
std::string der_hex(const Bytes& der) { return hex_encode(der); }
}  // namespace

TEST_CASE("generate, list and load round trip for every algorithm, with Notary's headers") {
  TempDir dir;
  FixedPassphrase pass;
  auto store = KeyStore::open(dir.path() / "trust", pass).value();
  auto root = store.generate("root", "example.com/app", crypto::KeyAlgorithm::ecdsa_p256).value();
  auto targets = store.generate("targets", "example.com/app", crypto::KeyAlgorithm::ed25519).value();
  auto rel = store.generate("targets/releases", "example.com/app", crypto::KeyAlgorithm::rsa).value();
  auto list = store.list().value();
  REQUIRE(list.size() == 3);
  for (const auto& info : {root, targets, rel}) {
    auto key = store.load(info.key_id).value();
    CHECK(crypto::notary_public_key(key).key_id() == info.key_id);
    struct stat st {};
    REQUIRE(::stat(info.file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  }
  struct stat st {};
  REQUIRE(::stat((dir.path() / "trust" / "private").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  auto root_pem = read_file_limited(root.file, 1 << 16).value();
  CHECK(root_pem.rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----\nrole: root\n\n", 0) == 0);
  auto targets_pem = read_file_limited(targets.file, 1 << 16).value();
  CHECK(targets_pem.rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----\ngun: example.com/app\nrole: targets\n\n", 0) == 0);
  auto rel_pem = read_file_limited(rel.file, 1 << 16).value();
  CHECK(rel_pem.rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----\nrole: targets/releases\n\n", 0) == 0);
  CHECK(store.find("targets", "example.com/app").value()->key_id == targets.key_id);
  CHECK(!store.find("snapshot").value());
}

TEST_CASE("the encrypted blob is PBES2 / PBKDF2-HMAC-SHA1 (no PRF) / 2048 iterations / AES-256-CBC") {
  auto key = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256).value();
  auto pem = encode_notary_pem(key, "targets", "g", SecretString(std::string("passphrase!"))).value();
  auto der = der_hex(parse_pem(pem).value().der);
  // OIDs: pbes2 1.2.840.113549.1.5.13, pbkdf2 1.2.840.113549.1.5.12, aes256-cbc 2.16.840.1.101.3.4.1.42
  CHECK(der.find("06092a864886f70d01050d") != std::string::npos);
  CHECK(der.find("06092a864886f70d01050c") != std::string::npos);
  CHECK(der.find("060960864801650304012a") != std::string::npos);
  // PBKDF2 params: SEQUENCE { OCTET STRING(8) salt, INTEGER 2048 } and nothing else (no PRF).
  auto p = der.find("06092a864886f70d01050c");
  CHECK(der.substr(p + 22, 4) == "300e");
  CHECK(der.substr(p + 26 + 4 + 16, 8) == "02020800");
  CHECK(der.find("2a864886f70d0209") == std::string::npos);  // hmacWithSHA256 absent
}

TEST_CASE("Notary's inner PKCS#8 forms: ECDSA version 1, Ed25519 under its private OID with 96 bytes") {
  SecretString pw(std::string("passphrase!"));
  auto ed = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ed25519).value();
  auto pem = encode_notary_pem(ed, "targets", "g", pw).value();
  auto back = decode_notary_pem(pem, &pw).value();
  CHECK(back.key.public_key().ed25519_raw() == ed.public_key().ed25519_raw());
  CHECK(back.role == "targets");
  CHECK(back.gun == "g");
  // The fixture keys written by the notary CLI decode with their passphrases.
  std::map<std::string, std::string> pass;
  std::istringstream lines(fixture("notary/PASSPHRASES"));
  for (std::string role, p; lines >> role >> p;) pass[role] = p;
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(SIGNY_FIXTURES) / "notary/trust")) {
    auto text = read_file_limited(e.path(), 1 << 16).value();
    auto block = peek_key_file(text).value();
    SecretString p(pass.at(block.headers.at("role")));
    auto k = decode_notary_pem(text, &p);
    REQUIRE(k);
    CHECK(crypto::notary_public_key(k->key).key_id() == e.path().stem().string());
    SecretString wrong(std::string("not the passphrase"));
    CHECK(decode_notary_pem(text, &wrong).error().code == Errc::wrong_passphrase);
    ++n;
  }
  CHECK(n == 4);
}

TEST_CASE("bad key files get their own errors and leave nothing behind") {
  TempDir dir;
  FixedPassphrase pass;
  auto store = KeyStore::open(dir.path(), pass).value();
  CHECK(parse_pem("no pem here").error().code == Errc::malformed_pem);
  CHECK(parse_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n").error().code == Errc::malformed_pem);
  CHECK(parse_pem("-----BEGIN PRIVATE KEY-----\n@@@@\n-----END PRIVATE KEY-----\n").error().code == Errc::malformed_pem);
  CHECK(parse_pem(std::string(70000, 'a')).error().code == Errc::too_large);
  CHECK(decode_notary_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", nullptr).error().code ==
        Errc::malformed_der);
  CHECK(peek_key_file("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").error().code == Errc::malformed_pem);
  // Unencrypted root keys are refused on import.
  auto k = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256).value();
  auto enc = encode_notary_pem(k, "root", "", SecretString(std::string("passphrase!"))).value();
  pass.fallback = "passphrase!";
  auto info = store.import_pem(enc, std::nullopt, std::nullopt).value();
  CHECK(info.role == "root");
  // The same key again is no error (same ID, file untouched); under another role it is.
  auto again = store.import_pem(enc, std::nullopt, std::nullopt);
  REQUIRE(again);
  CHECK(again->key_id == info.key_id);
  CHECK(store.import_pem(enc, std::string("targets"), std::nullopt).error().code == Errc::already_exists);
  // Loading refuses a group-readable file and a key ID that is not one.
  ::chmod(info.file.c_str(), 0640);
  CHECK(store.load(info.key_id).error().code == Errc::bad_permissions);
  ::chmod(info.file.c_str(), 0600);
  CHECK(store.load(info.key_id));
  CHECK(store.load("../../etc/passwd").error().code == Errc::usage);
  CHECK(store.load(std::string(64, 'a')).error().code == Errc::not_found);
  // A file renamed to another key's ID is refused.
  auto other = dir.path() / "private" / (std::string(64, 'b') + ".key");
  std::filesystem::copy_file(info.file, other);
  ::chmod(other.c_str(), 0600);
  CHECK(store.load(std::string(64, 'b')).error().code == Errc::malformed_key);
}
