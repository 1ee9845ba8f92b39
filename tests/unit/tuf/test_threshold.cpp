// The one threshold counter, tuf::verify_threshold (TUF 5.x "verify signatures"; notary
// tuf/signed/verify.go): which signatures count. Each case is checked over the canonical bytes
// and, where the key type allows it, over their SHA-256 only (the large-targets path).
#include <catch2/catch.hpp>

#include "signy/tuf/metadata.hpp"
#include "signy/tuf/trusted_set.hpp"
#include "simulator.hpp"

using namespace signy;
using namespace signy::tuf;

namespace {

const std::string kCanonical = R"({"_type":"Timestamp","version":1})";

Signature sign_as(const crypto::PrivateKey& key, const std::string& keyid) {
  auto s = crypto::notary_sign(key, keyid, as_bytes(kCanonical)).value();
  return Signature{s.keyid, s.method, std::move(s.sig)};
}

// verify_threshold over the bytes, and over their digest (ECDSA and RSA keys only).
std::vector<Status> verify_both(const std::vector<Signature>& sigs, const std::map<std::string, crypto::NotaryKey>& keys,
                                const RoleKeys& role) {
  auto digest = crypto::sha256(as_bytes(kCanonical));
  return {verify_threshold("r", kCanonical, sigs, keys, role),
          verify_threshold("r", std::string_view(), sigs, keys, role, &digest)};
}

}  // namespace

TEST_CASE("threshold: a key stored under an ID that is not its own does not count (notary ErrInvalidKeyID)") {
  auto k = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256).value();
  auto pub = crypto::notary_public_key(k);
  const std::string own = pub.key_id();
  // Control: under its own ID the signature counts, on both paths.
  for (auto& st : verify_both({sign_as(k, own)}, {{own, pub}}, RoleKeys{{own}, 1})) CHECK(st);
  // The same key and a valid signature, but listed (and signed) under another ID: refused.
  const std::string other(64, 'a');
  for (auto& st : verify_both({sign_as(k, other)}, {{other, pub}}, RoleKeys{{other}, 1})) {
    REQUIRE(!st);
    CHECK(st.error().code == Errc::threshold_not_met);
    CHECK(st.error().message.find("0 valid signature(s)") != std::string::npos);
  }
  // Another real key's ID: an attacker's key filed under a trusted key's ID does not count.
  auto trusted = crypto::notary_public_key(crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256).value());
  const std::string tid = trusted.key_id();
  for (auto& st : verify_both({sign_as(k, tid)}, {{tid, pub}}, RoleKeys{{tid}, 1}))
    CHECK(st.error().code == Errc::threshold_not_met);
}

TEST_CASE("threshold: one ECDSA key listed twice (certificate ID and bare ID) counts once") {
  auto k = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256).value();
  auto cert = crypto::notary_certificate_key(k, crypto::make_root_certificate(k, "g", 1700000000, 2000000000).value());
  auto bare = crypto::notary_public_key(k);
  REQUIRE(cert.key_id() != bare.key_id());
  REQUIRE(cert.canonical_key_id() == bare.key_id());
  std::map<std::string, crypto::NotaryKey> keys{{cert.key_id(), cert}, {bare.key_id(), bare}};
  RoleKeys role{{cert.key_id(), bare.key_id()}, 2};
  std::vector<Signature> sigs{sign_as(k, cert.key_id()), sign_as(k, bare.key_id())};
  // Each signature alone verifies under its ID (threshold 1), so only the counting refuses them.
  for (const auto& s : sigs)
    for (auto& st : verify_both({s}, keys, RoleKeys{role.keyids, 1})) CHECK(st);
  for (auto& st : verify_both(sigs, keys, role)) {
    REQUIRE(!st);
    CHECK(st.error().code == Errc::threshold_not_met);
    CHECK(st.error().message.find("1 valid signature(s) from its keys, threshold is 2") != std::string::npos);
  }
  // Control: a second, distinct key meets the threshold of 2.
  auto k2 = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256).value();
  auto pub2 = crypto::notary_public_key(k2);
  keys.emplace(pub2.key_id(), pub2);
  RoleKeys role2{{cert.key_id(), bare.key_id(), pub2.key_id()}, 2};
  for (auto& st : verify_both({sigs[0], sign_as(k2, pub2.key_id())}, keys, role2)) CHECK(st);
}

TEST_CASE("threshold: a timestamp role listing one ECDSA key under both IDs is refused by the trusted set") {
  testsim::Simulator sim;
  auto k = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256).value();
  auto cert = crypto::notary_certificate_key(k, crypto::make_root_certificate(k, "g", 1700000000, 2000000000).value());
  auto bare = crypto::notary_public_key(k);
  sim.keys["timestamp"].clear();
  sim.keys["timestamp"].push_back(testsim::SimKey{k, cert, cert.key_id()});
  sim.keys["timestamp"].push_back(testsim::SimKey{k, bare, bare.key_id()});
  sim.root.keys.emplace(cert.key_id(), cert);
  sim.root.keys.emplace(bare.key_id(), bare);
  sim.root.roles["timestamp"] = RoleKeys{{cert.key_id(), bare.key_id()}, 2};
  sim.sign_root();
  sim.publish();  // the timestamp carries a signature under each ID
  REQUIRE(cjson::parse_strict(sim.timestamp_bytes).value()["signatures"].size() == 2);
  auto set = TrustedSet::create(sim.root_bytes, sim.now).value();
  auto st = set.update_timestamp(sim.timestamp_bytes);
  REQUIRE(!st);
  CHECK(st.error().code == Errc::threshold_not_met);
  CHECK(set.timestamp() == nullptr);
}

namespace {
// The SPKI of a P-256 key with its point compressed (SEC 1 2.3.3: 02|03 by the parity of y, then x),
// which OpenSSL parses as the same key as the uncompressed form signy and Notary write.
Bytes compressed_p256_spki(const crypto::PublicKey& key) {
  Bytes der = key.spki_der();  // 30 59 | 30 13 <ecPublicKey, prime256v1> | 03 42 00 04 x y
  REQUIRE(der.size() == 91);
  Bytes out(der.begin(), der.begin() + 59);  // up to the end of x
  out[1] = 0x39;                             // SEQUENCE length
  out[24] = 0x22;                            // BIT STRING length
  out[26] = static_cast<std::uint8_t>(0x02 | (der[90] & 1));
  return out;
}
}  // namespace

TEST_CASE("threshold: one P-256 key listed with its point compressed and uncompressed counts once") {
  auto k = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256).value();
  auto plain = crypto::notary_public_key(k);
  crypto::NotaryKey compressed{"ecdsa", compressed_p256_spki(k.public_key())};
  REQUIRE(compressed.key_id() != plain.key_id());
  std::map<std::string, crypto::NotaryKey> keys{{plain.key_id(), plain}, {compressed.key_id(), compressed}};
  std::vector<Signature> sigs{sign_as(k, plain.key_id()), sign_as(k, compressed.key_id())};
  // Each form is a valid key, and each signature verifies under its own ID.
  for (const auto& s : sigs)
    for (auto& st : verify_both({s}, keys, RoleKeys{{plain.key_id(), compressed.key_id()}, 1})) CHECK(st);
  for (auto& st : verify_both(sigs, keys, RoleKeys{{plain.key_id(), compressed.key_id()}, 2})) {
    REQUIRE(!st);
    CHECK(st.error().code == Errc::threshold_not_met);
    CHECK(st.error().message.find("1 valid signature(s) from its keys, threshold is 2") != std::string::npos);
  }
}
