// Notary's PKCS#8 key files (notary tuf/utils/pkcs8.go, x509.go).
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "signy/crypto/notary_keys.hpp"
#include "signy/crypto/pbes2.hpp"
#include "signy/keystore/keystore.hpp"

namespace signy::keystore {
namespace {

constexpr const char* kNotaryEd25519Oid = "1.3.6.1.4.1.11591.15.1";
constexpr int kIterations = 2048;  // notary pkcs8.go

struct P8Free {
  void operator()(PKCS8_PRIV_KEY_INFO* p) const { PKCS8_PRIV_KEY_INFO_free(p); }
};
struct SigFree {
  void operator()(X509_SIG* p) const { X509_SIG_free(p); }
};
using P8 = std::unique_ptr<PKCS8_PRIV_KEY_INFO, P8Free>;
using Sig = std::unique_ptr<X509_SIG, SigFree>;

std::string pem_wrap(std::string_view type, const std::map<std::string, std::string>& headers, std::span<const std::uint8_t> der) {
  std::string out = "-----BEGIN " + std::string(type) + "-----\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\n";  // Go's pem sorts header keys
  if (!headers.empty()) out += "\n";
  std::string b64 = base64_encode(der);
  for (std::size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + "-----END " + std::string(type) + "-----\n";
}

// PKCS8_pkey_set0 takes ownership of an OPENSSL_malloc'ed buffer.
unsigned char* ossl_copy(std::span<const std::uint8_t> b) {
  auto* p = static_cast<unsigned char*>(OPENSSL_malloc(b.size()));
  if (p) std::memcpy(p, b.data(), b.size());
  return p;
}

Result<P8> notary_p8(const crypto::PrivateKey& key) {
  P8 p8(PKCS8_PRIV_KEY_INFO_new());
  if (!p8) return fail(Errc::crypto_failure, "cannot allocate PKCS#8");
  if (key.algorithm() == crypto::KeyAlgorithm::ed25519) {
    // public(32) || seed(32) || public(32), Notary's ED25519 serialization.
    Bytes blob;
    const auto& pub = key.public_key().ed25519_raw();
    auto seed = key.ed25519_seed();
    blob.insert(blob.end(), pub.begin(), pub.end());
    blob.insert(blob.end(), seed.begin(), seed.end());
    blob.insert(blob.end(), pub.begin(), pub.end());
    unsigned char* penc = ossl_copy(blob);
    secure_wipe(blob.data(), blob.size());
    if (!PKCS8_pkey_set0(p8.get(), OBJ_txt2obj(kNotaryEd25519Oid, 1), 0, V_ASN1_UNDEF, nullptr, penc, 96))
      return fail(Errc::crypto_failure, "cannot build PKCS#8");
    return p8;
  }
  // ECPrivateKey (with curve and public key) or PKCS#1 RSAPrivateKey.
  unsigned char* inner = nullptr;
  int len = i2d_PrivateKey(key.evp(), &inner);
  if (len <= 0) return fail(Errc::crypto_failure, "cannot encode private key");
  bool ec = key.algorithm() == crypto::KeyAlgorithm::ecdsa_p256;
  int ok = ec ? PKCS8_pkey_set0(p8.get(), OBJ_nid2obj(NID_X9_62_id_ecPublicKey), 1 /* Notary writes version 1 */,
                                V_ASN1_OBJECT, OBJ_nid2obj(NID_X9_62_prime256v1), inner, len)
              : PKCS8_pkey_set0(p8.get(), OBJ_nid2obj(NID_rsaEncryption), 0, V_ASN1_UNDEF, nullptr, inner, len);
  if (!ok) {
    OPENSSL_clear_free(inner, static_cast<std::size_t>(len));
    return fail(Errc::crypto_failure, "cannot build PKCS#8");
  }
  return p8;
}

Result<crypto::PrivateKey> key_from_p8(const PKCS8_PRIV_KEY_INFO* p8) {
  const ASN1_OBJECT* oid = nullptr;
  const unsigned char* pk = nullptr;
  int pklen = 0;
  const X509_ALGOR* alg = nullptr;
  if (!PKCS8_pkey_get0(&oid, &pk, &pklen, &alg, p8)) return fail(Errc::malformed_der, "PKCS#8 structure is invalid");
  char oid_text[80] = {0};
  OBJ_obj2txt(oid_text, sizeof oid_text, oid, 1);
  if (std::strcmp(oid_text, kNotaryEd25519Oid) == 0) {
    if (pklen != 96) return fail(Errc::malformed_key, "Notary Ed25519 key must hold 96 bytes");
    auto key = SIGNY_TRY(crypto::PrivateKey::from_ed25519_seed(std::span<const std::uint8_t>(pk + 32, 32)));
    // Pairwise consistency: both copies of the public key must be the seed's.
    if (std::memcmp(key.public_key().ed25519_raw().data(), pk, 32) != 0 ||
        std::memcmp(key.public_key().ed25519_raw().data(), pk + 64, 32) != 0)
      return fail(Errc::malformed_key, "Ed25519 key file: public key does not match the seed");
    return key;
  }
  EVP_PKEY* evp = EVP_PKCS82PKEY(p8);
  if (!evp) {
    ERR_clear_error();
    int nid = OBJ_obj2nid(oid);
    if (nid != NID_X9_62_id_ecPublicKey && nid != NID_rsaEncryption && nid != NID_ED25519)
      return fail(Errc::unsupported_key_type, std::string("unsupported private key algorithm ") + oid_text);
    return fail(Errc::malformed_der, "private key DER cannot be parsed");
  }
  if (EVP_PKEY_get_base_id(evp) == EVP_PKEY_ED25519) {  // RFC 8410
    std::uint8_t seed[32];
    std::size_t n = sizeof seed;
    bool ok = EVP_PKEY_get_raw_private_key(evp, seed, &n) == 1 && n == 32;
    EVP_PKEY_free(evp);
    if (!ok) return fail(Errc::malformed_key, "Ed25519 private key cannot be read");
    auto key = crypto::PrivateKey::from_ed25519_seed(seed);
    secure_wipe(seed, sizeof seed);
    return key;
  }
  return crypto::PrivateKey::from_evp(evp);
}

}  // namespace

Result<std::string> encode_notary_pem(const crypto::PrivateKey& key, std::string_view role, std::string_view gun,
                                      const SecretString& passphrase) {
  if (passphrase.empty()) return fail(Errc::no_passphrase, "an empty passphrase cannot protect a key");
  auto p8 = SIGNY_TRY(notary_p8(key));
  unsigned char salt[8], iv[16];
  if (RAND_bytes(salt, sizeof salt) != 1 || RAND_bytes(iv, sizeof iv) != 1)
    return fail(Errc::crypto_failure, "random generator failed");
  // NID_hmacWithSHA1 is PBKDF2's default PRF, so OpenSSL omits the PRF field: what Notary reads.
  X509_ALGOR* pbe = PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), kIterations, salt, sizeof salt, iv, NID_hmacWithSHA1);
  if (!pbe) return fail(Errc::crypto_failure, "cannot set up PBES2");
  Sig sig(PKCS8_set0_pbe(passphrase.data(), static_cast<int>(passphrase.size()), p8.get(), pbe));
  if (!sig) {
    X509_ALGOR_free(pbe);
    return fail(Errc::crypto_failure, "cannot encrypt the private key");
  }
  unsigned char* der = nullptr;
  int len = i2d_X509_SIG(sig.get(), &der);
  if (len <= 0) return fail(Errc::crypto_failure, "cannot encode the encrypted key");
  Bytes d(der, der + len);
  OPENSSL_free(der);
  std::map<std::string, std::string> headers{{"role", std::string(role)}};
  if (role_has_gun(role) && !gun.empty()) headers["gun"] = std::string(gun);
  return pem_wrap("ENCRYPTED PRIVATE KEY", headers, d);
}

Result<PemBlock> peek_key_file(std::string_view pem) {
  auto block = SIGNY_TRY(parse_pem(pem));
  static const char* kTypes[] = {"ENCRYPTED PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"};
  if (std::find(std::begin(kTypes), std::end(kTypes), block.type) == std::end(kTypes))
    return fail(Errc::malformed_pem, "PEM block \"" + block.type.substr(0, 40) + "\" is not a private key");
  // Before any passphrase is asked for or any key derived: an iteration bomb costs nothing.
  if (block.type == "ENCRYPTED PRIVATE KEY") SIGNY_TRY_VOID(crypto::check_pkcs8_encryption(block.der));
  return block;
}

Result<DecodedKey> decode_notary_pem(std::string_view pem, const SecretString* passphrase) {
  auto block = SIGNY_TRY(peek_key_file(pem));
  DecodedKey out{crypto::PrivateKey{}, block.headers.count("role") ? block.headers["role"] : "",
                 block.headers.count("gun") ? block.headers["gun"] : "", false};
  if (block.headers.count("Proc-Type")) return fail(Errc::unsupported_key_type, "legacy PEM encryption is not supported; convert to PKCS#8");
  const unsigned char* p = block.der.data();
  if (block.type == "ENCRYPTED PRIVATE KEY") {
    out.encrypted = true;
    Sig sig(d2i_X509_SIG(nullptr, &p, static_cast<long>(block.der.size())));
    if (!sig || p != block.der.data() + block.der.size()) {
      ERR_clear_error();
      return fail(Errc::malformed_der, "encrypted key DER cannot be parsed");
    }
    if (!passphrase) return fail(Errc::no_passphrase, "the key is encrypted and no passphrase was given");
    P8 p8(PKCS8_decrypt(sig.get(), passphrase->data(), static_cast<int>(passphrase->size())));
    ERR_clear_error();
    if (!p8) return fail(Errc::wrong_passphrase, "wrong passphrase");
    auto key = key_from_p8(p8.get());
    // A wrong passphrase can decrypt to valid padding by chance; the inner DER then fails. A key
    // that parses but is refused (algorithm, pairwise consistency) was decrypted right.
    if (!key && key.error().code == Errc::malformed_der) return fail(Errc::wrong_passphrase, "wrong passphrase");
    if (!key) return tl::unexpected(key.error());
    out.key = std::move(*key);
    return out;
  }
  if (block.type == "PRIVATE KEY") {
    P8 p8(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(block.der.size())));
    if (!p8) {
      ERR_clear_error();
      return fail(Errc::malformed_der, "PKCS#8 DER cannot be parsed");
    }
    out.key = SIGNY_TRY(key_from_p8(p8.get()));
    return out;
  }
  // SEC1 "EC PRIVATE KEY" / PKCS#1 "RSA PRIVATE KEY".
  int type = block.type == "EC PRIVATE KEY" ? EVP_PKEY_EC : EVP_PKEY_RSA;
  EVP_PKEY* evp = d2i_PrivateKey(type, nullptr, &p, static_cast<long>(block.der.size()));
  if (!evp) {
    ERR_clear_error();
    return fail(Errc::malformed_der, block.type + " DER cannot be parsed");
  }
  out.key = SIGNY_TRY(crypto::PrivateKey::from_evp(evp));
  return out;
}

}  // namespace signy::keystore
