// Fuzzes every parser of key material: PEM with headers, Notary's PKCS#8 key files (plain and
// encrypted, with the PBES2 parameter rules), securesystemslib key files and dicts, Notary key
// JSON and X.509 chains. A decoded key must pass the pairwise check and survive re-encoding.
#include <cstdint>
#include <string_view>

#include "signy/crypto/notary_keys.hpp"
#include "signy/crypto/pbes2.hpp"
#include "signy/crypto/sslib.hpp"
#include "signy/keystore/keystore.hpp"

using namespace signy;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const SecretString pass(std::string("fuzz-passphrase"));
  (void)keystore::parse_pem(text);
  // The PBES2 rules on raw DER and, through decode_notary_pem, on PEM; the fuzz build caps PBKDF2
  // at 4,096 iterations (crypto/pbes2.hpp), so no input costs more than a few milliseconds.
  (void)crypto::check_pkcs8_encryption(std::span<const std::uint8_t>(data, size));
  if (auto key = keystore::decode_notary_pem(text, &pass)) {
    // Whatever decodes passed the pairwise check and round-trips through Notary's format.
    if (!key->key.check_pairwise()) __builtin_trap();
    std::string id = crypto::notary_public_key(key->key).key_id();
    auto again = keystore::encode_notary_pem(key->key, "targets", "g", pass);
    auto back = again ? keystore::decode_notary_pem(*again, &pass) : decltype(key)(tl::unexpected(again.error()));
    if (!back || crypto::notary_public_key(back->key).key_id() != id) __builtin_trap();
  }
  (void)keystore::decode_notary_pem(text, nullptr);
  (void)crypto::sslib_load_private(text, &pass);
  (void)crypto::PublicKey::from_pem(text);
  (void)crypto::PublicKey::from_spki_der(std::span<const std::uint8_t>(data, size));
  crypto::NotaryKey cert{"ecdsa-x509", Bytes(data, data + size)};
  (void)cert.canonical_key_id();
  (void)crypto::check_root_certificate(cert, "example.com/app", 1800000000);
  if (auto j = cjson::parse_strict(text)) {
    if (auto k = crypto::NotaryKey::from_json(*j)) (void)k->public_key();
    (void)crypto::SslibKey::from_json(*j);
  }
  return 0;
}
