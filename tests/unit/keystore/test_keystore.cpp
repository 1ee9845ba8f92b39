#include <openssl/objects.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstring>
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
  CHECK(store.import_pem(enc, std::string("targets"), std::nullopt).error().code == Errc::usage);  // header says root
  auto as_targets = encode_notary_pem(k, "targets", "g", SecretString(std::string("passphrase!"))).value();
  CHECK(store.import_pem(as_targets, std::nullopt, std::nullopt).error().code == Errc::already_exists);
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

namespace {
// Answers with the passphrases in order, one per call (get, then each retry).
class SequencePassphrase : public PassphraseSource {
 public:
  std::vector<std::string> answers;
  int max_tries = 3;
  int calls = 0;
  Result<SecretString> get(std::string_view, std::string_view, bool) override { return next(); }
  Result<SecretString> retry(std::string_view, std::string_view, int failed) override {
    if (failed >= max_tries) return fail(Errc::wrong_passphrase, "wrong passphrase (gave up)");
    return next();
  }

 private:
  Result<SecretString> next() {
    if (static_cast<std::size_t>(calls) >= answers.size()) return fail(Errc::no_passphrase, "no more answers");
    return SecretString(answers[static_cast<std::size_t>(calls++)]);
  }
};

std::string pem_of(const crypto::PrivateKey& key, std::string_view role, std::string_view gun) {
  return encode_notary_pem(key, role, gun, SecretString(std::string("passphrase!"))).value();
}
}  // namespace

TEST_CASE("one PEM block per key file: a second block or trailing data is refused") {
  auto k = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256).value();
  auto pem = pem_of(k, "targets", "g");
  CHECK(parse_pem(pem));
  CHECK(parse_pem("leading text\n" + pem + "\n\n"));
  CHECK(parse_pem(pem + pem).error().message == "the file holds more than one PEM block");
  CHECK(parse_pem(pem + "garbage\n").error().message == "data after the PEM block");
  CHECK(parse_pem(pem + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").error().code == Errc::malformed_pem);
}

TEST_CASE("import: the role and gun headers and the flags must agree, and a missing one takes the other") {
  TempDir dir;
  FixedPassphrase pass;
  pass.fallback = "passphrase!";
  auto store = KeyStore::open(dir.path(), pass).value();
  auto k = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256).value();
  auto targets = pem_of(k, "targets", "example.com/app");
  auto e = store.import_pem(targets, std::string("snapshot"), std::nullopt).error();
  CHECK(e.code == Errc::usage);
  CHECK(e.message == "the key file's role header says \"targets\", not \"snapshot\"");
  e = store.import_pem(targets, std::nullopt, std::string("example.com/other")).error();
  CHECK(e.message == "the key file's gun header says \"example.com/app\", not \"example.com/other\"");
  CHECK(std::filesystem::is_empty(dir.path() / "private"));
  // Headers alone, or the same values in flags.
  auto info = store.import_pem(targets, std::string("targets"), std::string("example.com/app")).value();
  CHECK(info.gun == "example.com/app");
  // A targets key without a GUN anywhere cannot be placed (notary checkValidity).
  auto k2 = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256).value();
  auto no_gun = pem_of(k2, "targets", "");
  CHECK(store.import_pem(no_gun, std::nullopt, std::nullopt).error().message ==
        "a targets key belongs to one collection: the file has no gun header, give --gun");
  CHECK(store.import_pem(no_gun, std::nullopt, std::string("example.com/b")).value().gun == "example.com/b");
  // Root and delegation keys take no GUN.
  auto root = pem_of(crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256).value(), "root", "");
  CHECK(store.import_pem(root, std::nullopt, std::string("example.com/app")).error().message ==
        "root keys belong to no collection: drop --gun");
  auto del = pem_of(crypto::PrivateKey::generate(crypto::KeyAlgorithm::ed25519).value(), "targets/releases", "");
  CHECK(store.import_pem(del, std::nullopt, std::string("x")).error().code == Errc::usage);
  CHECK(store.import_pem(del, std::nullopt, std::nullopt).value().gun.empty());
  // A role header that is not a role is refused before anything is written.
  auto admin = pem_of(crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256).value(), "admin", "");
  CHECK(store.import_pem(admin, std::nullopt, std::nullopt).error().message.rfind("unknown role \"admin\"", 0) == 0);
  // The same key already stored under another GUN.
  auto other_gun = pem_of(k, "targets", "example.com/else");
  CHECK(store.import_pem(other_gun, std::nullopt, std::nullopt).error().code == Errc::already_exists);
  CHECK(store.list().value().size() == 3);
}

TEST_CASE("a wrong passphrase is asked for again as often as the source allows") {
  TempDir dir;
  FixedPassphrase make;
  make.fallback = "the right one";
  auto info = KeyStore::open(dir.path(), make).value().generate("targets", "g", crypto::KeyAlgorithm::ecdsa_p256).value();
  SequencePassphrase seq;
  seq.answers = {"wrong 1", "wrong 2", "the right one"};
  auto store = KeyStore::open(dir.path(), seq).value();
  CHECK(store.load(info.key_id));
  CHECK(seq.calls == 3);
  seq.calls = 0;
  seq.answers = {"wrong 1", "wrong 2", "wrong 3", "the right one"};
  auto e = store.load(info.key_id).error();
  CHECK(e.code == Errc::wrong_passphrase);
  CHECK(e.message.find("gave up") != std::string::npos);
  CHECK(seq.calls == 3);
  // The default source gives no second try.
  FixedPassphrase once;
  once.fallback = "wrong";
  CHECK(KeyStore::open(dir.path(), once).value().load(info.key_id).error().code == Errc::wrong_passphrase);
  CHECK(once.calls == 1);
}

TEST_CASE("a new key's passphrase from the environment needs 8 characters, as at the terminal") {
  TempDir dir;
  EnvPromptPassphrase env;
  auto store = KeyStore::open(dir.path(), env).value();
  ::setenv("SIGNY_RELEASES_PASSPHRASE", "1234567", 1);
  auto e = store.generate("targets/releases", "", crypto::KeyAlgorithm::ed25519).error();
  CHECK(e.code == Errc::no_passphrase);
  CHECK(e.message == "SIGNY_RELEASES_PASSPHRASE is shorter than 8 characters, the minimum for a new key's passphrase");
  CHECK(std::filesystem::is_empty(dir.path() / "private"));
  ::setenv("SIGNY_RELEASES_PASSPHRASE", "12345678", 1);
  auto info = store.generate("targets/releases", "", crypto::KeyAlgorithm::ed25519).value();
  // An existing key decrypts with whatever passphrase it was made with; a wrong one from the
  // environment is final (no terminal retry).
  ::setenv("SIGNY_RELEASES_PASSPHRASE", "nope", 1);
  CHECK(store.load(info.key_id).error().message.find("wrong passphrase (from SIGNY_RELEASES_PASSPHRASE)") != std::string::npos);
  ::unsetenv("SIGNY_RELEASES_PASSPHRASE");
}

TEST_CASE("key list skips an unparsable file with a warning, and an open private/ is refused") {
  TempDir dir;
  FixedPassphrase pass;
  auto store = KeyStore::open(dir.path(), pass).value();
  auto good = store.generate("targets", "g", crypto::KeyAlgorithm::ecdsa_p256).value();
  auto bad = dir.path() / "private" / (std::string(64, 'c') + ".key");
  REQUIRE(atomic_write(bad, "not a key\n", 0600));
  std::vector<Error> skipped;
  auto keys = store.list(&skipped).value();
  REQUIRE(keys.size() == 1);
  CHECK(keys[0].key_id == good.key_id);
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].message.find(bad.string()) != std::string::npos);
  CHECK(store.find("targets", "g").value()->key_id == good.key_id);  // sign's key lookup is not blocked
  // Headers that key list would print raw: a role that is none, a GUN with a terminal escape.
  auto k = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256).value();
  REQUIRE(atomic_write(dir.path() / "private" / (std::string(64, 'd') + ".key"), pem_of(k, "admin\x1b[2J", ""), 0600));
  REQUIRE(atomic_write(dir.path() / "private" / (std::string(64, 'e') + ".key"), pem_of(k, "targets", "g\x1b[2J"), 0600));
  skipped.clear();
  CHECK(store.list(&skipped).value().size() == 1);
  REQUIRE(skipped.size() == 3);
  std::filesystem::remove(dir.path() / "private" / (std::string(64, 'd') + ".key"));
  std::filesystem::remove(dir.path() / "private" / (std::string(64, 'e') + ".key"));
  ::chmod((dir.path() / "private").c_str(), 0755);
  auto e = store.load(good.key_id).error();
  CHECK(e.code == Errc::bad_permissions);
  CHECK(e.message.find("chmod 700") != std::string::npos);
  CHECK(store.generate("targets", "g", crypto::KeyAlgorithm::ecdsa_p256).error().code == Errc::bad_permissions);
  skipped.clear();
  CHECK(store.list(&skipped).value().size() == 1);
  CHECK(skipped.size() == 2);
  ::chmod((dir.path() / "private").c_str(), 0700);
  CHECK(store.load(good.key_id));
}

TEST_CASE("Notary Ed25519 blobs: both public copies must be the seed's") {
  SecretString pw(std::string("passphrase!"));
  auto a = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ed25519).value();
  auto b = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ed25519).value();
  for (int copy : {0, 2}) {
    Bytes blob;
    for (int i = 0; i < 3; ++i) {
      auto part = i == 1 ? a.ed25519_seed() : std::span<const std::uint8_t>(i == copy ? b.public_key().ed25519_raw()
                                                                                     : a.public_key().ed25519_raw());
      blob.insert(blob.end(), part.begin(), part.end());
    }
    PKCS8_PRIV_KEY_INFO* p8 = PKCS8_PRIV_KEY_INFO_new();
    auto* buf = static_cast<unsigned char*>(OPENSSL_malloc(blob.size()));
    std::memcpy(buf, blob.data(), blob.size());
    REQUIRE(PKCS8_pkey_set0(p8, OBJ_txt2obj("1.3.6.1.4.1.11591.15.1", 1), 0, V_ASN1_UNDEF, nullptr, buf, 96) == 1);
    unsigned char* der = nullptr;
    int len = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
    PKCS8_PRIV_KEY_INFO_free(p8);
    std::string pem = "-----BEGIN PRIVATE KEY-----\nrole: targets/x\n\n" + base64_encode(Bytes(der, der + len)) + "\n-----END PRIVATE KEY-----\n";
    OPENSSL_free(der);
    CHECK(decode_notary_pem(pem, nullptr).error().code == Errc::malformed_key);
  }
}
