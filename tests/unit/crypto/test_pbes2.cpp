// PKCS#8 encryption parameters and pairwise consistency, built with OpenSSL's own encoders (no
// derivation happens: the EncryptedPrivateKeyInfo carries random bytes as its ciphertext).
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "signy/crypto/keys.hpp"
#include "signy/crypto/pbes2.hpp"
#include "signy/crypto/sslib.hpp"

using namespace signy;
using namespace signy::crypto;

namespace {

// DER EncryptedPrivateKeyInfo of `alg` (owned) over 48 random bytes.
Bytes epki(X509_ALGOR* alg) {
  REQUIRE(alg != nullptr);
  X509_SIG* sig = X509_SIG_new();
  X509_ALGOR* a = nullptr;
  ASN1_OCTET_STRING* data = nullptr;
  X509_SIG_getm(sig, &a, &data);
  unsigned char ct[48];
  RAND_bytes(ct, sizeof ct);
  ASN1_OCTET_STRING_set(data, ct, sizeof ct);
  X509_ALGOR_set0(a, OBJ_dup(alg->algorithm), alg->parameter->type, alg->parameter->value.ptr);
  alg->parameter->value.ptr = nullptr;  // moved into a
  alg->parameter->type = V_ASN1_NULL;
  X509_ALGOR_free(alg);
  unsigned char* der = nullptr;
  int len = i2d_X509_SIG(sig, &der);
  X509_SIG_free(sig);
  REQUIRE(len > 0);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Bytes pbes2(const EVP_CIPHER* cipher, int iter, int salt_len, int prf = NID_hmacWithSHA1) {
  std::vector<unsigned char> salt(static_cast<std::size_t>(salt_len), 0x5a);
  unsigned char iv[16] = {1};
  return epki(PKCS5_pbe2_set_iv(cipher, iter, salt.data(), salt_len, iv, prf));
}

std::string refusal(const Bytes& der) {
  auto r = check_pkcs8_encryption(der);
  return r ? std::string("accepted") : r.error().message;
}

}  // namespace

TEST_CASE("PKCS#8 encryption: what Notary and openssl write is accepted") {
  CHECK(check_pkcs8_encryption(pbes2(EVP_aes_256_cbc(), 2048, 8)));                     // Notary, signy
  CHECK(check_pkcs8_encryption(pbes2(EVP_aes_256_cbc(), 2048, 8, NID_hmacWithSHA256)));  // openssl 3.0
  CHECK(check_pkcs8_encryption(pbes2(EVP_aes_128_cbc(), 10000, 16, NID_hmacWithSHA256)));
  CHECK(check_pkcs8_encryption(pbes2(EVP_aes_192_cbc(), 1000, 64)));
  CHECK(check_pkcs8_encryption(pbes2(EVP_aes_256_cbc(), static_cast<int>(kPbkdf2MaxIterations), 8)));
}

TEST_CASE("PKCS#8 encryption: schemes, PRFs, ciphers and limits outside the rules are refused by name") {
  CHECK(refusal(pbes2(EVP_aes_256_cbc(), 2000000000, 8)) ==
        "encrypted key: PBKDF2 iteration count 2000000000 is over the limit of " + std::to_string(kPbkdf2MaxIterations));
  CHECK(refusal(pbes2(EVP_aes_256_cbc(), static_cast<int>(kPbkdf2MaxIterations) + 1, 8)).find("over the limit") != std::string::npos);
  CHECK(refusal(pbes2(EVP_aes_256_cbc(), 999, 8)) == "encrypted key: PBKDF2 iteration count 999 is under the minimum of 1000");
  CHECK(refusal(pbes2(EVP_aes_256_cbc(), 1, 8)).find("iteration count 1 is under") != std::string::npos);
  CHECK(refusal(pbes2(EVP_aes_256_cbc(), 2048, 7)) == "encrypted key: PBKDF2 salt of 7 bytes is outside 8..64");
  CHECK(refusal(pbes2(EVP_aes_256_cbc(), 2048, 65)) == "encrypted key: PBKDF2 salt of 65 bytes is outside 8..64");
  CHECK(refusal(pbes2(EVP_aes_256_cbc(), 2048, 8, NID_hmacWithMD5)).find("PRF hmacWithMD5 is refused") != std::string::npos);
  CHECK(refusal(pbes2(EVP_aes_256_cbc(), 2048, 8, NID_hmacWithSHA512)).find("PRF hmacWithSHA512 is refused") != std::string::npos);
  CHECK(refusal(pbes2(EVP_des_ede3_cbc(), 2048, 8)).find("cipher des-ede3-cbc is refused") != std::string::npos);
  CHECK(refusal(pbes2(EVP_aes_256_ofb(), 2048, 8)).find("cipher aes-256-ofb is refused") != std::string::npos);
  unsigned char salt[8] = {0};
  CHECK(refusal(epki(PKCS5_pbe_set(NID_pbeWithMD5AndDES_CBC, 2048, salt, 8))).find("PBES1 (pbeWithMD5AndDES-CBC)") != std::string::npos);
  CHECK(refusal(epki(PKCS5_pbe_set(NID_pbe_WithSHA1And3_Key_TripleDES_CBC, 2048, salt, 8)))
            .find("PBES1 (pbeWithSHA1And3-KeyTripleDES-CBC)") != std::string::npos);
  unsigned char iv[16] = {0};
  CHECK(refusal(epki(PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), salt, 8, iv, 16384, 8, 1))).find("key derivation scrypt") !=
        std::string::npos);
  // A key length field that disagrees with the cipher (OpenSSL would derive, then fail).
  X509_ALGOR* kdf = PKCS5_pbkdf2_set(2048, salt, 8, NID_hmacWithSHA1, 16);
  X509_ALGOR* whole = PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), 2048, salt, 8, iv, NID_hmacWithSHA1);
  REQUIRE(kdf);
  REQUIRE(whole);
  PBE2PARAM* p = static_cast<PBE2PARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), whole->parameter));
  X509_ALGOR_free(p->keyfunc);
  p->keyfunc = kdf;
  ASN1_TYPE_pack_sequence(ASN1_ITEM_rptr(PBE2PARAM), p, &whole->parameter);
  PBE2PARAM_free(p);
  CHECK(refusal(epki(whole)) == "encrypted key: the PBKDF2 key length does not match the cipher");
  // Not DER at all, or with trailing bytes.
  CHECK(check_pkcs8_encryption(to_bytes("not der")).error().code == Errc::malformed_der);
  auto good = pbes2(EVP_aes_256_cbc(), 2048, 8);
  good.push_back(0);
  CHECK(check_pkcs8_encryption(good).error().code == Errc::malformed_der);
}

TEST_CASE("PKCS#8 encryption: an iteration bomb is refused without deriving anything") {
  auto bomb = pbes2(EVP_aes_256_cbc(), 0x7fffffff, 8);
  auto start = std::chrono::steady_clock::now();
  CHECK(!check_pkcs8_encryption(bomb));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(100));
}

namespace {
// An OpenSSL key of `type` made from the parameters of `priv_from`, with the public parameters
// named in `pub_names` taken from `pub_from` instead.
EVP_PKEY* spliced(EVP_PKEY* priv_from, EVP_PKEY* pub_from, const char* type, std::initializer_list<const char*> pub_names) {
  OSSL_PARAM* a = nullptr;
  OSSL_PARAM* b = nullptr;
  REQUIRE(EVP_PKEY_todata(priv_from, EVP_PKEY_KEYPAIR, &a) == 1);
  REQUIRE(EVP_PKEY_todata(pub_from, EVP_PKEY_PUBLIC_KEY, &b) == 1);
  std::vector<OSSL_PARAM> merged;
  for (OSSL_PARAM* p = a; p->key != nullptr; ++p) {
    const OSSL_PARAM* replaced = nullptr;
    for (const char* name : pub_names)
      if (std::string_view(p->key) == name) replaced = OSSL_PARAM_locate_const(b, name);
    merged.push_back(replaced ? *replaced : *p);
  }
  merged.push_back(OSSL_PARAM_construct_end());
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* out = nullptr;
  REQUIRE(EVP_PKEY_fromdata_init(ctx) == 1);
  REQUIRE(EVP_PKEY_fromdata(ctx, &out, EVP_PKEY_KEYPAIR, merged.data()) == 1);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(a);
  OSSL_PARAM_free(b);
  return out;
}
}  // namespace

TEST_CASE("pairwise consistency: a private key with another key's public half is refused") {
  auto a = PrivateKey::generate(KeyAlgorithm::ecdsa_p256).value();
  auto b = PrivateKey::generate(KeyAlgorithm::ecdsa_p256).value();
  CHECK(a.check_pairwise());
  auto bad_ec = PrivateKey::from_evp(spliced(a.evp(), b.evp(), "EC", {OSSL_PKEY_PARAM_PUB_KEY}));
  REQUIRE(!bad_ec);
  CHECK(bad_ec.error().code == Errc::malformed_key);
  CHECK(bad_ec.error().message == "the private key does not match its public key (pairwise consistency check)");
  auto ra = PrivateKey::generate(KeyAlgorithm::rsa, 2048).value();
  auto rb = PrivateKey::generate(KeyAlgorithm::rsa, 2048).value();
  CHECK(ra.check_pairwise());
  auto bad_rsa = PrivateKey::from_evp(spliced(ra.evp(), rb.evp(), "RSA", {OSSL_PKEY_PARAM_RSA_N}));
  REQUIRE(!bad_rsa);
  CHECK(bad_rsa.error().code == Errc::malformed_key);
  CHECK(PrivateKey::generate(KeyAlgorithm::ed25519).value().check_pairwise());
}

TEST_CASE("securesystemslib keys: the same caps before any derivation (encrypted PKCS#8 PEM and encrypted JSON)") {
  SecretString pw(std::string("password"));
  auto start = std::chrono::steady_clock::now();
  std::string pem = "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + base64_encode(pbes2(EVP_aes_256_cbc(), 0x7fffffff, 8)) +
                    "\n-----END ENCRYPTED PRIVATE KEY-----\n";
  auto e = sslib_load_private(pem, &pw).error();
  CHECK(e.message.find("iteration count 2147483647 is over the limit") != std::string::npos);
  // salt@@@@iterations@@@@hmac@@@@iv@@@@ciphertext, with twice the cap.
  std::string json = std::string(16, 'a') + "@@@@" + std::to_string(2 * kPbkdf2MaxIterations) + "@@@@" + std::string(64, 'b') +
                     "@@@@" + std::string(32, 'c') + "@@@@" + std::string(32, 'd');
  CHECK(sslib_load_private(json, &pw).error().message == "encrypted key has a bad iteration count");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(200));
}

namespace {
// An RSA "private key" of `bits` bits that costs a full exponentiation to use: a random odd modulus
// and exponent with fake CRT values (p = 3, q = 5), which make OpenSSL's CRT result fail its own
// check and fall back to d-exponentiation (review finding: 32768 bits took 9 s in the pairwise
// check, and the 64 KiB key-file cap allows about 190,000 bits).
EVP_PKEY* rsa_size_bomb(int bits) {
  BIGNUM* n = BN_new();
  BIGNUM* d = BN_new();
  REQUIRE(BN_rand(n, bits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD) == 1);
  REQUIRE(BN_rand(d, bits - 1, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) == 1);
  BIGNUM* e = BN_new();
  BIGNUM* p = BN_new();
  BIGNUM* q = BN_new();
  BIGNUM* one = BN_new();
  BN_set_word(e, 65537);
  BN_set_word(p, 3);
  BN_set_word(q, 5);
  BN_set_word(one, 1);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, one);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, one);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, one);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* out = nullptr;
  REQUIRE(EVP_PKEY_fromdata_init(ctx) == 1);
  REQUIRE(EVP_PKEY_fromdata(ctx, &out, EVP_PKEY_KEYPAIR, params) == 1);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  for (BIGNUM* b : {n, d, e, p, q, one}) BN_free(b);
  return out;
}
}  // namespace

TEST_CASE("RSA keys over 8192 bits are refused before any use (a huge modulus is a decryption bomb)") {
  auto start = std::chrono::steady_clock::now();
  auto bomb = PrivateKey::from_evp(rsa_size_bomb(32768));
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(!bomb);
  CHECK(bomb.error().code == Errc::unsupported_key_type);
  CHECK(bomb.error().message == "RSA keys longer than 8192 bits are refused (this one has 32768)");
  CHECK(took < std::chrono::seconds(1));
  // The largest size signy itself generates is still accepted.
  auto big = PrivateKey::generate(KeyAlgorithm::rsa, 2048).value();
  CHECK(big.check_pairwise());
}
