// Signing and verifying metablocks with signy: the signature in-toto makes, on the bytes it signs.
#include <catch2/catch.hpp>
#include <map>
#include <sstream>

#include "signy/intoto/metadata.hpp"
#include "signy/util/text.hpp"
#include "testsupport.hpp"

using namespace signy;
using namespace signy::intoto;
using Json = cjson::Json;

namespace {

std::map<std::string, std::string> keyids() {
  std::map<std::string, std::string> m;
  std::istringstream in(fixture("intoto/keyids.txt"));
  for (std::string name, id; in >> name >> id;) m[name] = id;
  return m;
}

struct Signer {
  crypto::PrivateKey key;
  crypto::SslibKey pub;
};

Signer generate(crypto::KeyAlgorithm alg) {
  auto key = crypto::PrivateKey::generate(alg, 2048).value();
  auto pub = crypto::sslib_public_key(key).value();
  return {std::move(key), std::move(pub)};
}

}  // namespace

TEST_CASE("Ed25519 is deterministic: signy's signature of a parsed link is in-toto-run's, byte for byte") {
  auto ids = keyids();
  auto original = parse_link(fixture("intoto/build-ed25519.link")).value();
  auto priv = crypto::sslib_load_private(fixture("intoto/ed25519"), nullptr).value();
  auto mb = original;
  mb.signatures.clear();
  REQUIRE(sign(mb, priv));
  REQUIRE(mb.signatures.size() == 1);
  CHECK(mb.signatures[0].keyid == ids.at("ed25519"));
  CHECK(mb.signatures[0].sig == original.signatures[0].sig);
  CHECK(dump(mb).value() == fixture("intoto/build-ed25519.link"));
}

TEST_CASE("a layout signed by signy with each scheme round-trips and verifies") {
  auto mb = parse_layout(fixture("intoto/root.layout")).value();
  std::vector<Signer> signers;
  for (auto alg : {crypto::KeyAlgorithm::ed25519, crypto::KeyAlgorithm::ecdsa_p256, crypto::KeyAlgorithm::rsa})
    signers.push_back(generate(alg));
  // The functionaries become signy's keys too, in the dict form in-toto's import functions give.
  mb.signed_.keys.clear();
  mb.signed_.steps[0].pubkeys.clear();
  for (const auto& s : signers) {
    auto k = LayoutKey::from(s.pub);
    mb.signed_.steps[0].pubkeys.push_back(s.pub.keyid());
    mb.signed_.keys.emplace(s.pub.keyid(), std::move(k));
  }
  mb.signed_.expires = "2030-06-01T12:00:00Z";
  mb.signed_.expires_at = parse_expires(mb.signed_.expires).value();
  mb.signatures.clear();
  for (const auto& s : signers) REQUIRE(sign(mb, s.key, s.pub));
  REQUIRE(mb.signatures.size() == 3);

  auto text = dump(mb).value();
  auto back = parse_layout(text);
  REQUIRE(back);
  CHECK(dump(*back).value() == text);
  CHECK(canonical_bytes(back->signed_).value() == canonical_bytes(mb.signed_).value());
  CHECK(back->signed_.expires_at == std::chrono::sys_days{std::chrono::year{2030} / 6 / 1} + std::chrono::hours{12});
  for (const auto& s : signers) {
    INFO(s.pub.keytype);
    CHECK(verify_signature(*back, s.pub, s.pub.keyid()));
    CHECK(verify_signature(*back, back->signed_.keys.at(s.pub.keyid())));
  }
  // The canonical bytes are securesystemslib's encoding of the file's `signed` object.
  auto raw = cjson::parse_strict(text).value();
  CHECK(canonical_bytes(back->signed_).value() == cjson::sslib_canonical(raw["signed"]).value());
  // Every field the reference emits is there.
  const auto& sj = raw["signed"];
  for (const char* f : {"_type", "expires", "readme", "keys", "steps", "inspect"}) CHECK(sj.contains(f));
  for (const char* f : {"_type", "name", "expected_materials", "expected_products", "pubkeys", "expected_command", "threshold"})
    CHECK(sj["steps"][0].contains(f));
  for (const char* f : {"keyid", "keyid_hash_algorithms", "keytype", "keyval", "scheme"})
    CHECK(sj["keys"][signers[0].pub.keyid()].contains(f));
}

TEST_CASE("sign replaces the signature by the same key ID and keeps the others") {
  auto mb = parse_link(fixture("intoto/build-ecdsa.link")).value();
  auto a = generate(crypto::KeyAlgorithm::ecdsa_p256);
  auto b = generate(crypto::KeyAlgorithm::ed25519);
  auto original = mb.signatures[0];
  REQUIRE(sign(mb, a.key, a.pub));
  REQUIRE(sign(mb, b.key, b.pub));
  REQUIRE(mb.signatures.size() == 3);
  auto first_a = mb.signatures[1].sig;
  mb.signed_.command.push_back("--again");
  REQUIRE(sign(mb, a.key, a.pub));
  REQUIRE(mb.signatures.size() == 3);
  CHECK(mb.signatures[0].keyid == original.keyid);
  CHECK(mb.signatures[1].keyid == a.pub.keyid());
  CHECK(mb.signatures[1].sig != first_a);
  CHECK(verify_signature(mb, a.pub, a.pub.keyid()));
  // b signed before the change: its signature no longer verifies; nor does the reference's.
  CHECK(verify_signature(mb, b.pub, b.pub.keyid()).error().code == Errc::bad_signature);
  // Duplicates of a key ID collapse to the new signature (only the first would ever be read).
  mb.signatures.push_back(mb.signatures[2]);
  REQUIRE(sign(mb, b.key, b.pub));
  CHECK(mb.signatures.size() == 3);
  CHECK(verify_signature(mb, b.pub, b.pub.keyid()));
}

TEST_CASE("sign refuses a private key that is not the public key's, leaving the signatures alone") {
  auto mb = parse_link(fixture("intoto/build-rsa.link")).value();
  auto a = generate(crypto::KeyAlgorithm::ed25519);
  auto b = generate(crypto::KeyAlgorithm::ed25519);
  auto before = mb.signatures.size();
  auto r = sign(mb, a.key, b.pub);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::crypto_failure);
  CHECK(mb.signatures.size() == before);
}

TEST_CASE("verification reads only the first signature by the key ID, as the reference does") {
  auto signer = generate(crypto::KeyAlgorithm::ed25519);
  auto mb = parse_link(fixture("intoto/build-ed25519.link")).value();
  mb.signatures.clear();
  REQUIRE(sign(mb, signer.key, signer.pub));
  auto good = mb.signatures[0];
  auto bad = good;
  bad.sig[0] = bad.sig[0] == '0' ? '1' : '0';
  mb.signatures = {bad, good};
  auto e = verify_signature(mb, signer.pub, signer.pub.keyid()).error();
  CHECK(e.code == Errc::bad_signature);
  CHECK(e.message.find("invalid signature by key") == 0);
  mb.signatures = {good, bad};
  CHECK(verify_signature(mb, signer.pub, signer.pub.keyid()));
  // Key IDs compare exactly: an uppercase copy is no signature by that key.
  auto upper = good;
  for (auto& c : upper.keyid) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  mb.signatures = {upper};
  CHECK(verify_signature(mb, signer.pub, signer.pub.keyid()).error().message.find("no signature by key") == 0);
  // The signature hex may be uppercase (decoded case-insensitively).
  auto upper_sig = good;
  for (auto& c : upper_sig.sig) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  mb.signatures = {upper_sig};
  CHECK(verify_signature(mb, signer.pub, signer.pub.keyid()));
  // Undecodable signatures are a different error (the reference raises instead of skipping).
  auto odd = good;
  odd.sig.pop_back();
  mb.signatures = {odd};
  CHECK(verify_signature(mb, signer.pub, signer.pub.keyid()).error().code == Errc::bad_encoding);
  auto short_sig = good;
  short_sig.sig.resize(126);
  mb.signatures = {short_sig};
  CHECK(verify_signature(mb, signer.pub, signer.pub.keyid()).error().code == Errc::bad_encoding);
  // A layout key dict without "keyid" cannot select a signature.
  auto k = LayoutKey::from(signer.pub);
  k.keyid.reset();
  mb.signatures = {good};
  CHECK(verify_signature(mb, k).error().code == Errc::malformed_key);
}

TEST_CASE("a model built by hand: names that are not UTF-8 cannot be signed or written (nor can Python encode them)") {
  auto s = generate(crypto::KeyAlgorithm::ed25519);
  for (const char* name : {"a\xff", "\xc3", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80", "\xe0\x80\xaf"}) {
    INFO(escape_control(name));
    LinkMetablock mb;
    mb.signed_.name = "x";
    mb.signed_.products[name] = {{"sha256", "00"}};
    CHECK(canonical_bytes(mb.signed_).error().code == Errc::unsupported_value);
    CHECK(dump(mb).error().code == Errc::unsupported_value);
    CHECK(!sign(mb, s.key, s.pub));
    mb.signed_.products.clear();
    mb.signed_.command = {name};
    CHECK(canonical_bytes(mb.signed_).error().code == Errc::unsupported_value);
  }
  LinkMetablock mb;
  mb.signed_.name = "\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbf\x7f";
  CHECK(canonical_bytes(mb.signed_));
  CHECK(sign(mb, s.key, s.pub));
  CHECK(parse_link(dump(mb).value()).value().signed_.name == mb.signed_.name);
}

TEST_CASE("a model built by hand: floats in opaque values cannot be signed") {
  LinkMetablock mb;
  mb.signed_.name = "x";
  mb.signed_.byproducts = Json{{"return-value", 1.5}};
  auto s = generate(crypto::KeyAlgorithm::ed25519);
  CHECK(!canonical_bytes(mb.signed_));
  CHECK(!sign(mb, s.key, s.pub));
  CHECK(mb.signatures.empty());
  mb.signed_.byproducts = Json{{"return-value", 0}, {"stderr", ""}, {"stdout", "hi\n"}};
  CHECK(sign(mb, s.key, s.pub));
  CHECK(link_file_name("build", s.pub.keyid()) == "build." + s.pub.keyid().substr(0, 8) + ".link");
}

TEST_CASE("a link's canonical bytes are those of its JSON form, written directly") {
  auto same = [](const Link& l) {
    auto direct = canonical_bytes(l).value();
    CHECK(direct == cjson::sslib_canonical(to_json(l)).value());
  };
  same(Link{});
  Link l;
  l.name = "st\"ep\\ \xc3\xa9\x01\n";
  l.command = {"sh", "-c", "echo \"$x\" \\ \t", ""};
  l.materials = {{"a", {{"sha256", "00"}, {"sha512", "ff"}}}, {"b\"q\\", {}}, {"\xc3\xa9/\x7f", {{"md5", "AB"}}}};
  l.products = {{"z", {{"sha256", "01"}}}, {"Z", {{"sha256", "02"}}}, {"", {{"sha256", "03"}}}};
  l.byproducts = Json{{"return-value", -9}, {"stderr", "e\"\\"}, {"stdout", ""}, {"x", Json{{"b", 1}, {"a", {1, 2}}}}};
  l.environment = Json{{"variables", Json::object()}, {"workdir", "/w"}};
  same(l);
  l.byproducts = Json::array();
  l.environment = nullptr;
  same(l);
}
