// The one threshold counter. TUF's role thresholds (TUF 5.x "verify signatures"; notary
// tuf/signed/verify.go) and in-toto's (a layout's signatures against the layout keys; a step's
// links against its functionaries: in_toto/verifylib.py verify_link_signature_thresholds) count
// alike: signatures whose key ID names a candidate key and whose bytes verify under it, each
// distinct public key once. The wire formats stay with the callers: which IDs are candidates (the
// key-ID rule, the role's or step's key list), which scheme a signature is checked with and over
// which bytes.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "signy/crypto/keys.hpp"
#include "signy/util/result.hpp"

namespace signy::crypto {

// Key ID -> public key (an x509 entry: its certificate's key). The caller lists only IDs its
// format trusts: those of the role or step, each the hash of its key's form (notary
// ErrInvalidKeyID; securesystemslib key IDs are recomputed from the key dict).
using ThresholdKeys = std::map<std::string, PublicKey, std::less<>>;

// A signature offered toward a threshold.
struct ThresholdSignature {
  std::string_view keyid;                 // the key it names
  std::string_view method;                // its scheme when the signature names one (Notary's "method"); empty for in-toto
  std::span<const std::uint8_t> sig;      // as its format carries it (Notary: raw bytes; securesystemslib: hex text)
  std::span<const std::uint8_t> message;  // what it covers: one document for all (a role, a layout), or one link each
};

// Whether `sig` verifies under the candidate its key ID names: the format's scheme over the
// format's bytes. Any failure means "does not count".
using SignatureCheck = std::function<Status(std::string_view keyid, const PublicKey& key, const ThresholdSignature& sig)>;

// Counts the distinct public keys among `keys` that signed: a signature naming no candidate is
// ignored, one that does not verify does not count, and a key counts once however many IDs name it
// (a certificate and its bare key; two key dicts of one key; one EC point compressed and not) and
// however often its signature is offered. Returns how many keys signed; Errc::threshold_not_met
// naming `who` when fewer than `threshold` did, or when threshold < 1 (nothing is trusted on no
// signature).
Result<std::size_t> count_threshold(std::string_view who, const ThresholdKeys& keys,
                                    std::span<const ThresholdSignature> signatures, std::int64_t threshold,
                                    const SignatureCheck& check);

}  // namespace signy::crypto
