// PKCS#8 EncryptedPrivateKeyInfo parameters (RFC 8018 A.2 PBKDF2-params, A.4 PBES2-params).
#include "signy/crypto/pbes2.hpp"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "ossl.hpp"

namespace signy::crypto {
namespace {

using Sig = std::unique_ptr<X509_SIG, ossl::Deleter<X509_SIG, X509_SIG_free>>;
using Pbe2 = std::unique_ptr<PBE2PARAM, ossl::Deleter<PBE2PARAM, PBE2PARAM_free>>;
using Pbkdf2 = std::unique_ptr<PBKDF2PARAM, ossl::Deleter<PBKDF2PARAM, PBKDF2PARAM_free>>;

// The OID's name from OpenSSL's table, or its dotted form.
std::string oid_name(const ASN1_OBJECT* oid) {
  char buf[80] = {0};
  OBJ_obj2txt(buf, sizeof buf, oid, 0);
  return buf;
}

Status refuse(std::string what) { return fail(Errc::unsupported_scheme, "encrypted key: " + what); }
Status malformed(std::string what) { return fail(Errc::malformed_key, "encrypted key: " + what); }

}  // namespace

Status check_pkcs8_encryption(std::span<const std::uint8_t> der) {
  const unsigned char* p = der.data();
  Sig sig(d2i_X509_SIG(nullptr, &p, static_cast<long>(der.size())));
  ossl::clear_errors();
  if (!sig || p != der.data() + der.size()) return fail(Errc::malformed_der, "encrypted key DER cannot be parsed");
  const X509_ALGOR* alg = nullptr;
  const ASN1_OCTET_STRING* data = nullptr;
  X509_SIG_get0(sig.get(), &alg, &data);
  int scheme = OBJ_obj2nid(alg->algorithm);
  if (scheme != NID_pbes2) {
    // PKCS#5 v1.5 (PBES1: DES, RC2 with MD2/MD5/SHA-1) and PKCS#12 (3DES, RC2, RC4) schemes.
    if (EVP_PBE_find(EVP_PBE_TYPE_OUTER, scheme, nullptr, nullptr, nullptr) == 1)
      return refuse("PBES1 (" + oid_name(alg->algorithm) + ") is refused: only PBES2 with PBKDF2 and AES-CBC (re-encrypt with openssl pkcs8 -topk8 -v2 aes-256-cbc)");
    return refuse("encryption scheme " + oid_name(alg->algorithm) + " is refused: only PBES2 with PBKDF2 and AES-CBC");
  }
  Pbe2 pbe2(alg->parameter ? static_cast<PBE2PARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter)) : nullptr);
  ossl::clear_errors();
  if (!pbe2 || !pbe2->keyfunc || !pbe2->encryption) return malformed("PBES2 parameters cannot be parsed");
  if (OBJ_obj2nid(pbe2->keyfunc->algorithm) != NID_id_pbkdf2)
    return refuse("key derivation " + oid_name(pbe2->keyfunc->algorithm) + " is refused: only PBKDF2");
  int key_len = 0;
  switch (OBJ_obj2nid(pbe2->encryption->algorithm)) {
    case NID_aes_128_cbc: key_len = 16; break;
    case NID_aes_192_cbc: key_len = 24; break;
    case NID_aes_256_cbc: key_len = 32; break;
    default: return refuse("cipher " + oid_name(pbe2->encryption->algorithm) + " is refused: only AES-128/192/256-CBC");
  }
  const ASN1_TYPE* iv = pbe2->encryption->parameter;
  if (!iv || iv->type != V_ASN1_OCTET_STRING || ASN1_STRING_length(iv->value.octet_string) != 16)
    return malformed("the AES-CBC IV is not a 16-byte OCTET STRING");
  Pbkdf2 kdf(pbe2->keyfunc->parameter
                 ? static_cast<PBKDF2PARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter))
                 : nullptr);
  ossl::clear_errors();
  if (!kdf || !kdf->salt || !kdf->iter) return malformed("PBKDF2 parameters cannot be parsed");
  if (kdf->prf) {
    int prf = OBJ_obj2nid(kdf->prf->algorithm);
    if (prf != NID_hmacWithSHA1 && prf != NID_hmacWithSHA256)
      return refuse("PBKDF2 PRF " + oid_name(kdf->prf->algorithm) + " is refused: only hmacWithSHA1 or hmacWithSHA256");
    if (kdf->prf->parameter && kdf->prf->parameter->type != V_ASN1_NULL) return malformed("PBKDF2 PRF parameters must be NULL");
  }
  if (kdf->salt->type != V_ASN1_OCTET_STRING) return malformed("the PBKDF2 salt is not an OCTET STRING");
  auto salt_len = static_cast<std::size_t>(ASN1_STRING_length(kdf->salt->value.octet_string));
  if (salt_len < kPbkdf2MinSalt || salt_len > kPbkdf2MaxSalt)
    return malformed("PBKDF2 salt of " + std::to_string(salt_len) + " bytes is outside " + std::to_string(kPbkdf2MinSalt) + ".." +
                     std::to_string(kPbkdf2MaxSalt));
  std::int64_t iter = 0;
  if (ASN1_INTEGER_get_int64(&iter, kdf->iter) != 1) {
    ossl::clear_errors();
    return malformed("PBKDF2 iteration count is not a 64-bit integer");
  }
  if (iter > kPbkdf2MaxIterations)
    return malformed("PBKDF2 iteration count " + std::to_string(iter) + " is over the limit of " + std::to_string(kPbkdf2MaxIterations));
  if (iter < kPbkdf2MinIterations)
    return malformed("PBKDF2 iteration count " + std::to_string(iter) + " is under the minimum of " + std::to_string(kPbkdf2MinIterations));
  if (kdf->keylength) {
    std::int64_t kl = 0;
    if (ASN1_INTEGER_get_int64(&kl, kdf->keylength) != 1 || kl != key_len) {
      ossl::clear_errors();
      return malformed("the PBKDF2 key length does not match the cipher");
    }
  }
  return {};
}

}  // namespace signy::crypto
