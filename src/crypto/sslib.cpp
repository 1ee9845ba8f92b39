#include "signy/crypto/sslib.hpp"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstring>

#include "ossl.hpp"
#include "signy/crypto/digest.hpp"
#include "signy/crypto/pbes2.hpp"

namespace signy::crypto {
namespace {

std::string canonical_scheme_keytype(const std::string& keytype) {
  return keytype == "ecdsa-sha2-nistp256" ? "ecdsa" : keytype;
}

std::string strip_trailing_newline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

Result<SslibPrivate> from_private(PrivateKey key, std::optional<std::string> keyid, bool ecdsa_nl) {
  auto pub = SIGNY_TRY(sslib_public_key(key, ecdsa_nl));
  std::string id = keyid ? *keyid : pub.keyid();
  return SslibPrivate{std::move(key), std::move(pub), std::move(id)};
}

Result<PrivateKey> key_from_pem(std::string_view pem, const SecretString* password) {
  if (password && pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string_view::npos) {
    // The PBES2 parameters are checked before OpenSSL derives anything (crypto/pbes2.hpp).
    ossl::Bio in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    std::unique_ptr<X509_SIG, ossl::Deleter<X509_SIG, X509_SIG_free>> sig(PEM_read_bio_PKCS8(in.get(), nullptr, nullptr, nullptr));
    unsigned char* der = nullptr;
    int len = sig ? i2d_X509_SIG(sig.get(), &der) : 0;
    ossl::clear_errors();
    if (len <= 0) return fail(Errc::malformed_pem, "encrypted private key PEM cannot be parsed");
    Bytes d(der, der + len);
    OPENSSL_free(der);
    SIGNY_TRY_VOID(check_pkcs8_encryption(d));
  }
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  auto cb = [](char* buf, int size, int, void* u) -> int {
    auto* pw = static_cast<const SecretString*>(u);
    if (!pw) return -1;
    int n = static_cast<int>(std::min<std::size_t>(pw->size(), static_cast<std::size_t>(size)));
    std::memcpy(buf, pw->data(), static_cast<std::size_t>(n));
    return n;
  };
  EVP_PKEY* pk = PEM_read_bio_PrivateKey(bio.get(), nullptr, cb, const_cast<SecretString*>(password));
  if (!pk) {
    auto err = ossl::last_error();
    if (pem.find("ENCRYPTED") != std::string_view::npos)
      return fail(password ? Errc::wrong_passphrase : Errc::no_passphrase,
                  password ? "cannot decrypt the private key: wrong password" : "the private key is encrypted: a password is needed");
    return fail(Errc::malformed_pem, "private key PEM cannot be parsed");
  }
  return PrivateKey::from_evp(pk);
}

// securesystemslib rsa_keys._decrypt: salt@@@@iterations@@@@hmac@@@@iv@@@@ciphertext (hex).
Result<std::string> decrypt_json_key(std::string_view text, const SecretString* password) {
  std::vector<std::string> f;
  std::size_t start = 0;
  for (;;) {
    auto p = text.find("@@@@", start);
    f.emplace_back(text.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 4;
  }
  if (f.size() != 5) return fail(Errc::malformed_key, "encrypted key does not have 5 fields");
  if (!password) return fail(Errc::no_passphrase, "the private key is encrypted: a password is needed");
  auto salt = hex_decode(f[0]), mac = hex_decode(strip_trailing_newline(f[2])), iv = hex_decode(f[3]),
       ct = hex_decode(strip_trailing_newline(f[4]));
  if (!salt || !mac || !iv || !ct || iv->size() != 16) return fail(Errc::malformed_key, "encrypted key fields are not valid hex");
  long iterations = std::strtol(f[1].c_str(), nullptr, 10);
  // securesystemslib writes 100,000; the same cap as for PKCS#8 keys bounds the derivation.
  if (iterations < 1 || iterations > kPbkdf2MaxIterations) return fail(Errc::malformed_key, "encrypted key has a bad iteration count");
  SecretString derived(std::string(32, '\0'));
  PKCS5_PBKDF2_HMAC(password->data(), static_cast<int>(password->size()), salt->data(), static_cast<int>(salt->size()),
                    static_cast<int>(iterations), EVP_sha256(), 32,
                    reinterpret_cast<unsigned char*>(const_cast<char*>(derived.data())));
  unsigned char got[32];
  unsigned len = 0;
  HMAC(EVP_sha256(), derived.data(), 32, ct->data(), ct->size(), got, &len);
  if (mac->size() != 32 || CRYPTO_memcmp(got, mac->data(), 32) != 0)
    return fail(Errc::wrong_passphrase, "cannot decrypt the private key: wrong password");
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> c(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string plain(ct->size() + 16, '\0');
  int n1 = 0, n2 = 0;
  if (EVP_DecryptInit_ex(c.get(), EVP_aes_256_ctr(), nullptr, reinterpret_cast<const unsigned char*>(derived.data()), iv->data()) != 1 ||
      EVP_DecryptUpdate(c.get(), reinterpret_cast<unsigned char*>(plain.data()), &n1, ct->data(), static_cast<int>(ct->size())) != 1 ||
      EVP_DecryptFinal_ex(c.get(), reinterpret_cast<unsigned char*>(plain.data()) + n1, &n2) != 1)
    return fail(Errc::crypto_failure, "AES-CTR decryption failed");
  plain.resize(static_cast<std::size_t>(n1 + n2));
  return plain;
}

}  // namespace

std::string SslibKey::keyid() const {
  cjson::Json j{{"keyid_hash_algorithms", {"sha256", "sha512"}}, {"keytype", keytype},
                {"keyval", {{"public", public_value}}}, {"scheme", scheme}};
  return hex_encode(sha256(as_bytes(cjson::sslib_canonical(j).value())));
}

cjson::Json SslibKey::to_json() const {
  cjson::Json kv{{"public", public_value}};
  if (private_value) kv["private"] = *private_value;
  return cjson::Json{{"keyid", keyid()}, {"keyid_hash_algorithms", {"sha256", "sha512"}}, {"keytype", keytype},
                     {"keyval", kv}, {"scheme", scheme}};
}

Result<SslibKey> SslibKey::from_json(const cjson::Json& j) {
  auto str = [&](const cjson::Json& o, const char* k) -> Result<std::string> {
    auto it = o.find(k);
    if (it == o.end() || !it->is_string()) return fail(Errc::malformed_key, std::string("key dict needs a string \"") + k + "\"");
    return it->get<std::string>();
  };
  if (!j.is_object()) return fail(Errc::malformed_key, "key dict is not an object");
  SslibKey k;
  k.keytype = SIGNY_TRY(str(j, "keytype"));
  k.scheme = SIGNY_TRY(str(j, "scheme"));
  auto kv = j.find("keyval");
  if (kv == j.end() || !kv->is_object()) return fail(Errc::malformed_key, "key dict needs \"keyval\"");
  k.public_value = SIGNY_TRY(str(*kv, "public"));
  if (auto p = kv->find("private"); p != kv->end()) {
    if (!p->is_string() || !p->get<std::string>().empty())
      return fail(Errc::malformed_key, "a public key dict must not carry a private key");
    k.private_value = "";
  }
  static const char* kTypes[] = {"rsa", "ed25519", "ecdsa", "ecdsa-sha2-nistp256"};
  if (std::find(std::begin(kTypes), std::end(kTypes), k.keytype) == std::end(kTypes))
    return fail(Errc::unsupported_key_type, "unsupported securesystemslib keytype \"" + k.keytype.substr(0, 32) + "\"");
  SIGNY_TRY(k.public_key());
  return k;
}

Result<PublicKey> SslibKey::public_key() const {
  auto kt = canonical_scheme_keytype(keytype);
  if (kt == "ed25519") {
    if (scheme != "ed25519") return fail(Errc::unsupported_scheme, "unsupported scheme \"" + scheme.substr(0, 32) + "\" for ed25519");
    if (public_value.size() != 64) return fail(Errc::malformed_key, "ed25519 public key must be 64 hex characters");
    auto raw = hex_decode(public_value);
    if (!raw) return fail(Errc::malformed_key, "ed25519 public key is not hex");
    return PublicKey::from_ed25519_raw(*raw);
  }
  if (kt == "rsa" && scheme != "rsassa-pss-sha256")
    return fail(Errc::unsupported_scheme, "unsupported scheme \"" + scheme.substr(0, 32) + "\" for rsa");
  if (kt == "ecdsa" && scheme != "ecdsa-sha2-nistp256")
    return fail(Errc::unsupported_scheme, "unsupported scheme \"" + scheme.substr(0, 32) + "\" for ecdsa (P-256 only)");
  auto k = PublicKey::from_pem(public_value);
  if (!k) return tl::unexpected(k.error());
  if ((kt == "rsa") != (k->algorithm() == KeyAlgorithm::rsa)) return fail(Errc::malformed_key, "key material does not match keytype");
  return k;
}

Result<SslibKey> sslib_public_key(const PrivateKey& key, bool ecdsa_trailing_newline) {
  return sslib_public_key(key.public_key(), ecdsa_trailing_newline);
}

Result<SslibKey> sslib_public_key(const PublicKey& pub, bool ecdsa_trailing_newline) {
  switch (pub.algorithm()) {
    case KeyAlgorithm::ed25519: return SslibKey{"ed25519", "ed25519", hex_encode(pub.ed25519_raw()), std::nullopt};
    case KeyAlgorithm::rsa: return SslibKey{"rsa", "rsassa-pss-sha256", strip_trailing_newline(pub.spki_pem()), std::nullopt};
    case KeyAlgorithm::ecdsa_p256: {
      auto pem = pub.spki_pem();
      return SslibKey{"ecdsa", "ecdsa-sha2-nistp256", ecdsa_trailing_newline ? pem : strip_trailing_newline(pem), std::nullopt};
    }
  }
  return fail(Errc::internal, "unknown key algorithm");
}

Result<cjson::Json> sslib_sign(const PrivateKey& key, const SslibKey& pub, std::span<const std::uint8_t> msg) {
  Bytes sig;
  switch (key.algorithm()) {
    case KeyAlgorithm::ed25519: sig = SIGNY_TRY(key.sign_ed25519(msg)); break;
    case KeyAlgorithm::rsa: sig = SIGNY_TRY(key.sign_rsa_pss_sha256(msg)); break;  // salt 32: Go in-toto insists
    case KeyAlgorithm::ecdsa_p256: sig = SIGNY_TRY(key.sign_ecdsa_sha256_der(msg)); break;
  }
  return cjson::Json{{"keyid", pub.keyid()}, {"sig", hex_encode(sig)}};
}

Status sslib_verify(const SslibKey& key, std::string_view sig_hex, std::span<const std::uint8_t> msg) {
  auto sig = hex_decode(sig_hex);
  if (!sig) return fail(Errc::bad_signature, "signature is not hex");
  auto pub = SIGNY_TRY(key.public_key());
  switch (pub.algorithm()) {
    case KeyAlgorithm::ed25519: return pub.verify_ed25519(msg, *sig);
    case KeyAlgorithm::rsa: return pub.verify_rsa_pss_sha256(msg, *sig, -1);  // Python accepts any salt
    case KeyAlgorithm::ecdsa_p256: return pub.verify_ecdsa_sha256_der(msg, *sig);
  }
  return fail(Errc::internal, "unknown key algorithm");
}

Result<SslibPrivate> sslib_load_private(std::string_view bytes, const SecretString* password) {
  if (bytes.size() > (64u << 10)) return fail(Errc::too_large, "key file larger than 64 KiB");
  if (bytes.find("-----BEGIN") != std::string_view::npos && bytes.find('{') == std::string_view::npos) {
    auto key = SIGNY_TRY(key_from_pem(bytes, password));
    return from_private(std::move(key), std::nullopt, true);
  }
  std::string plain;
  std::string_view json_text = bytes;
  if (bytes.find("@@@@") != std::string_view::npos) {
    plain = SIGNY_TRY(decrypt_json_key(bytes, password));
    json_text = plain;
  }
  auto j = cjson::parse_strict(json_text);
  if (!j || !j->is_object()) return fail(Errc::malformed_key, "private key file is neither PEM nor a securesystemslib key dict");
  auto kv = j->find("keyval");
  if (kv == j->end() || !kv->is_object() || !kv->contains("private") || !(*kv)["private"].is_string())
    return fail(Errc::malformed_key, "private key dict needs keyval.private");
  std::string priv = (*kv)["private"].get<std::string>();
  std::optional<std::string> keyid;
  if (auto it = j->find("keyid"); it != j->end() && it->is_string()) keyid = it->get<std::string>();
  auto kt = j->value("keytype", std::string());
  if (kt == "ed25519") {
    auto seed = hex_decode(priv);
    if (!seed || seed->size() != 32) return fail(Errc::malformed_key, "ed25519 private key must be a 32-byte hex seed");
    auto key = SIGNY_TRY(PrivateKey::from_ed25519_seed(*seed));
    secure_wipe(seed->data(), seed->size());
    return from_private(std::move(key), keyid, true);
  }
  if (kt == "ecdsa" || kt == "ecdsa-sha2-nistp256") {
    bool nl = (*kv).value("public", std::string()).ends_with("\n");
    auto key = SIGNY_TRY(key_from_pem(priv, nullptr));
    return from_private(std::move(key), keyid, nl);
  }
  if (kt == "rsa") {
    auto key = SIGNY_TRY(key_from_pem(priv, nullptr));
    return from_private(std::move(key), keyid, true);
  }
  return fail(Errc::unsupported_key_type, "unsupported securesystemslib keytype \"" + kt.substr(0, 32) + "\"");
}

Result<SslibKey> sslib_load_public(std::string_view bytes, std::string_view type) {
  constexpr std::string_view kHeader = "-----BEGIN PUBLIC KEY-----", kFooter = "-----END PUBLIC KEY-----";
  auto first = bytes.find_first_not_of(" \t\r\n");
  bool json = first != std::string_view::npos && bytes[first] == '{';
  if (type.empty()) type = json ? "" : "rsa";
  if (type == "rsa") {
    auto start = bytes.find(kHeader);
    auto end = start == std::string_view::npos ? start : bytes.find(kFooter, start);
    if (end == std::string_view::npos)
      return fail(Errc::malformed_pem, json ? "a JSON key given as rsa: rsa layout keys are PEM public keys (--key-types)"
                                            : "no \"-----BEGIN PUBLIC KEY-----\" PEM block");
    SslibKey k{"rsa", "rsassa-pss-sha256", std::string(bytes.substr(start, end + kFooter.size() - start)), std::string()};
    auto pub = SIGNY_TRY(PublicKey::from_pem(k.public_value));
    if (pub.algorithm() != KeyAlgorithm::rsa)
      return fail(Errc::unsupported_key_type, std::string("a PEM ") + std::string(algorithm_name(pub.algorithm())) +
                                                  " public key: in-toto reads ed25519 and ecdsa keys as JSON (.pub as in-toto-keygen writes it)");
    return k;
  }
  if (!type.empty() && type != "ed25519" && type != "ecdsa")
    return fail(Errc::usage, "unknown key type \"" + std::string(type.substr(0, 16)) + "\" (rsa, ed25519, ecdsa)");
  if (!json) return fail(Errc::malformed_key, "not a JSON key dict (in-toto reads " + std::string(type) + " public keys as JSON)");
  auto j = SIGNY_TRY(cjson::parse_strict(bytes, {1 << 20, 8}));
  auto k = SIGNY_TRY(SslibKey::from_json(j));
  std::string kt = k.keytype.rfind("ecdsa", 0) == 0 ? "ecdsa" : k.keytype;
  if (!type.empty() && kt != type)
    return fail(Errc::malformed_key, "a " + kt + " key given as " + std::string(type) + " (--key-types)");
  return k;
}

}  // namespace signy::crypto
