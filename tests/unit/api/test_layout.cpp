// api::root_layout_trust: the root keys of a root.json as in-toto layout keys (issue 9 item 5).
// The key IDs must be those `signy key export --format in-toto` prints for the private keys
// (crypto::sslib_public_key of the private key), and a layout signed with a root key must verify
// with them, one signed with another key must not.
#include <catch2/catch.hpp>

#include <algorithm>

#include "signy/api/intoto.hpp"
#include "signy/crypto/notary_keys.hpp"
#include "signy/crypto/sslib.hpp"
#include "signy/intoto/metadata.hpp"
#include "signy/keystore/keystore.hpp"
#include "signy/notary/remote.hpp"
#include "testsupport.hpp"
#include "unit/tuf/simulator.hpp"

using namespace signy;

namespace {

struct RootKey {
  crypto::PrivateKey key;
  crypto::NotaryKey cert;
};

RootKey root_key(crypto::KeyAlgorithm alg) {
  auto k = crypto::PrivateKey::generate(alg, 2048).value();
  auto cert = crypto::notary_certificate_key(k, crypto::make_root_certificate(k, "example.com/app", 1700000000, 2000000000).value());
  return {std::move(k), std::move(cert)};
}

tuf::Root root_of(const std::vector<const RootKey*>& keys, std::int64_t threshold) {
  tuf::Root root;
  tuf::RoleKeys role;
  role.threshold = threshold;
  for (const auto* k : keys) {
    root.keys.emplace(k->cert.key_id(), k->cert);
    role.keyids.push_back(k->cert.key_id());
  }
  root.roles["root"] = role;
  // Other roles' keys are not layout keys.
  auto targets = crypto::notary_public_key(crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256).value());
  root.keys.emplace(targets.key_id(), targets);
  root.roles["targets"] = tuf::RoleKeys{{targets.key_id()}, 1};
  return root;
}

class FixedPassphrase : public keystore::PassphraseSource {
 public:
  Result<SecretString> get(std::string_view, std::string_view, bool) override { return SecretString(std::string("layout-test-pass")); }
};

// A collection on a file:// repository whose root role has two root keys and threshold 2, and a
// trust dir holding the private root keys given.
struct TwoRootRepo {
  TempDir dir;
  testsim::Simulator sim{"example.com/app"};
  FixedPassphrase pass;
  api::Context ctx;

  TwoRootRepo() {
    sim.keys["root"].push_back(testsim::make_root_key("example.com/app"));
    auto& second = sim.keys["root"].back();
    sim.root.keys.emplace(second.id, second.pub);
    sim.root.roles["root"].keyids.push_back(second.id);
    sim.root.roles["root"].threshold = 2;
    sim.sign_root();
    sim.publish();
    ctx.trust_dir = dir.path() / "trust";
    ctx.server = "file://" + (dir.path() / "server").string();
    ctx.now = sim.now;
    ctx.passphrases = &pass;
    auto remote = notary::open_remote(ctx.server, "example.com/app", ctx.http).value();
    REQUIRE(remote->publish({{"root", sim.root_bytes}, {"targets", sim.targets_bytes},
                             {"snapshot", sim.snapshot_bytes}, {"timestamp", sim.timestamp_bytes}}));
  }
  void hold(std::size_t root_index) {
    auto ks = keystore::KeyStore::open(ctx.trust_dir, pass).value();
    REQUIRE(ks.store(sim.keys["root"].at(root_index).key, "root", ""));
  }
  // The layout's signed object, as `signy layout sign` reads it.
  static std::string layout_json() {
    auto doc = cjson::parse_strict(fixture("intoto/root.layout")).value();
    return doc["signed"].dump();
  }
  // How many distinct root keys of the trusted root validly signed `file`.
  std::size_t root_signers(const std::string& file) {
    auto mb = intoto::parse_layout(file).value();
    auto trust = api::root_layout_trust(sim.root).value();
    std::size_t n = 0;
    for (const auto& [id, key] : trust.keys)
      if (intoto::verify_signature(mb, key, id)) ++n;
    return n;
  }
};

intoto::LayoutMetablock fixture_layout() {
  auto mb = intoto::parse_layout(fixture("intoto/root.layout")).value();
  mb.signatures.clear();
  return mb;
}

}  // namespace

TEST_CASE("root_layout_trust: the root keys by the key IDs key export gives, and root's threshold", "[layout]") {
  auto ec = root_key(crypto::KeyAlgorithm::ecdsa_p256);
  auto rsa = root_key(crypto::KeyAlgorithm::rsa);
  auto root = root_of({&ec, &rsa}, 2);
  auto trust = api::root_layout_trust(root).value();
  CHECK(trust.threshold == 2);
  REQUIRE(trust.keys.size() == 2);
  for (const auto* k : {&ec, &rsa}) {
    auto exported = crypto::sslib_public_key(k->key).value();  // what key export --format in-toto prints
    REQUIRE(trust.keys.contains(exported.keyid()));
    const auto& got = trust.keys.at(exported.keyid());
    CHECK(got.keyid() == exported.keyid());
    CHECK(got.to_json() == exported.to_json());
    // The x509 certificate's key ID is Notary's, never the in-toto one.
    CHECK(exported.keyid() != k->cert.key_id());
  }
  CHECK(trust.keys.at(crypto::sslib_public_key(ec.key).value().keyid()).keytype == "ecdsa");
  CHECK(trust.keys.at(crypto::sslib_public_key(rsa.key).value().keyid()).scheme == "rsassa-pss-sha256");
}

TEST_CASE("root_layout_trust: a layout signed with the root key verifies, one signed with another key does not", "[layout]") {
  auto ec = root_key(crypto::KeyAlgorithm::ecdsa_p256);
  auto trust = api::root_layout_trust(root_of({&ec}, 1)).value();
  REQUIRE(trust.keys.size() == 1);
  const auto& [id, key] = *trust.keys.begin();

  auto mb = fixture_layout();
  REQUIRE(intoto::sign(mb, ec.key, crypto::sslib_public_key(ec.key).value()));
  CHECK(intoto::verify_signature(mb, key, id));

  // The same layout signed by a key root does not list: no signature under a root key ID.
  auto stranger = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ecdsa_p256).value();
  auto stranger_pub = crypto::sslib_public_key(stranger).value();
  auto forged = fixture_layout();
  REQUIRE(intoto::sign(forged, stranger, stranger_pub));
  CHECK_FALSE(trust.keys.contains(stranger_pub.keyid()));
  auto st = intoto::verify_signature(forged, key, id);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::bad_signature);
  // A signature by the stranger relabelled with the root key's ID does not verify either.
  forged.signatures[0].keyid = id;
  st = intoto::verify_signature(forged, key, id);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::bad_signature);

  // A changed layout no longer verifies under the root key's signature.
  mb.signed_.readme = "changed";
  CHECK_FALSE(intoto::verify_signature(mb, key, id));
}

TEST_CASE("root_layout_trust: after a root rotation only the new root key is a layout key", "[layout]") {
  auto old_key = root_key(crypto::KeyAlgorithm::ecdsa_p256);
  auto new_key = root_key(crypto::KeyAlgorithm::ecdsa_p256);
  auto trust = api::root_layout_trust(root_of({&new_key}, 1)).value();
  CHECK(trust.keys.contains(crypto::sslib_public_key(new_key.key).value().keyid()));
  CHECK_FALSE(trust.keys.contains(crypto::sslib_public_key(old_key.key).value().keyid()));
}

TEST_CASE("root_layout_trust: one key listed twice is one layout key", "[layout]") {
  auto ec = root_key(crypto::KeyAlgorithm::ecdsa_p256);
  // Two certificates of the same key: two Notary key IDs, one in-toto key.
  auto cert2 = crypto::notary_certificate_key(ec.key, crypto::make_root_certificate(ec.key, "example.com/app", 1700000001, 2000000000).value());
  RootKey again{ec.key, cert2};
  REQUIRE(again.cert.key_id() != ec.cert.key_id());
  auto trust = api::root_layout_trust(root_of({&ec, &again}, 2)).value();
  CHECK(trust.keys.size() == 1);
  CHECK(trust.threshold == 2);  // unreachable with one key, as TUF counts it: fails closed
}

TEST_CASE("root_layout_trust: refuses a root without usable root keys", "[layout]") {
  tuf::Root empty;
  auto st = api::root_layout_trust(empty);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::untrusted_key);

  // A key ID root lists but whose key is absent, and a key of an unknown type: left out.
  tuf::Root root;
  root.roles["root"] = tuf::RoleKeys{{"00ff", "abcd"}, 1};
  crypto::NotaryKey odd;
  odd.keytype = "gpg";
  odd.public_bytes = {1, 2, 3};
  root.keys.emplace("abcd", odd);
  st = api::root_layout_trust(root);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::untrusted_key);
  CHECK_THAT(st.error().message, Catch::Contains("no root key"));

  auto ec = root_key(crypto::KeyAlgorithm::ecdsa_p256);
  auto zero = root_of({&ec}, 1);
  zero.roles["root"].threshold = 0;
  CHECK_FALSE(api::root_layout_trust(zero));
}

TEST_CASE("sign_layout: one signer holding both root keys meets a root threshold of 2", "[layout]") {
  TwoRootRepo repo;
  repo.hold(0);
  repo.hold(1);
  auto res = api::sign_layout(repo.ctx, TwoRootRepo::layout_json(), "example.com/app");
  REQUIRE(res);
  CHECK(res->keyids.size() == 2);
  CHECK(res->key_ids.size() == 2);
  CHECK_FALSE(res->was_metablock);
  CHECK(repo.root_signers(res->file) == 2);
  CHECK(api::root_layout_trust(repo.sim.root).value().threshold == 2);
  for (const auto& k : repo.sim.keys["root"])
    CHECK(std::find(res->keyids.begin(), res->keyids.end(), crypto::sslib_public_key(k.key).value().keyid()) != res->keyids.end());
}

TEST_CASE("sign_layout: with one of two root keys held, one signature (below root's threshold)", "[layout]") {
  TwoRootRepo repo;
  repo.hold(1);
  auto res = api::sign_layout(repo.ctx, TwoRootRepo::layout_json(), "example.com/app");
  REQUIRE(res);
  REQUIRE(res->keyids.size() == 1);
  CHECK(res->keyids[0] == crypto::sslib_public_key(repo.sim.keys["root"][1].key).value().keyid());
  CHECK(repo.root_signers(res->file) == 1);
}

TEST_CASE("sign_layout: no root key held, an expired layout, a metablock re-signed", "[layout]") {
  TwoRootRepo repo;
  auto none = api::sign_layout(repo.ctx, TwoRootRepo::layout_json(), "example.com/app");
  REQUIRE_FALSE(none);
  CHECK(none.error().code == Errc::not_found);
  CHECK_THAT(none.error().message, Catch::Contains("none of the root keys of example.com/app"));

  repo.hold(0);
  auto doc = cjson::parse_strict(TwoRootRepo::layout_json()).value();
  doc["expires"] = "2026-11-21T23:59:59Z";  // the simulator's now is 2026-11-22
  auto expired = api::sign_layout(repo.ctx, doc.dump(), "example.com/app");
  REQUIRE_FALSE(expired);
  CHECK(expired.error().code == Errc::expired);

  auto res = api::sign_layout(repo.ctx, fixture("intoto/root.layout"), "example.com/app");
  REQUIRE(res);
  CHECK(res->was_metablock);
  CHECK(res->replaced_signatures == 1);
  CHECK(intoto::parse_layout(res->file).value().signatures.size() == 1);
}
