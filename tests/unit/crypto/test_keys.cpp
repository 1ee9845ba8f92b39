#include <catch2/catch.hpp>

#include "signy/crypto/digest.hpp"
#include "signy/crypto/keys.hpp"
#include "signy/crypto/notary_keys.hpp"
#include "signy/crypto/sslib.hpp"

using namespace signy;
using namespace signy::crypto;

namespace {
Bytes H(std::string_view hex) { return hex_decode(hex).value(); }
const Bytes kMsg = to_bytes("canonical bytes");
}  // namespace

TEST_CASE("Ed25519 matches RFC 8032 test vector 1") {
  auto k = PrivateKey::from_ed25519_seed(H("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")).value();
  CHECK(hex_encode(k.public_key().ed25519_raw()) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  auto sig = k.sign_ed25519({}).value();
  CHECK(hex_encode(sig) ==
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  CHECK(k.public_key().verify_ed25519({}, sig));
}

TEST_CASE("sign and verify round trips, and tampering is refused") {
  for (auto alg : {KeyAlgorithm::ecdsa_p256, KeyAlgorithm::ed25519, KeyAlgorithm::rsa}) {
    INFO(algorithm_name(alg));
    auto k = PrivateKey::generate(alg, 2048).value();
    auto nk = notary_public_key(k);
    auto s = notary_sign(k, nk.key_id(), kMsg).value();
    CHECK(notary_verify(nk, s.method, kMsg, s.sig));
    CHECK(notary_verify(nk, "ECDSA" == s.method ? "ecdsa" : s.method, kMsg, s.sig));
    auto tampered = kMsg;
    tampered[0] ^= 1;
    CHECK(notary_verify(nk, s.method, tampered, s.sig).error().code == Errc::bad_signature);
    auto bad = s.sig;
    bad.back() ^= 1;
    CHECK(notary_verify(nk, s.method, kMsg, bad).error().code == Errc::bad_signature);
    // The SPKI round-trips.
    auto again = PublicKey::from_spki_der(k.public_key().spki_der()).value();
    CHECK(again.spki_der() == k.public_key().spki_der());
  }
}

TEST_CASE("Notary signature encodings: ecdsa is raw r||s of 64 bytes, method must suit the key") {
  auto k = PrivateKey::generate(KeyAlgorithm::ecdsa_p256).value();
  auto s = notary_sign(k, "id", kMsg).value();
  CHECK(s.method == "ecdsa");
  CHECK(s.sig.size() == 64);
  auto nk = notary_public_key(k);
  Bytes short_sig(s.sig.begin(), s.sig.end() - 1);
  CHECK(notary_verify(nk, "ecdsa", kMsg, short_sig).error().code == Errc::bad_signature);
  CHECK(notary_verify(nk, "eddsa", kMsg, s.sig).error().code == Errc::unsupported_scheme);
  auto der = k.sign_ecdsa_sha256_der(kMsg).value();
  CHECK(k.public_key().verify_ecdsa_sha256_der(kMsg, der));
}

TEST_CASE("RSA-PSS: Notary insists on salt 32, securesystemslib accepts any") {
  auto k = PrivateKey::generate(KeyAlgorithm::rsa, 2048).value();
  auto sig = k.sign_rsa_pss_sha256(kMsg).value();
  CHECK(k.public_key().verify_rsa_pss_sha256(kMsg, sig, 32));
  CHECK(k.public_key().verify_rsa_pss_sha256(kMsg, sig, -1));
  CHECK(k.public_key().verify_rsa_pss_sha256(kMsg, sig, 20).error().code == Errc::bad_signature);
  CHECK(PrivateKey::generate(KeyAlgorithm::rsa, 1024).error().code == Errc::usage);
}

TEST_CASE("Notary key IDs: the documented vector, and x509 vs canonical IDs") {
  NotaryKey k{"ecdsa", {1, 2, 3}};
  CHECK(k.key_id() == "fae6e0d100cf452a3b7d1344ddadc26b24da7a99940501058541bdd55bc58252");
  CHECK(k.to_json().dump() == R"({"keytype":"ecdsa","keyval":{"private":null,"public":"AQID"}})");
  auto pk = PrivateKey::generate(KeyAlgorithm::ecdsa_p256).value();
  auto pem = make_root_certificate(pk, "example.com/org/app", 1700000000, 2000000000).value();
  CHECK(pem.ends_with("-----END CERTIFICATE-----\n"));
  auto cert = notary_certificate_key(pk, pem);
  CHECK(cert.keytype == "ecdsa-x509");
  CHECK(cert.key_id() != cert.canonical_key_id());
  CHECK(cert.canonical_key_id() == notary_public_key(pk).key_id());
  auto s = notary_sign(pk, cert.key_id(), kMsg).value();
  CHECK(notary_verify(cert, s.method, kMsg, s.sig));
}

TEST_CASE("root certificate rules") {
  auto pk = PrivateKey::generate(KeyAlgorithm::ecdsa_p256).value();
  const std::int64_t now = 1800000000;
  auto cert = notary_certificate_key(pk, make_root_certificate(pk, "example.com/org/app", now - 10, now + 1000).value());
  CHECK(check_root_certificate(cert, "example.com/org/app", now));
  CHECK(check_root_certificate(cert, "example.com/org/other", now).error().code == Errc::untrusted_key);
  CHECK(check_root_certificate(cert, "example.com/org/app", now + 2000).error().message.find("expired") != std::string::npos);
  auto future = notary_certificate_key(pk, make_root_certificate(pk, "g", now + 3 * 86400, now + 9 * 86400).value());
  CHECK(!check_root_certificate(future, "g", now));
  auto wild = notary_certificate_key(pk, make_root_certificate(pk, "example.com/*", now, now + 1000).value());
  CHECK(check_root_certificate(wild, "example.com/org/app", now));
  CHECK(!check_root_certificate(wild, "other.com/app", now));
  CHECK(check_root_certificate(notary_public_key(pk), "g", now).error().code == Errc::untrusted_key);
  CHECK(NotaryKey::from_json(cjson::parse_strict(R"({"keytype":"ed25519","keyval":{"private":"x","public":"AQID"}})").value())
            .error().code == Errc::malformed_key);
}

TEST_CASE("securesystemslib key IDs: the documented ed25519 vector and the ECDSA newline trap") {
  auto k = PrivateKey::from_ed25519_seed(H("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")).value();
  auto pub = sslib_public_key(k).value();
  CHECK(pub.keyid() == "01e8764eedab63b3593451765fc337b2cc6d2c66923845da255f448c19e2afc5");
  auto ec = PrivateKey::generate(KeyAlgorithm::ecdsa_p256).value();
  auto with_nl = sslib_public_key(ec, true).value();
  auto without = sslib_public_key(ec, false).value();
  CHECK(with_nl.public_value.ends_with("\n"));
  CHECK(with_nl.keyid() != without.keyid());
  auto rsa = PrivateKey::generate(KeyAlgorithm::rsa, 2048).value();
  CHECK(!sslib_public_key(rsa).value().public_value.ends_with("\n"));
}

TEST_CASE("securesystemslib signatures round trip and refuse bad input") {
  for (auto alg : {KeyAlgorithm::ecdsa_p256, KeyAlgorithm::ed25519, KeyAlgorithm::rsa}) {
    auto k = PrivateKey::generate(alg, 2048).value();
    auto pub = sslib_public_key(k).value();
    auto sig = sslib_sign(k, pub, kMsg).value();
    CHECK(sig["keyid"] == pub.keyid());
    CHECK(sslib_verify(pub, sig["sig"].get<std::string>(), kMsg));
    CHECK(sslib_verify(pub, "zz", kMsg).error().code == Errc::bad_signature);
    auto round = SslibKey::from_json(pub.to_json()).value();
    CHECK(round.keyid() == pub.keyid());
  }
  auto j = cjson::parse_strict(R"({"keytype":"ed25519","scheme":"ed25519-x","keyval":{"public":"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"}})").value();
  CHECK(SslibKey::from_json(j).error().code == Errc::unsupported_scheme);
  j["scheme"] = "ed25519";
  j["keyval"]["private"] = "00";
  CHECK(SslibKey::from_json(j).error().code == Errc::malformed_key);
  j["keytype"] = "dsa";
  j["keyval"].erase("private");
  CHECK(SslibKey::from_json(j).error().code == Errc::unsupported_key_type);
}

TEST_CASE("SHA-256/512 known answers and the streaming digest") {
  CHECK(hex_encode(sha256(as_bytes("abc"))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex_encode(sha512(as_bytes("abc"))).substr(0, 32) == "ddaf35a193617abacc417349ae204131");
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{(1u << 20) - 1}, std::size_t{(5u << 20) + 7}}) {
    Bytes data(size);
    for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>(i * 31 + 7);
    std::size_t off = 0;
    auto d = digest_stream([&](std::span<std::uint8_t> buf) -> Result<std::size_t> {
      std::size_t n = std::min(buf.size(), std::min<std::size_t>(size - off, 100000));  // short reads too
      std::copy_n(data.begin() + static_cast<long>(off), n, buf.begin());
      off += n;
      return n;
    }).value();
    CHECK(d.length == size);
    CHECK(d.sha256 == sha256(data));
    CHECK(d.sha512 == sha512(data));
  }
  int calls = 0;
  auto r = digest_stream([&](std::span<std::uint8_t> buf) -> Result<std::size_t> {
    if (++calls == 7) return fail(Errc::io_error, "disk on fire");
    return buf.size();
  });
  REQUIRE(!r);
  CHECK(r.error().message == "disk on fire");
}
