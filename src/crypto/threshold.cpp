#include "signy/crypto/threshold.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <algorithm>
#include <set>

#include "ossl.hpp"

namespace signy::crypto {
namespace {

// What tells keys apart: the algorithm and the key's numbers, whatever encoding named them (a P-256
// point compressed or not, a certificate's key or the bare SPKI). Empty when it cannot be read:
// such a key never counts.
Bytes identity(const PublicKey& key) {
  Bytes out{static_cast<std::uint8_t>(key.algorithm())};
  auto append_bn = [&](const char* name, std::size_t width) {
    BIGNUM* bn = nullptr;
    bool ok = EVP_PKEY_get_bn_param(key.evp(), name, &bn) == 1 &&
              (width == 0 || static_cast<std::size_t>(BN_num_bytes(bn)) <= width);
    if (ok) {
      std::size_t n = width ? width : static_cast<std::size_t>(BN_num_bytes(bn));
      std::size_t at = out.size();
      out.resize(at + 4 + n);
      for (int i = 0; i < 4; ++i) out[at + i] = static_cast<std::uint8_t>(n >> (24 - 8 * i));  // length prefix
      ok = BN_bn2binpad(bn, out.data() + at + 4, static_cast<int>(n)) == static_cast<int>(n);
    }
    BN_free(bn);
    ossl::clear_errors();
    return ok;
  };
  switch (key.algorithm()) {
    case KeyAlgorithm::ed25519:
      if (key.ed25519_raw().size() != 32) return {};
      out.resize(1 + 32);
      std::copy(key.ed25519_raw().begin(), key.ed25519_raw().end(), out.begin() + 1);
      return out;
    case KeyAlgorithm::ecdsa_p256:
      if (!append_bn(OSSL_PKEY_PARAM_EC_PUB_X, 32) || !append_bn(OSSL_PKEY_PARAM_EC_PUB_Y, 32)) return {};
      return out;
    case KeyAlgorithm::rsa:
      if (!append_bn(OSSL_PKEY_PARAM_RSA_N, 0) || !append_bn(OSSL_PKEY_PARAM_RSA_E, 0)) return {};
      return out;
  }
  return {};
}

}  // namespace

Result<std::size_t> count_threshold(std::string_view who, const ThresholdKeys& keys,
                                    std::span<const ThresholdSignature> signatures, std::int64_t threshold,
                                    const SignatureCheck& check) {
  if (threshold < 1) return fail(Errc::threshold_not_met, std::string(who) + ": threshold below 1");
  std::set<Bytes> counted;  // identities of the keys that signed
  for (const auto& sig : signatures) {
    auto it = keys.find(sig.keyid);
    if (it == keys.end()) continue;
    auto id = identity(it->second);
    // A key already counted is not checked again: it cannot count twice.
    if (id.empty() || counted.contains(id)) continue;
    if (!check(it->first, it->second, sig)) continue;
    counted.insert(std::move(id));
  }
  if (static_cast<std::int64_t>(counted.size()) < threshold)
    return fail(Errc::threshold_not_met, std::string(who) + ": " + std::to_string(counted.size()) +
                                             " valid signature(s) from its keys, threshold is " +
                                             std::to_string(threshold));
  return counted.size();
}

}  // namespace signy::crypto
