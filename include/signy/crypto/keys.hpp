// Public and private keys and the raw signature primitives (OpenSSL for ECDSA P-256, RSA and
// X.509; libsodium for Ed25519). Wire formats (Notary's key JSON and signature methods,
// securesystemslib's key dicts and schemes) are layered on top in notary_keys.hpp and sslib.hpp.
// This module does no I/O.
#pragma once
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "signy/util/encoding.hpp"
#include "signy/util/result.hpp"
#include "signy/util/secret.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace signy::crypto {

// The largest RSA key signy generates or accepts (public or private).
inline constexpr int kMaxRsaBits = 8192;

enum class KeyAlgorithm { ecdsa_p256, ed25519, rsa };
std::string_view algorithm_name(KeyAlgorithm a);  // "ecdsa", "ed25519", "rsa"
Result<KeyAlgorithm> parse_algorithm(std::string_view name);

class PublicKey {
 public:
  // DER SubjectPublicKeyInfo: P-256 ECDSA, RSA (>= 2048 bits) or Ed25519 (RFC 8410).
  static Result<PublicKey> from_spki_der(std::span<const std::uint8_t> der);
  // PEM "PUBLIC KEY", or "CERTIFICATE" (the first certificate's key).
  static Result<PublicKey> from_pem(std::string_view pem);
  static Result<PublicKey> from_ed25519_raw(std::span<const std::uint8_t> raw32);

  KeyAlgorithm algorithm() const noexcept { return alg_; }
  Bytes spki_der() const;        // DER SubjectPublicKeyInfo (Ed25519: RFC 8410)
  std::string spki_pem() const;  // PEM as OpenSSL writes it: 64-column lines, trailing '\n'
  const Bytes& ed25519_raw() const noexcept { return raw_; }  // 32 bytes, Ed25519 only

  // Signature checks over the whole message. Each returns Errc::bad_signature on mismatch.
  Status verify_ecdsa_sha256_raw(std::span<const std::uint8_t> msg, std::span<const std::uint8_t> sig) const;  // r||s
  Status verify_ecdsa_sha256_der(std::span<const std::uint8_t> msg, std::span<const std::uint8_t> sig) const;
  Status verify_ed25519(std::span<const std::uint8_t> msg, std::span<const std::uint8_t> sig) const;
  // salt_len < 0 accepts any salt length (securesystemslib); Notary and Go insist on 32.
  Status verify_rsa_pss_sha256(std::span<const std::uint8_t> msg, std::span<const std::uint8_t> sig,
                               int salt_len = 32) const;
  Status verify_rsa_pkcs1v15_sha256(std::span<const std::uint8_t> msg, std::span<const std::uint8_t> sig) const;

  // The same checks given only the message's SHA-256 (ECDSA and RSA sign the digest), so that a
  // large message is hashed while it is produced and never held. Ed25519 signs the message
  // itself and has no such form.
  enum class Sha256Scheme { ecdsa_raw, rsa_pss, rsa_pkcs1v15 };
  Status verify_sha256_digest(Sha256Scheme scheme, std::span<const std::uint8_t, 32> digest,
                              std::span<const std::uint8_t> sig, int pss_salt_len = 32) const;

  EVP_PKEY* evp() const noexcept { return pkey_.get(); }  // ECDSA and RSA only

 private:
  KeyAlgorithm alg_{};
  std::shared_ptr<EVP_PKEY> pkey_;  // ECDSA, RSA
  Bytes raw_;                       // Ed25519
};

class PrivateKey {
 public:
  // rsa_bits only for RSA (2048..8192).
  static Result<PrivateKey> generate(KeyAlgorithm alg, int rsa_bits = 3072);
  // Takes ownership of an OpenSSL key (P-256 ECDSA or RSA >= 2048 bits); refuses other keys.
  static Result<PrivateKey> from_evp(EVP_PKEY* owned);
  static Result<PrivateKey> from_ed25519_seed(std::span<const std::uint8_t> seed32);
  // Pairwise consistency: the public half is the private half's (EC: the point is scalar * G),
  // and a fixed message signed with the private half verifies under the public half. from_evp
  // runs it on every key it takes, so every parsed and every generated key has passed it.
  Status check_pairwise() const;

  KeyAlgorithm algorithm() const noexcept { return pub_.algorithm(); }
  const PublicKey& public_key() const noexcept { return pub_; }

  Result<Bytes> sign_ecdsa_sha256_raw(std::span<const std::uint8_t> msg) const;  // 64-byte r||s
  Result<Bytes> sign_ecdsa_sha256_der(std::span<const std::uint8_t> msg) const;
  Result<Bytes> sign_ed25519(std::span<const std::uint8_t> msg) const;
  Result<Bytes> sign_rsa_pss_sha256(std::span<const std::uint8_t> msg) const;  // salt length 32

  EVP_PKEY* evp() const noexcept { return pkey_.get(); }  // ECDSA and RSA only
  // Ed25519 only: the 32-byte seed (RFC 8032 private key).
  std::span<const std::uint8_t> ed25519_seed() const noexcept;

 private:
  PublicKey pub_;
  std::shared_ptr<EVP_PKEY> pkey_;
  std::shared_ptr<SecretString> ed25519_sk_;  // libsodium 64-byte secret key (seed || public)
};

}  // namespace signy::crypto
