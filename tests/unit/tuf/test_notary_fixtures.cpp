// Metadata made by notary-server 0.7 and the notary CLI (fixtures/notary/): signy parses it,
// verifies every signature over the re-canonicalized bytes, re-serializes it byte for byte, and
// accepts the whole chain and the root rotation.
#include <catch2/catch.hpp>

#include "signy/tuf/trusted_set.hpp"
#include "testsupport.hpp"

using namespace signy;
using namespace signy::tuf;
using namespace std::chrono_literals;

namespace {
template <class T>
void check_round_trip(const std::string& file, Result<Signed<T>> (*parse)(std::string_view)) {
  INFO(file);
  auto bytes = fixture(file);
  auto parsed = parse(bytes);
  REQUIRE(parsed);
  // What signy would write for this payload and these signatures is exactly Notary's file.
  CHECK(envelope_bytes(parsed->signed_json, parsed->signatures).value() == bytes);
  // And the typed model re-serializes to the same payload (no field lost or reordered).
  CHECK(canonical_bytes(to_json(parsed->signed_)).value() == canonical_bytes(parsed->signed_json).value());
}

TimePoint reference_time() {
  // The fixtures' timestamp is valid for 14 days from its creation: use a time inside it.
  auto ts = parse_timestamp(fixture("notary/repo/timestamp.json")).value();
  return ts.signed_.expires - 24h * 13;
}
}  // namespace

TEST_CASE("notary's files are re-serialized byte for byte") {
  check_round_trip("notary/repo/root.json", parse_root);
  check_round_trip("notary/repo/targets.json", parse_targets);
  check_round_trip("notary/repo/targets/releases.json", parse_targets);
  check_round_trip("notary/repo/snapshot.json", parse_snapshot);
  check_round_trip("notary/repo/timestamp.json", parse_timestamp);
  check_round_trip("notary/rotated/2.root.json", parse_root);
}

TEST_CASE("every key ID in notary's root recomputes, root keys are valid certificates for the GUN") {
  auto root = parse_root(fixture("notary/repo/root.json")).value();
  for (const auto& [id, key] : root.signed_.keys) CHECK(key.key_id() == id);
  auto now = std::chrono::duration_cast<std::chrono::seconds>(reference_time().time_since_epoch()).count();
  for (const auto& id : root.signed_.roles.at("root").keyids) {
    CHECK(crypto::check_root_certificate(root.signed_.keys.at(id), "example.com/signy/fixture", now));
    CHECK(!crypto::check_root_certificate(root.signed_.keys.at(id), "example.com/signy/other", now));
  }
}

TEST_CASE("signatures cover the canonical bytes, not the file text") {
  auto bytes = fixture("notary/repo/targets.json");
  REQUIRE(bytes.find("\\u003c") != std::string::npos);  // Go escaped '<' in the file
  auto root = parse_root(fixture("notary/repo/root.json")).value();
  auto t = parse_targets(bytes).value();
  CHECK(verify_threshold("targets", t.signed_json, t.signatures, root.signed_.keys, root.signed_.roles.at("targets")));
  // The raw substring of "signed" is not what was signed.
  auto start = bytes.find(':') + 1, end = bytes.rfind(",\"signatures\"");
  auto raw = bytes.substr(start, end - start);
  const auto& key = root.signed_.keys.at(t.signatures[0].keyid);
  CHECK(!crypto::notary_verify(key, t.signatures[0].method, as_bytes(raw), t.signatures[0].sig));
}

TEST_CASE("the whole notary-made chain verifies, delegation included") {
  auto set = TrustedSet::create(fixture("notary/repo/root.json"), reference_time()).value();
  REQUIRE(set.update_timestamp(fixture("notary/repo/timestamp.json")));
  REQUIRE(set.update_snapshot(fixture("notary/repo/snapshot.json")));
  REQUIRE(set.update_targets(fixture("notary/repo/targets.json")));
  REQUIRE(set.update_delegated_targets("targets/releases", "targets", fixture("notary/repo/targets/releases.json")));
  CHECK(set.check_final_root());
  CHECK(set.targets()->signed_.targets.contains("we<ird>&name/\xc3\xbc"));
  CHECK(set.targets("targets/releases")->signed_.targets.contains("v2.0"));
  // The timestamp key is the server's Ed25519 key (local trust service).
  auto ts_key = set.root().signed_.roles.at("timestamp").keyids.at(0);
  CHECK(set.root().signed_.keys.at(ts_key).keytype == "ed25519");
}

TEST_CASE("notary's root rotation is followed: v2 is signed by the old and the new root key") {
  auto set = TrustedSet::create(fixture("notary/rotated/1.root.json"), reference_time()).value();
  REQUIRE(set.update_root(fixture("notary/rotated/2.root.json")));
  CHECK(set.root().signed_.version == 2);
  REQUIRE(set.update_timestamp(fixture("notary/rotated/timestamp.json")));
  REQUIRE(set.update_snapshot(fixture("notary/rotated/snapshot.json")));
  REQUIRE(set.update_targets(fixture("notary/rotated/targets.json")));
  // v2 alone cannot be trusted from a root that never signed it.
  auto other = TrustedSet::create(fixture("notary/repo/root.json"), reference_time()).value();
  CHECK(other.update_root(fixture("notary/rotated/2.root.json")).error().code == Errc::threshold_not_met);
}
