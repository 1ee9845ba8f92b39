// The in-toto model against metadata made by the reference tools (fixtures/intoto/: in-toto-run
// links, a layout signed by in-toto-sign; scripts/gen-fixtures.sh).
#include <catch2/catch.hpp>
#include <map>
#include <sstream>

#include "signy/intoto/metadata.hpp"
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

// in-toto's RSA .pub is the PEM alone; ed25519/ecdsa .pub files are key dicts.
crypto::SslibKey public_key_file(const std::string& name) {
  auto text = fixture("intoto/" + name + ".pub");
  if (name == "rsa") return crypto::SslibKey{"rsa", "rsassa-pss-sha256", text, std::nullopt};
  return crypto::SslibKey::from_json(cjson::parse_strict(text).value()).value();
}

}  // namespace

TEST_CASE("the reference's layout parses into typed values") {
  auto mb = parse_layout(fixture("intoto/root.layout"));
  REQUIRE(mb);
  const auto& l = mb->signed_;
  auto ids = keyids();
  CHECK(l.expires == "2036-01-01T00:00:00Z");
  CHECK(l.expires_at == std::chrono::sys_days{std::chrono::year{2036} / 1 / 1});
  CHECK(l.readme == "signy fixture layout");
  REQUIRE(l.keys.size() == 3);
  for (const char* name : {"rsa", "ed25519", "ecdsa"}) {
    INFO(name);
    const auto& k = l.keys.at(ids.at(name));
    CHECK(k.keyid == ids.at(name));
    CHECK(k.key.keyid() == ids.at(name));  // keygen's ECDSA PEM keeps its newline: same key ID
  }
  CHECK(l.keys.at(ids.at("rsa")).key.private_value == std::optional<std::string>(""));
  REQUIRE(l.steps.size() == 1);
  const auto& s = l.steps[0];
  CHECK(s.name == "build");
  CHECK(s.threshold == 1);
  CHECK(s.pubkeys == std::vector<std::string>{ids.at("rsa"), ids.at("ed25519"), ids.at("ecdsa")});
  CHECK(s.expected_command == std::vector<std::string>{"sh", "-c", "mkdir -p out && cp src/main.c out/main.c"});
  REQUIRE(s.expected_materials.size() == 2);
  CHECK(s.expected_materials[0].type == RuleType::allow);
  CHECK(s.expected_materials[0].pattern == "src/*");
  CHECK(s.expected_materials[1].type == RuleType::disallow);
  REQUIRE(s.expected_products.size() == 3);
  CHECK(s.expected_products[0].type == RuleType::create);
  CHECK(s.expected_products[0].pattern == "out/main.c");
  REQUIRE(l.inspect.size() == 1);
  const auto& i = l.inspect[0];
  CHECK(i.name == "check-product");
  CHECK(i.run == std::vector<std::string>{"test", "-f", "out/main.c"});
  REQUIRE(i.expected_materials.size() == 3);
  const auto& m = i.expected_materials[0];
  CHECK(m.type == RuleType::match);
  CHECK(m.pattern == "out/*");
  CHECK(m.source_prefix.empty());
  CHECK(m.dest_prefix.empty());
  CHECK(m.dest_type == ArtifactKind::products);
  CHECK(m.dest_name == "build");
  CHECK(i.expected_products.empty());
  REQUIRE(mb->signatures.size() == 1);
  CHECK(mb->signatures[0].keyid == ids.at("rsa"));
}

TEST_CASE("in-toto-sign's layout signature verifies over signy's canonical bytes") {
  auto ids = keyids();
  auto mb = parse_layout(fixture("intoto/root.layout")).value();
  auto rsa = public_key_file("rsa");
  REQUIRE(rsa.keyid() == ids.at("rsa"));
  CHECK(verify_signature(mb, rsa, rsa.keyid()));
  // The same key as the layout lists it (its dict carries "private": "", and is signed so).
  CHECK(verify_signature(mb, mb.signed_.keys.at(ids.at("rsa"))));
  // Signed bytes are the canonical form of the whole model: any field changed breaks it.
  auto changed = mb;
  changed.signed_.readme += ".";
  CHECK(verify_signature(changed, rsa, rsa.keyid()).error().code == Errc::bad_signature);
  changed = mb;
  changed.signed_.steps[0].threshold = 2;
  CHECK(verify_signature(changed, rsa, rsa.keyid()).error().code == Errc::bad_signature);
  changed = mb;
  changed.signed_.inspect[0].expected_materials.pop_back();
  CHECK(verify_signature(changed, rsa, rsa.keyid()).error().code == Errc::bad_signature);
  // Another key has no signature on it.
  auto ed = public_key_file("ed25519");
  auto err = verify_signature(mb, ed, ed.keyid()).error();
  CHECK(err.code == Errc::bad_signature);
  CHECK(err.message.find("no signature by key") != std::string::npos);
  // The canonical bytes are securesystemslib's encoding of the file's `signed` (which holds
  // exactly the model's fields).
  auto raw = cjson::parse_strict(fixture("intoto/root.layout")).value();
  CHECK(canonical_bytes(mb.signed_).value() == cjson::sslib_canonical(raw["signed"]).value());
}

TEST_CASE("every in-toto-run link parses, and its signature verifies with the layout's key for it") {
  auto layout = parse_layout(fixture("intoto/root.layout")).value().signed_;
  auto ids = keyids();
  for (const char* name : {"rsa", "ed25519", "ecdsa"}) {
    INFO(name);
    const auto& id = ids.at(name);
    for (const auto& file : {std::string("build-") + name + ".link", link_file_name("build", id)}) {
      INFO(file);
      auto mb = parse_link(fixture("intoto/" + file));
      REQUIRE(mb);
      const auto& l = mb->signed_;
      CHECK(l.name == "build");
      CHECK(l.command == std::vector<std::string>{"sh", "-c", "mkdir -p out && cp src/main.c out/main.c"});
      REQUIRE(l.materials.count("src/main.c") == 1);
      REQUIRE(l.products.count("out/main.c") == 1);
      CHECK(l.materials.at("src/main.c") == l.products.at("out/main.c"));
      CHECK(l.materials.at("src/main.c").at("sha256").size() == 64);
      CHECK(l.byproducts == Json{{"return-value", 0}, {"stderr", ""}, {"stdout", ""}});
      CHECK(l.environment == Json::object());
      CHECK(verify_signature(*mb, layout.keys.at(id)));
      CHECK(verify_signature(*mb, public_key_file(name), id));
      auto raw = cjson::parse_strict(fixture("intoto/" + file)).value();
      CHECK(canonical_bytes(l).value() == cjson::sslib_canonical(raw["signed"]).value());
      auto changed = *mb;
      changed.signed_.products["out/main.c"]["sha256"][0] ^= 1;
      CHECK(verify_signature(changed, layout.keys.at(id)).error().code == Errc::bad_signature);
    }
  }
}

TEST_CASE("dump writes the reference's files byte for byte") {
  for (const char* file : {"root.layout", "build-rsa.link", "build-ed25519.link", "build-ecdsa.link"}) {
    INFO(file);
    auto text = fixture(std::string("intoto/") + file);
    auto mb = parse_metablock(text);
    REQUIRE(mb);
    std::string out = std::visit([](const auto& m) { return dump(m).value(); }, *mb);
    CHECK(out == text);
  }
}

TEST_CASE("parse_metablock tells layouts from links, the typed parsers refuse the other type") {
  auto layout = fixture("intoto/root.layout");
  auto link = fixture("intoto/build-rsa.link");
  CHECK(std::holds_alternative<LayoutMetablock>(parse_metablock(layout).value()));
  CHECK(std::holds_alternative<LinkMetablock>(parse_metablock(link).value()));
  CHECK(parse_link(layout).error().code == Errc::wrong_type);
  CHECK(parse_layout(link).error().code == Errc::wrong_type);
}
