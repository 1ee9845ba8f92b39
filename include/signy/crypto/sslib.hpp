// securesystemslib 0.26 key dicts, key IDs and signature schemes: what in-toto 1.3 signs with
// (securesystemslib/keys.py, formats.py, rsa_keys.py).
#pragma once
#include <optional>
#include <string>

#include "signy/cjson/cjson.hpp"
#include "signy/crypto/keys.hpp"

namespace signy::crypto {

// Public key dict: keytype ("rsa", "ed25519", "ecdsa" or its "ecdsa-sha2-nistp256" alias),
// scheme ("rsassa-pss-sha256", "ed25519", "ecdsa-sha2-nistp256"), keyval.public hashed verbatim:
//   rsa: SPKI PEM without trailing newline; ed25519: 64 lowercase hex; ecdsa: SPKI PEM, with the
//   trailing newline when made by in-toto-keygen (the key ID differs without it).
struct SslibKey {
  std::string keytype;
  std::string scheme;
  std::string public_value;
  std::optional<std::string> private_value;  // only "" is allowed in public dicts (layouts)

  // sha256 of canonical {"keyid_hash_algorithms":["sha256","sha512"],"keytype","keyval":{"public"},"scheme"}
  std::string keyid() const;
  // {"keyid","keyid_hash_algorithms","keytype","keyval":{"public"[,"private"]},"scheme"}
  cjson::Json to_json() const;
  // Loads a public dict (a .pub file or a layout's key); the key ID is recomputed.
  static Result<SslibKey> from_json(const cjson::Json& j);
  Result<PublicKey> public_key() const;
};

// The public dict of a private key, in in-toto-keygen's form (ecdsa_trailing_newline chooses
// between keygen's PEM and one imported from a public PEM file).
Result<SslibKey> sslib_public_key(const PrivateKey& key, bool ecdsa_trailing_newline = true);
// The same dict for a public key (e.g. the key inside a Notary root certificate): equal to the
// private key's dict, so both give one key ID.
Result<SslibKey> sslib_public_key(const PublicKey& key, bool ecdsa_trailing_newline = true);

// {"keyid":…,"sig":"<hex>"} over msg (RSA-PSS salt 32, Ed25519, DER ECDSA SHA-256).
Result<cjson::Json> sslib_sign(const PrivateKey& key, const SslibKey& pub, std::span<const std::uint8_t> msg);
Status sslib_verify(const SslibKey& key, std::string_view sig_hex, std::span<const std::uint8_t> msg);

// A public key file as in-toto-verify --layout-keys loads it (securesystemslib
// import_publickeys_from_file), by `type`: "rsa" a PEM public key (keyval.public is the text from
// "-----BEGIN PUBLIC KEY-----" through its footer, verbatim, as extract_pem cuts it; keyval.private
// ""), "ed25519" / "ecdsa" the JSON .pub dict in-toto-keygen writes (key ID recomputed, its
// keytype must be that type). An empty `type` detects it: a PEM is rsa (an ECDSA or Ed25519 PEM
// is refused: in-toto reads those keys only as JSON), a JSON dict is its keytype.
Result<SslibKey> sslib_load_public(std::string_view file_bytes, std::string_view type = {});

struct SslibPrivate {
  PrivateKey key;
  SslibKey pub;
  std::string keyid;  // as the file states it for JSON keys (in-toto uses it as is)
};
// in-toto-keygen private keys: RSA PEM (PKCS#1, PKCS#8, legacy-encrypted with password), or the
// JSON dicts of ed25519/ecdsa keys, plain or encrypted (salt@@@@iterations@@@@hmac@@@@iv@@@@ct:
// PBKDF2-HMAC-SHA256, HMAC-SHA256 over the ciphertext, AES-256-CTR).
Result<SslibPrivate> sslib_load_private(std::string_view file_bytes, const SecretString* password);

}  // namespace signy::crypto
