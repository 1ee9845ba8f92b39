// The one threshold counter (crypto/threshold.hpp), driven as in-toto will drive it: a layout's
// signatures against the layout keys, a step's links (one message each) against its
// functionaries, with securesystemslib key dicts and schemes (in_toto/verifylib.py
// verify_layout_signatures, verify_link_signature_thresholds). TUF's caller is
// tests/unit/tuf/test_threshold.cpp.
#include <catch2/catch.hpp>
#include <deque>
#include <map>

#include "signy/cjson/cjson.hpp"
#include "signy/crypto/notary_keys.hpp"
#include "signy/crypto/sslib.hpp"
#include "signy/crypto/threshold.hpp"
#include "testsupport.hpp"

using namespace signy;
using namespace signy::crypto;

namespace {

// Key dicts by key ID and the candidates they make (a layout's `keys`, or a step's `pubkeys`
// looked up in them). securesystemslib recomputes each ID from its dict.
struct KeyDicts {
  std::map<std::string, SslibKey> dicts;
  ThresholdKeys candidates;
  void add(const SslibKey& k) {
    dicts.emplace(k.keyid(), k);
    candidates.emplace(k.keyid(), k.public_key().value());
  }
  // securesystemslib verify_signature: the dict's scheme over the signed bytes, the sig in hex.
  SignatureCheck check(int* calls = nullptr) const {
    return [this, calls](std::string_view keyid, const PublicKey&, const ThresholdSignature& s) {
      if (calls) ++*calls;
      return sslib_verify(dicts.at(std::string(keyid)), as_chars(s.sig), s.message);
    };
  }
};

// Signatures and the bytes they cover, kept alive for the views in ThresholdSignature.
struct Offered {
  std::deque<std::string> storage;
  std::vector<ThresholdSignature> sigs;
  std::string_view keep(std::string s) { return storage.emplace_back(std::move(s)); }
  // Every signature of a metablock ({"signed", "signatures"}) over its canonical bytes.
  void metablock(const cjson::Json& mb) {
    auto message = keep(cjson::sslib_canonical(mb["signed"]).value());
    for (const auto& s : mb["signatures"])
      sigs.push_back({keep(s["keyid"].get<std::string>()), {}, as_bytes(keep(s["sig"].get<std::string>())), as_bytes(message)});
  }
  void sign(const PrivateKey& key, const SslibKey& pub, std::string_view message) {
    auto m = keep(std::string(message));
    auto s = sslib_sign(key, pub, as_bytes(m)).value();
    sigs.push_back({keep(s["keyid"].get<std::string>()), {}, as_bytes(keep(s["sig"].get<std::string>())), as_bytes(m)});
  }
};

// The public dict of one of in-toto-keygen's keys (fixtures/intoto/NAME).
SslibKey pub_fixture(const std::string& name) { return sslib_load_private(fixture("intoto/" + name), nullptr).value().pub; }

const std::string kLink = R"({"_type":"link","name":"build"})";

}  // namespace

TEST_CASE("threshold counter: in-toto's layout fixture counts its one layout key, and nothing once altered") {
  KeyDicts layout_keys;
  layout_keys.add(pub_fixture("rsa"));
  auto layout = cjson::parse_strict(fixture("intoto/root.layout")).value();
  Offered offered;
  offered.metablock(layout);
  auto n = count_threshold("layout root.layout", layout_keys.candidates, offered.sigs, 1, layout_keys.check());
  REQUIRE(n);
  CHECK(*n == 1);
  // The same signature over other bytes (one field changed) does not count.
  layout["signed"]["expires"] = "2099-01-01T00:00:00Z";
  Offered altered;
  altered.metablock(layout);
  auto st = count_threshold("layout root.layout", layout_keys.candidates, altered.sigs, 1, layout_keys.check());
  REQUIRE(!st);
  CHECK(st.error().code == Errc::threshold_not_met);
  CHECK(st.error().message == "layout root.layout: 0 valid signature(s) from its keys, threshold is 1");
}

TEST_CASE("threshold counter: a step's links, one message each, count one per functionary (in-toto-run's links)") {
  // The fixture layout's step "build" lists the three keys; in-toto-run made one link with each.
  auto layout = cjson::parse_strict(fixture("intoto/root.layout")).value();
  const auto& step = layout["signed"]["steps"][0];
  REQUIRE(step["name"] == "build");
  KeyDicts functionaries;
  for (const char* name : {"rsa", "ed25519", "ecdsa"}) functionaries.add(pub_fixture(name));
  for (const auto& id : step["pubkeys"]) REQUIRE(functionaries.candidates.contains(id.get<std::string>()));
  Offered links;
  for (const auto& [id, key] : functionaries.dicts)
    links.metablock(cjson::parse_strict(fixture("intoto/build." + id.substr(0, 8) + ".link")).value());
  REQUIRE(links.sigs.size() == 3);
  REQUIRE(links.sigs[0].message.data() != links.sigs[1].message.data());
  CHECK(count_threshold("step 'build'", functionaries.candidates, links.sigs, 3, functionaries.check()).value() == 3);

  SECTION("a link by a key the step does not list is not counted") {
    ThresholdKeys two = functionaries.candidates;
    two.erase(pub_fixture("ecdsa").keyid());
    auto st = count_threshold("step 'build'", two, links.sigs, 3, functionaries.check());
    REQUIRE(!st);
    CHECK(st.error().message == "step 'build': 2 valid signature(s) from its keys, threshold is 3");
    CHECK(count_threshold("step 'build'", two, links.sigs, 2, functionaries.check()).value() == 2);
  }
  SECTION("a tampered link is not counted") {
    auto link = cjson::parse_strict(fixture("intoto/build." + pub_fixture("ed25519").keyid().substr(0, 8) + ".link")).value();
    link["signed"]["products"]["out/main.c"]["sha256"] = std::string(64, '0');
    Offered tampered;
    tampered.metablock(link);
    for (auto& s : links.sigs)
      if (s.keyid == tampered.sigs[0].keyid) s = tampered.sigs[0];
    auto st = count_threshold("step 'build'", functionaries.candidates, links.sigs, 3, functionaries.check());
    REQUIRE(!st);
    CHECK(st.error().code == Errc::threshold_not_met);
    CHECK(st.error().message == "step 'build': 2 valid signature(s) from its keys, threshold is 3");
  }
  SECTION("the same link offered twice counts once") {
    Offered twice;
    auto link = cjson::parse_strict(fixture("intoto/build." + pub_fixture("rsa").keyid().substr(0, 8) + ".link")).value();
    twice.metablock(link);
    twice.metablock(link);
    REQUIRE(twice.sigs.size() == 2);
    auto st = count_threshold("step 'build'", functionaries.candidates, twice.sigs, 2, functionaries.check());
    REQUIRE(!st);
    CHECK(st.error().message == "step 'build': 1 valid signature(s) from its keys, threshold is 2");
  }
}

TEST_CASE("threshold counter: one key under two key IDs counts once (in-toto's own TODO in verifylib.py)") {
  // in-toto-keygen's ECDSA dict keeps the PEM's trailing newline, one imported from a PEM file does
  // not: two valid dicts, two key IDs, one key (fixtures/intoto/keyids.txt).
  auto k = PrivateKey::generate(KeyAlgorithm::ecdsa_p256).value();
  auto keygen = sslib_public_key(k, true).value();
  auto imported = sslib_public_key(k, false).value();
  REQUIRE(keygen.keyid() != imported.keyid());
  KeyDicts keys;
  keys.add(keygen);
  keys.add(imported);
  Offered offered;
  offered.sign(k, keygen, kLink);
  offered.sign(k, imported, kLink);
  // Each signature counts under its own ID, so only the counting refuses a threshold of 2.
  for (const auto& s : offered.sigs)
    CHECK(count_threshold("step 'build'", keys.candidates, std::span(&s, 1), 1, keys.check()).value() == 1);
  auto st = count_threshold("step 'build'", keys.candidates, offered.sigs, 2, keys.check());
  REQUIRE(!st);
  CHECK(st.error().message == "step 'build': 1 valid signature(s) from its keys, threshold is 2");
  // Control: a second key meets it.
  auto k2 = PrivateKey::generate(KeyAlgorithm::ed25519).value();
  auto pub2 = sslib_public_key(k2).value();
  keys.add(pub2);
  offered.sign(k2, pub2, kLink);
  CHECK(count_threshold("step 'build'", keys.candidates, offered.sigs, 2, keys.check()).value() == 2);
}

TEST_CASE("threshold counter: keys are told apart by their numbers, not their encoding") {
  auto k = PrivateKey::generate(KeyAlgorithm::ecdsa_p256).value();
  Bytes der = k.public_key().spki_der();  // 30 59 | 30 13 <ecPublicKey, prime256v1> | 03 42 00 04 x y
  REQUIRE(der.size() == 91);
  Bytes compressed(der.begin(), der.begin() + 59);  // SEC 1 2.3.3: 02|03 by the parity of y, then x
  compressed[1] = 0x39;
  compressed[24] = 0x22;
  compressed[26] = static_cast<std::uint8_t>(0x02 | (der[90] & 1));
  auto cert = PublicKey::from_pem(make_root_certificate(k, "g", 1700000000, 2000000000).value()).value();
  ThresholdKeys keys{{"plain", k.public_key()}, {"compressed", PublicKey::from_spki_der(compressed).value()}, {"cert", cert}};
  REQUIRE(keys.at("compressed").spki_der() != der);  // what the key ID of each form would hash differs
  auto msg = as_bytes(kLink);
  Bytes sig = k.sign_ecdsa_sha256_der(msg).value();
  auto check = [](std::string_view, const PublicKey& key, const ThresholdSignature& s) {
    return key.verify_ecdsa_sha256_der(s.message, s.sig);
  };
  std::vector<ThresholdSignature> sigs{{"plain", {}, sig, msg}, {"compressed", {}, sig, msg}, {"cert", {}, sig, msg}};
  for (const auto& s : sigs) CHECK(count_threshold("r", keys, std::span(&s, 1), 1, check).value() == 1);
  CHECK(count_threshold("r", keys, sigs, 1, check).value() == 1);
  CHECK(count_threshold("r", keys, sigs, 2, check).error().code == Errc::threshold_not_met);
  // RSA and Ed25519 keys too: each distinct key counts.
  auto rsa = PrivateKey::generate(KeyAlgorithm::rsa, 2048).value();
  auto ed = PrivateKey::generate(KeyAlgorithm::ed25519).value();
  keys.emplace("rsa", rsa.public_key());
  keys.emplace("rsa-again", PublicKey::from_pem(rsa.public_key().spki_pem()).value());
  keys.emplace("ed", ed.public_key());
  keys.emplace("ed-again", PublicKey::from_spki_der(ed.public_key().spki_der()).value());
  Bytes rsa_sig = rsa.sign_rsa_pss_sha256(msg).value(), ed_sig = ed.sign_ed25519(msg).value();
  auto any = [](std::string_view, const PublicKey& key, const ThresholdSignature& s) -> Status {
    switch (key.algorithm()) {
      case KeyAlgorithm::ecdsa_p256: return key.verify_ecdsa_sha256_der(s.message, s.sig);
      case KeyAlgorithm::rsa: return key.verify_rsa_pss_sha256(s.message, s.sig);
      case KeyAlgorithm::ed25519: return key.verify_ed25519(s.message, s.sig);
    }
    return fail(Errc::internal, "unknown algorithm");
  };
  sigs.push_back({"rsa", {}, rsa_sig, msg});
  sigs.push_back({"rsa-again", {}, rsa_sig, msg});
  sigs.push_back({"ed", {}, ed_sig, msg});
  sigs.push_back({"ed-again", {}, ed_sig, msg});
  CHECK(count_threshold("r", keys, sigs, 3, any).value() == 3);
  CHECK(count_threshold("r", keys, sigs, 4, any).error().message == "r: 3 valid signature(s) from its keys, threshold is 4");
}

TEST_CASE("threshold counter: unknown key IDs are ignored unchecked, bad signatures do not count, a counted key is not checked again") {
  auto k = PrivateKey::generate(KeyAlgorithm::ed25519).value();
  auto pub = sslib_public_key(k).value();
  KeyDicts keys;
  keys.add(pub);
  auto stranger = PrivateKey::generate(KeyAlgorithm::ed25519).value();
  auto stranger_pub = sslib_public_key(stranger).value();
  Offered offered;
  offered.sign(stranger, stranger_pub, kLink);  // a valid signature by a key nobody listed
  int calls = 0;
  auto st = count_threshold("layout", keys.candidates, offered.sigs, 1, keys.check(&calls));
  REQUIRE(!st);
  CHECK(st.error().message == "layout: 0 valid signature(s) from its keys, threshold is 1");
  CHECK(calls == 0);
  // Its bytes under a listed key ID: checked, and refused.
  offered.sigs.push_back(offered.sigs[0]);
  offered.sigs.back().keyid = offered.keep(pub.keyid());
  st = count_threshold("layout", keys.candidates, offered.sigs, 1, keys.check(&calls));
  CHECK(st.error().message == "layout: 0 valid signature(s) from its keys, threshold is 1");
  CHECK(calls == 1);
  // Not hex, empty, truncated: none counts, none is an error of its own.
  for (std::string bad : {std::string("zz"), std::string(), std::string(64, '0')}) {
    Offered b;
    b.sigs.push_back({b.keep(pub.keyid()), {}, as_bytes(b.keep(bad)), as_bytes(kLink)});
    CHECK(count_threshold("layout", keys.candidates, b.sigs, 1, keys.check()).error().code == Errc::threshold_not_met);
  }
  // The key's own signature, offered three times among the others: counted once, checked once.
  Offered good;
  for (int i = 0; i < 3; ++i) good.sign(k, pub, kLink);
  offered.sigs.insert(offered.sigs.end(), good.sigs.begin(), good.sigs.end());
  calls = 0;
  CHECK(count_threshold("layout", keys.candidates, offered.sigs, 1, keys.check(&calls)).value() == 1);
  CHECK(calls == 2);  // the refused one, then the first good one
}

TEST_CASE("threshold counter: a threshold below 1 is refused, whatever signed") {
  auto k = PrivateKey::generate(KeyAlgorithm::ed25519).value();
  auto pub = sslib_public_key(k).value();
  KeyDicts keys;
  keys.add(pub);
  Offered offered;
  offered.sign(k, pub, kLink);
  CHECK(count_threshold("step 'build'", keys.candidates, offered.sigs, 1, keys.check()).value() == 1);
  for (std::int64_t t : {std::int64_t{0}, std::int64_t{-1}, INT64_MIN}) {
    auto st = count_threshold("step 'build'", keys.candidates, offered.sigs, t, keys.check());
    REQUIRE(!st);
    CHECK(st.error().code == Errc::threshold_not_met);
    CHECK(st.error().message == "step 'build': threshold below 1");
  }
  // No candidates, no signatures: never a pass.
  CHECK(count_threshold("layout", ThresholdKeys{}, {}, 1, keys.check()).error().code == Errc::threshold_not_met);
  CHECK(count_threshold("layout", ThresholdKeys{}, {}, 0, keys.check()).error().code == Errc::threshold_not_met);
}
