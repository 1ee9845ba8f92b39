// Keys and links made by in-toto 1.3 / securesystemslib 0.26 (fixtures/intoto/).
#include <catch2/catch.hpp>
#include <map>
#include <sstream>

#include "signy/crypto/sslib.hpp"
#include "testsupport.hpp"

using namespace signy;
using namespace signy::crypto;

namespace {
std::map<std::string, std::string> keyids() {
  std::map<std::string, std::string> m;
  std::istringstream in(fixture("intoto/keyids.txt"));
  for (std::string name, id; in >> name >> id;) m[name] = id;
  return m;
}
}  // namespace

TEST_CASE("key IDs of in-toto-keygen keys recompute exactly, including the ECDSA newline trap") {
  auto ids = keyids();
  for (const char* name : {"ed25519", "ecdsa"}) {
    auto pub = SslibKey::from_json(cjson::parse_strict(fixture(std::string("intoto/") + name + ".pub")).value()).value();
    CHECK(pub.keyid() == ids.at(name));
    auto priv = sslib_load_private(fixture(std::string("intoto/") + name), nullptr).value();
    CHECK(priv.pub.keyid() == ids.at(name));
    CHECK(priv.keyid == ids.at(name));
  }
  auto rsa = sslib_load_private(fixture("intoto/rsa"), nullptr).value();
  CHECK(rsa.pub.keyid() == ids.at("rsa"));
  auto ec = sslib_load_private(fixture("intoto/ecdsa"), nullptr).value();
  CHECK(sslib_public_key(ec.key, false).value().keyid() == ids.at("ecdsa-without-trailing-newline"));
}

TEST_CASE("in-toto-run link signatures verify over securesystemslib canonical bytes") {
  auto ids = keyids();
  for (const char* name : {"rsa", "ed25519", "ecdsa"}) {
    INFO(name);
    auto link = cjson::parse_strict(fixture(std::string("intoto/build-") + name + ".link")).value();
    auto priv = sslib_load_private(fixture(std::string("intoto/") + name), nullptr).value();
    auto canonical = cjson::sslib_canonical(link["signed"]).value();
    const auto& sig = link["signatures"][0];
    CHECK(sig["keyid"] == ids.at(name));
    CHECK(sslib_verify(priv.pub, sig["sig"].get<std::string>(), as_bytes(canonical)));
    canonical[canonical.size() / 2] ^= 1;
    CHECK(sslib_verify(priv.pub, sig["sig"].get<std::string>(), as_bytes(canonical)).error().code == Errc::bad_signature);
  }
}

TEST_CASE("encrypted securesystemslib keys need the right password") {
  SecretString right(std::string("fixture-intoto-pass")), wrong(std::string("nope"));
  CHECK(sslib_load_private(fixture("intoto/ed25519-enc"), &right));
  CHECK(sslib_load_private(fixture("intoto/ed25519-enc"), &wrong).error().code == Errc::wrong_passphrase);
  CHECK(sslib_load_private(fixture("intoto/ed25519-enc"), nullptr).error().code == Errc::no_passphrase);
  CHECK(sslib_load_private(fixture("intoto/rsa-enc"), &right));
  CHECK(sslib_load_private(fixture("intoto/rsa-enc"), &wrong).error().code == Errc::wrong_passphrase);
  CHECK(sslib_load_private("{\"keytype\":\"ed25519\"}", nullptr).error().code == Errc::malformed_key);
}

TEST_CASE("layout key files load as in-toto-verify loads them: by type, or detected") {
  auto ids = keyids();
  for (const char* name : {"rsa", "ed25519", "ecdsa"}) {
    std::string bytes = fixture(std::string("intoto/") + name + ".pub");
    auto given = sslib_load_public(bytes, name).value();
    CHECK(given.keyid() == ids.at(name));
    CHECK(sslib_load_public(bytes).value().keyid() == ids.at(name));
  }
  // An RSA PEM is cut from its header through its footer and carries "private": "".
  auto rsa = sslib_load_public("junk before\n" + fixture("intoto/rsa.pub") + "\n\ntrailing").value();
  CHECK(rsa.keyid() == ids.at("rsa"));
  CHECK(rsa.private_value == std::optional<std::string>(""));
  // Wrong or unusable types are named.
  CHECK(sslib_load_public(fixture("intoto/ed25519.pub"), "rsa").error().code == Errc::malformed_pem);
  CHECK(sslib_load_public(fixture("intoto/ed25519.pub"), "ecdsa").error().code == Errc::malformed_key);
  CHECK(sslib_load_public(fixture("intoto/rsa.pub"), "ed25519").error().code == Errc::malformed_key);
  auto ec_pem = cjson::parse_strict(fixture("intoto/ecdsa.pub")).value()["keyval"]["public"].get<std::string>();
  auto r = sslib_load_public(ec_pem);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::unsupported_key_type);
  CHECK_THAT(r.error().message, Catch::Contains("JSON"));
  CHECK(sslib_load_public("", "").error().code == Errc::malformed_pem);
  CHECK(sslib_load_public("{\"keytype\": \"ed25519\"}").error().code == Errc::malformed_key);
  CHECK(sslib_load_public("{}x").error().code == Errc::malformed_json);
}
