// Notary's key and signature wire formats (notary v0.7.0 tuf/data/keys.go, tuf/utils/x509.go,
// tuf/signed/verifiers.go).
#pragma once
#include <cstdint>
#include <string>

#include "signy/cjson/cjson.hpp"
#include "signy/crypto/keys.hpp"

namespace signy::crypto {

// {"keytype":T,"keyval":{"private":null,"public":"<base64 of public_bytes>"}}
//   ecdsa, rsa: public_bytes = DER SubjectPublicKeyInfo; ed25519: the raw 32 bytes;
//   ecdsa-x509, rsa-x509: the PEM text of the certificate chain, leaf first.
// Other key types are kept (as Notary does) but verify nothing.
struct NotaryKey {
  std::string keytype;
  Bytes public_bytes;

  static Result<NotaryKey> from_json(const cjson::Json& j);
  cjson::Json to_json() const;
  bool is_x509() const { return keytype == "ecdsa-x509" || keytype == "rsa-x509"; }
  bool is_known() const;
  // Lowercase hex SHA-256 of the canonical JSON above (tuf/data/keys.go TUFKey.ID).
  std::string key_id() const;
  // For x509 keys, the key ID of the leaf certificate's key as a plain ecdsa/rsa key (names the
  // private key file, utils.CanonicalKeyID); otherwise key_id(). Empty if the cert is invalid.
  std::string canonical_key_id() const;
  Result<PublicKey> public_key() const;
};

// The plain Notary public key of a private key: ecdsa, ed25519 or rsa.
NotaryKey notary_public_key(const PrivateKey& key);

struct NotarySignature {
  std::string keyid;
  std::string method;  // ecdsa (raw r||s), eddsa, rsapss
  Bytes sig;
};
Result<NotarySignature> notary_sign(const PrivateKey& key, std::string keyid, std::span<const std::uint8_t> msg);
// Checks one signature; the method must suit the key type (case-insensitive, as Notary).
Status notary_verify(const NotaryKey& key, std::string_view method, std::span<const std::uint8_t> msg,
                     std::span<const std::uint8_t> sig);
// The same given only the SHA-256 of the message (ecdsa, rsapss, rsapkcs1v15); an eddsa
// signature cannot be checked this way (Errc::unsupported_scheme).
Status notary_verify_sha256(const NotaryKey& key, std::string_view method, std::span<const std::uint8_t, 32> digest,
                            std::span<const std::uint8_t> sig);

// A root certificate as Notary makes one for a GUN (cryptoservice/certificate.go): self-signed,
// CN=<gun>, random serial, keyUsage digitalSignature+keyEncipherment (critical), extKeyUsage
// codeSigning, basicConstraints CA:FALSE (critical). Returns the PEM with a trailing newline.
Result<std::string> make_root_certificate(const PrivateKey& key, std::string_view gun, std::int64_t not_before_unix,
                                          std::int64_t not_after_unix);
NotaryKey notary_certificate_key(const PrivateKey& key, const std::string& cert_pem);

// Notary's root certificate rules (trustpinning/certs.go, utils/x509.go ValidateCertificate):
// only CERTIFICATE blocks, one non-CA leaf first, CN == gun (or "prefix*"), no SHA-1, RSA >= 2048,
// not expired, not valid more than a day in the future.
Status check_root_certificate(const NotaryKey& key, std::string_view gun, std::int64_t now_unix);

// CA trust pinning (notary trustpinning/trustpin.go caCheck): the key's leaf certificate chains,
// through the intermediates in its own PEM bundle, to one of the CA certificates in ca_bundle_pem
// at now_unix. CA certificates that are expired, SHA-1 signed or RSA under 2048 bits are ignored
// (notary ValidateCertificate). Like Go's Certificate.Verify with default options, a leaf whose
// extended key usage excludes server authentication does not chain (notary refuses it too).
Status check_certificate_chain(const NotaryKey& key, std::string_view ca_bundle_pem, std::int64_t now_unix);

}  // namespace signy::crypto
