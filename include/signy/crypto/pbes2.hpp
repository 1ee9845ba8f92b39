// The password-based encryption signy accepts for private keys, checked before any key derivation
// so that a hostile file cannot make it spend minutes in PBKDF2 (docs/security/key-management.md).
#pragma once
#include <cstdint>
#include <span>

#include "signy/util/result.hpp"

namespace signy::crypto {

// PBKDF2 limits. Notary and `openssl pkcs8 -topk8 -v2 aes-256-cbc` write 2,048 iterations and an
// 8-byte salt (OpenSSL 3.2 and later: 16); securesystemslib writes 100,000. The cap bounds the
// derivation of a hostile file to about half a second of CPU (HMAC-SHA1, two blocks for AES-256).
// The fuzz build lowers it so that a fuzzer input cannot spend more than milliseconds.
constexpr std::int64_t kPbkdf2MinIterations = 1000;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
constexpr std::int64_t kPbkdf2MaxIterations = 4096;
#else
constexpr std::int64_t kPbkdf2MaxIterations = 1'000'000;
#endif
constexpr std::size_t kPbkdf2MinSalt = 8;
constexpr std::size_t kPbkdf2MaxSalt = 64;

// Checks the AlgorithmIdentifier of a DER PKCS#8 EncryptedPrivateKeyInfo (RFC 5958, RFC 8018):
// PBES2 with PBKDF2 (PRF HMAC-SHA1, the default, or HMAC-SHA256), an iteration count and salt
// within the limits above, any key length field equal to the cipher's, and AES-128/192/256-CBC
// with a 16-byte IV. Anything else (PBES1 and PKCS#12 schemes, scrypt, MD5 or other PRFs, other
// ciphers) is refused with one line naming what the file holds. Nothing is derived or decrypted.
Status check_pkcs8_encryption(std::span<const std::uint8_t> encrypted_private_key_info_der);

}  // namespace signy::crypto
