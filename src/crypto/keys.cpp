// ECDSA P-256 and RSA through OpenSSL 3 EVP; Ed25519 through libsodium.
#include "signy/crypto/keys.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sodium.h>

#include <cstring>

#include "ossl.hpp"

namespace signy::crypto {
namespace {

// RFC 8410 SubjectPublicKeyInfo prefix for Ed25519.
constexpr std::uint8_t kEd25519SpkiPrefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

void sodium_once() {
  static const int r = sodium_init();
  (void)r;
}

Status check_evp(EVP_PKEY* pkey, KeyAlgorithm& alg) {
  int id = EVP_PKEY_get_base_id(pkey);
  if (id == EVP_PKEY_EC) {
    char curve[64] = {0};
    size_t len = 0;
    if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve, &len) ||
        std::strcmp(curve, "prime256v1") != 0)
      return fail(Errc::unsupported_key_type, std::string("ECDSA curve ") + (curve[0] ? curve : "?") + " is not supported (P-256 only)");
    alg = KeyAlgorithm::ecdsa_p256;
    return {};
  }
  if (id == EVP_PKEY_RSA) {
    int bits = EVP_PKEY_get_bits(pkey);
    if (bits < 2048) return fail(Errc::unsupported_key_type, "RSA keys shorter than 2048 bits are refused");
    // The upper bound of what signy generates: a private operation costs about the cube of the
    // size, so a hostile key file with a huge modulus would stall the pairwise check and signing.
    if (bits > kMaxRsaBits)
      return fail(Errc::unsupported_key_type, "RSA keys longer than " + std::to_string(kMaxRsaBits) + " bits are refused (this one has " +
                                                  std::to_string(bits) + ")");
    alg = KeyAlgorithm::rsa;
    return {};
  }
  return fail(Errc::unsupported_key_type, "unsupported key algorithm");
}

Result<Bytes> digest_sign(EVP_PKEY* pkey, const EVP_MD* md, std::span<const std::uint8_t> msg, int pss_salt) {
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, pkey) != 1) return fail(Errc::crypto_failure, "signing: " + ossl::last_error());
  if (pss_salt >= 0 && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, pss_salt) != 1 || EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1))
    return fail(Errc::crypto_failure, "signing: " + ossl::last_error());
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, msg.data(), msg.size()) != 1) return fail(Errc::crypto_failure, "signing: " + ossl::last_error());
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, msg.data(), msg.size()) != 1) return fail(Errc::crypto_failure, "signing: " + ossl::last_error());
  sig.resize(len);
  return sig;
}

Status digest_verify(EVP_PKEY* pkey, const EVP_MD* md, std::span<const std::uint8_t> msg, std::span<const std::uint8_t> sig,
                     int pss_salt, bool pss) {
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, pkey) != 1) return fail(Errc::crypto_failure, "verifying: " + ossl::last_error());
  if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, pss_salt) != 1 || EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1))
    return fail(Errc::crypto_failure, "verifying: " + ossl::last_error());
  int r = EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), msg.data(), msg.size());
  ossl::clear_errors();
  if (r != 1) return fail(Errc::bad_signature, "signature does not verify");
  return {};
}

}  // namespace

std::string_view algorithm_name(KeyAlgorithm a) {
  switch (a) {
    case KeyAlgorithm::ecdsa_p256: return "ecdsa";
    case KeyAlgorithm::ed25519: return "ed25519";
    case KeyAlgorithm::rsa: return "rsa";
  }
  return "?";
}

Result<KeyAlgorithm> parse_algorithm(std::string_view name) {
  if (name == "ecdsa") return KeyAlgorithm::ecdsa_p256;
  if (name == "ed25519") return KeyAlgorithm::ed25519;
  if (name == "rsa") return KeyAlgorithm::rsa;
  return fail(Errc::unsupported_key_type, "unknown key type \"" + std::string(name.substr(0, 32)) + "\" (ecdsa, ed25519, rsa)");
}

// ---- PublicKey ----

Result<PublicKey> PublicKey::from_spki_der(std::span<const std::uint8_t> der) {
  if (der.size() == 44 && std::memcmp(der.data(), kEd25519SpkiPrefix, sizeof kEd25519SpkiPrefix) == 0)
    return from_ed25519_raw(der.subspan(12));
  const unsigned char* p = der.data();
  EVP_PKEY* raw = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  if (raw == nullptr || p != der.data() + der.size()) {
    EVP_PKEY_free(raw);
    ossl::clear_errors();
    return fail(Errc::malformed_der, "public key is not a valid DER SubjectPublicKeyInfo");
  }
  PublicKey k;
  k.pkey_.reset(raw, EVP_PKEY_free);
  SIGNY_TRY_VOID(check_evp(raw, k.alg_));
  return k;
}

Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (pem.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
    ossl::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    ossl::clear_errors();
    if (!cert) return fail(Errc::malformed_pem, "certificate PEM cannot be parsed");
    unsigned char* der = nullptr;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &der);
    if (len <= 0) return fail(Errc::malformed_der, "certificate public key cannot be encoded");
    Bytes b(der, der + len);
    OPENSSL_free(der);
    return from_spki_der(b);
  }
  if (pem.find("-----BEGIN PUBLIC KEY-----") == std::string_view::npos)
    return fail(Errc::malformed_pem, "no PUBLIC KEY or CERTIFICATE PEM block");
  ossl::PkeyPtr pk(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  ossl::clear_errors();
  if (!pk) return fail(Errc::malformed_pem, "PUBLIC KEY PEM cannot be parsed");
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(pk.get(), &der);
  if (len <= 0) return fail(Errc::malformed_der, "public key cannot be encoded");
  Bytes b(der, der + len);
  OPENSSL_free(der);
  return from_spki_der(b);
}

Result<PublicKey> PublicKey::from_ed25519_raw(std::span<const std::uint8_t> raw32) {
  if (raw32.size() != crypto_sign_PUBLICKEYBYTES) return fail(Errc::malformed_key, "Ed25519 public key must be 32 bytes");
  PublicKey k;
  k.alg_ = KeyAlgorithm::ed25519;
  k.raw_.assign(raw32.begin(), raw32.end());
  return k;
}

Bytes PublicKey::spki_der() const {
  if (alg_ == KeyAlgorithm::ed25519) {
    Bytes out(std::begin(kEd25519SpkiPrefix), std::end(kEd25519SpkiPrefix));
    out.insert(out.end(), raw_.begin(), raw_.end());
    return out;
  }
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(pkey_.get(), &der);
  Bytes b(der, der + (len > 0 ? len : 0));
  OPENSSL_free(der);
  return b;
}

std::string PublicKey::spki_pem() const {
  auto der = spki_der();
  std::string b64 = base64_encode(der);
  std::string out = "-----BEGIN PUBLIC KEY-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + "-----END PUBLIC KEY-----\n";
}

namespace {
// Notary's raw r||s ECDSA signature as DER.
Result<Bytes> ecdsa_raw_to_der(std::span<const std::uint8_t> sig) {
  // Notary: raw r||s, each 32 bytes for P-256; any other length is refused.
  if (sig.size() != 64) return fail(Errc::bad_signature, "ECDSA signature must be 64 bytes (r||s)");
  ossl::EcdsaSig es(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(sig.data(), 32, nullptr);
  BIGNUM* s = BN_bin2bn(sig.data() + 32, 32, nullptr);
  if (!es || !r || !s || ECDSA_SIG_set0(es.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return fail(Errc::crypto_failure, "cannot build ECDSA signature");
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(es.get(), &der);
  if (len <= 0) return fail(Errc::crypto_failure, "cannot encode ECDSA signature");
  Bytes d(der, der + len);
  OPENSSL_free(der);
  return d;
}
}  // namespace

Status PublicKey::verify_sha256_digest(Sha256Scheme scheme, std::span<const std::uint8_t, 32> digest,
                                       std::span<const std::uint8_t> sig, int pss_salt_len) const {
  bool ec = scheme == Sha256Scheme::ecdsa_raw;
  if (ec && alg_ != KeyAlgorithm::ecdsa_p256) return fail(Errc::unsupported_scheme, "not an ECDSA key");
  if (!ec && alg_ != KeyAlgorithm::rsa) return fail(Errc::unsupported_scheme, "not an RSA key");
  Bytes der;
  if (ec) {
    auto d = ecdsa_raw_to_der(sig);
    if (!d) return tl::unexpected(d.error());
    der = std::move(*d);
    sig = der;
  }
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(pkey_.get(), nullptr), EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) != 1)
    return fail(Errc::crypto_failure, "verifying: " + ossl::last_error());
  if (scheme == Sha256Scheme::rsa_pss &&
      (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), pss_salt_len < 0 ? RSA_PSS_SALTLEN_AUTO : pss_salt_len) != 1 ||
       EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) != 1))
    return fail(Errc::crypto_failure, "verifying: " + ossl::last_error());
  if (scheme == Sha256Scheme::rsa_pkcs1v15 && EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1)
    return fail(Errc::crypto_failure, "verifying: " + ossl::last_error());
  int r = EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), digest.data(), digest.size());
  ossl::clear_errors();
  if (r != 1) return fail(Errc::bad_signature, "signature does not verify");
  return {};
}

Status PublicKey::verify_ecdsa_sha256_raw(std::span<const std::uint8_t> msg, std::span<const std::uint8_t> sig) const {
  if (alg_ != KeyAlgorithm::ecdsa_p256) return fail(Errc::unsupported_scheme, "not an ECDSA key");
  auto d = ecdsa_raw_to_der(sig);
  if (!d) return tl::unexpected(d.error());
  return verify_ecdsa_sha256_der(msg, *d);
}

Status PublicKey::verify_ecdsa_sha256_der(std::span<const std::uint8_t> msg, std::span<const std::uint8_t> sig) const {
  if (alg_ != KeyAlgorithm::ecdsa_p256) return fail(Errc::unsupported_scheme, "not an ECDSA key");
  return digest_verify(pkey_.get(), EVP_sha256(), msg, sig, 0, false);
}

Status PublicKey::verify_ed25519(std::span<const std::uint8_t> msg, std::span<const std::uint8_t> sig) const {
  if (alg_ != KeyAlgorithm::ed25519) return fail(Errc::unsupported_scheme, "not an Ed25519 key");
  sodium_once();
  if (sig.size() != crypto_sign_BYTES ||
      crypto_sign_verify_detached(sig.data(), msg.data(), msg.size(), raw_.data()) != 0)
    return fail(Errc::bad_signature, "signature does not verify");
  return {};
}

Status PublicKey::verify_rsa_pss_sha256(std::span<const std::uint8_t> msg, std::span<const std::uint8_t> sig, int salt_len) const {
  if (alg_ != KeyAlgorithm::rsa) return fail(Errc::unsupported_scheme, "not an RSA key");
  return digest_verify(pkey_.get(), EVP_sha256(), msg, sig, salt_len < 0 ? RSA_PSS_SALTLEN_AUTO : salt_len, true);
}

Status PublicKey::verify_rsa_pkcs1v15_sha256(std::span<const std::uint8_t> msg, std::span<const std::uint8_t> sig) const {
  if (alg_ != KeyAlgorithm::rsa) return fail(Errc::unsupported_scheme, "not an RSA key");
  return digest_verify(pkey_.get(), EVP_sha256(), msg, sig, 0, false);
}

// ---- PrivateKey ----

Result<PrivateKey> PrivateKey::generate(KeyAlgorithm alg, int rsa_bits) {
  if (alg == KeyAlgorithm::ed25519) {
    sodium_once();
    std::uint8_t seed[crypto_sign_SEEDBYTES];
    randombytes_buf(seed, sizeof seed);
    auto k = from_ed25519_seed(seed);
    secure_wipe(seed, sizeof seed);
    return k;
  }
  EVP_PKEY* raw = nullptr;
  if (alg == KeyAlgorithm::ecdsa_p256) {
    raw = EVP_EC_gen("P-256");
  } else {
    if (rsa_bits < 2048 || rsa_bits > kMaxRsaBits) return fail(Errc::usage, "RSA key size must be 2048 to 8192 bits");
    raw = EVP_RSA_gen(static_cast<unsigned>(rsa_bits));
  }
  if (raw == nullptr) return fail(Errc::crypto_failure, "key generation failed: " + ossl::last_error());
  return from_evp(raw);
}

Result<PrivateKey> PrivateKey::from_evp(EVP_PKEY* owned) {
  std::shared_ptr<EVP_PKEY> pkey(owned, EVP_PKEY_free);
  KeyAlgorithm alg{};
  SIGNY_TRY_VOID(check_evp(owned, alg));
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(owned, &der);
  if (len <= 0) return fail(Errc::crypto_failure, "cannot derive the public key");
  Bytes spki(der, der + len);
  OPENSSL_free(der);
  PrivateKey k;
  k.pub_ = SIGNY_TRY(PublicKey::from_spki_der(spki));
  k.pkey_ = std::move(pkey);
  SIGNY_TRY_VOID(k.check_pairwise());
  return k;
}

Status PrivateKey::check_pairwise() const {
  auto mismatch = [] { return fail(Errc::malformed_key, "the private key does not match its public key (pairwise consistency check)"); };
  // SEC1 and PKCS#8 EC keys carry the public point beside the scalar, unchecked by the parser:
  // the point must be scalar * G (SP 800-56A 5.6.2.1.4).
  if (algorithm() == KeyAlgorithm::ecdsa_p256) {
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr),
                                                                    EVP_PKEY_CTX_free);
    int r = ctx ? EVP_PKEY_pairwise_check(ctx.get()) : 0;
    ossl::clear_errors();
    if (r != 1) return mismatch();
  }
  // Every algorithm: a fixed message signed with the private half verifies under the public half,
  // which is what a signature published for this key will be checked with.
  static constexpr std::uint8_t kMsg[] = {'s', 'i', 'g', 'n', 'y', ' ', 'p', 'a', 'i', 'r', 'w', 'i', 's', 'e'};
  Status verified = fail(Errc::internal, "unknown key algorithm");
  switch (algorithm()) {
    case KeyAlgorithm::ecdsa_p256: {
      auto sig = SIGNY_TRY(sign_ecdsa_sha256_der(kMsg));
      verified = pub_.verify_ecdsa_sha256_der(kMsg, sig);
      break;
    }
    case KeyAlgorithm::ed25519: {
      auto sig = SIGNY_TRY(sign_ed25519(kMsg));
      verified = pub_.verify_ed25519(kMsg, sig);
      break;
    }
    case KeyAlgorithm::rsa: {
      auto sig = SIGNY_TRY(sign_rsa_pss_sha256(kMsg));
      verified = pub_.verify_rsa_pss_sha256(kMsg, sig, 32);
      break;
    }
  }
  if (!verified) return mismatch();
  return {};
}

Result<PrivateKey> PrivateKey::from_ed25519_seed(std::span<const std::uint8_t> seed32) {
  if (seed32.size() != crypto_sign_SEEDBYTES) return fail(Errc::malformed_key, "Ed25519 seed must be 32 bytes");
  sodium_once();
  std::uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  auto sk = std::make_shared<SecretString>(std::string(crypto_sign_SECRETKEYBYTES, '\0'));
  crypto_sign_seed_keypair(pk, reinterpret_cast<std::uint8_t*>(const_cast<char*>(sk->data())), seed32.data());
  PrivateKey k;
  k.pub_ = SIGNY_TRY(PublicKey::from_ed25519_raw(pk));
  k.ed25519_sk_ = std::move(sk);
  return k;
}

std::span<const std::uint8_t> PrivateKey::ed25519_seed() const noexcept {
  if (!ed25519_sk_) return {};
  return {reinterpret_cast<const std::uint8_t*>(ed25519_sk_->data()), crypto_sign_SEEDBYTES};
}

Result<Bytes> PrivateKey::sign_ecdsa_sha256_der(std::span<const std::uint8_t> msg) const {
  if (algorithm() != KeyAlgorithm::ecdsa_p256) return fail(Errc::unsupported_scheme, "not an ECDSA key");
  return digest_sign(pkey_.get(), EVP_sha256(), msg, -1);
}

Result<Bytes> PrivateKey::sign_ecdsa_sha256_raw(std::span<const std::uint8_t> msg) const {
  auto der = SIGNY_TRY(sign_ecdsa_sha256_der(msg));
  const unsigned char* p = der.data();
  ossl::EcdsaSig es(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!es) return fail(Errc::crypto_failure, "cannot decode ECDSA signature");
  Bytes out(64);
  if (BN_bn2binpad(ECDSA_SIG_get0_r(es.get()), out.data(), 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(es.get()), out.data() + 32, 32) != 32)
    return fail(Errc::crypto_failure, "cannot encode ECDSA signature");
  return out;
}

Result<Bytes> PrivateKey::sign_ed25519(std::span<const std::uint8_t> msg) const {
  if (algorithm() != KeyAlgorithm::ed25519) return fail(Errc::unsupported_scheme, "not an Ed25519 key");
  Bytes sig(crypto_sign_BYTES);
  crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(),
                       reinterpret_cast<const std::uint8_t*>(ed25519_sk_->data()));
  return sig;
}

Result<Bytes> PrivateKey::sign_rsa_pss_sha256(std::span<const std::uint8_t> msg) const {
  if (algorithm() != KeyAlgorithm::rsa) return fail(Errc::unsupported_scheme, "not an RSA key");
  return digest_sign(pkey_.get(), EVP_sha256(), msg, 32);  // Notary and Go in-toto insist on 32
}

}  // namespace signy::crypto
