// Fuzzes every parser of key material: PEM with headers, Notary's PKCS#8 key files (plain and
// encrypted), securesystemslib key files and dicts, Notary key JSON and X.509 chains.
#include <cstdint>
#include <string_view>

#include "signy/crypto/notary_keys.hpp"
#include "signy/crypto/sslib.hpp"
#include "signy/keystore/keystore.hpp"

using namespace signy;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const SecretString pass(std::string("fuzz-passphrase"));
  (void)keystore::parse_pem(text);
  (void)keystore::decode_notary_pem(text, &pass);
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
