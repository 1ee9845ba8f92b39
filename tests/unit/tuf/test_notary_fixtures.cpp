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
  CHECK(envelope_bytes(parsed->canonical, parsed->signatures) == bytes);
  // The streamed canonical bytes are those of the DOM path.
  auto doc = cjson::parse_strict(bytes).value();
  CHECK(cjson::notary_canonical(doc["signed"]).value() == parsed->canonical);
  // And the typed model re-serializes to the same payload (no field lost or reordered).
  CHECK(canonical_bytes(to_json(parsed->signed_)).value() == parsed->canonical);
  if constexpr (std::is_same_v<T, Targets>) CHECK(canonical_bytes(parsed->signed_).value() == parsed->canonical);
}

TimePoint reference_time() {
  // The fixtures' timestamp is valid for 14 days from its creation: use a time inside it.
  auto ts = parse_timestamp(fixture("notary/repo/timestamp.json")).value();
  return ts.signed_.expires - 24h * 13;
}
}  // namespace

TEST_CASE("notary's files are re-serialized byte for byte") {
  check_round_trip("notary/repo/root.json", parse_root);
  auto targets = +[](std::string_view b) { return parse_targets(b); };
  check_round_trip<Targets>("notary/repo/targets.json", targets);
  check_round_trip<Targets>("notary/repo/targets/releases.json", targets);
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
  CHECK(verify_threshold("targets", t.canonical, t.signatures, root.signed_.keys, root.signed_.roles.at("targets")));
  // The raw substring of "signed" is not what was signed.
  auto start = bytes.find(':') + 1, end = bytes.rfind(",\"signatures\"");
  auto raw = bytes.substr(start, end - start);
  const auto& key = root.signed_.keys.at(t.signatures[0].keyid);
  CHECK(!crypto::notary_verify(key, t.signatures[0].method, as_bytes(raw), t.signatures[0].sig));
}

// A writer other than Go may order keys differently or add whitespace: the streaming parser
// gives way to the DOM path, with the same model and the same signed bytes.
TEST_CASE("metadata not in canonical order parses through the DOM path to the same result") {
  auto bytes = fixture("notary/repo/targets.json");
  auto canonical_parse = parse_targets(bytes).value();
  auto doc = nlohmann::ordered_json::parse(bytes);
  nlohmann::ordered_json reversed = nlohmann::ordered_json::object();
  auto& signed_obj = doc["signed"];
  for (auto it = signed_obj.rbegin(); it != signed_obj.rend(); ++it) reversed[it.key()] = *it;
  doc["signed"] = reversed;
  auto text = doc.dump(2);
  REQUIRE(text.find("\"version\"") < text.find("\"_type\""));
  auto other = parse_targets(text);
  REQUIRE(other);
  CHECK(other->canonical == canonical_parse.canonical);
  CHECK(other->signed_.targets.size() == canonical_parse.signed_.targets.size());
  auto root = parse_root(fixture("notary/repo/root.json")).value();
  CHECK(verify_threshold("targets", other->canonical, other->signatures, root.signed_.keys, root.signed_.roles.at("targets")));
}

TEST_CASE("a duplicate target in otherwise canonical metadata is refused, not merged") {
  auto bytes = fixture("notary/repo/targets.json");
  auto t = parse_targets(bytes).value();
  REQUIRE(!t.signed_.targets.empty());
  // Repeat the first target's entry right after itself.
  auto pos = bytes.find("\"targets\":{") + 11;
  auto first = t.signed_.targets.begin()->first;
  std::string entry = "\"" + first + "\":" + cjson::notary_canonical(cjson::parse_strict(bytes).value()["signed"]["targets"][first]).value();
  REQUIRE(bytes.compare(pos, entry.size(), entry) == 0);
  bytes.insert(pos, entry + ",");
  auto dup = parse_targets(bytes);
  REQUIRE(!dup);
  CHECK(dup.error().code == Errc::duplicate_key);
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

TEST_CASE("Hashes keep sha256 and sha512 inline and visit every algorithm in name order") {
  Hashes h;
  CHECK(h.size() == 0);
  CHECK(h.get("sha256").empty());
  Bytes d32(32, 1), d64(64, 2), other{9, 9, 9};
  h.set("sha512", d64);
  h.set("md5", other);
  h.set("sha256", d32);
  h.set("sha384", other);
  h.set("zzz", other);
  CHECK(h.size() == 5);
  CHECK(h.contains("sha256"));
  CHECK(std::equal(h.get("sha512").begin(), h.get("sha512").end(), d64.begin(), d64.end()));
  std::vector<std::string> order;
  h.for_each([&](std::string_view alg, Hashes::View) { order.emplace_back(alg); });
  CHECK(order == std::vector<std::string>{"md5", "sha256", "sha384", "sha512", "zzz"});
  // A digest of the wrong size for sha256 is kept with the others, never truncated.
  Hashes odd;
  odd.set("sha256", other);
  CHECK(odd.get("sha256").size() == 3);
}

TEST_CASE("the direct targets writer equals the DOM writer (custom data, other hashes, odd names)") {
  Targets t;
  t.version = 7;
  t.expires = parse_rfc3339("2030-01-02T03:04:05.123456789Z").value();
  FileMeta a = make_file_meta("a");
  a.hashes.set("md5", Bytes{1, 2, 3});
  FileMeta b = make_file_meta("b");
  b.custom = nlohmann::json{{"z", 1}, {"a", {{"q\"", "<&>"}}}};
  t.targets["plain"] = a;
  t.targets["we\"ird\\<name>/\xc3\xbc"] = b;
  t.targets[""] = make_file_meta("");
  CHECK(canonical_bytes(t).value() == canonical_bytes(to_json(t)).value());
  // And what it writes parses back to the same payload.
  auto env = envelope_bytes(canonical_bytes(t).value(), {});
  auto back = parse_targets(env).value();
  CHECK(back.canonical == canonical_bytes(t).value());
  CHECK(back.signed_.targets.size() == 3);
}

TEST_CASE("a targets role parsed for its digest only verifies the same, without the bytes") {
  auto bytes = fixture("notary/repo/targets.json");
  auto root = parse_root(fixture("notary/repo/root.json")).value();
  auto full = parse_targets(bytes).value();
  auto lean = parse_targets(bytes, false).value();
  CHECK(lean.canonical.empty());
  REQUIRE(lean.canonical_sha256);
  CHECK(*lean.canonical_sha256 == crypto::sha256(as_bytes(full.canonical)));
  CHECK(lean.signed_.targets.size() == full.signed_.targets.size());
  const auto& role = root.signed_.roles.at("targets");
  REQUIRE(root.signed_.keys.at(role.keyids[0]).keytype == "ecdsa");  // notary's targets keys
  CHECK(verify_threshold("targets", lean.canonical, lean.signatures, root.signed_.keys, role, &*lean.canonical_sha256));
  auto wrong = *lean.canonical_sha256;
  wrong[0] ^= 1;
  CHECK(!verify_threshold("targets", lean.canonical, lean.signatures, root.signed_.keys, role, &wrong));
}

TEST_CASE("signatures checked over a SHA-256 digest: ECDSA and RSA yes, Ed25519 never") {
  std::string msg = "{\"signed\":\"payload\"}";
  auto digest = crypto::sha256(as_bytes(msg));
  for (auto alg : {crypto::KeyAlgorithm::ecdsa_p256, crypto::KeyAlgorithm::rsa, crypto::KeyAlgorithm::ed25519}) {
    auto key = crypto::PrivateKey::generate(alg).value();
    auto pub = crypto::notary_public_key(key);
    auto sig = crypto::notary_sign(key, pub.key_id(), as_bytes(msg)).value();
    INFO(sig.method);
    REQUIRE(crypto::notary_verify(pub, sig.method, as_bytes(msg), sig.sig));
    auto by_digest = crypto::notary_verify_sha256(pub, sig.method, digest, sig.sig);
    if (alg == crypto::KeyAlgorithm::ed25519) {
      CHECK(by_digest.error().code == Errc::unsupported_scheme);
      continue;
    }
    CHECK(by_digest);
    auto other = crypto::sha256(as_bytes(msg + " "));
    CHECK(crypto::notary_verify_sha256(pub, sig.method, other, sig.sig).error().code == Errc::bad_signature);
    if (alg == crypto::KeyAlgorithm::rsa) {  // PKCS#1 v1.5 too (notary accepts rsapkcs1v15)
      CHECK(!crypto::notary_verify_sha256(pub, "rsapkcs1v15", digest, sig.sig));
    }
  }
}

TEST_CASE("peek_version reads signed.version and nothing else") {
  for (const char* f : {"notary/repo/targets.json", "notary/repo/root.json", "notary/repo/snapshot.json"}) {
    auto bytes = fixture(f);
    CHECK(peek_version(bytes).value() == cjson::parse_strict(bytes).value()["signed"]["version"].get<std::int64_t>());
  }
  CHECK(peek_version(R"({"version":7,"signed":{"a":{"version":8},"version":3}})").value() == 3);
  CHECK(peek_version(R"({"signed":{"v":[{"version":8}]}})").error().code == Errc::malformed_json);
  CHECK(peek_version(R"({"signed":{"version":3})").error().code == Errc::malformed_json);  // truncated
}

TEST_CASE("a large targets role parses like a small one, and a bad entry is named") {
  Targets t;
  t.version = 3;
  t.expires = parse_rfc3339("2030-01-02T03:04:05Z").value();
  for (int i = 0; i < 4000; ++i) t.targets["bundle-" + std::to_string(100000 + i)] = make_file_meta(std::to_string(i));
  auto canonical = canonical_bytes(t).value();
  auto file = envelope_bytes(canonical, {});
  REQUIRE(file.size() > (256u << 10));  // over the size where the hashes are checked on another thread
  auto parsed = parse_targets(file).value();
  CHECK(parsed.canonical == canonical);
  CHECK(parsed.signed_.targets.size() == 4000);
  CHECK(canonical_bytes(parsed.signed_).value() == canonical);
  // A bad entry in the middle is reported (the first one, by name), not skipped.
  auto name = std::string("\"bundle-102000\":{\"hashes\":{\"sha256\":\"");
  auto bad = file;
  auto at = bad.find(name);
  REQUIRE(at != std::string::npos);
  bad[at + name.size()] = '%';
  auto r = parse_targets(bad);
  REQUIRE(!r);
  CHECK(r.error().code == Errc::malformed_json);
  CHECK(r.error().message.find("bundle-102000") != std::string::npos);
  // And a duplicate entry still falls back to the DOM path and is refused.
  auto dup = file;
  auto entry_end = dup.find("},\"bundle-102001\"", at);
  REQUIRE(entry_end != std::string::npos);
  std::string entry = dup.substr(at, entry_end + 1 - at);
  dup.insert(entry_end + 1, "," + entry);
  CHECK(parse_targets(dup).error().code == Errc::duplicate_key);
}

// A document in canonical order goes through the one-pass parser, the same document out of order
// through the DOM path: both must agree, on the model and on the error, for every entry shape.
TEST_CASE("target entries: the one-pass path and the DOM path agree") {
  std::string h256 = base64_encode(crypto::sha256(as_bytes(std::string("x")))),
              h512 = base64_encode(crypto::sha512(as_bytes(std::string("x"))));
  std::vector<std::string> entries = {
      R"({"hashes":{"sha256":")" + h256 + R"(","sha512":")" + h512 + R"("},"length":1})",
      R"({"custom":{"a":[1,true,null]},"hashes":{"sha256":")" + h256 + R"("},"length":1})",
      R"({"hashes":{"md5":"AAAA","sha256":")" + h256 + R"("},"length":9007199254740992,"zzz":[1,{"q":false}]})",
      R"({"hashes":{},"length":0})",
      R"({"hashes":{"sha256":")" + h256 + R"("},"length":"1"})",
      R"({"hashes":["x"],"length":1})",
      R"({"hashes":{"sha256":5},"length":1})",
      R"({"hashes":{"sha256":{"x":1}},"length":1})",
      R"({"hashes":{"sha256":")" + h256 + R"("},"length":-1})",
      R"({"hashes":{"sha256":")" + h256 + R"("},"length":9007199254740993})",
      R"({"hashes":{"sha256":")" + h256 + R"("}})",
      R"({"length":1})",
      R"({"hashes":{"sha256":"%%%"},"length":1})",
      R"({"hashes":{"sha256":"AAAA"},"length":1})",
      R"({"hashes":{"sha256":")" + h256 + R"("},"length":null})",
      R"({"a":1,"hashes":{"sha256":")" + h256 + R"("},"length":1})",
      R"([1,2])",
      R"("text")",
  };
  for (const auto& e : entries) {
    INFO(e);
    std::string canonical_doc = R"({"signatures":[],"signed":{"_type":"Targets","delegations":{"keys":{},"roles":[]},)"
                                R"("expires":"2030-01-01T00:00:00Z","targets":{"t1":)" + e + R"(},"version":1}})";
    std::string reordered_doc = R"({"signed":{"version":1,"targets":{"t1":)" + e +
                                R"(},"expires":"2030-01-01T00:00:00Z","delegations":{"roles":[],"keys":{}},"_type":"Targets"},"signatures":[]})";
    auto a = parse_targets(canonical_doc);
    auto b = parse_targets(reordered_doc);
    REQUIRE(a.has_value() == b.has_value());
    if (!a) {
      CHECK(a.error().code == b.error().code);
      CHECK(a.error().message == b.error().message);
      continue;
    }
    CHECK(a->canonical == b->canonical);
    CHECK(canonical_bytes(a->signed_).value() == canonical_bytes(b->signed_).value());
  }
}
