#include "signy/crypto/notary_keys.hpp"

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <vector>

#include "ossl.hpp"
#include "signy/crypto/digest.hpp"

namespace signy::crypto {
namespace {

using ossl::X509Ptr;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Every CERTIFICATE block of a PEM text; refuses other block types (notary parseAllCerts).
Result<std::vector<X509Ptr>> parse_chain(std::string_view pem) {
  std::vector<X509Ptr> certs;
  std::size_t pos = 0;
  while ((pos = pem.find("-----BEGIN ", pos)) != std::string_view::npos) {
    if (pem.compare(pos, 27, "-----BEGIN CERTIFICATE-----") != 0)
      return fail(Errc::malformed_pem, "certificate chain holds a non-certificate PEM block");
    auto end = pem.find("-----END CERTIFICATE-----", pos);
    if (end == std::string_view::npos) return fail(Errc::malformed_pem, "truncated certificate PEM");
    end += 25;
    ossl::Bio bio(BIO_new_mem_buf(pem.data() + pos, static_cast<int>(end - pos)));
    X509Ptr c(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    ossl::clear_errors();
    if (!c) return fail(Errc::malformed_pem, "certificate cannot be parsed");
    certs.push_back(std::move(c));
    pos = end;
  }
  if (certs.empty()) return fail(Errc::malformed_pem, "no certificate in PEM");
  return certs;
}

Bytes spki_of(X509* cert) {
  unsigned char* der = nullptr;
  int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  Bytes b(der, der + std::max(len, 0));
  OPENSSL_free(der);
  return b;
}

}  // namespace

bool NotaryKey::is_known() const {
  return keytype == "ecdsa" || keytype == "ed25519" || keytype == "rsa" || is_x509();
}

Result<NotaryKey> NotaryKey::from_json(const cjson::Json& j) {
  if (!j.is_object()) return fail(Errc::malformed_key, "key is not a JSON object");
  auto kt = j.find("keytype");
  auto kv = j.find("keyval");
  if (kt == j.end() || !kt->is_string() || kv == j.end() || !kv->is_object())
    return fail(Errc::malformed_key, "key needs \"keytype\" and \"keyval\"");
  auto pub = kv->find("public");
  if (pub == kv->end() || !pub->is_string()) return fail(Errc::malformed_key, "key needs \"keyval.public\"");
  if (auto priv = kv->find("private"); priv != kv->end() && !priv->is_null())
    return fail(Errc::malformed_key, "public key metadata must not carry a private key");
  auto bytes = base64_decode(pub->get<std::string>());
  if (!bytes) return fail(Errc::malformed_key, "keyval.public is not base64");
  NotaryKey k{kt->get<std::string>(), std::move(*bytes)};
  if (k.keytype == "ed25519" && k.public_bytes.size() != 32) return fail(Errc::malformed_key, "ed25519 key must be 32 bytes");
  return k;
}

cjson::Json NotaryKey::to_json() const {
  return cjson::Json{{"keytype", keytype}, {"keyval", {{"private", nullptr}, {"public", base64_encode(public_bytes)}}}};
}

std::string NotaryKey::key_id() const {
  // Built directly: keytype and base64 need no escaping, and this is on every verification path.
  std::string canonical = "{\"keytype\":\"" + keytype + "\",\"keyval\":{\"private\":null,\"public\":\"" +
                          base64_encode(public_bytes) + "\"}}";
  if (keytype.find_first_of("\"\\") != std::string::npos) canonical = cjson::notary_canonical(to_json()).value();
  return hex_encode(sha256(as_bytes(canonical)));
}

std::string NotaryKey::canonical_key_id() const {
  if (!is_x509()) return key_id();
  auto chain = parse_chain(as_chars(public_bytes));
  if (!chain) return {};
  return NotaryKey{keytype == "ecdsa-x509" ? "ecdsa" : "rsa", spki_of(chain->front().get())}.key_id();
}

Result<PublicKey> NotaryKey::public_key() const {
  if (keytype == "ed25519") return PublicKey::from_ed25519_raw(public_bytes);
  if (keytype == "ecdsa" || keytype == "rsa") {
    auto k = SIGNY_TRY(PublicKey::from_spki_der(public_bytes));
    if ((keytype == "ecdsa") != (k.algorithm() == KeyAlgorithm::ecdsa_p256))
      return fail(Errc::malformed_key, "key material does not match keytype " + keytype);
    return k;
  }
  if (is_x509()) {
    auto chain = SIGNY_TRY(parse_chain(as_chars(public_bytes)));
    auto k = SIGNY_TRY(PublicKey::from_spki_der(spki_of(chain.front().get())));
    if ((keytype == "ecdsa-x509") != (k.algorithm() == KeyAlgorithm::ecdsa_p256))
      return fail(Errc::malformed_key, "certificate key does not match keytype " + keytype);
    return k;
  }
  return fail(Errc::unsupported_key_type, "unsupported key type \"" + keytype.substr(0, 32) + "\"");
}

NotaryKey notary_public_key(const PrivateKey& key) {
  const auto& pub = key.public_key();
  switch (pub.algorithm()) {
    case KeyAlgorithm::ed25519: return NotaryKey{"ed25519", pub.ed25519_raw()};
    case KeyAlgorithm::ecdsa_p256: return NotaryKey{"ecdsa", pub.spki_der()};
    case KeyAlgorithm::rsa: return NotaryKey{"rsa", pub.spki_der()};
  }
  return {};
}

NotaryKey notary_certificate_key(const PrivateKey& key, const std::string& cert_pem) {
  return NotaryKey{key.algorithm() == KeyAlgorithm::rsa ? "rsa-x509" : "ecdsa-x509", to_bytes(cert_pem)};
}

Result<NotarySignature> notary_sign(const PrivateKey& key, std::string keyid, std::span<const std::uint8_t> msg) {
  Result<Bytes> sig = fail(Errc::internal, "unknown key algorithm");
  const char* method = "";
  switch (key.algorithm()) {
    case KeyAlgorithm::ecdsa_p256: sig = key.sign_ecdsa_sha256_raw(msg), method = "ecdsa"; break;
    case KeyAlgorithm::ed25519: sig = key.sign_ed25519(msg), method = "eddsa"; break;
    case KeyAlgorithm::rsa: sig = key.sign_rsa_pss_sha256(msg), method = "rsapss"; break;
  }
  if (!sig) return tl::unexpected(sig.error());
  return NotarySignature{std::move(keyid), method, std::move(*sig)};
}

namespace {
// Notary's signature methods and the key types each suits (tuf/signed/verifiers.go).
enum class Method { ecdsa, eddsa, rsa_pss, rsa_pkcs1v15 };
Result<Method> method_for(const NotaryKey& key, std::string_view method_in) {
  std::string method = lower(method_in);
  bool ec = key.keytype == "ecdsa" || key.keytype == "ecdsa-x509";
  bool rsa = key.keytype == "rsa" || key.keytype == "rsa-x509";
  if (method == "ecdsa" && ec) return Method::ecdsa;
  if (method == "eddsa" && key.keytype == "ed25519") return Method::eddsa;
  if (method == "rsapss" && rsa) return Method::rsa_pss;
  if (method == "rsapkcs1v15" && rsa) return Method::rsa_pkcs1v15;
  return fail(Errc::unsupported_scheme, "signature method \"" + method.substr(0, 32) + "\" does not suit a " + key.keytype + " key");
}
}  // namespace

Status notary_verify(const NotaryKey& key, std::string_view method_in, std::span<const std::uint8_t> msg,
                     std::span<const std::uint8_t> sig) {
  auto method = SIGNY_TRY(method_for(key, method_in));
  auto pub = SIGNY_TRY(key.public_key());
  switch (method) {
    case Method::ecdsa: return pub.verify_ecdsa_sha256_raw(msg, sig);
    case Method::eddsa: return pub.verify_ed25519(msg, sig);
    case Method::rsa_pss: return pub.verify_rsa_pss_sha256(msg, sig, 32);
    case Method::rsa_pkcs1v15: return pub.verify_rsa_pkcs1v15_sha256(msg, sig);
  }
  return fail(Errc::internal, "unknown signature method");
}

Status notary_verify_sha256(const NotaryKey& key, std::string_view method_in, std::span<const std::uint8_t, 32> digest,
                            std::span<const std::uint8_t> sig) {
  auto method = method_for(key, method_in);
  if (!method || *method == Method::eddsa)
    return fail(Errc::unsupported_scheme, "signature method \"" + lower(method_in).substr(0, 32) + "\" cannot be checked over a digest");
  auto pub = SIGNY_TRY(key.public_key());
  using S = PublicKey::Sha256Scheme;
  switch (*method) {
    case Method::ecdsa: return pub.verify_sha256_digest(S::ecdsa_raw, digest, sig);
    case Method::rsa_pss: return pub.verify_sha256_digest(S::rsa_pss, digest, sig, 32);
    default: return pub.verify_sha256_digest(S::rsa_pkcs1v15, digest, sig);
  }
}

Result<std::string> make_root_certificate(const PrivateKey& key, std::string_view gun, std::int64_t not_before_unix,
                                          std::int64_t not_after_unix) {
  if (key.algorithm() == KeyAlgorithm::ed25519)
    return fail(Errc::unsupported_key_type, "Notary root certificates need an ECDSA or RSA key");
  X509Ptr cert(X509_new());
  if (!cert) return fail(Errc::crypto_failure, "cannot allocate certificate");
  X509_set_version(cert.get(), 2);
  // Random serial below 2^128 (notary NewCertificate).
  unsigned char rnd[16];
  RAND_bytes(rnd, sizeof rnd);
  rnd[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(rnd, sizeof rnd, nullptr);
  ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn, nullptr);
  X509_set_serialNumber(cert.get(), serial);
  ASN1_INTEGER_free(serial);
  BN_free(bn);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(gun.data()),
                             static_cast<int>(gun.size()), -1, 0);
  X509_set_issuer_name(cert.get(), name);
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(not_before_unix));
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(not_after_unix));
  X509_set_pubkey(cert.get(), key.evp());
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_key_usage, "critical,digitalSignature,keyEncipherment"},
                            std::pair{NID_ext_key_usage, "codeSigning"}, std::pair{NID_basic_constraints, "critical,CA:FALSE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext) return fail(Errc::crypto_failure, "cannot build certificate extension");
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.evp(), EVP_sha256()) <= 0) return fail(Errc::crypto_failure, "signing certificate: " + ossl::last_error());
  ossl::Bio out(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(out.get(), cert.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

Status check_root_certificate(const NotaryKey& key, std::string_view gun, std::int64_t now_unix) {
  auto untrusted = [&](std::string why) { return fail(Errc::untrusted_key, "root certificate for " + std::string(gun) + ": " + why); };
  if (!key.is_x509()) return untrusted("root keys must be x509 certificates (keytype " + key.keytype.substr(0, 32) + ")");
  auto chain = parse_chain(as_chars(key.public_bytes));
  if (!chain) return untrusted(chain.error().message);
  X509* leaf = chain->front().get();
  if (X509_check_ca(leaf) != 0) return untrusted("the first certificate is a CA, not a leaf");
  for (std::size_t i = 1; i < chain->size(); ++i)
    if (X509_check_ca((*chain)[i].get()) == 0) return untrusted("more than one leaf certificate");
  char cn[512] = {0};
  int n = X509_NAME_get_text_by_NID(X509_get_subject_name(leaf), NID_commonName, cn, sizeof cn);
  std::string_view cnv(cn, n > 0 ? static_cast<std::size_t>(n) : 0);
  bool cn_ok = cnv == gun || (!cnv.empty() && cnv.back() == '*' && gun.substr(0, cnv.size() - 1) == cnv.substr(0, cnv.size() - 1));
  if (!cn_ok) return untrusted("common name \"" + std::string(cnv.substr(0, 100)) + "\" does not match");
  for (auto& c : *chain) {
    int md = X509_get_signature_nid(c.get());
    if (md == NID_sha1WithRSAEncryption || md == NID_ecdsa_with_SHA1 || md == NID_dsaWithSHA1)
      return untrusted("SHA-1 signed certificates are refused");
    EVP_PKEY* pk = X509_get0_pubkey(c.get());
    if (pk && EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA && EVP_PKEY_get_bits(pk) < 2048) return untrusted("RSA key under 2048 bits");
  }
  time_t now = static_cast<time_t>(now_unix), tomorrow = static_cast<time_t>(now_unix + 86400);
  if (ASN1_TIME_compare(X509_get0_notBefore(leaf), X509_get0_notAfter(leaf)) > 0) return untrusted("NotBefore is after NotAfter");
  if (X509_cmp_time(X509_get0_notAfter(leaf), &now) < 0) return untrusted("certificate expired");
  if (X509_cmp_time(X509_get0_notBefore(leaf), &tomorrow) > 0) return untrusted("certificate not valid until more than a day from now");
  if (!key.public_key()) return untrusted("certificate key does not match its keytype");
  return {};
}

Status check_certificate_chain(const NotaryKey& key, std::string_view ca_bundle_pem, std::int64_t now_unix) {
  auto untrusted = [](std::string why) { return fail(Errc::untrusted_key, "root certificate: " + why); };
  if (!key.is_x509()) return untrusted("not an x509 key, so no CA can certify it");
  auto chain = parse_chain(as_chars(key.public_bytes));
  if (!chain) return untrusted(chain.error().message);
  auto cas = parse_chain(ca_bundle_pem);
  if (!cas) return fail(Errc::malformed_pem, "pinned CA bundle: " + cas.error().message);
  time_t now = static_cast<time_t>(now_unix);
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  std::size_t usable = 0;
  for (auto& ca : *cas) {
    int md = X509_get_signature_nid(ca.get());
    EVP_PKEY* pk = X509_get0_pubkey(ca.get());
    bool weak = md == NID_sha1WithRSAEncryption || md == NID_ecdsa_with_SHA1 || md == NID_dsaWithSHA1 ||
                (pk && EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA && EVP_PKEY_get_bits(pk) < 2048);
    bool current = X509_cmp_time(X509_get0_notAfter(ca.get()), &now) >= 0 && X509_cmp_time(X509_get0_notBefore(ca.get()), &now) <= 0;
    if (weak || !current) continue;
    if (X509_STORE_add_cert(store.get(), ca.get()) == 1) ++usable;
  }
  ossl::clear_errors();
  if (usable == 0) return fail(Errc::untrusted_key, "the pinned CA bundle holds no valid CA certificate");
  struct StackFree {
    void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }  // the certificates stay owned by chain
  };
  std::unique_ptr<STACK_OF(X509), StackFree> intermediates(sk_X509_new_null());
  for (std::size_t i = 1; i < chain->size(); ++i) sk_X509_push(intermediates.get(), (*chain)[i].get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
  if (!store || !intermediates || !ctx || X509_STORE_CTX_init(ctx.get(), store.get(), chain->front().get(), intermediates.get()) != 1)
    return fail(Errc::crypto_failure, "cannot set up certificate verification");
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, now);
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);  // Go's default ExtKeyUsageServerAuth
  int ok = X509_verify_cert(ctx.get());
  int err = X509_STORE_CTX_get_error(ctx.get());
  ossl::clear_errors();
  if (ok != 1) return untrusted(std::string("no valid chain to the pinned CA: ") + X509_verify_cert_error_string(err));
  return {};
}

}  // namespace signy::crypto
